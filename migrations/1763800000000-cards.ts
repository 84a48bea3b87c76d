import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Cardholders, cards (PAN vault columns, spend controls, shipping), and the event outbox. */
export class Cards1763800000000 implements MigrationInterface {
  name = 'Cards1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cardholders (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid NOT NULL REFERENCES businesses(id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        email text NOT NULL CHECK (length(email) <= 254),
        phone_no text CHECK (phone_no ~ '^62[0-9]{7,13}$'),
        employee_id text CHECK (length(employee_id) <= 64),
        date_of_birth date,
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'INACTIVE', 'BLOCKED')),
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX cardholders_business_created ON cardholders (business_id, created_at DESC, id);
      CREATE UNIQUE INDEX cardholders_business_employee ON cardholders (business_id, employee_id) WHERE employee_id IS NOT NULL;

      CREATE TABLE cards (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid NOT NULL REFERENCES businesses(id),
        cardholder_id uuid NOT NULL REFERENCES cardholders(id),
        partner_reference_no text NOT NULL CHECK (length(partner_reference_no) BETWEEN 1 AND 64),
        type text NOT NULL CHECK (type IN ('VIRTUAL', 'PHYSICAL', 'SINGLE_USE', 'MERCHANT_LOCKED')),
        status text NOT NULL CHECK (status IN ('INACTIVE', 'ACTIVE', 'FROZEN', 'TERMINATED')),
        currency char(3) NOT NULL,
        last4 char(4) NOT NULL,
        expiry_month smallint NOT NULL CHECK (expiry_month BETWEEN 1 AND 12),
        expiry_year smallint NOT NULL,
        -- The PAN only as an AES-256-GCM envelope; found by a keyed fingerprint (HMAC-SHA256).
        pan_enc text NOT NULL,
        pan_fingerprint text NOT NULL UNIQUE,
        -- Which master key derives this card's CVV key (CVVs never change with key rotation).
        cvv_key_id text NOT NULL,
        spend_controls jsonb NOT NULL DEFAULT '{}'::jsonb,
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        replacement_for uuid REFERENCES cards(id),
        replacement_reason text CHECK (replacement_reason IN ('lost', 'stolen', 'damaged', 'expired')),
        -- Spend-limit usage is counted per chain of replacements: the first card's id.
        spend_root_id uuid NOT NULL,
        locked_merchant_id text,
        shipping jsonb,
        pin_hash text,
        pin_failed_attempts integer NOT NULL DEFAULT 0,
        activated_at timestamptz,
        terminated_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (business_id, partner_reference_no),
        CHECK ((replacement_for IS NULL) = (replacement_reason IS NULL)),
        CHECK ((type = 'PHYSICAL') = (shipping IS NOT NULL))
      );
      CREATE INDEX cards_business_created ON cards (business_id, created_at DESC, id);
      CREATE INDEX cards_business_cardholder ON cards (business_id, cardholder_id);
      CREATE UNIQUE INDEX cards_one_replacement ON cards (replacement_for) WHERE replacement_for IS NOT NULL;

      -- Events written in the same transaction as the change; a relay delivers them later.
      CREATE TABLE outbox_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid REFERENCES businesses(id),
        type text NOT NULL,
        data jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        relayed_at timestamptz
      );
      CREATE INDEX outbox_events_pending ON outbox_events (created_at) WHERE relayed_at IS NULL;
      CREATE INDEX outbox_events_business ON outbox_events (business_id, created_at DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE outbox_events, cards, cardholders');
  }
}
