import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Network authorizations, the messages that follow them (reversals, clearings, refunds), spend counters. */
export class Authorizations1764000000000 implements MigrationInterface {
  name = 'Authorizations1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE authorizations (
        id uuid PRIMARY KEY,
        network_id uuid NOT NULL REFERENCES networks(id),
        network_message_id text NOT NULL CHECK (length(network_message_id) BETWEEN 1 AND 64),
        request_hash text NOT NULL,
        business_id uuid REFERENCES businesses(id),
        card_id uuid REFERENCES cards(id),
        original_id uuid REFERENCES authorizations(id),
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        approved_amount bigint NOT NULL DEFAULT 0 CHECK (approved_amount >= 0),
        decision text NOT NULL CHECK (decision IN ('approved', 'declined', 'partial')),
        response_code char(2) NOT NULL,
        reason text NOT NULL,
        authorization_code text,
        merchant jsonb NOT NULL,
        pos jsonb NOT NULL DEFAULT '{}'::jsonb,
        facts jsonb NOT NULL,
        hold_id uuid REFERENCES ledger_transfers(id),
        -- Which spend counters this approval counted in, so a reversal or a smaller clearing can give back.
        counted jsonb NOT NULL DEFAULT '[]'::jsonb,
        status text NOT NULL CHECK (status IN ('pending', 'closed', 'declined')),
        latency_us integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (network_id, network_message_id)
      );
      CREATE INDEX authorizations_business_time ON authorizations (business_id, created_at DESC, id);
      CREATE INDEX authorizations_card_time ON authorizations (card_id, created_at DESC);

      -- Reversals, clearings and refunds: the first answer to a network message id, replayed on a retry.
      CREATE TABLE network_messages (
        network_id uuid NOT NULL REFERENCES networks(id),
        kind text NOT NULL CHECK (kind IN ('reversal', 'clearing', 'refund')),
        message_id text NOT NULL CHECK (length(message_id) BETWEEN 1 AND 64),
        request_hash text NOT NULL,
        business_id uuid REFERENCES businesses(id),
        authorization_id uuid REFERENCES authorizations(id),
        card_id uuid REFERENCES cards(id),
        amount bigint,
        currency char(3),
        transfer_id uuid REFERENCES ledger_transfers(id),
        response jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (network_id, kind, message_id)
      );
      CREATE INDEX network_messages_business_time ON network_messages (business_id, created_at DESC);

      -- Spend-limit usage per replacement chain, limit and calendar window (business time zone).
      CREATE TABLE spend_counters (
        spend_root_id uuid NOT NULL,
        limit_key text NOT NULL,
        window_start date NOT NULL,
        amount bigint NOT NULL DEFAULT 0 CHECK (amount >= 0),
        count integer NOT NULL DEFAULT 0 CHECK (count >= 0),
        PRIMARY KEY (spend_root_id, limit_key, window_start)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE spend_counters, network_messages, authorizations');
  }
}
