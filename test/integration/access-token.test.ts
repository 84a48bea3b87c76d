import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/platform/crypto';
import { formatSnapTimestamp } from '../../src/platform/snap-time';
import { startHarness, TestPartner, type Harness } from '../support/harness';

let h: Harness;
let partner: TestPartner;

beforeAll(async () => {
  h = await startHarness();
  partner = await TestPartner.create(h);
});
afterAll(() => h.close());

const grant = { grantType: 'client_credentials' };

describe('POST /snap/v1.0/access-token/b2b (service 73)', () => {
  it('issues an opaque bearer token valid 900 s, stored only as a hash', async () => {
    const res = await partner.tokenRequest().send(grant);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ responseCode: '2007300', responseMessage: 'Successful', tokenType: 'Bearer', expiresIn: '900' });
    expect(res.body.accessToken).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(res.headers['x-timestamp']).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
    const rows = await h.kartu.db.query('SELECT token_hash FROM access_tokens');
    expect(rows.map((r: { token_hash: string }) => r.token_hash)).toContain(sha256Hex(res.body.accessToken));
    expect(JSON.stringify(rows)).not.toContain(res.body.accessToken);
  });

  it('accepts grant_type as sent by common SNAP clients, and a timestamp with Z and milliseconds', async () => {
    const ts = h.clock.now().toISOString();
    const res = await partner.tokenRequest({ timestamp: ts }).send({ grant_type: 'client_credentials' });
    expect(res.body.responseCode).toBe('2007300');
  });

  it.each([
    ['X-CLIENT-KEY'],
    ['X-TIMESTAMP'],
    ['X-SIGNATURE'],
  ])('missing %s → 4007302', async (header) => {
    const res = await partner.tokenRequest().unset(header).send(grant);
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ responseCode: '4007302', responseMessage: `Invalid Mandatory Field ${header}`, field: header });
  });

  it('missing grantType → 4007302; wrong grantType or unknown field → 4007301', async () => {
    expect((await partner.tokenRequest().send({})).body.responseCode).toBe('4007302');
    expect((await partner.tokenRequest().send({ grantType: 'password' })).body.responseCode).toBe('4007301');
    const unknown = await partner.tokenRequest().send({ ...grant, scope: 'all' });
    expect(unknown.body).toMatchObject({ responseCode: '4007301' });
    expect(unknown.body.responseMessage).toContain('scope');
  });

  it('a malformed timestamp → 4007301', async () => {
    const res = await partner.tokenRequest({ timestamp: '21-11-2026 10:00' }).send(grant);
    expect(res.body.responseCode).toBe('4007301');
  });

  it('a bad signature, unknown client or stale timestamp → 4017300', async () => {
    const badSig = await partner.tokenRequest({ signature: Buffer.alloc(256, 1).toString('base64') }).send(grant);
    expect(badSig.status).toBe(401);
    expect(badSig.body.responseCode).toBe('4017300');
    const unknown = await partner.tokenRequest({ clientKey: 'KRT-UNKNOWN' }).send(grant);
    expect(unknown.body.responseCode).toBe('4017300');
    const stale = await partner.tokenRequest({ timestamp: formatSnapTimestamp(new Date(h.clock.now().getTime() - 301_000)) }).send(grant);
    expect(stale.body.responseCode).toBe('4017300');
    const another = await TestPartner.create(h, { name: 'Other' });
    // Signed with another business's private key for this client key.
    const ts = partner.timestamp();
    const crossSigned = await another.tokenRequest({ clientKey: partner.creds.clientKey, timestamp: ts }).send(grant);
    expect(crossSigned.body.responseCode).toBe('4017300');
  });

  it('malformed JSON → 4007300, wrong content type → 4157300, a body over 1 MB → 4137300', async () => {
    const malformed = await partner.tokenRequest().set('Content-Type', 'application/json').send('{"grantType":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.responseCode).toBe('4007300');
    const wrongType = await partner.tokenRequest().set('Content-Type', 'text/plain').send('grantType=client_credentials');
    expect(wrongType.status).toBe(415);
    expect(wrongType.body.responseCode).toBe('4157300');
    const huge = await partner.tokenRequest().send({ grantType: 'client_credentials', additionalInfo: { pad: 'x'.repeat(1_100_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.responseCode).toBe('4137300');
  });

  it('GET on the token path → 4057300 with Allow', async () => {
    const res = await h.http().get('/snap/v1.0/access-token/b2b');
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.body.responseCode).toBe('4057300');
  });
});
