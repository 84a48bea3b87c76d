import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kartu } from '../../context';
import { typeMatches } from './event-types';
import { EVENT_JOB_ATTEMPTS, EVENTS_QUEUE, type EventJobData } from './relay';
import type { EventSubscriber, OutboxEvent } from './subscribers';

/** True when the subscriber wants events of this type ('*', the exact type, or its `prefix.*`). */
export function subscribes(s: EventSubscriber, type: string): boolean {
  return s.types === '*' || typeMatches(s.types, type);
}

/**
 * Hands one committed event to every subscriber whose types match, each at most once: a
 * subscriber that finished is recorded in outbox_dispatches and skipped by any later run of the
 * same event (a BullMQ retry, a duplicate job after a relay restart, a re-relay after Redis lost
 * data). A failing subscriber does not stop the others; the job is retried for the ones that
 * failed (UnrecoverableError when every failure was permanent). When all are done the event is
 * marked dispatched.
 */
export async function dispatchEvent(k: Kartu, eventId: string, subs: readonly EventSubscriber[]): Promise<{ handled: string[]; skipped: string[] }> {
  const [row]: Array<{ id: string; business_id: string | null; type: string; data: Record<string, unknown>; created_at: Date; dispatched_at: Date | null }> =
    await k.db.query('SELECT id, business_id, type, data, created_at, dispatched_at FROM outbox_events WHERE id = $1', [eventId]);
  if (!row) throw new UnrecoverableError(`outbox event ${eventId} does not exist`);
  if (row.dispatched_at) return { handled: [], skipped: [] };
  const event: OutboxEvent = { id: row.id, businessId: row.business_id, type: row.type, data: row.data, createdAt: new Date(row.created_at).toISOString() };
  const done = new Set<string>(
    (await k.db.query('SELECT subscriber FROM outbox_dispatches WHERE event_id = $1', [eventId])).map((r: { subscriber: string }) => r.subscriber),
  );
  const handled: string[] = [];
  const skipped: string[] = [];
  const failures: Array<{ subscriber: string; err: Error }> = [];
  for (const s of subs) {
    if (!subscribes(s, event.type)) continue;
    if (done.has(s.name)) {
      skipped.push(s.name);
      continue;
    }
    try {
      await s.handle(k, event);
      await k.db.query('INSERT INTO outbox_dispatches (event_id, subscriber, dispatched_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
        eventId,
        s.name,
        k.clock.now(),
      ]);
      handled.push(s.name);
    } catch (err) {
      failures.push({ subscriber: s.name, err: err as Error });
    }
  }
  if (failures.length > 0) {
    const message = failures.map((f) => `${f.subscriber}: ${f.err.message}`).join('; ');
    const permanent = failures.every((f) => f.err instanceof UnrecoverableError || f.err.name === 'UnrecoverableError');
    throw permanent ? new UnrecoverableError(message) : new Error(message);
  }
  await k.db.query('UPDATE outbox_events SET dispatched_at = $2 WHERE id = $1', [eventId, k.clock.now()]);
  return { handled, skipped };
}

/**
 * The events-queue worker. When an event's last attempt fails (or fails permanently) it is marked
 * dispatch_failed_at, so the relay's sweeper leaves it alone; its failed job stays visible in
 * bull-board for a week.
 */
export function startEventWorker(k: Kartu, connection: ConnectionOptions, subs: readonly EventSubscriber[], opts: { concurrency?: number } = {}): Worker<EventJobData> {
  const worker = new Worker<EventJobData>(EVENTS_QUEUE, async (job: Job<EventJobData>) => dispatchEvent(k, job.data.eventId, subs), {
    connection,
    prefix: k.config.redisPrefix,
    concurrency: opts.concurrency ?? 5,
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? EVENT_JOB_ATTEMPTS);
    k.logger.error({ eventId: job.data.eventId, type: job.data.type, attempt: job.attemptsMade, final, err: err.message }, 'event dispatch failed');
    if (final) {
      k.db
        .query('UPDATE outbox_events SET dispatch_failed_at = $2 WHERE id = $1 AND dispatched_at IS NULL', [job.data.eventId, k.clock.now()])
        .catch((e: Error) => k.logger.error({ err: e.message }, 'could not mark an event as failed'));
    }
  });
  worker.on('error', (err) => k.logger.debug({ err: err.message }, 'event worker connection error'));
  return worker;
}

/** Default options of event jobs: retried with exponential backoff, kept long enough to de-duplicate re-adds. */
export const EVENT_JOB_OPTIONS = {
  attempts: EVENT_JOB_ATTEMPTS,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/**
 * The events queue on a fail-fast connection (no offline queue): with Redis down an add fails at
 * once instead of waiting, and the relay's transaction rolls back.
 */
export function createEventsQueue(k: Kartu, redis: Redis): Queue<EventJobData> {
  const queue = new Queue<EventJobData>(EVENTS_QUEUE, { connection: redis, prefix: k.config.redisPrefix, defaultJobOptions: EVENT_JOB_OPTIONS });
  queue.on('error', () => undefined); // outages are reported once by the connection and the relay loop
  return queue;
}
