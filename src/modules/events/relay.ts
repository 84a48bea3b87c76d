import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kartu } from '../../context';
import { outboxPending, outboxRelayed, outboxRelayLag } from '../../platform/metrics';

/** The BullMQ queue committed outbox events are relayed to; the event worker consumes it. */
export const EVENTS_QUEUE = 'events';

/** What a job on the events queue carries: ids only, never event data (the worker reads the row). */
export interface EventJobData {
  eventId: string;
  type: string;
}

/** Attempts of one event job (each runs only the subscribers that have not yet handled the event). */
export const EVENT_JOB_ATTEMPTS = 8;

export class RedisUnavailable extends Error {
  constructor() {
    super('Redis is not reachable');
    this.name = 'RedisUnavailable';
  }
}

/** Rejects when `work` has not settled within `ms` (a BullMQ call can wait forever for a Redis that is down). */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what}: no answer from Redis within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Moves committed outbox rows to BullMQ. One claim is one PostgreSQL transaction: the oldest
 * pending rows are locked with FOR UPDATE SKIP LOCKED (so relays running side by side claim
 * disjoint rows), added to the queue with jobId = event id (so a relay that dies between the add
 * and the commit re-adds the same jobs, which BullMQ ignores), then marked relayed. With Redis down
 * the add fails, the transaction rolls back and the rows wait for the next claim.
 */
export class OutboxRelay {
  constructor(
    private readonly k: Kartu,
    private readonly queue: Queue,
    /** The connection the queue uses: checked before each claim, so a Redis outage fails fast. */
    private readonly redis: Redis,
    /** Test hook: runs after the jobs are added and before the rows are marked (a crash here must not duplicate). */
    private readonly afterEnqueue?: (eventIds: string[]) => Promise<void>,
  ) {}

  /** Relays one batch; returns how many events it moved. */
  async relayOnce(): Promise<number> {
    if (this.redis.status !== 'ready') throw new RedisUnavailable();
    const { k } = this;
    const moved = await k.db.transaction(async (tx) => {
      const rows: Array<{ id: string; type: string }> = await tx.query(
        'SELECT id, type FROM outbox_events WHERE relayed_at IS NULL ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED',
        [k.config.relayBatchSize],
      );
      if (rows.length === 0) return 0;
      const jobs = rows.map((r) => ({ name: r.type, data: { eventId: r.id, type: r.type } satisfies EventJobData, opts: { jobId: r.id } }));
      await withTimeout(this.queue.addBulk(jobs), 5000, 'relay');
      const ids = rows.map((r) => r.id);
      await this.afterEnqueue?.(ids);
      await tx.query('UPDATE outbox_events SET relayed_at = $2 WHERE id = ANY($1::uuid[])', [ids, k.clock.now()]);
      return rows.length;
    });
    outboxRelayed.inc(moved);
    return moved;
  }

  /**
   * After a Redis outage that lost data (no persistence, failover), a relayed event's job may be
   * gone. Events relayed longer than KARTU_RELAY_STALE_SECONDS ago and not yet handled are checked
   * against Redis; those whose job no longer exists are marked pending again and relayed anew.
   * Subscribers record what they handled (outbox_dispatches), so this never runs one twice.
   */
  async sweepOnce(): Promise<number> {
    if (this.redis.status !== 'ready') throw new RedisUnavailable();
    const { k } = this;
    const staleBefore = new Date(k.clock.now().getTime() - k.config.relayStaleSeconds * 1000);
    const rows: Array<{ id: string }> = await k.db.query(
      `SELECT id FROM outbox_events
        WHERE relayed_at < $1 AND dispatched_at IS NULL AND dispatch_failed_at IS NULL
        ORDER BY relayed_at LIMIT 500`,
      [staleBefore],
    );
    const lost: string[] = [];
    for (const r of rows) {
      if ((await withTimeout(this.queue.getJobState(r.id), 5000, 'sweep')) === 'unknown') lost.push(r.id);
    }
    if (lost.length === 0) return 0;
    await k.db.query('UPDATE outbox_events SET relayed_at = NULL WHERE id = ANY($1::uuid[]) AND dispatched_at IS NULL', [lost]);
    k.logger.warn({ events: lost.length }, 'relayed events whose jobs vanished from Redis are relayed again');
    return lost.length;
  }

  /** Updates the relay-lag metrics (see measureOutboxLag). */
  measureLag(): Promise<{ pending: number; lagSeconds: number }> {
    return measureOutboxLag(this.k);
  }
}

/**
 * Sets the relay-lag metrics from PostgreSQL: the age of the oldest event not yet relayed and how
 * many wait (one read on the partial index of pending rows). The worker measures it as it relays;
 * the api measures it on each /metrics scrape, so the lag is visible wherever the relay runs.
 */
export async function measureOutboxLag(k: Kartu): Promise<{ pending: number; lagSeconds: number }> {
  const [row]: Array<{ pending: string; oldest: Date | null }> = await k.db.query(
    'SELECT count(*) AS pending, min(created_at) AS oldest FROM outbox_events WHERE relayed_at IS NULL',
  );
  const pending = Number(row?.pending ?? 0);
  const lagSeconds = row?.oldest ? Math.max(0, (k.clock.now().getTime() - new Date(row.oldest).getTime()) / 1000) : 0;
  outboxPending.set(pending);
  outboxRelayLag.set(lagSeconds);
  return { pending, lagSeconds };
}

export interface PollingLoop {
  /** Wakes the loop now instead of at the next interval. */
  wake(): void;
  /** Stops after the step in progress; resolves when it has. */
  stop(): Promise<void>;
}

/**
 * Runs `step` over and over: again at once while it reports a full batch, after `intervalMs` when
 * idle, and with a growing pause (up to 5 s) while it fails. An outage is logged once when it
 * starts and once when it ends, never once per retry.
 */
export function startPolling(k: Kartu, name: string, step: () => Promise<boolean>, intervalMs: number): PollingLoop {
  let stopping = false;
  let failures = 0;
  let wakeUp: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      wakeUp = resolve;
      timer = setTimeout(resolve, ms);
    }).finally(() => {
      clearTimeout(timer);
      wakeUp = undefined;
    });
  const done = (async () => {
    while (!stopping) {
      let more = false;
      try {
        more = await step();
        if (failures > 0) k.logger.info({ loop: name }, `${name} resumed`);
        failures = 0;
      } catch (err) {
        if (failures === 0) k.logger.warn({ loop: name, err: (err as Error).message }, `${name} paused; retrying until it succeeds (events wait in PostgreSQL)`);
        failures++;
      }
      if (stopping) break;
      if (failures > 0) await sleep(Math.min(intervalMs * 2 ** Math.min(failures, 10), 5000));
      else if (!more) await sleep(intervalMs);
    }
  })();
  return {
    wake: () => wakeUp?.(),
    async stop() {
      stopping = true;
      wakeUp?.();
      await done;
    },
  };
}

/**
 * The outbox relay as it runs in a worker: claims batches until none is full, sweeps for jobs lost
 * in Redis every half stale period (at most once a minute), and measures the lag at most once a second.
 */
export function startOutboxRelay(k: Kartu, relay: OutboxRelay): PollingLoop {
  let lastMeasure = 0;
  return startRelayLoop(k, 'outbox relay', relay, async () => {
    // Measured before relaying, so the lag keeps growing on the dashboard while Redis is down.
    if (Date.now() - lastMeasure >= 1000) {
      lastMeasure = Date.now();
      await relay.measureLag();
    }
  });
}

/**
 * Polls a relay (outbox → events, deliveries → webhooks): one batch per step, again at once while
 * batches come full, and every half stale period (at most a minute) a sweep for jobs Redis lost.
 */
export function startRelayLoop(
  k: Kartu,
  name: string,
  relay: { relayOnce(): Promise<number>; sweepOnce(): Promise<unknown> },
  beforeEach?: () => Promise<void>,
): PollingLoop {
  let lastSweep = Date.now();
  const sweepEveryMs = Math.min((k.config.relayStaleSeconds * 1000) / 2, 60_000);
  return startPolling(
    k,
    name,
    async () => {
      await beforeEach?.();
      const moved = await relay.relayOnce();
      if (Date.now() - lastSweep >= sweepEveryMs) {
        lastSweep = Date.now();
        await relay.sweepOnce();
      }
      return moved === k.config.relayBatchSize;
    },
    k.config.relayIntervalMs,
  );
}
