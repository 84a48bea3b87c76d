import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type KartuApp } from '../../src/app';
import { recordEvent } from '../../src/modules/events/outbox';
import { sha256Hex } from '../../src/platform/crypto';
import { adminSession } from '../support/admin-session';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { authorizationBody, business, issueCard, type Biz } from '../support/partner-fixtures';
import { SseClient, type SseEvent } from '../support/sse-client';
import { waitFor } from '../support/wait-for';

/**
 * GET /admin/v1/stream over a real HTTP server, read as an EventSource reads it: only the admin's
 * business, resuming with Last-Event-ID without gap or repeat, an event whose transaction commits
 * late still delivered, the poller stopping when the last stream closes, and reconnects that do
 * not keep an idle session alive.
 */

let h: Harness;
let net: TestNetwork;
const servers: Server[] = [];
const clients: SseClient[] = [];

async function listen(app: KartuApp): Promise<string> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let base: string;
let a: Biz;
let b: Biz;
let viewerA: string;
let viewerB: string;

beforeAll(async () => {
  h = await startHarness();
  base = await listen(h.app);
  net = await TestNetwork.create(h);
  [a, b] = await Promise.all([business(h, 10_000_000n), business(h, 10_000_000n)]);
  [viewerA, viewerB] = await Promise.all([adminSession(h, a.businessId, 'viewer'), adminSession(h, b.businessId, 'viewer')]);
});
afterAll(async () => {
  for (const c of clients) c.close();
  h.app.adminStream.close();
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
  await h.close();
});

async function stream(cookie: string | undefined, o: { lastEventId?: string; query?: string; origin?: string } = {}): Promise<SseClient> {
  const headers: Record<string, string> = {};
  if (cookie) headers.Cookie = cookie;
  if (o.lastEventId !== undefined) headers['Last-Event-ID'] = o.lastEventId;
  const client = await SseClient.open(`${o.origin ?? base}/admin/v1/stream${o.query ?? ''}`, headers);
  clients.push(client);
  return client;
}

/** An open stream that has sent its starting id (the server admitted it). */
async function openStream(cookie: string, o: { lastEventId?: string; query?: string; origin?: string } = {}): Promise<SseClient> {
  const client = await stream(cookie, o);
  expect(client.status).toBe(200);
  if (o.lastEventId === undefined && o.query === undefined) await waitFor('the starting id', () => client.lastEventId !== '');
  return client;
}

/** An event written straight into the outbox, committed: its id. */
const insertEvent = (biz: Biz, type: string, data: object = {}) => recordEvent(h.kartu.db.manager, { businessId: biz.businessId, type, data });
const payload = (e: SseEvent) => JSON.parse(e.data) as { id: string; type: string; createdAt: string; data: Record<string, unknown> };
const ids = (events: SseEvent[]) => events.map((e) => payload(e).id);

/** Until every transaction older than the event's has ended, "now" still lies before it. */
async function safeToReadPast(eventId: string): Promise<void> {
  await waitFor('the event to be below the oldest running transaction', async () => {
    const [row] = await h.kartu.db.query('SELECT xid < pg_snapshot_xmin(pg_current_snapshot()) AS safe FROM outbox_events WHERE id = $1', [eventId]);
    return row.safe as boolean;
  });
}

describe('who may open it', () => {
  it('no session cookie: 401 JSON, no stream', async () => {
    const client = await stream(undefined);
    expect(client.status).toBe(401);
    expect(client.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(await client.text())).toEqual({ responseCode: '4019700', responseMessage: 'Unauthorized. Log in first' });
  });

  it.each([
    ['a Last-Event-ID that is not a cursor', { lastEventId: 'garbage' }, 'Last-Event-ID'],
    ['a transaction id beyond xid8', { lastEventId: '99999999999999999999.0b8f2a4e-7c1d-4e7a-9f3b-2d6c5a1e8f00' }, 'Last-Event-ID'],
    ['?lastEventId= not a cursor', { query: '?lastEventId=1.2' }, 'lastEventId'],
    ['an unknown query field', { query: '?since=now' }, 'since'],
  ])('%s: 400 naming it', async (_what, o, field) => {
    const client = await stream(viewerA, o);
    expect(client.status).toBe(400);
    const body = JSON.parse(await client.text());
    expect(body.responseCode).toBe('4009701');
    expect(body.responseMessage).toContain(field);
  });

  it('a viewer gets an event stream, starting now', async () => {
    const before = await insertEvent(a, 'card.updated', { step: 'before the stream' });
    await safeToReadPast(before);
    const client = await openStream(viewerA);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toBe('no-cache');
    expect(client.headers['x-accel-buffering']).toBe('no');
    expect(client.retry).toBe(1000);
    expect(client.lastEventId).toMatch(/^\d+\.[0-9a-f-]{36}$/);
    const marker = await insertEvent(a, 'card.updated', { step: 'after' });
    const [first] = await client.waitForEvents(1);
    expect(payload(first!)).toMatchObject({ id: marker, type: 'card.updated', data: { step: 'after' } });
    expect(first!.event).toBe('card.updated');
    expect(first!.id).toMatch(/^\d+\.[0-9a-f-]{36}$/);
    expect(Date.parse(payload(first!).createdAt)).not.toBeNaN();
    client.close();
  });
});

describe('what it carries', () => {
  it("the business's own card and authorization events, live; never another business's, nor other families", async () => {
    const [streamA, streamB] = await Promise.all([openStream(viewerA), openStream(viewerB)]);
    const [cardA, cardB] = await Promise.all([issueCard(a), issueCard(b)]);
    const sentAt = Date.now();
    const [authA, authB] = await Promise.all([
      net.send('/authorizations', authorizationBody(cardA)),
      net.send('/authorizations', authorizationBody(cardB)),
    ]);
    expect([authA.status, authB.status]).toEqual([200, 200]);
    expect(authA.body.responseCode).toBe('00');
    const answeredAt = Date.now();
    const authorizationA = await streamA.waitForEvent('A authorization.created', (e) => e.event === 'authorization.created', 5_000);
    const authorizationB = await streamB.waitForEvent('B authorization.created', (e) => e.event === 'authorization.created', 5_000);
    console.log(`authorization on the stream ${authorizationA.receivedAt - answeredAt} ms after its answer (${authorizationA.receivedAt - sentAt} ms after it was sent); B: ${authorizationB.receivedAt - answeredAt} ms`);
    expect(payload(authorizationA).data).toMatchObject({ cardId: cardA.id });
    expect(payload(authorizationB).data).toMatchObject({ cardId: cardB.id });
    await streamA.waitForEvent('A card.created', (e) => e.event === 'card.created' && payload(e).data.id === cardA.id);

    // Families the dashboard does not show stay out; a marker after them shows they were passed over.
    await insertEvent(a, 'report.completed', { reportId: 'r-1' });
    await insertEvent(a, 'rewards.accrued', { points: 1 });
    const marker = await insertEvent(a, 'cardholder.updated', { marker: true });
    await streamA.waitForEvent('the marker', (e) => payload(e).id === marker);
    expect(streamA.events.map((e) => e.event).filter((t) => !/^(authorization|card|cardholder|transaction|funding)\./.test(t))).toEqual([]);

    // Every event on each stream is its own business's.
    for (const [client, biz] of [[streamA, a], [streamB, b]] as const) {
      const owners: Array<{ business_id: string }> = await h.kartu.db.query('SELECT business_id FROM outbox_events WHERE id = ANY($1::uuid[])', [ids(client.events)]);
      expect(owners.length).toBe(client.events.length);
      expect(new Set(owners.map((o) => o.business_id))).toEqual(new Set([biz.businessId]));
    }
    expect(JSON.stringify(streamA.events)).not.toContain(cardB.id);
    expect(JSON.stringify(streamB.events)).not.toContain(cardA.id);
    // No card number or CVV on the wire.
    expect(JSON.stringify(streamA.events)).not.toContain(cardA.number);
    streamA.close();
    streamB.close();
  });
});

describe('resuming', () => {
  it('with Last-Event-ID after a disconnect: exactly the events missed meanwhile, then live', async () => {
    const first = await openStream(viewerA);
    const seen = await insertEvent(a, 'card.updated', { n: 1 });
    await first.waitForEvent('event 1', (e) => payload(e).id === seen);
    const resumeFrom = first.lastEventId;
    first.close();
    await waitFor('the stream to be gone', () => h.app.adminStream.stats().streams === 0);
    const missed = [await insertEvent(a, 'card.updated', { n: 2 }), await insertEvent(a, 'cardholder.updated', { n: 3 }), await insertEvent(a, 'funding.credited', { n: 4 })];
    await insertEvent(b, 'card.updated', { n: 'other business' });

    const again = await openStream(viewerA, { lastEventId: resumeFrom });
    await again.waitForEvents(3);
    const after = await insertEvent(a, 'transaction.cleared', { n: 5 });
    await again.waitForEvents(4);
    expect(ids(again.events)).toEqual([...missed, after]);
    again.close();
  });

  it('with ?lastEventId= the same; a Last-Event-ID header (a reconnect) wins over it', async () => {
    const first = await openStream(viewerA);
    const e1 = await insertEvent(a, 'card.updated', { n: 1 });
    await first.waitForEvents(1);
    const cursor1 = first.lastEventId;
    const e2 = await insertEvent(a, 'card.updated', { n: 2 });
    await first.waitForEvents(2);
    const cursor2 = first.lastEventId;
    first.close();
    expect(ids(first.events)).toEqual([e1, e2]);
    const e3 = await insertEvent(a, 'card.updated', { n: 3 });

    const byQuery = await openStream(viewerA, { query: `?lastEventId=${cursor1}` });
    await byQuery.waitForEvents(2);
    const byBoth = await openStream(viewerA, { query: `?lastEventId=${cursor1}`, lastEventId: cursor2 });
    await byBoth.waitForEvents(1);
    const e4 = await insertEvent(a, 'card.updated', { n: 4 });
    await byQuery.waitForEvents(3);
    await byBoth.waitForEvents(2);
    expect(ids(byQuery.events)).toEqual([e2, e3, e4]);
    expect(ids(byBoth.events)).toEqual([e3, e4]);
    byQuery.close();
    byBoth.close();
  });

  it('in transaction-id order also across a change in digit count (xid 10 after 9)', async () => {
    // Events of long-gone transactions 9 and 10: as text, "10" sorts before "9" (and after "8").
    const [nine, ten] = [randomUUID(), randomUUID()];
    await h.kartu.db.query("INSERT INTO outbox_events (id, business_id, type, data, xid) VALUES ($1, $3, 'card.updated', '{}', '9'), ($2, $3, 'card.updated', '{}', '10')", [nine, ten, a.businessId]);
    const client = await openStream(viewerA, { lastEventId: '8.00000000-0000-0000-0000-000000000000' });
    await client.waitForEvents(2);
    expect(ids(client.events).slice(0, 2)).toEqual([nine, ten]);
    client.close();
  });

  it("another business's cursor gives nothing of that business", async () => {
    const streamB = await openStream(viewerB);
    await insertEvent(b, 'card.updated', { n: 'b' });
    await streamB.waitForEvents(1);
    const fromA = await openStream(viewerA, { lastEventId: streamB.lastEventId });
    const marker = await insertEvent(a, 'card.updated', { n: 'a' });
    await fromA.waitForEvents(1);
    expect(ids(fromA.events)).toEqual([marker]);
    streamB.close();
    fromA.close();
  });
});

describe('commit order', () => {
  it('an event whose transaction commits after a later one is still delivered, before it', async () => {
    const client = await openStream(viewerA);
    const late = new pg.Client({ connectionString: h.kartu.config.databaseUrl });
    await late.connect();
    try {
      await late.query('BEGIN');
      const [{ id: lateId }] = (await late.query("INSERT INTO outbox_events (business_id, type, data) VALUES ($1, 'card.updated', '{\"n\":\"late\"}') RETURNING id", [a.businessId])).rows;
      // Written after, committed first.
      const early = await insertEvent(a, 'card.updated', { n: 'committed first' });
      // The stream goes on with other work meanwhile; nothing below the open transaction is skipped.
      await late.query('COMMIT');
      await client.waitForEvents(2);
      expect(ids(client.events)).toEqual([lateId, early]);
      const resumed = await openStream(viewerA, { lastEventId: client.events[0]!.id });
      await resumed.waitForEvents(1);
      expect(ids(resumed.events)).toEqual([early]);
      resumed.close();
    } finally {
      await late.end();
    }
    client.close();
  });
});

describe('its poller', () => {
  it('runs while streams are open and stops when the last one disconnects', async () => {
    await waitFor('no stream left from earlier tests', () => h.app.adminStream.stats().streams === 0);
    expect(h.app.adminStream.stats()).toEqual({ streams: 0, polling: false });
    const streams = await Promise.all([openStream(viewerA), openStream(viewerA), openStream(viewerB)]);
    expect(h.app.adminStream.stats()).toEqual({ streams: 3, polling: true });
    streams[0]!.close();
    await waitFor('one fewer', () => h.app.adminStream.stats().streams === 2);
    // The remaining ones still get events.
    const e = await insertEvent(a, 'card.updated', {});
    await streams[1]!.waitForEvent('the event', (x) => payload(x).id === e);
    streams[1]!.close();
    streams[2]!.close();
    await waitFor('the poller to stop', () => {
      const s = h.app.adminStream.stats();
      return s.streams === 0 && !s.polling;
    });
  });

  it('sends heartbeats, ends each stream after its lifetime; the reconnect resumes, and after a logout is refused', async () => {
    const app = createApp(h.kartu, { streamTimings: { pollMs: 250, pollRetryMs: 2_000, heartbeatMs: 100, lifetimeMs: 600 } });
    const origin = await listen(app);
    const cookie = await adminSession(h, a.businessId, 'viewer');
    const first = await openStream(cookie, { origin });
    await waitFor('a heartbeat', () => first.comments > 0);
    await waitFor('the stream to end', () => first.ended);
    expect(first.completed).toBe(true);
    // What the client reconnects with (its Last-Event-ID) loses nothing of what happened meanwhile.
    const meanwhile = await insertEvent(a, 'card.updated', { n: 'meanwhile' });
    const second = await openStream(cookie, { origin, lastEventId: first.lastEventId });
    await second.waitForEvent('the event of the gap', (e) => payload(e).id === meanwhile);
    expect(ids(second.events)).toEqual([meanwhile]);
    const out = await h.http().post('/admin/v1/logout').set('Cookie', cookie);
    expect(out.status).toBe(200);
    await waitFor('the second stream to end', () => second.ended);
    const third = await stream(cookie, { origin, lastEventId: second.lastEventId });
    expect(third.status).toBe(401);
    app.adminStream.close();
  });

  it('close() ends every open stream, so the server closes at once (kartu serve shutdown)', async () => {
    const app = createApp(h.kartu);
    const origin = await listen(app);
    const server = servers.at(-1)!;
    const open = await Promise.all([openStream(viewerA, { origin }), openStream(viewerB, { origin })]);
    app.adminStream.close();
    await waitFor('the streams to end', () => open.every((c) => c.ended), 5_000);
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    expect(app.adminStream.stats()).toEqual({ streams: 0, polling: false });
  });
});

describe('and the idle session', () => {
  const idleExpiry = async (cookie: string): Promise<number> => {
    const [row] = await h.kartu.db.query('SELECT idle_expires_at FROM admin_sessions WHERE session_hash = $1', [sha256Hex(cookie.slice('kartu_session='.length))]);
    return (row.idle_expires_at as Date).getTime();
  };
  const me = (cookie: string) => h.http().get('/admin/v1/me').set('Cookie', cookie);

  it('a stream (re)connecting checks the session but does not keep it alive: with only the stream open it expires after the idle timeout, and the next stream gets 401', async () => {
    const idleMs = h.kartu.config.sessionIdleSeconds * 1000;
    const startedAt = h.clock.now();
    // Two dashboards signed in now: one only streams, the other is also used.
    const streaming = await adminSession(h, a.businessId, 'viewer');
    const used = await adminSession(h, a.businessId, 'viewer');
    try {
      const idleAtLogin = await idleExpiry(streaming);
      (await openStream(streaming)).close();
      h.clock.advance(idleMs - 60_000);
      const reconnect = await openStream(streaming);
      reconnect.close();
      expect(await idleExpiry(streaming)).toBe(idleAtLogin);
      expect((await me(used)).status).toBe(200);
      expect(await idleExpiry(used)).toBe(h.clock.now().getTime() + idleMs);
      (await openStream(used)).close();

      // Two minutes later the streaming session has been idle for 31 minutes: gone.
      h.clock.advance(120_000);
      const refused = await stream(streaming);
      expect(refused.status).toBe(401);
      expect(JSON.parse(await refused.text())).toEqual({ responseCode: '4019700', responseMessage: 'Unauthorized. Log in first' });
      expect((await me(streaming)).status).toBe(401);
      // The one that was used lives on, its stream too.
      expect((await openStream(used)).status).toBe(200);
    } finally {
      h.clock.set(startedAt);
    }
  });
});
