import { z } from 'zod';
import { InvalidFieldFormat } from './errors';
import iso4217 from './iso-4217.json';

/**
 * Every integer amount in Kartu is in ISO 4217 minor units: IDR has 2 digits, so IDR 150,000.00 is
 * 15000000; JPY has 0, KWD 3. The digits come from one table kept as data (iso-4217.json, ISO's
 * List One), never from Intl (Node's Intl says 0 for IDR).
 */
const CURRENCIES: Readonly<Record<string, { numeric: string; minorUnits: number; name: string }>> = iso4217.currencies;

export const SUPPORTED_CURRENCIES = Object.keys(CURRENCIES) as [string, ...string[]];

/** Minor-unit digits of an ISO 4217 currency (IDR 2, JPY 0, KWD 3). */
export function currencyExponent(currency: string): number {
  if (!Object.hasOwn(CURRENCIES, currency)) throw new Error(`unsupported currency ${currency}`);
  return CURRENCIES[currency]!.minorUnits;
}

/**
 * A SNAP amount as the API accepts it: a non-negative decimal string with at most 14 integer digits,
 * so its minor units fit a bigint column in every currency (4 minor digits at most). Decimals beyond
 * the currency's are refused by parseSnapValue, naming the field, unless they are zeros.
 */
export const snapAmountInput = z.strictObject({
  value: z.string().regex(/^(?:0|[1-9]\d{0,13})(?:\.\d{1,18})?$/, { message: 'a non-negative decimal string such as "150000.00"' }),
  currency: z.enum(SUPPORTED_CURRENCIES),
});

/** The OpenAPI description every integer amount carries. */
export const MINOR_UNITS = 'minor units (ISO 4217): IDR 150000.00 = 15000000';

/**
 * Minor units → major units with exactly the currency's decimals (IDR 5000050n → "50000.50",
 * JPY 1500n → "1500", KWD 1234500n → "1234.500"), or at least `minDecimals`.
 */
export function formatMajorUnits(amountMinor: bigint, currency: string, minDecimals = 0): string {
  const exp = currencyExponent(currency);
  const negative = amountMinor < 0n;
  const abs = negative ? -amountMinor : amountMinor;
  const digits = abs.toString().padStart(exp + 1, '0');
  const whole = exp ? digits.slice(0, -exp) : digits;
  const frac = (exp ? digits.slice(-exp) : '').padEnd(minDecimals, '0');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}

/** Minor units → SNAP amount value with at least two decimals: IDR 1000000n → "10000.00", KWD 1050n → "1.050". */
export function formatSnapValue(amountMinor: bigint, currency: string): string {
  return formatMajorUnits(amountMinor, currency, 2);
}

export function snapAmount(amountMinor: bigint, currency: string): { value: string; currency: string } {
  return { value: formatSnapValue(amountMinor, currency), currency };
}

/**
 * SNAP amount value → minor units, the inverse of formatSnapValue: IDR "10000.00" → 1000000n,
 * USD "10.50" → 1050n, USD "-3" → -300n. Fractional digits beyond the currency's exponent are
 * accepted only when they are zeros, since SNAP writes two decimals for every currency (JPY "100.00"
 * is 100n; IDR "10000.505" and JPY "100.50" are refused). A malformed or
 * over-precise value, or an unsupported currency, throws InvalidFieldFormat naming `${field}.value`
 * or `${field}.currency` (field: the path of the amount object, default "amount").
 */
export function parseSnapValue(value: string, currency: string, field = 'amount'): bigint {
  const exp = Object.hasOwn(CURRENCIES, currency) ? CURRENCIES[currency]!.minorUnits : undefined;
  if (exp === undefined) throw new InvalidFieldFormat(`${field}.currency`, `unsupported currency ${currency}`);
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(value);
  if (!m) throw new InvalidFieldFormat(`${field}.value`, `"${value}" is not a decimal number`);
  const [, sign, whole, frac = ''] = m;
  if (/[^0]/.test(frac.slice(exp))) {
    throw new InvalidFieldFormat(`${field}.value`, `"${value}" has more than ${exp} decimal place${exp === 1 ? '' : 's'} for ${currency}`);
  }
  const minor = BigInt(whole! + frac.slice(0, exp).padEnd(exp, '0'));
  return sign ? -minor : minor;
}
