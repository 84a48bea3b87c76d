import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import { startEventPipeline, type EventPipeline } from '../../src/modules/events/pipeline';
import { jittered, retrySchedule, WEBHOOKS_QUEUE } from '../../src/modules/webhooks/delivery';
import { notificationKey, rekeyWebhookSecrets, webhookSecretAad } from '../../src/modules/webhooks/notification-key';
import { isPublicAddress } from '../../src/modules/webhooks/ssrf';
import { SecretBox } from '../../src/platform/crypto';
import { startHarness, TestPartner, type Harness } from '../support/harness';
import { expectSnap } from '../support/partner-fixtures';
import { verifyKartuSignature, verifySnapSignature, WebhookReceiver, type Received } from '../support/webhook-receiver';
import { waitFor } from '../support/wait-for';

/**
 * Webhooks (SNAP service 97) end to end: endpoints over the partner API, events from real partner
 * calls, the worker's relay → dispatch → delivery against a receiver on 127.0.0.1 (sandbox), both
 * signatures checked with node:crypto alone, retries, the dead letter, redelivery, the event list.
 * The retry schedule is shortened: 100, 200, 300, 300 ms → 5 attempts.
 */

const SHORT_RETRIES = {
  KARTU_WEBHOOK_RETRY_BASE_MS: '100',
  KARTU_WEBHOOK_RETRY_MAX_DELAY_MS: '300',
  KARTU_WEBHOOK_RETRY_WINDOW_SECONDS: '1',
  KARTU_RELAY_INTERVAL_MS: '20',
};

let h: Harness;
let pipeline: EventPipeline;
let receiver: WebhookReceiver;

beforeAll(async () => {
  h = await startHarness(SHORT_RETRIES);
  receiver = await WebhookReceiver.start();
  pipeline = startEventPipeline(h.kartu);
});
afterAll(async () => {
  await pipeline?.close();
  await receiver?.close();
  await h?.close();
});


interface Endpoint {
  id: string;
  secret: string;
  url: string;
}

async function createEndpoint(p: TestPartner, url: string, eventTypes: string[] = ['*']): Promise<Endpoint> {
  const res = await p.call('POST', '/snap/v1.0/webhook-endpoints', JSON.stringify({ url, eventTypes }));
  expectSnap(res, '2009700');
  return { id: res.body.webhookEndpoint.id, secret: res.body.webhookEndpoint.secret, url };
}

/** A cardholder created over SNAP: its cardholder.created event is what the tests deliver. */
async function cardholderEvent(p: TestPartner): Promise<string> {
  const res = await p.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Budi Santoso', email: `budi.${randomUUID().slice(0, 8)}@example.com` }));
  expectSnap(res, '2009400');
  const [row] = await h.kartu.db.query("SELECT id FROM outbox_events WHERE type = 'cardholder.created' AND data->>'id' = $1", [res.body.cardholder.id]);
  return row.id;
}

async function deliveries(p: TestPartner, endpointId: string, query = '') {
  const res = await p.call('GET', `/snap/v1.0/webhook-endpoints/${endpointId}/deliveries${query}`);
  expectSnap(res, '2009700');
  return res.body.deliveries as Array<{ eventId: string; status: string; attemptCount: number; attempts: Array<{ outcome: string; httpStatus: number | null; responseExcerpt: string | null; latencyMs: number }> }>;
}

async function deliveryOf(p: TestPartner, endpointId: string, eventId: string) {
  return (await deliveries(p, endpointId, `?eventId=${eventId}`))[0];
}

describe('webhook endpoints', () => {
  it('are created with a secret shown once and stored encrypted, listed, read, disabled and deleted', async () => {
    const p = await TestPartner.create(h);
    const created = await p.call('POST', '/snap/v1.0/webhook-endpoints', JSON.stringify({ url: 'https://example.com/hooks', eventTypes: ['authorization.created', 'card.*'] }));
    expectSnap(created, '2009700');
    const ep = created.body.webhookEndpoint;
    expect(ep).toMatchObject({ url: 'https://example.com/hooks', eventTypes: ['authorization.created', 'card.*'], enabled: true });
    expect(ep.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
    const [row] = await h.kartu.db.query('SELECT secret_enc FROM webhook_endpoints WHERE id = $1', [ep.id]);
    expect(row.secret_enc).not.toContain(ep.secret.slice(6));

    const got = await p.call('GET', `/snap/v1.0/webhook-endpoints/${ep.id}`);
    expectSnap(got, '2009700');
    expect(got.body.webhookEndpoint.secret).toBeUndefined();
    const list = await p.call('GET', '/snap/v1.0/webhook-endpoints');
    expectSnap(list, '2009700');
    expect(list.body).toMatchObject({ totalCount: 1, pageNumber: 0, pageSize: 10 });
    expect(list.body.webhookEndpoints[0].secret).toBeUndefined();

    const disabled = await p.call('PATCH', `/snap/v1.0/webhook-endpoints/${ep.id}`, JSON.stringify({ enabled: false }));
    expectSnap(disabled, '2009700');
    expect(disabled.body.webhookEndpoint.enabled).toBe(false);

    expectSnap(await p.call('DELETE', `/snap/v1.0/webhook-endpoints/${ep.id}`), '2009700');
    expectSnap(await p.call('GET', `/snap/v1.0/webhook-endpoints/${ep.id}`), '4049701');
    expect((await p.call('GET', '/snap/v1.0/webhook-endpoints')).body.totalCount).toBe(0);
  });

  it('refuse bad input with the field named: 400xx02 when missing, 400xx01 when malformed or unknown', async () => {
    const p = await TestPartner.create(h);
    const post = (body: unknown) => p.call('POST', '/snap/v1.0/webhook-endpoints', JSON.stringify(body));
    expectSnap(await post({ eventTypes: ['*'] }), '4009702');
    expectSnap(await post({ url: 'https://example.com/h' }), '4009702');
    expectSnap(await post({ url: 'ftp://example.com/h', eventTypes: ['*'] }), '4009701');
    expectSnap(await post({ url: 'not a url', eventTypes: ['*'] }), '4009701');
    expectSnap(await post({ url: 'https://user:pw@example.com/h', eventTypes: ['*'] }), '4009701');
    expectSnap(await post({ url: 'https://example.com/h', eventTypes: [] }), '4009701');
    const typo = await post({ url: 'https://example.com/h', eventTypes: ['authorisation.created'] });
    expectSnap(typo, '4009701');
    expect(typo.body.responseMessage).toContain('eventTypes.0');
    const unknown = await post({ url: 'https://example.com/h', eventTypes: ['*'], secret: 'mine' });
    expectSnap(unknown, '4009701');
    expect(unknown.body.responseMessage).toContain('secret');
    const ep = await createEndpoint(p, 'https://example.com/h');
    expectSnap(await p.call('PATCH', `/snap/v1.0/webhook-endpoints/${ep.id}`, '{}'), '4009702');
    expectSnap(await p.call('PATCH', `/snap/v1.0/webhook-endpoints/${ep.id}`, JSON.stringify({ enabled: 'no' })), '4009701');
    expectSnap(await p.call('POST', `/snap/v1.0/webhook-endpoints/${ep.id}/redeliver`, '{}'), '4009702');
    expectSnap(await p.call('POST', `/snap/v1.0/webhook-endpoints/${ep.id}/redeliver`, JSON.stringify({ eventId: randomUUID(), since: new Date().toISOString() })), '4009701');
    expectSnap(await p.call('GET', '/snap/v1.0/events?pageSize=1000'), '4009701');
    expectSnap(await p.call('GET', '/snap/v1.0/events?from=yesterday'), '4009701');
    expect(await h.kartu.db.query('SELECT 1 FROM webhook_endpoints WHERE business_id = $1', [p.creds.businessId])).toHaveLength(1);
  });

  it("are another business's to see: its ids answer 404xx01 everywhere and nothing changes", async () => {
    const owner = await TestPartner.create(h);
    const other = await TestPartner.create(h);
    const ep = await createEndpoint(owner, receiver.url('/hooks/owner'));
    const eventId = await cardholderEvent(owner);
    expectSnap(await other.call('GET', `/snap/v1.0/webhook-endpoints/${ep.id}`), '4049701');
    expectSnap(await other.call('PATCH', `/snap/v1.0/webhook-endpoints/${ep.id}`, JSON.stringify({ enabled: false })), '4049701');
    expectSnap(await other.call('DELETE', `/snap/v1.0/webhook-endpoints/${ep.id}`), '4049701');
    expectSnap(await other.call('GET', `/snap/v1.0/webhook-endpoints/${ep.id}/deliveries`), '4049701');
    expectSnap(await other.call('POST', `/snap/v1.0/webhook-endpoints/${ep.id}/redeliver`, JSON.stringify({ eventId })), '4049701');
    expectSnap(await other.call('GET', `/snap/v1.0/events/${eventId}`), '4049701');
    expectSnap(await other.call('GET', '/snap/v1.0/webhook-endpoints/not-a-uuid'), '4049701');
    const otherEp = await createEndpoint(other, receiver.url('/hooks/other'));
    expectSnap(await other.call('POST', `/snap/v1.0/webhook-endpoints/${otherEp.id}/redeliver`, JSON.stringify({ eventId })), '4049701');
    const listed = await other.call('GET', '/snap/v1.0/events');
    expect(listed.body.events.map((e: { id: string }) => e.id)).not.toContain(eventId);
    const [row] = await h.kartu.db.query('SELECT enabled, deleted_at FROM webhook_endpoints WHERE id = $1', [ep.id]);
    expect(row).toEqual({ enabled: true, deleted_at: null });
  });
});

describe('deliveries', () => {
  it('POST {id, type, createdAt, data} signed with Kartu-Signature and SNAP X-SIGNATURE, both verified independently', async () => {
    const p = await TestPartner.create(h);
    const ep = await createEndpoint(p, receiver.url('/hooks/sig?src=kartu'), ['cardholder.created']);
    const eventId = await cardholderEvent(p);
    const [r] = await waitFor('the delivery', () => receiver.ofEvent(eventId).length > 0 && receiver.ofEvent(eventId));
    const r1 = r as Received;
    expect(r1.path).toBe('/hooks/sig?src=kartu');
    expect(r1.headers['content-type']).toBe('application/json');
    expect(Object.keys(r1.body)).toEqual(['id', 'type', 'createdAt', 'data']);
    expect(r1.body).toMatchObject({ id: eventId, type: 'cardholder.created' });
    expect(new Date(r1.body.createdAt).toISOString()).toBe(r1.body.createdAt);
    expect(r1.body.data).toMatchObject({ name: 'Budi Santoso' });

    const kartu = verifyKartuSignature(r1, ep.secret);
    expect(kartu.ok).toBe(true);
    expect(Math.abs(kartu.t - Math.floor(h.clock.now().getTime() / 1000))).toBeLessThanOrEqual(1);
    expect(verifyKartuSignature(r1, `${ep.secret}x`).ok).toBe(false);
    expect(verifyKartuSignature({ ...r1, raw: r1.raw.replace('Budi', 'Bude') }, ep.secret).ok).toBe(false);

    const key = await p.call('GET', '/snap/v1.0/notification-public-key');
    expectSnap(key, '2009700');
    expect(key.body.algorithm).toBe('SHA256withRSA');
    expect(r1.headers['x-timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
    expect(verifySnapSignature(r1, key.body.publicKey)).toBe(true);
    expect(verifySnapSignature({ ...r1, raw: r1.raw.replace('Budi', 'Bude') }, key.body.publicKey)).toBe(false);
    // The key is public: fetching it needs no credentials.
    const open = await h.http().get('/snap/v1.0/notification-public-key');
    expect(open.body.publicKey).toBe(key.body.publicKey);

    const d = await waitFor('succeeded', async () => {
      const x = await deliveryOf(p, ep.id, eventId);
      return x?.status === 'succeeded' && x;
    });
    expect(d.attempts).toHaveLength(1);
    expect(d.attempts[0]).toMatchObject({ outcome: 'succeeded', httpStatus: 200, responseExcerpt: 'ok' });
  });

  it('go only to enabled endpoints whose types match', async () => {
    const p = await TestPartner.create(h);
    const cards = await createEndpoint(p, receiver.url('/hooks/cards-only'), ['card.*']);
    const off = await createEndpoint(p, receiver.url('/hooks/off'), ['*']);
    expectSnap(await p.call('PATCH', `/snap/v1.0/webhook-endpoints/${off.id}`, JSON.stringify({ enabled: false })), '2009700');
    const all = await createEndpoint(p, receiver.url('/hooks/all'), ['*']);
    const eventId = await cardholderEvent(p);
    await waitFor('delivered to the catch-all endpoint', () => receiver.ofEvent(eventId).length > 0);
    await waitFor('event dispatched', async () => (await h.kartu.db.query('SELECT dispatched_at FROM outbox_events WHERE id = $1', [eventId]))[0].dispatched_at);
    expect(receiver.ofEvent(eventId).map((r) => r.path)).toEqual(['/hooks/all']);
    expect(await deliveries(p, cards.id)).toHaveLength(0);
    expect(await deliveries(p, off.id)).toHaveLength(0);
    expect(await deliveries(p, all.id)).toHaveLength(1);
  });

  it('are retried after a 500 with the same event id and body, each attempt recorded', async () => {
    const p = await TestPartner.create(h);
    const ep = await createEndpoint(p, receiver.url('/hooks/flaky'), ['cardholder.created']);
    let calls = 0;
    receiver.respond = (r) => (r.path === '/hooks/flaky' && ++calls <= 2 ? 500 : 200);
    try {
      const eventId = await cardholderEvent(p);
      const d = await waitFor('succeeded after retries', async () => {
        const x = await deliveryOf(p, ep.id, eventId);
        return x?.status === 'succeeded' && x;
      });
      const got = receiver.ofEvent(eventId);
      expect(got).toHaveLength(3);
      expect(new Set(got.map((r) => r.raw)).size).toBe(1);
      expect(got.every((r) => verifyKartuSignature(r, ep.secret).ok)).toBe(true);
      expect(d.attemptCount).toBe(3);
      expect(d.attempts.map((a) => [a.outcome, a.httpStatus])).toEqual([
        ['failed', 500],
        ['failed', 500],
        ['succeeded', 200],
      ]);
      expect(d.attempts[0]!.responseExcerpt).toBe('receiver says 500');
    } finally {
      receiver.respond = () => 200;
    }
  });

  it('are dead-lettered when the retry budget runs out, and redelivered on request', async () => {
    const schedule = retrySchedule(h.kartu.config);
    expect(schedule).toEqual([100, 200, 300, 300, 100]);
    const p = await TestPartner.create(h);
    const ep = await createEndpoint(p, receiver.url('/hooks/down'), ['cardholder.created']);
    let down = true;
    receiver.respond = (r) => (r.path === '/hooks/down' && down ? 503 : 200);
    try {
      const since = new Date(h.clock.now().getTime() - 1000).toISOString();
      const eventId = await cardholderEvent(p);
      const dead = await waitFor('dead', async () => {
        const x = await deliveryOf(p, ep.id, eventId);
        return x?.status === 'dead' && x;
      });
      expect(dead.attemptCount).toBe(schedule.length + 1);
      expect(receiver.ofEvent(eventId)).toHaveLength(schedule.length + 1);
      // The dead letter: the job stays in the failed set, visible in bull-board.
      const q = new Queue(WEBHOOKS_QUEUE, { connection: { url: h.kartu.config.redisUrl }, prefix: h.kartu.config.redisPrefix });
      try {
        const failed = await q.getFailed();
        expect(failed.some((j) => j.data.deliveryId && j.failedReason.startsWith('dead after 6 attempts'))).toBe(true);
      } finally {
        await q.close();
      }

      down = false;
      const again = await p.call('POST', `/snap/v1.0/webhook-endpoints/${ep.id}/redeliver`, JSON.stringify({ since }));
      expectSnap(again, '2009700');
      expect(again.body.redelivered).toBe(1);
      const ok = await waitFor('redelivered', async () => {
        const x = await deliveryOf(p, ep.id, eventId);
        return x?.status === 'succeeded' && x;
      });
      expect(ok.attemptCount).toBe(schedule.length + 2);
      expect(receiver.ofEvent(eventId)).toHaveLength(schedule.length + 2);

      // One event again on request, even a delivered one; the id is the event's, as always.
      const one = await p.call('POST', `/snap/v1.0/webhook-endpoints/${ep.id}/redeliver`, JSON.stringify({ eventId }));
      expectSnap(one, '2009700');
      await waitFor('redelivered once more', () => receiver.ofEvent(eventId).length === schedule.length + 3);
      const nothing = await p.call('POST', `/snap/v1.0/webhook-endpoints/${ep.id}/redeliver`, JSON.stringify({ since }));
      expect(nothing.body.redelivered).toBe(0);
    } finally {
      receiver.respond = () => 200;
    }
  });
});

describe('events list', () => {
  it('joins the OpenAPI document with every webhook route', async () => {
    const doc = await h.http().get('/openapi.json');
    expect(doc.status).toBe(200);
    for (const path of ['/snap/v1.0/webhook-endpoints', '/snap/v1.0/webhook-endpoints/{id}', '/snap/v1.0/webhook-endpoints/{id}/deliveries', '/snap/v1.0/webhook-endpoints/{id}/redeliver', '/snap/v1.0/events', '/snap/v1.0/notification-public-key']) {
      expect(Object.keys(doc.body.paths), path).toContain(path);
    }
  });


  it('pages through the business own events oldest first, filtered by type and time', async () => {
    const p = await TestPartner.create(h);
    const from = new Date(Date.now() - 60_000).toISOString();
    const ids = [await cardholderEvent(p), await cardholderEvent(p), await cardholderEvent(p)];
    const page0 = await p.call('GET', `/snap/v1.0/events?type=cardholder.created&from=${encodeURIComponent(from)}&pageSize=2&pageNumber=0`);
    expectSnap(page0, '2009700');
    expect(page0.body).toMatchObject({ pageSize: 2, pageNumber: 0, totalCount: 3 });
    const page1 = await p.call('GET', `/snap/v1.0/events?type=cardholder.created&pageSize=2&pageNumber=1`);
    const listed = [...page0.body.events, ...page1.body.events].map((e: { id: string }) => e.id);
    expect(listed).toEqual(ids);
    expect(page0.body.events[0]).toMatchObject({ id: ids[0], type: 'cardholder.created' });
    const one = await p.call('GET', `/snap/v1.0/events/${ids[1]}`);
    expectSnap(one, '2009700');
    expect(one.body.event.id).toBe(ids[1]);
    const future = await p.call('GET', `/snap/v1.0/events?from=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`);
    expect(future.body.totalCount).toBe(0);
  });

  it('by cursor (after), never skips an event whose transaction committed after later ones', async () => {
    const p = await TestPartner.create(h);
    const businessId = p.creds.businessId;
    const page = async (after: string) => {
      const res = await p.call('GET', `/snap/v1.0/events?after=${after}&pageSize=100`);
      expectSnap(res, '2009700');
      return res.body as { events: Array<{ id: string }>; nextCursor: string };
    };
    const first = await cardholderEvent(p);
    // A transaction that writes an event and commits late…
    const late = h.kartu.db.createQueryRunner();
    await late.connect();
    await late.startTransaction();
    try {
      const [lateEvent] = await late.query("INSERT INTO outbox_events (business_id, type, data) VALUES ($1, 'cardholder.updated', '{}') RETURNING id", [businessId]);
      // … while a later one commits first.
      const second = await cardholderEvent(p);
      const before = await waitFor('the first event', async () => {
        const r = await page('start');
        return r.events.some((e) => e.id === first) && r;
      });
      expect(before.events.map((e) => e.id)).toEqual([first]);
      await late.commitTransaction();
      const after = await waitFor('the late and the later event', async () => {
        const r = await page(before.nextCursor);
        return r.events.length === 2 && r;
      });
      expect(after.events.map((e) => e.id)).toEqual([lateEvent.id, second]);
      // Nothing new since: the same cursor again.
      expect((await page(after.nextCursor)).events).toEqual([]);
      expect((await page(after.nextCursor)).nextCursor).toBe(after.nextCursor);
    } finally {
      if (late.isTransactionActive) await late.rollbackTransaction();
      await late.release();
    }
    expectSnap(await p.call('GET', '/snap/v1.0/events?after=42'), '4009701');
  });

  it('by cursor, in transaction-id order also across a change in digit count (xid 10 after 9)', async () => {
    const p = await TestPartner.create(h);
    // Events of long-gone transactions 9 and 10: as text, "10" sorts before "9".
    const [nine, ten] = [randomUUID(), randomUUID()];
    await h.kartu.db.query("INSERT INTO outbox_events (id, business_id, type, data, xid) VALUES ($1, $3, 'cardholder.updated', '{}', '9'), ($2, $3, 'cardholder.updated', '{}', '10')", [nine, ten, p.creds.businessId]);
    const listed: string[] = [];
    let after = 'start';
    for (let i = 0; i < 3; i++) {
      const res = await p.call('GET', `/snap/v1.0/events?after=${after}&pageSize=1`);
      expectSnap(res, '2009700');
      listed.push(...res.body.events.map((e: { id: string }) => e.id));
      after = res.body.nextCursor;
    }
    expect(listed).toEqual([nine, ten]);
  });
});

describe('admin surface', () => {
  let ipCounter = 0;
  async function session(businessId: string, role: AdminRole): Promise<string> {
    const created = await createAdmin(h.kartu, { businessId, email: `${role}.${randomUUID().slice(0, 8)}@example.com`, role });
    const res = await h.http().post('/admin/v1/login').set('X-Forwarded-For', `198.51.100.${++ipCounter}`).send({ email: created.email, password: created.password });
    expect(res.status).toBe(200);
    return ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('kartu_session='))!.split(';')[0]!;
  }

  it('owners manage endpoints and see bull-board at /admin/queues; viewers read only; nobody without a session', async () => {
    const p = await TestPartner.create(h);
    const owner = await session(p.creds.businessId, 'owner');
    const viewer = await session(p.creds.businessId, 'viewer');
    const created = await h.http().post('/admin/v1/webhook-endpoints').set('Cookie', owner).send({ url: 'https://example.com/admin', eventTypes: ['*'] });
    expect(created.body.responseCode).toBe('2009700');
    const listed = await h.http().get('/admin/v1/webhook-endpoints').set('Cookie', viewer);
    expect(listed.body.webhookEndpoints.map((e: { id: string }) => e.id)).toEqual([created.body.webhookEndpoint.id]);
    expect((await h.http().post('/admin/v1/webhook-endpoints').set('Cookie', viewer).send({ url: 'https://example.com/v', eventTypes: ['*'] })).body.responseCode).toBe('4039701');

    expect((await h.http().get('/admin/queues')).status).toBe(401);
    expect((await h.http().get('/admin/queues').set('Cookie', viewer)).status).toBe(403);
    const board = await h.http().get('/admin/queues').set('Cookie', owner);
    expect(board.status).toBe(200);
    expect(board.text).toContain('<html');
    const api = await h.http().get('/admin/queues/api/queues').set('Cookie', owner);
    expect(api.status).toBe(200);
    expect(api.body.queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(['events', 'webhooks', 'maintenance']));
  });

  it('in production bull-board (every business\'s jobs) is for the owners of KARTU_OPERATOR_BUSINESS_IDS only', async () => {
    const prod = await startHarness({ KARTU_ENV: 'production' });
    try {
      const ownerCookie = async () => {
        const p = await TestPartner.create(prod);
        const created = await createAdmin(prod.kartu, { businessId: p.creds.businessId, email: `owner.${randomUUID().slice(0, 8)}@example.com`, role: 'owner' });
        const login = await prod.http().post('/admin/v1/login').send({ email: created.email, password: created.password });
        return { businessId: p.creds.businessId, cookie: ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((c) => c.startsWith('kartu_session='))!.split(';')[0]! };
      };
      const tenant = await ownerCookie();
      const operator = await ownerCookie();
      prod.kartu.config.operatorBusinessIds = [operator.businessId];
      const refused = await prod.http().get('/admin/queues/api/queues').set('Cookie', tenant.cookie);
      expect([refused.status, refused.body.responseCode]).toEqual([403, '4030001']);
      expect((await prod.http().get('/admin/queues/api/queues').set('Cookie', operator.cookie)).status).toBe(200);
    } finally {
      await prod.close();
    }
  });

  it('bull-board answers a clear 503 while Redis is unreachable', async () => {
    const down = await startHarness({ REDIS_URL: 'redis://127.0.0.1:1' });
    try {
      const p = await TestPartner.create(down);
      const created = await createAdmin(down.kartu, { businessId: p.creds.businessId, email: `owner.${randomUUID().slice(0, 8)}@example.com`, role: 'owner' });
      const login = await down.http().post('/admin/v1/login').send({ email: created.email, password: created.password });
      const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((c) => c.startsWith('kartu_session='))!.split(';')[0]!;
      const res = await down.http().get('/admin/queues').set('Cookie', cookie);
      expect(res.status).toBe(503);
      expect(res.body.responseMessage).toMatch(/Redis is not reachable/);
    } finally {
      await down.close();
    }
  });
});

describe('SSRF in production', () => {
  let prod: Harness;
  let prodPipeline: EventPipeline;
  beforeAll(async () => {
    prod = await startHarness({ ...SHORT_RETRIES, KARTU_ENV: 'production' });
    prodPipeline = startEventPipeline(prod.kartu);
  });
  afterAll(async () => {
    await prodPipeline?.close();
    await prod?.close();
  });

  it('refuses URLs that are or resolve to private, loopback or link-local addresses', async () => {
    const p = await TestPartner.create(prod);
    for (const url of [
      receiver.url(),
      'http://localhost:8080/h',
      'http://169.254.169.254/latest/meta-data',
      'http://10.1.2.3/h',
      'http://192.168.1.10/h',
      'http://[::1]/h',
      'http://[::ffff:127.0.0.1]/h',
      'http://[fe80::1]/h',
      'http://0.0.0.0/h',
    ]) {
      const res = await p.call('POST', '/snap/v1.0/webhook-endpoints', JSON.stringify({ url, eventTypes: ['*'] }));
      expectSnap(res, '4009701');
      expect(res.body.responseMessage).toContain('url');
    }
    expect(await prod.kartu.db.query('SELECT 1 FROM webhook_endpoints')).toHaveLength(0);
    for (const ip of ['8.8.8.8', '2606:4700:4700::1111']) expect(isPublicAddress(ip)).toBe(true);
    for (const ip of ['127.0.0.1', '10.0.0.1', '172.16.5.4', '100.64.0.1', '169.254.1.1', '::1', 'fd00::1', '::ffff:10.0.0.1', '::ffff:a00:1']) {
      expect(isPublicAddress(ip), ip).toBe(false);
    }
  });

  it('checks again at delivery: an endpoint whose host now points inside is not called, the attempt says why', async () => {
    const p = await TestPartner.create(prod);
    const ep = await createEndpointIn(prod, p, 'https://1.1.1.1/hooks');
    // As if DNS changed after creation: the endpoint now leads to the local receiver.
    await prod.kartu.db.query('UPDATE webhook_endpoints SET url = $2 WHERE id = $1', [ep, receiver.url('/hooks/ssrf')]);
    const before = receiver.received.length;
    const res = await p.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Dewi', email: `dewi.${randomUUID().slice(0, 8)}@example.com` }));
    expectSnap(res, '2009400');
    const [attempt] = await waitFor('an attempt', async () => {
      const rows = await prod.kartu.db.query('SELECT a.error, a.http_status FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = $1', [ep]);
      return rows.length > 0 && rows;
    });
    expect(attempt.http_status).toBeNull();
    expect(attempt.error).toMatch(/private, loopback or link-local/);
    expect(receiver.received.slice(before).filter((r) => r.path === '/hooks/ssrf')).toHaveLength(0);
  });
});

async function createEndpointIn(hh: Harness, p: TestPartner, url: string): Promise<string> {
  const res = await p.call('POST', '/snap/v1.0/webhook-endpoints', JSON.stringify({ url, eventTypes: ['*'] }));
  expectSnap(res, '2009700');
  void hh;
  return res.body.webhookEndpoint.id;
}

describe('secrets at rest', () => {
  it('kartu keys rotate re-encrypts endpoint secrets and the notification key under the new master key', async () => {
    const kh = await startHarness();
    try {
      const p = await TestPartner.create(kh);
      const ep = await createEndpointIn(kh, p, 'https://example.com/rekey');
      const publicKey = (await notificationKey(kh.kartu)).publicKeyPem;
      const fresh = randomBytes(32);
      const k2 = { ...kh.kartu, secrets: new SecretBox([fresh, ...kh.kartu.config.masterKeys], 'secrets') };
      expect(await rekeyWebhookSecrets(k2)).toEqual({ webhookEndpoints: 1, signingKeys: 1 });
      expect(await rekeyWebhookSecrets(k2)).toEqual({ webhookEndpoints: 0, signingKeys: 0 });
      // Only the new key is needed from now on.
      const onlyNew = new SecretBox([fresh], 'secrets');
      const [row] = await kh.kartu.db.query('SELECT secret_enc FROM webhook_endpoints WHERE id = $1', [ep]);
      expect(onlyNew.decrypt(row.secret_enc, webhookSecretAad(ep))).toMatch(/^whsec_/);
      const [key] = await kh.kartu.db.query("SELECT private_key_enc, public_key_pem FROM signing_keys WHERE purpose = 'notification'");
      expect(onlyNew.decrypt(key.private_key_enc, 'signing-key:notification')).toContain('PRIVATE KEY');
      expect(key.public_key_pem).toBe(publicKey);
    } finally {
      await kh.close();
    }
  });

  it('the default retry schedule spans 3 days: 17 attempts, doubling from 30 s, capped at 12 h, the last delay filling the window', () => {
    const delays = retrySchedule({ webhookRetryBaseMs: 30_000, webhookRetryMaxDelayMs: 12 * 3600_000, webhookRetryWindowSeconds: 3 * 86400 });
    expect(delays).toHaveLength(16);
    expect(delays.slice(0, 3)).toEqual([30_000, 60_000, 120_000]);
    expect(delays.slice(-5, -1)).toEqual(Array(4).fill(12 * 3600_000));
    expect(delays.at(-1)).toBeLessThan(12 * 3600_000);
    expect(delays.reduce((a, b) => a + b, 0)).toBe(3 * 86400_000);
    // With the jitter (80–100 % of each delay) the dead letter comes between 2.4 and 3 days after the first attempt.
    expect(delays.reduce((a, b) => a + jittered(b, 0), 0)).toBeGreaterThanOrEqual(0.8 * 3 * 86400_000 - delays.length);
    expect(delays.reduce((a, b) => a + jittered(b, 1), 0)).toBe(3 * 86400_000);
    expect(retrySchedule(h.kartu.config)).toEqual([100, 200, 300, 300, 100]);
  });
});
