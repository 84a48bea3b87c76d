import { describe, expect, it } from 'vitest';
import iso4217 from '../../src/platform/iso-4217.json';
import { currencyExponent, SUPPORTED_CURRENCIES } from '../../src/platform/money';

describe('the ISO 4217 table', () => {
  it.each([
    ['IDR', 2],
    ['JPY', 0],
    ['KWD', 3],
    ['CLP', 0],
    ['USD', 2],
    ['VND', 0],
    ['BHD', 3],
    ['CLF', 4],
    ['EUR', 2],
    ['SGD', 2],
  ])('%s has %i minor-unit digits', (currency, digits) => {
    expect(currencyExponent(currency)).toBe(digits);
  });

  it('is ISO List One: every currency with minor units, its 3-digit numeric code unique, no fund without them', () => {
    const entries = Object.entries(iso4217.currencies);
    expect(entries.length).toBeGreaterThan(150);
    expect(SUPPORTED_CURRENCIES).toEqual(entries.map(([code]) => code));
    for (const [code, c] of entries) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect(c.numeric).toMatch(/^\d{3}$/);
      expect([0, 2, 3, 4]).toContain(c.minorUnits);
    }
    expect(new Set(entries.map(([, c]) => c.numeric)).size).toBe(entries.length);
    expect(iso4217.currencies.IDR.numeric).toBe('360');
    for (const none of ['XAU', 'XDR', 'XTS', 'XXX']) expect(() => currencyExponent(none)).toThrow(/unsupported currency/);
  });

  it('is not what Intl says for IDR (Intl gives 0, ISO 4217 gives 2)', () => {
    // Why the table is data: Node's Intl rounds IDR to whole rupiah.
    const intl = new Intl.NumberFormat('en', { style: 'currency', currency: 'IDR' }).resolvedOptions().maximumFractionDigits;
    expect(currencyExponent('IDR')).toBe(2);
    expect(intl).not.toBe(2);
  });
});
