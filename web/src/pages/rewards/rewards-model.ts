// The rewards program form ↔ the API's program (PUT /rewards/program), and what a redemption
// pays. Amounts are typed in the business currency as people write them (parseAmountInput) and
// sent as SNAP decimal strings; points are whole numbers; cashback is counted in minor units with
// bigint, never floats.
import { minorUnits, parseAmountInput, type Lang, type MoneyValue } from '../../format';
import type { RewardsProgram } from './rewards-types';

export interface MultiplierRow {
  categories: string[];
  multiplier: string;
}
export interface TierRow {
  name: string;
  minMonthlySpend: string;
  multiplier: string;
}
export interface PromotionRow {
  name: string;
  startDate: string;
  endDate: string;
  categories: string[];
  birthdayMonth: boolean;
  multiplier: string;
  bonusPoints: string;
}

export interface ProgramForm {
  status: 'ACTIVE' | 'PAUSED';
  earnPoints: string;
  earnPer: string;
  pointValue: string;
  cashbackPercent: string;
  categoryMultipliers: MultiplierRow[];
  tiers: TierRow[];
  promotions: PromotionRow[];
  /** The json-rules-engine rules as JSON text (an array). */
  rules: string;
}

/** A problem the form finds before sending, at the API's path of the field. */
export interface FormIssue {
  field: string;
  code: 'amount' | 'whole_number' | 'decimal' | 'required' | 'json' | 'date_order' | 'promotion_effect';
}

export type ProgramInput = Omit<RewardsProgram, 'currency' | 'version' | 'createdAt' | 'updatedAt'>;

/** A SNAP decimal string as someone of `lang` would type it: "1000.50" → "1000,50" in id. */
export function valueToInput(value: string, lang: Lang): string {
  return lang === 'id' ? value.replace('.', ',') : value;
}

export const emptyMultiplier = (): MultiplierRow => ({ categories: [], multiplier: '2' });
export const emptyTier = (): TierRow => ({ name: '', minMonthlySpend: '', multiplier: '1.5' });
export const emptyPromotion = (): PromotionRow => ({ name: '', startDate: '', endDate: '', categories: [], birthdayMonth: false, multiplier: '', bonusPoints: '' });

/** The form of a stored program, or of a new one (1 point per 1,000 of the currency, a point worth 10). */
export function programToForm(p: RewardsProgram | undefined, currency: string, lang: Lang): ProgramForm {
  if (!p) {
    const scale = (units: number) => (minorUnits(currency) === 0 ? String(units) : `${units}.${'0'.repeat(minorUnits(currency))}`);
    return {
      status: 'ACTIVE',
      earnPoints: '1',
      earnPer: valueToInput(scale(1000), lang),
      pointValue: valueToInput(scale(10), lang),
      cashbackPercent: '',
      categoryMultipliers: [],
      tiers: [],
      promotions: [],
      rules: '[]',
    };
  }
  return {
    status: p.status,
    earnPoints: String(p.earnRate.points),
    earnPer: valueToInput(p.earnRate.per.value, lang),
    pointValue: valueToInput(p.pointValue.value, lang),
    cashbackPercent: p.cashbackPercent ?? '',
    categoryMultipliers: p.categoryMultipliers.map((m) => ({ categories: [...m.categories], multiplier: m.multiplier })),
    tiers: p.tiers.map((t) => ({ name: t.name, minMonthlySpend: valueToInput(t.minMonthlySpend.value, lang), multiplier: t.multiplier })),
    promotions: p.promotions.map((x) => ({
      name: x.name,
      startDate: x.startDate,
      endDate: x.endDate,
      categories: [...(x.categories ?? [])],
      birthdayMonth: x.birthdayMonth ?? false,
      multiplier: x.multiplier ?? '',
      bonusPoints: x.bonusPoints === undefined ? '' : String(x.bonusPoints),
    })),
    rules: JSON.stringify(p.rules, null, 2),
  };
}

const WHOLE = /^\d{1,7}$/;
const DECIMAL = /^\d{1,6}([.,]\d{1,4})?$/;
/** "1,5" (id) and "1.5" are the same multiplier; the API takes "1.5". */
const decimal = (text: string) => text.trim().replace(',', '.');

export type FormResult = { ok: true; program: ProgramInput } | { ok: false; issues: FormIssue[] };

/** The form → the program to PUT, or what is wrong with it (each at the API's path of its field). */
export function formToProgram(f: ProgramForm, currency: string, lang: Lang): FormResult {
  const issues: FormIssue[] = [];
  const money = (text: string, field: string): MoneyValue => {
    const value = parseAmountInput(text, currency, lang);
    if (value === undefined) issues.push({ field, code: text.trim() ? 'amount' : 'required' });
    return { value: value ?? '0', currency };
  };
  const mult = (text: string, field: string): string => {
    if (!DECIMAL.test(text.trim())) issues.push({ field, code: text.trim() ? 'decimal' : 'required' });
    return decimal(text);
  };
  if (!WHOLE.test(f.earnPoints.trim())) issues.push({ field: 'earnRate.points', code: f.earnPoints.trim() ? 'whole_number' : 'required' });
  const program: ProgramInput = {
    status: f.status,
    earnRate: { points: Number(f.earnPoints.trim()), per: money(f.earnPer, 'earnRate.per') },
    pointValue: money(f.pointValue, 'pointValue'),
    categoryMultipliers: f.categoryMultipliers.map((m, i) => ({ categories: m.categories, multiplier: mult(m.multiplier, `categoryMultipliers.${i}.multiplier`) })),
    tiers: f.tiers.map((t, i) => ({ name: t.name.trim(), minMonthlySpend: money(t.minMonthlySpend, `tiers.${i}.minMonthlySpend`), multiplier: mult(t.multiplier, `tiers.${i}.multiplier`) })),
    promotions: f.promotions.map((x, i) => {
      const at = `promotions.${i}`;
      if (!x.startDate) issues.push({ field: `${at}.startDate`, code: 'required' });
      if (!x.endDate) issues.push({ field: `${at}.endDate`, code: 'required' });
      else if (x.startDate && x.endDate < x.startDate) issues.push({ field: `${at}.endDate`, code: 'date_order' });
      if (!x.multiplier.trim() && !x.bonusPoints.trim()) issues.push({ field: `${at}.multiplier`, code: 'promotion_effect' });
      if (x.bonusPoints.trim() && !WHOLE.test(x.bonusPoints.trim())) issues.push({ field: `${at}.bonusPoints`, code: 'whole_number' });
      return {
        name: x.name.trim(),
        startDate: x.startDate,
        endDate: x.endDate,
        ...(x.categories.length ? { categories: x.categories } : {}),
        ...(x.birthdayMonth ? { birthdayMonth: true } : {}),
        ...(x.multiplier.trim() ? { multiplier: mult(x.multiplier, `${at}.multiplier`) } : {}),
        ...(x.bonusPoints.trim() ? { bonusPoints: Number(x.bonusPoints.trim()) } : {}),
      };
    }),
    rules: [],
  };
  if (f.cashbackPercent.trim()) program.cashbackPercent = mult(f.cashbackPercent, 'cashbackPercent');
  try {
    const rules: unknown = JSON.parse(f.rules.trim() || '[]');
    if (!Array.isArray(rules)) throw new Error('not an array');
    program.rules = rules as ProgramInput['rules'];
  } catch {
    issues.push({ field: 'rules', code: 'json' });
  }
  return issues.length ? { ok: false, issues } : { ok: true, program };
}

/**
 * What redeeming `points` of a balance pays, in minor units: points leave at their average booked
 * value, `value × points / balance points` rounded down, or the whole value when all of them leave
 * (rewards.service.ts costOf). 0 when the balance has fewer points than asked.
 */
export function redemptionMinor(points: bigint, balance: { points: number; value: MoneyValue }): bigint {
  const have = BigInt(balance.points);
  if (points <= 0n || points > have) return 0n;
  const digits = minorUnits(balance.value.currency);
  const [whole, fraction = ''] = balance.value.value.split('.');
  const valueMinor = BigInt(whole! + fraction.padEnd(digits, '0').slice(0, digits));
  return points === have ? valueMinor : (points * valueMinor) / have;
}

const pointFormats: Partial<Record<Lang, Intl.NumberFormat>> = {};
/** Points grouped as the language groups digits: 12.500 (id), 12,500 (en). */
export function formatPoints(points: number, lang: Lang): string {
  pointFormats[lang] ??= new Intl.NumberFormat(lang === 'id' ? 'id-ID' : 'en-US', { maximumFractionDigits: 0 });
  return pointFormats[lang].format(points);
}
