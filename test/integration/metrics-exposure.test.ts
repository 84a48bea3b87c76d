import supertest from 'supertest';
import { afterAll, describe, expect, it } from 'vitest';
import { createMetricsApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { authorizationBody, business, issueCard, nid } from '../support/partner-fixtures';

const harnesses: Harness[] = [];
async function harness(env: Record<string, string> = {}): Promise<Harness> {
  const h = await startHarness(env);
  harnesses.push(h);
  return h;
}
afterAll(async () => {
  for (const h of harnesses) await h.close();
});

/** The value of one sample of the exposition text (0 when it is not there). */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describe('kartu_network_authorizations_total', () => {
  it('counts approvals, declines by ISO 8583 code and refused requests, and reversals and clearings by outcome', async () => {
    const h = await harness();
    const network = await TestNetwork.create(h);
    const b = await business(h, 1_000_000n);
    const card = await issueCard(b);
    const before = (await h.http().get('/metrics')).text;
    // Every decision code is there before its first use, at 0 or more.
    for (const labels of ['decision="approved",response_code="00"', 'decision="declined",response_code="51"', 'decision="unavailable",response_code="91"']) {
      expect(before).toContain(`kartu_network_authorizations_total{${labels}}`);
    }

    const approved = await network.send('/authorizations', authorizationBody(card));
    expect(approved.body).toMatchObject({ decision: 'approved', responseCode: '00' });
    const tooMuch = await network.send('/authorizations', authorizationBody(card, { amount: 5_000_000 }));
    expect(tooMuch.body).toMatchObject({ decision: 'declined', responseCode: '51' });
    const badCvv = await network.send('/authorizations', authorizationBody(card, { card: { number: card.number, expiry: card.expiry, cvv: card.cvv === '999' ? '998' : '999' } }));
    expect(badCvv.body.responseCode).toBe('82');
    const unsigned = await network.send('/authorizations', authorizationBody(card), { signature: 'AAAA' });
    expect(unsigned.status).toBe(401);
    const cleared = await network.send('/clearings', { id: nid('clr'), authorizationId: approved.body.id, amount: 10_000, currency: 'IDR' });
    expect(cleared.status).toBe(200);
    const nothingLeft = await network.send('/reversals', { id: nid('rev'), authorizationId: approved.body.id });
    expect(nothingLeft.status).toBe(409);

    const after = (await h.http().get('/metrics')).text;
    const delta = (name: string, labels: string) => sample(after, name, labels) - sample(before, name, labels);
    expect(delta('kartu_network_authorizations_total', 'decision="approved",response_code="00"')).toBe(1);
    expect(delta('kartu_network_authorizations_total', 'decision="declined",response_code="51"')).toBe(1);
    expect(delta('kartu_network_authorizations_total', 'decision="declined",response_code="82"')).toBe(1);
    expect(delta('kartu_network_authorizations_total', 'decision="refused",response_code="4010000"')).toBe(1);
    expect(delta('kartu_network_messages_total', 'message="clearing",outcome="accepted"')).toBe(1);
    expect(delta('kartu_network_messages_total', 'message="reversal",outcome="4090000"')).toBe(1);
  });
});

describe('GET /metrics exposure', () => {
  it('with KARTU_METRICS_TOKEN, answers only a request bearing it (401 4010000 otherwise)', async () => {
    const token = 'metrics-token-0123456789abcdef';
    const h = await harness({ KARTU_METRICS_TOKEN: token });
    const none = await h.http().get('/metrics');
    expect(none.status).toBe(401);
    expect(none.body.responseCode).toBe('4010000');
    expect(none.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(none.text).not.toContain('kartu_http_requests_total');
    const wrong = await h.http().get('/metrics').set('Authorization', `Bearer ${token}x`);
    expect(wrong.status).toBe(401);
    const right = await h.http().get('/metrics').set('Authorization', `Bearer ${token}`);
    expect(right.status).toBe(200);
    expect(right.text).toContain('kartu_network_authorizations_total');
  });

  it('refuses a token shorter than 16 characters at start', async () => {
    expect(() => loadConfig({ KARTU_METRICS_TOKEN: 'short' })).toThrow(/KARTU_METRICS_TOKEN: must be at least 16 characters/);
  });

  it('with KARTU_METRICS_PORT, the api answers 404 for /metrics and the metrics listener serves it (and nothing else)', async () => {
    const h = await harness({ KARTU_METRICS_PORT: '0' });
    const onApi = await h.http().get('/metrics');
    expect(onApi.status).toBe(404);
    expect(onApi.body.responseCode).toBe('4040000');
    const metrics = supertest(createMetricsApp(h.kartu));
    const served = await metrics.get('/metrics');
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toMatch(/^text\/plain/);
    expect(served.text).toContain('kartu_http_requests_total');
    expect((await metrics.get('/healthz')).status).toBe(404);
    expect((await metrics.get('/snap/v1.0/cards')).status).toBe(404);
  });

  it('with both, the metrics listener also wants the token', async () => {
    const h = await harness({ KARTU_METRICS_PORT: '0', KARTU_METRICS_TOKEN: 'another-token-0123456789' });
    const metrics = supertest(createMetricsApp(h.kartu));
    expect((await metrics.get('/metrics')).status).toBe(401);
    expect((await metrics.get('/metrics').set('Authorization', 'Bearer another-token-0123456789')).status).toBe(200);
  });
});
