import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Two-factor authentication (TOTP, RFC 6238) for admins.
 * - admins: the active TOTP secret and one being enrolled, both SecretBox envelopes (never in clear),
 *   the last time step a code was accepted for (a code works once), and when 2FA was turned on.
 * - admin_recovery_codes: ten single-use codes per admin, stored as SHA-256 hashes.
 * - admin_sessions.two_factor: the session's stage. `none` (the admin has no 2FA) and `verified`
 *   are full sessions; `required` (password given, code not yet) and `enrolment_required` (the
 *   business requires 2FA, the admin has none) are restricted ones. Existing sessions are `none`.
 * - businesses.require_two_factor: the business's policy.
 */
export class TwoFactor1765200000000 implements MigrationInterface {
  name = 'TwoFactor1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE admins
        ADD COLUMN totp_secret_enc text,
        ADD COLUMN totp_pending_secret_enc text,
        ADD COLUMN totp_last_step bigint,
        ADD COLUMN two_factor_enabled_at timestamptz,
        ADD CONSTRAINT admins_two_factor_enabled CHECK ((totp_secret_enc IS NULL) = (two_factor_enabled_at IS NULL));

      CREATE TABLE admin_recovery_codes (
        admin_id uuid NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
        code_hash text NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (admin_id, code_hash)
      );

      ALTER TABLE admin_sessions
        ADD COLUMN two_factor text NOT NULL DEFAULT 'none' CHECK (two_factor IN ('none', 'required', 'enrolment_required', 'verified'));
      CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);
      CREATE INDEX admin_sessions_business ON admin_sessions (business_id);

      ALTER TABLE businesses ADD COLUMN require_two_factor boolean NOT NULL DEFAULT false;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE businesses DROP COLUMN require_two_factor;
      DROP INDEX admin_sessions_business;
      DROP INDEX admin_sessions_admin;
      ALTER TABLE admin_sessions DROP COLUMN two_factor;
      DROP TABLE admin_recovery_codes;
      ALTER TABLE admins
        DROP CONSTRAINT admins_two_factor_enabled,
        DROP COLUMN two_factor_enabled_at,
        DROP COLUMN totp_last_step,
        DROP COLUMN totp_pending_secret_enc,
        DROP COLUMN totp_secret_enc;
    `);
  }
}
