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
        -- Deferred: the authorization is written before its hold, which locks the funding account until commit.
        hold_id uuid REFERENCES ledger_transfers(id) DEFERRABLE INITIALLY DEFERRED,
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

      -- A hold in one call: the pending transfer, then both accounts; the debit is conditional on
      -- the available balance (credits posted − debits posted − debits pending + overdraft).
      -- Raises SQLSTATE KL051 when the account cannot cover it.
      CREATE FUNCTION kartu_place_hold(p_id uuid, p_business uuid, p_debit uuid, p_credit uuid, p_amount bigint,
                                       p_currency text, p_expires timestamptz, p_reference text) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ledger_transfers (id, business_id, debit_account_id, credit_account_id, amount, currency, kind, pending, open_amount, expires_at, reference)
        VALUES (p_id, p_business, p_debit, p_credit, p_amount, p_currency, 'hold', true, p_amount, p_expires, p_reference);
        UPDATE ledger_accounts SET debits_pending = debits_pending + p_amount
         WHERE id = p_debit AND credits_posted - debits_posted - debits_pending - p_amount + overdraft_limit >= 0;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'insufficient funds' USING ERRCODE = 'KL051';
        END IF;
        UPDATE ledger_accounts SET credits_pending = credits_pending + p_amount WHERE id = p_credit;
      END $$;

      -- The whole write of one authorization decision, in one statement (one round trip, atomic):
      -- merchant lock and single use (per card), spend counters that never pass a limit (per card
      -- chain), the authorization and its outbox event, and last the hold on the funding account, so
      -- that row (shared by all of a business's cards) is locked only until the commit. A race lost to
      -- a concurrent approval raises KL057 / KL005 / KL061 / KL051 and writes nothing.
      CREATE FUNCTION kartu_record_authorization(a jsonb) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        approved boolean := a->>'decision' <> 'declined';
        amount bigint := (a->>'approvedAmount')::bigint;
        c jsonb;
      BEGIN
        IF approved THEN
          IF a->>'cardType' = 'MERCHANT_LOCKED' THEN
            UPDATE cards SET locked_merchant_id = a->'merchant'->>'id'
             WHERE id = (a->>'cardId')::uuid AND (locked_merchant_id IS NULL OR locked_merchant_id = a->'merchant'->>'id');
            IF NOT FOUND THEN RAISE EXCEPTION 'merchant lock' USING ERRCODE = 'KL057'; END IF;
          END IF;
          IF a->>'cardType' = 'SINGLE_USE' AND a->>'originalId' IS NULL THEN
            PERFORM 1 FROM cards WHERE id = (a->>'cardId')::uuid FOR UPDATE;
            IF EXISTS (SELECT 1 FROM authorizations WHERE card_id = (a->>'cardId')::uuid AND status = 'pending') THEN
              RAISE EXCEPTION 'single use' USING ERRCODE = 'KL005';
            END IF;
          END IF;
          -- Amount limits bound the amount, count limits the number of approvals, per window.
          FOR c IN SELECT * FROM jsonb_array_elements(a->'counters') LOOP
            INSERT INTO spend_counters AS sc (spend_root_id, limit_key, window_start, amount, count)
            SELECT (a->>'spendRootId')::uuid, c->>'limitKey', (c->>'windowStart')::date, amount, 1
             WHERE CASE WHEN c->>'kind' = 'count' THEN 1 ELSE amount END <= (c->>'limit')::bigint
            ON CONFLICT (spend_root_id, limit_key, window_start)
            DO UPDATE SET amount = sc.amount + EXCLUDED.amount, count = sc.count + 1
             WHERE CASE WHEN c->>'kind' = 'count' THEN sc.count + 1 ELSE sc.amount + EXCLUDED.amount END <= (c->>'limit')::bigint;
            IF NOT FOUND THEN
              IF c->>'kind' = 'count' THEN RAISE EXCEPTION 'count limit' USING ERRCODE = 'KL065'; END IF;
              RAISE EXCEPTION 'spend limit' USING ERRCODE = 'KL061';
            END IF;
          END LOOP;
        END IF;
        INSERT INTO authorizations (id, network_id, network_message_id, request_hash, business_id, card_id, original_id, amount, currency,
                                    approved_amount, decision, response_code, reason, authorization_code, merchant, pos, facts, hold_id,
                                    counted, status, latency_us)
        VALUES ((a->>'id')::uuid, (a->>'networkId')::uuid, a->>'messageId', a->>'requestHash', (a->>'businessId')::uuid, (a->>'cardId')::uuid,
                (a->>'originalId')::uuid, (a->>'amount')::bigint, a->>'currency', amount, a->>'decision', a->>'responseCode', a->>'reason',
                a->>'authorizationCode', a->'merchant', a->'pos', a->'facts', (a->>'holdId')::uuid,
                CASE WHEN approved THEN a->'counters' ELSE '[]'::jsonb END, CASE WHEN approved THEN 'pending' ELSE 'declined' END,
                (a->>'latencyUs')::integer);
        IF a->>'businessId' IS NOT NULL THEN
          INSERT INTO outbox_events (business_id, type, data) VALUES ((a->>'businessId')::uuid, 'authorization.created', a->'event');
        END IF;
        IF approved THEN
          PERFORM kartu_place_hold((a->>'holdId')::uuid, (a->>'businessId')::uuid, (a->>'fundingId')::uuid, (a->>'settlementId')::uuid,
                                   amount, a->>'currency', (a->>'holdExpiresAt')::timestamptz, 'authorization:' || (a->>'id'));
        END IF;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION kartu_record_authorization(jsonb); DROP FUNCTION kartu_place_hold(uuid, uuid, uuid, uuid, bigint, text, timestamptz, text)');
    await q.query('DROP TABLE spend_counters, network_messages, authorizations');
  }
}
