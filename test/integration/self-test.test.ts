import { createHash, createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessTokenRequest, signSymmetric, symmetricStringToSign } from '../../src/modules/access/snap-signature';
import { observedCallsSettled } from '../../src/modules/self-tests/observer';
import { formatSnapTimestamp } from '../../src/platform/snap-time';
import { AsymmetricTestPartner, startHarness, TestPartner, type Harness } from '../support/harness';
import { expectSnap, nid } from '../support/partner-fixtures';
import { WebhookReceiver } from '../support/webhook-receiver';
import { waitFor } from '../support/wait-for';

/**
 * The sandbox self-test (docs/self-test.md) against a real app and database: a partner performs
 * every scenario as told and every one passes, its services become ready for production and the
 * report's signature verifies with the notification public key (node:crypto only); a wrong call
 * fails its scenario with the code received; calls of clients without an open run are not recorded;
 * runs are tenant-scoped, sandbox only, and bad input is refused.
 */

let h: Harness;
let receiver: WebhookReceiver;

beforeAll(async () => {
  h = await startHarness();
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver?.close();
  await h?.close();
});

type Scenario = { id: string; result: string; request: { method: string; path: string; alter: Record<string, string>; body?: unknown }; expected: { responseCode: string | null }; received: { responseCode?: string; httpStatus?: number } | null };

async function start(p: TestPartner, body: unknown) {
  const res = await p.call('POST', '/snap/v1.0/self-tests', JSON.stringify(body));
  expectSnap(res, '2009600');
  return res.body.selfTest as { id: string; services: string[]; scenarios: Scenario[] };
}

async function show(p: TestPartner, id: string) {
  const res = await p.call('GET', `/snap/v1.0/self-tests/${id}`);
  expectSnap(res, '2009600');
  return res.body.selfTest as { status: string; scenarios: Scenario[]; readiness: Array<{ service: string; readyForProduction: boolean }> };
}

const scenario = (run: { scenarios: Scenario[] }, id: string) => run.scenarios.find((s) => s.id === id)!;

/** The canonical JSON a reviewer computes: keys sorted, no whitespace (what `jq -cS` prints). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((v as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** A signed GET whose answer is kept as bytes (TestPartner.call parses JSON only). */
async function fetchBytes(p: TestPartner, path: string) {
  const token = p.accessToken ?? (await p.token());
  const timestamp = p.timestamp();
  return h
    .http()
    .get(path)
    .set('Authorization', `Bearer ${token}`)
    .set('X-TIMESTAMP', timestamp)
    .set('X-SIGNATURE', signSymmetric(p.creds.clientSecret, symmetricStringToSign('GET', path, token, '', timestamp)))
    .set('X-PARTNER-ID', p.creds.partnerId)
    .set('X-EXTERNAL-ID', nid('pdf'))
    .set('CHANNEL-ID', p.creds.channelId)
    .buffer(true)
    .parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    });
}

describe('a partner that performs every scenario', () => {
  it('passes them all, its services become ready for production, and the signed report verifies', async () => {
    const p = await TestPartner.create(h, { name: 'Self-test all' });
    const run = await start(p, { webhookUrl: receiver.url('/self-test') });
    expect(run.services).toEqual(['11', '12', '13', '90', '91', '92', '93', '94', '95', '96', '97', '98', '99']);
    const probe = `/snap/v1.0/self-tests/${run.id}`;
    expect(scenario(run, 'wrong-hmac').request).toMatchObject({ method: 'GET', path: probe });

    // The tokens.
    expect((await p.tokenRequest().send({ grantType: 'client_credentials' })).body.responseCode).toBe('2007300');
    const bad = await p.tokenRequest({ signature: signAccessTokenRequest(p.creds.privateKeyPem, p.creds.clientKey, '2001-01-01T00:00:00+07:00') }).send({ grantType: 'client_credentials' });
    expect(bad.body.responseCode).toBe('4017300');

    // The header scenarios, on the run itself.
    expectSnap(await p.call('GET', probe, '', { secret: 'not-the-secret' }), '4019600');
    expectSnap(await p.call('GET', probe, '', { timestamp: formatSnapTimestamp(new Date(h.clock.now().getTime() - 10 * 60_000)) }), '4019600');
    expectSnap(await p.call('GET', probe, '', { omit: ['X-PARTNER-ID'] }), '4009602');
    expectSnap(await p.call('GET', probe, '', { timestamp: 'yesterday' }), '4009601');
    const used = nid('ext');
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}', { externalId: used }), '2001100');
    expectSnap(await p.call('GET', probe, '', { externalId: used }), '4099600');
    const expiredToken = scenario(run, 'expired-token').request.alter.Authorization!.replace('Bearer ', '');
    expectSnap(await p.call('GET', probe, '', { token: expiredToken }), '4019601');

    // The happy path of every service, as the scenarios give them.
    const send = async (id: string, path?: string, body?: unknown) => {
      const s = scenario(run, id);
      const raw = body !== undefined ? JSON.stringify(body) : s.request.body !== undefined ? JSON.stringify(s.request.body) : '';
      const res = await p.call(s.request.method as 'GET', path ?? s.request.path, raw);
      expectSnap(res, s.expected.responseCode!);
      return res.body;
    };
    await send('service-96');
    await send('service-11');
    h.clock.set(new Date()); // the funding transfer is stamped by the database's clock; the list ends at the app's
    const history = await send('service-12');
    await send('service-13', undefined, { originalPartnerReferenceNo: history.detailData[0].referenceNo });
    const card = (await send('service-90')).card;
    await send('service-91');
    await send('service-92', `/snap/v1.0/cards/${card.id}`);
    await send('service-93', `/snap/v1.0/cards/${card.id}/reveal`);
    await send('service-94');
    await send('service-95');
    await send('service-97');
    await send('service-98');
    await send('service-99');

    // The webhook, received (signed) and acknowledged.
    const hook = await waitFor('the self-test webhook', () => receiver.received.find((r) => r.body.data.selfTestId === run.id));
    expect(hook.body.type).toBe('self_test.webhook');
    expect(hook.headers['kartu-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const done = await waitFor('the webhook scenario', async () => {
      const r = await show(p, run.id);
      return scenario(r, 'webhook').result === 'passed' && r;
    });

    expect(done.scenarios.filter((s) => s.result !== 'passed').map((s) => [s.id, s.received])).toEqual([]);
    expect(done.status).toBe('passed');
    expect(done.readiness.every((r) => r.readyForProduction)).toBe(true);
    expect(scenario(done, 'reused-external-id').received).toMatchObject({ httpStatus: 409, responseCode: '4099600' });

    // The report, verified as a reviewer would: the public key from the public endpoint, node:crypto.
    const report = await p.call('GET', `/snap/v1.0/self-tests/${run.id}/report`);
    expectSnap(report, '2009600');
    const { publicKey } = (await h.http().get('/snap/v1.0/notification-public-key')).body;
    const bytes = Buffer.from(canonical(report.body.report), 'utf8');
    expect(report.body.signature.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(verify('sha256', bytes, publicKey, Buffer.from(report.body.signature.value, 'base64'))).toBe(true);
    expect(report.body.signature.keyId).toBe(createHash('sha256').update(createPublicKey(publicKey).export({ type: 'spki', format: 'der' })).digest('hex'));
    const tampered = Buffer.from(canonical({ ...report.body.report, status: 'open' }), 'utf8');
    expect(verify('sha256', tampered, publicKey, Buffer.from(report.body.signature.value, 'base64'))).toBe(false);
    // One state, one report: fetched again, the same bytes and signature.
    expect((await p.call('GET', `/snap/v1.0/self-tests/${run.id}/report`)).body.signature).toEqual(report.body.signature);
    const row = report.body.report.scenarios.find((s: { scenario: string }) => s.scenario === 'service-90');
    expect(row).toMatchObject({ result: 'passed', expected: { httpStatus: 200, responseCode: '2009000' }, received: { httpStatus: 200, responseCode: '2009000' } });
    expect(row.requestId).toEqual(expect.any(String));
    expect(row.time).toEqual(expect.any(String));

    for (const path of [`/snap/v1.0/self-tests/${run.id}/report.pdf`, `/snap/v1.0/self-tests/${run.id}/report?format=pdf`]) {
      const pdf = await fetchBytes(p, path);
      expect(pdf.status).toBe(200);
      expect(pdf.headers['content-type']).toBe('application/pdf');
      expect((pdf.body as Buffer).subarray(0, 4).toString()).toBe('%PDF');
    }
  });
});

describe('a partner that makes a wrong call', () => {
  it('fails that scenario with the code received, until a correct attempt passes it', async () => {
    const p = await TestPartner.create(h, { name: 'Self-test wrong' });
    const run = await start(p, { services: ['90'] });

    const noTimestamp = await h
      .http()
      .post('/snap/v1.0/access-token/b2b')
      .set('Content-Type', 'application/json')
      .set('X-CLIENT-KEY', p.creds.clientKey)
      .set('X-SIGNATURE', 'bm90IGEgc2lnbmF0dXJl')
      .send({ grantType: 'client_credentials' });
    expect(noTimestamp.body.responseCode).toBe('4007302');
    const issue = scenario(run, 'service-90');
    const withUnknownField = { ...(issue.request.body as object), colour: 'red' };
    expectSnap(await p.call('POST', '/snap/v1.0/cards', JSON.stringify(withUnknownField)), '4009001');

    let seen = await show(p, run.id);
    expect(scenario(seen, 'token-invalid-signature')).toMatchObject({ result: 'failed', expected: { responseCode: '4017300' }, received: { httpStatus: 400, responseCode: '4007302' } });
    expect(scenario(seen, 'service-90')).toMatchObject({ result: 'failed', expected: { responseCode: '2009000' }, received: { httpStatus: 400, responseCode: '4009001' } });
    expect(seen.readiness).toEqual([{ service: '90', readyForProduction: false, readyAt: null }]);

    expectSnap(await p.call('POST', '/snap/v1.0/cards', JSON.stringify(issue.request.body)), '2009000');
    seen = await show(p, run.id);
    expect(scenario(seen, 'service-90')).toMatchObject({ result: 'passed', received: { httpStatus: 200, responseCode: '2009000' } });
    expect(scenario(seen, 'token-invalid-signature').result).toBe('failed');
    expect(seen.status).toBe('open');
    // The webhook had nowhere to go: no endpoint registered, no webhookUrl.
    const webhook = await waitFor('the webhook scenario', async () => {
      const w = scenario(await show(p, run.id), 'webhook');
      return w.result !== 'pending' && w;
    });
    expect(webhook).toMatchObject({ result: 'failed', received: { error: 'no webhook endpoint registered and no webhookUrl given' } });
  });
});

describe('the observer', () => {
  const callCount = async () => Number((await h.kartu.db.query('SELECT count(*) AS n FROM self_test_calls'))[0].n);

  it('records nothing of a client without an open run', async () => {
    const p = await TestPartner.create(h, { name: 'No self-test' });
    const before = await callCount();
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}'), '2001100');
    expectSnap(await p.call('GET', '/snap/v1.0/cards'), '2009100');
    await observedCallsSettled(h.kartu);
    expect(await callCount()).toBe(before);
  });

  it('records a call of a client with an open run, with the shape of its headers and no secret', async () => {
    const p = await TestPartner.create(h, { name: 'Watched' });
    const run = await start(p, { services: ['11'] });
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}'), '2001100');
    await observedCallsSettled(h.kartu);
    const rows = await h.kartu.db.query('SELECT method, path, http_status, response_code, request_id, headers FROM self_test_calls WHERE run_id = $1', [run.id]);
    expect(rows).toEqual([
      expect.objectContaining({ method: 'POST', path: '/snap/v1.0/balance-inquiry', http_status: 200, response_code: '2001100', request_id: expect.any(String) }),
    ]);
    const headers = JSON.stringify(rows[0].headers);
    expect(headers).not.toContain(p.accessToken!);
    expect(rows[0].headers).toMatchObject({ authorization: expect.stringMatching(/^Bearer \(\d+ chars\)$/), 'x-partner-id': `${p.creds.partnerId.length} chars` });
  });
});

describe('a run belongs to its business', () => {
  it('answers 404xx01 to another business, for the run and its report', async () => {
    const owner = await TestPartner.create(h, { name: 'Owner' });
    const other = await TestPartner.create(h, { name: 'Other' });
    const run = await start(owner, { services: ['11'] });
    expectSnap(await other.call('GET', `/snap/v1.0/self-tests/${run.id}`), '4049601');
    expectSnap(await other.call('GET', `/snap/v1.0/self-tests/${run.id}/report`), '4049601');
    expectSnap(await other.call('GET', `/snap/v1.0/self-tests/${run.id}/report.pdf`), '4049601');
    expectSnap(await other.call('GET', '/snap/v1.0/self-tests/not-a-uuid'), '4049601');
  });
});

describe('starting a run', () => {
  let p: TestPartner;
  beforeAll(async () => {
    p = await TestPartner.create(h, { name: 'Bad input' });
  });
  const refused = async (body: string, field: string) => {
    const res = await p.call('POST', '/snap/v1.0/self-tests', body);
    expectSnap(res, '4009601');
    expect(res.body.field).toBe(field);
    return res;
  };

  it('refuses an unknown service, unknown fields, wrong types and a bad webhook URL with 400xx01, and opens no run', async () => {
    expect((await refused(JSON.stringify({ services: ['55'] }), 'services')).body.responseMessage).toContain('"55"');
    await refused(JSON.stringify({ services: ['90'], colour: 'red' }), 'colour');
    await refused(JSON.stringify({ services: '90' }), 'services');
    await refused(JSON.stringify({ services: [90] }), 'services.0');
    await refused(JSON.stringify({ webhookUrl: 'ftp://example.com/x' }), 'webhookUrl');
    const runs = await h.kartu.db.query('SELECT 1 FROM self_test_runs r JOIN api_clients c ON c.id = r.client_id WHERE c.client_key = $1', [p.creds.clientKey]);
    expect(runs).toEqual([]);
  });

  it('includes only services enabled for the client, all of them by default', async () => {
    await h.kartu.db.query("UPDATE api_clients SET enabled_services = '{90,96}' WHERE client_key = $1", [p.creds.clientKey]);
    expect((await refused(JSON.stringify({ services: ['90', '91'] }), 'services')).body.responseMessage).toContain('service 91 is not enabled');
    const run = await start(p, {});
    expect(run.services).toEqual(['90', '96']);
    expect(run.scenarios.map((s) => s.id)).toEqual([
      'token-valid-signature',
      'token-invalid-signature',
      'wrong-hmac',
      'stale-timestamp',
      'missing-mandatory-header',
      'invalid-field-format',
      'reused-external-id',
      'expired-token',
      'service-90',
      'service-96',
      'webhook',
    ]);
  });
});

describe('an asymmetric client (no token)', () => {
  it('gets no token scenarios, and a wrong signature scenario of its own', async () => {
    const symmetric = await start(await TestPartner.create(h, { name: 'Symmetric' }), { services: ['11'] });
    expect(symmetric.scenarios.map((s) => s.id)).toContain('expired-token');
    const asymmetric = await start(await AsymmetricTestPartner.create(h, { name: 'Asymmetric' }), { services: ['11'] });
    expect(asymmetric.scenarios.map((s) => s.id)).toEqual([
      'wrong-hmac',
      'stale-timestamp',
      'missing-mandatory-header',
      'invalid-field-format',
      'reused-external-id',
      'service-11',
      'webhook',
    ]);
    expect(scenario(asymmetric, 'wrong-hmac').request.alter['X-SIGNATURE']).toContain('SHA256withRSA');
  });
});

describe('the reference', () => {
  it('documents the self-test operations with their ids', async () => {
    const doc = (await h.http().get('/openapi.json')).body;
    expect(doc.paths['/snap/v1.0/self-tests'].post.operationId).toBe('startSelfTest');
    expect(doc.paths['/snap/v1.0/self-tests/{id}'].get.operationId).toBe('getSelfTest');
    expect(doc.paths['/snap/v1.0/self-tests/{id}/report'].get.operationId).toBe('getSelfTestReport');
    expect(doc.paths['/snap/v1.0/self-tests/{id}/report.pdf'].get.operationId).toBe('getSelfTestReportPdf');
  });
});

describe('in production', () => {
  it('answers 403xx01 and opens no run', async () => {
    const prod = await startHarness({ KARTU_ENV: 'production' });
    try {
      const p = await TestPartner.create(prod, { name: 'Prod' });
      const res = await p.call('POST', '/snap/v1.0/self-tests', JSON.stringify({ services: ['90'] }));
      expectSnap(res, '4039601');
      expect(await prod.kartu.db.query('SELECT 1 FROM self_test_runs')).toEqual([]);
    } finally {
      await prod.close();
    }
  });
});
