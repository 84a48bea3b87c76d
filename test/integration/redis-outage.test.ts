import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEventsQueue } from '../../src/modules/events/event-worker';
import { OutboxRelay } from '../../src/modules/events/relay';
import { freePort } from '../../src/platform/embedded-postgres';
import { redisReachable } from '../../src/platform/redis';
import { startWorkers, type Workers } from '../../src/worker';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { business, expectSnap, issueCard, nid, type Biz, type IssuedCard } from '../support/partner-fixtures';
import { verifyKartuSignature, WebhookReceiver } from '../support/webhook-receiver';
import { waitFor } from '../support/wait-for';

/**
 * Redis dies while card networks keep authorizing: the authorizations are answered (Redis is not
 * on their path), their events wait in the PostgreSQL outbox, and once a Redis is back (an empty
 * one: this Redis keeps nothing on disk) every event reaches the business's webhook exactly once.
 */

let port: number;
let redisProcess: ChildProcess | undefined;
let h: Harness;
let workers: Workers | undefined;
let receiver: WebhookReceiver;
let net: TestNetwork;
let biz: Biz;
let card: IssuedCard;
let secret: string;

async function startRedis(): Promise<void> {
  redisProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  await waitFor('redis-server to answer', () => redisReachable(`redis://127.0.0.1:${port}`, 500), 20_000);
}

async function stopRedis(): Promise<void> {
  const child = redisProcess;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
  redisProcess = undefined;
}

async function authorize(amount: number): Promise<string> {
  const id = nid('auth');
  const res = await net.send('/authorizations', {
    id,
    card: { number: card.number, expiry: card.expiry, cvv: card.cvv },
    amount,
    currency: 'IDR',
    merchant: { id: 'M-KOPI-1', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' },
    pos: { entryMode: 'contactless', cardPresent: true },
    partialAllowed: false,
    originalId: null,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.decision).toBe('approved');
  return id;
}

async function businessEventIds(): Promise<string[]> {
  return (await h.kartu.db.query('SELECT id FROM outbox_events WHERE business_id = $1 ORDER BY created_at', [biz.businessId])).map((r: { id: string }) => r.id);
}

beforeAll(async () => {
  port = await freePort();
  await startRedis();
  h = await startHarness({ REDIS_URL: `redis://127.0.0.1:${port}`, KARTU_RELAY_INTERVAL_MS: '50', KARTU_RELAY_STALE_SECONDS: '2' });
  receiver = await WebhookReceiver.start();
  net = await TestNetwork.create(h);
  biz = await business(h, 5_000_000n);
  card = await issueCard(biz);
  const res = await biz.partner.call('POST', '/snap/v1.0/webhook-endpoints', JSON.stringify({ url: receiver.url('/hooks/outage'), eventTypes: ['*'] }));
  expectSnap(res, '2009700');
  secret = res.body.webhookEndpoint.secret;
  workers = await startWorkers(h.kartu);
  expect(workers).toBeDefined();
});

afterAll(async () => {
  await workers?.close();
  await receiver?.close();
  await stopRedis();
  await h?.close();
});

describe('a Redis outage during authorizations', () => {
  it('loses no event and delivers none twice', async () => {
    // Before: everything so far (card and cardholder events, one authorization) is delivered.
    await authorize(10_000);
    const before = await businessEventIds();
    await waitFor('the first events delivered', () => before.every((id) => receiver.ofEvent(id).length > 0), 20_000);

    await stopRedis();
    const during: string[] = [];
    for (let i = 0; i < 6; i++) during.push(await authorize(1_000 + i));
    const waiting = await businessEventIds();
    expect(waiting.length).toBeGreaterThanOrEqual(before.length + 6);
    const [pending] = await h.kartu.db.query('SELECT count(*)::int AS n FROM outbox_events WHERE business_id = $1 AND relayed_at IS NULL', [biz.businessId]);
    expect(pending.n).toBeGreaterThanOrEqual(6); // they wait in PostgreSQL
    expect(receiver.received.filter((r) => !before.includes(r.body.id))).toHaveLength(0);

    await startRedis(); // empty: nothing survived in Redis
    const all = await businessEventIds();
    await waitFor('every event delivered', () => all.every((id) => receiver.ofEvent(id).length > 0), 30_000);
    await waitFor('every delivery settled', async () => {
      const [open] = await h.kartu.db.query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE business_id = $1 AND status <> 'succeeded'", [biz.businessId]);
      return open.n === 0;
    }, 20_000);

    const ids = receiver.received.map((r) => r.body.id);
    expect(new Set(ids).size).toBe(ids.length); // none twice
    expect([...ids].sort()).toEqual([...all].sort()); // none lost, none foreign
    const authorizations = receiver.received.filter((r) => r.body.type === 'authorization.created');
    expect(authorizations).toHaveLength(7);
    expect(receiver.received.every((r) => verifyKartuSignature(r, secret).ok)).toBe(true);
    // No card number reached the receiver, the outbox or Redis-bound job data.
    expect(receiver.received.some((r) => r.raw.includes(card.number))).toBe(false);
  });

  it('jobs that were in Redis when it died (relayed, not yet handled) are relayed again by the sweeper once stale', async () => {
    await workers!.close();
    workers = undefined;
    const ids = [await authorize(2_000), await authorize(2_001)];
    // Relayed by hand into the queue, with no worker to take them: then Redis dies with them.
    const conn = new Redis(port, '127.0.0.1', { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    conn.on('error', () => undefined);
    await waitFor('relay connection', () => conn.status === 'ready', 20_000);
    const queue = createEventsQueue(h.kartu, conn);
    const relay = new OutboxRelay(h.kartu, queue, conn);
    expect(await relay.relayOnce()).toBeGreaterThanOrEqual(2);
    await queue.close();
    conn.disconnect();
    const lost: string[] = (await h.kartu.db.query('SELECT id FROM outbox_events WHERE business_id = $1 AND dispatched_at IS NULL', [biz.businessId])).map((r: { id: string }) => r.id);
    expect(lost.length).toBeGreaterThanOrEqual(2);
    await stopRedis();
    await startRedis();

    workers = await startWorkers(h.kartu);
    h.clock.advance(10_000); // past KARTU_RELAY_STALE_SECONDS
    await waitFor('the lost events delivered', () => lost.every((id) => receiver.ofEvent(id).length > 0), 30_000);
    const all = await businessEventIds();
    await waitFor('every delivery settled', async () => {
      const [open] = await h.kartu.db.query("SELECT count(*)::int AS n FROM webhook_deliveries WHERE business_id = $1 AND status <> 'succeeded'", [biz.businessId]);
      return open.n === 0 && all.every((id) => receiver.ofEvent(id).length > 0);
    }, 20_000);
    const received = receiver.received.map((r) => r.body.id);
    expect(new Set(received).size).toBe(received.length);
    expect([...received].sort()).toEqual([...all].sort());
    expect(receiver.received.filter((r) => r.body.type === 'authorization.created')).toHaveLength(9);
    expect(ids.every((id) => receiver.received.some((r) => r.body.type === 'authorization.created' && JSON.stringify(r.body.data).includes(id)))).toBe(true);
  });
});
