import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextWindowStart, windowStart } from '../../src/modules/authorizations/decision';
import { explainOutcome, type StoredDecision } from '../../src/modules/authorizations/outcome';
import { normaliseSpendControls, type SpendControls } from '../../src/modules/controls/spend-controls';

const ZONES: Array<[string, number]> = [
  ['UTC', 0],
  ['Asia/Jakarta', 7],
];

describe('nextWindowStart', () => {
  it('is the day windowStart moves to at the business’s next midnight, and not a millisecond before', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2001-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.constantFrom('daily', 'weekly', 'monthly', 'yearly'),
        fc.constantFrom(...ZONES),
        (now, interval, [zone, offsetHours]) => {
          const start = windowStart(interval, now, zone);
          const next = nextWindowStart(interval, start)!;
          const midnight = Date.parse(`${next}T00:00:00Z`) - offsetHours * 3600_000;
          expect(midnight).toBeGreaterThan(now.getTime());
          expect(windowStart(interval, new Date(midnight), zone)).toBe(next);
          expect(windowStart(interval, new Date(midnight - 1), zone)).toBe(start);
        },
      ),
    );
  });

  it('crosses month and year ends, leap days included; all_time never resets', () => {
    expect(nextWindowStart('daily', '2028-02-28')).toBe('2028-02-29');
    expect(nextWindowStart('daily', '2027-12-31')).toBe('2028-01-01');
    expect(nextWindowStart('weekly', '2026-12-28')).toBe('2027-01-04');
    expect(nextWindowStart('monthly', '2027-12-01')).toBe('2028-01-01');
    expect(nextWindowStart('yearly', '2027-01-01')).toBe('2028-01-01');
    expect(nextWindowStart('all_time', '1970-01-01')).toBeNull();
  });
});

describe('explainOutcome', () => {
  const at = new Date('2026-11-21T03:00:00Z');
  const decision = (o: Partial<StoredDecision>): StoredDecision => ({
    decision: 'declined',
    responseCode: '57',
    reason: 'merchant category blocked',
    amount: 10_000n,
    approvedAmount: 0n,
    currency: 'IDR',
    merchant: { id: 'M-1', mcc: '7995', country: 'ID' },
    createdAt: at,
    available: '500000',
    usage: {},
    policyDecline: null,
    ...o,
  });
  const controls = (c: Partial<SpendControls>) => normaliseSpendControls(c);
  const noPolicies = { get: () => undefined, versionNumber: () => undefined };
  const explain = (d: Partial<StoredDecision>, c: Partial<SpendControls> = {}) => explainOutcome(decision(d), controls(c), 'Asia/Jakarta', noPolicies);

  it('names the block-list entry that matched: a group or an MCC; null when the controls no longer have one', () => {
    expect(explain({}, { blockedCategories: ['5814', 'gambling'] }).control).toEqual({ name: 'blockedCategories', entry: 'gambling', entryType: 'group', mcc: '7995' });
    expect(explain({}, { blockedCategories: ['7995'] }).control).toEqual({ name: 'blockedCategories', entry: '7995', entryType: 'mcc', mcc: '7995' });
    expect(explain({}, {}).control).toEqual({ name: 'blockedCategories', entry: null, mcc: '7995' });
  });

  it('allow lists, countries and merchants', () => {
    expect(explain({ reason: 'merchant category not allowed' }, { allowedCategories: ['travel'] })).toMatchObject({ check: 'category_not_allowed', control: { name: 'allowedCategories', mcc: '7995', allowed: ['travel'] } });
    expect(explain({ reason: 'merchant country blocked', merchant: { country: 'SG' } }, { blockedCountries: ['SG'] }).control).toEqual({ name: 'blockedCountries', entry: 'SG', entryType: 'country', country: 'SG' });
    expect(explain({ reason: 'merchant not allowed', merchant: { id: 'M-9' } }, { allowedMerchantIds: ['M-1'] }).control).toEqual({ name: 'allowedMerchantIds', merchantId: 'M-9', allowed: ['M-1'] });
  });

  it('the amount limit with the least room, with the usage recorded for its window', () => {
    const limits = {
      spendingLimits: [
        { amountMinor: '50000', currency: 'IDR', interval: 'daily' as const, categories: [] },
        { amountMinor: '20000', currency: 'IDR', interval: 'monthly' as const, categories: ['gambling'] },
        { amountMinor: '5000', currency: 'IDR', interval: 'daily' as const, categories: ['restaurants'] },
      ],
    };
    const o = explain({ reason: 'exceeds spending limit', responseCode: '61', usage: { 'daily:|2026-11-21': '45000', 'monthly:gambling|2026-11-01': '15000' } }, limits);
    expect(o.control?.limit).toEqual({
      interval: 'daily',
      categories: [],
      kind: 'amount',
      limit: { value: '500.00', currency: 'IDR' },
      used: { value: '450.00', currency: 'IDR' },
      remaining: { value: '50.00', currency: 'IDR' },
      windowStart: '2026-11-21',
    });
    const perPurchase = explain({ reason: 'exceeds spending limit', amount: 30_000n }, { spendingLimits: [{ amountMinor: '20000', currency: 'IDR', interval: 'per_authorization', categories: [] }] });
    expect(perPurchase.control?.limit).toMatchObject({ interval: 'per_authorization', used: null, remaining: { value: '200.00', currency: 'IDR' }, windowStart: null });
  });

  it('partial approvals say what capped them; card states and unknown reasons', () => {
    expect(explain({ decision: 'partial', responseCode: '10', reason: 'partial: funds', approvedAmount: 4_000n, available: '4000' })).toMatchObject({
      stage: 'approved',
      check: 'partial',
      partial: { cappedBy: 'funds', approvedAmount: { value: '40.00', currency: 'IDR' } },
      funds: { available: { value: '40.00', currency: 'IDR' }, requested: { value: '100.00', currency: 'IDR' } },
    });
    expect(explain({ responseCode: '62', reason: 'cardholder blocked' })).toEqual({ stage: 'card', check: 'cardholder_status', responseCode: '62', reason: 'cardholder blocked' });
    expect(explain({ responseCode: '05', reason: 'card currency is USD' })).toMatchObject({ stage: 'card', check: 'currency_mismatch' });
    expect(explain({ responseCode: '59', reason: 'something new' })).toMatchObject({ stage: 'unknown', check: 'unknown' });
  });

  it('a policy decline names the policy, its version and rule', () => {
    const o = explainOutcome(
      decision({ responseCode: '59', reason: 'too risky', policyDecline: { policyId: 'p1', versionId: 'v1', rule: 'risky', reason: 'too risky', responseCode: '59' } }),
      controls({}),
      'Asia/Jakarta',
      { get: () => ({ name: 'Risk' }), versionNumber: () => 3 },
    );
    expect(o).toEqual({ stage: 'policy', check: 'policy', responseCode: '59', reason: 'too risky', policy: { id: 'p1', name: 'Risk', versionId: 'v1', versionNumber: 3, rule: 'risky' } });
  });
});
