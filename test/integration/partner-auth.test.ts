import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rotateClientSecret } from '../../src/modules/access/access.service';
import { formatSnapTimestamp } from '../../src/platform/snap-time';
import { startHarness, TestPartner, type Harness } from '../support/harness';

let h: Harness;
let partner: TestPartner;
const BALANCE = '/snap/v1.0/balance-inquiry';

beforeAll(async () => {
  h = await startHarness();
  partner = await TestPartner.create(h);
});
afterAll(() => h.close());

const externalIdsOf = async (clientKey: string) =>
  Number(
    (await h.kartu.db.query('SELECT count(*) FROM external_ids e JOIN api_clients c ON c.id = e.client_id WHERE c.client_key = $1', [clientKey]))[0].count,
  );

describe('signed partner calls (balance inquiry, service 11)', () => {
  it('answers a correctly signed call with the funding account', async () => {
    const res = await partner.call('POST', BALANCE, '{"partnerReferenceNo":"ref-1"}');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      responseCode: '2001100',
      responseMessage: 'Successful',
      partnerReferenceNo: 'ref-1',
      accountNo: partner.creds.businessId,
      name: 'Acme',
    });
    expect(res.body.accountInfos[0]).toMatchObject({
      ledgerBalance: { value: '0.00', currency: 'IDR' },
      holdAmount: { value: '0.00', currency: 'IDR' },
      availableBalance: { value: '0.00', currency: 'IDR' },
    });
  });

  it('verifies over the raw body as sent: a pretty-printed body signs the same as its minified form', async () => {
    const pretty = '{\n  "partnerReferenceNo" : "ref-2",\n  "balanceTypes": [ "Cash" ]\n}';
    const res = await partner.call('POST', BALANCE, pretty);
    expect(res.body.responseCode).toBe('2001100');
  });

  it('an empty body is signed as the SHA-256 of the empty string', async () => {
    const res = await partner.call('POST', BALANCE, '');
    expect(res.body.responseCode).toBe('2001100');
  });

  it.each(['Authorization', 'X-TIMESTAMP', 'X-SIGNATURE', 'X-PARTNER-ID', 'X-EXTERNAL-ID', 'CHANNEL-ID'])(
    'a missing %s → 4001102 naming it',
    async (header) => {
      const res = await partner.call('POST', BALANCE, '{}', { omit: [header] });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ responseCode: '4001102', responseMessage: `Invalid Mandatory Field ${header}`, field: header });
    },
  );

  it('malformed headers → 4001101', async () => {
    expect((await partner.call('POST', BALANCE, '{}', { timestamp: '2026-11-21 10:00:00' })).body.responseCode).toBe('4001101');
    expect((await partner.call('POST', BALANCE, '{}', { externalId: 'x'.repeat(37) })).body.responseCode).toBe('4001101');
    expect((await partner.call('POST', BALANCE, '{}', { headers: { 'CHANNEL-ID': '123456' } })).body.responseCode).toBe('4001101');
  });

  it('an unknown, malformed or expired token → 4011101', async () => {
    expect((await partner.call('POST', BALANCE, '{}', { token: 'not-a-token' })).body).toEqual({ responseCode: '4011101', responseMessage: 'Invalid Token (B2B)' });
    expect((await partner.call('POST', BALANCE, '{}', { headers: { Authorization: 'Basic abc' } })).body.responseCode).toBe('4011101');
    const token = await partner.token();
    h.clock.advance(901_000);
    try {
      const expired = await partner.call('POST', BALANCE, '{}', { token });
      expect(expired.status).toBe(401);
      expect(expired.body.responseCode).toBe('4011101');
    } finally {
      h.clock.advance(-901_000);
    }
  });

  it('a wrong signature, tampered body, wrong secret or signed path → 4011100, and no X-EXTERNAL-ID is consumed', async () => {
    const before = await externalIdsOf(partner.creds.clientKey);
    const tampered = await partner.call('POST', BALANCE, '{"partnerReferenceNo":"ref-3"}', { signedBody: '{"partnerReferenceNo":"ref-4"}' });
    expect(tampered.status).toBe(401);
    expect(tampered.body).toEqual({ responseCode: '4011100', responseMessage: 'Unauthorized. Invalid signature' });
    expect((await partner.call('POST', BALANCE, '{}', { secret: 'wrong-secret' })).body.responseCode).toBe('4011100');
    expect((await partner.call('POST', BALANCE, '{}', { signature: 'AAAA' })).body.responseCode).toBe('4011100');
    expect(await externalIdsOf(partner.creds.clientKey)).toBe(before);
  });

  it('X-PARTNER-ID of another client → 4011100', async () => {
    const other = await TestPartner.create(h, { name: 'Other' });
    const res = await partner.call('POST', BALANCE, '{}', { partnerId: other.creds.partnerId });
    expect(res.body).toMatchObject({ responseCode: '4011100' });
    expect(res.body.responseMessage).toContain('X-PARTNER-ID');
  });

  it('a timestamp more than 5 minutes off, either way → 4011100', async () => {
    const now = h.clock.now().getTime();
    for (const offset of [-301_000, 301_000]) {
      const res = await partner.call('POST', BALANCE, '{}', { timestamp: formatSnapTimestamp(new Date(now + offset)) });
      expect(res.status).toBe(401);
      expect(res.body.responseCode).toBe('4011100');
    }
    const edge = await partner.call('POST', BALANCE, '{}', { timestamp: formatSnapTimestamp(new Date(now - 299_000)) });
    expect(edge.body.responseCode).toBe('2001100');
  });

  it('unknown fields and wrong types → 4001101 naming the field; malformed JSON → 4001100', async () => {
    const unknown = await partner.call('POST', BALANCE, '{"accountNo":"1","foo":1}');
    expect(unknown.body.responseCode).toBe('4001101');
    expect(unknown.body.responseMessage).toContain('foo');
    const wrongType = await partner.call('POST', BALANCE, '{"balanceTypes":"Cash"}');
    expect(wrongType.body.responseCode).toBe('4001101');
    expect(wrongType.body.responseMessage).toContain('balanceTypes');
    const malformed = await partner.call('POST', BALANCE, '{"accountNo":');
    expect(malformed.status).toBe(400);
    expect(malformed.body.responseCode).toBe('4001100');
  });
});

describe('X-EXTERNAL-ID replay protection', () => {
  it('the same X-EXTERNAL-ID twice the same Jakarta day: the same request is answered as the first was, another → 4091100', async () => {
    const first = await partner.call('POST', BALANCE, '{}', { externalId: 'replay-1' });
    expect(first.body.responseCode).toBe('2001100');
    const again = await partner.call('POST', BALANCE, '{}', { externalId: 'replay-1' });
    expect([again.status, again.headers['x-idempotent-replay'], again.body]).toEqual([200, 'true', first.body]);
    const other = await partner.call('POST', BALANCE, '{"additionalInfo":{}}', { externalId: 'replay-1' });
    expect(other.status).toBe(409);
    expect(other.body.responseCode).toBe('4091100');
  });

  it('concurrent duplicates: exactly one succeeds', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => partner.call('POST', BALANCE, '{}', { externalId: 'race-1' })));
    // The rest are refused while the first is in flight (4091100) or, once it has answered, get its answer replayed.
    const performed = results.filter((r) => r.body.responseCode === '2001100' && r.headers['x-idempotent-replay'] === undefined);
    expect(performed).toHaveLength(1);
    for (const r of results) if (r !== performed[0]) expect(r.body.responseCode === '4091100' || r.headers['x-idempotent-replay'] === 'true').toBe(true);
  });

  it('is per partner, and free again on the next Jakarta calendar day', async () => {
    const other = await TestPartner.create(h, { name: 'Third' });
    // 23:59 in Jakarta is 16:59 UTC.
    const base = h.clock.now();
    try {
      h.clock.set(new Date(Date.UTC(2026, 10, 21, 16, 59, 0)));
      await partner.token();
      await other.token();
      expect((await partner.call('POST', BALANCE, '{}', { externalId: 'daily-1' })).body.responseCode).toBe('2001100');
      expect((await other.call('POST', BALANCE, '{}', { externalId: 'daily-1' })).body.responseCode).toBe('2001100');
      h.clock.set(new Date(Date.UTC(2026, 10, 21, 17, 0, 30)));
      expect((await partner.call('POST', BALANCE, '{}', { externalId: 'daily-1' })).body.responseCode).toBe('2001100');
    } finally {
      h.clock.set(base);
      await partner.token();
    }
  });
});

describe('client secret rotation', () => {
  it('the previous secret keeps verifying during the overlap, and not after', async () => {
    const p = await TestPartner.create(h, { name: 'Rotating' });
    const oldSecret = p.creds.clientSecret;
    const rotated = await rotateClientSecret(h.kartu, p.creds.businessId, 600);
    expect(rotated.clientSecret).not.toBe(oldSecret);
    expect((await p.call('POST', BALANCE, '{}', { secret: rotated.clientSecret })).body.responseCode).toBe('2001100');
    expect((await p.call('POST', BALANCE, '{}', { secret: oldSecret })).body.responseCode).toBe('2001100');
    const base = h.clock.now();
    try {
      h.clock.advance(601_000);
      await p.token();
      expect((await p.call('POST', BALANCE, '{}', { secret: oldSecret })).body.responseCode).toBe('4011100');
      expect((await p.call('POST', BALANCE, '{}', { secret: rotated.clientSecret })).body.responseCode).toBe('2001100');
    } finally {
      h.clock.set(base);
    }
    const audit = await h.kartu.db.query("SELECT action FROM audit_log WHERE business_id = $1 AND action = 'api_client.secret_rotated'", [p.creds.businessId]);
    expect(audit).toHaveLength(1);
  });
});

describe('IP allowlist and rate limits', () => {
  it('a client with an allowlist is refused from other addresses (token and calls) → 401', async () => {
    const listed = await TestPartner.create(h, { name: 'Listed', ipAllowlist: ['10.1.2.0/24'] });
    const token = await listed.tokenRequest().send({ grantType: 'client_credentials' });
    expect(token.body).toEqual({ responseCode: '4017300', responseMessage: 'Unauthorized. IP address not allowed' });
    const local = await TestPartner.create(h, { name: 'Local', ipAllowlist: ['127.0.0.1', '::1/128'] });
    expect((await local.call('POST', BALANCE, '{}')).body.responseCode).toBe('2001100');
  });

  it('past the per-client limit → 4291100 with Retry-After, counted in Redis', async () => {
    const limited = await TestPartner.create(h, { name: 'Limited', rateLimitPerSecond: 3 });
    await limited.token();
    const results = await Promise.all(Array.from({ length: 8 }, () => limited.call('POST', BALANCE, '{}')));
    const codes = results.map((r) => r.body.responseCode);
    expect(codes.filter((c) => c === '4291100').length).toBeGreaterThanOrEqual(5);
    const throttled = results.find((r) => r.status === 429)!;
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const keys = await h.kartu.redis!.keys(`${h.kartu.config.redisPrefix}:rl:*`);
    expect(keys.length).toBeGreaterThan(0);
  });
});

describe('secrets at rest and in logs', () => {
  it('no table holds the client secret or a token in clear, and no log line does', async () => {
    const p = await TestPartner.create(h, { name: 'Secretive' });
    const token = await p.token();
    await p.call('POST', BALANCE, '{}');
    const tables: Array<{ tablename: string }> = await h.kartu.db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    for (const { tablename } of tables) {
      const dump = JSON.stringify(await h.kartu.db.query(`SELECT row_to_json(t) AS r FROM "${tablename}" t`));
      expect(dump, tablename).not.toContain(p.creds.clientSecret);
      expect(dump, tablename).not.toContain(token);
    }
    const logs = h.logs.join('\n');
    expect(logs).not.toContain(p.creds.clientSecret);
    expect(logs).not.toContain(token);
    expect(logs).toContain('"responseCode":"2001100"');
  });
});
