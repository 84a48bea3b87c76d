import { Engine } from 'json-rules-engine';
import { InvalidFieldFormat } from '../../platform/errors';
import { parseSnapValue } from '../../platform/money';
import { categoryMatches, mccGroupsOf } from '../controls/mcc-groups';
import type { ProgramInput } from './rewards.schemas';

/**
 * How many points a purchase earns — pure, exact (bigint rationals, one floor at the end):
 *
 *   points = floor((base + cashback) × category × tier × promotion × rules) + bonus
 *   base     = amount × earnRate.points / earnRate.per            (pro rata)
 *   cashback = amount × cashbackPercent / 100 / pointValue         (points worth that share of spend)
 *   category = the highest categoryMultipliers entry matching the merchant's MCC (1 when none)
 *   tier     = the tier with the highest minMonthlySpend ≤ month-to-date spend (1 when none)
 *   promotion= the highest multiplier among promotions active on the local date, matching the
 *              category and, when asked, the cardholder's birthday month (1 when none)
 *   rules    = the product of the matching json-rules-engine rules' multipliers
 *   bonus    = Σ bonusPoints of the matching promotions and rules (accrual only: a reversal reverses
 *              at the rate, never a fixed bonus)
 */

const SCALE = 10_000n;

/** "1.5" → 15000n (× 10⁴); the schemas allow at most 4 decimal places. */
export function scaled(decimal: string): bigint {
  const [whole, frac = ''] = decimal.split('.');
  return BigInt(whole!) * SCALE + BigInt(frac.padEnd(4, '0').slice(0, 4));
}

export interface Merchant {
  id?: string;
  name?: string;
  mcc?: string;
  city?: string;
  country?: string;
}

export interface EarnContext {
  amount: bigint;
  merchant: Merchant | null;
  cardId: string;
  /** The purchase's calendar date in the business's time zone, YYYY-MM-DD. */
  localDate: string;
  /** The cardholder's date of birth (YYYY-MM-DD) or null. */
  dateOfBirth: string | null;
  /** The cardholder's purchases earlier this calendar month (business time zone), minor units. */
  monthToDateSpend: bigint;
  /** Fixed bonuses count on accrual only. */
  includeBonus: boolean;
}

export interface Earned {
  points: bigint;
  breakdown: {
    basePoints: string;
    cashbackPoints: string;
    categoryMultiplier: string;
    tier: string | null;
    tierMultiplier: string;
    promotions: string[];
    promotionMultiplier: string;
    ruleMultiplier: string;
    rules: string[];
    bonusPoints: number;
  };
}

const fmt = (s: bigint) => {
  const whole = s / SCALE;
  const frac = (s % SCALE).toString().padStart(4, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
};

/** a/b rounded down to 4 decimals, for the breakdown only. */
const ratio = (num: bigint, den: bigint) => fmt((num * SCALE) / den);

export async function earn(program: ProgramInput, ctx: EarnContext): Promise<Earned> {
  const currency = program.pointValue.currency;
  const perMinor = parseSnapValue(program.earnRate.per.value, currency);
  const pointMinor = parseSnapValue(program.pointValue.value, currency);
  const mcc = ctx.merchant?.mcc ?? null;
  const month = Number(ctx.localDate.slice(5, 7));
  const birthdayMonth = ctx.dateOfBirth !== null && Number(ctx.dateOfBirth.slice(5, 7)) === month;

  // (base + cashback) as num/den.
  const pct = program.cashbackPercent ? scaled(program.cashbackPercent) : 0n;
  const den = perMinor * 100n * SCALE * pointMinor;
  let num = ctx.amount * BigInt(program.earnRate.points) * 100n * SCALE * pointMinor + ctx.amount * pct * perMinor;

  let category = SCALE;
  if (mcc) {
    for (const m of program.categoryMultipliers) {
      if (m.categories.some((c) => categoryMatches(c, mcc)) && scaled(m.multiplier) > category) category = scaled(m.multiplier);
    }
  }

  let tier: { name: string; min: bigint; multiplier: bigint } | null = null;
  for (const t of program.tiers) {
    const min = parseSnapValue(t.minMonthlySpend.value, currency);
    if (ctx.monthToDateSpend >= min && (!tier || min > tier.min)) tier = { name: t.name, min, multiplier: scaled(t.multiplier) };
  }
  const tierMultiplier = tier?.multiplier ?? SCALE;

  let promotion = SCALE;
  let bonus = 0n;
  const promotions: string[] = [];
  for (const p of program.promotions) {
    if (ctx.localDate < p.startDate || ctx.localDate > p.endDate) continue;
    if (p.categories && !(mcc && p.categories.some((c) => categoryMatches(c, mcc)))) continue;
    if (p.birthdayMonth && !birthdayMonth) continue;
    promotions.push(p.name);
    if (p.multiplier && scaled(p.multiplier) > promotion) promotion = scaled(p.multiplier);
    if (p.bonusPoints) bonus += BigInt(p.bonusPoints);
  }

  let rulesMultiplier = SCALE;
  const rules: string[] = [];
  if (program.rules.length > 0) {
    const facts = {
      amount: Number(ctx.amount),
      currency,
      mcc: mcc ?? '',
      groups: mcc ? mccGroupsOf(mcc) : [],
      merchantId: ctx.merchant?.id ?? '',
      merchantCountry: ctx.merchant?.country ?? '',
      cardId: ctx.cardId,
      localDate: ctx.localDate,
      birthdayMonth,
      monthToDateSpend: Number(ctx.monthToDateSpend),
    };
    const { events } = await rulesEngine(program.rules).run(facts);
    for (const e of events) {
      const params = e.params as { multiplier?: string; points?: number; name?: string };
      if (e.type === 'multiplier' && params.multiplier) rulesMultiplier = (rulesMultiplier * scaled(params.multiplier)) / SCALE;
      if (e.type === 'bonus' && params.points) bonus += BigInt(params.points);
      rules.push(params.name ?? e.type);
    }
  }

  num = num * category * tierMultiplier * promotion * rulesMultiplier;
  const fullDen = den * SCALE * SCALE * SCALE * SCALE;
  const bonusPoints = ctx.includeBonus ? bonus : 0n;
  const points = num / fullDen + bonusPoints;
  return {
    points,
    breakdown: {
      basePoints: ratio(ctx.amount * BigInt(program.earnRate.points), perMinor),
      cashbackPoints: ratio(ctx.amount * pct, 100n * SCALE * pointMinor),
      categoryMultiplier: fmt(category),
      tier: tier?.name ?? null,
      tierMultiplier: fmt(tierMultiplier),
      promotions,
      promotionMultiplier: fmt(promotion),
      ruleMultiplier: fmt(rulesMultiplier),
      rules,
      bonusPoints: Number(bonusPoints),
    },
  };
}

/** A fresh engine per evaluation (rewards run in a worker, not on the hot path). Event params carry the rule's name. */
function rulesEngine(rules: ProgramInput['rules']): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true });
  rules.forEach((r, i) => {
    engine.addRule({
      name: r.name ?? `rule ${i + 1}`,
      priority: r.priority ?? 1,
      conditions: r.conditions as never,
      event: { type: r.event.type, params: { ...r.event.params, name: r.name ?? `rule ${i + 1}` } },
    });
  });
  return engine;
}

/**
 * Cross-field checks of a program: one currency throughout (the business's), positive rates, date
 * ranges in order, unique tier names, a promotion that gives something, rules the engine accepts.
 */
export async function validateProgram(p: ProgramInput, businessCurrency: string): Promise<void> {
  const amounts: Array<[string, { value: string; currency: string }]> = [
    ['earnRate.per', p.earnRate.per],
    ['pointValue', p.pointValue],
    ...p.tiers.map((t, i) => [`tiers.${i}.minMonthlySpend`, t.minMonthlySpend] as [string, { value: string; currency: string }]),
  ];
  for (const [field, a] of amounts) {
    if (a.currency !== businessCurrency) throw new InvalidFieldFormat(`${field}.currency`, `the business's accounts are in ${businessCurrency}`);
    parseSnapValue(a.value, a.currency, field);
  }
  if (parseSnapValue(p.earnRate.per.value, businessCurrency) <= 0n) throw new InvalidFieldFormat('earnRate.per.value', 'must be greater than zero');
  if (parseSnapValue(p.pointValue.value, businessCurrency) <= 0n) {
    throw new InvalidFieldFormat('pointValue.value', `must be at least one minor unit of ${businessCurrency}`);
  }
  const multipliers: Array<[string, string]> = [
    ...p.categoryMultipliers.map((m, i) => [`categoryMultipliers.${i}.multiplier`, m.multiplier] as [string, string]),
    ...p.tiers.map((t, i) => [`tiers.${i}.multiplier`, t.multiplier] as [string, string]),
    ...p.promotions.flatMap((x, i) => (x.multiplier ? [[`promotions.${i}.multiplier`, x.multiplier] as [string, string]] : [])),
  ];
  for (const [field, m] of multipliers) if (scaled(m) === 0n) throw new InvalidFieldFormat(field, 'must be greater than zero');
  const names = new Set<string>();
  p.tiers.forEach((t, i) => {
    if (names.has(t.name)) throw new InvalidFieldFormat(`tiers.${i}.name`, `duplicate tier ${t.name}`);
    names.add(t.name);
  });
  p.promotions.forEach((x, i) => {
    if (x.endDate < x.startDate) throw new InvalidFieldFormat(`promotions.${i}.endDate`, 'before startDate');
    if (!x.multiplier && !x.bonusPoints) throw new InvalidFieldFormat(`promotions.${i}.multiplier`, 'a promotion needs a multiplier or bonusPoints');
  });
  // A dry run on sample facts: an unknown operator only shows when a rule is evaluated.
  const sample = { amount: 1, currency: businessCurrency, mcc: '5814', groups: ['restaurants'], merchantId: 'M', merchantCountry: 'ID', cardId: 'c', localDate: '2026-01-01', birthdayMonth: false, monthToDateSpend: 0 };
  for (const [i, r] of p.rules.entries()) {
    try {
      await rulesEngine([r]).run(sample);
    } catch (err) {
      throw new InvalidFieldFormat(`rules.${i}.conditions`, (err as Error).message);
    }
  }
}
