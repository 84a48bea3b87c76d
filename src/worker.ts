import { Queue, Worker } from 'bullmq';
import type { Kartu } from './context';
import { expireHolds } from './modules/authorizations/authorizations.service';
import { startEventPipeline } from './modules/events/pipeline';
import { startReportWorkers } from './modules/reports/reports.jobs';
import { startBacktestWorker } from './modules/policies/backtest';
import { redisReachable } from './platform/redis';

export interface Workers {
  /** Puts every job schedule (back) in Redis; idempotent. Runs every minute on its own. */
  ensureSchedules(): Promise<void>;
  close(): Promise<void>;
}

const MAINTENANCE = 'maintenance';
/** How often the job schedules are put back: a Redis that restarts empty forgets them. */
const SCHEDULES_CHECK_MS = 60_000;

/**
 * Starts the BullMQ workers. With no reachable Redis they stay off and say so once: the api keeps
 * serving and events wait in the PostgreSQL outbox until a Redis is configured.
 */
export async function startWorkers(k: Kartu): Promise<Workers | undefined> {
  if (!(await redisReachable(k.config.redisUrl))) {
    k.logger.warn({ redis: k.config.redisUrl }, 'Redis is not reachable: workers are off (the api still runs; events wait in the outbox)');
    return undefined;
  }
  const connection = { url: k.config.redisUrl, maxRetriesPerRequest: null };
  const prefix = k.config.redisPrefix;
  const queue = new Queue(MAINTENANCE, { connection, prefix });
  const maintenanceSchedules = async () => {
    await queue.upsertJobScheduler('purge-expired-credentials', { every: 3600_000 }, { name: 'purge-expired-credentials' });
    await queue.upsertJobScheduler('expire-holds', { every: 60_000 }, { name: 'expire-holds' });
  };
  await maintenanceSchedules();
  const worker = new Worker(
    MAINTENANCE,
    async (job) => {
      if (job.name === 'purge-expired-credentials') return purgeExpiredCredentials(k);
      if (job.name === 'expire-holds') return { expired: await expireHolds(k) };
      return undefined;
    },
    { connection, prefix, concurrency: 1 },
  );
  worker.on('failed', (job, err) => k.logger.error({ job: job?.name, err: err.message }, 'maintenance job failed'));
  // Outbox relay, event dispatch and webhook delivery (docs/webhooks.md).
  const pipeline = startEventPipeline(k);
  // Report generation, monthly statements (1st, 00:00 Asia/Jakarta) and the queued-report sweep (docs/reports.md).
  const reports = await startReportWorkers(k, connection, prefix);
  // Policy backtests (docs/policies.md).
  const backtests = await startBacktestWorker(k, connection, prefix);
  // Upserting a schedule is idempotent; while Redis is down the attempt fails and the next one tries again.
  const ensureSchedules = async () => {
    await maintenanceSchedules();
    await reports.ensureSchedules();
  };
  const reschedule = setInterval(() => void ensureSchedules().catch(() => undefined), SCHEDULES_CHECK_MS);
  reschedule.unref();
  k.logger.info({ queues: [MAINTENANCE] }, 'workers started');
  return {
    ensureSchedules,
    async close() {
      clearInterval(reschedule);
      await pipeline.close();
      await reports.close();
      await backtests.close();
      await worker.close();
      await queue.close();
    },
  };
}

/** Deletes expired access tokens and sessions, and X-EXTERNAL-ID reservations from before yesterday (Jakarta). */
export async function purgeExpiredCredentials(k: Kartu): Promise<{ tokens: number; sessions: number; externalIds: number }> {
  const now = k.clock.now();
  const [, tokens] = await k.db.query('DELETE FROM access_tokens WHERE expires_at < $1', [now]);
  const [, sessions] = await k.db.query('DELETE FROM admin_sessions WHERE expires_at < $1 OR idle_expires_at < $1', [now]);
  const [, externalIds] = await k.db.query(
    "DELETE FROM external_ids WHERE day < (($1::timestamptz AT TIME ZONE 'Asia/Jakarta')::date - 1)",
    [now],
  );
  return { tokens, sessions, externalIds };
}
