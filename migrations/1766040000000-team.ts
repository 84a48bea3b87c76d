import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The business's team (src/modules/access/team.service.ts).
 * - admins.status: `active` or `disabled` (an owner disabled the account: it cannot log in and its
 *   sessions are refused), with when it was disabled.
 * - admin_invitations: an owner's invitation of an email to a role, accepted once through a link
 *   carrying a random token of which only the SHA-256 is stored. At most one open invitation (not
 *   accepted, not revoked) per email and business.
 */
export class Team1766040000000 implements MigrationInterface {
  name = 'Team1766040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE admins
        ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        ADD COLUMN disabled_at timestamptz,
        ADD CONSTRAINT admins_disabled_at CHECK ((status = 'disabled') = (disabled_at IS NOT NULL));

      CREATE TABLE admin_invitations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid NOT NULL REFERENCES businesses(id),
        email text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
        role text NOT NULL CHECK (role IN ('owner', 'finance_admin', 'viewer')),
        token_hash text NOT NULL UNIQUE,
        invited_by uuid REFERENCES admins(id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        accepted_at timestamptz,
        admin_id uuid REFERENCES admins(id) ON DELETE SET NULL,
        revoked_at timestamptz,
        CHECK (accepted_at IS NULL OR revoked_at IS NULL)
      );
      CREATE UNIQUE INDEX admin_invitations_open ON admin_invitations (business_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE admin_invitations;
      ALTER TABLE admins DROP CONSTRAINT admins_disabled_at, DROP COLUMN disabled_at, DROP COLUMN status;
    `);
  }
}
