import { minorUnits, parseAmountInput, type Lang } from '../../format';

/**
 * Amounts typed into the cards forms (limits, test purchases): format.ts reads the text
 * ("150.000,50" in Indonesian, "150,000.50" in English) into the SNAP decimal string; this adds
 * what the API also refuses (zero, more than 14 integer digits) and says why a text is refused.
 */

/** Why a typed amount was refused: a message key under `cards.errors` and its parameters. */
export interface AmountProblem {
  code: 'required' | 'amount_format' | 'amount_decimals' | 'amount_positive' | 'amount_too_large';
  params?: Record<string, string | number>;
}

export type AmountParse = { ok: true; value: string } | { ok: false; problem: AmountProblem };

/** The server's limit: at most 14 integer digits (snapAmountInput), so minor units fit a bigint. */
const MAX_INTEGER_DIGITS = 14;

function decimalMark(lang: Lang): string {
  return lang === 'id' ? ',' : '.';
}

/** A typed amount greater than zero → SNAP value with the currency's decimals ("150000.00" IDR, "1500" JPY). */
export function parseAmount(text: string, currency: string, lang: Lang): AmountParse {
  if (!text.trim()) return { ok: false, problem: { code: 'required' } };
  const value = parseAmountInput(text, currency, lang);
  if (value === undefined) {
    const digits = minorUnits(currency);
    const fraction = text.trim().split(decimalMark(lang))[1];
    if (fraction !== undefined && /^\d+$/.test(fraction) && fraction.length > digits) {
      return { ok: false, problem: { code: 'amount_decimals', params: { currency, decimals: digits } } };
    }
    return { ok: false, problem: { code: 'amount_format', params: { example: exampleAmount(currency, lang) } } };
  }
  const [whole = '', fraction = ''] = value.split('.');
  if (whole.length > MAX_INTEGER_DIGITS) return { ok: false, problem: { code: 'amount_too_large', params: { digits: MAX_INTEGER_DIGITS } } };
  if (/^0*$/.test(whole + fraction)) return { ok: false, problem: { code: 'amount_positive' } };
  return { ok: true, value };
}

/** SNAP value → the text an input starts with: no grouping, decimals only when they are not zero ("150000", "150000,50"). */
export function amountToInput(value: string, currency: string, lang: Lang): string {
  const digits = minorUnits(currency);
  const [whole = '0', fraction = ''] = value.split('.');
  const kept = fraction.slice(0, digits).padEnd(digits, '0');
  return /[^0]/.test(kept) ? `${whole}${decimalMark(lang)}${kept}` : whole;
}

/** How an amount is written in this language, for hints: "150.000,00" / "150,000.00" (IDR), "150,000" (JPY). */
export function exampleAmount(currency: string, lang: Lang): string {
  const digits = minorUnits(currency);
  const group = lang === 'id' ? '.' : ',';
  return `150${group}000${digits ? decimalMark(lang) + '0'.repeat(digits) : ''}`;
}
