import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Businesses, API clients and tokens (SNAP access), networks, admins, sessions, the audit log. */
export class Foundation1763700000000 implements MigrationInterface {
  name = 'Foundation1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE businesses (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        currency char(3) NOT NULL DEFAULT 'IDR' CHECK (currency ~ '^[A-Z]{3}$'),
        time_zone text NOT NULL DEFAULT 'Asia/Jakarta',
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'SUSPENDED', 'CLOSED')),
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE api_clients (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid NOT NULL REFERENCES businesses(id),
        client_key text NOT NULL UNIQUE,
        partner_id text NOT NULL UNIQUE CHECK (length(partner_id) <= 36),
        channel_id text NOT NULL CHECK (length(channel_id) <= 5),
        public_key_pem text NOT NULL,
        secret_enc text NOT NULL,
        previous_secret_enc text,
        previous_secret_expires_at timestamptz,
        ip_allowlist cidr[],
        rate_limit_per_second integer CHECK (rate_limit_per_second > 0),
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
        created_at timestamptz NOT NULL DEFAULT now(),
        secret_rotated_at timestamptz
      );
      CREATE INDEX api_clients_business ON api_clients (business_id);

      CREATE TABLE access_tokens (
        token_hash text PRIMARY KEY,
        client_id uuid NOT NULL REFERENCES api_clients(id) ON DELETE CASCADE,
        business_id uuid NOT NULL REFERENCES businesses(id),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX access_tokens_expiry ON access_tokens (expires_at);

      -- X-EXTERNAL-ID is unique per partner per Jakarta calendar day.
      CREATE TABLE external_ids (
        client_id uuid NOT NULL REFERENCES api_clients(id) ON DELETE CASCADE,
        day date NOT NULL,
        external_id text NOT NULL CHECK (length(external_id) <= 36),
        method text NOT NULL,
        path text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (client_id, day, external_id)
      );
      CREATE INDEX external_ids_day ON external_ids (day);

      CREATE TABLE networks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
        secret_enc text NOT NULL,
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE admins (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid NOT NULL REFERENCES businesses(id),
        email text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('owner', 'finance_admin', 'viewer')),
        failed_attempts integer NOT NULL DEFAULT 0,
        locked_until timestamptz,
        last_login_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (email)
      );
      CREATE INDEX admins_business ON admins (business_id);

      CREATE TABLE admin_sessions (
        session_hash text PRIMARY KEY,
        admin_id uuid NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
        business_id uuid NOT NULL REFERENCES businesses(id),
        expires_at timestamptz NOT NULL,
        idle_expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);

      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        business_id uuid REFERENCES businesses(id),
        actor_type text NOT NULL CHECK (actor_type IN ('operator', 'partner', 'admin', 'network', 'system')),
        actor_id text,
        action text NOT NULL,
        target_type text,
        target_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        request_id text,
        ip text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX audit_log_business_time ON audit_log (business_id, created_at DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE audit_log, admin_sessions, admins, networks, external_ids, access_tokens, api_clients, businesses;
    `);
  }
}
