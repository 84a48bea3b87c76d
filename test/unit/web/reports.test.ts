import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { minorToValue } from '../../../web/src/format';
import { minorOf, periodFromParams, periodProblem, thisMonth, todayIn } from '../../../web/src/pages/reports/report-model';

describe('the Reports page period', () => {
  // 2026-11-30T18:30Z is already 1 December in Jakarta (UTC+7), still 30 November in UTC.
  const at = new Date('2026-11-30T18:30:00Z');

  it("is this month so far in the business's time zone by default", () => {
    expect(todayIn('Asia/Jakarta', at)).toBe('2026-12-01');
    expect(todayIn('UTC', at)).toBe('2026-11-30');
    expect(thisMonth('Asia/Jakarta', at)).toEqual({ fromDate: '2026-12-01', toDate: '2026-12-01' });
    expect(periodFromParams(new URLSearchParams(), 'UTC', at)).toEqual({ fromDate: '2026-11-01', toDate: '2026-11-30' });
    expect(periodFromParams(new URLSearchParams('from=2026-10-05&to=2026-10-09'), 'UTC', at)).toEqual({ fromDate: '2026-10-05', toDate: '2026-10-09' });
  });

  it('names the field of a period the server would refuse', () => {
    expect(periodProblem({ fromDate: '2026-11-01', toDate: '2026-11-30' })).toBeUndefined();
    expect(periodProblem({ fromDate: '', toDate: '2026-11-30' })).toEqual({ field: 'fromDate', problem: 'invalid' });
    expect(periodProblem({ fromDate: '2026-11-01', toDate: '2026-02-30' })).toEqual({ field: 'toDate', problem: 'invalid' });
    expect(periodProblem({ fromDate: '2026-11-02', toDate: '2026-11-01' })).toEqual({ field: 'toDate', problem: 'beforeStart' });
    expect(periodProblem({ fromDate: '2025-01-01', toDate: '2026-01-01' })).toBeUndefined(); // 366 days
    expect(periodProblem({ fromDate: '2025-01-01', toDate: '2026-01-02' })).toEqual({ field: 'toDate', problem: 'tooLong' });
  });
});

describe('minorOf', () => {
  it('reads a SNAP value back into minor units with the currency exponent (the inverse of minorToValue)', () => {
    expect(minorOf({ value: '25000.50', currency: 'IDR' })).toBe(2_500_050n);
    expect(minorOf({ value: '1500', currency: 'JPY' })).toBe(1500n);
    expect(minorOf({ value: '1500.00', currency: 'JPY' })).toBe(1500n);
    expect(minorOf({ value: '-1.234', currency: 'KWD' })).toBe(-1234n);
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), fc.constantFrom('IDR', 'JPY', 'KWD', 'USD'), (n, currency) => {
        expect(minorOf({ value: minorToValue(n, currency), currency })).toBe(n);
      }),
    );
  });
});
