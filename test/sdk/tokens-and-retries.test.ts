import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingFetch, sdkPartner, startSdkServer, type SdkServer } from './sdk-server';

/** The SDK's token cache and retries, against a running Kartu; faults are injected in the fetch it is given. */
let s: SdkServer;
type Entry = { method: string; path: string; status?: number; externalId?: string };
const TOKEN = '/snap/v1.0/access-token/b2b';
const tokenRequests = (log: Entry[]) => log.filter((e) => e.path === TOKEN).length;

beforeAll(async () => {
  // Short-lived tokens: a partner clock that stands still while Kartu's moves past the expiry stays within the skew.
  s = await startSdkServer({ KARTU_TOKEN_TTL_SECONDS: '60' });
});
afterAll(() => s?.close());

async function holder(kartu: Awaited<ReturnType<typeof sdkPartner>>['kartu']): Promise<string> {
  return (await kartu.cardholders.create({ name: 'Siti', email: `siti.${randomUUID().slice(0, 8)}@example.com` })).cardholder.id;
}

describe('SDK access tokens', () => {
  it('one token serves many calls', async () => {
    const log: Entry[] = [];
    const { kartu } = await sdkPartner(s, { fetch: recordingFetch(log) });
    await Promise.all([kartu.balance.inquiry(), kartu.balance.inquiry(), kartu.cards.list()]);
    await kartu.balance.inquiry();
    expect(tokenRequests(log)).toBe(1);
    expect(log.filter((e) => e.path !== TOKEN).map((e) => e.status)).toEqual([200, 200, 200, 200]);
  });

  it('is fetched again before it expires (expiresIn minus the margin), without a refused call', async () => {
    const log: Entry[] = [];
    const { kartu } = await sdkPartner(s, { fetch: recordingFetch(log), tokenRefreshMarginSeconds: 20 });
    await kartu.balance.inquiry();
    s.h.clock.advance((s.h.kartu.config.tokenTtlSeconds - 19) * 1000);
    await kartu.balance.inquiry();
    expect(log.map((e) => [e.path, e.status])).toEqual([
      [TOKEN, 200],
      ['/snap/v1.0/balance-inquiry', 200],
      [TOKEN, 200],
      ['/snap/v1.0/balance-inquiry', 200],
    ]);
  });

  it('is fetched again once when Kartu answers 401xx01 (here: the partner clock stood still while the token expired at Kartu)', async () => {
    const log: Entry[] = [];
    const partnerNow = s.h.clock.now();
    const { kartu } = await sdkPartner(s, { fetch: recordingFetch(log), now: () => partnerNow });
    await kartu.balance.inquiry();
    s.h.clock.advance((s.h.kartu.config.tokenTtlSeconds + 5) * 1000);
    const answer = await kartu.balance.inquiry();
    expect(answer.responseCode).toBe('2001100');
    expect(log.map((e) => [e.path, e.status])).toEqual([
      [TOKEN, 200],
      ['/snap/v1.0/balance-inquiry', 200],
      ['/snap/v1.0/balance-inquiry', 401],
      [TOKEN, 200],
      ['/snap/v1.0/balance-inquiry', 200],
    ]);
    // The refused call was not processed: it goes again under a new id.
    expect(log[2]!.externalId).not.toBe(log[4]!.externalId);
  });
});

describe('SDK retries', () => {
  it('a write whose first attempt never reached Kartu is sent again with the same X-EXTERNAL-ID and body: one card', async () => {
    const log: Entry[] = [];
    const bodies: string[] = [];
    let dropped = false;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/snap/v1.0/cards') && init?.method === 'POST') {
        bodies.push(String(init.body));
        if (!dropped) {
          dropped = true;
          throw new TypeError('fetch failed', { cause: new Error('connect ECONNRESET') });
        }
      }
      return fetch(input, init);
    };
    const { kartu, creds } = await sdkPartner(s, { fetch: recordingFetch(log, flaky) });
    const partnerReferenceNo = `sdk-${randomUUID().slice(0, 12)}`;
    const card = await kartu.cards.issue({ partnerReferenceNo, cardholderId: await holder(kartu), type: 'VIRTUAL' });
    const attempts = log.filter((e) => e.path === '/snap/v1.0/cards');
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.externalId).toBe(attempts[1]!.externalId);
    expect(bodies[0]).toBe(bodies[1]);
    const rows = await s.h.kartu.db.query('SELECT id FROM cards WHERE business_id = $1 AND partner_reference_no = $2', [creds.businessId, partnerReferenceNo]);
    expect(rows).toEqual([{ id: card.card.id }]);
  });

  it('a 503 is retried after its Retry-After with the same X-EXTERNAL-ID; a 4xx is not retried', async () => {
    const log: Entry[] = [];
    let refused = false;
    const unavailableOnce: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/balance-inquiry') && !refused) {
        refused = true;
        return new Response(JSON.stringify({ responseCode: '5031100', responseMessage: 'Service Unavailable' }), { status: 503, headers: { 'Retry-After': '0', 'Content-Type': 'application/json' } });
      }
      return fetch(input, init);
    };
    const { kartu } = await sdkPartner(s, { fetch: recordingFetch(log, unavailableOnce) });
    expect((await kartu.balance.inquiry()).responseCode).toBe('2001100');
    const inquiries = log.filter((e) => e.path === '/snap/v1.0/balance-inquiry');
    expect(inquiries.map((e) => e.status)).toEqual([503, 200]);
    expect(inquiries[0]!.externalId).toBe(inquiries[1]!.externalId);

    log.length = 0;
    await expect(kartu.cards.get(randomUUID())).rejects.toMatchObject({ status: 404 });
    expect(log.filter((e) => e.path !== TOKEN)).toHaveLength(1);
  });

  it('an X-EXTERNAL-ID of the caller is sent as given, and refused before sending when longer than 36 printable characters', async () => {
    const log: Entry[] = [];
    const { kartu } = await sdkPartner(s, { fetch: recordingFetch(log) });
    await kartu.request('POST', '/snap/v1.0/balance-inquiry', {}, { externalId: 'partner-42' });
    expect(log.at(-1)!.externalId).toBe('partner-42');
    await expect(kartu.request('POST', '/snap/v1.0/balance-inquiry', {}, { externalId: 'x'.repeat(37) })).rejects.toThrow(TypeError);
    await expect(kartu.request('POST', '/snap/v1.0/balance-inquiry', {}, { externalId: 'with space' })).rejects.toThrow(TypeError);
    expect(log.filter((e) => e.path === '/snap/v1.0/balance-inquiry')).toHaveLength(1);
  });

  it('gives up after `retries` and throws the last answer', async () => {
    const log: Entry[] = [];
    const alwaysUnavailable: typeof fetch = async (input, init) =>
      String(input).endsWith('/balance-inquiry')
        ? new Response(JSON.stringify({ responseCode: '5031100', responseMessage: 'Service Unavailable' }), { status: 503, headers: { 'X-Request-Id': 'req-1' } })
        : fetch(input, init);
    const { kartu } = await sdkPartner(s, { fetch: recordingFetch(log, alwaysUnavailable), retries: 3 });
    await expect(kartu.balance.inquiry()).rejects.toMatchObject({ name: 'KartuApiError', status: 503, responseCode: '5031100', requestId: 'req-1' });
    expect(log.filter((e) => e.path === '/snap/v1.0/balance-inquiry')).toHaveLength(4);
  });
});
