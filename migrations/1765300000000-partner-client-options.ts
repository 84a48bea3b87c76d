import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * SNAP security options per API client.
 * - signature_mode: `symmetric` (HMAC-SHA512 with a B2B token, the default) or `asymmetric`
 *   (SNAP "type 2": SHA256withRSA over METHOD:path:sha256hex(minified body):timestamp, no token).
 * - enabled_services: the SNAP service codes the client may call ("product activation"); NULL
 *   means every service. The token service (73) is always allowed.
 * - last-used times (credential hygiene): of the client, of its current and previous secret and
 *   of its RSA public key.
 */
export class PartnerClientOptions1765300000000 implements MigrationInterface {
  name = 'PartnerClientOptions1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_clients
        ADD COLUMN signature_mode text NOT NULL DEFAULT 'symmetric' CHECK (signature_mode IN ('symmetric', 'asymmetric')),
        ADD COLUMN enabled_services text[] CHECK (enabled_services IS NULL OR enabled_services <@ ARRAY['11','12','13','90','91','92','93','94','95','96','97','98','99']::text[]),
        ADD COLUMN last_used_at timestamptz,
        ADD COLUMN secret_last_used_at timestamptz,
        ADD COLUMN previous_secret_last_used_at timestamptz,
        ADD COLUMN public_key_last_used_at timestamptz
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE api_clients
        DROP COLUMN signature_mode, DROP COLUMN enabled_services, DROP COLUMN last_used_at,
        DROP COLUMN secret_last_used_at, DROP COLUMN previous_secret_last_used_at, DROP COLUMN public_key_last_used_at
    `);
  }
}
