import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policiesOf } from '../../src/modules/authorizations/authorize';
import type { PolicyRuntime } from '../../src/modules/policies/policy-runtime';
import { adminSession } from '../support/admin-session';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkAuthorizationInvariants, checkLedgerInvariants } from '../support/invariants';
import { authorizationBody, business, expectSnap, issueCard, nid, type Biz, type IssuedCard } from '../support/partner-fixtures';
import { AIRLINE, GROCER, KOPI, type Merchant } from '../support/spend-fixtures';

/**
 * The admin API's money and activity routes against the real database: authorizations (filters,
 * keyset paging, detail with the outcome that decided), transactions, balance, overview, card limit
 * usage and MCC groups — scoped by business, readable by every role.
 */

let h: Harness;
let net: TestNetwork;
let runtime: PolicyRuntime;

const CASINO: Merchant = { id: 'M-CASINO-1', name: 'Lucky Casino', mcc: '7995', city: 'Jakarta', country: 'ID' };
const SHADY: Merchant = { id: 'M-SHADY', name: 'Shady Shop', mcc: '5999', city: 'Jakarta', country: 'ID' };

let a: Biz;
let b: Biz;
let viewerA: string;
let financeA: string;
let ownerB: string;
let holder2: string;
let card1: IssuedCard;
let card2: IssuedCard;
let cardB: IssuedCard;
/** Authorizations of business A by name. */
const auth: Record<string, string> = {};

const get = (cookie: string, path: string) => h.http().get(`/admin/v1${path}`).set('Cookie', cookie);
const post = (cookie: string, path: string, body: object) => h.http().post(`/admin/v1${path}`).set('Cookie', cookie).send(body);

async function authorize(card: IssuedCard, amount: number, merchant: Merchant, o: Record<string, unknown> = {}) {
  const res = await net.send('/authorizations', authorizationBody(card, { amount, merchant, ...o }));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { id: string; authorizationId: string; decision: string; responseCode: string; reason: string; approvedAmount: number };
}

async function freshPolicies(): Promise<void> {
  const [{ generation }]: Array<{ generation: string }> = await h.kartu.db.query('SELECT generation::text FROM policy_generation');
  for (let i = 0; i < 20 && runtime.loadedGeneration < BigInt(generation); i++) await runtime.refresh();
  expect(runtime.loadedGeneration).toBeGreaterThanOrEqual(BigInt(generation));
}

/** Every id of the list for `query` (all pages). */
async function allIds(cookie: string, query: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(cookie, `/authorizations?${query}&pageSize=100${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    ids.push(...res.body.authorizations.map((x: { id: string }) => x.id));
    cursor = res.body.nextCursor;
  } while (cursor);
  return ids;
}

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
  runtime = await policiesOf(h.kartu);
  a = await business(h, 10_000_000n); // IDR 100,000.00
  b = await business(h, 1_000_000n);
  viewerA = await adminSession(h, a.businessId, 'viewer');
  financeA = await adminSession(h, a.businessId, 'finance_admin');
  ownerB = await adminSession(h, b.businessId, 'owner');
  const holder = await a.partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Budi Santoso', email: `budi.${nid()}@example.com` }));
  expectSnap(holder, '2009400');
  holder2 = holder.body.cardholder.id;
  card1 = await issueCard(a);
  card2 = await issueCard({ ...a, holderId: holder2 }, { spendControls: { blockedCategories: ['gambling'] } });
  cardB = await issueCard(b);
  auth.kopi = (await authorize(card1, 10_000, KOPI)).authorizationId;
  auth.grocer = (await authorize(card1, 25_000, GROCER)).authorizationId;
  auth.airline = (await authorize(card2, 50_000, AIRLINE)).authorizationId;
  const casino = await authorize(card2, 5_000, CASINO);
  expect(casino.responseCode).toBe('57');
  auth.casino = casino.authorizationId;
  auth.other = (await authorize(cardB, 10_000, KOPI)).authorizationId;
});
afterAll(async () => {
  await checkLedgerInvariants(h.kartu.db.manager);
  await checkAuthorizationInvariants(h.kartu.db.manager);
  await runtime.close();
  await h.close();
});

describe('GET /admin/v1/authorizations', () => {
  it('lists the business’s authorizations newest first, with the card’s last4 and the cardholder’s name', async () => {
    const res = await get(viewerA, '/authorizations');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.responseCode).toBe('2001200');
    expect(res.body.nextCursor).toBeNull();
    const list = res.body.authorizations;
    expect(list.map((x: { id: string }) => x.id)).toEqual([auth.casino, auth.airline, auth.grocer, auth.kopi]);
    expect(list[0]).toEqual({
      id: auth.casino,
      cardId: card2.id,
      cardLast4: card2.number.slice(-4),
      cardholderId: holder2,
      cardholderName: 'Budi Santoso',
      amount: { value: '50.00', currency: 'IDR' },
      approvedAmount: { value: '0.00', currency: 'IDR' },
      decision: 'declined',
      responseCode: '57',
      reason: 'merchant category blocked',
      merchant: CASINO,
      status: 'declined',
      originalId: null,
      authorizationCode: null,
      createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
    });
    expect(list[3]).toMatchObject({ id: auth.kopi, cardholderName: 'Siti Rahayu', amount: { value: '100.00', currency: 'IDR' }, approvedAmount: { value: '100.00', currency: 'IDR' }, decision: 'approved', status: 'pending' });
    expect(list[3].authorizationCode).toMatch(/^[0-9A-F]{6}$/);
    expect(JSON.stringify(res.body)).not.toContain(card1.number);
  });

  it('filters by card, cardholder, decision, response code, merchant (id or name), MCC, amount and time — each including and excluding', async () => {
    const ids = (q: string) => allIds(viewerA, q);
    expect(await ids(`cardId=${card1.id}`)).toEqual([auth.grocer, auth.kopi]);
    expect(await ids(`cardholderId=${holder2}`)).toEqual([auth.casino, auth.airline]);
    expect(await ids(`cardholderId=${a.holderId}`)).toEqual([auth.grocer, auth.kopi]);
    expect(await ids('decision=declined')).toEqual([auth.casino]);
    expect(await ids('decision=approved')).toEqual([auth.airline, auth.grocer, auth.kopi]);
    expect(await ids('responseCode=57')).toEqual([auth.casino]);
    expect(await ids('responseCode=51')).toEqual([]);
    expect(await ids('merchant=M-SUPER-1')).toEqual([auth.grocer]);
    expect(await ids('merchant=garuda')).toEqual([auth.airline]);
    expect(await ids('merchant=%25')).toEqual([]); // a literal %, not a wildcard
    expect(await ids('mcc=5814')).toEqual([auth.kopi]);
    expect(await ids('mcc=5999')).toEqual([]);
    expect(await ids('amountMin=250.00')).toEqual([auth.airline, auth.grocer]);
    expect(await ids('amountMax=100')).toEqual([auth.casino, auth.kopi]);
    expect(await ids('amountMin=100.00&amountMax=250.00')).toEqual([auth.grocer, auth.kopi]);
    const [{ at }]: Array<{ at: Date }> = await h.kartu.db.query('SELECT created_at AS at FROM authorizations WHERE id = $1', [auth.grocer]);
    expect(await ids(`from=${encodeURIComponent(at.toISOString())}`)).toEqual([auth.casino, auth.airline, auth.grocer]);
    expect(await ids(`to=${encodeURIComponent(new Date(at.getTime() + 1).toISOString())}`)).toEqual([auth.grocer, auth.kopi]);
    expect(await ids(`cardId=${card1.id}&decision=declined`)).toEqual([]);
  });

  it('pages with an opaque cursor: every authorization once, in order, no gaps', async () => {
    for (let i = 0; i < 8; i++) await authorize(card1, 1_000 + i, KOPI);
    const all: Array<{ id: string }> = await h.kartu.db.query('SELECT id FROM authorizations WHERE business_id = $1 ORDER BY created_at DESC, id', [a.businessId]);
    expect(all).toHaveLength(12);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(viewerA, `/authorizations?pageSize=5${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.authorizations.length).toBeLessThanOrEqual(5);
      seen.push(...res.body.authorizations.map((x: { id: string }) => x.id));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.map((r) => r.id));
    // Filters and cursor together.
    const first = await get(viewerA, `/authorizations?cardId=${card1.id}&pageSize=4`);
    const second = await get(viewerA, `/authorizations?cardId=${card1.id}&pageSize=4&cursor=${first.body.nextCursor}`);
    const third = await get(viewerA, `/authorizations?cardId=${card1.id}&pageSize=4&cursor=${second.body.nextCursor}`);
    expect(third.body.nextCursor).toBeNull();
    const byCard = [...first.body.authorizations, ...second.body.authorizations, ...third.body.authorizations].map((x: { id: string }) => x.id);
    expect(byCard).toEqual(await allIds(viewerA, `cardId=${card1.id}`));
    expect(byCard).toHaveLength(10);
  });

  it('shows nothing of another business: its list has its own, its ids answer 404xx01', async () => {
    const other = await get(ownerB, '/authorizations');
    expect(other.body.authorizations.map((x: { id: string }) => x.id)).toEqual([auth.other]);
    expect((await allIds(viewerA, `cardId=${cardB.id}`)).length).toBe(0);
    const detail = await get(viewerA, `/authorizations/${auth.other}`);
    expect(detail.status).toBe(404);
    expect(detail.body).toMatchObject({ responseCode: '4041301' });
    expect(detail.body).not.toHaveProperty('authorization');
    expect((await get(ownerB, `/authorizations/${auth.kopi}`)).body.responseCode).toBe('4041301');
    expect((await get(viewerA, '/authorizations/not-a-uuid')).body.responseCode).toBe('4041301');
    const usage = await get(viewerA, `/cards/${cardB.id}/limit-usage`);
    expect(usage.status).toBe(404);
    expect(usage.body.responseCode).toBe('4049101');
  });

  it('refuses bad input with 400 naming the field, and answers 401 without a session', async () => {
    const cases: Array<[string, string, string]> = [
      ['/authorizations?color=red', '4001201', 'color'],
      ['/authorizations?amountMin=abc', '4001201', 'amountMin'],
      ['/authorizations?amountMin=1.234', '4001201', 'amountMin'],
      ['/authorizations?amountMin=5.00&amountMax=1.00', '4001201', 'amountMax'],
      ['/authorizations?cursor=garbage', '4001201', 'cursor'],
      [`/authorizations?cursor=${Buffer.from(JSON.stringify(['2026-01-01T00:00:00.000000Z', 'x'])).toString('base64url')}`, '4001201', 'cursor'],
      ['/authorizations?pageSize=101', '4001201', 'pageSize'],
      ['/authorizations?pageSize=0', '4001201', 'pageSize'],
      ['/authorizations?cardId=123', '4001201', 'cardId'],
      ['/authorizations?decision=maybe', '4001201', 'decision'],
      ['/authorizations?from=yesterday', '4001201', 'from'],
      ['/authorizations?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', '4001201', 'to'],
      ['/transactions?type=GIFT', '4001201', 'type'],
      ['/transactions?cursor=abc', '4001201', 'cursor'],
    ];
    for (const [path, code, field] of cases) {
      const res = await get(viewerA, path);
      expect(res.status, path).toBe(400);
      expect(res.body.responseCode, path).toBe(code);
      expect(res.body.field, path).toBe(field);
    }
    // The OpenAPI document says so: every route's error answer may carry `field`.
    const doc = (await h.http().get('/openapi.json')).body;
    const errorSchema = doc.paths['/admin/v1/authorizations'].get.responses.default.content['application/json'].schema;
    expect(errorSchema.properties.field).toMatchObject({ type: 'string' });
    expect(errorSchema.required).toEqual(['responseCode', 'responseMessage']);
    const anonymous = await h.http().get('/admin/v1/authorizations');
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.responseCode).toBe('4011200');
  });
});

describe('GET /admin/v1/authorizations/{id}: the outcome that decided, in a structure a UI can put in words', () => {
  it('a blocked category: which control, which entry (the group) and the MCC', async () => {
    const res = await get(viewerA, `/authorizations/${auth.casino}`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.responseCode).toBe('2001300');
    const d = res.body.authorization;
    expect(d).toMatchObject({ id: auth.casino, cardLast4: card2.number.slice(-4), cardholderName: 'Budi Santoso', decision: 'declined', responseCode: '57' });
    expect(d.outcome).toEqual({
      stage: 'spend_control',
      check: 'blocked_category',
      responseCode: '57',
      reason: 'merchant category blocked',
      control: { name: 'blockedCategories', entry: 'gambling', entryType: 'group', mcc: '7995' },
    });
    expect(d.facts).toMatchObject({ merchantGroups: ['gambling'], partialAllowed: false });
    expect(d.transfers).toEqual([]);
    expect(JSON.stringify(d)).not.toContain(card2.number);
    expect(JSON.stringify(d)).not.toMatch(/"cvv"|"number"/);
  });

  it('a spending limit (per category): which limit, what its window had used and what was left', async () => {
    const card = await issueCard(a, {
      spendControls: {
        spendingLimits: [
          { amount: { value: '500.00', currency: 'IDR' }, interval: 'daily' },
          { amount: { value: '200.00', currency: 'IDR' }, interval: 'daily', categories: ['restaurants'] },
        ],
      },
    });
    expect((await authorize(card, 15_000, KOPI)).responseCode).toBe('00');
    const declined = await authorize(card, 10_000, KOPI);
    expect(declined.responseCode).toBe('61');
    const { outcome } = (await get(viewerA, `/authorizations/${declined.authorizationId}`)).body.authorization;
    expect(outcome.stage).toBe('spend_control');
    expect(outcome.check).toBe('spending_limit');
    expect(outcome.control).toEqual({
      name: 'spendingLimits',
      mcc: '5814',
      limit: {
        interval: 'daily',
        categories: ['restaurants'],
        kind: 'amount',
        limit: { value: '200.00', currency: 'IDR' },
        used: { value: '150.00', currency: 'IDR' },
        remaining: { value: '50.00', currency: 'IDR' },
        windowStart: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      },
    });
    // A purchase outside the category is held to the overall limit only: 150.00 used of 500.00.
    expect((await authorize(card, 30_000, GROCER)).responseCode).toBe('00');
    const overall = await authorize(card, 10_000, GROCER);
    expect(overall.responseCode).toBe('61');
    const o2 = (await get(viewerA, `/authorizations/${overall.authorizationId}`)).body.authorization.outcome;
    expect(o2.control.limit).toMatchObject({ interval: 'daily', categories: [], used: { value: '450.00', currency: 'IDR' }, remaining: { value: '50.00', currency: 'IDR' } });
  });

  it('a count limit: the limit, and that its window was used up', async () => {
    const card = await issueCard(a, { spendControls: { countLimits: [{ count: 2, interval: 'daily' }] } });
    for (let i = 0; i < 2; i++) expect((await authorize(card, 1_000, KOPI)).responseCode).toBe('00');
    const third = await authorize(card, 1_000, KOPI);
    expect(third.responseCode).toBe('65');
    const { outcome } = (await get(viewerA, `/authorizations/${third.authorizationId}`)).body.authorization;
    expect(outcome).toMatchObject({ stage: 'spend_control', check: 'count_limit', responseCode: '65' });
    expect(outcome.control.limit).toMatchObject({ kind: 'count', interval: 'daily', categories: [], limit: 2, used: 2, remaining: 0 });
  });

  it('a policy: policy id and name, version and rule — and shadow results beside it', async () => {
    const card = await issueCard(a);
    const enforced = await post(financeA, '/policies', {
      name: 'No shady shops',
      scope: { type: 'card', id: card.id },
      rules: [{ name: 'block-shady', conditions: { all: [{ fact: 'merchant', path: '$.id', operator: 'equal', value: SHADY.id }] }, event: { type: 'decline', params: { reason: 'shady merchant', responseCode: '59' } } }],
    });
    expect(enforced.status, JSON.stringify(enforced.body)).toBe(200);
    const shadow = await post(financeA, '/policies', {
      name: 'Candidate: big spend',
      scope: { type: 'card', id: card.id },
      mode: 'shadow',
      rules: [{ name: 'would-block-big', conditions: { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 1 }] }, event: { type: 'decline', params: { reason: 'candidate' } } }],
    });
    expect(shadow.status, JSON.stringify(shadow.body)).toBe(200);
    await freshPolicies();
    const declined = await authorize(card, 2_000, SHADY);
    expect(declined).toMatchObject({ responseCode: '59', reason: 'shady merchant' });
    const d = (await get(viewerA, `/authorizations/${declined.authorizationId}`)).body.authorization;
    expect(d.outcome).toEqual({
      stage: 'policy',
      check: 'policy',
      responseCode: '59',
      reason: 'shady merchant',
      policy: { id: enforced.body.policy.id, name: 'No shady shops', versionId: enforced.body.policy.activeVersionId, versionNumber: 1, rule: 'block-shady' },
    });
    expect(d.shadow).toEqual([
      { policyId: shadow.body.policy.id, name: 'Candidate: big spend', versionId: shadow.body.policy.shadowVersionId, events: [expect.objectContaining({ type: 'decline', rule: 'would-block-big', reason: 'candidate' })] },
    ]);
    expect(d.facts.policy).toMatchObject({ merchant: { id: SHADY.id, mcc: '5999' } });
    // The shadow version never decides: an ordinary purchase on the card is approved, its shadow decline recorded.
    const approved = await authorize(card, 2_000, KOPI);
    expect(approved.responseCode).toBe('00');
    const ad = (await get(viewerA, `/authorizations/${approved.authorizationId}`)).body.authorization;
    expect(ad.outcome).toEqual({ stage: 'approved', check: 'approved', responseCode: '00', reason: 'approved' });
    expect(ad.shadow).toHaveLength(1);
  });

  it('insufficient funds: what was available and what was asked', async () => {
    const poor = await business(h, 5_000n);
    const card = await issueCard(poor);
    const viewer = await adminSession(h, poor.businessId, 'viewer');
    const declined = await authorize(card, 6_000, KOPI);
    expect(declined.responseCode).toBe('51');
    const { outcome } = (await get(viewer, `/authorizations/${declined.authorizationId}`)).body.authorization;
    expect(outcome).toEqual({
      stage: 'funds',
      check: 'insufficient_funds',
      responseCode: '51',
      reason: 'insufficient funds',
      funds: { available: { value: '50.00', currency: 'IDR' }, requested: { value: '60.00', currency: 'IDR' } },
    });
  });

  it('card state: a frozen card is stage card', async () => {
    const card = await issueCard(a);
    expectSnap(await a.partner.call('PATCH', `/snap/v1.0/cards/${card.id}`, JSON.stringify({ status: 'FROZEN' })), '2009200');
    const declined = await authorize(card, 1_000, KOPI);
    expect(declined.responseCode).toBe('62');
    const { outcome } = (await get(viewerA, `/authorizations/${declined.authorizationId}`)).body.authorization;
    expect(outcome).toEqual({ stage: 'card', check: 'card_status', responseCode: '62', reason: 'card frozen' });
  });

  it('an approval’s ledger transfers: its hold (posted in part, the rest released) and the clearing', async () => {
    const clearing = await net.send('/clearings', { id: nid('clr'), authorizationId: auth.kopi, amount: 6_000, currency: 'IDR', merchant: KOPI });
    expect(clearing.status, JSON.stringify(clearing.body)).toBe(200);
    const d = (await get(viewerA, `/authorizations/${auth.kopi}`)).body.authorization;
    expect(d.status).toBe('closed');
    expect(d.transfers.map((t: { role: string; kind: string; status: string; amount: { value: string } }) => [t.role, t.kind, t.status, t.amount.value])).toEqual([
      ['hold', 'hold', 'posted', '100.00'],
      ['clearing', 'post', 'posted', '60.00'],
    ]);
    expect(d.transfers[0]).toMatchObject({ openAmount: { value: '0.00', currency: 'IDR' }, postedAmount: { value: '60.00', currency: 'IDR' }, releasedAmount: { value: '40.00', currency: 'IDR' } });
    for (const t of d.transfers) expect(t).toMatchObject({ authorizationId: auth.kopi, createdAt: expect.any(String) });

    const reversal = await net.send('/reversals', { id: nid('rev'), authorizationId: auth.grocer, amount: 5_000 });
    expect(reversal.status, JSON.stringify(reversal.body)).toBe(200);
    const g = (await get(viewerA, `/authorizations/${auth.grocer}`)).body.authorization;
    expect(g.status).toBe('pending');
    expect(g.transfers.map((t: { role: string; status: string; amount: { value: string } }) => [t.role, t.status, t.amount.value])).toEqual([
      ['hold', 'pending', '250.00'],
      ['reversal', 'voided', '50.00'],
    ]);
    expect(g.transfers[0]).toMatchObject({ openAmount: { value: '200.00', currency: 'IDR' }, postedAmount: { value: '0.00', currency: 'IDR' }, releasedAmount: { value: '50.00', currency: 'IDR' } });
  });
});

describe('GET /admin/v1/transactions, /balance, /overview, /mcc-groups', () => {
  it('transactions: the money movements newest first, keyset-paged, by type and card', async () => {
    const all = await get(viewerA, '/transactions?pageSize=100');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(all.body.responseCode).toBe('2001200');
    const types = all.body.transactions.map((t: { type: string }) => t.type);
    expect(types.at(-1)).toBe('TOP_UP');
    expect(types).toContain('PAYMENT');
    const kopi = all.body.transactions.find((t: { referenceNo: string }) => t.referenceNo === auth.kopi);
    expect(kopi).toMatchObject({ type: 'PAYMENT', status: 'SUCCESS', amount: { value: '60.00', currency: 'IDR' }, remark: 'Kopi Kenangan' });
    expect(all.body.transactions.map((t: { referenceNo: string }) => t.referenceNo)).not.toContain(auth.casino); // declines are not money movements
    expect(all.body.transactions.map((t: { referenceNo: string }) => t.referenceNo)).not.toContain(auth.other);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await get(viewerA, `/transactions?pageSize=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.transactions.map((t: { referenceNo: string }) => t.referenceNo));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.body.transactions.map((t: { referenceNo: string }) => t.referenceNo));

    const topUps = await get(viewerA, '/transactions?type=TOP_UP');
    expect(topUps.body.transactions.map((t: { type: string }) => t.type)).toEqual(['TOP_UP']);
    const byCard = await get(viewerA, `/transactions?cardId=${card2.id}`);
    expect(byCard.body.transactions.map((t: { referenceNo: string }) => t.referenceNo)).toEqual([auth.airline]);
  });

  it('balance and overview: today in the business time zone, declines by reason', async () => {
    const o = await business(h, 1_000_000n);
    const card = await issueCard(o, { spendControls: { blockedCategories: ['gambling'] } });
    const viewer = await adminSession(h, o.businessId, 'viewer');
    expect((await authorize(card, 10_000, KOPI)).responseCode).toBe('00');
    expect((await authorize(card, 25_000, GROCER)).responseCode).toBe('00');
    expect((await authorize(card, 1_000, CASINO)).responseCode).toBe('57');
    expect((await authorize(card, 2_000, CASINO)).responseCode).toBe('57');
    expect((await authorize(card, 2_000_000, GROCER)).responseCode).toBe('51');
    const yesterday = await authorize(card, 3_000, CASINO);

    const res = await get(viewer, '/overview');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.responseCode).toBe('2001100');
    const ov = res.body.overview;
    const localToday = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Jakarta', year: 'numeric', month: '2-digit', day: '2-digit' }).format(h.clock.now());
    expect(ov).toMatchObject({ date: localToday, timeZone: 'Asia/Jakarta', from: new Date(`${localToday}T00:00:00+07:00`).toISOString() });
    // One of the casino declines moved to just before the business's midnight: not today.
    await h.kartu.db.query("UPDATE authorizations SET created_at = $2::timestamptz - interval '1 second' WHERE id = $1", [yesterday.authorizationId, ov.from]);
    const today = (await get(viewer, '/overview')).body.overview;
    expect(today).toEqual({
      date: localToday,
      timeZone: 'Asia/Jakarta',
      from: ov.from,
      to: new Date(Date.parse(ov.from) + 86_400_000).toISOString(),
      spend: { value: '350.00', currency: 'IDR' },
      approvals: 2,
      declines: 3,
      declinesByReason: [
        { reason: 'merchant category blocked', responseCode: '57', count: 2 },
        { reason: 'insufficient funds', responseCode: '51', count: 1 },
      ],
      balance: { ledgerBalance: { value: '10000.00', currency: 'IDR' }, holdAmount: { value: '350.00', currency: 'IDR' }, availableBalance: { value: '9650.00', currency: 'IDR' } },
    });
    const balance = await get(viewer, '/balance');
    expect(balance.body).toEqual({ responseCode: '2001100', responseMessage: 'Successful', balance: today.balance });
  });

  it('mcc-groups: every group with its MCCs, for the category picker', async () => {
    const res = await get(viewerA, '/mcc-groups');
    expect(res.status).toBe(200);
    const gambling = res.body.mccGroups.find((g: { name: string }) => g.name === 'gambling');
    expect(gambling).toEqual({ name: 'gambling', mccs: ['7800', '7801', '7802', '7995', '9406'] });
    expect(res.body.mccGroups.find((g: { name: string }) => g.name === 'restaurants').mccs).toEqual(['5812', '5813', '5814']);
  });
});

describe('card list filters on the admin API', () => {
  it('type, last4 and q (cardholder name or email substring, or last4)', async () => {
    const ids = async (q: string) => {
      const res = await get(viewerA, `/cards?pageSize=100&${q}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.cards.map((c: { id: string }) => c.id);
    };
    const byLast4 = await get(viewerA, `/cards?pageSize=100&last4=${card2.number.slice(-4)}`);
    expect(byLast4.body.cards.map((c: { id: string }) => c.id)).toContain(card2.id);
    for (const c of byLast4.body.cards) expect(c.last4).toBe(card2.number.slice(-4));
    expect((await ids('')).length).toBeGreaterThan(byLast4.body.cards.length);
    expect(await ids('q=budi')).toEqual([card2.id]);
    expect(await ids('q=BUDI.')).toEqual([card2.id]); // the email, case-insensitively
    expect(await ids(`q=${card2.number.slice(-4)}`)).toContain(card2.id);
    expect(await ids('q=nobody-by-that-name')).toEqual([]);
    expect(await ids('q=%25')).toEqual([]);
    expect(await ids('type=PHYSICAL')).toEqual([]);
    expect((await ids('type=VIRTUAL')).length).toBeGreaterThan(2);
    const bad = await get(viewerA, '/cards?last4=12a4');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ responseCode: '4009101', field: 'last4' });
    // Another business's cards are not found by their last4.
    expect(await ids(`last4=${cardB.number.slice(-4)}`)).not.toContain(cardB.id);
  });
});

describe('GET /admin/v1/cards/{cardId}/limit-usage (last: it moves the clock)', () => {
  it('every limit: used, remaining, window start and reset in the business time zone, from the decision path’s counters', async () => {
    // 18:00 UTC on 31 December is 01:00 on 1 January in Jakarta (UTC+7): the windows are 2027's.
    h.clock.set(new Date('2026-12-31T18:00:00Z'));
    const l = await business(h, 10_000_000n);
    const viewer = await adminSession(h, l.businessId, 'viewer');
    const amount = (value: string) => ({ value, currency: 'IDR' });
    const card = await issueCard(l, {
      spendControls: {
        spendingLimits: [
          { amount: amount('1000.00'), interval: 'daily' },
          { amount: amount('5000.00'), interval: 'weekly' },
          { amount: amount('20000.00'), interval: 'monthly' },
          { amount: amount('50000.00'), interval: 'yearly' },
          { amount: amount('90000.00'), interval: 'all_time' },
          { amount: amount('800.00'), interval: 'per_authorization' },
          { amount: amount('300.00'), interval: 'daily', categories: ['restaurants'] },
        ],
        countLimits: [
          { count: 5, interval: 'daily' },
          { count: 50, interval: 'all_time' },
        ],
      },
    });
    expect((await authorize(card, 25_000, KOPI)).responseCode).toBe('00');
    const grocer = await authorize(card, 10_000, GROCER);
    expect(grocer.responseCode).toBe('00');

    const usage = async () => {
      const res = await get(viewer, `/cards/${card.id}/limit-usage`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.responseCode).toBe('2009100');
      return res.body.limits;
    };
    const a = (interval: string, limit: string, used: string | null, remaining: string, windowStart: string | null, resetsAt: string | null, categories: string[] = []) => ({
      kind: 'amount',
      interval,
      categories,
      limit: amount(limit),
      used: used === null ? null : amount(used),
      remaining: amount(remaining),
      windowStart,
      resetsAt,
    });
    const c = (interval: string, limit: number, used: number, windowStart: string, resetsAt: string | null) => ({ kind: 'count', interval, categories: [], limit, used, remaining: limit - used, windowStart, resetsAt });
    expect(await usage()).toEqual([
      a('daily', '1000.00', '350.00', '650.00', '2027-01-01', '2027-01-02T00:00:00+07:00'),
      a('weekly', '5000.00', '350.00', '4650.00', '2026-12-28', '2027-01-04T00:00:00+07:00'),
      a('monthly', '20000.00', '350.00', '19650.00', '2027-01-01', '2027-02-01T00:00:00+07:00'),
      a('yearly', '50000.00', '350.00', '49650.00', '2027-01-01', '2028-01-01T00:00:00+07:00'),
      a('all_time', '90000.00', '350.00', '89650.00', '1970-01-01', null),
      a('per_authorization', '800.00', null, '800.00', null, null),
      a('daily', '300.00', '250.00', '50.00', '2027-01-01', '2027-01-02T00:00:00+07:00', ['restaurants']),
      c('daily', 5, 2, '2027-01-01', '2027-01-02T00:00:00+07:00'),
      c('all_time', 50, 2, '1970-01-01', null),
    ]);

    // A reversal gives the amount back to the amount limits; count limits keep the approval.
    expect((await net.send('/reversals', { id: nid('rev'), authorizationId: grocer.id })).status).toBe(200);
    const afterReversal = await usage();
    expect(afterReversal[0]).toMatchObject({ used: amount('250.00'), remaining: amount('750.00') });
    expect(afterReversal[7]).toMatchObject({ used: 2, remaining: 3 });

    // At the business's next midnight (17:00 UTC) the daily windows start again; the rest go on.
    h.clock.set(new Date('2027-01-01T17:00:00Z'));
    const viewerNextDay = await adminSession(h, l.businessId, 'viewer');
    const next = (await get(viewerNextDay, `/cards/${card.id}/limit-usage`)).body.limits;
    expect(next[0]).toEqual(a('daily', '1000.00', '0.00', '1000.00', '2027-01-02', '2027-01-03T00:00:00+07:00'));
    expect(next[2]).toEqual(a('monthly', '20000.00', '250.00', '19750.00', '2027-01-01', '2027-02-01T00:00:00+07:00'));
    expect(next[7]).toEqual(c('daily', 5, 0, '2027-01-02', '2027-01-03T00:00:00+07:00'));
    // …and the decision path agrees: 300.00 of restaurants today is allowed again.
    expect((await authorize(card, 30_000, KOPI)).responseCode).toBe('00');
    expect((await get(viewerNextDay, `/cards/${card.id}/limit-usage`)).body.limits[6]).toMatchObject({ used: amount('300.00'), remaining: amount('0.00') });
  });
});
