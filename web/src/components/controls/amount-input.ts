import iso4217 from '../../../../src/platform/iso-4217.json';

/**
 * Amounts typed into the dashboard's forms, turned into the SNAP decimal strings the API takes
 * ("150000.00") and back. The number of decimals comes from ISO 4217 (src/platform/iso-4217.json,
 * the table the server uses), never from Intl. Indonesian writes 150.000,50 and English
 * 150,000.50; grouping separators are optional but, when present, must group by thousands, so
 * "150.000" in Indonesian is 150000 and "150000,5" in English is refused rather than misread.
 */

const CURRENCIES: Readonly<Record<string, { minorUnits: number }>> = iso4217.currencies;

export function currencyExponent(currency: string): number {
  const entry = Object.hasOwn(CURRENCIES, currency) ? CURRENCIES[currency] : undefined;
  if (!entry) throw new Error(`unsupported currency ${currency}`);
  return entry.minorUnits;
}

export interface Separators {
  group: string;
  decimal: string;
}

export function separatorsOf(language: string): Separators {
  return language.startsWith('id') ? { group: '.', decimal: ',' } : { group: ',', decimal: '.' };
}

/** Why a typed amount was refused: a message key under `cards.controls.errors` and its parameters. */
export interface AmountProblem {
  code: 'required' | 'amount_format' | 'amount_decimals' | 'amount_positive' | 'amount_too_large';
  params?: Record<string, string | number>;
}

export type AmountParse = { ok: true; value: string } | { ok: false; problem: AmountProblem };

/** The server's limit: at most 14 integer digits (snapAmountInput). */
const MAX_INTEGER_DIGITS = 14;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A typed amount (greater than zero) → SNAP value with exactly the currency's decimals ("150000.00" for IDR, "1500" for JPY). */
export function parseAmountInput(text: string, currency: string, language: string): AmountParse {
  const trimmed = text.replace(/\s+/g, '');
  if (!trimmed) return { ok: false, problem: { code: 'required' } };
  const { group, decimal } = separatorsOf(language);
  const g = escape(group);
  const d = escape(decimal);
  const match = new RegExp(`^(\\d{1,3}(?:${g}\\d{3})+|\\d+)(?:${d}(\\d+))?$`).exec(trimmed);
  if (!match) return { ok: false, problem: { code: 'amount_format', params: { example: exampleAmount(currency, language) } } };
  const exponent = currencyExponent(currency);
  const whole = match[1]!.split(group).join('').replace(/^0+(?=\d)/, '');
  const fraction = match[2] ?? '';
  if (/[^0]/.test(fraction.slice(exponent))) {
    return { ok: false, problem: { code: 'amount_decimals', params: { currency, decimals: exponent } } };
  }
  if (whole.length > MAX_INTEGER_DIGITS) return { ok: false, problem: { code: 'amount_too_large', params: { digits: MAX_INTEGER_DIGITS } } };
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0');
  if (/^0*$/.test(whole + kept)) return { ok: false, problem: { code: 'amount_positive' } };
  return { ok: true, value: exponent ? `${whole}.${kept}` : whole };
}

/** SNAP value → the text an input starts with: no grouping, decimals only when they are not zero ("150000", "150000,50"). */
export function amountToInput(value: string, currency: string, language: string): string {
  const exponent = currencyExponent(currency);
  const [whole = '0', fraction = ''] = value.split('.');
  const kept = fraction.slice(0, exponent).padEnd(exponent, '0');
  return /[^0]/.test(kept) ? `${whole}${separatorsOf(language).decimal}${kept}` : whole;
}

/** How an amount is written in this language, for hints: "150.000,00" / "150,000.00" (IDR). */
export function exampleAmount(currency: string, language: string): string {
  const exponent = currencyExponent(currency);
  const { group, decimal } = separatorsOf(language);
  return `150${group}000${exponent ? decimal + '0'.repeat(exponent) : ''}`;
}
