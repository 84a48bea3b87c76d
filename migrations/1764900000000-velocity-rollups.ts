import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Per-card rollups of the authorization history, so a velocity window costs a bounded number of
 * rows however busy the card is (docs/policies.md, *Velocity*; src/modules/policies/velocity-rollup.ts):
 * - `card_velocity`: per card, bucket span (5 s, 1 min, 1 h, 1 day), bucket start and merchant
 *   country: approvals (count, amount, amount²) and declines of the authorizations created in it;
 * - `velocity_rollup`: one row, `rolled_up_to`: the buckets hold exactly the authorizations
 *   created before it (it starts at the epoch: the first roll-up takes in the whole history);
 * - a BRIN index on `authorizations.created_at`, for the roll-up to find the rows created since
 *   the last one. Rows are appended in about created_at order, and new page ranges stay
 *   unsummarized until VACUUM, so the authorization write pays next to nothing for it. It is on
 *   the expression `created_at AT TIME ZONE 'UTC'`, which only the roll-up queries: on plain
 *   `created_at` the planner joined it (BitmapAnd) into the velocity read's per-card range scans
 *   and read every row of the card (2 s instead of 10 ms, measured).
 * The authorization write is unchanged: api processes roll up every few seconds, off the hot path.
 */
export class VelocityRollups1764900000000 implements MigrationInterface {
  name = 'VelocityRollups1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE card_velocity (
        card_id uuid NOT NULL,
        span_s integer NOT NULL CHECK (span_s IN (5, 60, 3600, 86400)),
        start timestamptz NOT NULL,
        country text NOT NULL,
        approved_count integer NOT NULL,
        approved_amount bigint NOT NULL,
        approved_amount_sq numeric NOT NULL,
        declined_count integer NOT NULL,
        PRIMARY KEY (card_id, span_s, start, country)
      );
      -- Retention: buckets older than any window are deleted by start.
      CREATE INDEX card_velocity_start ON card_velocity (start);

      CREATE TABLE velocity_rollup (
        only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
        rolled_up_to timestamptz NOT NULL
      );
      INSERT INTO velocity_rollup (rolled_up_to) VALUES (timestamptz '1970-01-01 00:00:00+00');

      CREATE INDEX authorizations_created_brin ON authorizations USING brin ((created_at AT TIME ZONE 'UTC'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX authorizations_created_brin; DROP TABLE velocity_rollup; DROP TABLE card_velocity');
  }
}
