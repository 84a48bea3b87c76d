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
