import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sandbox self-test ("Customer Testing"): a run per API client, its scenarios (what to send,
 * what Kartu expects, what it received), the partner's calls Kartu observed during the run, and
 * per client and service whether a run has shown it "ready for production".
 * - self_test_runs_open finds the open runs cheaply: the observer counts them once a second.
 * - self_test_calls keeps headers' shape only (present, length, format), never their values.
 */
export class SelfTests1765600000000 implements MigrationInterface {
  name = 'SelfTests1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE self_test_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        business_id uuid NOT NULL REFERENCES businesses(id),
        client_id uuid NOT NULL REFERENCES api_clients(id),
        services text[] NOT NULL CHECK (cardinality(services) >= 1),
        status text NOT NULL CHECK (status IN ('open', 'passed')),
        webhook_url text CHECK (length(webhook_url) <= 2048),
        expired_token_hash text NOT NULL,
        started_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        finished_at timestamptz
      );
      CREATE INDEX self_test_runs_business ON self_test_runs (business_id, started_at DESC);
      CREATE INDEX self_test_runs_open ON self_test_runs (client_id, expires_at) WHERE status = 'open';

      CREATE TABLE self_test_scenarios (
        run_id uuid NOT NULL REFERENCES self_test_runs(id),
        id text NOT NULL,
        position int NOT NULL,
        service text,
        title text NOT NULL,
        request jsonb NOT NULL,
        expected_status int NOT NULL,
        expected_code text, -- NULL for the webhook: any 2xx acknowledges it
        result text NOT NULL DEFAULT 'pending' CHECK (result IN ('pending', 'passed', 'failed')),
        received jsonb,
        request_id text,
        attempted_at timestamptz,
        PRIMARY KEY (run_id, id)
      );

      CREATE TABLE self_test_calls (
        id bigserial PRIMARY KEY,
        run_id uuid NOT NULL REFERENCES self_test_runs(id),
        method text NOT NULL,
        path text NOT NULL,
        http_status int NOT NULL,
        response_code text NOT NULL,
        request_id text NOT NULL,
        external_id text,
        headers jsonb NOT NULL,
        scenario_id text,
        at timestamptz NOT NULL
      );
      CREATE INDEX self_test_calls_run ON self_test_calls (run_id, id);

      CREATE TABLE self_test_readiness (
        client_id uuid NOT NULL REFERENCES api_clients(id),
        service text NOT NULL,
        run_id uuid NOT NULL REFERENCES self_test_runs(id),
        ready_at timestamptz NOT NULL,
        PRIMARY KEY (client_id, service)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE self_test_readiness, self_test_calls, self_test_scenarios, self_test_runs');
  }
}
