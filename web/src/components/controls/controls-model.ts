import type { Lang } from '../../format';
import { amountToInput, parseAmount, type AmountProblem } from './amount-input';

/**
 * The controls editor's model: the form state it edits, built from a card's `spendControls` (the
 * API's view) and turned back into the `spendControls` input of POST /cards and PATCH /cards/{id}.
 * Validation mirrors the server's zod schema (src/modules/controls/spend-controls.ts) and reports
 * each problem at the dotted path the server would name (`spendControls.spendingLimits.0.amount.value`),
 * so the form shows its own findings and the API's errors in the same place.
 */

export const SPENDING_INTERVALS = ['per_authorization', 'daily', 'weekly', 'monthly', 'yearly', 'all_time'] as const;
export type SpendingInterval = (typeof SPENDING_INTERVALS)[number];
/** A per-authorization count is always one, so count limits have calendar windows only. */
export const COUNT_INTERVALS = ['daily', 'weekly', 'monthly', 'yearly', 'all_time'] as const;
export type CountInterval = (typeof COUNT_INTERVALS)[number];

export const MAX_LIMITS = 20;
export const MAX_LIST_ENTRIES = 200;
export const MAX_COUNT = 100_000;
const MAX_MERCHANT_ID_LENGTH = 64;

export const LIST_NAMES = [
  'allowedCategories',
  'blockedCategories',
  'allowedCountries',
  'blockedCountries',
  'allowedMerchantIds',
  'blockedMerchantIds',
] as const;
export type ListName = (typeof LIST_NAMES)[number];
export type ListKind = 'category' | 'country' | 'merchantId';

export function kindOf(list: ListName): ListKind {
  if (list.endsWith('Categories')) return 'category';
  if (list.endsWith('Countries')) return 'country';
  return 'merchantId';
}

// ---- the API's shapes --------------------------------------------------------------------------

export interface Money {
  value: string;
  currency: string;
}

/** `spendControls` as the API presents a card's (every list present). */
export interface SpendControlsView {
  spendingLimits: Array<{ amount: Money; interval: SpendingInterval; categories?: string[] }>;
  countLimits: Array<{ count: number; interval: CountInterval; categories?: string[] }>;
  allowedCategories: string[];
  blockedCategories: string[];
  allowedCountries: string[];
  blockedCountries: string[];
  allowedMerchantIds: string[];
  blockedMerchantIds: string[];
}

/** `spendControls` as the dashboard sends it: every list, `categories` only on limits that have some. */
export type SpendControlsInput = SpendControlsView;

// ---- the form ----------------------------------------------------------------------------------

export interface SpendingLimitRow {
  /** A stable key for the row while it is edited (React list key), not sent. */
  key: string;
  /** As typed, in the form's language ("150.000" in Indonesian). */
  amount: string;
  interval: SpendingInterval;
  categories: string[];
}

export interface CountLimitRow {
  key: string;
  /** As typed. */
  count: string;
  interval: CountInterval;
  categories: string[];
}

export interface ControlsForm {
  /** The card's currency: every limit is in it. */
  currency: string;
  spendingLimits: SpendingLimitRow[];
  countLimits: CountLimitRow[];
  allowedCategories: string[];
  blockedCategories: string[];
  allowedCountries: string[];
  blockedCountries: string[];
  allowedMerchantIds: string[];
  blockedMerchantIds: string[];
}

/** A problem with one input: the dotted path the server would name, a message key under `cards.errors`, its parameters. */
export interface FieldIssue {
  field: string;
  code: IssueCode;
  params?: Record<string, string | number>;
}

export type IssueCode =
  | AmountProblem['code']
  | 'count_range'
  | 'too_many'
  | 'unknown_category'
  | 'country_format'
  | 'merchant_id_format'
  | 'duplicate'
  | 'allowed_and_blocked'
  | 'in_both_lists'
  | 'too_long'
  | 'postal_code_format'
  | 'mcc_format';

let rowCounter = 0;
function rowKey(): string {
  rowCounter += 1;
  return `row-${rowCounter}`;
}

export function emptyControlsForm(currency: string): ControlsForm {
  return {
    currency,
    spendingLimits: [],
    countLimits: [],
    allowedCategories: [],
    blockedCategories: [],
    allowedCountries: [],
    blockedCountries: [],
    allowedMerchantIds: [],
    blockedMerchantIds: [],
  };
}

export function newSpendingLimit(interval: SpendingInterval = 'daily'): SpendingLimitRow {
  return { key: rowKey(), amount: '', interval, categories: [] };
}

export function newCountLimit(interval: CountInterval = 'daily'): CountLimitRow {
  return { key: rowKey(), count: '', interval, categories: [] };
}

/** A card's controls → the form, amounts written for `lang`. */
export function controlsToForm(controls: SpendControlsView, currency: string, lang: Lang): ControlsForm {
  return {
    currency,
    spendingLimits: controls.spendingLimits.map((l) => ({
      key: rowKey(),
      amount: amountToInput(l.amount.value, l.amount.currency, lang),
      interval: l.interval,
      categories: [...(l.categories ?? [])],
    })),
    countLimits: controls.countLimits.map((l) => ({ key: rowKey(), count: String(l.count), interval: l.interval, categories: [...(l.categories ?? [])] })),
    allowedCategories: [...controls.allowedCategories],
    blockedCategories: [...controls.blockedCategories],
    allowedCountries: [...controls.allowedCountries],
    blockedCountries: [...controls.blockedCountries],
    allowedMerchantIds: [...controls.allowedMerchantIds],
    blockedMerchantIds: [...controls.blockedMerchantIds],
  };
}

/** The form's amounts rewritten for another language ("500000,50" → "500000.50"); an amount that does not read stays as typed. */
export function relocaliseForm(form: ControlsForm, from: Lang, to: Lang): ControlsForm {
  if (from === to) return form;
  return {
    ...form,
    spendingLimits: form.spendingLimits.map((row) => {
      const parsed = parseAmount(row.amount, form.currency, from);
      return parsed.ok ? { ...row, amount: amountToInput(parsed.value, form.currency, to) } : row;
    }),
  };
}

// ---- single entries ------------------------------------------------------------------------------

const MCC = /^\d{4}$/;
const GROUP_NAME = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
const COUNTRY = /^[A-Z]{2}$/;
const MERCHANT_ID = /^(?!\s)[^\u0000-\u001f\u007f]*(?<!\s)$/;

/**
 * Tidies a typed list entry: categories and countries are trimmed and cased as the API writes them
 * ("Gambling" → "gambling", "id" → "ID"); merchant ids are kept as typed (they are the merchant's).
 */
export function normaliseEntry(kind: ListKind, text: string): string {
  if (kind === 'category') return text.trim().toLowerCase();
  if (kind === 'country') return text.trim().toUpperCase();
  return text;
}

/**
 * Whether one entry is acceptable on its own. `groupNames`: the MCC group names from
 * GET /mcc-groups; while they are not loaded any well-formed name passes (the server decides).
 */
export function entryProblem(kind: ListKind, value: string, groupNames?: readonly string[]): Omit<FieldIssue, 'field'> | undefined {
  if (kind === 'category') {
    if (MCC.test(value)) return undefined;
    if (groupNames ? groupNames.includes(value) : GROUP_NAME.test(value)) return undefined;
    return { code: 'unknown_category', params: { value } };
  }
  if (kind === 'country') return COUNTRY.test(value) ? undefined : { code: 'country_format', params: { value } };
  return value.length >= 1 && value.length <= MAX_MERCHANT_ID_LENGTH && MERCHANT_ID.test(value)
    ? undefined
    : { code: 'merchant_id_format', params: { max: MAX_MERCHANT_ID_LENGTH } };
}

function checkList(kind: ListKind, values: readonly string[], at: string, issues: FieldIssue[], groupNames?: readonly string[]): void {
  if (values.length > MAX_LIST_ENTRIES) issues.push({ field: at, code: 'too_many', params: { max: MAX_LIST_ENTRIES } });
  const seen = new Set<string>();
  values.forEach((value, i) => {
    const problem = entryProblem(kind, value, groupNames);
    if (problem) issues.push({ field: `${at}.${i}`, ...problem });
    else if (seen.has(value)) issues.push({ field: `${at}.${i}`, code: 'duplicate', params: { value } });
    seen.add(value);
  });
}

// ---- the whole form --------------------------------------------------------------------------------

export type ControlsResult = { ok: true; controls: SpendControlsInput } | { ok: false; issues: FieldIssue[] };

/**
 * The form → `spendControls` for the API, or every problem the server would refuse it for, each
 * at the path the server names (prefixed by `field`, default "spendControls").
 */
export function formToControls(form: ControlsForm, lang: Lang, groupNames?: readonly string[], field = 'spendControls'): ControlsResult {
  const issues: FieldIssue[] = [];

  if (form.spendingLimits.length > MAX_LIMITS) issues.push({ field: `${field}.spendingLimits`, code: 'too_many', params: { max: MAX_LIMITS } });
  const spendingLimits = form.spendingLimits.map((row, i) => {
    const at = `${field}.spendingLimits.${i}`;
    const parsed = parseAmount(row.amount, form.currency, lang);
    if (!parsed.ok) issues.push({ field: `${at}.amount.value`, ...parsed.problem });
    checkList('category', row.categories, `${at}.categories`, issues, groupNames);
    return {
      amount: { value: parsed.ok ? parsed.value : '', currency: form.currency },
      interval: row.interval,
      ...(row.categories.length ? { categories: [...row.categories] } : {}),
    };
  });

  if (form.countLimits.length > MAX_LIMITS) issues.push({ field: `${field}.countLimits`, code: 'too_many', params: { max: MAX_LIMITS } });
  const countLimits = form.countLimits.map((row, i) => {
    const at = `${field}.countLimits.${i}`;
    const text = row.count.trim();
    const count = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
    if (!(count >= 1 && count <= MAX_COUNT)) issues.push({ field: `${at}.count`, code: text ? 'count_range' : 'required', params: { min: 1, max: MAX_COUNT } });
    checkList('category', row.categories, `${at}.categories`, issues, groupNames);
    return { count, interval: row.interval, ...(row.categories.length ? { categories: [...row.categories] } : {}) };
  });

  for (const list of LIST_NAMES) checkList(kindOf(list), form[list], `${field}.${list}`, issues, groupNames);

  // Countries and merchant ids do not nest: an allow list and a block list at once is refused.
  for (const [allowed, blocked] of [
    ['allowedCountries', 'blockedCountries'],
    ['allowedMerchantIds', 'blockedMerchantIds'],
  ] as const) {
    if (form[allowed].length && form[blocked].length) issues.push({ field: `${field}.${allowed}`, code: 'allowed_and_blocked', params: { other: blocked } });
  }
  // Categories nest (allow "travel", block "airlines"), so only the same value in both is refused.
  const blockedCategories = new Set(form.blockedCategories);
  const both = form.allowedCategories.findIndex((c) => blockedCategories.has(c));
  if (both >= 0) issues.push({ field: `${field}.allowedCategories.${both}`, code: 'in_both_lists', params: { value: form.allowedCategories[both]! } });

  if (issues.length) return { ok: false, issues };
  return {
    ok: true,
    controls: {
      spendingLimits,
      countLimits,
      allowedCategories: [...form.allowedCategories],
      blockedCategories: [...form.blockedCategories],
      allowedCountries: [...form.allowedCountries],
      blockedCountries: [...form.blockedCountries],
      allowedMerchantIds: [...form.allowedMerchantIds],
      blockedMerchantIds: [...form.blockedMerchantIds],
    },
  };
}

/** Whether two sets of controls say the same (amounts compared as numbers of the same currency: "150000.00" = "150000"). */
export function sameControls(a: SpendControlsView, b: SpendControlsView): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(c: SpendControlsView) {
  return {
    spendingLimits: c.spendingLimits.map((l) => [canonicalValue(l.amount.value), l.amount.currency, l.interval, l.categories ?? []]),
    countLimits: c.countLimits.map((l) => [l.count, l.interval, l.categories ?? []]),
    lists: LIST_NAMES.map((name) => c[name]),
  };
}

function canonicalValue(value: string): string {
  const [whole = '0', fraction = ''] = value.split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed ? `${whole}.${trimmed}` : whole;
}

/** The issues at `field` or inside it (a list's entries: `spendControls.blockedCategories.2` is inside `spendControls.blockedCategories`). */
export function issuesAt(issues: readonly FieldIssue[], field: string): FieldIssue[] {
  return issues.filter((i) => i.field === field || i.field.startsWith(`${field}.`));
}
