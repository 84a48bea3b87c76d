import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StoredCardStatus } from '../../src/modules/cards/card-state';
import type { CardType } from '../../src/modules/cards/card.entity';
import { categoryMatches } from '../../src/modules/controls/mcc-groups';
import type { CountInterval, CountLimit, SpendControls, SpendingInterval, SpendingLimit } from '../../src/modules/controls/spend-controls';
import { normaliseSpendControls } from '../../src/modules/controls/spend-controls';
import {
  decide,
  limitKey,
  windowStart,
  type AuthorizationRequest,
  type CardFacts,
  type Decision,
  type PolicyVerdict,
} from '../../src/modules/authorizations/decision';

/**
 * decide() is the pure heart of an authorization: the request, the card's facts, its spend-limit
 * usage and the funds available in, a decision out. The order of the checks is API.md's:
 * 54 (expired, expiry mismatch) → 82 (CVV) → 62 (card and cardholder state) → 05 (business) →
 * merchant lock (57) and single use (05) → currency (05) → 57 (categories, countries, merchants) →
 * 61 (amount limits) → policies → 51 (funds) → 10 (partial).
 */

const JAKARTA = 'Asia/Jakarta';
// A Sunday in Jakarta (12:00 local).
const NOW = new Date('2026-11-22T05:00:00Z');

function controls(over: Partial<SpendControls> = {}): SpendControls {
  return { ...normaliseSpendControls(null), ...over };
}

const limit = (amountMinor: number | bigint, interval: SpendingInterval, categories: string[] = []): SpendingLimit => ({
  amountMinor: String(amountMinor),
  currency: 'IDR',
  interval,
  categories,
});

const countLimit = (count: number, interval: CountInterval, categories: string[] = []): CountLimit => ({ count, interval, categories });
/** The usage map key of a count limit (counters of approvals, kept apart from amounts by the `count:` prefix). */
const countKey = (l: CountLimit, now = NOW, tz = JAKARTA) => `count:${limitKey(l)}|${windowStart(l.interval, now, tz)}`;

function card(over: Partial<CardFacts> = {}): CardFacts {
  return {
    type: 'VIRTUAL',
    status: 'ACTIVE',
    expiryMonth: 12,
    expiryYear: 2030,
    currency: 'IDR',
    spendControls: controls(),
    lockedMerchantId: null,
    cardholderStatus: 'ACTIVE',
    businessStatus: 'ACTIVE',
    timeZone: JAKARTA,
    used: false,
    expectedCvv: '123',
    ...over,
  };
}

function req(over: Partial<AuthorizationRequest> & { mcc?: string; country?: string; merchantId?: string } = {}): AuthorizationRequest {
  const { mcc = '5812', country = 'ID', merchantId = 'M1', ...rest } = over;
  return {
    amount: 100_000n,
    currency: 'IDR',
    merchant: { id: merchantId, name: 'Warung', mcc, city: 'Jakarta', country },
    partialAllowed: false,
    ...rest,
  };
}

const NO_USAGE: ReadonlyMap<string, bigint> = new Map();
const RICH = 10_000_000n;

function run(
  r: AuthorizationRequest = req(),
  c: CardFacts = card(),
  o: { usage?: ReadonlyMap<string, bigint>; available?: bigint; now?: Date; policy?: PolicyVerdict } = {},
): Decision {
  return decide(r, c, o.usage ?? NO_USAGE, o.available ?? RICH, o.now ?? NOW, o.policy);
}

function expectDeclined(d: Decision, code: string, reason?: RegExp): void {
  expect(d.decision, JSON.stringify(d, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe('declined');
  expect(d.responseCode).toBe(code);
  expect(d.approvedAmount).toBe(0n);
  expect(d.counters).toEqual([]);
  if (reason) expect(d.reason).toMatch(reason);
}

/** The usage map key decide() reads for a limit in the window containing `now`. */
const usageKey = (l: SpendingLimit, now = NOW, tz = JAKARTA) => `${limitKey(l)}|${windowStart(l.interval, now, tz)}`;

// ---- each code -------------------------------------------------------------------------------

describe('decide(): each response code', () => {
  it('00: approves the full amount with no counters when nothing limits it', () => {
    const d = run();
    expect(d).toEqual({ decision: 'approved', responseCode: '00', reason: 'approved', approvedAmount: 100_000n, counters: [] });
  });

  it('00: a correct expiry (MMYY) and CVV pass; omitted ones are not checked', () => {
    expect(run(req({ expiry: '1230', cvv: '123' })).responseCode).toBe('00');
    expect(run(req({ expiry: '1230' })).responseCode).toBe('00');
    expect(run(req({ cvv: '123' })).responseCode).toBe('00');
    // A request without a CVV is fine even when the caller derived none.
    expect(run(req(), card({ expectedCvv: undefined })).responseCode).toBe('00');
  });

  it('54: a card past its expiry month (in Jakarta, UTC+7) is expired; the last moment of the month is not', () => {
    const c = card({ expiryMonth: 11, expiryYear: 2026 });
    // 2026-11-30 23:59:59.999 in Jakarta: still valid.
    expect(run(req(), c, { now: new Date('2026-11-30T16:59:59.999Z') }).responseCode).toBe('00');
    // 2026-12-01 00:00 in Jakarta (still 30 November in UTC): expired.
    expectDeclined(run(req(), c, { now: new Date('2026-11-30T17:00:00Z') }), '54', /expired/);
    expectDeclined(run(req(), card({ expiryMonth: 12, expiryYear: 2025 })), '54', /expired/);
  });

  it('54: an expiry in the request that does not match the card', () => {
    expectDeclined(run(req({ expiry: '1130' })), '54', /expiry/);
    expectDeclined(run(req({ expiry: '1231' })), '54', /expiry/);
    // Single-digit months are zero-padded: 0330 for March 2030.
    expect(run(req({ expiry: '0330' }), card({ expiryMonth: 3 })).responseCode).toBe('00');
    expectDeclined(run(req({ expiry: '330' }), card({ expiryMonth: 3 })), '54');
  });

  it('82: a CVV that does not match; also when the caller derived none', () => {
    expectDeclined(run(req({ cvv: '124' })), '82', /CVV/);
    expectDeclined(run(req({ cvv: '0123' })), '82');
    expectDeclined(run(req({ cvv: '123' }), card({ expectedCvv: undefined })), '82');
  });

  it('62: a frozen, inactive or terminated card (terminated wins over expired)', () => {
    expectDeclined(run(req(), card({ status: 'FROZEN' })), '62', /frozen/);
    expectDeclined(run(req(), card({ status: 'INACTIVE' })), '62', /inactive/);
    expectDeclined(run(req(), card({ status: 'TERMINATED' })), '62', /terminated/);
    expectDeclined(run(req(), card({ status: 'TERMINATED', expiryYear: 2020 })), '62', /terminated/);
  });

  it('62: a cardholder that is not active', () => {
    expectDeclined(run(req(), card({ cardholderStatus: 'INACTIVE' })), '62', /cardholder/);
    expectDeclined(run(req(), card({ cardholderStatus: 'BLOCKED' })), '62', /cardholder/);
  });

  it('05: a business that is not active; a used single-use card; a currency other than the card’s', () => {
    expectDeclined(run(req(), card({ businessStatus: 'SUSPENDED' })), '05', /business/);
    expectDeclined(run(req(), card({ businessStatus: 'CLOSED' })), '05', /business/);
    expectDeclined(run(req(), card({ type: 'SINGLE_USE', used: true })), '05', /single-use/);
    expect(run(req(), card({ type: 'SINGLE_USE', used: false })).responseCode).toBe('00');
    // `used` only matters for single-use cards.
    expect(run(req(), card({ type: 'VIRTUAL', used: true })).responseCode).toBe('00');
    expectDeclined(run(req({ currency: 'USD' })), '05', /currency/);
  });

  it('57: a merchant-locked card at another merchant; the locked merchant and an unlocked card pass', () => {
    expectDeclined(run(req({ merchantId: 'M2' }), card({ type: 'MERCHANT_LOCKED', lockedMerchantId: 'M1' })), '57', /locked/);
    expect(run(req({ merchantId: 'M1' }), card({ type: 'MERCHANT_LOCKED', lockedMerchantId: 'M1' })).responseCode).toBe('00');
    expect(run(req({ merchantId: 'M2' }), card({ type: 'MERCHANT_LOCKED', lockedMerchantId: null })).responseCode).toBe('00');
  });

  it('57: blocked categories by MCC and by group; groups nest (travel includes lodging and airlines)', () => {
    const gambling = card({ spendControls: controls({ blockedCategories: ['gambling'] }) });
    expectDeclined(run(req({ mcc: '7995' }), gambling), '57', /category blocked/);
    expect(run(req({ mcc: '5812' }), gambling).responseCode).toBe('00');
    expectDeclined(run(req({ mcc: '5812' }), card({ spendControls: controls({ blockedCategories: ['5812'] }) })), '57', /category blocked/);
    // Allow travel, block airlines: a hotel passes, an airline (3000-3350) does not.
    const travelNoAir = card({ spendControls: controls({ allowedCategories: ['travel'], blockedCategories: ['airlines'] }) });
    expect(run(req({ mcc: '7011' }), travelNoAir).responseCode).toBe('00');
    expect(run(req({ mcc: '3600' }), travelNoAir).responseCode).toBe('00');
    expectDeclined(run(req({ mcc: '3005' }), travelNoAir), '57', /category blocked/);
  });

  it('57: categories outside a non-empty allow list', () => {
    const c = card({ spendControls: controls({ allowedCategories: ['5812', 'fuel'] }) });
    expect(run(req({ mcc: '5812' }), c).responseCode).toBe('00');
    expect(run(req({ mcc: '5541' }), c).responseCode).toBe('00');
    expectDeclined(run(req({ mcc: '5814' }), c), '57', /not allowed/);
  });

  it('57: blocked countries and countries outside the allow list', () => {
    expectDeclined(run(req({ country: 'SG' }), card({ spendControls: controls({ blockedCountries: ['SG'] }) })), '57', /country blocked/);
    expect(run(req({ country: 'ID' }), card({ spendControls: controls({ blockedCountries: ['SG'] }) })).responseCode).toBe('00');
    expectDeclined(run(req({ country: 'MY' }), card({ spendControls: controls({ allowedCountries: ['ID', 'SG'] }) })), '57', /country not allowed/);
    expect(run(req({ country: 'SG' }), card({ spendControls: controls({ allowedCountries: ['ID', 'SG'] }) })).responseCode).toBe('00');
  });

  it('57: blocked merchant ids and merchant ids outside the allow list', () => {
    expectDeclined(run(req({ merchantId: 'BAD' }), card({ spendControls: controls({ blockedMerchantIds: ['BAD'] }) })), '57', /merchant blocked/);
    expectDeclined(run(req({ merchantId: 'M9' }), card({ spendControls: controls({ allowedMerchantIds: ['M1'] }) })), '57', /merchant not allowed/);
    expect(run(req({ merchantId: 'M1' }), card({ spendControls: controls({ allowedMerchantIds: ['M1'] }) })).responseCode).toBe('00');
  });

  it('61: a per-authorization limit (the limit itself is allowed, one more is not); no counter for it', () => {
    const c = card({ spendControls: controls({ spendingLimits: [limit(100_000, 'per_authorization')] }) });
    const ok = run(req({ amount: 100_000n }), c);
    expect(ok.responseCode).toBe('00');
    expect(ok.counters).toEqual([]);
    expectDeclined(run(req({ amount: 100_001n }), c), '61', /limit/);
  });

  it.each(['daily', 'weekly', 'monthly', 'yearly', 'all_time'] as const)('61: a %s limit counts the usage of the current window only', (interval) => {
    const l = limit(1_000_000, interval);
    const c = card({ spendControls: controls({ spendingLimits: [l] }) });
    const used = new Map([[usageKey(l), 950_000n]]);
    expectDeclined(run(req({ amount: 50_001n }), c, { usage: used }), '61');
    const fits = run(req({ amount: 50_000n }), c, { usage: used });
    expect(fits.responseCode).toBe('00');
    expect(fits.counters).toEqual([{ limitKey: `${interval}:`, windowStart: windowStart(interval, NOW, JAKARTA), limit: 1_000_000n, kind: 'amount' }]);
    // Usage recorded under another window start does not count (all_time has only one window).
    if (interval !== 'all_time') {
      const stale = new Map([[`${limitKey(l)}|2000-01-01`, 1_000_000n]]);
      expect(run(req({ amount: 1_000_000n }), c, { usage: stale }).responseCode).toBe('00');
    }
  });

  it('61: usage above a (lowered) limit declines, never approves a negative remainder', () => {
    const l = limit(100, 'daily');
    const c = card({ spendControls: controls({ spendingLimits: [l] }) });
    expectDeclined(run(req({ amount: 1n, partialAllowed: true }), c, { usage: new Map([[usageKey(l), 500n]]) }), '61');
    expectDeclined(run(req({ amount: 1n, partialAllowed: true }), c, { usage: new Map([[usageKey(l), 100n]]) }), '61');
  });

  it('61: a categories-scoped limit applies only in its categories (a restaurants limit does not apply at a fuel MCC)', () => {
    const restaurants = limit(500_000, 'daily', ['restaurants']);
    const c = card({ spendControls: controls({ spendingLimits: [restaurants] }) });
    const usage = new Map([[usageKey(restaurants), 500_000n]]);
    expectDeclined(run(req({ mcc: '5812', amount: 1n }), c, { usage }), '61');
    // 5814 (fast food) is in the restaurants group too.
    expectDeclined(run(req({ mcc: '5814', amount: 1n }), c, { usage }), '61');
    const fuel = run(req({ mcc: '5541', amount: 900_000n }), c, { usage });
    expect(fuel.responseCode).toBe('00');
    expect(fuel.counters).toEqual([]);
    // A per-authorization limit scoped to fuel does not apply at a restaurant.
    const fuelCap = card({ spendControls: controls({ spendingLimits: [limit(10, 'per_authorization', ['fuel'])] }) });
    expect(run(req({ mcc: '5812' }), fuelCap).responseCode).toBe('00');
    expectDeclined(run(req({ mcc: '5542' }), fuelCap), '61');
  });

  it('61: every applicable limit counts, and the approval counts against each windowed one', () => {
    const daily = limit(300_000, 'daily');
    const monthly = limit(1_000_000, 'monthly');
    const food = limit(200_000, 'weekly', ['restaurants', '5541']);
    const c = card({ spendControls: controls({ spendingLimits: [daily, monthly, food, limit(150_000, 'per_authorization')] }) });
    const d = run(req({ mcc: '5812', amount: 150_000n }), c, { usage: new Map([[usageKey(food), 50_000n]]) });
    expect(d.responseCode).toBe('00');
    expect(d.counters).toEqual([
      { limitKey: 'daily:', windowStart: '2026-11-22', limit: 300_000n, kind: 'amount' },
      { limitKey: 'monthly:', windowStart: '2026-11-01', limit: 1_000_000n, kind: 'amount' },
      { limitKey: 'weekly:5541,restaurants', windowStart: '2026-11-16', limit: 200_000n, kind: 'amount' },
    ]);
    // The weekly restaurants limit has 150 000 left: one unit more is over.
    expectDeclined(run(req({ mcc: '5812', amount: 150_001n }), c, { usage: new Map([[usageKey(food), 50_000n]]) }), '61');
    // The monthly limit is the tightest here.
    expectDeclined(run(req({ mcc: '5411', amount: 100_000n }), c, { usage: new Map([[usageKey(monthly), 950_000n]]) }), '61');
  });

  it('65: a count limit allows that many approvals per window; the next is declined', () => {
    const daily = countLimit(3, 'daily');
    const c = card({ spendControls: controls({ countLimits: [daily] }) });
    const ok = run(req(), c, { usage: new Map([[countKey(daily), 2n]]) });
    expect(ok.responseCode).toBe('00');
    expect(ok.counters).toEqual([{ limitKey: 'count:daily:', windowStart: '2026-11-22', limit: 3n, kind: 'count' }]);
    expectDeclined(run(req(), c, { usage: new Map([[countKey(daily), 3n]]) }), '65', /frequency/);
    // Yesterday's approvals do not count today; an amount counter under the same interval is another counter.
    expect(run(req(), c, { usage: new Map([[`count:daily:|2026-11-21`, 3n], ['daily:|2026-11-22', 3n]]) }).responseCode).toBe('00');
    // The window turns at Jakarta midnight (17:00 UTC).
    const late = new Date('2026-11-22T16:59:59Z');
    const usage = new Map([[countKey(daily, late), 3n]]);
    expectDeclined(run(req(), c, { usage, now: late }), '65');
    expect(run(req(), c, { usage, now: new Date('2026-11-22T17:00:00Z') }).responseCode).toBe('00');
  });

  it('65: a count limit scoped to categories counts only there; amount and count counters both come back on approval', () => {
    const fuelTwice = countLimit(2, 'weekly', ['fuel']);
    const amount = limit(1_000_000, 'monthly');
    const c = card({ spendControls: controls({ spendingLimits: [amount], countLimits: [fuelTwice] }) });
    const usage = new Map([[countKey(fuelTwice), 2n]]);
    expectDeclined(run(req({ mcc: '5541' }), c, { usage }), '65');
    const food = run(req({ mcc: '5812' }), c, { usage });
    expect(food.responseCode).toBe('00');
    expect(food.counters).toEqual([{ limitKey: 'monthly:', windowStart: '2026-11-01', limit: 1_000_000n, kind: 'amount' }]);
    const fuel = run(req({ mcc: '5542' }), c, { usage: new Map([[countKey(fuelTwice), 1n]]) });
    expect(fuel.counters).toEqual([
      { limitKey: 'monthly:', windowStart: '2026-11-01', limit: 1_000_000n, kind: 'amount' },
      { limitKey: 'count:weekly:fuel', windowStart: '2026-11-16', limit: 2n, kind: 'count' },
    ]);
  });

  it('65 comes after 61 and before policies and funds; a partial approval still counts once', () => {
    const once = countLimit(1, 'daily');
    const used = new Map([[countKey(once), 1n]]);
    const withAmount = card({ spendControls: controls({ spendingLimits: [limit(10, 'per_authorization')], countLimits: [once] }) });
    expectDeclined(run(req(), withAmount, { usage: used }), '61');
    const onlyCount = card({ spendControls: controls({ countLimits: [once] }) });
    expectDeclined(run(req(), onlyCount, { usage: used, available: 0n, policy: { responseCode: '59', reason: 'fraud' } }), '65');
    const partial = run(req({ amount: 100n, partialAllowed: true }), onlyCount, { available: 40n });
    expect(partial).toMatchObject({ responseCode: '10', approvedAmount: 40n });
    expect(partial.counters).toEqual([{ limitKey: 'count:daily:', windowStart: '2026-11-22', limit: 1n, kind: 'count' }]);
  });

  it('51: insufficient funds (exactly enough is enough; nothing or less than nothing is not)', () => {
    expectDeclined(run(req({ amount: 100_000n }), card(), { available: 99_999n }), '51', /funds/);
    expect(run(req({ amount: 100_000n }), card(), { available: 100_000n }).responseCode).toBe('00');
    expectDeclined(run(req({ amount: 1n, partialAllowed: true }), card(), { available: 0n }), '51');
    expectDeclined(run(req({ amount: 1n, partialAllowed: true }), card(), { available: -5n }), '51');
  });

  it('10: partial approval by limit, only when partialAllowed; counters carry the windowed limits', () => {
    const perAuth = card({ spendControls: controls({ spendingLimits: [limit(60_000, 'per_authorization')] }) });
    expect(run(req({ amount: 100_000n, partialAllowed: true }), perAuth)).toEqual({
      decision: 'partial',
      responseCode: '10',
      reason: 'partial: spending limit',
      approvedAmount: 60_000n,
      counters: [],
    });
    expectDeclined(run(req({ amount: 100_000n, partialAllowed: false }), perAuth), '61');

    const daily = limit(100_000, 'daily');
    const withDaily = card({ spendControls: controls({ spendingLimits: [daily] }) });
    const d = run(req({ amount: 100_000n, partialAllowed: true }), withDaily, { usage: new Map([[usageKey(daily), 70_000n]]) });
    expect(d).toMatchObject({ decision: 'partial', responseCode: '10', approvedAmount: 30_000n });
    expect(d.counters).toEqual([{ limitKey: 'daily:', windowStart: '2026-11-22', limit: 100_000n, kind: 'amount' }]);
  });

  it('10: partial approval by funds, only when partialAllowed; the smaller of limit and funds wins', () => {
    expect(run(req({ amount: 100_000n, partialAllowed: true }), card(), { available: 40_000n })).toEqual({
      decision: 'partial',
      responseCode: '10',
      reason: 'partial: funds',
      approvedAmount: 40_000n,
      counters: [],
    });
    expectDeclined(run(req({ amount: 100_000n, partialAllowed: false }), card(), { available: 40_000n }), '51');
    const perAuth = card({ spendControls: controls({ spendingLimits: [limit(60_000, 'per_authorization')] }) });
    expect(run(req({ amount: 100_000n, partialAllowed: true }), perAuth, { available: 40_000n })).toMatchObject({ responseCode: '10', approvedAmount: 40_000n, reason: 'partial: funds' });
    expect(run(req({ amount: 100_000n, partialAllowed: true }), perAuth, { available: 80_000n })).toMatchObject({ responseCode: '10', approvedAmount: 60_000n, reason: 'partial: spending limit' });
    // partialAllowed with enough of everything is a plain approval.
    expect(run(req({ amount: 100_000n, partialAllowed: true })).responseCode).toBe('00');
  });

  it('a policy verdict declines with its own code after the limits and before the funds', () => {
    const policy = { responseCode: '59', reason: 'suspected fraud' };
    expectDeclined(run(req(), card(), { policy }), '59', /suspected fraud/);
    expectDeclined(run(req(), card(), { policy, available: 0n }), '59');
    const capped = card({ spendControls: controls({ spendingLimits: [limit(10, 'per_authorization')] }) });
    expectDeclined(run(req(), capped, { policy }), '61');
    expectDeclined(run(req(), card({ status: 'FROZEN' }), { policy }), '62');
  });
});

// ---- precedence ------------------------------------------------------------------------------

describe('decide(): precedence', () => {
  const blocked = controls({ blockedCategories: ['5812'], spendingLimits: [limit(1, 'per_authorization')] });
  const everythingWrong = (over: Partial<CardFacts> = {}) =>
    card({ status: 'FROZEN', cardholderStatus: 'BLOCKED', businessStatus: 'SUSPENDED', type: 'SINGLE_USE', used: true, spendControls: blocked, ...over });
  const wrongReq = req({ expiry: '0101', cvv: '999', currency: 'USD', amount: 5n });

  it('walks the documented order as each earlier reason is removed', () => {
    const steps: Array<[string, CardFacts, AuthorizationRequest]> = [
      ['54', everythingWrong({ expiryYear: 2020 }), wrongReq],
      ['54', everythingWrong(), wrongReq],
      ['82', everythingWrong(), { ...wrongReq, expiry: undefined }],
      ['62', everythingWrong(), { ...wrongReq, expiry: undefined, cvv: undefined }],
      ['62', everythingWrong({ status: 'ACTIVE' }), { ...wrongReq, expiry: undefined, cvv: undefined }],
      ['05', everythingWrong({ status: 'ACTIVE', cardholderStatus: 'ACTIVE' }), { ...wrongReq, expiry: undefined, cvv: undefined }],
      ['05', everythingWrong({ status: 'ACTIVE', cardholderStatus: 'ACTIVE', businessStatus: 'ACTIVE' }), { ...wrongReq, expiry: undefined, cvv: undefined }],
      ['05', everythingWrong({ status: 'ACTIVE', cardholderStatus: 'ACTIVE', businessStatus: 'ACTIVE', used: false }), { ...wrongReq, expiry: undefined, cvv: undefined }],
      ['57', everythingWrong({ status: 'ACTIVE', cardholderStatus: 'ACTIVE', businessStatus: 'ACTIVE', used: false }), { ...wrongReq, expiry: undefined, cvv: undefined, currency: 'IDR' }],
      [
        '61',
        everythingWrong({ status: 'ACTIVE', cardholderStatus: 'ACTIVE', businessStatus: 'ACTIVE', used: false, spendControls: controls({ spendingLimits: [limit(1, 'per_authorization')] }) }),
        { ...wrongReq, expiry: undefined, cvv: undefined, currency: 'IDR' },
      ],
    ];
    const reasons = [/expired/, /expiry/, /CVV/, /card frozen/, /cardholder/, /business/, /single-use/, /currency/, /category/, /limit/];
    steps.forEach(([code, c, r], i) => expectDeclined(decide(r, c, NO_USAGE, 0n, NOW), code, reasons[i]));
    // With the limit gone, only the funds (0 available) remain.
    expectDeclined(
      decide({ ...wrongReq, expiry: undefined, cvv: undefined, currency: 'IDR' }, card({ type: 'SINGLE_USE' }), NO_USAGE, 0n, NOW),
      '51',
    );
  });

  it('a frozen card with insufficient funds is 62, not 51', () => {
    expectDeclined(run(req(), card({ status: 'FROZEN' }), { available: 0n }), '62');
  });

  it('a wrong CVV on a frozen card is 82; a wrong expiry with a wrong CVV is 54', () => {
    expectDeclined(run(req({ cvv: '000' }), card({ status: 'FROZEN' })), '82');
    expectDeclined(run(req({ cvv: '000', expiry: '0101' })), '54');
  });

  it('a blocked category over the limit without funds is 57; over the limit without funds is 61', () => {
    const c = card({ spendControls: controls({ blockedCategories: ['gambling'], spendingLimits: [limit(1, 'per_authorization')] }) });
    expectDeclined(run(req({ mcc: '7995' }), c, { available: 0n }), '57');
    expectDeclined(run(req({ mcc: '5812' }), c, { available: 0n }), '61');
  });

  it('a merchant lock comes before single use and currency; a suspended business before the merchant lock', () => {
    expectDeclined(run(req({ merchantId: 'M2', currency: 'USD' }), card({ type: 'MERCHANT_LOCKED', lockedMerchantId: 'M1' })), '57', /locked/);
    expectDeclined(run(req({ merchantId: 'M2' }), card({ type: 'MERCHANT_LOCKED', lockedMerchantId: 'M1', businessStatus: 'SUSPENDED' })), '05', /business/);
  });

  it('a category not allowed comes before a country not allowed, which comes before a merchant not allowed', () => {
    const c = card({ spendControls: controls({ allowedCategories: ['fuel'], allowedCountries: ['ID'], allowedMerchantIds: ['M1'] }) });
    expectDeclined(run(req({ mcc: '5812', country: 'SG', merchantId: 'X' }), c), '57', /category/);
    expectDeclined(run(req({ mcc: '5541', country: 'SG', merchantId: 'X' }), c), '57', /country/);
    expectDeclined(run(req({ mcc: '5541', country: 'ID', merchantId: 'X' }), c), '57', /merchant not allowed/);
  });
});

// ---- calendar windows --------------------------------------------------------------------------

describe('windowStart(): calendar windows in the business time zone', () => {
  const all = (iso: string, tz = JAKARTA) =>
    Object.fromEntries((['daily', 'weekly', 'monthly', 'yearly', 'all_time'] as const).map((i) => [i, windowStart(i, new Date(iso), tz)]));

  it('Jakarta days start at 17:00 UTC, not at UTC midnight', () => {
    // Sunday 2026-11-22, 23:59:59.999 in Jakarta.
    expect(all('2026-11-22T16:59:59.999Z')).toEqual({ daily: '2026-11-22', weekly: '2026-11-16', monthly: '2026-11-01', yearly: '2026-01-01', all_time: '1970-01-01' });
    // Monday 2026-11-23, 00:00 in Jakarta: a new day and a new week.
    expect(all('2026-11-22T17:00:00Z')).toEqual({ daily: '2026-11-23', weekly: '2026-11-23', monthly: '2026-11-01', yearly: '2026-01-01', all_time: '1970-01-01' });
    // UTC midnight is 07:00 in Jakarta: the day does not change there.
    expect(all('2026-11-22T23:59:59.999Z').daily).toBe('2026-11-23');
    expect(all('2026-11-23T00:00:00Z')).toEqual({ daily: '2026-11-23', weekly: '2026-11-23', monthly: '2026-11-01', yearly: '2026-01-01', all_time: '1970-01-01' });
    // Before 17:00 UTC on the UTC day, Jakarta is still on that day.
    expect(all('2026-11-23T00:00:00Z').daily).toBe(all('2026-11-22T17:00:00Z').daily);
  });

  it('weeks start on Monday (Sunday belongs to the week before)', () => {
    expect(windowStart('weekly', new Date('2026-11-29T16:59:59Z'), JAKARTA)).toBe('2026-11-23'); // Sunday 29th, 23:59
    expect(windowStart('weekly', new Date('2026-11-29T17:00:00Z'), JAKARTA)).toBe('2026-11-30'); // Monday 30th, 00:00
    expect(windowStart('weekly', new Date('2026-11-25T05:00:00Z'), JAKARTA)).toBe('2026-11-23'); // Wednesday
  });

  it('months and years turn over at Jakarta midnight; a week may span the new year', () => {
    expect(all('2026-11-30T16:59:59Z')).toMatchObject({ daily: '2026-11-30', weekly: '2026-11-30', monthly: '2026-11-01' });
    expect(all('2026-11-30T17:00:00Z')).toMatchObject({ daily: '2026-12-01', weekly: '2026-11-30', monthly: '2026-12-01' });
    expect(all('2026-12-31T16:59:59Z')).toEqual({ daily: '2026-12-31', weekly: '2026-12-28', monthly: '2026-12-01', yearly: '2026-01-01', all_time: '1970-01-01' });
    expect(all('2026-12-31T17:00:00Z')).toEqual({ daily: '2027-01-01', weekly: '2026-12-28', monthly: '2027-01-01', yearly: '2027-01-01', all_time: '1970-01-01' });
    // A leap day.
    expect(all('2028-02-29T05:00:00Z')).toMatchObject({ daily: '2028-02-29', weekly: '2028-02-28', monthly: '2028-02-01' });
  });

  it('uses the given time zone, not the server’s or UTC', () => {
    expect(windowStart('daily', new Date('2026-11-22T20:00:00Z'), 'UTC')).toBe('2026-11-22');
    expect(windowStart('daily', new Date('2026-11-22T20:00:00Z'), JAKARTA)).toBe('2026-11-23');
    expect(windowStart('daily', new Date('2026-11-23T03:00:00Z'), 'America/New_York')).toBe('2026-11-22');
  });

  it('decide() counts an authorization at 17:00 UTC in the next Jakarta day’s window', () => {
    const daily = limit(100, 'daily');
    const c = card({ spendControls: controls({ spendingLimits: [daily] }) });
    const before = new Date('2026-11-22T16:59:59Z');
    const after = new Date('2026-11-22T17:00:00Z');
    const usage = new Map([[usageKey(daily, before), 100n]]);
    expectDeclined(run(req({ amount: 1n }), c, { usage, now: before }), '61');
    const d = run(req({ amount: 100n }), c, { usage, now: after });
    expect(d.responseCode).toBe('00');
    expect(d.counters).toEqual([{ limitKey: 'daily:', windowStart: '2026-11-23', limit: 100n, kind: 'amount' }]);
  });

  it('property: daily is the Jakarta date; weekly is the Monday on or before it; monthly and yearly are its first days', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }), (now) => {
        const jakartaDate = new Date(now.getTime() + 7 * 3600_000).toISOString().slice(0, 10);
        const daily = windowStart('daily', now, JAKARTA);
        expect(daily).toBe(jakartaDate);
        const weekly = windowStart('weekly', now, JAKARTA);
        const weekDay = new Date(`${weekly}T00:00:00Z`).getUTCDay();
        expect(weekDay).toBe(1);
        const days = (Date.parse(`${daily}T00:00:00Z`) - Date.parse(`${weekly}T00:00:00Z`)) / 86400_000;
        expect(days).toBeGreaterThanOrEqual(0);
        expect(days).toBeLessThanOrEqual(6);
        expect(windowStart('monthly', now, JAKARTA)).toBe(`${daily.slice(0, 7)}-01`);
        expect(windowStart('yearly', now, JAKARTA)).toBe(`${daily.slice(0, 4)}-01-01`);
        expect(windowStart('all_time', now, JAKARTA)).toBe('1970-01-01');
      }),
      { numRuns: 500 },
    );
  });
});

describe('limitKey()', () => {
  it('is the interval and the sorted categories, so the same limit written in another order shares its counter', () => {
    expect(limitKey({ interval: 'daily', categories: [] })).toBe('daily:');
    expect(limitKey({ interval: 'weekly', categories: ['restaurants', 'fuel'] })).toBe('weekly:fuel,restaurants');
    expect(limitKey({ interval: 'weekly', categories: ['fuel', 'restaurants'] })).toBe(limitKey({ interval: 'weekly', categories: ['restaurants', 'fuel'] }));
    expect(limitKey({ interval: 'monthly', categories: ['fuel'] })).not.toBe(limitKey({ interval: 'weekly', categories: ['fuel'] }));
  });
});

// ---- properties --------------------------------------------------------------------------------

const MCCS = ['5812', '5814', '5541', '7011', '3005', '7995', '5411'];
const CATEGORIES = ['restaurants', 'fuel', '5812', 'travel', 'groceries', 'gambling'];
const INTERVALS: SpendingInterval[] = ['per_authorization', 'daily', 'weekly', 'monthly', 'yearly', 'all_time'];

const limitArb = fc.record({
  amount: fc.bigInt({ min: 1n, max: 2_000n }),
  interval: fc.constantFrom(...INTERVALS),
  categories: fc.subarray(CATEGORIES, { maxLength: 2 }),
});

const scenarioArb = fc
  .record({
    amount: fc.bigInt({ min: 1n, max: 2_000n }),
    mcc: fc.constantFrom(...MCCS),
    country: fc.constantFrom('ID', 'SG'),
    merchantId: fc.constantFrom('M1', 'M2'),
    partialAllowed: fc.boolean(),
    currency: fc.constantFrom('IDR', 'IDR', 'IDR', 'USD'),
    expiry: fc.option(fc.constantFrom('1230', '1130'), { nil: undefined }),
    cvv: fc.option(fc.constantFrom('123', '999'), { nil: undefined }),
    type: fc.constantFrom<CardType>('VIRTUAL', 'PHYSICAL', 'SINGLE_USE', 'MERCHANT_LOCKED'),
    status: fc.constantFrom<StoredCardStatus>('ACTIVE', 'ACTIVE', 'ACTIVE', 'FROZEN', 'INACTIVE', 'TERMINATED'),
    expiryYear: fc.constantFrom(2030, 2030, 2030, 2025),
    cardholderStatus: fc.constantFrom('ACTIVE', 'ACTIVE', 'ACTIVE', 'BLOCKED'),
    businessStatus: fc.constantFrom('ACTIVE', 'ACTIVE', 'ACTIVE', 'SUSPENDED'),
    used: fc.boolean(),
    lockedMerchantId: fc.constantFrom(null, 'M1'),
    limits: fc.array(limitArb, { maxLength: 4 }),
    countLimits: fc.array(
      fc.record({ count: fc.integer({ min: 1, max: 4 }), interval: fc.constantFrom<CountInterval>('daily', 'weekly', 'monthly', 'yearly', 'all_time'), categories: fc.subarray(CATEGORIES, { maxLength: 2 }), used: fc.integer({ min: 0, max: 5 }) }),
      { maxLength: 2 },
    ),
    usageFractions: fc.array(fc.double({ min: 0, max: 1.3, noNaN: true }), { minLength: 4, maxLength: 4 }),
    blockedCategories: fc.subarray(['gambling', '5411']),
    allowedCountries: fc.subarray(['ID']),
    available: fc.bigInt({ min: -500n, max: 3_000n }),
    now: fc.date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2029-12-31T00:00:00Z'), noInvalidDate: true }),
    // Most runs get a card in good standing, so that limits, funds and partial approvals are reached often.
    healthy: fc.double({ min: 0, max: 1, noNaN: true }).map((x) => x < 0.7),
  })
  .map((raw) => {
    const s = raw.healthy
      ? { ...raw, currency: 'IDR', expiry: undefined, cvv: undefined, status: 'ACTIVE' as const, expiryYear: 2030, cardholderStatus: 'ACTIVE', businessStatus: 'ACTIVE', used: false }
      : raw;
    const spendingLimits = s.limits.map((l) => limit(l.amount, l.interval, l.categories));
    const usage = new Map<string, bigint>();
    spendingLimits.forEach((l, i) => {
      if (l.interval === 'per_authorization') return;
      const key = usageKey(l, s.now);
      // Limits sharing a key (same interval and categories) share a counter, as in the database.
      if (!usage.has(key)) usage.set(key, BigInt(Math.floor(Number(l.amountMinor) * s.usageFractions[i]!)));
    });
    const countLimits = s.countLimits.map(({ count, interval, categories }) => countLimit(count, interval, categories));
    countLimits.forEach((l, i) => {
      const key = countKey(l, s.now);
      if (!usage.has(key)) usage.set(key, BigInt(s.countLimits[i]!.used));
    });
    const r: AuthorizationRequest = {
      amount: s.amount,
      currency: s.currency,
      expiry: s.expiry,
      cvv: s.cvv,
      merchant: { id: s.merchantId, name: 'Shop', mcc: s.mcc, country: s.country },
      partialAllowed: s.partialAllowed,
    };
    const c = card({
      type: s.type,
      status: s.status,
      expiryYear: s.expiryYear,
      cardholderStatus: s.cardholderStatus,
      businessStatus: s.businessStatus,
      used: s.used,
      lockedMerchantId: s.type === 'MERCHANT_LOCKED' ? s.lockedMerchantId : null,
      spendControls: controls({ spendingLimits, countLimits, blockedCategories: s.blockedCategories, allowedCountries: s.allowedCountries }),
    });
    return { r, c, usage, available: s.available, now: s.now };
  });

/** The limits that apply to this request's MCC, with what each has left in its current window. */
function applicableRemaining(r: AuthorizationRequest, c: CardFacts, usage: ReadonlyMap<string, bigint>, now: Date): Array<{ l: SpendingLimit; remaining: bigint }> {
  return c.spendControls.spendingLimits
    .filter((l) => l.categories.length === 0 || l.categories.some((cat) => categoryMatches(cat, r.merchant.mcc)))
    .map((l) => ({ l, remaining: BigInt(l.amountMinor) - (l.interval === 'per_authorization' ? 0n : (usage.get(usageKey(l, now, c.timeZone)) ?? 0n)) }));
}

/** The count limits that apply to this request's MCC. */
function applicableCounts(r: AuthorizationRequest, c: CardFacts): CountLimit[] {
  return c.spendControls.countLimits.filter((l) => l.categories.length === 0 || l.categories.some((cat) => categoryMatches(cat, r.merchant.mcc)));
}

describe('decide(): properties', () => {
  it('approvedAmount never exceeds the amount, the funds or any applicable limit’s remainder; decisions and codes agree', () => {
    fc.assert(
      fc.property(scenarioArb, ({ r, c, usage, available, now }) => {
        const d = decide(r, c, usage, available, now);
        expect(d.approvedAmount).toBeGreaterThanOrEqual(0n);
        expect(d.approvedAmount).toBeLessThanOrEqual(r.amount);
        if (d.decision === 'declined') {
          expect(d.approvedAmount).toBe(0n);
          expect(d.counters).toEqual([]);
          expect(['05', '51', '54', '57', '61', '62', '65', '82']).toContain(d.responseCode);
          return;
        }
        expect(d.approvedAmount).toBeLessThanOrEqual(available);
        for (const { remaining } of applicableRemaining(r, c, usage, now)) expect(d.approvedAmount).toBeLessThanOrEqual(remaining);
        // Every applicable count limit has room for one more approval.
        const counts = applicableCounts(r, c);
        for (const l of counts) expect((usage.get(countKey(l, now, c.timeZone)) ?? 0n) + 1n).toBeLessThanOrEqual(BigInt(l.count));
        // The counters are exactly the applicable windowed amount limits, then the applicable count limits, in the current windows.
        const expected = [
          ...applicableRemaining(r, c, usage, now)
            .filter(({ l }) => l.interval !== 'per_authorization')
            .map(({ l }) => ({ limitKey: limitKey(l), windowStart: windowStart(l.interval, now, c.timeZone), limit: BigInt(l.amountMinor), kind: 'amount' })),
          ...counts.map((l) => ({ limitKey: `count:${limitKey(l)}`, windowStart: windowStart(l.interval, now, c.timeZone), limit: BigInt(l.count), kind: 'count' })),
        ];
        expect(d.counters).toEqual(expected);
        if (d.decision === 'partial') {
          expect(r.partialAllowed).toBe(true);
          expect(d.responseCode).toBe('10');
          expect(d.approvedAmount).toBeGreaterThan(0n);
          expect(d.approvedAmount).toBeLessThan(r.amount);
        } else {
          expect(d.decision).toBe('approved');
          expect(d.responseCode).toBe('00');
          expect(d.approvedAmount).toBe(r.amount);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a decline for funds or limits means they really do not cover the amount (or, when partial is allowed, nothing of it)', () => {
    fc.assert(
      fc.property(scenarioArb, ({ r, c, usage, available, now }) => {
        const d = decide(r, c, usage, available, now);
        const tightest = applicableRemaining(r, c, usage, now).reduce((m, { remaining }) => (remaining < m ? remaining : m), r.amount);
        if (d.responseCode === '61') {
          expect(r.partialAllowed ? tightest <= 0n : tightest < r.amount).toBe(true);
        }
        if (d.responseCode === '65') {
          expect(applicableCounts(r, c).some((l) => (usage.get(countKey(l, now, c.timeZone)) ?? 0n) >= BigInt(l.count))).toBe(true);
        }
        if (d.responseCode === '51') {
          expect(tightest).toBeGreaterThan(0n);
          const wanted = tightest < r.amount ? tightest : r.amount;
          expect(r.partialAllowed ? available <= 0n : available < wanted).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('more funds never turn an approval into a decline; fewer never approve more', () => {
    fc.assert(
      fc.property(scenarioArb, fc.bigInt({ min: 0n, max: 5_000n }), ({ r, c, usage, available, now }, extra) => {
        const base = decide(r, c, usage, available, now);
        const richer = decide(r, c, usage, available + extra, now);
        expect(richer.approvedAmount).toBeGreaterThanOrEqual(base.approvedAmount);
        if (base.decision !== 'declined') expect(richer.decision).not.toBe('declined');
      }),
      { numRuns: 1000 },
    );
  });

  it('is deterministic and does not modify its inputs', () => {
    fc.assert(
      fc.property(scenarioArb, ({ r, c, usage, available, now }) => {
        const before = JSON.stringify({ r, c, usage: [...usage] }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
        const a = decide(r, c, usage, available, now);
        const b = decide(r, c, usage, available, now);
        expect(a).toEqual(b);
        expect(JSON.stringify({ r, c, usage: [...usage] }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))).toBe(before);
      }),
      { numRuns: 300 },
    );
  });
});
