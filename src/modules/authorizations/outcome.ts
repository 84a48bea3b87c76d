import { snapAmount } from '../../platform/money';
import { categoryMatches, isMcc } from '../controls/mcc-groups';
import type { CountLimit, SpendControls, SpendingLimit } from '../controls/spend-controls';
import { limitKey, windowStart } from './decision';
import { checkOfReason, REASON_CHECKS, type OutcomeStage, type SpendControlName } from './reason-checks';

export type { OutcomeStage, SpendControlName };

/**
 * Why an authorization was decided as it was, in a shape a UI can put in words ("Blocked category:
 * gambling (MCC 7995) — card control"). Derived from what was stored: the decision's reason (one of
 * decide()'s fixed texts, or a policy's), the policy outcome, and the facts recorded (the limit
 * usage and available funds the decision saw). The card's spend controls are not recorded with the
 * authorization: which entry or limit matched is found in the card's controls as they are now (and
 * is null when they no longer explain it); a window is the one containing the authorization's time.
 */

type Money = { value: string; currency: string };

export interface LimitExplanation {
  interval: string;
  categories: string[];
  kind: 'amount' | 'count';
  /** The limit: money for an amount limit, a number of approvals for a count limit. */
  limit: Money | number;
  /** What the window had used when the decision was made (null for per_authorization). */
  used: Money | number | null;
  remaining: Money | number;
  windowStart: string | null;
}

export interface Outcome {
  stage: OutcomeStage;
  /** Which check decided, machine-readable (`blocked_category`, `spending_limit`, `insufficient_funds`, …). */
  check: string;
  responseCode: string;
  reason: string;
  control?: {
    name: SpendControlName;
    /** The list entry that matched (a blocked category, country or merchant id), null when the card's controls no longer have it. */
    entry?: string | null;
    entryType?: 'mcc' | 'group' | 'country' | 'merchant';
    mcc?: string;
    country?: string;
    merchantId?: string;
    /** For an allow list the purchase was not on: the list as the card has it now. */
    allowed?: string[];
    limit?: LimitExplanation | null;
  };
  policy?: { id: string; name: string | null; versionId: string; versionNumber: number | null; rule: string };
  funds?: { available: Money | null; requested: Money };
  partial?: { cappedBy: 'funds' | 'spending_limit'; approvedAmount: Money };
}

export interface StoredDecision {
  decision: 'approved' | 'declined' | 'partial';
  responseCode: string;
  reason: string;
  amount: bigint;
  approvedAmount: bigint;
  currency: string;
  merchant: { id?: string; mcc?: string; country?: string };
  createdAt: Date;
  /** The facts recorded at decision time. */
  available: string | null;
  usage: Record<string, string>;
  policyDecline: { policyId: string; versionId: string; rule: string; reason: string; responseCode: string } | null;
}

export interface PolicyNames {
  get(policyId: string): { name: string } | undefined;
  versionNumber(versionId: string): number | undefined;
}

export function explainOutcome(d: StoredDecision, controls: SpendControls, timeZone: string, policies: PolicyNames): Outcome {
  const base = { responseCode: d.responseCode, reason: d.reason };
  const fixed = REASON_CHECKS[d.reason];
  const money = (minor: bigint) => snapAmount(minor, d.currency);
  if (!fixed) {
    const state = checkOfReason(d.reason); // a reason with a state in it ("card frozen")
    if (state) return { stage: state.stage, check: state.check, ...base };
    const p = d.policyDecline;
    if (d.decision === 'declined' && p && p.reason === d.reason) {
      const policy = policies.get(p.policyId);
      return {
        stage: 'policy',
        check: 'policy',
        ...base,
        policy: { id: p.policyId, name: policy?.name ?? null, versionId: p.versionId, versionNumber: policies.versionNumber(p.versionId) ?? null, rule: p.rule },
      };
    }
    return { stage: 'unknown', check: 'unknown', ...base };
  }
  const outcome: Outcome = { stage: fixed.stage, check: fixed.check, ...base };
  const mcc = d.merchant.mcc ?? '';
  const funds = () => ({ available: d.available === null ? null : money(BigInt(d.available)), requested: money(d.amount) });
  switch (fixed.control) {
    case 'blockedCategories': {
      const entry = controls.blockedCategories.find((c) => categoryMatches(c, mcc)) ?? null;
      outcome.control = { name: fixed.control, entry, ...(entry ? { entryType: isMcc(entry) ? 'mcc' : 'group' } : {}), mcc };
      break;
    }
    case 'allowedCategories':
      outcome.control = { name: fixed.control, mcc, allowed: [...controls.allowedCategories] };
      break;
    case 'blockedCountries': {
      const country = d.merchant.country ?? '';
      outcome.control = { name: fixed.control, entry: controls.blockedCountries.includes(country) ? country : null, entryType: 'country', country };
      break;
    }
    case 'allowedCountries':
      outcome.control = { name: fixed.control, country: d.merchant.country ?? '', allowed: [...controls.allowedCountries] };
      break;
    case 'blockedMerchantIds': {
      const merchantId = d.merchant.id ?? '';
      outcome.control = { name: fixed.control, entry: controls.blockedMerchantIds.includes(merchantId) ? merchantId : null, entryType: 'merchant', merchantId };
      break;
    }
    case 'allowedMerchantIds':
      outcome.control = { name: fixed.control, merchantId: d.merchant.id ?? '', allowed: [...controls.allowedMerchantIds] };
      break;
    case 'spendingLimits':
      outcome.control = { name: fixed.control, mcc, limit: bindingAmountLimit(d, controls.spendingLimits, timeZone) };
      break;
    case 'countLimits':
      outcome.control = { name: fixed.control, mcc, limit: exhaustedCountLimit(d, controls.countLimits, timeZone) };
      break;
  }
  if (fixed.stage === 'funds') outcome.funds = funds();
  if (d.reason === 'partial: funds') {
    outcome.partial = { cappedBy: 'funds', approvedAmount: money(d.approvedAmount) };
    outcome.funds = funds();
  }
  if (d.reason === 'partial: spending limit') {
    outcome.partial = { cappedBy: 'spending_limit', approvedAmount: money(d.approvedAmount) };
    outcome.control = { name: 'spendingLimits', mcc, limit: bindingAmountLimit(d, controls.spendingLimits, timeZone) };
  }
  return outcome;
}

const applies = (limit: { categories: string[] }, mcc: string) => limit.categories.length === 0 || limit.categories.some((c) => categoryMatches(c, mcc));

/** The amount limit that left the least room below the amount, with the usage the decision saw. */
function bindingAmountLimit(d: StoredDecision, limits: SpendingLimit[], timeZone: string): LimitExplanation | null {
  const mcc = d.merchant.mcc ?? '';
  let binding: { limit: SpendingLimit; used: bigint | null; remaining: bigint; start: string | null } | undefined;
  for (const limit of limits) {
    if (!applies(limit, mcc)) continue;
    const cap = BigInt(limit.amountMinor);
    let used: bigint | null = null;
    let start: string | null = null;
    if (limit.interval !== 'per_authorization') {
      start = windowStart(limit.interval, d.createdAt, timeZone);
      used = BigInt(d.usage[`${limitKey(limit)}|${start}`] ?? '0');
    }
    const remaining = used === null ? cap : cap > used ? cap - used : 0n;
    if (remaining < d.amount && (!binding || remaining < binding.remaining)) binding = { limit, used, remaining, start };
  }
  if (!binding) return null;
  const money = (minor: bigint) => snapAmount(minor, binding.limit.currency);
  return {
    interval: binding.limit.interval,
    categories: [...binding.limit.categories],
    kind: 'amount',
    limit: money(BigInt(binding.limit.amountMinor)),
    used: binding.used === null ? null : money(binding.used),
    remaining: money(binding.remaining),
    windowStart: binding.start,
  };
}

/** The first count limit whose window had no approval left. */
function exhaustedCountLimit(d: StoredDecision, limits: CountLimit[], timeZone: string): LimitExplanation | null {
  const mcc = d.merchant.mcc ?? '';
  for (const limit of limits) {
    if (!applies(limit, mcc)) continue;
    const start = windowStart(limit.interval, d.createdAt, timeZone);
    const used = Number(d.usage[`count:${limitKey(limit)}|${start}`] ?? '0');
    if (used + 1 > limit.count) {
      return { interval: limit.interval, categories: [...limit.categories], kind: 'count', limit: limit.count, used, remaining: Math.max(0, limit.count - used), windowStart: start };
    }
  }
  return null;
}
