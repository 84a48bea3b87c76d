import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/modules/access/admins.service';
import { generateReport } from '../../src/modules/reports/reports.service';
import { dispatchEvent } from '../../src/modules/events/event-worker';
import { attemptDelivery } from '../../src/modules/webhooks/delivery';
import { webhookFanOut } from '../../src/modules/webhooks/fan-out';
import { isPublicAddress } from '../../src/modules/webhooks/ssrf';
import { parseCsv } from '../../src/platform/csv';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { business, expectSnap, issueCard, type Biz } from '../support/partner-fixtures';
import { forcedClearing } from '../support/spend-fixtures';

/**
 * Review of issue 6 (workers): defects found in webhooks, reports and the queue board, each pinned
 * by a test that failed before its fix.
 */

let h: Harness;
let net: TestNetwork;
let a: Biz;

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
  a = await business(h, 1_000_000n);
});
afterAll(async () => {
  await h?.close();
});

describe('reports', () => {
  it('a date PostgreSQL cannot store (year 0000) is a format error, not a 500, and nothing is written', async () => {
    const res = await a.partner.call('POST', '/snap/v1.0/reports', JSON.stringify({ type: 'spend_by_card', fromDate: '0000-01-01', toDate: '0000-01-02' }));
    expectSnap(res, '4009901');
    expect(res.body.responseMessage).toContain('fromDate');
    expect(await h.kartu.db.query('SELECT 1 FROM reports WHERE business_id = $1', [a.businessId])).toHaveLength(0);
  });

  it('CSV cells from merchants or cardholders cannot start a spreadsheet formula', async () => {
    const card = await issueCard(a);
    const evil = { id: '=cmd|M1', name: '=HYPERLINK("http://evil.example/x","click")', mcc: '5814', city: 'Jakarta', country: 'ID' };
    await forcedClearing(net, card, 1_000, evil);
    // Yesterday to tomorrow (UTC dates), so today in Jakarta is inside whatever the hour.
    const day = (offset: number) => new Date(Date.now() + offset * 86400_000).toISOString().slice(0, 10);
    const res = await a.partner.call('POST', '/snap/v1.0/reports', JSON.stringify({ type: 'spend_by_merchant', fromDate: day(-1), toDate: day(1), format: 'csv' }));
    expectSnap(res, '2009900');
    const id = res.body.report.id as string;
    expect(await generateReport(h.kartu, id)).toBe('done');
    const [row] = await h.kartu.db.query('SELECT file FROM reports WHERE id = $1', [id]);
    const rows = parseCsv((row.file as Buffer).toString('utf8'));
    const line = rows.find((r) => r.some((c) => c.includes('HYPERLINK')))!;
    expect(line).toBeDefined();
    for (const cell of line) expect(cell, cell).not.toMatch(/^[=+@\t\r]/);
    expect(line[0]).toBe(`'=cmd|M1`);
  });
});

describe('webhook SSRF guard', () => {
  it('IPv4-compatible (::a.b.c.d in hex form) and IPv4-translated addresses of private hosts are not public', () => {
    for (const ip of ['::7f00:1', '::a00:1', '::ffff:0:7f00:1', '::ffff:0:a00:1']) expect(isPublicAddress(ip), ip).toBe(false);
    expect(new URL('http://[::127.0.0.1]/').hostname).toBe('[::7f00:1]');
    for (const ip of ['8.8.8.8', '2606:4700:4700::1111', '::ffff:808:808']) expect(isPublicAddress(ip), ip).toBe(true);
  });
});

describe('queue board', () => {
  it("one business's owner cannot pause, empty or retry the queues every business shares", async () => {
    const created = await createAdmin(h.kartu, { businessId: a.businessId, email: `owner.${randomUUID().slice(0, 8)}@example.com`, role: 'owner' });
    const login = await h.http().post('/admin/v1/login').send({ email: created.email, password: created.password });
    expect(login.status).toBe(200);
    const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((c) => c.startsWith('kartu_session='))!.split(';')[0]!;
    expect((await h.http().get('/admin/queues/api/queues').set('Cookie', cookie)).status).toBe(200);
    const pause = await h.http().put('/admin/queues/api/queues/events/pause').set('Cookie', cookie);
    expect(pause.status).toBe(405);
    const clean = await h.http().put('/admin/queues/api/queues/webhooks/clean/failed').set('Cookie', cookie);
    expect(clean.status).toBe(405);
    const { Queue } = await import('bullmq');
    const q = new Queue('events', { connection: { url: h.kartu.config.redisUrl }, prefix: h.kartu.config.redisPrefix });
    try {
      expect(await q.isPaused()).toBe(false);
    } finally {
      await q.close();
    }
  });
});

describe('webhook delivery', () => {
  it('a 2xx whose body holds a NUL byte settles the delivery (PostgreSQL text cannot store NUL)', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'Content-Type': 'application/octet-stream' }).end(Buffer.from([0x6f, 0x6b, 0x00, 0x01])));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
      expectSnap(await a.partner.call('POST', '/snap/v1.0/webhook-endpoints', JSON.stringify({ url, eventTypes: ['cardholder.created'] })), '2009700');
      const holder = await a.partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Dewi', email: `dewi.${randomUUID().slice(0, 8)}@example.com` }));
      expectSnap(holder, '2009400');
      const [event] = await h.kartu.db.query("SELECT id FROM outbox_events WHERE type = 'cardholder.created' AND data->>'id' = $1", [holder.body.cardholder.id]);
      await dispatchEvent(h.kartu, event.id, [webhookFanOut]);
      const [d] = await h.kartu.db.query('SELECT id, generation FROM webhook_deliveries WHERE event_id = $1', [event.id]);
      expect(await attemptDelivery(h.kartu, { deliveryId: d.id, generation: d.generation }, { number: 1, last: false })).toEqual({ status: 'succeeded' });
      const [attempt] = await h.kartu.db.query('SELECT outcome, http_status, response_excerpt FROM webhook_attempts WHERE delivery_id = $1', [d.id]);
      expect(attempt).toEqual({ outcome: 'succeeded', http_status: 200, response_excerpt: 'ok\uFFFD\u0001' });
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
