import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type KartuApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Kartu } from '../../src/context';
import { kartuDataSource } from '../../src/database';
import { ManualClock } from '../../src/platform/clock';
import { SecretBox } from '../../src/platform/crypto';
import { createLogger } from '../../src/platform/logger';
import { formatSnapTimestamp } from '../../src/platform/snap-time';
import { createEmptyDatabase } from '../support/databases';
import { startHarness, TestNetwork, TestPartner, type Harness } from '../support/harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

/** A Kartu like the harness builds, over a DataSource of the caller's choosing (no Redis). */
function kartuOver(db: DataSource): { kartu: Kartu; app: KartuApp } {
  const config = loadConfig({
    KARTU_ENV: 'sandbox',
    KARTU_MASTER_KEY: randomBytes(32).toString('base64'),
    KARTU_HOME: mkdtempSync(path.join(tmpdir(), 'kartu-test-')),
    KARTU_LOG_LEVEL: 'silent',
  });
  const logger = createLogger(config.logLevel, new Writable({ write: (_c, _e, cb) => cb() }));
  const kartu: Kartu = { config, clock: new ManualClock(), db, logger, secrets: new SecretBox(config.masterKeys, 'secrets') };
  return { kartu, app: createApp(kartu) };
}

describe('health and readiness', () => {
  it('GET /healthz → 200', async () => {
    const res = await h.http().get('/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });

  it('GET /readyz → 200 when PostgreSQL answers and every migration is applied', async () => {
    const res = await h.http().get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ready: true, database: 'ok', migrations: 'applied' });
  });

  it('GET /readyz → 503 with migrations "pending" on a database that was never migrated', async () => {
    const empty = await createEmptyDatabase();
    const db = kartuDataSource(empty.url, 2);
    await db.initialize();
    try {
      const { app } = kartuOver(db);
      const res = await supertest(app).get('/readyz');
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ ready: false, database: 'ok', migrations: 'pending' });
      // Liveness does not depend on the database.
      expect((await supertest(app).get('/healthz')).status).toBe(200);
    } finally {
      await db.destroy();
      await empty.drop();
    }
  });

  it('GET /readyz → 503 with database "unreachable" once PostgreSQL cannot be queried', async () => {
    const empty = await createEmptyDatabase();
    const db = kartuDataSource(empty.url, 2);
    await db.initialize();
    const { app } = kartuOver(db);
    await db.destroy();
    await empty.drop();
    const res = await supertest(app).get('/readyz');
    expect(res.status).toBe(503);
    expect(res.body).toEqual({ ready: false, database: 'unreachable', migrations: 'unknown' });
  });
});

describe('metrics', () => {
  it('GET /metrics is Prometheus text with kartu_http_requests_total labelled by route', async () => {
    await h.http().get('/healthz');
    await h.http().get('/healthz');
    await h.http().get('/admin/v1/me'); // 401: no session
    await h.http().get('/no/such/route');
    const res = await h.http().get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.text;
    expect(text).toContain('# TYPE kartu_http_requests_total counter');
    expect(text).toMatch(/^kartu_http_requests_total\{[^}]*method="GET",route="\/healthz",status="200"[^}]*\} ([2-9]|\d\d+)$/m);
    // A route inside a module router keeps its full path, also when it answers with an error.
    expect(text).toMatch(/^kartu_http_requests_total\{[^}]*route="\/admin\/v1\/me",status="401",response_code="4010000"\} 1$/m);
    // Unknown paths share one label value (no unbounded label cardinality).
    expect(text).toMatch(/^kartu_http_requests_total\{[^}]*route="unmatched",status="404",response_code="4040000"\} \d+$/m);
    expect(text).not.toContain('/no/such/route');
    expect(text).toContain('kartu_http_request_duration_seconds_bucket');
  });

  it('counts success and failure of one module route under the same full-path label, once per request', async () => {
    const partner = await TestPartner.create(h);
    const count = (text: string, status: string) => {
      const m = new RegExp(`^kartu_http_requests_total\\{method="POST",route="/snap/v1\\.0/access-token/b2b",status="${status}"[^}]*\\} (\\d+)$`, 'm').exec(text);
      return m ? Number(m[1]) : 0;
    };
    const before = (await h.http().get('/metrics')).text;
    await partner.token();
    const bad = await partner.tokenRequest().send({ grantType: 'password' });
    expect(bad.status).toBe(400);
    const after = (await h.http().get('/metrics')).text;
    expect(count(after, '200')).toBe(count(before, '200') + 1);
    expect(count(after, '400')).toBe(count(before, '400') + 1);
    expect(after).not.toMatch(/route="\/access-token\/b2b"/);
  });
});

describe('API documentation', () => {
  it('GET /openapi.json is an OpenAPI 3.1 document listing the partner and admin routes', async () => {
    const res = await h.http().get('/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/application\/json/);
    expect(res.body.openapi).toMatch(/^3\.1\./);
    expect(res.body.info.title).toBeTruthy();
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    expect(paths['/snap/v1.0/access-token/b2b']).toHaveProperty('post');
    expect(paths['/snap/v1.0/balance-inquiry']).toHaveProperty('post');
    expect(paths['/admin/v1/login']).toHaveProperty('post');
    expect(res.body.components.securitySchemes).toHaveProperty('snapB2B');
    expect(res.body.components.securitySchemes).toHaveProperty('adminSession');
  });

  it('GET /docs serves Swagger UI from Kartu itself (no CDN), and its assets load', async () => {
    const res = await h.http().get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.text).toContain('<script src="/docs/assets/swagger-ui-bundle.js"></script>');
    expect(res.text).not.toMatch(/https?:\/\//);
    // The CSP allows only same-origin scripts, so the page must not rely on inline script.
    expect(res.text).not.toMatch(/<script>(?!<)/);

    const bundle = await h.http().get('/docs/assets/swagger-ui-bundle.js');
    expect(bundle.status).toBe(200);
    expect(bundle.headers['content-type']).toMatch(/javascript/);
    expect(bundle.text.length).toBeGreaterThan(100_000);
    expect(bundle.text).toContain('SwaggerUIBundle');

    const css = await h.http().get('/docs/assets/swagger-ui.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toMatch(/text\/css/);

    const init = await h.http().get('/docs/init.js');
    expect(init.status).toBe(200);
    expect(init.text).toContain('/openapi.json');
  });

  it('the asset folder serves files only from swagger-ui-dist (no traversal)', async () => {
    const res = await h.http().get('/docs/assets/..%2f..%2fpackage.json');
    expect(res.status).toBe(404);
    expect(res.body.responseCode).toBe('4040000');
  });
});

describe('HTTP hardening and envelope', () => {
  it('sets helmet headers and hides the framework', async () => {
    for (const p of ['/healthz', '/docs', '/no/such/route']) {
      const res = await h.http().get(p);
      expect(res.headers['content-security-policy'], p).toContain("script-src 'self'");
      expect(res.headers['content-security-policy'], p).toContain("default-src 'self'");
      expect(res.headers['x-content-type-options'], p).toBe('nosniff');
      expect(res.headers['strict-transport-security'], p).toBeDefined();
      expect(res.headers['x-frame-options'], p).toBeDefined();
      expect(res.headers, p).not.toHaveProperty('x-powered-by');
    }
  });

  it('the network route (lean: the helmet headers captured once) answers with exactly the headers helmet sets elsewhere', async () => {
    const security = (headers: Record<string, string>) =>
      Object.fromEntries(Object.entries(headers).filter(([name]) => !['date', 'etag', 'content-length', 'content-type', 'x-request-id', 'x-timestamp', 'connection', 'keep-alive', 'allow'].includes(name)));
    const healthz = await h.http().get('/healthz');
    const network = await h.http().post('/network/v1/authorizations').set('Content-Type', 'application/json').send('{}');
    expect(network.status).toBe(400);
    expect(security(network.headers)).toEqual(security(healthz.headers));
    expect(Object.keys(security(network.headers)).length).toBeGreaterThan(8);
  });

  it('text no column can hold (NUL, an unpaired surrogate) is a 400 naming the field, never a 500, and writes nothing', async () => {
    const partner = await TestPartner.create(h, { name: 'Text Co' });
    for (const name of ['Siti\u0000Rahayu', 'Siti \ud800']) {
      const res = await partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name, email: 'siti@example.com' }));
      expect(res.body, name).toMatchObject({ responseCode: '4009401' });
      expect(res.body.responseMessage).toContain('name');
    }
    const [{ n }] = await h.kartu.db.query('SELECT count(*)::int AS n FROM cardholders WHERE business_id = $1', [partner.creds.businessId]);
    expect(n).toBe(0);

    const network = await TestNetwork.create(h);
    const body = { id: 'nul-1', card: { number: '4000001234567899' }, amount: 1000, currency: 'IDR', merchant: { id: 'M1', name: 'Kopi\u0000', mcc: '5814', country: 'ID' } };
    const res = await network.send('/authorizations', body);
    expect(res.status).toBe(400);
    expect(res.body.responseCode).toBe('4000001');
    expect(res.body.responseMessage).toContain('merchant.name');
    const [{ a }] = await h.kartu.db.query("SELECT count(*)::int AS a FROM authorizations WHERE network_message_id = 'nul-1'");
    expect(a).toBe(0);
  });

  it('a date or time in year 0000 (valid ISO, not storable) is a 400 naming the field wherever dates are taken', async () => {
    const partner = await TestPartner.create(h, { name: 'Year Zero Co' });
    const holder = await partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Siti', email: 'siti@example.com', dateOfBirth: '0000-01-01' }));
    expect([holder.status, holder.body.responseCode]).toEqual([400, '4009401']);
    expect(holder.body.responseMessage).toContain('dateOfBirth');
    const [{ n }] = await h.kartu.db.query('SELECT count(*)::int AS n FROM cardholders WHERE business_id = $1', [partner.creds.businessId]);
    expect(n).toBe(0);
    const events = await partner.call('GET', '/snap/v1.0/events?from=0000-01-01T00:00:00Z');
    expect([events.status, events.body.responseCode]).toEqual([400, '4009701']);
    const report = await partner.call('POST', '/snap/v1.0/reports', JSON.stringify({ type: 'spend_by_card', format: 'csv', fromDate: '0000-12-31', toDate: '0001-01-01' }));
    expect([report.status, report.body.responseCode]).toEqual([400, '4009901']);
  });

  it('network authorizations (served before express) answer bad bodies, methods and ids as every route does', async () => {
    const network = await TestNetwork.create(h);
    const malformed = await network.send('/authorizations', undefined, { rawBody: '{"id": "x",' });
    expect([malformed.status, malformed.body.responseCode, malformed.body.responseMessage]).toEqual([400, '4000000', 'Bad Request. Malformed JSON body']);
    const huge = await network.send('/authorizations', undefined, { rawBody: JSON.stringify({ id: 'x', pad: 'x'.repeat(1024 * 1024) }) });
    expect([huge.status, huge.body.responseCode]).toEqual([413, '4130000']);
    const text = await h.http().post('/network/v1/authorizations').set('Content-Type', 'text/plain').send('hello');
    expect([text.status, text.body.responseCode]).toEqual([415, '4150000']);
    const unsigned = await h.http().post('/network/v1/authorizations').set('Content-Type', 'application/json').set('X-Request-Id', 'trace-me-123').send('{}');
    expect([unsigned.status, unsigned.body.responseCode, unsigned.headers['x-request-id']]).toEqual([400, '4000002', 'trace-me-123']);
    expect(unsigned.headers['x-timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const get = await h.http().get('/network/v1/authorizations');
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
    const metrics = await h.http().get('/metrics');
    expect(metrics.text).toMatch(/kartu_http_requests_total\{method="POST",route="\/network\/v1\/authorizations",status="413",response_code="4130000"\} \d+/);
    expect(h.logs.some((l) => l.includes('"path":"/network/v1/authorizations"') && l.includes('"status":415'))).toBe(true);
  });

  it('a 500 on the network authorization route quotes a request id that its log line carries, and leaks nothing', async () => {
    const broken = await startHarness();
    try {
      const network = await TestNetwork.create(broken);
      await broken.kartu.db.query('ALTER FUNCTION kartu_record_authorizations(jsonb) RENAME TO kartu_record_authorizations_gone');
      const res = await network.send('/authorizations', { id: 'boom-1', card: { number: '4000001234567899' }, amount: 1000, currency: 'IDR', merchant: { id: 'M1', name: 'Kopi', mcc: '5814', country: 'ID' } });
      expect([res.status, res.body.responseCode]).toEqual([500, '5000000']);
      const requestId = res.headers['x-request-id'];
      expect(res.body.responseMessage).toBe(`General Error (request id ${requestId})`);
      const line = broken.logs.find((l) => l.includes('unhandled error'));
      expect(line).toBeDefined();
      expect(JSON.parse(line!).reqId).toBe(requestId);
    } finally {
      await broken.close();
    }
  });

  it('an unknown route → 404 with responseCode 4040000', async () => {
    for (const [method, p] of [
      ['get', '/nothing-here'],
      ['post', '/snap/v1.0/no-such-service'],
      ['get', '/admin/v1/no-such-thing'],
    ] as const) {
      const res = await h.http()[method](p);
      expect(res.status, p).toBe(404);
      expect(res.headers['content-type'], p).toMatch(/application\/json/);
      expect(res.body, p).toEqual({ responseCode: '4040000', responseMessage: 'Requested Service Not Found' });
    }
  });

  it('echoes a well-formed X-Request-Id and logs under it', async () => {
    const id = `ops-test-${randomBytes(6).toString('hex')}`;
    const res = await h.http().get('/healthz').set('X-Request-Id', id);
    expect(res.headers['x-request-id']).toBe(id);
    const line = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reqId === id);
    expect(line).toMatchObject({ msg: 'request', method: 'GET', path: '/healthz', status: 200 });
  });

  it('generates a fresh request id when none (or a malformed one) is given', async () => {
    const a = await h.http().get('/healthz');
    const b = await h.http().get('/healthz');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect(a.headers['x-request-id']).toMatch(uuid);
    expect(b.headers['x-request-id']).toMatch(uuid);
    expect(a.headers['x-request-id']).not.toBe(b.headers['x-request-id']);
    for (const bad of ['short', 'has spaces in it', 'x'.repeat(65), 'a/b/c/d/e/f', '<script>alert(1)</script>']) {
      const res = await h.http().get('/healthz').set('X-Request-Id', bad);
      expect(res.headers['x-request-id'], bad).toMatch(uuid);
    }
  });

  it('every response carries X-TIMESTAMP in SNAP format from the clock', async () => {
    h.clock.set(new Date('2026-03-04T05:06:07.890Z'));
    const expected = formatSnapTimestamp(h.clock.now());
    expect(expected).toBe('2026-03-04T12:06:07+07:00');
    const calls = ['GET /healthz', 'GET /readyz', 'GET /metrics', 'GET /openapi.json', 'GET /docs', 'GET /docs/assets/swagger-ui.css', 'GET /no/such/route', 'GET /admin/v1/me', 'PUT /admin/v1/me', 'POST /snap/v1.0/access-token/b2b'];
    const responses = await Promise.all([
      h.http().get('/healthz'),
      h.http().get('/readyz'),
      h.http().get('/metrics'),
      h.http().get('/openapi.json'),
      h.http().get('/docs'),
      h.http().get('/docs/assets/swagger-ui.css'),
      h.http().get('/no/such/route'),
      h.http().get('/admin/v1/me'),
      h.http().put('/admin/v1/me'),
      h.http().post('/snap/v1.0/access-token/b2b').send({}),
    ]);
    responses.forEach((res, i) => {
      expect(res.headers['x-timestamp'], `${calls[i]} → ${res.status}`).toBe(expected);
    });
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200, 404, 401, 405, 400]);
  });
});
