import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Kartu } from '../../context';
import { GENERATE_REPORT, REPORTS_QUEUE } from './reports.queue';
import { createMonthlyStatements, generateReport, requeueWaitingReports } from './reports.service';

/** The monthly statements run at 00:00 on the 1st, Jakarta time. */
export const MONTHLY_STATEMENTS = { key: 'monthly-statements', pattern: '0 0 1 * *', tz: 'Asia/Jakarta' } as const;
export const REQUEUE_REPORTS = { key: 'requeue-reports', every: 60_000 } as const;

export interface ReportWorkers {
  /** Puts the schedules (back) in Redis; idempotent. */
  ensureSchedules(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The reports worker (report generation, with progress) and its schedules: monthly statements and a
 * sweep that queues reports whose job never reached Redis.
 */
export async function startReportWorkers(k: Kartu, connection: ConnectionOptions, prefix: string, concurrency = 2): Promise<ReportWorkers> {
  const queue = new Queue(REPORTS_QUEUE, { connection, prefix });
  const ensureSchedules = async () => {
    await queue.upsertJobScheduler(MONTHLY_STATEMENTS.key, { pattern: MONTHLY_STATEMENTS.pattern, tz: MONTHLY_STATEMENTS.tz }, { name: MONTHLY_STATEMENTS.key });
    await queue.upsertJobScheduler(REQUEUE_REPORTS.key, { every: REQUEUE_REPORTS.every }, { name: REQUEUE_REPORTS.key });
  };
  await ensureSchedules();
  const worker = new Worker(
    REPORTS_QUEUE,
    async (job) => {
      if (job.name === GENERATE_REPORT) {
        return { result: await generateReport(k, String(job.data.reportId), { onProgress: (p) => job.updateProgress(p) }) };
      }
      // The month is the one before the run's scheduled time (a late run still reports the right month).
      if (job.name === MONTHLY_STATEMENTS.key) return { created: (await createMonthlyStatements(k, new Date(job.timestamp + (job.opts.delay ?? 0)), queue)).length };
      if (job.name === REQUEUE_REPORTS.key) return { queued: await requeueWaitingReports(k, 60, queue) };
      return undefined;
    },
    { connection, prefix, concurrency },
  );
  worker.on('failed', (job, err) => k.logger.error({ job: job?.name, reportId: job?.data?.reportId, err: err.message }, 'reports job failed'));
  return {
    ensureSchedules,
    async close() {
      await worker.close();
      await queue.close();
    },
  };
}
