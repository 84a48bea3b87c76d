import { Queue } from 'bullmq';
import type { Kartu } from '../../context';

/** The BullMQ queue of report jobs: `generate-report` {reportId}, plus the schedules (reports.jobs.ts). */
export const REPORTS_QUEUE = 'reports';

export const GENERATE_REPORT = 'generate-report';

const queues = new WeakMap<Kartu, Queue>();

/** The api's producer, on the process's shared Redis connection (never blocks when Redis is down). */
function producer(k: Kartu): Queue | undefined {
  if (!k.redis) return undefined;
  let q = queues.get(k);
  if (!q) {
    q = new Queue(REPORTS_QUEUE, { connection: k.redis, prefix: k.config.redisPrefix });
    q.on('error', () => undefined);
    queues.set(k, q);
  }
  return q;
}

/**
 * Adds a report's job (job id = report id, so a second add while it waits is a no-op). Job data is the
 * report id only. With Redis down it returns false and the report stays queued in PostgreSQL until
 * the worker's sweep (requeue-reports) adds it.
 */
export async function enqueueReport(k: Kartu, reportId: string, given?: Queue): Promise<boolean> {
  const queue = given ?? producer(k);
  if (!queue || (!given && k.redis?.status !== 'ready')) return false;
  try {
    await queue.add(GENERATE_REPORT, { reportId }, { jobId: reportId, attempts: 3, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: 1000, removeOnFail: 5000 });
    return true;
  } catch (err) {
    k.logger.warn({ err: (err as Error).message, reportId }, 'could not queue the report job; the sweep retries');
    return false;
  }
}
