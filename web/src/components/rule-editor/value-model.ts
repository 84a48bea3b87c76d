import type { Translate } from '../../decline-reasons';
import { formatMinor, parseAmountInput, type Lang } from '../../format';
import { COUNTRY_CODES, countryName } from './countries';
import { LIMITS, operatorApplies, takesList, type FactDef, type OperatorDef, type ValueKind } from './fact-catalogue';

/**
 * What a condition's value widget shows and reads (no React): which widget a fact and operator take,
 * whether a value fits it (else it is edited as JSON), and a typed entry as the rule's value —
 * amounts typed in the language's notation become minor units. Tested in test/unit/web/rule-tree.test.ts.
 */

export type Item = string | number | boolean;

/**
 * Minor units as an amount field shows them, grouped in the language's way without the currency
 * ("1.000.000" in id, "1,000,000.50" in en for IDR): what parseItem reads back to the same number.
 */
export function amountText(minor: number, currency: string, lang: Lang): string {
  return formatMinor(minor, currency, lang).replace(/^(Rp|[A-Z]{3}) /, '');
}

export type ItemKind = ValueKind | 'category';

/** The kind of one item of the value: a list of countries for inCountries, categories for inMccGroup. */
export function itemKind(fact: FactDef, op: OperatorDef): ValueKind | 'category' {
  if (op.valueKind === 'categories') return 'category';
  if (op.valueKind === 'countries') return 'country';
  if (op.valueKind === 'number') return fact.kind === 'amount' || fact.kind === 'hour' || fact.kind === 'weekday' ? fact.kind : 'number';
  return fact.kind;
}

function fitsItem(kind: ValueKind | 'category', v: unknown): boolean {
  switch (kind) {
    case 'amount':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
    case 'hour':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 23;
    case 'weekday':
      return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 7;
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return typeof v === 'string';
  }
}

/** Whether the typed widgets can show this value (else it is edited as JSON). */
export function valueFits(fact: FactDef | undefined, op: OperatorDef | undefined, value: unknown): boolean {
  if (!fact || !op || !operatorApplies(op, fact)) return false;
  const kind = itemKind(fact, op);
  if (takesList(op)) return Array.isArray(value) && value.every((v) => fitsItem(kind, v));
  return fitsItem(kind, value);
}

/** An item in words: an amount grouped, an hour, a weekday's name, yes/no, a country's name and code. */
export function itemText(kind: ValueKind | 'category', v: Item, t: Translate, lang: Lang, currency: string): string {
  switch (kind) {
    case 'amount':
      return amountText(v as number, currency, lang);
    case 'hour':
      return t('ruleEditor.value.hourOf', { hour: String(v).padStart(2, '0') });
    case 'weekday':
      return t(`ruleEditor.value.weekdays.${v}`);
    case 'boolean':
      return v ? t('ruleEditor.value.yes') : t('ruleEditor.value.no');
    case 'country':
      return `${countryName(String(v), lang)} (${v})`;
    case 'choice':
      return t(`ruleEditor.value.choices.${v}`, { defaultValue: String(v) });
    default:
      return String(v);
  }
}

/** A typed item, or the key of the message saying why not. */
export function parseItem(kind: ValueKind | 'category', text: string, lang: Lang, currency: string, groupNames: readonly string[] | undefined): { ok: true; value: Item } | { ok: false; problem: string } {
  const s = text.trim();
  switch (kind) {
    case 'amount': {
      const value = parseAmountInput(s, currency, lang);
      if (value === undefined) return { ok: false, problem: 'amount' };
      const minor = BigInt(value.replace('.', ''));
      if (minor > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, problem: 'amount' };
      return { ok: true, value: Number(minor) };
    }
    case 'hour': {
      const h = /^\d{1,2}$/.test(s) ? Number(s) : NaN;
      return h >= 0 && h <= 23 ? { ok: true, value: h } : { ok: false, problem: 'hour' };
    }
    case 'weekday': {
      const d = /^[1-7]$/.test(s) ? Number(s) : NaN;
      return d >= 1 ? { ok: true, value: d } : { ok: false, problem: 'weekday' };
    }
    case 'number': {
      const n = s === '' ? NaN : Number(s.replace(',', '.'));
      return Number.isFinite(n) ? { ok: true, value: n } : { ok: false, problem: 'number' };
    }
    case 'boolean':
      return { ok: true, value: s === 'true' };
    case 'mcc':
      return /^\d{4}$/.test(s) ? { ok: true, value: s } : { ok: false, problem: 'mcc' };
    case 'country': {
      const c = s.toUpperCase();
      return COUNTRY_CODES.includes(c) ? { ok: true, value: c } : { ok: false, problem: 'country' };
    }
    case 'category':
      if (/^\d{4}$/.test(s)) return { ok: true, value: s };
      return groupNames === undefined || groupNames.includes(s) ? { ok: true, value: s } : { ok: false, problem: 'category' };
    default:
      if (s.length === 0) return { ok: false, problem: 'empty' };
      return s.length <= LIMITS.stringLength ? { ok: true, value: s } : { ok: false, problem: 'tooLong' };
  }
}

