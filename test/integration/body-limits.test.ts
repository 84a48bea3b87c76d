import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES, MAX_JSON_DEPTH } from '../../src/platform/http';
import { adminSession } from '../support/admin-session';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { authorizationBody, business, issueCard, nid, type Biz, type IssuedCard } from '../support/partner-fixtures';

/**
 * The limits every parsed body meets before anything walks it (platform/http.ts parseJsonBody):
 * at most BODY_LIMIT_BYTES (413xx00) and nested at most MAX_JSON_DEPTH levels (400xx01 naming where),
 * on the network fast path, the express routes, the SNAP partner API and the admin API alike.
 * Issue 17: ~200–300 kB bodies nested tens of thousands of levels deep answered 500.
 */

let h: Harness;
let net: TestNetwork;
let biz: Biz;
let card: IssuedCard;
let adminCookie: string;

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
  biz = await business(h, 0n);
  card = await issueCard(biz);
  adminCookie = await adminSession(h, biz.businessId);
});
afterAll(() => h.close());

const authBody = (extra: Record<string, unknown> = {}) => authorizationBody(card, extra);

/** `{"a":{"a":…1…}}` or `[[…1…]]`, `levels` deep. */
const nestedObjects = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
const nestedArrays = (levels: number) => '['.repeat(levels) + '1' + ']'.repeat(levels);

/** A valid authorization whose `field` is replaced by the raw JSON text `value`. */
function authWith(field: 'card' | 'pos' | 'extra', value: string): { id: string; raw: string } {
  const body = authBody();
  const json = JSON.stringify(field === 'extra' ? { ...body, extra: 0 } : body);
  const raw = json.replace(field === 'extra' ? '"extra":0' : new RegExp(`"${field}":\\{[^}]*\\}`), `"${field}":${value}`);
  return { id: body.id, raw };
}

const authorizationsOf = async (messageId: string) =>
  Number((await h.kartu.db.query('SELECT count(*) FROM authorizations WHERE network_message_id = $1', [messageId]))[0].count);

describe('nesting depth', () => {
  // 50 000 levels of objects is ~250 kB, of arrays 100 kB: the sizes seen from outside.
  it.each([
    ['objects in card', 'card', nestedObjects(50_000), 'card'],
    ['arrays in pos', 'pos', nestedArrays(250_000), 'pos'],
    ['objects in an extra field', 'extra', nestedObjects(40_000), 'extra'],
    ['arrays in an extra field', 'extra', nestedArrays(100_000), 'extra'],
  ] as const)('a network authorization with deep %s → 400 4000001 naming the field, nothing recorded', async (_name, field, value, named) => {
    const { id, raw } = authWith(field, value);
    const res = await net.send('/authorizations', undefined, { rawBody: raw });
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(400);
    expect(res.body.responseCode).toBe('4000001');
    expect(res.body.responseMessage).toMatch(new RegExp(`^Invalid Field Format ${named}\\b.*nested deeper than ${MAX_JSON_DEPTH} levels`));
    expect(await authorizationsOf(id)).toBe(0);
  });

  it(`${MAX_JSON_DEPTH} levels pass the check; ${MAX_JSON_DEPTH + 1} do not`, async () => {
    // The body is level 1 and `extra` opens level 2: MAX_JSON_DEPTH - 1 more levels are allowed.
    const ok = authWith('extra', nestedArrays(MAX_JSON_DEPTH - 1));
    const okRes = await net.send('/authorizations', undefined, { rawBody: ok.raw });
    // Past the depth check, the schema refuses the unknown field.
    expect(okRes.body).toEqual({ responseCode: '4000001', responseMessage: 'Invalid Field Format extra (unknown field)', field: 'extra' });
    const deep = authWith('extra', nestedArrays(MAX_JSON_DEPTH));
    const deepRes = await net.send('/authorizations', undefined, { rawBody: deep.raw });
    expect(deepRes.body.responseMessage).toMatch(/^Invalid Field Format extra\.0\.0.*nested deeper than/);
  });

  it('brackets inside strings do not count', async () => {
    const body = authBody({ merchant: { id: 'M1', name: '['.repeat(40) + '{"'.repeat(20), mcc: '5814', city: 'Jakarta', country: 'ID' } });
    const res = await net.send('/authorizations', body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  });

  it.each(['/reversals', '/clearings', '/refunds'])('network %s with a deep body → 400 4000001', async (path) => {
    const raw = `{"id":"${nid('m')}","authorizationId":${nestedObjects(60_000)}}`;
    const res = await net.send(path, undefined, { rawBody: raw });
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(400);
    expect(res.body.responseCode).toBe('4000001');
    expect(res.body.responseMessage).toMatch(/^Invalid Field Format authorizationId\b.*nested deeper than/);
  });

  it('a SNAP partner call with a deep body → 400xx01 with the service code, naming the field', async () => {
    const raw = `{"name":"Siti","email":"siti@example.com","metadata":${nestedArrays(200_000)}}`;
    const res = await biz.partner.call('POST', '/snap/v1.0/cardholders', raw);
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(400);
    expect(res.body.responseCode).toBe('4009401');
    expect(res.body.responseMessage).toMatch(/^Invalid Field Format metadata\b.*nested deeper than/);
  });

  it('a SNAP balance inquiry whose additionalInfo is deep → 4001101', async () => {
    const res = await biz.partner.call('POST', '/snap/v1.0/balance-inquiry', `{"additionalInfo":${nestedObjects(30_000)}}`);
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(400);
    expect(res.body.responseCode).toBe('4001101');
  });

  it('an admin call with a deep body → 400 naming the field', async () => {
    const res = await h
      .http()
      .post('/admin/v1/cardholders')
      .set('Cookie', adminCookie)
      .set('Content-Type', 'application/json')
      .send(`{"name":"Siti","email":"siti2@example.com","metadata":${nestedObjects(50_000)}}`);
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(400);
    expect(res.body.responseCode).toBe('4009401');
    const login = await h.http().post('/admin/v1/login').set('Content-Type', 'application/json').send(`{"email":${nestedArrays(100_000)}}`);
    expect(login.status).toBe(400);
    expect(login.body.responseCode).toBe('4000001');
  });
});

describe('body size', () => {
  const oversized = () => `{"id":"x","pad":"${'x'.repeat(BODY_LIMIT_BYTES)}"}`;

  it('a network authorization over the limit → 413 4130000', async () => {
    const res = await net.send('/authorizations', undefined, { rawBody: oversized() });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({ responseCode: '4130000', responseMessage: 'Payload Too Large (limit 1mb)' });
  });

  it('a network reversal, a SNAP call and an admin call over the limit → 413xx00', async () => {
    const reversal = await net.send('/reversals', undefined, { rawBody: oversized() });
    expect(reversal.status).toBe(413);
    expect(reversal.body.responseCode).toBe('4130000');
    const snap = await biz.partner.call('POST', '/snap/v1.0/cards', oversized());
    expect(snap.status).toBe(413);
    expect(snap.body.responseCode).toBe('4139000');
    const admin = await h.http().post('/admin/v1/cards').set('Cookie', adminCookie).set('Content-Type', 'application/json').send(oversized());
    expect(admin.status).toBe(413);
    expect(admin.body.responseCode).toBe('4139000');
  });

  it('a body of exactly the limit is read (and refused for what it says, not its size)', async () => {
    const head = `{"id":"x","pad":"`;
    const raw = head + 'x'.repeat(BODY_LIMIT_BYTES - head.length - 2) + '"}';
    expect(Buffer.byteLength(raw)).toBe(BODY_LIMIT_BYTES);
    const res = await net.send('/authorizations', undefined, { rawBody: raw });
    expect(res.status).toBe(400);
    expect(res.body.responseCode).toBe('4000002');
  });
});

describe('path ids', () => {
  it.each(['%FF', '%E0%A4%A', '%'])('an id that does not percent-decode (%s) → 400 4000001 naming the path, on SNAP and admin routes', async (segment) => {
    const snap = await biz.partner.call('GET', `/snap/v1.0/cards/${segment}`);
    expect(snap.status, JSON.stringify(snap.body)).toBe(400);
    expect(snap.body).toEqual({ responseCode: '4000001', responseMessage: 'Invalid Field Format path (malformed percent-encoding)', field: 'path' });
    const admin = await h.http().get(`/admin/v1/cards/${segment}`).set('Cookie', adminCookie);
    expect(admin.body).toEqual({ responseCode: '4000001', responseMessage: 'Invalid Field Format path (malformed percent-encoding)', field: 'path' });
  });
});
