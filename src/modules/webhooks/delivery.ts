import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../../config';
import type { Kartu } from '../../context';
import { webhookAttempts } from '../../platform/metrics';
import { RedisUnavailable, startRelayLoop, withTimeout, type PollingLoop } from '../events/relay';
import { postWebhook } from './http-post';
import { notificationKey, webhookSecretAad } from './notification-key';
import { deliveryHeaders } from './signatures';

export const WEBHOOKS_QUEUE = 'webhooks';

export interface DeliveryJobData {
  deliveryId: string;
  generation: number;
}

/** The BullMQ job of one generation of a delivery (a redelivery starts a new generation). */
export const deliveryJobId = (deliveryId: string, generation: number) => `d_${deliveryId}_${generation}`;

/**
 * Nominal delays between attempts: base·2ⁿ, each capped at the max delay, and a last, shorter one
 * that makes them add up to the retry window (3 days by default). Attempts = delays + 1; after the
 * last, the delivery is dead.
 */
export function retrySchedule(c: Pick<Config, 'webhookRetryBaseMs' | 'webhookRetryMaxDelayMs' | 'webhookRetryWindowSeconds'>): number[] {
  const window = c.webhookRetryWindowSeconds * 1000;
  const delays: number[] = [];
  let total = 0;
  for (let n = 0; n < 1000; n++) {
    const d = Math.min(c.webhookRetryMaxDelayMs, c.webhookRetryBaseMs * 2 ** n);
    if (total + d > window) break;
    delays.push(d);
    total += d;
  }
  if (window - total >= c.webhookRetryBaseMs) delays.push(window - total);
  return delays;
}

/** Jitter: between 80 % and all of the nominal delay, so retries of many deliveries spread out and the last still comes near the end of the window. */
export function jittered(delayMs: number, random = Math.random()): number {
  return Math.round(delayMs * (0.8 + random / 5));
}

/** A failed attempt that will be retried after `delayMs`. */
export class DeliveryFailed extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'DeliveryFailed';
  }
}

/**
 * Hands pending deliveries to BullMQ, as the outbox relay does for events: rows are claimed with
 * FOR UPDATE SKIP LOCKED, added with a job id naming the delivery and its generation (a repeated
 * add is ignored), and marked queued. The api process never touches Redis for webhooks: creating
 * deliveries (fan-out) and redelivering only write rows this relay picks up.
 */
export class DeliveryRelay {
  constructor(
    private readonly k: Kartu,
    private readonly queue: Queue,
    private readonly redis: Redis,
  ) {}

  async relayOnce(): Promise<number> {
    if (this.redis.status !== 'ready') throw new RedisUnavailable();
    const { k } = this;
    const attempts = retrySchedule(k.config).length + 1;
    return k.db.transaction(async (tx) => {
      const rows: Array<{ id: string; generation: number }> = await tx.query(
        `SELECT id, generation FROM webhook_deliveries WHERE status = 'pending' AND queued_at IS NULL
          ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [k.config.relayBatchSize],
      );
      if (rows.length === 0) return 0;
      await withTimeout(
        this.queue.addBulk(
          rows.map((r) => ({
            name: 'deliver',
            data: { deliveryId: r.id, generation: r.generation } satisfies DeliveryJobData,
            opts: { jobId: deliveryJobId(r.id, r.generation), attempts, backoff: { type: 'webhook' } },
          })),
        ),
        5000,
        'delivery relay',
      );
      await tx.query('UPDATE webhook_deliveries SET queued_at = $2 WHERE id = ANY($1::uuid[])', [rows.map((r) => r.id), k.clock.now()]);
      return rows.length;
    });
  }

  /**
   * Pending deliveries last seen queued longer than the stale period ago are checked against
   * Redis: a job that vanished (Redis lost its data) is queued again; one still there (waiting
   * out its backoff) is marked seen now, so the next sweep looks at others first.
   */
  async sweepOnce(): Promise<number> {
    if (this.redis.status !== 'ready') throw new RedisUnavailable();
    const { k } = this;
    const now = k.clock.now();
    const rows: Array<{ id: string; generation: number }> = await k.db.query(
      `SELECT id, generation FROM webhook_deliveries WHERE status = 'pending' AND queued_at < $1 ORDER BY queued_at LIMIT 500`,
      [new Date(now.getTime() - k.config.relayStaleSeconds * 1000)],
    );
    const lost: string[] = [];
    const present: string[] = [];
    for (const r of rows) {
      const state = await withTimeout(this.queue.getJobState(deliveryJobId(r.id, r.generation)), 5000, 'delivery sweep');
      (state === 'unknown' ? lost : present).push(r.id);
    }
    if (present.length) await k.db.query("UPDATE webhook_deliveries SET queued_at = $2 WHERE id = ANY($1::uuid[]) AND status = 'pending'", [present, now]);
    if (lost.length) {
      await k.db.query("UPDATE webhook_deliveries SET queued_at = NULL WHERE id = ANY($1::uuid[]) AND status = 'pending'", [lost]);
      k.logger.warn({ deliveries: lost.length }, 'webhook deliveries whose jobs vanished from Redis are queued again');
    }
    return lost.length;
  }
}

export function startDeliveryRelay(k: Kartu, relay: DeliveryRelay): PollingLoop {
  return startRelayLoop(k, 'webhook delivery relay', relay);
}

interface DeliveryRow {
  id: string;
  business_id: string;
  status: string;
  generation: number;
  endpoint_id: string;
  url: string;
  enabled: boolean;
  deleted_at: Date | null;
  secret_enc: string;
  event_id: string;
  event_type: string;
  event_data: Record<string, unknown>;
  event_created_at: Date;
}

/** The body of every delivery of an event: the same bytes on every attempt and to every endpoint. */
export function deliveryBody(event: { id: string; type: string; createdAt: Date; data: Record<string, unknown> }): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: new Date(event.createdAt).toISOString(), data: event.data });
}

/**
 * One delivery attempt. Idempotent: a delivery already settled, or a job of an older generation,
 * does nothing. A disabled or deleted endpoint cancels the delivery. Otherwise the event is POSTed,
 * signed both ways, and the attempt is recorded; a 2xx settles the delivery, anything else throws
 * DeliveryFailed (BullMQ retries after the jittered schedule) or, on the last attempt, marks it
 * dead and throws UnrecoverableError (the job stays in the failed set: the dead letters).
 */
export async function attemptDelivery(k: Kartu, data: DeliveryJobData, attempt: { number: number; last: boolean }): Promise<{ status: string }> {
  const [d]: DeliveryRow[] = await k.db.query(
    `SELECT d.id, d.business_id, d.status, d.generation, w.id AS endpoint_id, w.url, w.enabled, w.deleted_at, w.secret_enc,
            e.id AS event_id, e.type AS event_type, e.data AS event_data, e.created_at AS event_created_at
       FROM webhook_deliveries d
       JOIN webhook_endpoints w ON w.id = d.endpoint_id AND w.business_id = d.business_id
       JOIN outbox_events e ON e.id = d.event_id
      WHERE d.id = $1`,
    [data.deliveryId],
  );
  if (!d) throw new UnrecoverableError(`webhook delivery ${data.deliveryId} does not exist`);
  if (d.status !== 'pending' || d.generation !== data.generation) return { status: 'skipped' };
  const now = k.clock.now();
  if (!d.enabled || d.deleted_at) {
    await k.db.query("UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, updated_at = $2 WHERE id = $1 AND status = 'pending'", [d.id, now]);
    return { status: 'cancelled' };
  }
  const url = new URL(d.url);
  const body = deliveryBody({ id: d.event_id, type: d.event_type, createdAt: d.event_created_at, data: d.event_data });
  const signing = deliveryHeaders({
    secret: k.secrets.decrypt(d.secret_enc, webhookSecretAad(d.endpoint_id)),
    notificationKey: (await notificationKey(k)).privateKey,
    pathWithQuery: `${url.pathname}${url.search}`,
    body,
    now,
  });
  const result = await postWebhook(
    url,
    body,
    { ...signing, 'Kartu-Event-Id': d.event_id, 'Kartu-Event-Type': d.event_type, 'Kartu-Delivery-Id': d.id, 'Kartu-Delivery-Attempt': String(attempt.number) },
    { timeoutMs: k.config.webhookTimeoutMs, publicOnly: k.config.env !== 'sandbox' },
  );
  const ok = result.status !== undefined && result.status >= 200 && result.status < 300;
  const error = ok ? null : (result.error ?? `HTTP ${result.status}`);
  const delayMs = ok || attempt.last ? 0 : jittered(retrySchedule(k.config)[attempt.number - 1] ?? k.config.webhookRetryMaxDelayMs);
  const status = ok ? 'succeeded' : attempt.last ? 'dead' : 'pending';
  await k.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO webhook_attempts (delivery_id, business_id, attempted_at, outcome, http_status, latency_ms, error, response_excerpt)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [d.id, d.business_id, now, ok ? 'succeeded' : 'failed', result.status ?? null, result.latencyMs, error, result.excerpt ?? null],
    );
    await tx.query(
      `UPDATE webhook_deliveries
          SET status = $2, attempt_count = attempt_count + 1, last_attempt_at = $3, last_http_status = $4, last_error = $5,
              next_attempt_at = $6, succeeded_at = $7, updated_at = $3
        WHERE id = $1 AND generation = $8`,
      [d.id, status, now, result.status ?? null, error, status === 'pending' ? new Date(now.getTime() + delayMs) : null, ok ? now : null, d.generation],
    );
  });
  webhookAttempts.inc({ outcome: ok ? 'succeeded' : status === 'dead' ? 'dead' : 'failed' });
  if (ok) return { status };
  if (status === 'dead') throw new UnrecoverableError(`dead after ${attempt.number} attempts: ${error}`);
  throw new DeliveryFailed(error!, delayMs);
}

/** The webhooks-queue worker: I/O bound, so many deliveries run at once (KARTU_WEBHOOK_CONCURRENCY). */
export function startDeliveryWorker(k: Kartu, connection: ConnectionOptions): Worker<DeliveryJobData> {
  const worker = new Worker<DeliveryJobData>(
    WEBHOOKS_QUEUE,
    async (job: Job<DeliveryJobData>) => {
      const attempts = job.opts.attempts ?? 1;
      return attemptDelivery(k, job.data, { number: job.attemptsMade + 1, last: job.attemptsMade + 1 >= attempts });
    },
    {
      connection,
      prefix: k.config.redisPrefix,
      concurrency: k.config.webhookConcurrency,
      settings: {
        // The delay was computed (and recorded as next_attempt_at) by the attempt itself.
        backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
          err instanceof DeliveryFailed ? err.delayMs : jittered(retrySchedule(k.config)[attemptsMade - 1] ?? k.config.webhookRetryBaseMs),
      },
    },
  );
  worker.on('failed', (job, err) => {
    if (!job || err instanceof DeliveryFailed) return;
    k.logger.warn({ deliveryId: job.data.deliveryId, err: err.message }, 'webhook delivery failed for good');
    // An unexpected error on the last attempt (not an HTTP failure, which marks the row itself) must not leave the row pending.
    if (job.attemptsMade >= (job.opts.attempts ?? 1)) {
      k.db
        .query(
          "UPDATE webhook_deliveries SET status = 'dead', last_error = $3, next_attempt_at = NULL, updated_at = $4 WHERE id = $1 AND generation = $2 AND status = 'pending'",
          [job.data.deliveryId, job.data.generation, err.message.slice(0, 500), k.clock.now()],
        )
        .catch((e: Error) => k.logger.error({ err: e.message }, 'could not mark a webhook delivery dead'));
    }
  });
  worker.on('error', (err) => k.logger.debug({ err: err.message }, 'webhook worker connection error'));
  return worker;
}

/** Job options kept: completed jobs a day (de-duplication of re-adds), dead ones a week (bull-board). */
export const DELIVERY_JOB_OPTIONS = {
  removeOnComplete: { age: 24 * 3600, count: 50_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** The webhooks queue on a fail-fast connection (see createEventsQueue). */
export function createWebhooksQueue(k: Kartu, redis: Redis): Queue<DeliveryJobData> {
  const queue = new Queue<DeliveryJobData>(WEBHOOKS_QUEUE, { connection: redis, prefix: k.config.redisPrefix, defaultJobOptions: DELIVERY_JOB_OPTIONS });
  queue.on('error', () => undefined);
  return queue;
}
