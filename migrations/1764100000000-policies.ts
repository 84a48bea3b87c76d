import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Spend policies (docs/policies.md): policies with a scope, their immutable versions, the
 * platform-wide change counter every api process polls to stay fresh, backtests, the versions of
 * the shipped rule files, and the indexes the velocity facts read.
 */
export class Policies1764100000000 implements MigrationInterface {
  name = 'Policies1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- One row. Every policy change bumps it in its own transaction: the row lock orders changes by
      -- commit, so "policies changed since generation N" never misses a slower concurrent commit.
      CREATE TABLE policy_generation (
        id boolean PRIMARY KEY DEFAULT true CHECK (id),
        generation bigint NOT NULL DEFAULT 0
      );
      INSERT INTO policy_generation DEFAULT VALUES;

      CREATE TABLE policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- NULL only for the platform baseline, which applies to every business.
        business_id uuid REFERENCES businesses(id),
        scope_type text NOT NULL CHECK (scope_type IN ('platform', 'business', 'cardholder', 'card')),
        scope_id uuid,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
        status text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'DISABLED')),
        active_version_id uuid,
        shadow_version_id uuid,
        version_count integer NOT NULL DEFAULT 0,
        generation bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((scope_type = 'platform') = (business_id IS NULL)),
        CHECK ((scope_type IN ('cardholder', 'card')) = (scope_id IS NOT NULL))
      );
      CREATE INDEX policies_business ON policies (business_id, created_at DESC, id);
      CREATE INDEX policies_generation ON policies (generation);

      -- Versions are never updated or deleted (a trigger refuses it): a change is a new version,
      -- a rollback activates an older one.
      CREATE TABLE policy_versions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        policy_id uuid NOT NULL REFERENCES policies(id),
        business_id uuid REFERENCES businesses(id),
        number integer NOT NULL CHECK (number > 0),
        mode text NOT NULL CHECK (mode IN ('enforce', 'shadow')),
        rules jsonb NOT NULL,
        note text CHECK (length(note) <= 500),
        author_type text NOT NULL,
        author_id text,
        -- For versions loaded from a shipped file (rules/platform-policy.json): its SHA-256.
        source_sha256 text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (policy_id, number)
      );
      ALTER TABLE policies
        ADD CONSTRAINT policies_active_version FOREIGN KEY (active_version_id) REFERENCES policy_versions(id),
        ADD CONSTRAINT policies_shadow_version FOREIGN KEY (shadow_version_id) REFERENCES policy_versions(id);

      CREATE FUNCTION kartu_policy_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'policy versions are immutable' USING ERRCODE = 'KP001';
      END $$;
      CREATE TRIGGER policy_versions_immutable BEFORE UPDATE OR DELETE ON policy_versions
        FOR EACH ROW EXECUTE FUNCTION kartu_policy_versions_immutable();

      -- Shipped rule files (rules/*.json), one row per distinct content, so what was in force when is known.
      CREATE TABLE policy_rule_files (
        name text NOT NULL,
        sha256 text NOT NULL,
        content jsonb NOT NULL,
        loaded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (name, sha256)
      );

      CREATE TABLE policy_backtests (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid NOT NULL REFERENCES businesses(id),
        policy_id uuid NOT NULL REFERENCES policies(id),
        version_id uuid NOT NULL REFERENCES policy_versions(id),
        from_time timestamptz NOT NULL,
        to_time timestamptz NOT NULL CHECK (to_time > from_time),
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'completed', 'failed')),
        total integer,
        processed integer NOT NULL DEFAULT 0,
        report jsonb,
        error text,
        requested_by_type text NOT NULL,
        requested_by_id text,
        created_at timestamptz NOT NULL DEFAULT now(),
        started_at timestamptz,
        completed_at timestamptz
      );
      CREATE INDEX policy_backtests_policy ON policy_backtests (policy_id, created_at DESC);
      CREATE INDEX policy_backtests_queued ON policy_backtests (created_at) WHERE status IN ('queued', 'running');

      -- Velocity facts: "is new merchant / new country" look a card's history up by merchant and country.
      CREATE INDEX authorizations_card_merchant ON authorizations (card_id, (merchant->>'id'));
      CREATE INDEX authorizations_card_country ON authorizations (card_id, (merchant->>'country'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX authorizations_card_merchant, authorizations_card_country');
    await q.query('DROP TABLE policy_backtests, policy_rule_files');
    await q.query('ALTER TABLE policies DROP CONSTRAINT policies_active_version, DROP CONSTRAINT policies_shadow_version');
    await q.query('DROP TABLE policy_versions, policies, policy_generation');
    await q.query('DROP FUNCTION kartu_policy_versions_immutable()');
  }
}
