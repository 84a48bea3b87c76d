import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Event dispatch and webhooks (docs/webhooks.md).
 * - outbox_events gains dispatched_at (every subscriber has handled the event) and
 *   dispatch_failed_at (the event worker gave up); outbox_dispatches records which subscriber has
 *   handled which event, so a retried or duplicated job never runs a finished subscriber again.
 * - webhook_endpoints per business (secret encrypted), one webhook_deliveries row per endpoint and
 *   event (the unique pair makes fan-out idempotent), one webhook_attempts row per HTTP attempt.
 * - signing_keys holds Kartu's own RSA key pairs (the notification key signs X-SIGNATURE on
 *   deliveries); the private half is encrypted with the master key.
 */
export class Webhooks1764200000000 implements MigrationInterface {
  name = 'Webhooks1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbox_events ADD COLUMN dispatched_at timestamptz, ADD COLUMN dispatch_failed_at timestamptz;
      -- Relayed but not yet handled: what the sweeper checks against Redis after an outage.
      CREATE INDEX outbox_events_undispatched ON outbox_events (relayed_at)
        WHERE relayed_at IS NOT NULL AND dispatched_at IS NULL AND dispatch_failed_at IS NULL;
      CREATE INDEX outbox_events_business_type ON outbox_events (business_id, type, created_at DESC);

      CREATE TABLE outbox_dispatches (
        event_id uuid NOT NULL REFERENCES outbox_events(id),
        subscriber text NOT NULL,
        dispatched_at timestamptz NOT NULL,
        PRIMARY KEY (event_id, subscriber)
      );

      CREATE TABLE webhook_endpoints (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid NOT NULL REFERENCES businesses(id),
        url text NOT NULL CHECK (length(url) <= 2048),
        event_types text[] NOT NULL CHECK (cardinality(event_types) >= 1),
        secret_enc text NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        deleted_at timestamptz
      );
      CREATE INDEX webhook_endpoints_business ON webhook_endpoints (business_id, created_at DESC) WHERE deleted_at IS NULL;

      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid NOT NULL REFERENCES businesses(id),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoints(id),
        event_id uuid NOT NULL REFERENCES outbox_events(id),
        status text NOT NULL CHECK (status IN ('pending', 'succeeded', 'dead', 'cancelled')),
        -- Bumped by every redelivery: the BullMQ job id is d_<id>_<generation>.
        generation integer NOT NULL DEFAULT 0,
        -- When the delivery relay handed the current generation to BullMQ (NULL: waiting for it).
        queued_at timestamptz,
        attempt_count integer NOT NULL DEFAULT 0,
        last_attempt_at timestamptz,
        next_attempt_at timestamptz,
        last_http_status integer,
        last_error text,
        succeeded_at timestamptz,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        UNIQUE (endpoint_id, event_id)
      );
      CREATE INDEX webhook_deliveries_to_queue ON webhook_deliveries (created_at) WHERE status = 'pending' AND queued_at IS NULL;
      CREATE INDEX webhook_deliveries_queued ON webhook_deliveries (queued_at) WHERE status = 'pending' AND queued_at IS NOT NULL;
      CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC);

      CREATE TABLE webhook_attempts (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        delivery_id uuid NOT NULL REFERENCES webhook_deliveries(id),
        business_id uuid NOT NULL REFERENCES businesses(id),
        attempted_at timestamptz NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('succeeded', 'failed')),
        http_status integer,
        latency_ms integer NOT NULL,
        error text,
        response_excerpt text
      );
      CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

      CREATE TABLE signing_keys (
        purpose text PRIMARY KEY,
        private_key_enc text NOT NULL,
        public_key_pem text NOT NULL,
        created_at timestamptz NOT NULL
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE signing_keys, webhook_attempts, webhook_deliveries, webhook_endpoints, outbox_dispatches');
    await q.query('DROP INDEX outbox_events_undispatched, outbox_events_business_type');
    await q.query('ALTER TABLE outbox_events DROP COLUMN dispatched_at, DROP COLUMN dispatch_failed_at');
  }
}
