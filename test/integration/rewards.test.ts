import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OutboxEvent } from '../../src/modules/events/subscribers';
import { subscribers } from '../../src/modules/events/subscribers';
import { rewardsSubscriber } from '../../src/modules/rewards/rewards.subscriber';
import { localDate } from '../../src/modules/rewards/transaction-facts';
import { formatSnapTimestamp } from '../../src/platform/snap-time';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkLedgerInvariants } from '../support/invariants';
import { balances, business as businessFixture, expectSnap, issueCard, type Biz, type IssuedCard } from '../support/partner-fixtures';
import { AIRLINE, eventWhere, GROCER, KOPI, purchase, refund, SOFTWARE } from '../support/spend-fixtures';

/**
 * Rewards (service 98) end to end: purchases and refunds made through the network API, their outbox
 * events handed to the rewards subscriber as the relay would (directly, so the relay is not needed),
 * and the program, balances, history and redemption over SNAP — against the ledger invariants.
 */

let h: Harness;
let net: TestNetwork;

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
});
afterAll(() => h.close());
afterEach(async () => {
  await checkLedgerInvariants(h.kartu.db.manager);
  // Σ of the cardholders' booked values = each business's rewards_liability, exactly.
  const off = await h.kartu.db.query(`
    SELECT a.business_id FROM ledger_accounts a
      LEFT JOIN (SELECT business_id, sum(value) AS v FROM rewards_balances GROUP BY business_id) b ON b.business_id = a.business_id
     WHERE a.code = 'rewards_liability' AND a.credits_posted - a.debits_posted <> coalesce(b.v, 0)`);
  expect(off).toEqual([]);
});

const idr = (value: string) => ({ value, currency: 'IDR' });
const PROGRAM = {
  earnRate: { points: 1, per: idr('1000.00') },
  pointValue: idr('10.00'),
  categoryMultipliers: [{ categories: ['restaurants'], multiplier: '2' }],
};

const handle = (e: OutboxEvent) => rewardsSubscriber.handle(h.kartu, e);

async function setup(program: object | null = PROGRAM, funding = 500_000_000n): Promise<{ b: Biz; card: IssuedCard }> {
  const b = await businessFixture(h, funding);
  if (program) expectSnap(await b.partner.call('PUT', '/snap/v1.0/rewards/program', JSON.stringify(program)), '2009800');
  return { b, card: await issueCard(b) };
}

/** Buys `amount` (network API: IDR minor units, 5_000_000 = IDR 50,000.00), then hands the clearing's event to the subscriber. */
async function buyAndAccrue(b: Biz, card: IssuedCard, amount: number, merchant = KOPI, o: Parameters<typeof purchase>[4] = {}): Promise<OutboxEvent> {
  const { clearingId } = await purchase(net, card, amount, merchant, o);
  const event = await eventWhere(h, b.businessId, 'transaction.cleared', 'clearingId', clearingId);
  await handle(event);
  return event;
}

async function refundAndReverse(b: Biz, card: IssuedCard, amount: number, merchant = KOPI): Promise<OutboxEvent> {
  const refundId = await refund(net, card, amount, merchant);
  const event = await eventWhere(h, b.businessId, 'transaction.refunded', 'refundId', refundId);
  await handle(event);
  return event;
}

async function balance(b: Biz, cardholderId: string | null = b.holderId) {
  const res = await b.partner.call('GET', `/snap/v1.0/rewards/balance${cardholderId ? `?cardholderId=${cardholderId}` : ''}`);
  expectSnap(res, '2009800');
  return res.body.balance;
}

async function history(b: Biz, query = `cardholderId=${b.holderId}`) {
  const res = await b.partner.call('GET', `/snap/v1.0/rewards/history?${query}`);
  expectSnap(res, '2009800');
  return res.body;
}

const q = <T = Record<string, string>>(sql: string, params: unknown[] = []): Promise<T[]> => h.kartu.db.query(sql, params);

async function liability(b: Biz): Promise<bigint> {
  const [row] = await q("SELECT (credits_posted - debits_posted)::text AS v FROM ledger_accounts WHERE business_id = $1 AND code = 'rewards_liability'", [b.businessId]);
  return BigInt(row!.v!);
}

async function rewardTransfers(b: Biz) {
  return q("SELECT kind, amount::text FROM ledger_transfers WHERE business_id = $1 AND kind LIKE 'reward%' ORDER BY created_at", [b.businessId]);
}

async function newHolder(b: Biz, dateOfBirth?: string): Promise<string> {
  const res = await b.partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Budi', email: `budi.${randomUUID().slice(0, 8)}@example.com`, ...(dateOfBirth ? { dateOfBirth } : {}) }));
  expectSnap(res, '2009400');
  return res.body.cardholder.id;
}

describe('the subscriber', () => {
  it('is registered for the relay, on purchases and refunds', () => {
    expect(subscribers).toContain(rewardsSubscriber);
    expect(rewardsSubscriber.types).toEqual(['transaction.cleared', 'transaction.refunded']);
  });

  it('leaves an event it cannot read alone (a retry would fail the same way)', async () => {
    const { b } = await setup();
    await handle({ id: randomUUID(), businessId: b.businessId, type: 'transaction.cleared', data: { unexpected: true }, createdAt: new Date().toISOString() });
    expect((await balance(b)).points).toBe(0);
  });
});

describe('program', () => {
  it('GET before any program → 4049801; PUT creates it, GET returns it, another PUT is version 2', async () => {
    const b = await businessFixture(h, 0n);
    expectSnap(await b.partner.call('GET', '/snap/v1.0/rewards/program'), '4049801');
    const put = await b.partner.call('PUT', '/snap/v1.0/rewards/program', JSON.stringify(PROGRAM));
    expectSnap(put, '2009800');
    expect(put.body.program).toMatchObject({ status: 'ACTIVE', currency: 'IDR', version: 1, earnRate: PROGRAM.earnRate, pointValue: PROGRAM.pointValue, tiers: [], promotions: [] });
    const got = await b.partner.call('GET', '/snap/v1.0/rewards/program');
    expectSnap(got, '2009800');
    expect(got.body.program).toEqual(put.body.program);
    const again = await b.partner.call('PUT', '/snap/v1.0/rewards/program', JSON.stringify({ ...PROGRAM, status: 'PAUSED' }));
    expect(again.body.program).toMatchObject({ status: 'PAUSED', version: 2 });
  });

  const cases: Array<[string, object, string, RegExp]> = [
    ['an unknown field', { ...PROGRAM, colour: 'red' }, '4009801', /colour/],
    ['no earnRate', { pointValue: PROGRAM.pointValue }, '4009802', /earnRate/],
    ['a point value in another currency', { ...PROGRAM, pointValue: { value: '1.00', currency: 'USD' } }, '4009801', /pointValue\.currency/],
    ['a point value of zero', { ...PROGRAM, pointValue: idr('0.00') }, '4009801', /pointValue\.value/],
    ['an unknown category', { ...PROGRAM, categoryMultipliers: [{ categories: ['casinos'], multiplier: '2' }] }, '4009801', /categoryMultipliers\.0\.categories\.0/],
    ['a multiplier that is not a decimal', { ...PROGRAM, categoryMultipliers: [{ categories: ['5812'], multiplier: 'x2' }] }, '4009801', /categoryMultipliers\.0\.multiplier/],
    [
      'a promotion ending before it starts',
      { ...PROGRAM, promotions: [{ name: 'p', startDate: '2026-12-31', endDate: '2026-12-01', multiplier: '2' }] },
      '4009801',
      /promotions\.0\.endDate/,
    ],
    ['a promotion that gives nothing', { ...PROGRAM, promotions: [{ name: 'p', startDate: '2026-12-01', endDate: '2026-12-31' }] }, '4009801', /promotions\.0\.multiplier/],
    ['duplicate tier names', { ...PROGRAM, tiers: [1, 2].map((n) => ({ name: 'gold', minMonthlySpend: idr(`${n}000.00`), multiplier: '2' })) }, '4009801', /tiers\.1\.name/],
    ['a rule whose conditions have no all/any', { ...PROGRAM, rules: [{ conditions: { fact: 'amount' }, event: { type: 'bonus', params: { points: 5 } } }] }, '4009801', /rules\.0\.conditions/],
    [
      'a rule with an unknown operator',
      { ...PROGRAM, rules: [{ conditions: { all: [{ fact: 'amount', operator: 'bigger', value: 1 }] }, event: { type: 'bonus', params: { points: 5 } } }] },
      '4009801',
      /rules\.0\.conditions/,
    ],
  ];
  it.each(cases.map(([name, body, code, field]) => ({ name, body, code, field })))('$name → $code naming the field, nothing stored', async ({ body, code, field }) => {
    const b = await businessFixture(h, 0n);
    const res = await b.partner.call('PUT', '/snap/v1.0/rewards/program', JSON.stringify(body));
    expectSnap(res, code);
    expect(res.body.responseMessage).toMatch(field);
    expectSnap(await b.partner.call('GET', '/snap/v1.0/rewards/program'), '4049801');
  });
});

describe('accrual', () => {
  it('a cleared purchase earns base × category points, booked platform_rewards → rewards_liability; duplicates accrue nothing', async () => {
    const { b, card } = await setup();
    const event = await buyAndAccrue(b, card, 5_000_000);
    // Delivered again, and twice at once: still one accrual.
    await handle(event);
    await Promise.all([handle(event), handle(event)]);
    expect(await balance(b)).toEqual({ cardholderId: b.holderId, points: 100, value: idr('1000.00'), earnedPoints: 100, reversedPoints: 0, redeemedPoints: 0 });
    const { entries, totalCount } = await history(b);
    expect(totalCount).toBe(1);
    expect(entries[0]).toMatchObject({ kind: 'accrual', points: 100, value: idr('1000.00'), spendAmount: idr('50000.00'), cardId: card.id, sourceId: event.data.clearingId });
    expect(entries[0].breakdown).toMatchObject({ basePoints: '50', categoryMultiplier: '2', tier: null });
    expect(await rewardTransfers(b)).toEqual([{ kind: 'reward_accrual', amount: '100000' }]);
    expect(await liability(b)).toBe(100_000n);
    const [platform] = await q("SELECT t.debit_account_id = a.id AS from_platform FROM ledger_transfers t JOIN ledger_accounts a ON a.code = 'platform_rewards' AND a.currency = 'IDR' WHERE t.business_id = $1 AND t.kind = 'reward_accrual'", [b.businessId]);
    expect(platform).toEqual({ from_platform: true });
    // The funding account is untouched by accrual: only the purchase left it.
    expect((await balances(b)).ledger).toBe(500_000_000n - 5_000_000n);
  });

  it("a clearing without a merchant earns at the authorization's merchant", async () => {
    const { b, card } = await setup();
    const event = await buyAndAccrue(b, card, 3_000_000, KOPI, { clearingMerchant: null });
    expect(event.data.merchant).toBeNull();
    expect((await balance(b)).points).toBe(60); // restaurants ×2: the merchant came from the authorization
    expect((await history(b)).entries[0].merchant).toMatchObject({ id: KOPI.id, mcc: '5814' });
  });

  it('pro rata and rounded down; a category without multiplier earns the base', async () => {
    const { b, card } = await setup();
    await buyAndAccrue(b, card, 1_234_500, GROCER);
    expect(await balance(b)).toMatchObject({ points: 12, value: idr('120.00') });
  });

  it('cashbackPercent adds points worth that share of the spend', async () => {
    const { b, card } = await setup({ ...PROGRAM, categoryMultipliers: [], cashbackPercent: '1.5' });
    await buyAndAccrue(b, card, 10_000_000, GROCER);
    // 100 base points + 1.5% of 100,000 = 1,500 IDR = 150 points at IDR 10.
    expect(await balance(b)).toMatchObject({ points: 250, value: idr('2500.00') });
  });

  it('no program or a paused one: nothing accrues', async () => {
    const none = await setup(null);
    await buyAndAccrue(none.b, none.card, 5_000_000);
    const paused = await setup({ ...PROGRAM, status: 'PAUSED' });
    await buyAndAccrue(paused.b, paused.card, 5_000_000);
    for (const x of [none, paused]) {
      expect(await balance(x.b)).toMatchObject({ points: 0, value: idr('0.00') });
      expect((await history(x.b)).totalCount).toBe(0);
      expect(await rewardTransfers(x.b)).toEqual([]);
    }
  });

  it("an event naming another business's card accrues nothing", async () => {
    const a = await setup();
    const other = await setup();
    const event = await buyAndAccrue(other.b, other.card, 2_000_000);
    await handle({ ...event, id: randomUUID(), businessId: a.b.businessId });
    expect((await balance(a.b)).points).toBe(0);
    expect((await balance(other.b)).points).toBe(40);
  });
});

describe('reversal', () => {
  it("a refund reverses at the refund merchant's rate, once", async () => {
    const { b, card } = await setup();
    await buyAndAccrue(b, card, 5_000_000); // 100 points
    const event = await refundAndReverse(b, card, 2_000_000); // restaurants ×2 → 40
    await handle(event);
    expect(await balance(b)).toEqual({ cardholderId: b.holderId, points: 60, value: idr('600.00'), earnedPoints: 100, reversedPoints: 40, redeemedPoints: 0 });
    expect(await rewardTransfers(b)).toEqual([
      { kind: 'reward_accrual', amount: '100000' },
      { kind: 'reward_reversal', amount: '40000' },
    ]);
    expect(await liability(b)).toBe(60_000n);
  });

  it('never below zero: a refund worth more points than the balance takes what is there', async () => {
    const { b, card } = await setup();
    await buyAndAccrue(b, card, 3_000_000); // 60 points
    await refundAndReverse(b, card, 10_000_000); // would be 200
    expect(await balance(b)).toMatchObject({ points: 0, value: idr('0.00'), reversedPoints: 60 });
    const reversal = (await history(b, `cardholderId=${b.holderId}&kind=reversal`)).entries[0];
    expect(reversal).toMatchObject({ points: 60, value: idr('600.00') });
    expect(reversal.breakdown).toMatchObject({ atRatePoints: 200, cappedAtBalance: true });
    expect(await liability(b)).toBe(0n);
    // With nothing left, a further refund records a zero reversal and moves no money.
    await refundAndReverse(b, card, 1_000_000);
    expect((await balance(b)).points).toBe(0);
    expect((await rewardTransfers(b)).filter((t) => t.kind === 'reward_reversal')).toHaveLength(1);
  });
});

describe('redemption', () => {
  async function redeem(b: Biz, body: object, o: { externalId?: string } = {}) {
    return b.partner.call('POST', '/snap/v1.0/rewards/redeem', JSON.stringify(body), o);
  }

  it('credits the cashback to the funding account through the ledger, visible in balance inquiry and history; a replay changes nothing', async () => {
    const { b, card } = await setup();
    await buyAndAccrue(b, card, 5_000_000); // 100 points = IDR 1,000
    const before = await balances(b);
    const res = await redeem(b, { cardholderId: b.holderId, points: 40, partnerReferenceNo: 'rdm-1' }, { externalId: 'redeem-once' });
    expectSnap(res, '2009800');
    expect(res.body.redemption).toMatchObject({ cardholderId: b.holderId, points: 40, amount: idr('400.00'), partnerReferenceNo: 'rdm-1', balance: { points: 60, value: idr('600.00'), redeemedPoints: 40 } });
    const after = await balances(b);
    expect(after.ledger - before.ledger).toBe(40_000n);
    expect(after.available - before.available).toBe(40_000n);
    expect(await liability(b)).toBe(60_000n);

    // The harness clock stands still while the database's now() moves on: a range around both.
    const around = (ms: number) => formatSnapTimestamp(new Date(Date.now() + ms));
    const list = await b.partner.call('POST', '/snap/v1.0/transaction-history-list', JSON.stringify({ fromDateTime: around(-3600_000), toDateTime: around(3600_000) }));
    expectSnap(list, '2001200');
    const cashback = list.body.detailData.filter((r: { type: string }) => r.type === 'CASHBACK');
    expect(cashback).toHaveLength(1);
    expect(cashback[0]).toMatchObject({ referenceNo: res.body.redemption.transferId, amount: idr('400.00'), status: 'SUCCESS' });
    const detail = await b.partner.call('POST', '/snap/v1.0/transaction-history-detail', JSON.stringify({ originalPartnerReferenceNo: res.body.redemption.transferId }));
    expectSnap(detail, '2001300');
    expect(detail.body.type).toBe('CASHBACK');

    // The same X-EXTERNAL-ID again: refused by the partner guard, no second credit.
    expectSnap(await redeem(b, { cardholderId: b.holderId, points: 40 }, { externalId: 'redeem-once' }), '4099800');
    // The same partnerReferenceNo under a new X-EXTERNAL-ID: 409xx01.
    expectSnap(await redeem(b, { cardholderId: b.holderId, points: 10, partnerReferenceNo: 'rdm-1' }), '4099801');
    expect((await balances(b)).ledger).toBe(after.ledger);
    expect((await balance(b)).points).toBe(60);
    expect((await rewardTransfers(b)).filter((t) => t.kind === 'reward_redemption')).toEqual([{ kind: 'reward_redemption', amount: '40000' }]);
  });

  it('concurrent redemptions never spend the same points twice', async () => {
    const { b, card } = await setup();
    await buyAndAccrue(b, card, 5_000_000); // 100 points
    const results = await Promise.all([1, 2, 3].map(() => redeem(b, { cardholderId: b.holderId, points: 40 })));
    expect(results.map((r) => r.body.responseCode).sort()).toEqual(['2009800', '2009800', '4039814']);
    expect(await balance(b)).toMatchObject({ points: 20, value: idr('200.00'), redeemedPoints: 80 });
  });

  it('all points at once take all of their value', async () => {
    const { b, card } = await setup();
    await buyAndAccrue(b, card, 1_234_500, GROCER); // 12 points, IDR 120
    const res = await redeem(b, { cardholderId: b.holderId, points: 12 });
    expectSnap(res, '2009800');
    expect(res.body.redemption.amount).toEqual(idr('120.00'));
    expect(await balance(b)).toMatchObject({ points: 0, value: idr('0.00') });
  });

  it('refuses bad requests precisely and changes nothing', async () => {
    const { b, card } = await setup();
    await buyAndAccrue(b, card, 1_000_000); // 20 points
    const other = await setup();
    const before = await balances(b);
    expectSnap(await redeem(b, { cardholderId: b.holderId, points: 21 }), '4039814');
    expectSnap(await redeem(b, { cardholderId: b.holderId, points: 0 }), '4009801');
    expectSnap(await redeem(b, { cardholderId: b.holderId, points: '5' }), '4009801');
    expectSnap(await redeem(b, { points: 5 }), '4009802');
    expectSnap(await redeem(b, { cardholderId: 'not-a-uuid', points: 5 }), '4009801');
    expectSnap(await redeem(b, { cardholderId: b.holderId, points: 5, bonus: true }), '4009801');
    expectSnap(await redeem(b, { cardholderId: other.b.holderId, points: 5 }), '4049801');
    expectSnap(await redeem(b, { cardholderId: randomUUID(), points: 5 }), '4049801');
    expect((await balances(b)).ledger).toBe(before.ledger);
    expect((await balance(b)).points).toBe(20);
  });
});

describe('tiers, promotions and rules', () => {
  it("tiers by the cardholder's spend earlier in the month", async () => {
    const { b, card } = await setup({
      ...PROGRAM,
      categoryMultipliers: [],
      tiers: [
        { name: 'silver', minMonthlySpend: idr('100000.00'), multiplier: '1.5' },
        { name: 'gold', minMonthlySpend: idr('300000.00'), multiplier: '2' },
      ],
    });
    const points = async () => (await balance(b)).points;
    await buyAndAccrue(b, card, 10_000_000, GROCER);
    expect(await points()).toBe(100); // month-to-date 0: no tier
    await buyAndAccrue(b, card, 1_000_000, GROCER);
    expect(await points()).toBe(115); // 100,000 spent: silver ×1.5
    await buyAndAccrue(b, card, 20_000_000, GROCER);
    expect(await points()).toBe(415); // 110,000: silver → 300
    await buyAndAccrue(b, card, 1_000_000, GROCER);
    expect(await points()).toBe(435); // 310,000: gold ×2 → 20
    const tiers = (await history(b)).entries.map((e: { breakdown: { tier: string | null } }) => e.breakdown.tier);
    expect(tiers).toEqual(['gold', 'silver', 'silver', null]);
  });

  it('promotions: only within their dates and categories; birthday bonuses in the birthday month only', async () => {
    const today = localDate(new Date(), 'Asia/Jakarta');
    const shift = (days: number) => new Date(Date.parse(today) + days * 86400_000).toISOString().slice(0, 10);
    const month = Number(today.slice(5, 7));
    const otherMonth = (month % 12) + 1;
    const { b } = await setup({
      ...PROGRAM,
      categoryMultipliers: [],
      promotions: [
        { name: 'travel-week', startDate: shift(-1), endDate: shift(1), categories: ['travel'], multiplier: '3' },
        { name: 'last-year', startDate: shift(-400), endDate: shift(-300), multiplier: '10' },
        { name: 'next-month', startDate: shift(40), endDate: shift(60), multiplier: '10' },
        { name: 'birthday', startDate: shift(-40), endDate: shift(40), birthdayMonth: true, bonusPoints: 500 },
      ],
    });
    const birthday = await newHolder(b, `1990-${String(month).padStart(2, '0')}-15`);
    const notBirthday = await newHolder(b, `1990-${String(otherMonth).padStart(2, '0')}-15`);
    const cardOf = (holderId: string) => issueCard({ ...b, holderId });
    const c1 = await cardOf(birthday);
    const c2 = await cardOf(notBirthday);
    await buyAndAccrue(b, c1, 1_000_000, AIRLINE);
    await buyAndAccrue(b, c2, 1_000_000, AIRLINE);
    await buyAndAccrue(b, c2, 1_000_000, GROCER);
    expect((await balance(b, birthday)).points).toBe(10 * 3 + 500);
    expect((await balance(b, notBirthday)).points).toBe(30 + 10);
    const entry = (await history(b, `cardholderId=${birthday}`)).entries[0];
    expect(entry.breakdown).toMatchObject({ promotions: ['travel-week', 'birthday'], promotionMultiplier: '3', bonusPoints: 500 });
    // A refund reverses at the rate, without the fixed birthday bonus.
    await refundAndReverse(b, c1, 1_000_000, AIRLINE);
    expect((await balance(b, birthday)).points).toBe(500);
  });

  it('json-rules-engine rules: multipliers multiply, bonuses add', async () => {
    const { b, card } = await setup({
      ...PROGRAM,
      categoryMultipliers: [],
      rules: [
        { name: 'abroad', conditions: { all: [{ fact: 'merchantCountry', operator: 'notEqual', value: 'ID' }] }, event: { type: 'multiplier', params: { multiplier: '2' } } },
        { name: 'big', conditions: { all: [{ fact: 'amount', operator: 'greaterThanInclusive', value: 10_000_000 }] }, event: { type: 'bonus', params: { points: 7 } } },
        { name: 'software', conditions: { all: [{ fact: 'groups', operator: 'contains', value: 'software' }] }, event: { type: 'multiplier', params: { multiplier: '1.5' } } },
      ],
    });
    await buyAndAccrue(b, card, 10_000_000, SOFTWARE); // 100 × 2 × 1.5 + 7
    await buyAndAccrue(b, card, 1_000_000, GROCER); // 10
    expect((await balance(b)).points).toBe(307 + 10);
  });
});

describe('balances and tenancy', () => {
  it("the business total adds its cardholders and shows the ledger's liability", async () => {
    const { b, card } = await setup();
    const second = await newHolder(b);
    const card2 = await issueCard({ ...b, holderId: second });
    await buyAndAccrue(b, card, 1_000_000); // 20
    await buyAndAccrue(b, card2, 2_000_000); // 40
    const total = await balance(b, null);
    expect(total).toMatchObject({ cardholderId: null, points: 60, value: idr('600.00'), liability: idr('600.00') });
    expect((await history(b, 'pageSize=1')).totalCount).toBe(2);
    expect((await history(b, 'pageSize=1')).entries).toHaveLength(1);
  });

  it("another business's cardholder is not found; a malformed id is a format error", async () => {
    const a = await setup();
    const other = await setup();
    await buyAndAccrue(other.b, other.card, 1_000_000);
    expectSnap(await a.b.partner.call('GET', `/snap/v1.0/rewards/balance?cardholderId=${other.b.holderId}`), '4049801');
    expectSnap(await a.b.partner.call('GET', `/snap/v1.0/rewards/history?cardholderId=${other.b.holderId}`), '4049801');
    expectSnap(await a.b.partner.call('GET', '/snap/v1.0/rewards/balance?cardholderId=nope'), '4009801');
    expectSnap(await a.b.partner.call('GET', '/snap/v1.0/rewards/history?pageSize=1000'), '4009801');
    expect((await history(a.b, 'kind=accrual')).totalCount).toBe(0);
  });
});
