import type { Kartu } from '../../context';

/**
 * Rolls the authorization history up into per-card buckets (`card_velocity`), so that a velocity
 * window reads a bounded number of rows however busy the card is (velocity.ts reads them).
 *
 * `velocity_rollup.rolled_up_to` (W) is the invariant: the buckets hold exactly the authorizations
 * created before W. A roll-up adds the rows created in [W, W′) to the buckets of every span and
 * moves W to W′, in one transaction, so a reader sees the old W with the old buckets or the new W
 * with the new ones.
 *
 * W′ must not pass a row that is not committed yet: `created_at` is the writing transaction's
 * start (`now()`), and commit order is not start order. So W′ stays before the start of every
 * transaction still open in this database (pg_stat_activity, read in an earlier statement than
 * the one that aggregates, whose snapshot therefore sees every transaction that had ended), less
 * a second for a transaction's start being published just after it is taken, and is aligned to
 * the finest span. Every transaction that could still insert a row created before W′ has then
 * ended. A long-open transaction holds W back: reads stay exact and read more raw rows meanwhile.
 * This needs the database role to see other sessions' `xact_start`: one role for all of Kartu,
 * or `pg_read_all_stats`.
 *
 * Every api process starts the loop (`startVelocityRollups`); the row lock on `velocity_rollup`
 * (SKIP LOCKED) lets one roll up at a time and the others skip that turn. Rows inserted with a
 * `created_at` already behind W (none of Kartu's writes does that) would be missed by the buckets.
 */

/** The bucket spans in seconds, finest first; the finest is the step of W. */
export const VELOCITY_SPANS = [5, 60, 3600, 86400] as const;
/** Buckets are kept this long behind W: longer than the longest window (30 days) plus clock skew. */
export const VELOCITY_RETENTION_DAYS = 35;
/** How often an api process rolls up: the raw rows a window reads are those of the last few seconds. */
export const ROLLUP_EVERY_MS = 5000;

export interface RollupResult {
  from: Date;
  to: Date;
  /** Bucket rows inserted or added to. */
  buckets: number;
}

/**
 * One roll-up: moves W as far as is safe (and not past `until`, for tests that place it). Returns
 * undefined when another session is rolling up or W cannot move.
 */
export async function rollUpVelocity(k: Kartu, o: { until?: Date } = {}): Promise<RollupResult | undefined> {
  return k.db.transaction(async (tx) => {
    const [state] = (await tx.query('SELECT rolled_up_to FROM velocity_rollup FOR UPDATE SKIP LOCKED')) as Array<{ rolled_up_to: Date }>;
    if (!state) return undefined;
    const [{ target }] = (await tx.query(
      `SELECT date_bin(interval '${VELOCITY_SPANS[0]} seconds',
                       least(clock_timestamp(), $1::timestamptz,
                             (SELECT min(xact_start) FROM pg_stat_activity
                               WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()))
                         - interval '1 second',
                       timestamptz '1970-01-01 00:00:00+00') AS target`,
      [o.until ?? null],
    )) as Array<{ target: Date }>;
    const from = state.rolled_up_to;
    if (target.getTime() <= from.getTime()) return undefined;
    // A new statement, so a new snapshot: it sees every transaction pg_stat_activity showed ended.
    const [{ buckets }] = (await tx.query(
      `WITH added AS (
       INSERT INTO card_velocity AS c (card_id, span_s, start, country, approved_count, approved_amount, approved_amount_sq, declined_count)
       SELECT a.card_id, s.span_s, date_bin(make_interval(secs => s.span_s), a.created_at, timestamptz '1970-01-01 00:00:00+00'),
              coalesce(a.merchant->>'country', ''),
              count(*) FILTER (WHERE a.decision <> 'declined'),
              coalesce(sum(a.approved_amount) FILTER (WHERE a.decision <> 'declined'), 0),
              coalesce(sum(a.approved_amount::numeric * a.approved_amount) FILTER (WHERE a.decision <> 'declined'), 0),
              count(*) FILTER (WHERE a.decision = 'declined')
         FROM authorizations a CROSS JOIN unnest($3::int[]) AS s(span_s)
        -- The BRIN index is on this expression (migration 1764900000000).
        WHERE (a.created_at AT TIME ZONE 'UTC') >= ($1::timestamptz AT TIME ZONE 'UTC') AND (a.created_at AT TIME ZONE 'UTC') < ($2::timestamptz AT TIME ZONE 'UTC')
          AND a.card_id IS NOT NULL
        GROUP BY 1, 2, 3, 4
       ON CONFLICT (card_id, span_s, start, country) DO UPDATE
          SET approved_count = c.approved_count + excluded.approved_count, approved_amount = c.approved_amount + excluded.approved_amount,
              approved_amount_sq = c.approved_amount_sq + excluded.approved_amount_sq, declined_count = c.declined_count + excluded.declined_count
       RETURNING 1)
       SELECT count(*)::int AS buckets FROM added`,
      [from, target, VELOCITY_SPANS],
    )) as Array<{ buckets: number }>;
    await tx.query('UPDATE velocity_rollup SET rolled_up_to = $1', [target]);
    await tx.query(`DELETE FROM card_velocity WHERE start < $1::timestamptz - interval '${VELOCITY_RETENTION_DAYS} days'`, [target]);
    return { from, to: target, buckets };
  });
}

/**
 * Rolls up every `everyMs` until stopped (a turn still running skips the next). A failed turn is
 * logged once per run of failures, and the next turn tries again.
 */
export function startVelocityRollups(k: Kartu, everyMs = ROLLUP_EVERY_MS): { stop(): Promise<void> } {
  let running: Promise<void> | undefined;
  let failing = false;
  const timer = setInterval(() => {
    running ??= rollUpVelocity(k)
      .then(() => {
        failing = false;
      })
      .catch((err: Error) => {
        if (!failing) k.logger.warn({ err: err.message }, 'velocity roll-up failed (velocity facts stay exact, reading more raw rows)');
        failing = true;
      })
      .finally(() => (running = undefined));
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
