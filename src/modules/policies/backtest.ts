import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { InvalidFieldFormat, NotFound } from '../../platform/errors';
import type { Caller } from '../access/caller';
import { recordAudit } from '../access/audit';
import { recordEvent } from '../events/outbox';
import { compileRules, type Facts, type PolicyEvent } from './compile';
import { velocityMaskOf } from './facts';
import type { backtestCreate, backtestView } from './policies.schemas';
import { findPolicy, readableVersion, updateReturning, type PolicyRow, type VersionRow } from './policies.service';
import type { PolicyOutcome } from './policy-runtime';
import { prepareReferenceRules, referenceEvaluate } from './reference-engine';

/**
 * Backtests: replay the authorizations of a date range — the facts captured at decision time
 * (`authorizations.facts -> 'policy'`) — against one policy version with the reference evaluator,
 * and report what would have changed. A BullMQ job does the work (queue `policy-backtests`);
 * progress is kept on the row, the report too, and `policy.backtest.completed` goes to the outbox.
 */

type BacktestView = z.infer<typeof backtestView>;
export const BACKTEST_QUEUE = 'policy-backtests';
export const MAX_BACKTEST_DAYS = 92;
const PAGE = 500;
const EXAMPLES = 10;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface BacktestRow {
  id: string;
  business_id: string;
  policy_id: string;
  version_id: string;
  from_time: Date;
  to_time: Date;
  status: 'queued' | 'running' | 'completed' | 'failed';
  total: number | null;
  processed: number;
  report: Record<string, unknown> | null;
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

export function presentBacktest(b: BacktestRow): BacktestView {
  return {
    id: b.id,
    policyId: b.policy_id,
    versionId: b.version_id,
    fromDateTime: b.from_time.toISOString(),
    toDateTime: b.to_time.toISOString(),
    status: b.status,
    progress: { processed: b.processed, total: b.total },
    report: b.report,
    error: b.error,
    createdAt: b.created_at.toISOString(),
    startedAt: b.started_at?.toISOString() ?? null,
    completedAt: b.completed_at?.toISOString() ?? null,
  };
}

export async function createBacktest(k: Kartu, caller: Caller, policyId: string, input: z.infer<typeof backtestCreate>): Promise<BacktestView> {
  const from = new Date(input.fromDateTime);
  const to = new Date(input.toDateTime);
  if (to <= from) throw new InvalidFieldFormat('toDateTime', 'must be after fromDateTime');
  if (to.getTime() - from.getTime() > MAX_BACKTEST_DAYS * 86_400_000) throw new InvalidFieldFormat('toDateTime', `a range of at most ${MAX_BACKTEST_DAYS} days`);
  const { policy, version } = await readableVersion(k, caller.businessId, policyId, input.versionId);
  const created = await inTransaction(k.db, async (tx) => {
    const [row]: BacktestRow[] = await tx.query(
      `INSERT INTO policy_backtests (business_id, policy_id, version_id, from_time, to_time, requested_by_type, requested_by_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [caller.businessId, policy.id, version.id, from, to, caller.actorType, caller.actorId],
    );
    await recordAudit(tx, {
      businessId: caller.businessId,
      actorType: caller.actorType,
      actorId: caller.actorId,
      action: 'policy.backtest.requested',
      targetType: 'policy',
      targetId: policy.id,
      details: { backtestId: row!.id, versionId: version.id, from: from.toISOString(), to: to.toISOString() },
      ip: caller.ip,
    });
    return row!;
  });
  await enqueueBacktest(k, created.id);
  return presentBacktest(created);
}

export async function getBacktest(k: Kartu, businessId: string, policyId: string, backtestId: string): Promise<BacktestView> {
  const policy = await findPolicy(k.db.manager, businessId, policyId);
  if (!UUID.test(backtestId)) throw new NotFound('Backtest Not Found');
  const [row]: BacktestRow[] = await k.db.query('SELECT * FROM policy_backtests WHERE id = $1 AND policy_id = $2 AND business_id = $3', [backtestId, policy.id, businessId]);
  if (!row) throw new NotFound('Backtest Not Found');
  return presentBacktest(row);
}

const queues = new WeakMap<object, Queue>();

/**
 * Puts the backtest on the queue (job id = backtest id, so twice is once). Without Redis it stays
 * `queued` on its row; the backtest worker picks such rows up when it starts.
 */
export async function enqueueBacktest(k: Kartu, backtestId: string): Promise<boolean> {
  const redis = k.redis;
  if (!redis || redis.status !== 'ready') return false;
  let queue = queues.get(redis);
  if (!queue) {
    queue = new Queue(BACKTEST_QUEUE, { connection: redis, prefix: k.config.redisPrefix });
    queue.on('error', () => undefined);
    queues.set(redis, queue);
  }
  try {
    await queue.add('backtest', { backtestId }, { jobId: backtestId, attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: 1000, removeOnFail: 1000 });
    return true;
  } catch (err) {
    k.logger.warn({ err: (err as Error).message, backtestId }, 'backtest not queued (Redis); the worker picks it up when it starts');
    return false;
  }
}

interface ReplayRow {
  id: string;
  created_at: Date;
  /** created_at to the microsecond (a JS Date keeps milliseconds only: a cursor on it would re-read the row forever). */
  cursor_at: string;
  amount: string;
  currency: string;
  decision: 'approved' | 'partial' | 'declined';
  response_code: string;
  reason: string;
  merchant: { id?: string; name?: string; mcc?: string; country?: string };
  facts: Record<string, unknown> | null;
  outcome: PolicyOutcome | null;
}

interface Example {
  authorizationId: string;
  createdAt: string;
  amount: string;
  currency: string;
  merchant: { id?: string; name?: string; mcc?: string; country?: string };
  recorded: { decision: string; responseCode: string; reason: string };
  replayed: { decision: string; responseCode: string | null; reason: string | null; rule: string | null };
}

interface RuleStats {
  rule: string;
  matched: number;
  declines: number;
  reviews: number;
  approves: number;
  approveToDecline: number;
}

/** Which authorizations a policy's scope covers, as SQL on `a` (authorizations) with the business as $1. */
function scopeFilter(policy: PolicyRow, params: unknown[]): string {
  if (policy.scope_type === 'card') return `a.card_id = $${params.push(policy.scope_id)}`;
  if (policy.scope_type === 'cardholder') return `a.card_id IN (SELECT id FROM cards WHERE business_id = $1 AND cardholder_id = $${params.push(policy.scope_id)})`;
  return 'true';
}

/**
 * Runs one backtest to completion (idempotent: a completed one is left as it is). Replays every
 * authorization of the business in scope and range, oldest first, in pages; rows without captured
 * policy facts are counted as skipped.
 */
export async function runBacktest(k: Kartu, backtestId: string, onProgress?: (processed: number, total: number) => Promise<void> | void): Promise<BacktestView | undefined> {
  const [claimed] = await updateReturning<BacktestRow>(
    k.db,
    `UPDATE policy_backtests SET status = 'running', started_at = coalesce(started_at, now()), processed = 0, error = NULL, completed_at = NULL
      WHERE id = $1 AND status IN ('queued', 'running', 'failed') RETURNING *`,
    [backtestId],
  );
  if (!claimed) return undefined;
  try {
    const [policy]: PolicyRow[] = await k.db.query('SELECT * FROM policies WHERE id = $1', [claimed.policy_id]);
    const [version]: VersionRow[] = await k.db.query('SELECT * FROM policy_versions WHERE id = $1', [claimed.version_id]);
    const prepared = prepareReferenceRules(version!.rules);
    // Velocity facts are recorded only when a rule in scope needed them then, and only those it read:
    // where this version's outcome hangs on one that was not recorded, a replay would guess (a
    // missing count is neither above nor below a threshold, and `not` turns that into a match), so
    // the row is skipped.
    const compiled = compileRules(version!.rules);
    const params: unknown[] = [claimed.business_id, claimed.from_time, claimed.to_time];
    const where = `a.business_id = $1 AND a.created_at >= $2 AND a.created_at < $3 AND ${scopeFilter(policy!, params)}`;
    const [{ total }]: Array<{ total: number }> = await k.db.query(`SELECT count(*)::int AS total FROM authorizations a WHERE ${where}`, params);
    await k.db.query('UPDATE policy_backtests SET total = $2 WHERE id = $1', [backtestId, total]);

    const totals = { authorizations: total, replayed: 0, skipped: 0, skippedWithoutVelocity: 0, recordedApproved: 0, recordedDeclined: 0, wouldDecline: 0, wouldReview: 0, approveToDecline: 0, declineToApprove: 0, unchanged: 0, declineReasonChanged: 0, recordedReviews: 0 };
    const approveToDecline: Example[] = [];
    const declineToApprove: Example[] = [];
    const byRule = new Map<string, RuleStats>(version!.rules.map((r) => [r.name, { rule: r.name, matched: 0, declines: 0, reviews: 0, approves: 0, approveToDecline: 0 }]));

    let cursor: { at: string; id: string } | undefined;
    let processed = 0;
    for (;;) {
      const pageParams = [...params];
      const after = cursor ? ` AND (a.created_at, a.id) > ($${pageParams.push(cursor.at)}::timestamptz, $${pageParams.push(cursor.id)}::uuid)` : '';
      const rows: ReplayRow[] = await k.db.query(
        `SELECT a.id, a.created_at, a.created_at::text AS cursor_at, a.amount::text, a.currency, a.decision, a.response_code, a.reason, a.merchant,
                a.facts -> 'policy' AS facts, a.policy AS outcome
           FROM authorizations a WHERE ${where}${after} ORDER BY a.created_at, a.id LIMIT ${PAGE}`,
        pageParams,
      );
      if (rows.length === 0) break;
      for (const row of rows) {
        if (!row.facts || typeof row.facts !== 'object') {
          totals.skipped++;
          continue;
        }
        if ((compiled.velocityNeeded(row.facts as Facts) & ~velocityMaskOf(row.facts.velocity)) !== 0) {
          totals.skipped++;
          totals.skippedWithoutVelocity++;
          continue;
        }
        totals.replayed++;
        const recordedApproved = row.decision !== 'declined';
        if (recordedApproved) totals.recordedApproved++;
        else totals.recordedDeclined++;
        const recordedDecline = row.outcome?.decline;
        // The policy decided only if the recorded answer is its decline (an earlier step — card
        // state, spend controls — may have declined first, with the policy's decline recorded beside).
        const declinedByThisPolicy =
          !recordedApproved && recordedDecline?.policyId === policy!.id && row.response_code === recordedDecline.responseCode && row.reason === recordedDecline.reason;
        if (row.outcome?.reviews?.some((r) => r.policyId === policy!.id)) totals.recordedReviews++;

        const { events } = await referenceEvaluate(prepared, row.facts);
        for (const e of events) {
          const s = byRule.get(e.rule)!;
          s.matched++;
          if (e.type === 'decline') s.declines++;
          else if (e.type === 'review') s.reviews++;
          else s.approves++;
        }
        const decline: PolicyEvent | undefined = events.find((e) => e.type === 'decline');
        if (decline) totals.wouldDecline++;
        if (events.some((e) => e.type === 'review')) totals.wouldReview++;

        const example = (replayed: Example['replayed']): Example => ({
          authorizationId: row.id,
          createdAt: new Date(row.created_at).toISOString(),
          amount: row.amount,
          currency: row.currency,
          merchant: { id: row.merchant?.id, name: row.merchant?.name, mcc: row.merchant?.mcc, country: row.merchant?.country },
          recorded: { decision: row.decision, responseCode: row.response_code, reason: row.reason },
          replayed,
        });
        if (recordedApproved && decline) {
          totals.approveToDecline++;
          byRule.get(decline.rule)!.approveToDecline++;
          if (approveToDecline.length < EXAMPLES) approveToDecline.push(example({ decision: 'declined', responseCode: decline.responseCode ?? null, reason: decline.reason, rule: decline.rule }));
        } else if (declinedByThisPolicy && !decline) {
          // Declined by this policy then; this version would let it through to the funds check.
          totals.declineToApprove++;
          if (declineToApprove.length < EXAMPLES) declineToApprove.push(example({ decision: 'approved', responseCode: null, reason: null, rule: null }));
        } else {
          totals.unchanged++;
          if (declinedByThisPolicy && decline && (decline.rule !== recordedDecline?.rule || decline.responseCode !== recordedDecline?.responseCode)) totals.declineReasonChanged++;
        }
      }
      processed += rows.length;
      const last = rows[rows.length - 1]!;
      cursor = { at: last.cursor_at, id: last.id };
      await k.db.query('UPDATE policy_backtests SET processed = $2 WHERE id = $1', [backtestId, processed]);
      await onProgress?.(processed, total);
    }

    const report = {
      policyId: policy!.id,
      versionId: version!.id,
      versionNumber: version!.number,
      mode: version!.mode,
      from: claimed.from_time.toISOString(),
      to: claimed.to_time.toISOString(),
      totals,
      changes: {
        approveToDecline: { count: totals.approveToDecline, examples: approveToDecline },
        declineToApprove: { count: totals.declineToApprove, examples: declineToApprove },
      },
      byRule: [...byRule.values()],
    };
    return await inTransaction(k.db, async (tx) => {
      const [done] = await updateReturning<BacktestRow>(
        tx,
        `UPDATE policy_backtests SET status = 'completed', processed = $2, report = $3, completed_at = now() WHERE id = $1 AND status = 'running' RETURNING *`,
        [backtestId, processed, JSON.stringify(report)],
      );
      if (!done) return undefined;
      const view = presentBacktest(done);
      await recordEvent(tx, { businessId: done.business_id, type: 'policy.backtest.completed', data: { backtest: view } });
      return view;
    });
  } catch (err) {
    // The business sees that it failed and an id to quote; the cause (possibly SQL text) stays in the logs.
    k.logger.error({ backtestId, err: (err as Error).message }, 'backtest failed');
    await k.db.query(`UPDATE policy_backtests SET status = 'failed', error = $2, completed_at = now() WHERE id = $1`, [
      backtestId,
      `the backtest could not be completed (backtest ${backtestId}); request it again or contact support with this id`,
    ]);
    throw err;
  }
}

export interface BacktestWorker {
  close(): Promise<void>;
}

/**
 * The worker of queue `policy-backtests` (started with the other workers, src/worker.ts). On start
 * it queues any backtest left `queued` or `running` (requested while Redis was down, or cut short).
 */
export async function startBacktestWorker(k: Kartu, connection: ConnectionOptions, prefix: string): Promise<BacktestWorker> {
  const worker = new Worker(
    BACKTEST_QUEUE,
    async (job) => {
      const id = String(job.data?.backtestId ?? '');
      if (!UUID.test(id)) return undefined;
      const view = await runBacktest(k, id, (processed, total) => job.updateProgress({ processed, total }));
      return view ? { status: view.status } : { status: 'already done' };
    },
    { connection, prefix, concurrency: 1 },
  );
  worker.on('failed', (job, err) => k.logger.error({ job: job?.name, backtestId: job?.data?.backtestId, err: err.message }, 'backtest failed'));
  const queue = new Queue(BACKTEST_QUEUE, { connection, prefix });
  try {
    const pending: Array<{ id: string }> = await k.db.query("SELECT id FROM policy_backtests WHERE status IN ('queued', 'running') ORDER BY created_at LIMIT 1000");
    for (const { id } of pending) await queue.add('backtest', { backtestId: id }, { jobId: id, attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: 1000, removeOnFail: 1000 });
  } finally {
    await queue.close();
  }
  return {
    async close() {
      await worker.close();
    },
  };
}
