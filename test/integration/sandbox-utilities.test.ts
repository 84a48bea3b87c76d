import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';

const vectors = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/snap-vectors.json'), 'utf8'));
const rsa = vectors.access_token_sha256_with_rsa;
const hmac = vectors.symmetric_hmac_sha512;

let h: Harness;
let prod: Harness;
beforeAll(async () => {
  h = await startHarness();
  prod = await startHarness({ KARTU_ENV: 'production', KARTU_MASTER_KEY: randomBytes(32).toString('base64') });
});
afterAll(async () => {
  await h.close();
  await prod.close();
});

const post = (harness: Harness, p: string, body: unknown) => harness.http().post(`/snap/v1.0/utilities/${p}`).set('Content-Type', 'application/json').send(JSON.stringify(body));

describe('sandbox signature utilities', () => {
  it('signature-auth reproduces the published SHA256withRSA vector', async () => {
    const res = await post(h, 'signature-auth', { clientKey: rsa.clientKey, timestamp: rsa.timestamp, privateKey: rsa.privateKeyPem });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ responseCode: '2000000', responseMessage: 'Successful', signature: rsa.signature, stringToSign: rsa.stringToSign });
  });

  it('signature-service reproduces the published HMAC-SHA512 vector, from the body as a string or an object', async () => {
    const base = { method: hmac.method, path: hmac.path, accessToken: hmac.accessToken, timestamp: hmac.timestamp, clientSecret: hmac.clientSecret };
    const asString = await post(h, 'signature-service', { ...base, body: hmac.minifiedBody });
    expect(asString.body.signature).toBe(hmac.signature);
    expect(asString.body.stringToSign).toBe(`POST:${hmac.path}:${hmac.accessToken}:${hmac.bodySha256Hex}:${hmac.timestamp}`);
    const asObject = await post(h, 'signature-service', { ...base, body: JSON.parse(hmac.minifiedBody) });
    expect(asObject.body.signature).toBe(hmac.signature);
  });

  it('names the bad or missing field: 4000001, 4000002', async () => {
    const bad = await post(h, 'signature-auth', { clientKey: 'k', timestamp: rsa.timestamp, privateKey: 'not a key' });
    expect(bad.body).toMatchObject({ responseCode: '4000001' });
    expect(bad.body.responseMessage).toContain('privateKey');
    expect((await post(h, 'signature-auth', { clientKey: 'k', timestamp: 'yesterday', privateKey: rsa.privateKeyPem })).body.responseCode).toBe('4000001');
    const missing = await post(h, 'signature-service', { method: 'POST', path: '/x', timestamp: hmac.timestamp, clientSecret: 's' });
    expect(missing.body).toEqual({ responseCode: '4000002', responseMessage: 'Invalid Mandatory Field accessToken', field: 'accessToken' });
  });

  it('answers 4030001 in production and computes nothing', async () => {
    const auth = await post(prod, 'signature-auth', { clientKey: rsa.clientKey, timestamp: rsa.timestamp, privateKey: rsa.privateKeyPem });
    expect(auth.status).toBe(403);
    expect(auth.body).toEqual({ responseCode: '4030001', responseMessage: 'Feature Not Allowed. Sandbox only' });
    const service = await post(prod, 'signature-service', { method: 'POST', path: '/x', accessToken: 't', timestamp: hmac.timestamp, clientSecret: 's' });
    expect(service.body.responseCode).toBe('4030001');
    expect(service.body.signature).toBeUndefined();
  });
});
