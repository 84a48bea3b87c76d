import { describe, expect, it } from 'vitest';
import { filtersOf, objectPath } from '../../../web/src/pages/audit/audit-model';
import { emptyPromotion, emptyTier, formToProgram, programToForm, redemptionMinor, type ProgramForm } from '../../../web/src/pages/rewards/rewards-model';
import type { RewardsProgram } from '../../../web/src/pages/rewards/rewards-types';

/** The server's program schema (Node code outside web/tsconfig.json, so imported by a path the checker does not follow). */
const SERVER_SCHEMAS = '../../../src/modules/rewards/rewards.schemas';
const { programInput } = (await import(SERVER_SCHEMAS)) as { programInput: { safeParse(input: unknown): { success: boolean } } };

const idr = (value: string) => ({ value, currency: 'IDR' });
const STORED: RewardsProgram = {
  status: 'ACTIVE',
  earnRate: { points: 1, per: idr('1000.00') },
  pointValue: idr('10.50'),
  cashbackPercent: '0.5',
  categoryMultipliers: [{ categories: ['restaurants', '5812'], multiplier: '2' }],
  tiers: [{ name: 'gold', minMonthlySpend: idr('5000000.00'), multiplier: '1.5' }],
  promotions: [
    { name: 'Harbolnas', startDate: '2026-12-10', endDate: '2026-12-12', categories: ['digital_goods'], multiplier: '3' },
    { name: 'Birthday', startDate: '2026-01-01', endDate: '2026-12-31', birthdayMonth: true, bonusPoints: 500 },
  ],
  rules: [{ name: 'abroad', conditions: { all: [{ fact: 'merchantCountry', operator: 'notEqual', value: 'ID' }] }, event: { type: 'multiplier', params: { multiplier: '2' } } }],
  currency: 'IDR',
  version: 3,
  createdAt: '2026-11-01T00:00:00.000Z',
  updatedAt: '2026-11-02T00:00:00.000Z',
};
const { currency: _c, version: _v, createdAt: _a, updatedAt: _u, ...definition } = STORED;

describe('the rewards program form', () => {
  it('round-trips a stored program in both languages, into a body the server schema accepts', () => {
    for (const lang of ['en', 'id'] as const) {
      const form = programToForm(STORED, 'IDR', lang);
      if (lang === 'id') expect(form.pointValue).toBe('10,50');
      const result = formToProgram(form, 'IDR', lang);
      expect(result).toEqual({ ok: true, program: definition });
      expect(programInput.safeParse(result.ok && result.program).success).toBe(true);
    }
  });

  it('starts a new program at 1 point per 1,000 with a point worth 10, in the currency’s minor units', () => {
    expect(formToProgram(programToForm(undefined, 'IDR', 'id'), 'IDR', 'id')).toMatchObject({ ok: true, program: { earnRate: { points: 1, per: idr('1000.00') }, pointValue: idr('10.00') } });
    expect(formToProgram(programToForm(undefined, 'JPY', 'en'), 'JPY', 'en')).toMatchObject({ ok: true, program: { pointValue: { value: '10', currency: 'JPY' } } });
  });

  it('names each problem at the API path of its field', () => {
    const form: ProgramForm = {
      ...programToForm(undefined, 'IDR', 'en'),
      earnPoints: '1.5',
      pointValue: '10,5',
      cashbackPercent: 'lots',
      tiers: [{ ...emptyTier(), name: 'gold', minMonthlySpend: '' }],
      promotions: [{ ...emptyPromotion(), name: 'x', startDate: '2026-12-12', endDate: '2026-12-10' }],
      rules: '{"not": "an array"}',
    };
    const result = formToProgram(form, 'IDR', 'en');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([
      { field: 'earnRate.points', code: 'whole_number' },
      { field: 'pointValue', code: 'amount' },
      { field: 'tiers.0.minMonthlySpend', code: 'required' },
      { field: 'promotions.0.endDate', code: 'date_order' },
      { field: 'promotions.0.multiplier', code: 'promotion_effect' },
      { field: 'cashbackPercent', code: 'decimal' },
      { field: 'rules', code: 'json' },
    ]);
  });
});

describe('what a redemption pays', () => {
  it('points leave at their average booked value, rounded down; all of them take the whole value', () => {
    const balance = { points: 3, value: idr('10.00') }; // 1000 minor units for 3 points
    expect(redemptionMinor(1n, balance)).toBe(333n);
    expect(redemptionMinor(2n, balance)).toBe(666n);
    expect(redemptionMinor(3n, balance)).toBe(1000n);
    expect(redemptionMinor(4n, balance)).toBe(0n);
    expect(redemptionMinor(0n, balance)).toBe(0n);
    expect(redemptionMinor(1n, { points: 2, value: { value: '1.500', currency: 'KWD' } })).toBe(750n);
  });
});

describe('the audit log page', () => {
  it('reads only its filters from the URL', () => {
    expect(filtersOf(new URLSearchParams('action=card.&actor=a%40b.co&page=2&other=x'))).toEqual({ action: 'card.', actor: 'a@b.co' });
  });

  it('links an entry to its object where the dashboard has a page for it', () => {
    expect(objectPath('card', 'c-1')).toBe('/cards/c-1');
    expect(objectPath('cardholder', 'h-1')).toBe('/cardholders/h-1');
    expect(objectPath('policy', 'p-1')).toBe('/policies/p-1');
    expect(objectPath('authorization', 'a-1')).toBe('/transactions/a-1');
    expect(objectPath('admin', 'x')).toBe('/team');
    expect(objectPath('webhook_endpoint', 'w')).toBe('/developers');
    expect(objectPath('card', null)).toBeUndefined();
    expect(objectPath('ledger_transfer', 't')).toBeUndefined();
    expect(objectPath('something_new', 't')).toBeUndefined();
    expect(objectPath(null, null)).toBeUndefined();
  });
});
