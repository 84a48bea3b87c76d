import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireHolds } from '../../src/modules/authorizations/authorizations.service';
import { formatSnapTimestamp } from '../../src/platform/snap-time';
import { startHarness, TestNetwork, TestPartner, type Harness } from '../support/harness';

/**
 * SNAP transaction history list (12) and detail (13) of the business funding account, over
 * top-ups, authorizations run through the network API (cleared, partly cleared, reversed, partly
 * reversed, expired, incremented, declined), forced clearings and refunds.
 */

const LIST = '/snap/v1.0/transaction-history-list';
const DETAIL = '/snap/v1.0/transaction-history-detail';
const DAY = 86400_000;

type Res = Awaited<ReturnType<TestPartner['call']>>;
type Item = {
  referenceNo: string;
  dateTime: string;
  amount: { value: string; currency: string };
  remark: string;
  status: string;
  type: string;
  additionalInfo: Record<string, unknown>;
};
interface CardNumbers {
  id: string;
  last4: string;
  number: string;
  cvv: string;
  expiry: string;
}

let h: Harness;
let partner: TestPartner;
let other: TestPartner;
let network: TestNetwork;
let card: CardNumbers;
let otherCard: CardNumbers;
/** Every response body the partners received, to check that no card number ever appears. */
const seen: string[] = [];
/** referenceNo of each record, by the name the scenario gives it. */
const ref: Record<string, string> = {};

const MERCHANTS = {
  kopi: { id: 'm-kopi', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' },
  toko: { id: 'm-toko', name: 'Tokopedia', mcc: '5311', country: 'ID' },
  grab: { id: 'm-grab', name: 'Grab', mcc: '4121', country: 'ID' },
  pln: { id: 'm-pln', name: 'PLN Token', mcc: '4900', country: 'ID' },
  hotel: { id: 'm-hotel', name: 'Hotel Indonesia', mcc: '7011', country: 'ID' },
  shop: { id: 'm-shop', name: 'Matahari', mcc: '5651', country: 'ID' },
};

async function call(p: TestPartner, path: string, body: unknown, o: Parameters<TestPartner['call']>[3] = {}): Promise<Res> {
  const res = await p.call('POST', path, typeof body === 'string' ? body : JSON.stringify(body), o);
  seen.push(res.text);
  return res;
}

/** The manual clock stands still while the database stamps rows with its own now(): bring it to now. */
function syncClock(): void {
  h.clock.set(new Date());
}

async function list(p: TestPartner, body: Record<string, unknown> = {}): Promise<Res> {
  syncClock();
  return call(p, LIST, body);
}

async function detail(p: TestPartner, referenceNo: string): Promise<Res> {
  return call(p, DETAIL, { originalPartnerReferenceNo: referenceNo });
}

function expectCode(res: Res, code: string): void {
  expect(res.body.responseCode, JSON.stringify(res.body)).toBe(code);
  expect(res.status).toBe(Number(code.slice(0, 3)));
}

async function newCard(p: TestPartner): Promise<CardNumbers> {
  const holder = await call(p, '/snap/v1.0/cardholders', { name: 'Siti Rahayu', email: `siti.${randomUUID().slice(0, 8)}@example.com` });
  expectCode(holder, '2009400');
  const issued = await call(p, '/snap/v1.0/cards', { partnerReferenceNo: `hist-${randomUUID().slice(0, 8)}`, cardholderId: holder.body.cardholder.id, type: 'VIRTUAL' });
  expectCode(issued, '2009000');
  const revealed = await call(p, `/snap/v1.0/cards/${issued.body.card.id}/reveal`, '');
  expectCode(revealed, '2009300');
  const { number, cvv, expiry } = revealed.body.card;
  return { id: issued.body.card.id, last4: issued.body.card.last4, number, cvv, expiry };
}

async function fund(p: TestPartner, value: string): Promise<string> {
  const res = await call(p, '/snap/v1.0/simulate/funding', { amount: { value, currency: 'IDR' } });
  expectCode(res, '2009600');
  return res.body.referenceNo;
}

async function net(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await network.send(path, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

const cardOf = (c: CardNumbers) => ({ number: c.number, expiry: c.expiry, cvv: c.cvv });

/** `amount` in IDR minor units, as the network API takes it (10_000_000 = IDR 100,000.00); SNAP strings are rupiah. */
async function authorize(c: CardNumbers, amount: number, merchant: object, extra: Record<string, unknown> = {}) {
  return net('/authorizations', { id: `auth-${randomUUID()}`, card: cardOf(c), amount, currency: 'IDR', merchant, ...extra });
}

const idr = (value: string) => ({ value, currency: 'IDR' });

beforeAll(async () => {
  h = await startHarness();
  partner = await TestPartner.create(h, { name: 'Acme' });
  other = await TestPartner.create(h, { name: 'Other Co' });
  network = await TestNetwork.create(h);
  card = await newCard(partner);
  otherCard = await newCard(other);

  // The scenario, oldest first. Each step is its own transaction, so each has its own time.
  ref.topUp = await fund(partner, '1000000.00');

  const open = await authorize(card, 10_000_000, MERCHANTS.kopi);
  expect(open.decision).toBe('approved');
  ref.open = open.authorizationId as string;

  const partlyCleared = await authorize(card, 5_000_000, MERCHANTS.toko);
  ref.partlyCleared = partlyCleared.authorizationId as string;
  await net('/clearings', { id: `clr-${randomUUID()}`, authorizationId: partlyCleared.id, amount: 4_500_000, currency: 'IDR', merchant: MERCHANTS.toko });

  const reversed = await authorize(card, 3_000_000, MERCHANTS.grab);
  ref.reversed = reversed.authorizationId as string;
  await net('/reversals', { id: `rev-${randomUUID()}`, authorizationId: reversed.id });

  const partlyReversed = await authorize(card, 2_000_000, MERCHANTS.pln);
  ref.partlyReversed = partlyReversed.authorizationId as string;
  await net('/reversals', { id: `rev-${randomUUID()}`, authorizationId: partlyReversed.authorizationId, amount: 500_000 });

  const declined = await authorize(card, 500_000_000, MERCHANTS.shop);
  expect(declined).toMatchObject({ decision: 'declined', responseCode: '51' });
  ref.declined = declined.authorizationId as string;

  const forced = await net('/clearings', { id: `clr-${randomUUID()}`, card: cardOf(card), amount: 1_200_000, currency: 'IDR', merchant: MERCHANTS.shop });
  ref.forced = forced.transferId as string;
  expect(ref.forced).toBeTruthy();

  const refunded = await net('/refunds', { id: `ref-${randomUUID()}`, card: cardOf(card), amount: 750_000, currency: 'IDR', merchant: MERCHANTS.toko });
  ref.refund = refunded.transferId as string;

  const incremented = await authorize(card, 6_000_000, MERCHANTS.hotel);
  ref.incremented = incremented.authorizationId as string;
  const increment = await authorize(card, 1_000_000, MERCHANTS.hotel, { originalId: incremented.id });
  expect(increment.decision).toBe('approved');
  ref.increment = increment.authorizationId as string;
  await net('/clearings', { id: `clr-${randomUUID()}`, authorizationId: incremented.id, amount: 7_000_000, currency: 'IDR', merchant: MERCHANTS.hotel });

  const expired = await authorize(card, 1_500_000, MERCHANTS.kopi);
  ref.expired = expired.authorizationId as string;
  await h.kartu.db.query("UPDATE ledger_transfers SET expires_at = now() - interval '1 second' WHERE id = (SELECT hold_id FROM authorizations WHERE id = $1)", [ref.expired]);
  syncClock();
  expect(await expireHolds(h.kartu)).toBe(1);

  // The other business: a top-up and a purchase of its own.
  ref.otherTopUp = await fund(other, '500000.00');
  ref.otherPurchase = (await authorize(otherCard, 2_500_000, MERCHANTS.kopi)).authorizationId as string;
});
afterAll(() => h.close());

const NEWEST_FIRST = ['expired', 'incremented', 'refund', 'forced', 'partlyReversed', 'reversed', 'partlyCleared', 'open', 'topUp'];

describe('transaction history list (12)', () => {
  it('lists every transaction of the funding account newest first, declined authorizations left out', async () => {
    const res = await list(partner, { partnerReferenceNo: 'hist-1', pageSize: 50 });
    expectCode(res, '2001200');
    expect(res.body).toMatchObject({ responseMessage: 'Successful', partnerReferenceNo: 'hist-1', pageNumber: 0, pageSize: 50, totalCount: 9 });
    expect(typeof res.body.referenceNo).toBe('string');
    const items: Item[] = res.body.detailData;
    expect(items.map((i) => i.referenceNo)).toEqual(NEWEST_FIRST.map((n) => ref[n]));
    expect(items.map((i) => i.referenceNo)).not.toContain(ref.declined);
    expect(items.map((i) => i.referenceNo)).not.toContain(ref.increment);
    const times = items.map((i) => i.dateTime);
    for (const t of times) expect(t).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
    expect([...times].sort().reverse()).toEqual(times);
    for (const i of items) expect(Object.keys(i).sort()).toEqual(['additionalInfo', 'amount', 'dateTime', 'referenceNo', 'remark', 'status', 'type']);
  });

  it('gives each record its type, status, amount and details', async () => {
    const items: Item[] = (await list(partner, { pageSize: 50 })).body.detailData;
    const by = (name: string) => items.find((i) => i.referenceNo === ref[name])!;
    const card4 = { cardId: card.id, last4: card.last4 };

    expect(by('topUp')).toMatchObject({ type: 'TOP_UP', status: 'SUCCESS', amount: idr('1000000.00'), additionalInfo: {} });
    expect(by('open')).toMatchObject({
      type: 'PAYMENT',
      status: 'INIT',
      amount: idr('100000.00'),
      remark: 'Kopi Kenangan',
      additionalInfo: {
        ...card4,
        merchant: MERCHANTS.kopi,
        authorizationId: ref.open,
        responseCode: '00',
        approvedAmount: idr('100000.00'),
        heldAmount: idr('100000.00'),
      },
    });
    expect(by('open').additionalInfo.authorizationCode).toMatch(/^[0-9A-F]{6}$/);
    expect(by('open').additionalInfo).not.toHaveProperty('clearedAmount');
    expect(by('partlyCleared')).toMatchObject({
      type: 'PAYMENT',
      status: 'SUCCESS',
      amount: idr('45000.00'),
      remark: 'Tokopedia',
      additionalInfo: { ...card4, approvedAmount: idr('50000.00'), clearedAmount: idr('45000.00'), heldAmount: idr('0.00') },
    });
    expect(by('reversed')).toMatchObject({
      type: 'PAYMENT',
      status: 'CANCELLED',
      amount: idr('30000.00'),
      remark: 'Grab',
      additionalInfo: { approvedAmount: idr('30000.00'), reversedAmount: idr('30000.00'), heldAmount: idr('0.00') },
    });
    expect(by('partlyReversed')).toMatchObject({
      type: 'PAYMENT',
      status: 'INIT',
      amount: idr('20000.00'),
      additionalInfo: { approvedAmount: idr('20000.00'), reversedAmount: idr('5000.00'), heldAmount: idr('15000.00') },
    });
    expect(by('forced')).toMatchObject({ type: 'PAYMENT', status: 'SUCCESS', amount: idr('12000.00'), additionalInfo: { ...card4, forcePosted: true } });
    expect(by('refund')).toMatchObject({ type: 'REFUND', status: 'SUCCESS', amount: idr('7500.00'), additionalInfo: card4 });
    expect(by('incremented')).toMatchObject({
      type: 'PAYMENT',
      status: 'SUCCESS',
      amount: idr('70000.00'),
      remark: 'Hotel Indonesia',
      additionalInfo: { approvedAmount: idr('70000.00'), clearedAmount: idr('70000.00'), incrementalAuthorizations: 1, heldAmount: idr('0.00') },
    });
    expect(by('expired')).toMatchObject({ type: 'PAYMENT', status: 'CANCELLED', amount: idr('15000.00'), additionalInfo: { heldAmount: idr('0.00') } });
    expect(by('expired').additionalInfo).not.toHaveProperty('reversedAmount');
  });

  it('agrees with the balance inquiry: ledger = top-ups + refunds − cleared purchases; holds = what INIT purchases hold', async () => {
    const items: Item[] = (await list(partner, { pageSize: 50 })).body.detailData;
    const sum = (f: (i: Item) => boolean, v: (i: Item) => string = (i) => i.amount.value) => items.filter(f).reduce((s, i) => s + Number(v(i)), 0);
    const ledger = sum((i) => i.type !== 'PAYMENT') - sum((i) => i.type === 'PAYMENT' && i.status === 'SUCCESS');
    const held = sum((i) => i.status === 'INIT', (i) => (i.additionalInfo.heldAmount as { value: string }).value);
    const balance = await call(partner, '/snap/v1.0/balance-inquiry', {});
    expect(balance.body.accountInfos[0]).toMatchObject({ ledgerBalance: idr(ledger.toFixed(2)), holdAmount: idr(held.toFixed(2)) });
    expect(ledger).toBe(880_500);
    expect(held).toBe(115_000);
  });

  it('pages by pageSize and pageNumber (from 0), with the total on every page', async () => {
    const all: Item[] = (await list(partner, { pageSize: 50 })).body.detailData;
    const pages: Item[][] = [];
    for (let n = 0; n < 4; n++) {
      const res = await list(partner, { pageSize: 4, pageNumber: n });
      expectCode(res, '2001200');
      expect(res.body).toMatchObject({ pageNumber: n, pageSize: 4, totalCount: 9 });
      pages.push(res.body.detailData);
    }
    expect(pages.map((p) => p.length)).toEqual([4, 4, 1, 0]);
    expect(pages.flat()).toEqual(all);
  });

  it('defaults to page 0 of 10; accepts pageSize and pageNumber as strings of digits', async () => {
    const res = await list(partner);
    expect(res.body).toMatchObject({ pageNumber: 0, pageSize: 10, totalCount: 9 });
    expect(res.body.detailData).toHaveLength(9);
    const strings = await list(partner, { pageSize: '2', pageNumber: '1' });
    expect(strings.body).toMatchObject({ pageNumber: 1, pageSize: 2, totalCount: 9 });
    expect(strings.body.detailData.map((i: Item) => i.referenceNo)).toEqual([ref.refund, ref.forced]);
  });

  it("another business sees none of it, and this one none of the other's", async () => {
    const mine = (await list(partner, { pageSize: 50 })).body.detailData.map((i: Item) => i.referenceNo);
    const theirs = await list(other, { pageSize: 50 });
    expect(theirs.body.totalCount).toBe(2);
    expect(theirs.body.detailData.map((i: Item) => i.referenceNo)).toEqual([ref.otherPurchase, ref.otherTopUp]);
    expect(theirs.body.detailData[0].additionalInfo).toMatchObject({ cardId: otherCard.id, last4: otherCard.last4 });
    for (const r of mine) expect(theirs.text).not.toContain(r);
    expect(mine).not.toContain(ref.otherPurchase);
    expect(mine).not.toContain(ref.otherTopUp);
  });
});

describe('date range', () => {
  let oldTopUp: string;
  let ancientTopUp: string;

  beforeAll(async () => {
    // Two earlier top-ups: 20 days ago (inside the default 30 days) and 46 days ago (outside).
    oldTopUp = await fund(partner, '1000.00');
    ancientTopUp = await fund(partner, '2000.00');
    await h.kartu.db.query("UPDATE ledger_transfers SET created_at = date_trunc('second', now()) - interval '20 days' WHERE id = $1", [oldTopUp]);
    await h.kartu.db.query("UPDATE ledger_transfers SET created_at = now() - interval '46 days' WHERE id = $1", [ancientTopUp]);
  });

  const refs = (res: Res) => res.body.detailData.map((i: Item) => i.referenceNo);
  const at = (msAgo: number) => formatSnapTimestamp(new Date(Date.now() - msAgo));

  it('by default covers the last 30 days up to now', async () => {
    const res = await list(partner, { pageSize: 50 });
    expect(res.body.totalCount).toBe(10);
    expect(refs(res).at(-1)).toBe(oldTopUp);
    expect(refs(res)).not.toContain(ancientTopUp);
  });

  it('fromDateTime and toDateTime bound it, inclusive, in any offset', async () => {
    const recent = await list(partner, { fromDateTime: at(10 * DAY), toDateTime: at(-60_000), pageSize: 50 });
    expectCode(recent, '2001200');
    expect(refs(recent)).toEqual(NEWEST_FIRST.map((n) => ref[n]));

    const older = await list(partner, { fromDateTime: at(25 * DAY), toDateTime: new Date(Date.now() - 15 * DAY).toISOString() });
    expect(refs(older)).toEqual([oldTopUp]);
    expect(older.body.totalCount).toBe(1);

    const ancient = await list(partner, { fromDateTime: at(50 * DAY), toDateTime: at(40 * DAY) });
    expect(refs(ancient)).toEqual([ancientTopUp]);

    const [row] = await h.kartu.db.query('SELECT created_at FROM ledger_transfers WHERE id = $1', [oldTopUp]);
    const exact = new Date(row.created_at).toISOString();
    expect(refs(await list(partner, { fromDateTime: exact, toDateTime: exact }))).toEqual([oldTopUp]);
  });

  it('toDateTime alone looks back 30 days from it; fromDateTime alone runs to now', async () => {
    expect(refs(await list(partner, { toDateTime: at(15 * DAY) }))).toEqual([oldTopUp]);
    const fromOnly = await list(partner, { fromDateTime: at(21 * DAY), pageSize: 50 });
    expect(fromOnly.body.totalCount).toBe(10);
  });

  it('the range is at most one calendar month → 4001201 naming the field', async () => {
    expectCode(await list(partner, { fromDateTime: '2026-01-15T10:00:00+07:00', toDateTime: '2026-02-15T10:00:00+07:00' }), '2001200');
    const long = await list(partner, { fromDateTime: '2026-01-15T10:00:00+07:00', toDateTime: '2026-02-15T10:00:01+07:00' });
    expectCode(long, '4001201');
    expect(long.body.responseMessage).toContain('toDateTime');
    // From the 31st, a month ends on the last day of the next month.
    expectCode(await list(partner, { fromDateTime: '2026-01-31T00:00:00+07:00', toDateTime: '2026-02-28T00:00:00+07:00' }), '2001200');
    expectCode(await list(partner, { fromDateTime: '2026-01-31T00:00:00+07:00', toDateTime: '2026-03-01T00:00:00+07:00' }), '4001201');
    const fromOnly = await list(partner, { fromDateTime: at(40 * DAY) });
    expectCode(fromOnly, '4001201');
    expect(fromOnly.body.responseMessage).toContain('fromDateTime');
  });

  it('toDateTime before fromDateTime, or a malformed timestamp → 4001201 naming the field', async () => {
    const reversed = await list(partner, { fromDateTime: '2026-02-10T00:00:00+07:00', toDateTime: '2026-02-01T00:00:00+07:00' });
    expectCode(reversed, '4001201');
    expect(reversed.body.responseMessage).toContain('toDateTime');
    for (const bad of ['2026-02-01 10:00:00', '2026-02-30T10:00:00+07:00', '2026-02-01', 'yesterday', '2026-02-01T10:00:00']) {
      const res = await list(partner, { fromDateTime: bad });
      expectCode(res, '4001201');
      expect(res.body.responseMessage).toContain('fromDateTime');
    }
    const number = await list(partner, { toDateTime: 1767225600 });
    expectCode(number, '4001201');
    expect(number.body.responseMessage).toContain('toDateTime');
  });
});

describe('list validation', () => {
  it.each([
    [{ pageSize: 0 }, 'pageSize'],
    [{ pageSize: 51 }, 'pageSize'],
    [{ pageSize: 1.5 }, 'pageSize'],
    [{ pageSize: 'ten' }, 'pageSize'],
    [{ pageSize: null }, 'pageSize'],
    [{ pageNumber: -1 }, 'pageNumber'],
    [{ pageNumber: '-1' }, 'pageNumber'],
    [{ partnerReferenceNo: 'x'.repeat(65) }, 'partnerReferenceNo'],
    [{ additionalInfo: 'x' }, 'additionalInfo'],
    [{ accountNo: '1' }, 'accountNo'],
  ])('%j → 4001201 naming %s', async (body, field) => {
    const res = await list(partner, body);
    expectCode(res, '4001201');
    expect(res.body.responseMessage).toContain(field);
  });

  it('a missing mandatory header → 4001202; a bad signature → 4011200; malformed JSON → 4001200', async () => {
    syncClock();
    const missing = await call(partner, LIST, {}, { omit: ['X-TIMESTAMP'] });
    expect(missing.body).toEqual({ responseCode: '4001202', responseMessage: 'Invalid Mandatory Field X-TIMESTAMP', field: 'X-TIMESTAMP' });
    expectCode(await call(partner, LIST, {}, { secret: 'wrong' }), '4011200');
    expectCode(await call(partner, LIST, '{"pageSize":'), '4001200');
  });

  it('answers other methods with 405', async () => {
    const res = await partner.call('GET', LIST);
    expect(res.status).toBe(405);
  });
});

describe('transaction history detail (13)', () => {
  it('answers every listed record as listed; a refund carries refundAmount', async () => {
    const items: Item[] = (await list(partner, { pageSize: 50 })).body.detailData;
    for (const item of items) {
      const res = await detail(partner, item.referenceNo);
      expectCode(res, '2001300');
      const { responseCode, responseMessage, ...record } = res.body;
      expect(responseMessage).toBe('Successful');
      if (item.type === 'REFUND') expect(record).toEqual({ ...item, refundAmount: item.amount });
      else expect(record).toEqual(item);
    }
  });

  it('an authorization reads as its purchase through its life: INIT, then SUCCESS with the cleared amount', async () => {
    const a = await authorize(card, 800_000, MERCHANTS.toko);
    const before = await detail(partner, a.authorizationId as string);
    expect(before.body).toMatchObject({ referenceNo: a.authorizationId, type: 'PAYMENT', status: 'INIT', amount: idr('8000.00') });
    await net('/clearings', { id: `clr-${randomUUID()}`, authorizationId: a.id, amount: 820_000, currency: 'IDR' });
    const after = await detail(partner, a.authorizationId as string);
    expect(after.body).toMatchObject({ status: 'SUCCESS', amount: idr('8200.00'), additionalInfo: { approvedAmount: idr('8000.00'), clearedAmount: idr('8200.00') } });
  });

  it('unknown, declined, an increment (not a listed referenceNo) or not an id at all → 4041301', async () => {
    for (const r of [randomUUID(), ref.declined, ref.increment, 'not-a-reference', 'A'.repeat(64)]) {
      const res = await detail(partner, r!);
      expect(res.body).toEqual({ responseCode: '4041301', responseMessage: 'Transaction Not Found' });
    }
  });

  it("another business's records → 4041301, never revealing them", async () => {
    for (const name of NEWEST_FIRST) {
      const res = await detail(other, ref[name]!);
      expect(res.body).toEqual({ responseCode: '4041301', responseMessage: 'Transaction Not Found' });
    }
    expectCode(await detail(partner, ref.otherPurchase!), '4041301');
    expectCode(await detail(other, ref.otherPurchase!), '2001300');
  });

  it('a missing or blank originalPartnerReferenceNo → 4001302; wrong type, too long or unknown fields → 4001301', async () => {
    for (const body of [{}, { originalPartnerReferenceNo: '' }, { originalPartnerReferenceNo: '  ' }, { additionalInfo: {} }]) {
      const res = await call(partner, DETAIL, body);
      expect(res.body).toEqual({ responseCode: '4001302', responseMessage: 'Invalid Mandatory Field originalPartnerReferenceNo', field: 'originalPartnerReferenceNo' });
    }
    expectCode(await call(partner, DETAIL, ''), '4001302');
    for (const [body, field] of [
      [{ originalPartnerReferenceNo: 42 }, 'originalPartnerReferenceNo'],
      [{ originalPartnerReferenceNo: 'x'.repeat(65) }, 'originalPartnerReferenceNo'],
      [{ originalPartnerReferenceNo: ref.topUp, originalReferenceNo: ref.topUp }, 'originalReferenceNo'],
      [{ originalPartnerReferenceNo: ref.topUp, additionalInfo: [] }, 'additionalInfo'],
    ] as const) {
      const res = await call(partner, DETAIL, body);
      expectCode(res, '4001301');
      expect(res.body.responseMessage).toContain(field);
    }
    expectCode(await call(partner, DETAIL, { originalPartnerReferenceNo: ref.topUp, additionalInfo: { channel: 'web' } }), '2001300');
  });
});

describe('documentation and secrecy', () => {
  it('both services are in the OpenAPI document', async () => {
    const doc = (await h.http().get('/openapi.json')).body;
    expect(doc.paths['/snap/v1.0/transaction-history-list'].post).toBeDefined();
    expect(doc.paths['/snap/v1.0/transaction-history-detail'].post).toBeDefined();
  });

  it('no response ever carried a card number', () => {
    expect(seen.length).toBeGreaterThan(50);
    const history = seen.filter((t) => t.includes('"responseCode":"20012') || t.includes('"responseCode":"20013'));
    expect(history.length).toBeGreaterThan(20);
    for (const text of history) {
      expect(text).not.toContain(card.number);
      expect(text).not.toContain(otherCard.number);
    }
  });
});
