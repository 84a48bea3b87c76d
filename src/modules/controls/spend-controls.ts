import { z } from 'zod';
import { InvalidFieldFormat } from '../../platform/errors';
import { currencyExponent, formatSnapValue, parseSnapValue, snapAmountInput } from '../../platform/money';
import { isKnownCategory, MCC_GROUP_NAMES } from './mcc-groups';

/**
 * A card's spend controls (API.md §2, `spendControls`): amount limits per interval, optionally per
 * category, and allow/block lists of categories (MCCs or MCC group names), countries and merchant
 * ids. `spendControlsInput` validates the API shape; `toSpendControls` turns it into the stored
 * form (minor units); `presentSpendControls` turns that back into the API shape.
 */

export const SPENDING_INTERVALS = ['per_authorization', 'daily', 'weekly', 'monthly', 'yearly', 'all_time'] as const;
export type SpendingInterval = (typeof SPENDING_INTERVALS)[number];

export const MAX_SPENDING_LIMITS = 20;
/** Count limits are per calendar window (a per-authorization count is always one). */
export const COUNT_INTERVALS = ['daily', 'weekly', 'monthly', 'yearly', 'all_time'] as const;
export type CountInterval = (typeof COUNT_INTERVALS)[number];
export const MAX_LIST_ENTRIES = 200;
export const MAX_MERCHANT_ID_LENGTH = 64;

/** ISO 3166-1 alpha-2: the 249 officially assigned codes (no reserved or user-assigned ones such as EU, UK, XK). */
export const ISO_COUNTRY_CODES: readonly string[] = Object.freeze([
  'AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AQ', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ',
  'BA', 'BB', 'BD', 'BE', 'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS', 'BT', 'BV', 'BW', 'BY', 'BZ',
  'CA', 'CC', 'CD', 'CF', 'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ',
  'DE', 'DJ', 'DK', 'DM', 'DO', 'DZ',
  'EC', 'EE', 'EG', 'EH', 'ER', 'ES', 'ET',
  'FI', 'FJ', 'FK', 'FM', 'FO', 'FR',
  'GA', 'GB', 'GD', 'GE', 'GF', 'GG', 'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GS', 'GT', 'GU', 'GW', 'GY',
  'HK', 'HM', 'HN', 'HR', 'HT', 'HU',
  'ID', 'IE', 'IL', 'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT',
  'JE', 'JM', 'JO', 'JP',
  'KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP', 'KR', 'KW', 'KY', 'KZ',
  'LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY',
  'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH', 'MK', 'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ',
  'NA', 'NC', 'NE', 'NF', 'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ',
  'OM',
  'PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM', 'PN', 'PR', 'PS', 'PT', 'PW', 'PY',
  'QA',
  'RE', 'RO', 'RS', 'RU', 'RW',
  'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM', 'SN', 'SO', 'SR', 'SS', 'ST', 'SV', 'SX', 'SY', 'SZ',
  'TC', 'TD', 'TF', 'TG', 'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO', 'TR', 'TT', 'TV', 'TW', 'TZ',
  'UA', 'UG', 'UM', 'US', 'UY', 'UZ',
  'VA', 'VC', 'VE', 'VG', 'VI', 'VN', 'VU',
  'WF', 'WS',
  'YE', 'YT',
  'ZA', 'ZM', 'ZW',
]);
const COUNTRY_SET = new Set(ISO_COUNTRY_CODES);

export function isCountryCode(value: string): boolean {
  return COUNTRY_SET.has(value);
}

/**
 * The list kinds whose allowed and blocked lists may not both be non-empty: countries and merchant
 * ids do not nest, so both lists at once say nothing more than one. Categories do nest (allow
 * "travel", block "airlines"; API.md's own example allows ["5812", "travel"] and blocks
 * ["gambling"]), so for them only a value present in both lists is refused. An empty list means
 * "no restriction".
 */
const EXCLUSIVE_LIST_KINDS: readonly ListKind[] = ['Countries', 'MerchantIds'];
type ListKind = 'Categories' | 'Countries' | 'MerchantIds';
const LIST_KINDS: readonly ListKind[] = ['Categories', 'Countries', 'MerchantIds'];

// ---- the API shape ----------------------------------------------------------------------------

const amountInput = snapAmountInput.superRefine((amount, ctx) => {
    const exponent = currencyExponent(amount.currency);
    const fraction = amount.value.split('.')[1] ?? '';
    if (/[^0]/.test(fraction.slice(exponent))) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `${amount.currency} amounts have at most ${exponent} decimal place${exponent === 1 ? '' : 's'}` });
    } else if (/^[0.]+$/.test(amount.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be greater than zero' });
    }
  })
  .meta({ description: 'SNAP amount: value as a decimal string, ISO 4217 currency (the card currency)', example: { value: '500000.00', currency: 'IDR' } });

const category = z.string().superRefine((value, ctx) => {
  if (!isKnownCategory(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `unknown category "${value}": use a 4-digit MCC or an MCC group (${MCC_GROUP_NAMES.join(', ')})`,
    });
  }
});

const country = z.string().superRefine((value, ctx) => {
  if (!isCountryCode(value)) ctx.addIssue({ code: 'custom', message: `"${value}" is not an ISO 3166-1 alpha-2 country code (upper case, e.g. "ID")` });
});

const merchantId = z
  .string()
  .min(1)
  .max(MAX_MERCHANT_ID_LENGTH)
  .regex(/^(?!\s)[^\u0000-\u001f\u007f]*(?<!\s)$/, 'must not have leading or trailing spaces or control characters');

/** An array of at most MAX_LIST_ENTRIES items with no duplicates; a duplicate is reported at its index. */
function uniqueList(item: z.ZodType<string>, noun: string) {
  return z
    .array(item)
    .max(MAX_LIST_ENTRIES, `at most ${MAX_LIST_ENTRIES} entries`)
    .superRefine((values, ctx) => {
      const seen = new Set<string>();
      values.forEach((value, i) => {
        if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [i], message: `duplicate ${noun} "${value}"` });
        seen.add(value);
      });
    });
}

const categoryList = uniqueList(category, 'category');
const countryList = uniqueList(country, 'country');
const merchantIdList = uniqueList(merchantId, 'merchant id');

export const spendingLimitInput = z
  .strictObject({
    amount: amountInput,
    interval: z.enum(SPENDING_INTERVALS),
    /** The categories the limit counts; absent = every purchase. */
    categories: categoryList.min(1, 'leave categories out to limit every purchase').optional(),
  })
  .meta({
    description: 'Spend at most `amount` per `interval` (calendar windows in the business time zone); with `categories`, only purchases in those categories count.',
    example: { amount: { value: '500000.00', currency: 'IDR' }, interval: 'daily', categories: ['restaurants'] },
  });

export const countLimitInput = z
  .strictObject({
    count: z.number().int().min(1).max(100_000),
    interval: z.enum(COUNT_INTERVALS),
    /** The categories the limit counts; absent = every purchase. */
    categories: categoryList.min(1, 'leave categories out to limit every purchase').optional(),
  })
  .meta({
    description: 'Approve at most `count` purchases per `interval` (calendar windows in the business time zone); with `categories`, only purchases in those categories count. Declines answer 65.',
    example: { count: 10, interval: 'daily' },
  });

const SPEND_CONTROLS_EXAMPLE = {
  spendingLimits: [
    { amount: { value: '500000.00', currency: 'IDR' }, interval: 'daily', categories: ['restaurants'] },
    { amount: { value: '5000000.00', currency: 'IDR' }, interval: 'monthly' },
  ],
  allowedCategories: ['5812', 'travel'],
  allowedCountries: ['ID'],
  blockedCountries: [],
  blockedMerchantIds: ['M-123'],
};

export const spendControlsInput = z
  .strictObject({
    spendingLimits: z.array(spendingLimitInput).max(MAX_SPENDING_LIMITS, `at most ${MAX_SPENDING_LIMITS} spending limits`).optional(),
    countLimits: z.array(countLimitInput).max(MAX_SPENDING_LIMITS, `at most ${MAX_SPENDING_LIMITS} count limits`).optional(),
    allowedCategories: categoryList.optional(),
    blockedCategories: categoryList.optional(),
    allowedCountries: countryList.optional(),
    blockedCountries: countryList.optional(),
    allowedMerchantIds: merchantIdList.optional(),
    blockedMerchantIds: merchantIdList.optional(),
  })
  .superRefine((controls, ctx) => {
    for (const kind of LIST_KINDS) {
      const allowedKey = `allowed${kind}` as const;
      const blockedKey = `blocked${kind}` as const;
      const allowed: readonly string[] = controls[allowedKey] ?? [];
      const blocked: readonly string[] = controls[blockedKey] ?? [];
      if (!allowed.length || !blocked.length) continue;
      if (EXCLUSIVE_LIST_KINDS.includes(kind)) {
        ctx.addIssue({
          code: 'custom',
          path: [allowedKey],
          message: `cannot be combined with a non-empty blocked${kind}: use an allow list or a block list, not both`,
        });
        continue;
      }
      const blockedSet = new Set<string>(blocked);
      const i = allowed.findIndex((v) => blockedSet.has(v));
      if (i >= 0) ctx.addIssue({ code: 'custom', path: [allowedKey, i], message: `"${allowed[i]}" is also in blocked${kind}` });
    }
  })
  .meta({
    description:
      'Spend controls. Categories are 4-digit ISO 18245 MCCs or MCC group names from rules/mcc-groups.json (' +
      MCC_GROUP_NAMES.join(', ') +
      '); countries are ISO 3166-1 alpha-2 codes. An empty or absent list is no restriction; allowed and blocked countries (or merchant ids) cannot both be non-empty, and no category may be both allowed and blocked. ' +
      `At most ${MAX_SPENDING_LIMITS} spending limits and ${MAX_LIST_ENTRIES} entries per list, without duplicates. Amounts are in the card currency and greater than zero.`,
    example: SPEND_CONTROLS_EXAMPLE,
  });

export type SpendControlsInput = z.infer<typeof spendControlsInput>;

/** The API shape as Kartu presents it: every list present (possibly empty), values formatted like "500000.00". */
export const spendControlsView = z
  .object({
    spendingLimits: z.array(
      z.object({
        amount: z.object({ value: z.string(), currency: z.string() }),
        interval: z.enum(SPENDING_INTERVALS),
        categories: z.array(z.string()).optional(),
      }),
    ),
    countLimits: z.array(z.object({ count: z.number(), interval: z.enum(COUNT_INTERVALS), categories: z.array(z.string()).optional() })),
    allowedCategories: z.array(z.string()),
    blockedCategories: z.array(z.string()),
    allowedCountries: z.array(z.string()),
    blockedCountries: z.array(z.string()),
    allowedMerchantIds: z.array(z.string()),
    blockedMerchantIds: z.array(z.string()),
  })
  .meta({ description: 'Spend controls of a card (see the request schema for their meaning)' });

export type SpendControlsView = z.infer<typeof spendControlsView>;

// ---- the stored form --------------------------------------------------------------------------

export interface SpendingLimit {
  /** Minor units of the card currency, as a decimal string (bigint, JSON-safe); always > 0. */
  amountMinor: string;
  currency: string;
  interval: SpendingInterval;
  /** The categories the limit counts; [] = every purchase. */
  categories: string[];
}

export interface CountLimit {
  count: number;
  interval: CountInterval;
  /** The categories the limit counts; [] = every purchase. */
  categories: string[];
}

/** Spend controls as stored with a card (JSON); an empty list is no restriction. */
export interface SpendControls {
  spendingLimits: SpendingLimit[];
  countLimits: CountLimit[];
  allowedCategories: string[];
  blockedCategories: string[];
  allowedCountries: string[];
  blockedCountries: string[];
  allowedMerchantIds: string[];
  blockedMerchantIds: string[];
}

/** No limits, no lists. Deep-frozen: copy it (toSpendControls(undefined, …) returns a fresh one) before changing anything. */
export const EMPTY_SPEND_CONTROLS: SpendControls = deepFreeze({
  spendingLimits: [],
  countLimits: [],
  allowedCategories: [],
  blockedCategories: [],
  allowedCountries: [],
  blockedCountries: [],
  allowedMerchantIds: [],
  blockedMerchantIds: [],
});

/**
 * Validated API input → stored form. Amounts become minor units of the card currency. A limit in
 * another currency, or a zero amount, throws InvalidFieldFormat naming the exact path, e.g.
 * `spendControls.spendingLimits.0.amount.currency` (`field` is the prefix, default "spendControls").
 * Absent input gives empty controls.
 */
export function toSpendControls(input: SpendControlsInput | undefined, cardCurrency: string, field = 'spendControls'): SpendControls {
  if (!input) return emptySpendControls();
  const spendingLimits = (input.spendingLimits ?? []).map((limit, i): SpendingLimit => {
    const at = `${field}.spendingLimits.${i}.amount`;
    if (limit.amount.currency !== cardCurrency) {
      throw new InvalidFieldFormat(`${at}.currency`, `must be the card currency ${cardCurrency}, not ${limit.amount.currency}`);
    }
    const minor = parseSnapValue(limit.amount.value, limit.amount.currency, at);
    if (minor <= 0n) throw new InvalidFieldFormat(`${at}.value`, 'must be greater than zero');
    return { amountMinor: minor.toString(), currency: limit.amount.currency, interval: limit.interval, categories: [...(limit.categories ?? [])] };
  });
  return {
    spendingLimits,
    countLimits: (input.countLimits ?? []).map((l) => ({ count: l.count, interval: l.interval, categories: [...(l.categories ?? [])] })),
    allowedCategories: [...(input.allowedCategories ?? [])],
    blockedCategories: [...(input.blockedCategories ?? [])],
    allowedCountries: [...(input.allowedCountries ?? [])],
    blockedCountries: [...(input.blockedCountries ?? [])],
    allowedMerchantIds: [...(input.allowedMerchantIds ?? [])],
    blockedMerchantIds: [...(input.blockedMerchantIds ?? [])],
  };
}

/** Stored form → API shape: every list present, amounts as SNAP values ("500000.00"), `categories` only on limits that have some. */
export function presentSpendControls(controls: SpendControls): SpendControlsView {
  return {
    spendingLimits: controls.spendingLimits.map((limit) => ({
      amount: { value: formatSnapValue(BigInt(limit.amountMinor), limit.currency), currency: limit.currency },
      interval: limit.interval,
      ...(limit.categories.length ? { categories: [...limit.categories] } : {}),
    })),
    countLimits: controls.countLimits.map((limit) => ({
      count: limit.count,
      interval: limit.interval,
      ...(limit.categories.length ? { categories: [...limit.categories] } : {}),
    })),
    allowedCategories: [...controls.allowedCategories],
    blockedCategories: [...controls.blockedCategories],
    allowedCountries: [...controls.allowedCountries],
    blockedCountries: [...controls.blockedCountries],
    allowedMerchantIds: [...controls.allowedMerchantIds],
    blockedMerchantIds: [...controls.blockedMerchantIds],
  };
}

/**
 * Reads stored controls (e.g. a jsonb column) into a complete SpendControls: null/undefined or
 * missing keys become empty lists. It trusts the contents (they were validated when written).
 */
export function normaliseSpendControls(stored: Partial<SpendControls> | null | undefined): SpendControls {
  if (!stored) return emptySpendControls();
  return {
    spendingLimits: (stored.spendingLimits ?? []).map((l) => ({ amountMinor: l.amountMinor, currency: l.currency, interval: l.interval, categories: [...(l.categories ?? [])] })),
    countLimits: (stored.countLimits ?? []).map((l) => ({ count: l.count, interval: l.interval, categories: [...(l.categories ?? [])] })),
    allowedCategories: [...(stored.allowedCategories ?? [])],
    blockedCategories: [...(stored.blockedCategories ?? [])],
    allowedCountries: [...(stored.allowedCountries ?? [])],
    blockedCountries: [...(stored.blockedCountries ?? [])],
    allowedMerchantIds: [...(stored.allowedMerchantIds ?? [])],
    blockedMerchantIds: [...(stored.blockedMerchantIds ?? [])],
  };
}

function emptySpendControls(): SpendControls {
  return normaliseSpendControls({});
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
