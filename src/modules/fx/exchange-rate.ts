import { currencyExponent } from '../../platform/money';

/**
 * An exchange rate as an exact decimal: `numerator / 10^scale` units (major) of the quote currency
 * per one unit of the base currency. Rates are never floats: "16250.5" is 162505 / 10^1.
 */
export interface ExchangeRate {
  numerator: bigint;
  scale: number;
}

/** At most 12 integer digits and 12 decimals, as the fx_rates column (numeric(24, 12)) keeps them. */
const RATE = /^(\d{1,12})(?:\.(\d{1,12}))?$/;

/** A positive decimal rate string ("16250.5", "0.0000615") → its exact value; null when malformed or zero. */
export function parseRate(value: string): ExchangeRate | null {
  const m = RATE.exec(value);
  if (!m) return null;
  const frac = (m[2] ?? '').replace(/0+$/, '');
  const numerator = BigInt(m[1]! + frac);
  return numerator > 0n ? { numerator, scale: frac.length } : null;
}

/** The rate as the shortest decimal string that is exactly it: 162505 / 10^1 → "16250.5". */
export function formatRate(rate: ExchangeRate): string {
  const digits = rate.numerator.toString().padStart(rate.scale + 1, '0');
  if (rate.scale === 0) return digits;
  const frac = digits.slice(-rate.scale).replace(/0+$/, '');
  return frac ? `${digits.slice(0, -rate.scale)}.${frac}` : digits.slice(0, -rate.scale);
}

/** `a * b / c` rounded half up; every argument positive or zero, c positive. */
function mulDivHalfUp(a: bigint, b: bigint, c: bigint): bigint {
  return (2n * a * b + c) / (2n * c);
}

/**
 * Converts `amountMinor` of `from` into minor units of `to` at `rate` (units of `to` per unit of
 * `from`), rounded half up, with each currency's ISO 4217 exponent: USD 10.00 (1000) at 16250.5
 * IDR/USD is IDR 162,505.00 (16250500); JPY 1000 at 0.0065 USD/JPY is USD 6.50 (650). With
 * `inverse` the rate is read the other way (units of `from` per unit of `to`), so a table holding
 * only USD→IDR also converts IDR→USD.
 */
export function convertMinor(amountMinor: bigint, from: string, to: string, rate: ExchangeRate, inverse = false): bigint {
  const shift = currencyExponent(to) - currencyExponent(from);
  const up = 10n ** BigInt(Math.max(shift, 0));
  const down = 10n ** BigInt(Math.max(-shift, 0));
  const scale = 10n ** BigInt(rate.scale);
  return inverse
    ? mulDivHalfUp(amountMinor * up, scale, rate.numerator * down)
    : mulDivHalfUp(amountMinor * up, rate.numerator, scale * down);
}

/**
 * The rate two amounts imply (units of `to` per unit of `from`), to 12 significant decimals, rounded
 * half up: what a network that sends only the billing amount converted at. Null for a zero amount.
 */
export function impliedRate(fromMinor: bigint, from: string, toMinor: bigint, to: string): ExchangeRate | null {
  if (fromMinor <= 0n || toMinor < 0n) return null;
  const shift = currencyExponent(from) - currencyExponent(to);
  const scale = 12;
  const num = toMinor * 10n ** BigInt(Math.max(shift, 0) + scale);
  const den = fromMinor * 10n ** BigInt(Math.max(-shift, 0));
  const numerator = mulDivHalfUp(num, 1n, den);
  if (numerator === 0n) return null;
  return parseRate(formatRate({ numerator, scale }));
}

/** 1 / rate to 12 decimals, rounded half up (the rate read the other way round, as recorded). */
export function reciprocal(rate: ExchangeRate): ExchangeRate {
  const numerator = mulDivHalfUp(10n ** BigInt(rate.scale + 12), 1n, rate.numerator);
  return { numerator: numerator > 0n ? numerator : 1n, scale: 12 };
}
