import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The double-entry ledger, two-phase as in TigerBeetle: accounts keep debits/credits pending and
 * posted; a transfer moves one amount from a debit account to a credit account (so it always
 * balances); a hold is a pending transfer that a later transfer posts (clearing) or voids
 * (reversal, expiry), fully or in part.
 */
export class Ledger1763900000000 implements MigrationInterface {
  name = 'Ledger1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE ledger_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid REFERENCES businesses(id),
        code text NOT NULL CHECK (code IN ('funding', 'settlement', 'fees', 'rewards_liability', 'platform_bank')),
        currency char(3) NOT NULL,
        debits_pending bigint NOT NULL DEFAULT 0 CHECK (debits_pending >= 0),
        debits_posted bigint NOT NULL DEFAULT 0 CHECK (debits_posted >= 0),
        credits_pending bigint NOT NULL DEFAULT 0 CHECK (credits_pending >= 0),
        credits_posted bigint NOT NULL DEFAULT 0 CHECK (credits_posted >= 0),
        -- How far the available balance (credits posted − debits posted − debits pending) may go below zero.
        overdraft_limit bigint NOT NULL DEFAULT 0 CHECK (overdraft_limit >= 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE NULLS NOT DISTINCT (business_id, code, currency),
        CHECK ((business_id IS NULL) = (code = 'platform_bank'))
      );

      CREATE TABLE ledger_transfers (
        id uuid PRIMARY KEY,
        business_id uuid REFERENCES businesses(id),
        debit_account_id uuid NOT NULL REFERENCES ledger_accounts(id),
        credit_account_id uuid NOT NULL REFERENCES ledger_accounts(id),
        amount bigint NOT NULL CHECK (amount > 0),
        currency char(3) NOT NULL,
        kind text NOT NULL CHECK (kind IN ('funding', 'hold', 'post', 'void', 'over_capture', 'force_post', 'refund')),
        -- A hold: pending until posted or voided; open_amount is what is still held.
        pending boolean NOT NULL DEFAULT false,
        open_amount bigint NOT NULL DEFAULT 0 CHECK (open_amount >= 0 AND open_amount <= amount),
        expires_at timestamptz,
        -- The hold a post or void resolves.
        pending_id uuid REFERENCES ledger_transfers(id),
        reference text,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK (debit_account_id <> credit_account_id),
        CHECK (pending OR open_amount = 0),
        CHECK ((kind IN ('post', 'void')) = (pending_id IS NOT NULL))
      );
      CREATE INDEX ledger_transfers_business_time ON ledger_transfers (business_id, created_at DESC, id);
      CREATE INDEX ledger_transfers_open_holds ON ledger_transfers (expires_at) WHERE pending AND open_amount > 0;
      CREATE INDEX ledger_transfers_resolving ON ledger_transfers (pending_id) WHERE pending_id IS NOT NULL;

      -- Every existing business gets its accounts.
      INSERT INTO ledger_accounts (business_id, code, currency)
      SELECT b.id, c.code, b.currency FROM businesses b
      CROSS JOIN (VALUES ('funding'), ('settlement'), ('fees'), ('rewards_liability')) AS c(code);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ledger_transfers, ledger_accounts');
  }
}
