// An authorization's decision in words: "Blocked category: gambling (MCC 7995) — card control",
// from its outcome (GET /authorizations/{id}) or, in lists, from its reason and response code.
import type { Decision, Merchant, Money, Outcome, OutcomeStage } from './api-types';
import { formatMoney, type Lang } from './format';

export type Translate = (key: string, values?: Record<string, string | number>) => string;

export interface DecidedAuthorization {
  decision: Decision;
  responseCode: string;
  reason: string;
  amount?: Money;
  approvedAmount?: Money;
  merchant?: Pick<Merchant, 'id' | 'name' | 'mcc' | 'country'>;
  outcome?: Outcome;
}

export interface Explanation {
  /** The whole sentence: what decided, then where it came from. */
  sentence: string;
  /** What decided ("Blocked category: gambling (MCC 7995)"). */
  what: string;
  /** Where it came from ("card control"), absent for an approval. */
  source?: string;
  /** The raw codes shown beside the words. */
  responseCode: string;
  reason: string;
  check: string;
}

/** decide()'s fixed reasons → the check and stage the API's outcome names (see outcome.check). */
const CHECKS: Record<string, { stage: OutcomeStage; check: string }> = {
  'no such card': { stage: 'card', check: 'card_not_found' },
  'card expired': { stage: 'card', check: 'card_expired' },
  'expiry does not match': { stage: 'card', check: 'expiry_mismatch' },
  'CVV does not match': { stage: 'card', check: 'cvv_mismatch' },
  'card is locked to another merchant': { stage: 'card', check: 'merchant_lock' },
  'single-use card already used': { stage: 'card', check: 'single_use_used' },
  'original authorization not open on this card': { stage: 'card', check: 'original_not_open' },
  'merchant category blocked': { stage: 'spend_control', check: 'blocked_category' },
  'merchant category not allowed': { stage: 'spend_control', check: 'category_not_allowed' },
  'merchant country blocked': { stage: 'spend_control', check: 'blocked_country' },
  'merchant country not allowed': { stage: 'spend_control', check: 'country_not_allowed' },
  'merchant blocked': { stage: 'spend_control', check: 'blocked_merchant' },
  'merchant not allowed': { stage: 'spend_control', check: 'merchant_not_allowed' },
  'exceeds spending limit': { stage: 'spend_control', check: 'spending_limit' },
  'exceeds frequency limit': { stage: 'spend_control', check: 'count_limit' },
  'insufficient funds': { stage: 'funds', check: 'insufficient_funds' },
  approved: { stage: 'approved', check: 'approved' },
  'partial: funds': { stage: 'approved', check: 'partial' },
  'partial: spending limit': { stage: 'approved', check: 'partial' },
};

const STATE_REASONS: Array<[RegExp, string]> = [
  [/^card (\w+)$/, 'card_status'],
  [/^cardholder (\w+)$/, 'cardholder_status'],
  [/^business (\w+)$/, 'business_status'],
  [/^card currency is ([A-Z]{3})$/, 'currency_mismatch'],
];

/** The check behind a reason when no outcome came with it (lists, the live feed). */
export function checkOfReason(decision: Decision, reason: string): { stage: OutcomeStage; check: string } {
  const fixed = CHECKS[reason];
  if (fixed) return fixed;
  const state = STATE_REASONS.find(([re]) => re.test(reason));
  if (state) return { stage: 'card', check: state[1] };
  // Anything else a decline gives is a spend policy's own reason.
  return decision === 'declined' ? { stage: 'policy', check: 'policy' } : { stage: 'unknown', check: 'unknown' };
}

function translatedOr(t: Translate, key: string, fallback: string): string {
  const text = t(key);
  return text === key || text === '' ? fallback : text;
}

/** A category of a spend control as people say it: a group's translated name, or "MCC 7995". */
export function categoryName(category: string, t: Translate): string {
  return /^\d{4}$/.test(category) ? `MCC ${category}` : translatedOr(t, `mccGroups.${category}`, category.replace(/_/g, ' '));
}

function amountText(value: Money | number, lang: Lang): string {
  return typeof value === 'number' ? String(value) : formatMoney(value, lang);
}

/**
 * The decision of an authorization as a translated sentence with its raw codes.
 * `merchantGroups` are the MCC groups of its merchant (facts.merchantGroups), used to name a
 * blocked category when the outcome does not say which entry matched.
 */
export function explainDecision(a: DecidedAuthorization, t: Translate, lang: Lang, merchantGroups: readonly string[] = []): Explanation {
  const derived = checkOfReason(a.decision, a.reason);
  const stage = a.outcome?.stage ?? derived.stage;
  const check = a.outcome?.check ?? derived.check;
  const control = a.outcome?.control;
  const mcc = control?.mcc ?? a.merchant?.mcc ?? '';
  const country = control?.country ?? a.merchant?.country ?? '';
  const merchant = a.merchant?.name ?? control?.merchantId ?? a.merchant?.id ?? '';
  const stateMatch = STATE_REASONS.map(([re]) => re.exec(a.reason)).find((m) => m)?.[1] ?? '';
  let what: string;
  switch (check) {
    case 'blocked_category':
    case 'category_not_allowed': {
      const entry = control?.entry;
      const group = entry && control?.entryType === 'group' ? entry : merchantGroups[0];
      what = !mcc
        ? t(`decline.check.${check}_any`)
        : group
          ? t(`decline.check.${check}`, { category: categoryName(group, t), mcc })
          : t(`decline.check.${check}_mcc`, { mcc });
      break;
    }
    case 'blocked_country':
    case 'country_not_allowed':
      what = country ? t(`decline.check.${check}`, { country }) : t(`decline.check.${check}_any`);
      break;
    case 'blocked_merchant':
    case 'merchant_not_allowed':
      what = merchant ? t(`decline.check.${check}`, { merchant }) : t(`decline.check.${check}_any`);
      break;
    case 'spending_limit':
    case 'count_limit': {
      const limit = control?.limit;
      what = limit
        ? t(`decline.check.${check}_of`, {
            interval: translatedOr(t, `decline.interval.${limit.interval}`, limit.interval),
            limit: amountText(limit.limit, lang),
            remaining: amountText(limit.remaining, lang),
          })
        : t(`decline.check.${check}`);
      break;
    }
    case 'card_status':
    case 'cardholder_status':
    case 'business_status':
      what = t(`decline.check.${check}`, { status: translatedOr(t, `decline.status.${stateMatch}`, stateMatch) });
      break;
    case 'currency_mismatch':
      what = t('decline.check.currency_mismatch', { currency: stateMatch });
      break;
    case 'policy': {
      const policy = a.outcome?.policy;
      what = policy
        ? t('decline.check.policy_rule', { policy: policy.name ?? policy.id, rule: policy.rule, reason: a.reason })
        : t('decline.check.policy', { reason: a.reason });
      break;
    }
    case 'partial': {
      const approved = a.outcome?.partial?.approvedAmount ?? a.approvedAmount;
      const cappedBy = a.outcome?.partial?.cappedBy ?? (a.reason === 'partial: funds' ? 'funds' : 'spending_limit');
      what =
        approved && a.amount
          ? t(`decline.check.partial_${cappedBy}`, { approved: formatMoney(approved, lang), amount: formatMoney(a.amount, lang) })
          : t(`decline.check.partial_${cappedBy}_plain`);
      break;
    }
    case 'unknown':
      what = t('decline.check.unknown', { reason: a.reason });
      break;
    default:
      what = translatedOr(t, `decline.check.${check}`, a.reason);
  }
  const source = stage === 'approved' || stage === 'unknown' ? undefined : t(`decline.stage.${stage}`);
  return {
    sentence: source ? t('decline.sentence', { what, source }) : what,
    what,
    source,
    responseCode: a.responseCode,
    reason: a.reason,
    check,
  };
}
