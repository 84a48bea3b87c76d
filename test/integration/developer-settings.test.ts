import { createHash, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessTokenRequest } from '../../src/modules/access/snap-signature';
import { adminSession } from '../support/admin-session';
import { startHarness, TestPartner, type Harness } from '../support/harness';
import { expectSnap } from '../support/partner-fixtures';

/**
 * The developers page's admin API (owners): credentials without secrets, secret rotation with the
 * overlap (the new secret signs SNAP calls, the old one only until the overlap ends), the RSA
 * public key, the IP allowlist and rate limit (held to from the next call), the event catalogue
 * and the notification key; bad input, other roles and the audit entries.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ KARTU_SECRET_OVERLAP_SECONDS: '600' });
});
afterAll(async () => {
  await h?.close();
});

async function owner() {
  const p = await TestPartner.create(h);
  const cookie = await adminSession(h, p.creds.businessId, 'owner');
  const call = (method: 'get' | 'post' | 'put' | 'patch', path: string, body?: unknown) => {
    const req = h.http()[method](`/admin/v1${path}`).set('Cookie', cookie);
    return body === undefined ? req : req.send(body as object);
  };
  return { p, cookie, call };
}

async function auditOf(businessId: string, action: string) {
  return h.kartu.db.query('SELECT actor_type, actor_id, details FROM audit_log WHERE business_id = $1 AND action = $2 ORDER BY created_at', [businessId, action]);
}

const pem = (bits: number, type: 'rsa' | 'ec' = 'rsa') =>
  (type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: bits }) : generateKeyPairSync('ec', { namedCurve: 'P-256' })).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('developer settings (admin API)', () => {
  it('shows the credentials, the key fingerprint and size, never a secret', async () => {
    const { p, call } = await owner();
    const res = await call('get', '/developers');
    expectSnap(res, '2000000');
    const c = res.body.credentials;
    expect(c).toMatchObject({ clientKey: p.creds.clientKey, partnerId: p.creds.partnerId, channelId: p.creds.channelId, signatureMode: 'symmetric', enabledServices: null, ipAllowlist: [], rateLimitPerSecond: 100_000, defaultRateLimitPerSecond: 100, secretOverlapSeconds: 600, previousSecretValidUntil: null });
    const [row] = await h.kartu.db.query('SELECT public_key_pem FROM api_clients WHERE client_key = $1', [p.creds.clientKey]);
    const der = Buffer.from(row.public_key_pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
    expect(c.publicKey).toEqual({ algorithm: 'RSA', bits: 2048, fingerprintSha256: createHash('sha256').update(der).digest('hex') });
    expect(JSON.stringify(res.body)).not.toContain(p.creds.clientSecret);
    expect(res.body.services.map((s: { code: string }) => s.code)).toContain('90');
    // Sandbox with no KARTU_OPERATOR_BUSINESS_IDS: every owner may open the board.
    expect(res.body.queueBoard).toEqual({ path: '/admin/queues', reachable: true });
    // With operators configured, only their owners get the link (the board refuses the others).
    const config = h.kartu.config;
    const before = config.operatorBusinessIds;
    try {
      config.operatorBusinessIds = ['00000000-0000-4000-8000-000000000000'];
      expect((await call('get', '/developers')).body.queueBoard).toBeNull();
      config.operatorBusinessIds = [p.creds.businessId];
      expect((await call('get', '/developers')).body.queueBoard).toEqual({ path: '/admin/queues', reachable: true });
    } finally {
      config.operatorBusinessIds = before;
    }
  });

  it('refuses finance admins and viewers (403xx01) on every route, and changes nothing', async () => {
    const { p } = await owner();
    for (const role of ['finance_admin', 'viewer'] as const) {
      const cookie = await adminSession(h, p.creds.businessId, role);
      const calls = [
        h.http().get('/admin/v1/developers'),
        h.http().post('/admin/v1/developers/client-secret/rotate'),
        h.http().put('/admin/v1/developers/public-key').send({ publicKeyPem: pem(2048) }),
        h.http().patch('/admin/v1/developers/access').send({ rateLimitPerSecond: 5 }),
        h.http().get('/admin/v1/developers/event-types'),
      ];
      for (const req of calls) expectSnap(await req.set('Cookie', cookie), '4030001');
      // The notification key is public: any admin may download it.
      expectSnap(await h.http().get('/admin/v1/notification-public-key').set('Cookie', cookie), '2009700');
    }
    expectSnap(await h.http().get('/admin/v1/developers'), '4010000');
    const [row] = await h.kartu.db.query('SELECT secret_rotated_at, rate_limit_per_second FROM api_clients WHERE client_key = $1', [p.creds.clientKey]);
    expect(row).toEqual({ secret_rotated_at: null, rate_limit_per_second: 100_000 });
  });

  it('rotates the secret: shown once, not cached or kept; the new one signs, the old one only during the overlap; audited', async () => {
    const { p, call } = await owner();
    const old = p.creds.clientSecret;
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}'), '2001100');

    expectSnap(await call('post', '/developers/client-secret/rotate', { overlap: 5 }), '4000001');
    const rotated = await call('post', '/developers/client-secret/rotate');
    expectSnap(rotated, '2000000');
    expect(rotated.headers['cache-control']).toBe('no-store');
    const secret: string = rotated.body.clientSecret;
    expect(secret).not.toBe(old);
    expect(Date.parse(rotated.body.previousSecretValidUntil) - h.clock.now().getTime()).toBe(600_000);
    const [row] = await h.kartu.db.query('SELECT secret_enc FROM api_clients WHERE client_key = $1', [p.creds.clientKey]);
    expect(row.secret_enc).not.toContain(secret);
    expect(h.logs.join('\n')).not.toContain(secret);

    const shown = await call('get', '/developers');
    expect(JSON.stringify(shown.body)).not.toContain(secret);
    expect(shown.body.credentials.previousSecretValidUntil).toBe(rotated.body.previousSecretValidUntil);
    expect(shown.body.credentials.secretRotatedAt).not.toBeNull();

    // Both verify during the overlap; the new one after it, the old one no longer.
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}', { secret }), '2001100');
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}', { secret: old }), '2001100');
    h.clock.advance(601_000);
    await p.token();
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}', { secret }), '2001100');
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}', { secret: old }), '4011100');
    expect((await call('get', '/developers')).body.credentials.previousSecretValidUntil).toBeNull();

    const [entry] = await auditOf(p.creds.businessId, 'api_client.secret_rotated');
    expect(entry.actor_type).toBe('admin');
    expect(entry.actor_id).not.toBeNull();
    expect(JSON.stringify(entry.details)).not.toContain(secret);
  });

  it('replaces the RSA public key after validating it; token requests verify with the new one; audited', async () => {
    const { p, call } = await owner();
    const put = (publicKeyPem: unknown) => call('put', '/developers/public-key', { publicKeyPem });
    for (const bad of ['not a key', pem(1024), pem(0, 'ec'), p.creds.privateKeyPem]) {
      const res = await put(bad);
      expectSnap(res, '4000001');
      expect(res.body.field).toBe('publicKeyPem');
    }
    expect((await put(pem(1024))).body.responseMessage).toContain('at least 2048 bits');
    expect((await put(pem(0, 'ec'))).body.responseMessage).toContain('must be an RSA key');
    expectSnap(await put(42), '4000001');
    expectSnap(await call('put', '/developers/public-key', {}), '4000002');
    const unknown = await call('put', '/developers/public-key', { publicKeyPem: pem(2048), bits: 2048 });
    expectSnap(unknown, '4000001');
    expect(unknown.body.field).toBe('bits');

    const pair = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const newPem = pair.publicKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const res = await put(newPem);
    expectSnap(res, '2000000');
    const der = pair.publicKey.export({ type: 'spki', format: 'der' });
    expect(res.body.publicKey).toEqual({ algorithm: 'RSA', bits: 3072, fingerprintSha256: createHash('sha256').update(der).digest('hex') });
    expect((await call('get', '/developers')).body.credentials.publicKey).toEqual(res.body.publicKey);

    // The old private key no longer gets a token; the new one does.
    expect((await p.tokenRequest().send({ grantType: 'client_credentials' })).body.responseCode).toBe('4017300');
    const timestamp = p.timestamp();
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const token = await p.tokenRequest({ timestamp, signature: signAccessTokenRequest(privatePem, p.creds.clientKey, timestamp) }).send({ grantType: 'client_credentials' });
    expect(token.status, JSON.stringify(token.body)).toBe(200);

    const entries = await auditOf(p.creds.businessId, 'api_client.public_key_replaced');
    expect(entries).toHaveLength(1);
    expect(entries[0].details).toMatchObject({ bits: 3072, fingerprintSha256: res.body.publicKey.fingerprintSha256 });
    expect(entries[0].details.previousFingerprintSha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('sets the IP allowlist and the rate limit, validated, held to from the next call; audited', async () => {
    const { p, call } = await owner();
    const patch = (body: unknown) => call('patch', '/developers/access', body);
    const bad = await patch({ ipAllowlist: ['203.0.113.0/24', '10.0.0.0/33'] });
    expectSnap(bad, '4000001');
    expect(bad.body.field).toBe('ipAllowlist.1');
    for (const body of [{ ipAllowlist: ['nope'] }, { ipAllowlist: ['::1/129'] }, { ipAllowlist: '10.0.0.0/8' }, { rateLimitPerSecond: 0 }, { rateLimitPerSecond: 100_001 }, { rateLimitPerSecond: 1.5 }, { rateLimitPerSecond: '5' }, { rateLimit: 5 }]) {
      expectSnap(await patch(body), '4000001');
    }
    expectSnap(await patch({}), '4000002');
    expect((await h.kartu.db.query("SELECT count(*)::int AS n FROM audit_log WHERE business_id = $1 AND action = 'api_client.access_set'", [p.creds.businessId]))[0].n).toBe(0);

    // Loopback only: this test's calls (from 127.0.0.1 / ::ffff:127.0.0.1) still pass.
    const set = await patch({ ipAllowlist: ['127.0.0.1', '2001:db8::/32'], rateLimitPerSecond: 2 });
    expectSnap(set, '2000000');
    expect(set.body.credentials).toMatchObject({ ipAllowlist: ['127.0.0.1/32', '2001:db8::/32'], rateLimitPerSecond: 2 });
    expect((await call('get', '/developers')).body.credentials.ipAllowlist).toEqual(['127.0.0.1/32', '2001:db8::/32']);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push((await p.call('POST', '/snap/v1.0/balance-inquiry', '{}')).body.responseCode);
    expect(answers).toContain('4291100');

    expectSnap(await patch({ ipAllowlist: ['203.0.113.0/24'], rateLimitPerSecond: null }), '2000000');
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}'), '4011100');
    const open = await patch({ ipAllowlist: [] });
    expect(open.body.credentials).toMatchObject({ ipAllowlist: [], rateLimitPerSecond: null });
    h.clock.advance(2_000);
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}'), '2001100');

    // Another business is untouched by all of it, and its owner sees only its own client.
    const other = await owner();
    await call('post', '/developers/client-secret/rotate');
    const [untouched] = await h.kartu.db.query('SELECT ip_allowlist, rate_limit_per_second, secret_rotated_at FROM api_clients WHERE client_key = $1', [other.p.creds.clientKey]);
    expect(untouched).toEqual({ ip_allowlist: null, rate_limit_per_second: 100_000, secret_rotated_at: null });
    expect((await other.call('get', '/developers')).body.credentials.clientKey).toBe(other.p.creds.clientKey);
    expectSnap(await other.p.call('POST', '/snap/v1.0/balance-inquiry', '{}'), '2001100');

    const entries = await auditOf(p.creds.businessId, 'api_client.access_set');
    expect(entries.map((e: { details: unknown }) => e.details)).toEqual([
      { from: { ipAllowlist: null, rateLimitPerSecond: 100_000 }, to: { ipAllowlist: ['127.0.0.1/32', '2001:db8::/32'], rateLimitPerSecond: 2 } },
      { from: { ipAllowlist: ['127.0.0.1/32', '2001:db8::/32'], rateLimitPerSecond: 2 }, to: { ipAllowlist: ['203.0.113.0/24'], rateLimitPerSecond: null } },
      { from: { ipAllowlist: ['203.0.113.0/24'] }, to: { ipAllowlist: null } },
    ]);
    expect(entries[0].actor_type).toBe('admin');
  });

  it('lists the event catalogue and serves the notification public key', async () => {
    const { call } = await owner();
    const types = await call('get', '/developers/event-types');
    expectSnap(types, '2000000');
    expect(types.body.eventTypes).toContain('authorization.created');
    expect(types.body.wildcards).toContain('card.*');
    const key = await call('get', '/notification-public-key');
    expectSnap(key, '2009700');
    const partnerKey = await h.http().get('/snap/v1.0/notification-public-key');
    expect(key.body.publicKey).toBe(partnerKey.body.publicKey);
    expect(key.body.publicKey).toContain('BEGIN PUBLIC KEY');
  });
});
