import { InvalidFieldFormat } from './errors';

/** ISO 4217 minor-unit exponents for the currencies Kartu serves (IDR is 0: no sen in practice). */
const EXPONENT: Record<string, number> = { IDR: 0, USD: 2, SGD: 2, EUR: 2, MYR: 2, JPY: 0, AUD: 2, GBP: 2, THB: 2, PHP: 2, VND: 0 };

export const SUPPORTED_CURRENCIES = Object.keys(EXPONENT) as [string, ...string[]];

export function currencyExponent(currency: string): number {
  const e = EXPONENT[currency];
  if (e === undefined) throw new Error(`unsupported currency ${currency}`);
  return e;
}

/** Minor units → SNAP amount value with at least two decimals: IDR 10000n → "10000.00", USD 1050n → "10.50". */
export function formatSnapValue(amountMinor: bigint, currency: string): string {
  const exp = currencyExponent(currency);
  const negative = amountMinor < 0n;
  const abs = negative ? -amountMinor : amountMinor;
  const digits = abs.toString().padStart(exp + 1, '0');
  const whole = exp ? digits.slice(0, -exp) : digits;
  const frac = (exp ? digits.slice(-exp) : '').padEnd(2, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

export function snapAmount(amountMinor: bigint, currency: string): { value: string; currency: string } {
  return { value: formatSnapValue(amountMinor, currency), currency };
}

/**
 * SNAP amount value → minor units, the inverse of formatSnapValue: IDR "10000.00" → 10000n,
 * USD "10.50" → 1050n, USD "-3" → -300n. Fractional digits beyond the currency's exponent are
 * accepted only when they are zeros (IDR "10000.50" and USD "1.005" are refused). A malformed or
 * over-precise value, or an unsupported currency, throws InvalidFieldFormat naming `${field}.value`
 * or `${field}.currency` (field: the path of the amount object, default "amount").
 */
export function parseSnapValue(value: string, currency: string, field = 'amount'): bigint {
  const exp = Object.hasOwn(EXPONENT, currency) ? EXPONENT[currency] : undefined;
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
