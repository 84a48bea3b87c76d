import { describe, expect, it } from 'vitest';
import {
  formatDate,
  formatDateTime,
  formatMinor,
  formatMoney,
  isoToWallTime,
  minorToValue,
  minorUnits,
  parseAmountInput,
  timeZoneOffsetMinutes,
  wallTimeToIso,
} from '../../../web/src/format';

// Intl's grouping uses a narrow no-break space in some locales; these tests compare plain text.
const plain = (s: string) => s.replace(/[\u00a0\u202f]/g, ' ');

describe('formatMoney', () => {
  it('shows IDR as Rp with dot grouping in Indonesian and as IDR with comma grouping in English, no zero fraction', () => {
    expect(formatMoney({ value: '450000.00', currency: 'IDR' }, 'id')).toBe('Rp 450.000');
    expect(formatMoney({ value: '450000.00', currency: 'IDR' }, 'en')).toBe('IDR 450,000');
    expect(formatMoney({ value: '1234567890.00', currency: 'IDR' }, 'id')).toBe('Rp 1.234.567.890');
  });

  it('shows every minor digit when the fraction is not zero', () => {
    expect(formatMoney({ value: '450000.50', currency: 'IDR' }, 'id')).toBe('Rp 450.000,50');
    expect(formatMoney({ value: '450000.05', currency: 'IDR' }, 'en')).toBe('IDR 450,000.05');
    expect(formatMoney({ value: '0.01', currency: 'IDR' }, 'id')).toBe('Rp 0,01');
  });

  it('takes the exponent from the ISO 4217 table: JPY has none, KWD three', () => {
    expect(minorUnits('JPY')).toBe(0);
    expect(minorUnits('KWD')).toBe(3);
    expect(formatMoney({ value: '1500', currency: 'JPY' }, 'en')).toBe('JPY 1,500');
    expect(formatMoney({ value: '1500', currency: 'JPY' }, 'id')).toBe('JPY 1.500');
    expect(formatMoney({ value: '1234.500', currency: 'KWD' }, 'en')).toBe('KWD 1,234.500');
    expect(formatMoney({ value: '1234.005', currency: 'KWD' }, 'id')).toBe('KWD 1.234,005');
    expect(formatMoney({ value: '1234.000', currency: 'KWD' }, 'en')).toBe('KWD 1,234');
    expect(formatMoney({ value: '12.5', currency: 'KWD' }, 'en')).toBe('KWD 12.500');
  });

  it('keeps the sign and exact digits of amounts beyond a double', () => {
    expect(formatMoney({ value: '-5000.00', currency: 'IDR' }, 'id')).toBe('-Rp 5.000');
    expect(formatMoney({ value: '-0.00', currency: 'IDR' }, 'id')).toBe('Rp 0');
    expect(formatMoney({ value: '98765432109876543.21', currency: 'IDR' }, 'en')).toBe('IDR 98,765,432,109,876,543.21');
  });

  it('shows what it cannot read as it came instead of guessing', () => {
    expect(formatMoney({ value: 'abc', currency: 'IDR' }, 'en')).toBe('IDR abc');
    expect(formatMoney({ value: '1.234', currency: 'IDR' }, 'en')).toBe('IDR 1.234');
    expect(() => formatMoney({ value: '1', currency: 'XAU' }, 'en')).toThrow(/not in the ISO 4217 table/);
  });

  it('formats minor units through the same table', () => {
    expect(minorToValue(45000000, 'IDR')).toBe('450000.00');
    expect(minorToValue(5n, 'KWD')).toBe('0.005');
    expect(minorToValue(-150, 'JPY')).toBe('-150');
    expect(formatMinor(45000050, 'IDR', 'id')).toBe('Rp 450.000,50');
    expect(formatMinor('1234500', 'KWD', 'en')).toBe('KWD 1,234.500');
  });
});

describe('parseAmountInput', () => {
  it('reads the language marks: "," is the decimal in id, "." in en; the other groups in threes', () => {
    expect(parseAmountInput('450.000', 'IDR', 'id')).toBe('450000.00');
    expect(parseAmountInput('450.000,5', 'IDR', 'id')).toBe('450000.50');
    expect(parseAmountInput('450000', 'IDR', 'id')).toBe('450000.00');
    expect(parseAmountInput('Rp 1.000', 'IDR', 'id')).toBe('1000.00');
    expect(parseAmountInput('450,000.25', 'IDR', 'en')).toBe('450000.25');
    expect(parseAmountInput('IDR 450000', 'IDR', 'en')).toBe('450000.00');
    expect(parseAmountInput('1500', 'JPY', 'en')).toBe('1500');
    expect(parseAmountInput('1.005', 'KWD', 'en')).toBe('1.005');
  });

  it('refuses what is not an amount of the currency', () => {
    expect(parseAmountInput('', 'IDR', 'id')).toBeUndefined();
    expect(parseAmountInput('12a', 'IDR', 'en')).toBeUndefined();
    expect(parseAmountInput('1,5', 'JPY', 'id')).toBeUndefined();
    expect(parseAmountInput('1.0001', 'KWD', 'en')).toBeUndefined();
    expect(parseAmountInput('450.50', 'IDR', 'id')).toBeUndefined();
    expect(parseAmountInput('45,00,000', 'IDR', 'en')).toBeUndefined();
    expect(parseAmountInput('-5', 'IDR', 'en')).toBeUndefined();
    expect(parseAmountInput('1.2.3', 'IDR', 'en')).toBeUndefined();
  });
});

describe('dates in the business time zone', () => {
  const at = '2026-12-03T17:05:09Z';

  it('shows the wall time of the zone, not of the machine', () => {
    expect(plain(formatDateTime(at, 'Asia/Jakarta', 'en'))).toBe('Dec 4, 2026, 12:05:09 AM');
    expect(plain(formatDateTime(at, 'UTC', 'en'))).toBe('Dec 3, 2026, 5:05:09 PM');
    expect(plain(formatDateTime(at, 'Asia/Jakarta', 'id'))).toBe('4 Des 2026, 00.05.09');
    expect(plain(formatDate(at, 'Asia/Jakarta', 'id'))).toBe('4 Des 2026');
    // A calendar date is that day wherever you are.
    expect(plain(formatDate('2026-12-03', 'Pacific/Kiritimati', 'en'))).toBe('Dec 3, 2026');
  });

  it('turns a datetime-local value in the zone into an ISO time with its offset, and back', () => {
    expect(timeZoneOffsetMinutes(new Date(at), 'Asia/Jakarta')).toBe(420);
    expect(timeZoneOffsetMinutes(new Date(at), 'UTC')).toBe(0);
    expect(wallTimeToIso('2026-12-03T09:30', 'Asia/Jakarta')).toBe('2026-12-03T09:30:00+07:00');
    expect(wallTimeToIso('2026-07-01T09:30', 'America/New_York')).toBe('2026-07-01T09:30:00-04:00');
    expect(wallTimeToIso('2026-01-15T09:30', 'America/New_York')).toBe('2026-01-15T09:30:00-05:00');
    expect(wallTimeToIso('2026-12-03T09:30', 'Asia/Kolkata')).toBe('2026-12-03T09:30:00+05:30');
    expect(wallTimeToIso('not a time', 'UTC')).toBeUndefined();
    expect(isoToWallTime('2026-12-03T02:30:00Z', 'Asia/Jakarta')).toBe('2026-12-03T09:30');
    expect(new Date(wallTimeToIso(isoToWallTime(at, 'Asia/Jakarta'), 'Asia/Jakarta')!).getTime()).toBe(new Date('2026-12-03T17:05:00Z').getTime());
  });
});
