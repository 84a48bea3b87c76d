// An authorization's decision in words: "Blocked category: gambling (MCC 7995) — card control",
// from its outcome (GET /authorizations/{id}) or, in lists, from its reason and response code.
import type { Decision, Merchant, Money, Outcome, OutcomeStage } from './api-types';
import { formatMoney, type Lang } from './format';
// The server's one table of decide()'s reasons (the outcome of GET /authorizations/{id} uses it too).
import { checkOfReason as serverCheckOfReason, REASON_PATTERNS } from '../../src/modules/authorizations/reason-checks';

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

/** The check behind a reason when no outcome came with it (lists, the live feed). */
export function checkOfReason(decision: Decision, reason: string): { stage: OutcomeStage; check: string } {
  const known = serverCheckOfReason(reason);
  if (known) return { stage: known.stage, check: known.check };
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
  const stateMatch = REASON_PATTERNS.map(([re]) => re.exec(a.reason)).find((m) => m)?.[1] ?? '';
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
