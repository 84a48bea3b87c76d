import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rewards (SNAP 98) and reports (SNAP 99).
 *
 * Ledger: a platform account per currency, `platform_rewards` (debit-normal: the rewards expense the
 * platform funds from its interchange), and three transfer kinds — `reward_accrual` (platform_rewards
 * → the business's rewards_liability), `reward_reversal` (back), `reward_redemption`
 * (rewards_liability → funding: the cashback the business receives).
 *
 * Rewards: one program per business; a balance per cardholder (points and the liability value booked
 * for them); entries (accrual, reversal, redemption), unique per card and source message so an event
 * delivered twice accrues once.
 *
 * Reports: requested or scheduled reports with status, progress and the generated file (bytea).
 */
export class RewardsReports1764300000000 implements MigrationInterface {
  name = 'RewardsReports1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_code_check;
      ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_code_check
        CHECK (code IN ('funding', 'settlement', 'fees', 'rewards_liability', 'platform_bank', 'platform_rewards'));
      ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_check;
      ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_check
        CHECK ((business_id IS NULL) = (code IN ('platform_bank', 'platform_rewards')));
      ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_kind_check;
      ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_kind_check
        CHECK (kind IN ('funding', 'hold', 'post', 'void', 'over_capture', 'force_post', 'refund', 'reward_accrual', 'reward_reversal', 'reward_redemption'));

      CREATE TABLE rewards_programs (
        business_id uuid PRIMARY KEY REFERENCES businesses(id),
        status text NOT NULL CHECK (status IN ('ACTIVE', 'PAUSED')),
        currency char(3) NOT NULL,
        -- The validated program (earn rate, point value, cashback, multipliers, tiers, promotions, rules).
        definition jsonb NOT NULL,
        version integer NOT NULL DEFAULT 1 CHECK (version > 0),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE rewards_balances (
        business_id uuid NOT NULL REFERENCES businesses(id),
        cardholder_id uuid NOT NULL REFERENCES cardholders(id),
        currency char(3) NOT NULL,
        points bigint NOT NULL DEFAULT 0 CHECK (points >= 0),
        -- The liability booked for these points (minor units): Σ over a business = its rewards_liability balance.
        value bigint NOT NULL DEFAULT 0 CHECK (value >= 0),
        earned_points bigint NOT NULL DEFAULT 0 CHECK (earned_points >= 0),
        reversed_points bigint NOT NULL DEFAULT 0 CHECK (reversed_points >= 0),
        redeemed_points bigint NOT NULL DEFAULT 0 CHECK (redeemed_points >= 0),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (business_id, cardholder_id, currency),
        CHECK (points > 0 OR value = 0),
        CHECK (points = earned_points - reversed_points - redeemed_points)
      );

      CREATE TABLE rewards_entries (
        id uuid PRIMARY KEY,
        business_id uuid NOT NULL REFERENCES businesses(id),
        cardholder_id uuid NOT NULL REFERENCES cardholders(id),
        card_id uuid REFERENCES cards(id),
        kind text NOT NULL CHECK (kind IN ('accrual', 'reversal', 'redemption')),
        -- The clearing or refund message id (accrual, reversal) or the redemption's own id.
        source_id text NOT NULL CHECK (length(source_id) BETWEEN 1 AND 64),
        event_id uuid,
        points bigint NOT NULL CHECK (points >= 0),
        value bigint NOT NULL CHECK (value >= 0),
        currency char(3) NOT NULL,
        -- The purchase or refund amount the entry is for (redemption: NULL).
        spend_amount bigint CHECK (spend_amount >= 0),
        merchant jsonb,
        breakdown jsonb NOT NULL DEFAULT '{}'::jsonb,
        transfer_id uuid REFERENCES ledger_transfers(id),
        partner_reference_no text CHECK (length(partner_reference_no) BETWEEN 1 AND 64),
        occurred_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (card_id, kind, source_id)
      );
      CREATE INDEX rewards_entries_holder_time ON rewards_entries (business_id, cardholder_id, occurred_at DESC, id);
      CREATE INDEX rewards_entries_business_time ON rewards_entries (business_id, occurred_at DESC, id);
      CREATE UNIQUE INDEX rewards_entries_partner_reference ON rewards_entries (business_id, partner_reference_no) WHERE partner_reference_no IS NOT NULL;

      CREATE TABLE reports (
        id uuid PRIMARY KEY,
        business_id uuid NOT NULL REFERENCES businesses(id),
        type text NOT NULL CHECK (type IN ('spend_by_category', 'spend_by_cardholder', 'spend_by_merchant', 'spend_by_card', 'monthly_statement')),
        format text NOT NULL CHECK (format IN ('csv', 'pdf')),
        from_date date NOT NULL,
        to_date date NOT NULL,
        time_zone text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
        progress smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
        -- partner | admin | schedule
        requested_by text NOT NULL,
        file bytea,
        content_type text,
        file_name text,
        error text,
        attempts integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        completed_at timestamptz,
        CHECK (from_date <= to_date),
        CHECK ((status = 'done') = (file IS NOT NULL))
      );
      CREATE INDEX reports_business_time ON reports (business_id, created_at DESC, id);
      CREATE INDEX reports_queued ON reports (created_at) WHERE status = 'queued';
      -- The monthly scheduler makes one statement per business and month, however often it runs.
      CREATE UNIQUE INDEX reports_scheduled_once ON reports (business_id, type, from_date, to_date) WHERE requested_by = 'schedule';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE reports, rewards_entries, rewards_balances, rewards_programs');
    await q.query(`
      DELETE FROM ledger_transfers WHERE kind IN ('reward_accrual', 'reward_reversal', 'reward_redemption');
      DELETE FROM ledger_accounts WHERE code = 'platform_rewards';
      ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_kind_check;
      ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_kind_check
        CHECK (kind IN ('funding', 'hold', 'post', 'void', 'over_capture', 'force_post', 'refund'));
      ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_check;
      ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_check CHECK ((business_id IS NULL) = (code = 'platform_bank'));
      ALTER TABLE ledger_accounts DROP CONSTRAINT ledger_accounts_code_check;
      ALTER TABLE ledger_accounts ADD CONSTRAINT ledger_accounts_code_check
        CHECK (code IN ('funding', 'settlement', 'fees', 'rewards_liability', 'platform_bank'));
    `);
  }
}
