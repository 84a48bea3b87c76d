import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEventsQueue, dispatchEvent, startEventWorker } from '../../src/modules/events/event-worker';
import { recordEvent } from '../../src/modules/events/outbox';
import { OutboxRelay, RedisUnavailable, startOutboxRelay } from '../../src/modules/events/relay';
import type { EventSubscriber, OutboxEvent } from '../../src/modules/events/subscribers';
import { startHarness, type Harness } from '../support/harness';
import { waitFor } from '../support/wait-for';

/**
 * The outbox relay against the real PostgreSQL and Redis: each event reaches the events queue
 * once, whatever relays race or die half-way, and each subscriber handles it once.
 */

let h: Harness;
const connections: Redis[] = [];
const queues: Queue[] = [];

beforeAll(async () => {
  h = await startHarness({ KARTU_RELAY_BATCH_SIZE: '7', KARTU_RELAY_INTERVAL_MS: '20', KARTU_RELAY_STALE_SECONDS: '60' });
});
afterAll(async () => {
  for (const q of queues) await q.close();
  for (const c of connections) c.disconnect();
  await h.close();
});
beforeEach(async () => {
  // Every test starts with an empty outbox and an empty queue.
  await h.kartu.db.query('DELETE FROM outbox_dispatches');
  await h.kartu.db.query('DELETE FROM webhook_deliveries');
  await h.kartu.db.query('DELETE FROM outbox_events');
  const q = await newQueue();
  await q.obliterate({ force: true });
});

/** A fail-fast connection like the worker's, ready before it is returned. */
async function newConnection(url = h.kartu.config.redisUrl): Promise<Redis> {
  const redis = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, retryStrategy: () => 200 });
  redis.on('error', () => undefined);
  connections.push(redis);
  await redis.connect().catch(() => undefined);
  return redis;
}

async function newQueue(): Promise<Queue> {
  const q = createEventsQueue(h.kartu, await newConnection());
  queues.push(q);
  return q;
}

async function newRelay(afterEnqueue?: (ids: string[]) => Promise<void>): Promise<OutboxRelay> {
  const redis = await newConnection();
  const q = createEventsQueue(h.kartu, redis);
  queues.push(q);
  return new OutboxRelay(h.kartu, q, redis, afterEnqueue);
}

async function record(n: number, type = 'test.happened'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(await h.kartu.db.transaction((tx) => recordEvent(tx, { businessId: null, type, data: { i } })));
  }
  return ids;
}

/** Relays until a claim finds nothing (the other relay may still hold the last rows). */
async function drain(relay: OutboxRelay): Promise<number> {
  let total = 0;
  for (;;) {
    const moved = await relay.relayOnce();
    if (moved === 0) return total;
    total += moved;
  }
}

async function queuedIds(q: Queue): Promise<string[]> {
  const jobs = await q.getJobs(['waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
  return jobs.map((j) => j.id!);
}


const pendingCount = async () => Number((await h.kartu.db.query('SELECT count(*) AS n FROM outbox_events WHERE relayed_at IS NULL'))[0].n);

function countingSubscriber(name: string, types: string[] | '*' = '*', fail?: (e: OutboxEvent) => boolean): EventSubscriber & { seen: Map<string, number> } {
  const seen = new Map<string, number>();
  return {
    name,
    types,
    seen,
    async handle(_k, event) {
      if (fail?.(event)) throw new Error(`${name} refuses ${event.id}`);
      seen.set(event.id, (seen.get(event.id) ?? 0) + 1);
    },
  };
}

describe('outbox relay', () => {
  it('two relays racing move every event to the queue exactly once, each job named by its event id', async () => {
    const ids = await record(120);
    const [a, b] = await Promise.all([newRelay(), newRelay()]);
    const moved = await Promise.all([drain(a), drain(b), drain(a), drain(b)]);
    expect(moved.reduce((x, y) => x + y, 0)).toBe(120);
    expect(await pendingCount()).toBe(0);
    const q = await newQueue();
    const jobs = await queuedIds(q);
    expect(jobs.sort()).toEqual([...ids].sort());
    const job = await q.getJob(ids[0]!);
    // Ids only: the worker reads the row; no event data travels through Redis.
    expect(job!.data).toEqual({ eventId: ids[0], type: 'test.happened' });
  });

  it('a relay that dies after adding the jobs but before marking the rows adds nothing twice when it restarts', async () => {
    const ids = await record(10);
    const crashing = await newRelay(async () => {
      throw new Error('killed between the add and the commit');
    });
    await expect(crashing.relayOnce()).rejects.toThrow('killed');
    expect(await pendingCount()).toBe(10); // the rows were not marked: the transaction rolled back
    const q = await newQueue();
    expect((await queuedIds(q)).length).toBe(7); // the first batch reached Redis
    const restarted = await newRelay();
    expect(await drain(restarted)).toBe(10);
    expect((await queuedIds(q)).sort()).toEqual([...ids].sort());
    expect(await pendingCount()).toBe(0);
  });

  it('with Redis down a claim fails fast, changes nothing, and the rows wait; the lag metric shows them', async () => {
    await record(3);
    const redis = await newConnection('redis://127.0.0.1:1');
    const q = createEventsQueue(h.kartu, redis);
    queues.push(q);
    const relay = new OutboxRelay(h.kartu, q, redis);
    await expect(relay.relayOnce()).rejects.toBeInstanceOf(RedisUnavailable);
    expect(await pendingCount()).toBe(3);
    // The oldest waiting event is 45 s old by Kartu's clock.
    await h.kartu.db.query('UPDATE outbox_events SET created_at = $1', [new Date(h.clock.now().getTime() - 45_000)]);
    const lag = await relay.measureLag();
    expect(lag).toEqual({ pending: 3, lagSeconds: 45 });
    // The api's /metrics measures it too (the relay may run in another process).
    const metrics = (await h.http().get('/metrics')).text;
    expect(metrics).toMatch(/kartu_outbox_pending_events 3\n/);
    expect(metrics).toMatch(/kartu_outbox_relay_lag_seconds 45\n/);
  });

  it('the event worker hands each event to each matching subscriber once, also when a job runs twice or re-relayed jobs come back', async () => {
    const ids = await record(30);
    const other = await record(5, 'other.thing');
    const all = countingSubscriber('all');
    const some = countingSubscriber('some', ['test.*']);
    const worker = startEventWorker(h.kartu, { url: h.kartu.config.redisUrl, maxRetriesPerRequest: null }, [all, some]);
    const relay = await newRelay();
    const loop = startOutboxRelay(h.kartu, relay);
    try {
      const undispatched = async () => Number((await h.kartu.db.query('SELECT count(*) AS n FROM outbox_events WHERE dispatched_at IS NULL'))[0].n);
      await waitFor('every event dispatched', async () => (await undispatched()) === 0);
      // A relay restart that lost its commit: the rows are pending again and get relayed again.
      await h.kartu.db.query('UPDATE outbox_events SET relayed_at = NULL WHERE id = ANY($1::uuid[])', [ids.slice(0, 10)]);
      await waitFor('re-relayed', async () => (await pendingCount()) === 0);
      // The same event handed over again (a duplicate job) is a no-op.
      expect(await dispatchEvent(h.kartu, ids[0]!, [all, some])).toEqual({ handled: [], skipped: [] });
    } finally {
      await loop.stop();
      await worker.close();
    }
    expect([...all.seen.keys()].sort()).toEqual([...ids, ...other].sort());
    expect([...all.seen.values()].every((n) => n === 1)).toBe(true);
    expect([...some.seen.keys()].sort()).toEqual([...ids].sort());
    expect([...some.seen.values()].every((n) => n === 1)).toBe(true);
  });

  it('a failing subscriber is retried alone: the ones that finished are not run again', async () => {
    const [id] = await record(1);
    let failing = true;
    const ok = countingSubscriber('ok');
    const flaky = countingSubscriber('flaky', '*', () => failing);
    await expect(dispatchEvent(h.kartu, id!, [ok, flaky])).rejects.toThrow('flaky refuses');
    failing = false;
    expect(await dispatchEvent(h.kartu, id!, [ok, flaky])).toEqual({ handled: ['flaky'], skipped: ['ok'] });
    expect(ok.seen.get(id!)).toBe(1);
    expect(flaky.seen.get(id!)).toBe(1);
    const [row] = await h.kartu.db.query('SELECT dispatched_at FROM outbox_events WHERE id = $1', [id]);
    expect(row.dispatched_at).not.toBeNull();
  });

  it('the sweeper relays again an event whose job vanished from Redis (a restart without persistence), once it is stale', async () => {
    const ids = await record(4);
    const relay = await newRelay();
    expect(await drain(relay)).toBe(4);
    const q = await newQueue();
    await q.obliterate({ force: true }); // Redis lost everything
    expect(await relay.sweepOnce()).toBe(0); // not stale yet: jobs may still be on their way
    h.clock.advance(61_000);
    try {
      expect(await relay.sweepOnce()).toBe(4);
    } finally {
      h.clock.advance(-61_000);
    }
    expect(await pendingCount()).toBe(4);
    expect(await drain(relay)).toBe(4);
    expect((await queuedIds(q)).sort()).toEqual([...ids].sort());
  });
});
