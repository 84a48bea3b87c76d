import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateClientSecret } from '../../src/modules/access/access.service';
import { revokeClientTokens, setEnabledServices, setSignatureMode } from '../../src/modules/access/client-settings';
import { asymmetricStringToSign, signAsymmetric } from '../../src/modules/access/snap-signature';
import { formatSnapTimestamp } from '../../src/platform/snap-time';
import { AsymmetricTestPartner, startHarness, TestPartner, type Harness } from '../support/harness';
import { expectSnap, nid } from '../support/partner-fixtures';

let h: Harness;
const BALANCE = '/snap/v1.0/balance-inquiry';

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const one = async (sql: string, params: unknown[]) => (await h.kartu.db.query(sql, params))[0];
const countFor = async (table: string, businessId: string) => Number((await one(`SELECT count(*) FROM ${table} WHERE business_id = $1`, [businessId])).count);
const reservedExternalIds = async (clientKey: string) =>
  Number((await one('SELECT count(*) FROM external_ids e JOIN api_clients c ON c.id = e.client_id WHERE c.client_key = $1', [clientKey])).count);
const lastUsed = (clientKey: string) =>
  one('SELECT last_used_at, secret_last_used_at, previous_secret_last_used_at, public_key_last_used_at FROM api_clients WHERE client_key = $1', [clientKey]);

describe('asymmetric clients (SNAP "type 2": X-CLIENT-KEY and SHA256withRSA, no token)', () => {
  let partner: AsymmetricTestPartner;
  beforeAll(async () => {
    partner = await AsymmetricTestPartner.create(h, { name: 'Asym Co' });
  });

  it('issues a card (signed over a pretty-printed body as sent), reads it back with a query string and inquires the balance, with no token', async () => {
    expect(partner.creds.signatureMode).toBe('asymmetric');
    const holder = await partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Siti Rahayu', email: 'siti.asym@example.com' }));
    expectSnap(holder, '2009400');
    const pretty = `{\n  "partnerReferenceNo": "${nid('ref')}",\n  "cardholderId": "${holder.body.cardholder.id}",\n  "type": "VIRTUAL"\n}`;
    const card = await partner.call('POST', '/snap/v1.0/cards', pretty);
    expectSnap(card, '2009000');
    const list = await partner.call('GET', `/snap/v1.0/cards?cardholderId=${holder.body.cardholder.id}&pageSize=5`);
    expectSnap(list, '2009100');
    expect(list.body.cards.map((c: { id: string }) => c.id)).toEqual([card.body.card.id]);
    const balance = await partner.call('POST', BALANCE, '{"partnerReferenceNo":"asym-1"}');
    expectSnap(balance, '2001100');
    expect(balance.body).toMatchObject({ partnerReferenceNo: 'asym-1', accountNo: partner.creds.businessId, name: 'Asym Co' });
    expect(Number((await one('SELECT count(*) FROM access_tokens t JOIN api_clients c ON c.id = t.client_id WHERE c.client_key = $1', [partner.creds.clientKey])).count)).toBe(0);
  });

  it('a signature by another key → 4011100, nothing reserved', async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const timestamp = partner.timestamp();
    const before = await reservedExternalIds(partner.creds.clientKey);
    const res = await partner.call('POST', BALANCE, '{}', { timestamp, signature: signAsymmetric(other, asymmetricStringToSign('POST', BALANCE, '{}', timestamp)) });
    expectSnap(res, '4011100');
    expect(res.body.responseMessage).toBe('Unauthorized. Invalid signature');
    expect(await reservedExternalIds(partner.creds.clientKey)).toBe(before);
  });

  it('a body changed after signing → 4011100; so is another path, a stale timestamp or another partner id', async () => {
    expectSnap(await partner.call('POST', BALANCE, '{"partnerReferenceNo":"b"}', { signedBody: '{"partnerReferenceNo":"a"}' }), '4011100');
    const timestamp = partner.timestamp();
    const signedForCards = signAsymmetric(partner.creds.privateKeyPem, asymmetricStringToSign('POST', '/snap/v1.0/cards', '{}', timestamp));
    expectSnap(await partner.call('POST', BALANCE, '{}', { timestamp, signature: signedForCards }), '4011100');
    const stale = await partner.call('POST', BALANCE, '{}', { timestamp: formatSnapTimestamp(new Date(h.clock.now().getTime() - 6 * 60_000)) });
    expectSnap(stale, '4011100');
    expect(stale.body.responseMessage).toMatch(/X-TIMESTAMP is more than 300 seconds/);
    const foreign = await partner.call('POST', BALANCE, '{}', { partnerId: 'SOMEONE-ELSE' });
    expectSnap(foreign, '4011100');
    expect(foreign.body.responseMessage).toBe('Unauthorized. X-PARTNER-ID does not belong to this client');
  });

  it('without X-CLIENT-KEY (and no Authorization) → 4001102; an unknown or too long one → 4011100 / 4001101', async () => {
    const missing = await partner.call('POST', BALANCE, '{}', { omit: ['X-CLIENT-KEY'] });
    expectSnap(missing, '4001102');
    expectSnap(await partner.call('POST', BALANCE, '{}', { headers: { 'X-CLIENT-KEY': 'KRT-NOBODY' } }), '4011100');
    expectSnap(await partner.call('POST', BALANCE, '{}', { headers: { 'X-CLIENT-KEY': 'K'.repeat(101) } }), '4001101');
  });

  it('X-EXTERNAL-ID is still one per day: the same request again is answered as before, another one → 4091100', async () => {
    expectSnap(await partner.call('POST', BALANCE, '{}', { externalId: 'asym-once' }), '2001100');
    const replay = await partner.call('POST', BALANCE, '{}', { externalId: 'asym-once' });
    expectSnap(replay, '2001100');
    expect(replay.headers['x-idempotent-replay']).toBe('true');
    expectSnap(await partner.call('POST', BALANCE, '{"partnerReferenceNo":"other"}', { externalId: 'asym-once' }), '4091100');
  });

  it('a token-style call by an asymmetric client → 4011100 saying how it signs', async () => {
    const token = await partner.token();
    const res = await TestPartner.prototype.call.call(partner, 'POST', BALANCE, '{}', { token });
    expectSnap(res, '4011100');
    expect(res.body.responseMessage).toBe('Unauthorized. This client signs asymmetrically: send X-CLIENT-KEY and a SHA256withRSA X-SIGNATURE, without Authorization');
  });
});

describe('symmetric clients', () => {
  it('an asymmetric-style call (X-CLIENT-KEY, RSA signature, no token) → 4011100 saying how it signs', async () => {
    const partner = await TestPartner.create(h);
    const res = await AsymmetricTestPartner.prototype.call.call(partner, 'POST', BALANCE, '{}');
    expectSnap(res, '4011100');
    expect(res.body.responseMessage).toBe('Unauthorized. This client signs symmetrically: send Authorization: Bearer <B2B access token> and an HMAC-SHA512 X-SIGNATURE');
  });

  it('without a token → 4001102 naming Authorization', async () => {
    const partner = await TestPartner.create(h);
    const res = await partner.call('POST', BALANCE, '{}', { omit: ['Authorization'] });
    expectSnap(res, '4001102');
    expect(res.body.field).toBe('Authorization');
  });

  it('switching the mode takes effect on the next call, both ways', async () => {
    const partner = await TestPartner.create(h);
    expectSnap(await partner.call('POST', BALANCE, '{}'), '2001100');
    await setSignatureMode(h.kartu, partner.creds.clientKey, 'asymmetric');
    expectSnap(await partner.call('POST', BALANCE, '{}'), '4011100');
    expectSnap(await AsymmetricTestPartner.prototype.call.call(partner, 'POST', BALANCE, '{}'), '2001100');
    await setSignatureMode(h.kartu, partner.creds.clientKey, 'symmetric');
    expectSnap(await partner.call('POST', BALANCE, '{}'), '2001100');
    const audit = await h.kartu.db.query("SELECT details FROM audit_log WHERE action = 'api_client.signature_mode_set' AND business_id = $1 ORDER BY created_at", [partner.creds.businessId]);
    expect(audit.map((a: { details: unknown }) => a.details)).toEqual([{ from: 'symmetric', to: 'asymmetric' }, { from: 'asymmetric', to: 'symmetric' }]);
  });
});

describe('enabled services', () => {
  it('a service not enabled → 403xx01 with its service code, nothing written; enabled ones and the token work', async () => {
    const partner = await TestPartner.create(h, { enabledServices: ['11'] });
    expectSnap(await partner.call('POST', BALANCE, '{}'), '2001100');
    const before = await reservedExternalIds(partner.creds.clientKey);
    const holder = await partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Budi', email: 'budi@example.com' }));
    expectSnap(holder, '4039401');
    expect(holder.body.responseMessage).toBe('Feature Not Allowed. Service 94 is not enabled for this client');
    const card = await partner.call('POST', '/snap/v1.0/cards', JSON.stringify({ partnerReferenceNo: nid('ref'), cardholderId: '00000000-0000-4000-8000-000000000000', type: 'VIRTUAL' }));
    expectSnap(card, '4039001');
    expect(await countFor('cardholders', partner.creds.businessId)).toBe(0);
    expect(await countFor('cards', partner.creds.businessId)).toBe(0);
    expect(await reservedExternalIds(partner.creds.clientKey)).toBe(before);

    await setEnabledServices(h.kartu, partner.creds.clientKey, ['11', '94']);
    expectSnap(await partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Budi', email: 'budi@example.com' })), '2009400');
    await setEnabledServices(h.kartu, partner.creds.clientKey, null);
    expectSnap(await partner.call('GET', '/snap/v1.0/cards'), '2009100');
  });

  it('applies to asymmetric clients too', async () => {
    const partner = await AsymmetricTestPartner.create(h, { enabledServices: ['90'] });
    expectSnap(await partner.call('POST', BALANCE, '{}'), '4031101');
  });

  it('an unknown or always-allowed code is refused with the list of known ones, and nothing changes', async () => {
    const partner = await TestPartner.create(h, { enabledServices: ['11'] });
    await expect(setEnabledServices(h.kartu, partner.creds.clientKey, ['11', '42'])).rejects.toThrow(/unknown service code 42: known codes are 11 \(balance inquiry\)/);
    await expect(setEnabledServices(h.kartu, partner.creds.clientKey, ['73'])).rejects.toThrow(/service 73 is always allowed/);
    await expect(TestPartner.create(h, { enabledServices: ['9'] })).rejects.toThrow(/unknown service code 9/);
    expect((await one('SELECT enabled_services FROM api_clients WHERE client_key = $1', [partner.creds.clientKey])).enabled_services).toEqual(['11']);
  });
});

describe('revoking every token of a client', () => {
  it('ends them all at once (audited); the next call with one → 4011101, a new token works', async () => {
    const partner = await TestPartner.create(h);
    const first = await partner.token();
    const second = await partner.token();
    expectSnap(await partner.call('POST', BALANCE, '{}', { token: first }), '2001100');
    expect(await revokeClientTokens(h.kartu, partner.creds.clientKey)).toEqual({ clientKey: partner.creds.clientKey, revokedTokens: 2 });
    expectSnap(await partner.call('POST', BALANCE, '{}', { token: first }), '4011101');
    expectSnap(await partner.call('POST', BALANCE, '{}', { token: second }), '4011101');
    expectSnap(await partner.call('POST', BALANCE, '{}', { token: await partner.token() }), '2001100');
    const audit = await one("SELECT details FROM audit_log WHERE action = 'api_client.tokens_revoked' AND business_id = $1", [partner.creds.businessId]);
    expect(audit.details).toEqual({ revokedTokens: 2 });
  });

  it('an unknown client key is an error', async () => {
    await expect(revokeClientTokens(h.kartu, 'KRT-NOBODY')).rejects.toThrow('no API client with key KRT-NOBODY');
  });
});

describe('last-used times', () => {
  it('are set per credential when it verifies, at most once a minute per client and credential', async () => {
    const partner = await TestPartner.create(h);
    expect(await lastUsed(partner.creds.clientKey)).toEqual({ last_used_at: null, secret_last_used_at: null, previous_secret_last_used_at: null, public_key_last_used_at: null });
    const t0 = h.clock.now();
    await partner.token();
    expect(await lastUsed(partner.creds.clientKey)).toEqual({ last_used_at: t0, secret_last_used_at: null, previous_secret_last_used_at: null, public_key_last_used_at: t0 });
    expectSnap(await partner.call('POST', BALANCE, '{}'), '2001100');
    expect(await lastUsed(partner.creds.clientKey)).toMatchObject({ last_used_at: t0, secret_last_used_at: t0 });

    h.clock.advance(30_000);
    expectSnap(await partner.call('POST', BALANCE, '{}'), '2001100');
    expect(await lastUsed(partner.creds.clientKey)).toMatchObject({ last_used_at: t0, secret_last_used_at: t0 });

    h.clock.advance(31_000);
    const t1 = h.clock.now();
    expectSnap(await partner.call('POST', BALANCE, '{}'), '2001100');
    expect(await lastUsed(partner.creds.clientKey)).toEqual({ last_used_at: t1, secret_last_used_at: t1, previous_secret_last_used_at: null, public_key_last_used_at: t0 });
  });

  it('record which secret verified during a rotation overlap', async () => {
    const partner = await TestPartner.create(h);
    const oldSecret = partner.creds.clientSecret;
    await partner.token();
    const t0 = h.clock.now();
    const { clientSecret } = await rotateClientSecret(h.kartu, partner.creds.businessId);
    expectSnap(await partner.call('POST', BALANCE, '{}', { secret: oldSecret }), '2001100');
    expect(await lastUsed(partner.creds.clientKey)).toMatchObject({ secret_last_used_at: null, previous_secret_last_used_at: t0 });
    expectSnap(await partner.call('POST', BALANCE, '{}', { secret: clientSecret }), '2001100');
    expect(await lastUsed(partner.creds.clientKey)).toMatchObject({ secret_last_used_at: t0, previous_secret_last_used_at: t0 });
  });

  it('an asymmetric call sets the public key time; a refused call sets nothing', async () => {
    const partner = await AsymmetricTestPartner.create(h);
    expectSnap(await partner.call('POST', BALANCE, '{}', { signedBody: '{"x":1}' }), '4011100');
    expect((await lastUsed(partner.creds.clientKey)).public_key_last_used_at).toBeNull();
    const t0 = h.clock.now();
    expectSnap(await partner.call('POST', BALANCE, '{}'), '2001100');
    expect(await lastUsed(partner.creds.clientKey)).toEqual({ last_used_at: t0, secret_last_used_at: null, previous_secret_last_used_at: null, public_key_last_used_at: t0 });
  });
});
