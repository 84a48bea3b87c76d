import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { authorizationResponse } from '../../src/modules/authorizations/authorizations.schemas';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { expireHolds } from '../../src/modules/authorizations/authorizations.service';
import { networkSignature } from '../../src/modules/authorizations/network-auth';
import { setOverdraftLimit } from '../../src/modules/ledger/ledger.service';
import { inTransaction } from '../../src/platform/db';
import { snapAmount } from '../../src/platform/money';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkLedgerInvariants, checkAuthorizationInvariants } from '../support/invariants';
import { authorizationBody as authBody, balances, business as businessFixture, expectSnap, fund, issueCard, MERCHANT, nid, type Biz, type IssuedCard } from '../support/partner-fixtures';

/**
 * The network API (API.md §3) end to end: a business funded through the sandbox, cardholders and
 * cards issued and revealed over SNAP, and a card network calling /network/v1 with HMAC-signed
 * authorizations, reversals, clearings and refunds — against a real PostgreSQL. After every test the
 * ledger invariants are checked against the whole database.
 */

let h: Harness;
let net: TestNetwork;
/** Every card number revealed in this file: none may end up in the database, the outbox or the logs. */
const allNumbers: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
});
afterAll(() => h.close());
afterEach(async () => {
  await checkLedgerInvariants(h.kartu.db.manager);
  await checkAuthorizationInvariants(h.kartu.db.manager);
});

// ---- helpers ----------------------------------------------------------------------------------

type Res = Awaited<ReturnType<TestNetwork['send']>>;






const business = (funding = 1_000_000n) => businessFixture(h, funding);
type TestCard = IssuedCard;

/** Issues and reveals a card, and remembers its number for the "no PAN anywhere" checks. */
async function newCard(b: Biz, o: { type?: string; spendControls?: unknown; shipping?: unknown } = {}): Promise<TestCard> {
  const card = await issueCard(b, o);
  allNumbers.push(card.number);
  return card;
}

const idr = (value: string) => ({ value, currency: 'IDR' });
/** A daily limit of `minor` IDR minor units. */
const dailyLimit = (minor: number, categories?: string[]) => ({ spendingLimits: [{ amount: snapAmount(BigInt(minor), 'IDR'), interval: 'daily', ...(categories ? { categories } : {}) }] });


type AuthAnswer = z.infer<typeof authorizationResponse>;

/** Sends a signed authorization and expects an answer (HTTP 200). */
async function authorize(body: ReturnType<typeof authBody> | Record<string, unknown>): Promise<AuthAnswer> {
  const res = await net.send('/authorizations', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

async function expectCode(body: ReturnType<typeof authBody>, code: string, reason?: RegExp): Promise<AuthAnswer> {
  const a = await authorize(body);
  expect(a.responseCode, JSON.stringify(a)).toBe(code);
  expect(a.id).toBe(body.id);
  if (code === '00' || code === '10') {
    expect(a.decision).toBe(code === '00' ? 'approved' : 'partial');
    expect(a.authorizationCode).toMatch(/^[0-9A-F]{6}$/);
  } else {
    expect(a.decision).toBe('declined');
    expect(a.approvedAmount).toBe(0);
    expect(a.authorizationCode).toBeNull();
  }
  if (reason) expect(a.reason).toMatch(reason);
  return a;
}

const send = (path: string, body: Record<string, unknown>) => net.send(path, body);

async function accepted(path: string, body: Record<string, unknown>) {
  const res = await send(path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.status).toBe('accepted');
  expect(res.body.id).toBe(body.id);
  return res.body as { id: string; status: 'accepted'; authorizationId: string | null; amount: number; transferId: string | null };
}


const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => h.kartu.db.query(sql, params);

async function authorizationRow(messageId: string, networkId = net.networkId) {
  const rows = await q<Record<string, unknown>>(
    `SELECT a.*, a.approved_amount::text AS approved, t.open_amount::text AS open, t.amount::text AS held, t.expires_at
       FROM authorizations a LEFT JOIN ledger_transfers t ON t.id = a.hold_id
      WHERE a.network_id = $1 AND a.network_message_id = $2`,
    [networkId, messageId],
  );
  expect(rows.length).toBeLessThanOrEqual(1);
  return rows[0];
}

const countAuthorizations = async (messageId: string) =>
  Number((await q<{ n: string }>('SELECT count(*) AS n FROM authorizations WHERE network_id = $1 AND network_message_id = $2', [net.networkId, messageId]))[0]!.n);

async function cardStatus(b: Biz, cardId: string): Promise<string> {
  const res = await b.partner.call('GET', `/snap/v1.0/cards/${cardId}`);
  expectSnap(res, '2009100');
  return res.body.card.status;
}

/** Moves the shared manual clock; partner tokens are re-issued at the new time. */
function setClock(b: Biz[], to: Date): void {
  h.clock.set(to);
  for (const x of b) x.partner.accessToken = undefined;
}

async function transfersByReference(reference: string) {
  return q<{ kind: string; amount: string; pending: boolean }>('SELECT kind, amount::text, pending FROM ledger_transfers WHERE reference = $1 ORDER BY created_at, kind', [reference]);
}

/** A Luhn-valid 16-digit number under the sandbox BIN that no card has. */
function unknownNumber(): string {
  for (;;) {
    const body = `400000${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
    let sum = 0;
    for (let i = 0; i < 15; i++) {
      let d = Number(body[14 - i]);
      if (i % 2 === 0) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    const n = body + String((10 - (sum % 10)) % 10);
    if (!allNumbers.includes(n)) return n;
  }
}

// ---- signatures ---------------------------------------------------------------------------------

describe('signatures', () => {
  let b: Biz;
  let card: TestCard;
  beforeAll(async () => {
    b = await business();
    card = await newCard(b);
  });

  function raw(path: string, rawBody: string, headers: Record<string, string>) {
    let r = h.http().post(`/network/v1${path}`).set('Content-Type', 'application/json');
    for (const [k, v] of Object.entries(headers)) r = r.set(k, v);
    return r.send(rawBody);
  }
  function signed(rawBody: string, o: { timestamp?: string; networkId?: string; secret?: string } = {}) {
    const timestamp = o.timestamp ?? h.clock.now().toISOString();
    return { 'X-Network-Id': o.networkId ?? net.networkId, 'X-Timestamp': timestamp, 'X-Signature': networkSignature(o.secret ?? net.secret, timestamp, rawBody) };
  }
  async function refused(res: Res, status: number, code: string, messageId: string, message?: RegExp) {
    expect(res.status, JSON.stringify(res.body)).toBe(status);
    expect(res.body.responseCode).toBe(code);
    if (message) expect(res.body.responseMessage).toMatch(message);
    expect(await countAuthorizations(messageId)).toBe(0);
  }

  it('a correctly signed call is answered', async () => {
    const body = authBody(card);
    const res = await raw('/authorizations', JSON.stringify(body), signed(JSON.stringify(body)));
    expect(res.status).toBe(200);
    expect(res.body.responseCode).toBe('00');
  });

  it.each(['X-Network-Id', 'X-Timestamp', 'X-Signature'])('a missing %s → 400 4000002 naming it, nothing recorded', async (header) => {
    const body = authBody(card);
    const headers = signed(JSON.stringify(body)) as Record<string, string>;
    delete headers[header];
    await refused(await raw('/authorizations', JSON.stringify(body), headers), 400, '4000002', body.id, new RegExp(header));
  });

  it('an X-Timestamp that is not ISO-8601 with a zone → 400 4000001', async () => {
    for (const timestamp of ['yesterday', String(Math.floor(h.clock.now().getTime() / 1000)), h.clock.now().toISOString().slice(0, 19)]) {
      const body = authBody(card);
      await refused(await raw('/authorizations', JSON.stringify(body), signed(JSON.stringify(body), { timestamp })), 400, '4000001', body.id, /X-Timestamp/);
    }
  });

  it('a bad signature → 401 4010000', async () => {
    const body = authBody(card);
    const headers = { ...signed(JSON.stringify(body)), 'X-Signature': randomBytes(32).toString('base64') };
    await refused(await raw('/authorizations', JSON.stringify(body), headers), 401, '4010000', body.id);
    // The right signature in hex instead of base64 is a wrong signature too.
    const ts = h.clock.now().toISOString();
    const hex = Buffer.from(networkSignature(net.secret, ts, JSON.stringify(body)), 'base64').toString('hex');
    await refused(await raw('/authorizations', JSON.stringify(body), { ...signed(JSON.stringify(body), { timestamp: ts }), 'X-Signature': hex }), 401, '4010000', body.id);
  });

  it('an unknown network (a random UUID, or not a UUID) → 401, answered as a bad signature is', async () => {
    const body = authBody(card);
    const badSig = await raw('/authorizations', JSON.stringify(body), { ...signed(JSON.stringify(body)), 'X-Signature': randomBytes(32).toString('base64') });
    for (const networkId of [randomUUID(), 'visa']) {
      const res = await raw('/authorizations', JSON.stringify(body), signed(JSON.stringify(body), { networkId }));
      await refused(res, 401, '4010000', body.id);
      expect(res.body.responseMessage).toBe(badSig.body.responseMessage);
    }
  });

  it("another network's secret does not sign for this network", async () => {
    const other = await TestNetwork.create(h);
    const body = authBody(card);
    await refused(await raw('/authorizations', JSON.stringify(body), signed(JSON.stringify(body), { secret: other.secret })), 401, '4010000', body.id);
  });

  it('a timestamp more than 5 minutes off either way → 401; just inside the window is fine', async () => {
    const now = h.clock.now().getTime();
    for (const offset of [-301_000, 301_000, -3600_000]) {
      const body = authBody(card);
      const res = await net.send('/authorizations', body, { timestamp: new Date(now + offset).toISOString() });
      await refused(res, 401, '4010000', body.id, /X-Timestamp/);
    }
    for (const offset of [-299_000, 299_000]) {
      const body = authBody(card);
      const res = await net.send('/authorizations', body, { timestamp: new Date(now + offset).toISOString() });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    // Another zone designator for the same instant.
    const body = authBody(card);
    const jakarta = new Date(now + 7 * 3600_000).toISOString().slice(0, 19) + '+07:00';
    expect((await net.send('/authorizations', body, { timestamp: jakarta })).status).toBe(200);
  });

  it('a tampered body (signed one thing, sent another; or re-formatted) → 401 and nothing recorded', async () => {
    const body = authBody(card);
    const timestamp = h.clock.now().toISOString();
    const signature = networkSignature(net.secret, timestamp, JSON.stringify(body));
    const tampered = JSON.stringify({ ...body, amount: 1 });
    await refused(await net.send('/authorizations', body, { timestamp, signature, rawBody: tampered }), 401, '4010000', body.id);
    await refused(await net.send('/authorizations', body, { timestamp, signature, rawBody: JSON.stringify(body, null, 2) }), 401, '4010000', body.id);
    // A signature over another timestamp.
    await refused(await net.send('/authorizations', body, { timestamp: new Date(Date.parse(timestamp) + 1000).toISOString(), signature }), 401, '4010000', body.id);
  });

  it('reversals, clearings and refunds are guarded alike', async () => {
    for (const path of ['/reversals', '/clearings', '/refunds']) {
      const body = { id: nid('x'), authorizationId: 'nope', amount: 1, currency: 'IDR' };
      const res = await net.send(path, body, { signature: randomBytes(32).toString('base64') });
      expect(res.status, path).toBe(401);
      expect(res.body.responseCode).toBe('4010000');
    }
  });
});

// ---- validation ----------------------------------------------------------------------------------

describe('strict body validation: 400 naming the field, never a 500', () => {
  let card: TestCard;
  beforeAll(async () => {
    card = await newCard(await business());
  });

  type Mutation = [string, string, string, (b: Record<string, any>) => void];
  const cases: Mutation[] = [
    ['no amount', '4000002', 'amount', (b) => delete b.amount],
    ['no id', '4000002', 'id', (b) => delete b.id],
    ['no card', '4000002', 'card', (b) => delete b.card],
    ['no card number', '4000002', 'card.number', (b) => delete b.card.number],
    ['no currency', '4000002', 'currency', (b) => delete b.currency],
    ['no merchant mcc', '4000002', 'merchant.mcc', (b) => delete b.merchant.mcc],
    ['an unknown field', '4000001', 'tip', (b) => (b.tip = 5)],
    ['an unknown merchant field', '4000001', 'merchant.owner', (b) => (b.merchant.owner = 'x')],
    ['an unknown card field', '4000001', 'card.pin', (b) => (b.card.pin = '1234')],
    ['an unknown pos field', '4000001', 'pos.terminal', (b) => (b.pos.terminal = 'T1')],
    ['amount as a string', '4000001', 'amount', (b) => (b.amount = '10000')],
    ['amount 0', '4000001', 'amount', (b) => (b.amount = 0)],
    ['a negative amount', '4000001', 'amount', (b) => (b.amount = -100)],
    ['a fractional amount', '4000001', 'amount', (b) => (b.amount = 100.5)],
    ['an amount beyond 10^15', '4000001', 'amount', (b) => (b.amount = 1e16)],
    ['amount null', '4000001', 'amount', (b) => (b.amount = null)],
    ['an unknown currency', '4000001', 'currency', (b) => (b.currency = 'XYZ')],
    ['a card number with dashes', '4000001', 'card.number', (b) => (b.card.number = '4000-0000-0000-0000')],
    ['a card number as a number', '4000001', 'card.number', (b) => (b.card.number = 4000000000000002)],
    ['month 13 in the expiry', '4000001', 'card.expiry', (b) => (b.card.expiry = '1330')],
    ['a 2-digit cvv', '4000001', 'card.cvv', (b) => (b.card.cvv = '12')],
    ['a 3-digit mcc', '4000001', 'merchant.mcc', (b) => (b.merchant.mcc = '581')],
    ['a lower-case country', '4000001', 'merchant.country', (b) => (b.merchant.country = 'id')],
    ['partialAllowed as a string', '4000001', 'partialAllowed', (b) => (b.partialAllowed = 'yes')],
    ['an unknown entry mode', '4000001', 'pos.entryMode', (b) => (b.pos.entryMode = 'telepathy')],
    ['an empty id', '4000001', 'id', (b) => (b.id = '')],
    ['an id of 65 characters', '4000001', 'id', (b) => (b.id = 'x'.repeat(65))],
    ['originalId as a number', '4000001', 'originalId', (b) => (b.originalId = 5)],
    ['merchant as a string', '4000001', 'merchant', (b) => (b.merchant = 'Kopi')],
  ];

  it.each(cases)('%s → %s naming %s; nothing recorded', async (_name, code, field, mutate) => {
    const body: Record<string, any> = structuredClone(authBody(card));
    const id = typeof body.id === 'string' ? body.id : '';
    mutate(body);
    const res = await send('/authorizations', body);
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.responseCode).toBe(code);
    expect(res.body.responseMessage).toContain(field);
    if (id) expect(await countAuthorizations(id)).toBe(0);
  });

  it('bodies that are not objects, empty or malformed JSON → 400', async () => {
    for (const rawBody of ['[]', '"x"', '42', 'null', '{}', '{"id":', '']) {
      const res = await net.send('/authorizations', undefined, { rawBody });
      expect(res.status, `${rawBody} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.responseCode).toMatch(/^40000\d\d$/);
    }
  });

  it('reversals, clearings and refunds validate alike', async () => {
    const checks: Array<[string, Record<string, unknown>, string, string]> = [
      ['/reversals', { id: nid('r'), authorizationId: 'a', amount: 0 }, '4000001', 'amount'],
      ['/reversals', { id: nid('r') }, '4000002', 'authorizationId'],
      ['/reversals', { id: nid('r'), authorizationId: 'a', reason: 'x' }, '4000001', 'reason'],
      ['/clearings', { id: nid('c'), authorizationId: 'a', amount: 1 }, '4000002', 'currency'],
      ['/clearings', { id: nid('c'), authorizationId: 'a', amount: '1', currency: 'IDR' }, '4000001', 'amount'],
      ['/clearings', { id: nid('c'), card: { number: 'x' }, amount: 1, currency: 'IDR' }, '4000001', 'card.number'],
      ['/refunds', { id: nid('f'), card: { number: card.number }, amount: 1, currency: 'IDR' }, '4000002', 'merchant'],
      ['/refunds', { id: nid('f'), card: { number: card.number }, amount: -1, currency: 'IDR', merchant: MERCHANT }, '4000001', 'amount'],
      ['/refunds', { id: nid('f'), card: { number: card.number }, amount: 1, currency: 'IDR', merchant: { ...MERCHANT, mcc: 'food' } }, '4000001', 'merchant.mcc'],
    ];
    for (const [path, body, code, field] of checks) {
      const res = await send(path, body);
      const kind = { '/reversals': 'reversal', '/clearings': 'clearing', '/refunds': 'refund' }[path];
      expect(await q('SELECT 1 FROM network_messages WHERE network_id = $1 AND kind = $2 AND message_id = $3', [net.networkId, kind, body.id])).toEqual([]);
      expect(res.status, `${path} ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.responseCode).toBe(code);
      expect(res.body.responseMessage).toContain(field);
    }
  });

  it('property: any value at any field is answered 200 or 400, never 500', async () => {
    const paths = ['id', 'amount', 'currency', 'partialAllowed', 'originalId', 'card', 'card.number', 'card.expiry', 'card.cvv', 'merchant', 'merchant.id', 'merchant.mcc', 'merchant.country', 'merchant.name', 'pos', 'pos.entryMode', 'newField'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...paths), fc.anything({ maxDepth: 2, withBigInt: false }), async (path, value) => {
        const body: Record<string, any> = structuredClone(authBody(card, { amount: 1 }));
        const keys = path.split('.');
        let target = body;
        for (const key of keys.slice(0, -1)) target = target[key];
        target[keys.at(-1)!] = value;
        const rawBody = JSON.stringify(body);
        const res = await net.send('/authorizations', undefined, { rawBody });
        expect([200, 400], `${rawBody} → ${res.status} ${JSON.stringify(res.body)}`).toContain(res.status);
        expect(typeof res.body.responseCode).toBe('string');
      }),
      { numRuns: 60 },
    );
  });
});

// ---- every response code ------------------------------------------------------------------------

describe('response codes over HTTP', () => {
  it('00: approved — the hold is placed, the answer echoes the id, the decision is recorded with its facts and latency', async () => {
    const b = await business(1_000_000n);
    const card = await newCard(b);
    const body = authBody(card, { amount: 150_000 });
    const a = await expectCode(body, '00', /approved/);
    expect(a.approvedAmount).toBe(150_000);
    expect(a.authorizationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 150_000n, available: 850_000n });
    const row = (await authorizationRow(body.id))!;
    expect(row).toMatchObject({ id: a.authorizationId, card_id: card.id, business_id: b.businessId, decision: 'approved', response_code: '00', status: 'pending', approved: '150000', open: '150000' });
    expect(row.latency_us).toEqual(expect.any(Number));
    expect(row.latency_us as number).toBeGreaterThanOrEqual(0);
    expect(row.facts).toMatchObject({ cardFound: true, available: '1000000', merchantGroups: expect.arrayContaining(['restaurants', 'fast_food']), policy: { transaction: { amount: 150_000 } } });
    expect(row.merchant).toEqual(MERCHANT);
  });

  it('10: partial by funds — only with partialAllowed; the hold is what the account had', async () => {
    const b = await business(100_000n);
    const card = await newCard(b);
    await expectCode(authBody(card, { amount: 150_000 }), '51');
    const a = await expectCode(authBody(card, { amount: 150_000, partialAllowed: true }), '10', /funds/);
    expect(a.approvedAmount).toBe(100_000);
    expect(await balances(b)).toEqual({ ledger: 100_000n, hold: 100_000n, available: 0n });
    // Nothing left: even a partial is declined.
    await expectCode(authBody(card, { amount: 1, partialAllowed: true }), '51');
  });

  it('10: partial by limit — per authorization and what is left of a daily limit', async () => {
    const b = await business();
    const perAuth = await newCard(b, { spendControls: { spendingLimits: [{ amount: idr('500.00'), interval: 'per_authorization' }] } });
    await expectCode(authBody(perAuth, { amount: 80_000 }), '61');
    expect((await expectCode(authBody(perAuth, { amount: 80_000, partialAllowed: true }), '10', /limit/)).approvedAmount).toBe(50_000);

    const daily = await newCard(b, { spendControls: dailyLimit(100_000) });
    await expectCode(authBody(daily, { amount: 70_000 }), '00');
    expect((await expectCode(authBody(daily, { amount: 50_000, partialAllowed: true }), '10', /limit/)).approvedAmount).toBe(30_000);
    await expectCode(authBody(daily, { amount: 1, partialAllowed: true }), '61');
    expect(await balances(b)).toMatchObject({ hold: 150_000n });
  });

  it('05: a currency other than the card’s', async () => {
    const b = await business();
    const card = await newCard(b);
    await expectCode(authBody(card, { currency: 'USD' }), '05', /no exchange rate USD\/IDR/);
    expect(await balances(b)).toMatchObject({ hold: 0n });
  });

  it('14: an unknown card number — recorded without a card, no hold, no event', async () => {
    const body = authBody({ number: unknownNumber(), cvv: '123', expiry: '1230' } as TestCard);
    await expectCode(body, '14');
    const row = (await authorizationRow(body.id))!;
    expect(row).toMatchObject({ card_id: null, business_id: null, decision: 'declined', response_code: '14', hold_id: null });
    expect(row.facts).toMatchObject({ cardFound: false });
  });

  it('51: insufficient funds — no hold, nothing counted', async () => {
    const b = await business(50_000n);
    const card = await newCard(b, { spendControls: dailyLimit(60_000) });
    await expectCode(authBody(card, { amount: 50_001 }), '51', /funds/);
    expect(await balances(b)).toEqual({ ledger: 50_000n, hold: 0n, available: 50_000n });
    // The declined amount did not count against the daily limit.
    await expectCode(authBody(card, { amount: 50_000 }), '00');
  });

  it('51 with an overdraft limit: approvals take available down to −limit and no further, a partial stops at the line, 30 at once never cross it', async () => {
    const b = await business(1_000n);
    await inTransaction(h.kartu.db, (tx) => setOverdraftLimit(tx, b.businessId, 'IDR', 500n));
    const card = await newCard(b);
    await expectCode(authBody(card, { amount: 1_400 }), '00');
    await expectCode(authBody(card, { amount: 101 }), '51', /funds/);
    expect((await expectCode(authBody(card, { amount: 300, partialAllowed: true }), '10', /funds/)).approvedAmount).toBe(100);
    expect(await balances(b)).toEqual({ ledger: 1_000n, hold: 1_500n, available: -500n });
    await expectCode(authBody(card, { amount: 1, partialAllowed: true }), '51');

    // Concurrent: a line of 10,000 on an empty account covers exactly 10 authorizations of 1,000.
    const c = await business(0n);
    await inTransaction(h.kartu.db, (tx) => setOverdraftLimit(tx, c.businessId, 'IDR', 10_000n));
    const cCard = await newCard(c);
    const answers = await Promise.all(Array.from({ length: 30 }, () => authorize(authBody(cCard, { amount: 1_000 }))));
    expect(answers.filter((a) => a.responseCode === '00')).toHaveLength(10);
    expect(answers.filter((a) => a.responseCode !== '00').every((a) => a.responseCode === '51')).toBe(true);
    expect(await balances(c)).toEqual({ ledger: 0n, hold: 10_000n, available: -10_000n });
  });

  it('51: a card in a currency the business holds no funds in (a USD card of an IDR business)', async () => {
    const b = await business();
    const res = await b.partner.call('POST', '/snap/v1.0/cards', JSON.stringify({ partnerReferenceNo: nid('ref'), cardholderId: b.holderId, type: 'VIRTUAL', currency: 'USD' }));
    expectSnap(res, '2009000');
    const revealed = await b.partner.call('POST', `/snap/v1.0/cards/${res.body.card.id}/reveal`);
    expectSnap(revealed, '2009300');
    allNumbers.push(revealed.body.card.number);
    const usd = { id: res.body.card.id, number: revealed.body.card.number, cvv: revealed.body.card.cvv, expiry: revealed.body.card.expiry } as TestCard;
    await expectCode(authBody(usd, { amount: 100, currency: 'USD' }), '51');
    await expectCode(authBody(usd, { amount: 100, currency: 'USD', partialAllowed: true }), '51');
    await expectCode(authBody(usd, { amount: 100, currency: 'IDR' }), '05');
    expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 0n, available: 1_000_000n });
  });

  it('54: an expiry that does not match, and a card past its expiry month (clock moved, then restored)', async () => {
    const b = await business();
    const card = await newCard(b);
    const [mm, yy] = [card.expiry.slice(0, 2), card.expiry.slice(2)];
    await expectCode(authBody(card, { card: { number: card.number, expiry: `${mm}${String((Number(yy) + 1) % 100).padStart(2, '0')}` } }), '54', /expiry/);
    const saved = h.clock.now();
    try {
      // 00:00:01 in Jakarta on the first day after the expiry month.
      setClock([b], new Date(Date.UTC(card.expiryYear, card.expiryMonth, 1) - 7 * 3600_000 + 1000));
      await expectCode(authBody(card), '54', /expired/);
      // One second earlier it is the last moment of the expiry month.
      setClock([b], new Date(h.clock.now().getTime() - 2000));
      await expectCode(authBody(card, { amount: 1 }), '00');
    } finally {
      setClock([b], saved);
    }
    await expectCode(authBody(card), '00');
  });

  it('57: a blocked category by group name (gambling, MCC 7995), a country outside the allow list', async () => {
    const b = await business();
    const card = await newCard(b, { spendControls: { blockedCategories: ['gambling'], allowedCountries: ['ID'] } });
    await expectCode(authBody(card, { merchant: { ...MERCHANT, id: 'CASINO', mcc: '7995' } }), '57', /category/);
    await expectCode(authBody(card, { merchant: { ...MERCHANT, country: 'SG' } }), '57', /country/);
    await expectCode(authBody(card), '00');
  });

  it('57: a MERCHANT_LOCKED card locks to the first approved merchant', async () => {
    const b = await business();
    const card = await newCard(b, { type: 'MERCHANT_LOCKED' });
    // A decline does not lock.
    await expectCode(authBody(card, { amount: 5_000_000, merchant: { ...MERCHANT, id: 'M-DECLINED' } }), '51');
    await expectCode(authBody(card, { merchant: { ...MERCHANT, id: 'M-FIRST' } }), '00');
    expect((await q('SELECT locked_merchant_id FROM cards WHERE id = $1', [card.id]))[0]).toEqual({ locked_merchant_id: 'M-FIRST' });
    await expectCode(authBody(card, { merchant: { ...MERCHANT, id: 'M-OTHER' } }), '57', /locked/);
    await expectCode(authBody(card, { merchant: { ...MERCHANT, id: 'M-FIRST' } }), '00');
  });

  it('61: a daily limit (limits scoped to restaurants do not apply at a fuel MCC)', async () => {
    const b = await business();
    const card = await newCard(b, { spendControls: dailyLimit(100_000, ['restaurants']) });
    await expectCode(authBody(card, { amount: 100_000 }), '00');
    await expectCode(authBody(card, { amount: 1 }), '61', /limit/);
    await expectCode(authBody(card, { amount: 500_000, merchant: { ...MERCHANT, id: 'PERTAMINA', mcc: '5541' } }), '00');
    const counters = await q<{ limit_key: string; amount: string }>('SELECT sc.limit_key, sc.amount::text FROM spend_counters sc JOIN cards c ON c.spend_root_id = sc.spend_root_id WHERE c.id = $1', [card.id]);
    expect(counters).toEqual([{ limit_key: 'daily:restaurants', amount: '100000' }]);
  });

  it('65: a count limit — two approvals a day, the third is declined; a reversal does not give the count back', async () => {
    const b = await business();
    const card = await newCard(b, { spendControls: { countLimits: [{ count: 2, interval: 'daily' }] } });
    const first = authBody(card, { amount: 1_000 });
    await expectCode(first, '00');
    // A decline does not count.
    await expectCode(authBody(card, { amount: 5_000_000 }), '51');
    await expectCode(authBody(card, { amount: 1_000 }), '00');
    await expectCode(authBody(card, { amount: 1_000 }), '65', /frequency/);
    await accepted('/reversals', { id: nid('rev'), authorizationId: first.id });
    await expectCode(authBody(card, { amount: 1_000 }), '65');
    expect(await balances(b)).toMatchObject({ hold: 1_000n });
  });

  it('62: a frozen card (PATCH), unfrozen again; a blocked cardholder; an inactive physical card; a terminated card', async () => {
    const b = await business();
    const card = await newCard(b);
    expectSnap(await b.partner.call('PATCH', `/snap/v1.0/cards/${card.id}`, JSON.stringify({ status: 'FROZEN' })), '2009200');
    // Frozen and without the funds: 62 wins.
    await expectCode(authBody(card, { amount: 5_000_000 }), '62', /frozen/);
    expectSnap(await b.partner.call('PATCH', `/snap/v1.0/cards/${card.id}`, JSON.stringify({ status: 'ACTIVE' })), '2009200');
    await expectCode(authBody(card), '00');

    expectSnap(await b.partner.call('PATCH', `/snap/v1.0/cardholders/${b.holderId}`, JSON.stringify({ status: 'BLOCKED' })), '2009400');
    await expectCode(authBody(card), '62', /cardholder/);
    expectSnap(await b.partner.call('PATCH', `/snap/v1.0/cardholders/${b.holderId}`, JSON.stringify({ status: 'ACTIVE' })), '2009400');
    await expectCode(authBody(card), '00');

    const physical = await newCard(b, { type: 'PHYSICAL', shipping: { name: 'Budi', address: { line1: 'Jl. Sudirman 1', city: 'Jakarta', postalCode: '12190', country: 'ID' } } });
    await expectCode(authBody(physical), '62', /inactive/);

    expectSnap(await b.partner.call('PATCH', `/snap/v1.0/cards/${card.id}`, JSON.stringify({ status: 'TERMINATED' })), '2009200');
    await expectCode(authBody(card), '62', /terminated/);
  });

  it('82: a wrong CVV (a CVV left out is not checked)', async () => {
    const b = await business();
    const card = await newCard(b);
    const wrong = String((Number(card.cvv) + 1) % 1000).padStart(3, '0');
    await expectCode(authBody(card, { card: { number: card.number, expiry: card.expiry, cvv: wrong } }), '82', /CVV/);
    await expectCode(authBody(card, { card: { number: card.number, expiry: card.expiry } }), '00');
    await expectCode(authBody(card, { card: { number: card.number } }), '00');
    expect(await balances(b)).toMatchObject({ hold: 20_000n });
  });

  it('05: a SINGLE_USE card declines a second authorization while the first is open, and is TERMINATED after its clearing', async () => {
    const b = await business();
    const card = await newCard(b, { type: 'SINGLE_USE' });
    const first = authBody(card, { amount: 40_000 });
    await expectCode(first, '00');
    await expectCode(authBody(card, { amount: 1_000, merchant: { ...MERCHANT, id: 'M-2' } }), '05', /single-use/);
    // An incremental authorization on the open first one is not a second use.
    await expectCode(authBody(card, { amount: 5_000, originalId: first.id }), '00');
    expect(await cardStatus(b, card.id)).toBe('ACTIVE');
    await accepted('/clearings', { id: nid('clr'), authorizationId: first.id, amount: 45_000, currency: 'IDR', merchant: MERCHANT });
    expect(await cardStatus(b, card.id)).toBe('TERMINATED');
    await expectCode(authBody(card, { amount: 1_000 }), '62', /terminated/);
    expect(await balances(b)).toEqual({ ledger: 955_000n, hold: 0n, available: 955_000n });
  });

  it('a SINGLE_USE card whose only authorization was fully reversed can be used again (nothing cleared)', async () => {
    const b = await business();
    const card = await newCard(b, { type: 'SINGLE_USE' });
    const first = authBody(card, { amount: 40_000 });
    await expectCode(first, '00');
    await accepted('/reversals', { id: nid('rev'), authorizationId: first.id });
    await expectCode(authBody(card, { amount: 30_000 }), '00');
    expect(await cardStatus(b, card.id)).toBe('ACTIVE');
  });
});

// ---- idempotency --------------------------------------------------------------------------------

describe('idempotency on the network id', () => {
  it('the same id and body again → the first answer, one authorization, one hold', async () => {
    const b = await business();
    const card = await newCard(b);
    const body = authBody(card, { amount: 30_000 });
    const first = await expectCode(body, '00');
    const again = await authorize(body);
    expect(again).toEqual(first);
    // Whitespace does not make it another body.
    const spaced = await net.send('/authorizations', undefined, { rawBody: JSON.stringify(body, null, 2) });
    expect(spaced.status).toBe(200);
    expect(spaced.body).toEqual(first);
    expect(await countAuthorizations(body.id)).toBe(1);
    expect(await transfersByReference(`authorization:${first.authorizationId}`)).toHaveLength(1);
    expect(await balances(b)).toMatchObject({ hold: 30_000n });
  });

  it('a declined answer replays as declined, even once the reason is gone', async () => {
    const b = await business(10_000n);
    const card = await newCard(b);
    const body = authBody(card, { amount: 20_000 });
    const first = await expectCode(body, '51');
    await fund(b, 100_000n);
    expect(await authorize(body)).toEqual(first);
    expect(await countAuthorizations(body.id)).toBe(1);
  });

  it('the same id with a different body → 409, nothing changes', async () => {
    const b = await business();
    const card = await newCard(b);
    const body = authBody(card, { amount: 30_000 });
    const first = await expectCode(body, '00');
    const res = await send('/authorizations', { ...body, amount: 30_001 });
    expect(res.status).toBe(409);
    expect(res.body.responseCode).toBe('4090000');
    expect(await countAuthorizations(body.id)).toBe(1);
    expect(await balances(b)).toMatchObject({ hold: 30_000n });
    expect(await authorize(body)).toEqual(first);
  });

  it('the same id delivered 10 times at once, on an account that covers it once → 10 identical answers, one authorization, one hold', async () => {
    const b = await business(30_000n);
    const card = await newCard(b);
    const body = authBody(card, { amount: 30_000 });
    const answers = await Promise.all(Array.from({ length: 10 }, () => net.send('/authorizations', body)));
    for (const res of answers) expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(answers[0]!.body.responseCode).toBe('00');
    expect(await countAuthorizations(body.id)).toBe(1);
    expect(await balances(b)).toEqual({ ledger: 30_000n, hold: 30_000n, available: 0n });
  });

  /** Sends the same body `n` times at once; every answer must be the first one, recorded once. */
  async function deliveredAtOnce(body: ReturnType<typeof authBody>, n = 10): Promise<AuthAnswer> {
    const answers = await Promise.all(Array.from({ length: n }, () => net.send('/authorizations', body)));
    for (const res of answers) expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(new Set(answers.map((r) => JSON.stringify(r.body))).size).toBe(1);
    expect(await countAuthorizations(body.id)).toBe(1);
    return answers[0]!.body;
  }

  it('the same id delivered at once on a card whose daily limit fits it once → identical answers, one authorization', async () => {
    const b = await business();
    const card = await newCard(b, { spendControls: dailyLimit(30_000) });
    for (let round = 0; round < 3; round++) {
      const body = authBody(card, { amount: round === 0 ? 30_000 : 1 });
      expect((await deliveredAtOnce(body)).responseCode).toBe(round === 0 ? '00' : '61');
    }
    expect(await balances(b)).toMatchObject({ hold: 30_000n });
  });

  it('the same id delivered at once on a SINGLE_USE card and a MERCHANT_LOCKED card → identical answers, one authorization', async () => {
    const b = await business();
    for (const type of ['SINGLE_USE', 'MERCHANT_LOCKED']) {
      const card = await newCard(b, { type });
      expect((await deliveredAtOnce(authBody(card, { amount: 1_000 }))).responseCode).toBe('00');
      const second = authBody(card, { amount: 1_000, merchant: { ...MERCHANT, id: 'M-ELSEWHERE' } });
      expect((await deliveredAtOnce(second)).responseCode).toBe(type === 'SINGLE_USE' ? '05' : '57');
    }
    expect(await balances(b)).toMatchObject({ hold: 2_000n });
  });

  it('30 different authorizations at once: a SINGLE_USE card approves exactly one, a MERCHANT_LOCKED card one merchant (across batches too)', async () => {
    const b = await business();
    const single = await newCard(b, { type: 'SINGLE_USE' });
    const locked = await newCard(b, { type: 'MERCHANT_LOCKED' });
    const fire = (card: TestCard, merchant: (i: number) => string) =>
      Promise.all(Array.from({ length: 30 }, (_, i) => net.send('/authorizations', authBody(card, { amount: 1_000, merchant: { ...MERCHANT, id: merchant(i) } }))));
    const singleAnswers = await fire(single, () => MERCHANT.id);
    const lockedAnswers = await fire(locked, (i) => `M-${i}`);
    const codes = (answers: Array<{ status: number; body: AuthAnswer }>) => answers.map((r) => r.body.responseCode).sort();
    expect(codes(singleAnswers)).toEqual(['00', ...Array(29).fill('05')]);
    expect(codes(lockedAnswers)).toEqual(['00', ...Array(29).fill('57')]);
    const pending = await h.kartu.db.query("SELECT card_id, count(*)::int AS n FROM authorizations WHERE card_id = ANY($1) AND status = 'pending' GROUP BY card_id", [[single.id, locked.id]]);
    expect(pending).toHaveLength(2);
    expect(pending.every((r: { n: number }) => r.n === 1)).toBe(true);
    expect(await balances(b)).toMatchObject({ hold: 2_000n });
  });

  it('reversals, clearings and refunds: the same id again → the first answer and one transfer; another body → 409', async () => {
    const b = await business();
    const card = await newCard(b);
    const auth = authBody(card, { amount: 50_000 });
    await expectCode(auth, '00');

    const reversal = { id: nid('rev'), authorizationId: auth.id, amount: 10_000 };
    const r1 = await accepted('/reversals', reversal);
    expect(await accepted('/reversals', reversal)).toEqual(r1);
    expect((await send('/reversals', { ...reversal, amount: 10_001 })).status).toBe(409);
    expect(await transfersByReference(`reversal:${reversal.id}`)).toHaveLength(1);
    expect(await balances(b)).toMatchObject({ hold: 40_000n });

    const clearing = { id: nid('clr'), authorizationId: auth.id, amount: 40_000, currency: 'IDR' };
    const c1 = await accepted('/clearings', clearing);
    expect(await accepted('/clearings', clearing)).toEqual(c1);
    const conflict = await send('/clearings', { ...clearing, amount: 1 });
    expect(conflict.status).toBe(409);
    expect(conflict.body.responseCode).toBe('4090000');
    expect(await transfersByReference(`clearing:${clearing.id}`)).toHaveLength(1);

    const refund = { id: nid('ref'), card: { number: card.number }, amount: 5_000, currency: 'IDR', merchant: MERCHANT };
    const f1 = await accepted('/refunds', refund);
    expect(await accepted('/refunds', refund)).toEqual(f1);
    expect((await send('/refunds', { ...refund, amount: 5_001 })).status).toBe(409);
    expect(await transfersByReference(`refund:${refund.id}`)).toHaveLength(1);
    expect(await balances(b)).toEqual({ ledger: 965_000n, hold: 0n, available: 965_000n });
  });
});

// ---- reversals ----------------------------------------------------------------------------------

describe('reversals', () => {
  it('full: the whole hold is released (by Kartu’s authorizationId); again → 409', async () => {
    const b = await business();
    const card = await newCard(b);
    const a = await expectCode(authBody(card, { amount: 70_000 }), '00');
    expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 70_000n, available: 930_000n });
    const r = await accepted('/reversals', { id: nid('rev'), authorizationId: a.authorizationId });
    expect(r).toMatchObject({ authorizationId: a.authorizationId, amount: 70_000, transferId: null });
    expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 0n, available: 1_000_000n });
    expect((await authorizationRow(a.id))!.status).toBe('closed');
    const again = await send('/reversals', { id: nid('rev'), authorizationId: a.authorizationId });
    expect(again.status).toBe(409);
  });

  it('partial: part of the hold, then more than what is left releases only what is left', async () => {
    const b = await business();
    const card = await newCard(b);
    const auth = authBody(card, { amount: 100_000 });
    await expectCode(auth, '00');
    expect((await accepted('/reversals', { id: nid('rev'), authorizationId: auth.id, amount: 30_000 })).amount).toBe(30_000);
    expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 70_000n, available: 930_000n });
    expect((await authorizationRow(auth.id))!).toMatchObject({ status: 'pending', open: '70000' });
    expect((await accepted('/reversals', { id: nid('rev'), authorizationId: auth.id, amount: 500_000 })).amount).toBe(70_000);
    expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 0n, available: 1_000_000n });
  });

  it('give the spend back to the limits, so a later authorization fits again', async () => {
    const b = await business();
    const card = await newCard(b, { spendControls: dailyLimit(100_000) });
    const auth = authBody(card, { amount: 100_000 });
    await expectCode(auth, '00');
    await expectCode(authBody(card, { amount: 1 }), '61');
    await accepted('/reversals', { id: nid('rev'), authorizationId: auth.id, amount: 40_000 });
    await expectCode(authBody(card, { amount: 40_001 }), '61');
    await expectCode(authBody(card, { amount: 40_000 }), '00');
    await expectCode(authBody(card, { amount: 1 }), '61');
    await accepted('/reversals', { id: nid('rev'), authorizationId: auth.id });
    await expectCode(authBody(card, { amount: 60_000 }), '00');
  });

  it('an unknown, declined or other network’s authorization → 404', async () => {
    const b = await business(0n);
    const card = await newCard(b);
    const declined = authBody(card);
    await expectCode(declined, '51');
    for (const authorizationId of ['no-such-auth', randomUUID(), declined.id]) {
      const res = await send('/reversals', { id: nid('rev'), authorizationId });
      expect(res.status, authorizationId).toBe(404);
      expect(res.body.responseCode).toBe('4040001');
    }
    await fund(b, 10_000n);
    const mine = authBody(card);
    await expectCode(mine, '00');
    const other = await TestNetwork.create(h);
    const res = await other.send('/reversals', { id: nid('rev'), authorizationId: mine.id });
    expect(res.status).toBe(404);
    expect(await balances(b)).toMatchObject({ hold: 10_000n });
  });
});

// ---- clearings ----------------------------------------------------------------------------------

describe('clearings', () => {
  it('linked, partial: posts the amount, releases the rest and gives the rest back to the limits', async () => {
    const b = await business();
    const card = await newCard(b, { spendControls: dailyLimit(100_000) });
    const auth = authBody(card, { amount: 100_000 });
    const a = await expectCode(auth, '00');
    const c = await accepted('/clearings', { id: nid('clr'), authorizationId: auth.id, amount: 60_000, currency: 'IDR', merchant: MERCHANT });
    expect(c).toMatchObject({ authorizationId: a.authorizationId, amount: 60_000, transferId: null });
    expect(await balances(b)).toEqual({ ledger: 940_000n, hold: 0n, available: 940_000n });
    expect((await authorizationRow(auth.id))!.status).toBe('closed');
    await expectCode(authBody(card, { amount: 40_000 }), '00');
    await expectCode(authBody(card, { amount: 1 }), '61');
  });

  it('linked, over-capture within 20%: the hold is posted and the extra too, as an over-capture transfer', async () => {
    const b = await business();
    const card = await newCard(b);
    const auth = authBody(card, { amount: 100_000 });
    await expectCode(auth, '00');
    const clearing = { id: nid('clr'), authorizationId: auth.id, amount: 120_000, currency: 'IDR' };
    const c = await accepted('/clearings', clearing);
    expect(c.amount).toBe(120_000);
    expect(await balances(b)).toEqual({ ledger: 880_000n, hold: 0n, available: 880_000n });
    expect(await transfersByReference(`clearing:${clearing.id}`)).toEqual([
      { kind: 'over_capture', amount: '20000', pending: false },
      { kind: 'post', amount: '100000', pending: false },
    ]);
    expect(await q('SELECT kind FROM ledger_transfers WHERE id = $1', [c.transferId])).toEqual([{ kind: 'over_capture' }]);
    expect((await authorizationRow(auth.id))!).toMatchObject({ status: 'closed', open: '0' });
  });

  it('beyond the tolerance: the hold is posted and the rest force-posted, nothing stays both held and posted', async () => {
    const b = await business();
    const card = await newCard(b);
    const auth = authBody(card, { amount: 100_000 });
    await expectCode(auth, '00');
    const clearing = { id: nid('clr'), authorizationId: auth.id, amount: 120_001, currency: 'IDR' };
    const c = await accepted('/clearings', clearing);
    expect(await transfersByReference(`clearing:${clearing.id}`)).toEqual([
      { kind: 'force_post', amount: '20001', pending: false },
      { kind: 'post', amount: '100000', pending: false },
    ]);
    expect(await q('SELECT kind FROM ledger_transfers WHERE id = $1', [c.transferId])).toEqual([{ kind: 'force_post' }]);
    expect(await balances(b)).toEqual({ ledger: 879_999n, hold: 0n, available: 879_999n });
    expect((await authorizationRow(auth.id))!).toMatchObject({ status: 'closed', open: '0' });
  });

  it('forced without an authorization, by card number; a card in another currency → 400; no card → 404', async () => {
    const b = await business();
    const card = await newCard(b);
    const clearing = { id: nid('clr'), card: { number: card.number }, amount: 25_000, currency: 'IDR', merchant: MERCHANT };
    const c = await accepted('/clearings', clearing);
    expect(c).toMatchObject({ authorizationId: null, amount: 25_000 });
    expect(await transfersByReference(`clearing:${clearing.id}`)).toEqual([{ kind: 'force_post', amount: '25000', pending: false }]);
    expect(await balances(b)).toEqual({ ledger: 975_000n, hold: 0n, available: 975_000n });

    const usd = await send('/clearings', { id: nid('clr'), card: { number: card.number }, amount: 100, currency: 'USD' });
    expect(usd.status).toBe(400);
    expect(usd.body.responseCode).toBe('4000001');
    for (const body of [{ id: nid('clr'), card: { number: unknownNumber() }, amount: 1, currency: 'IDR' }, { id: nid('clr'), amount: 1, currency: 'IDR' }, { id: nid('clr'), authorizationId: 'nope', amount: 1, currency: 'IDR' }]) {
      const res = await send('/clearings', body);
      expect(res.status, JSON.stringify(body)).toBe(404);
    }
    expect(await balances(b)).toEqual({ ledger: 975_000n, hold: 0n, available: 975_000n });
  });

  it('a linked clearing in another currency than the authorization → 400 and the hold stays', async () => {
    const b = await business();
    const card = await newCard(b);
    const auth = authBody(card, { amount: 10_000 });
    await expectCode(auth, '00');
    const res = await send('/clearings', { id: nid('clr'), authorizationId: auth.id, amount: 10_000, currency: 'USD' });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.responseCode).toBe('4000001');
    expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 10_000n, available: 990_000n });
  });

  it("a linked clearing naming another card than the authorization's → 400 and the hold stays; its own card is fine", async () => {
    const b = await business();
    const card = await newCard(b);
    const other = await newCard(b);
    const auth = authBody(card, { amount: 10_000 });
    await expectCode(auth, '00');
    const res = await send('/clearings', { id: nid('clr'), authorizationId: auth.id, card: { number: other.number }, amount: 10_000, currency: 'IDR' });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({ responseCode: '4000001' });
    expect(res.body.responseMessage).toContain('card');
    expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 10_000n, available: 990_000n });
    await accepted('/clearings', { id: nid('clr'), authorizationId: auth.id, card: { number: card.number }, amount: 10_000, currency: 'IDR' });
    expect(await balances(b)).toEqual({ ledger: 990_000n, hold: 0n, available: 990_000n });
  });

  it('after a full reversal the clearing is force-posted against the card', async () => {
    const b = await business();
    const card = await newCard(b);
    const auth = authBody(card, { amount: 10_000 });
    const a = await expectCode(auth, '00');
    await accepted('/reversals', { id: nid('rev'), authorizationId: auth.id });
    const clearing = { id: nid('clr'), authorizationId: auth.id, amount: 10_000, currency: 'IDR' };
    const c = await accepted('/clearings', clearing);
    expect(c.authorizationId).toBe(a.authorizationId);
    expect(c.transferId).not.toBeNull();
    expect(await transfersByReference(`clearing:${clearing.id}`)).toEqual([{ kind: 'force_post', amount: '10000', pending: false }]);
    expect(await balances(b)).toEqual({ ledger: 990_000n, hold: 0n, available: 990_000n });
  });

  it('incremental authorization (originalId) adds a hold; clearing the original posts the chain', async () => {
    const b = await business();
    const card = await newCard(b, { spendControls: dailyLimit(160_000) });
    const original = authBody(card, { amount: 100_000, merchant: { ...MERCHANT, mcc: '7011', id: 'HOTEL' } });
    const a = await expectCode(original, '00');
    const increment = authBody(card, { amount: 50_000, originalId: original.id, merchant: { ...MERCHANT, mcc: '7011', id: 'HOTEL' } });
    await expectCode(increment, '00');
    expect((await authorizationRow(increment.id))!.original_id).toBe(a.authorizationId);
    expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 150_000n, available: 850_000n });
    // The increment counts against the limit too.
    await expectCode(authBody(card, { amount: 10_001, originalId: original.id }), '61');
    // A declined increment leaves the chain as it was.
    expect(await balances(b)).toMatchObject({ hold: 150_000n });
    // An increment on something that is not an open authorization of this network.
    await expectCode(authBody(card, { amount: 1_000, originalId: 'never-sent' }), '05', /original/);
    // An increment of the increment hangs off the first authorization too.
    const second = authBody(card, { amount: 10_000, originalId: increment.id, merchant: { ...MERCHANT, mcc: '7011', id: 'HOTEL' } });
    await expectCode(second, '00');
    expect((await authorizationRow(second.id))!.original_id).toBe(a.authorizationId);
    expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 160_000n, available: 840_000n });

    await accepted('/clearings', { id: nid('clr'), authorizationId: original.id, amount: 150_000, currency: 'IDR' });
    // 150 000 of the 160 000 held is posted, the rest released.
    expect(await balances(b)).toEqual({ ledger: 850_000n, hold: 0n, available: 850_000n });
    for (const m of [original, increment, second]) expect((await authorizationRow(m.id))!).toMatchObject({ status: 'closed', open: '0' });
    // Closed now: no more increments on it.
    await expectCode(authBody(card, { amount: 1_000, originalId: original.id }), '05');
  });

  it('a partial reversal of a chain gives back the newest increment first', async () => {
    const b = await business();
    const card = await newCard(b);
    const original = authBody(card, { amount: 100_000 });
    await expectCode(original, '00');
    const increment = authBody(card, { amount: 50_000, originalId: original.id });
    await expectCode(increment, '00');
    expect((await accepted('/reversals', { id: nid('rev'), authorizationId: original.id, amount: 60_000 })).amount).toBe(60_000);
    expect((await authorizationRow(increment.id))!).toMatchObject({ status: 'closed', open: '0' });
    expect((await authorizationRow(original.id))!).toMatchObject({ status: 'pending', open: '90000' });
    await accepted('/clearings', { id: nid('clr'), authorizationId: original.id, amount: 90_000, currency: 'IDR' });
    expect(await balances(b)).toEqual({ ledger: 910_000n, hold: 0n, available: 910_000n });
  });
});

// ---- refunds ------------------------------------------------------------------------------------

describe('refunds', () => {
  it('credit the funding account; an unknown card → 404; another currency → 400', async () => {
    const b = await business(100_000n);
    const card = await newCard(b);
    const refund = { id: nid('ref'), card: { number: card.number }, amount: 12_500, currency: 'IDR', merchant: MERCHANT };
    const r = await accepted('/refunds', refund);
    expect(r).toMatchObject({ authorizationId: null, amount: 12_500 });
    expect(await transfersByReference(`refund:${refund.id}`)).toEqual([{ kind: 'refund', amount: '12500', pending: false }]);
    expect(await balances(b)).toEqual({ ledger: 112_500n, hold: 0n, available: 112_500n });
    // The refunded money can be spent.
    await expectCode(authBody(card, { amount: 112_500 }), '00');

    const unknown = await send('/refunds', { ...refund, id: nid('ref'), card: { number: unknownNumber() } });
    expect(unknown.status).toBe(404);
    const usd = await send('/refunds', { ...refund, id: nid('ref'), currency: 'USD' });
    expect(usd.status).toBe(400);
    expect(await balances(b)).toEqual({ ledger: 112_500n, hold: 112_500n, available: 0n });
  });
});

// ---- hold expiry --------------------------------------------------------------------------------

describe('hold expiry', () => {
  it('voids holds after 7 days (31 for lodging), gives the spend back; an expired hold can still be cleared (force post)', async () => {
    const b = await business();
    const card = await newCard(b, { spendControls: { spendingLimits: [{ amount: idr('300.00'), interval: 'all_time' }] } });
    const food = authBody(card, { amount: 10_000 });
    const hotel = authBody(card, { amount: 20_000, merchant: { ...MERCHANT, id: 'HOTEL', mcc: '7011' } });
    const foodAnswer = await expectCode(food, '00');
    const hotelAnswer = await expectCode(hotel, '00');
    await expectCode(authBody(card, { amount: 1 }), '61');
    const start = h.clock.now();
    let laterAnswer: AuthAnswer | undefined;
    expect(new Date((await authorizationRow(food.id))!.expires_at as string).getTime()).toBe(start.getTime() + 7 * 86400_000);
    expect(new Date((await authorizationRow(hotel.id))!.expires_at as string).getTime()).toBe(start.getTime() + 31 * 86400_000);
    try {
      // Nothing is due yet on day 6.
      setClock([b], new Date(start.getTime() + 6 * 86400_000));
      await expireHolds(h.kartu);
      expect((await authorizationRow(food.id))!.status).toBe('pending');

      setClock([b], new Date(start.getTime() + 8 * 86400_000));
      expect(await expireHolds(h.kartu)).toBeGreaterThanOrEqual(1);
      expect((await authorizationRow(food.id))!).toMatchObject({ status: 'closed', open: '0' });
      expect((await authorizationRow(hotel.id))!).toMatchObject({ status: 'pending', open: '20000' });
      expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 20_000n, available: 980_000n });
      // The expired 10 000 is back under the all-time limit.
      await expectCode(authBody(card, { amount: 10_001 }), '61');
      const later = authBody(card, { amount: 10_000 });
      laterAnswer = await expectCode(later, '00');
      // Running it again changes nothing.
      await expireHolds(h.kartu);
      expect(await balances(b)).toMatchObject({ hold: 30_000n });

      setClock([b], new Date(start.getTime() + 32 * 86400_000));
      expect(await expireHolds(h.kartu)).toBeGreaterThanOrEqual(2);
      expect((await authorizationRow(hotel.id))!).toMatchObject({ status: 'closed', open: '0' });
      expect((await authorizationRow(later.id))!.status).toBe('closed');
      expect(await balances(b)).toEqual({ ledger: 1_000_000n, hold: 0n, available: 1_000_000n });

      const clearing = { id: nid('clr'), authorizationId: food.id, amount: 10_000, currency: 'IDR' };
      const c = await accepted('/clearings', clearing);
      expect(c.authorizationId).toBe(foodAnswer.authorizationId);
      expect(await transfersByReference(`clearing:${clearing.id}`)).toEqual([{ kind: 'force_post', amount: '10000', pending: false }]);
      expect(await balances(b)).toEqual({ ledger: 990_000n, hold: 0n, available: 990_000n });
    } finally {
      setClock([b], start);
    }
    const events = await q<{ data: { authorizationId: string; change: string; amount: number } }>(
      "SELECT data FROM outbox_events WHERE business_id = $1 AND type = 'authorization.updated' AND data->>'change' = 'expired'",
      [b.businessId],
    );
    const expected = [
      [foodAnswer.authorizationId, 10_000],
      [hotelAnswer.authorizationId, 20_000],
      [laterAnswer!.authorizationId, 10_000],
    ];
    expect(events.map((e) => [e.data.authorizationId, e.data.amount]).sort()).toEqual(expected.sort());
  });
});

// ---- outbox -------------------------------------------------------------------------------------

describe('outbox', () => {
  it('authorization.created / authorization.updated / transaction.cleared / transaction.refunded, in the business, without the PAN', async () => {
    const b = await business();
    const card = await newCard(b);
    const auth = authBody(card, { amount: 40_000 });
    const a = await expectCode(auth, '00');
    const declined = await expectCode(authBody(card, { amount: 5_000_000 }), '51');
    await accepted('/reversals', { id: nid('rev'), authorizationId: auth.id, amount: 10_000 });
    const clearing = { id: nid('clr'), authorizationId: auth.id, amount: 30_000, currency: 'IDR', merchant: MERCHANT };
    await accepted('/clearings', clearing);
    const refund = { id: nid('ref'), card: { number: card.number }, amount: 5_000, currency: 'IDR', merchant: MERCHANT };
    await accepted('/refunds', refund);

    const rows = await q<{ type: string; data: Record<string, unknown>; text: string }>(
      "SELECT type, data, data::text AS text FROM outbox_events WHERE business_id = $1 AND type IN ('authorization.created', 'authorization.updated', 'transaction.cleared', 'transaction.refunded') ORDER BY created_at",
      [b.businessId],
    );
    expect(rows.map((r) => r.type)).toEqual(['authorization.created', 'authorization.created', 'authorization.updated', 'transaction.cleared', 'transaction.refunded']);
    expect(rows[0]!.data).toMatchObject({ authorizationId: a.authorizationId, cardId: card.id, decision: 'approved', responseCode: '00', approvedAmount: 40_000, amount: 40_000 });
    expect(rows[1]!.data).toMatchObject({ authorizationId: declined.authorizationId, decision: 'declined', responseCode: '51' });
    expect(rows[2]!.data).toMatchObject({ authorizationId: a.authorizationId, change: 'reversed', amount: 10_000 });
    expect(rows[3]!.data).toMatchObject({ clearingId: clearing.id, authorizationId: a.authorizationId, cardId: card.id, amount: 30_000, forced: false });
    expect(rows[4]!.data).toMatchObject({ refundId: refund.id, cardId: card.id, amount: 5_000 });
    for (const r of rows) expect(r.text).not.toContain(card.number);
  });
});

// ---- concurrency --------------------------------------------------------------------------------

describe('concurrency', () => {
  it('100 parallel authorizations on one card with a daily limit that fits exactly 10 → exactly 10 approved', async () => {
    const b = await business(10_000_000n);
    const card = await newCard(b, { spendControls: dailyLimit(100_000) });
    const answers = await Promise.all(Array.from({ length: 100 }, () => authorize(authBody(card, { amount: 10_000 }))));
    const codes = answers.map((a) => a.responseCode);
    expect(codes.filter((c) => c === '00')).toHaveLength(10);
    expect(codes.filter((c) => c === '61')).toHaveLength(90);
    expect(await balances(b)).toEqual({ ledger: 10_000_000n, hold: 100_000n, available: 9_900_000n });
    const counters = await q<{ amount: string }>('SELECT sc.amount::text FROM spend_counters sc JOIN cards c ON c.spend_root_id = sc.spend_root_id WHERE c.id = $1', [card.id]);
    expect(counters).toEqual([{ amount: '100000' }]);
    expect(Number((await q<{ n: string }>('SELECT count(*) AS n FROM authorizations WHERE card_id = $1', [card.id]))[0]!.n)).toBe(100);
  });

  it('100 parallel authorizations across 10 cards on one funding account holding exactly 25 → exactly 25 approved; available never negative', async () => {
    const b = await business(25_000n);
    const cards: TestCard[] = [];
    for (let i = 0; i < 10; i++) cards.push(await newCard(b));
    const [{ id: funding }] = await q<{ id: string }>("SELECT id FROM ledger_accounts WHERE business_id = $1 AND code = 'funding'", [b.businessId]) as [{ id: string }];
    let done = false;
    let lowest: bigint | undefined;
    const watcher = (async () => {
      while (!done) {
        const [row] = await q<{ available: string }>('SELECT (credits_posted - debits_posted - debits_pending)::text AS available FROM ledger_accounts WHERE id = $1', [funding]);
        const available = BigInt(row!.available);
        if (lowest === undefined || available < lowest) lowest = available;
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => authorize(authBody(cards[i % 10]!, { amount: 1_000 }))));
    done = true;
    await watcher;
    const codes = answers.map((a) => a.responseCode);
    expect(codes.filter((c) => c === '00')).toHaveLength(25);
    expect(codes.filter((c) => c === '51')).toHaveLength(75);
    expect(lowest).toBeDefined();
    expect(lowest! >= 0n).toBe(true);
    expect(await balances(b)).toEqual({ ledger: 25_000n, hold: 25_000n, available: 0n });
  });
});

// ---- no PAN anywhere ----------------------------------------------------------------------------

describe('card numbers', () => {
  it('no revealed number is stored in any table (outbox, authorizations, network messages, …) or written to the logs', async () => {
    expect(allNumbers.length).toBeGreaterThan(10);
    const tables: Array<{ tablename: string }> = await q("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    for (const { tablename } of tables) {
      const dump = JSON.stringify(await q(`SELECT row_to_json(t) AS r FROM "${tablename}" t`));
      for (const number of allNumbers) expect(dump.includes(number), `${tablename} holds a card number`).toBe(false);
    }
    const logs = h.logs.join('\n');
    for (const number of allNumbers) expect(logs.includes(number), 'the logs hold a card number').toBe(false);
  });
});
