/**
 * What each of decide()'s reasons means (and the write's lost races, which reuse them): the stage
 * that decided and the check, in the names the admin API's outcome uses. One table for the server's
 * GET /admin/v1/authorizations/{id} outcome and for the dashboard, which reads lists and the live
 * feed (reason and response code only) with it. No imports: the dashboard bundles this file.
 */

export type OutcomeStage = 'card' | 'spend_control' | 'policy' | 'funds' | 'approved' | 'unknown';

export type SpendControlName =
  | 'blockedCategories'
  | 'allowedCategories'
  | 'blockedCountries'
  | 'allowedCountries'
  | 'blockedMerchantIds'
  | 'allowedMerchantIds'
  | 'spendingLimits'
  | 'countLimits';

/** decide()'s reasons (and the write's lost races, which reuse them) → stage and check. */
export const REASON_CHECKS: Record<string, { stage: OutcomeStage; check: string; control?: SpendControlName }> = {
  'no such card': { stage: 'card', check: 'card_not_found' },
  'card expired': { stage: 'card', check: 'card_expired' },
  'expiry does not match': { stage: 'card', check: 'expiry_mismatch' },
  'CVV does not match': { stage: 'card', check: 'cvv_mismatch' },
  'card is locked to another merchant': { stage: 'card', check: 'merchant_lock' },
  'single-use card already used': { stage: 'card', check: 'single_use_used' },
  'original authorization not open on this card': { stage: 'card', check: 'original_not_open' },
  'merchant category blocked': { stage: 'spend_control', check: 'blocked_category', control: 'blockedCategories' },
  'merchant category not allowed': { stage: 'spend_control', check: 'category_not_allowed', control: 'allowedCategories' },
  'merchant country blocked': { stage: 'spend_control', check: 'blocked_country', control: 'blockedCountries' },
  'merchant country not allowed': { stage: 'spend_control', check: 'country_not_allowed', control: 'allowedCountries' },
  'merchant blocked': { stage: 'spend_control', check: 'blocked_merchant', control: 'blockedMerchantIds' },
  'merchant not allowed': { stage: 'spend_control', check: 'merchant_not_allowed', control: 'allowedMerchantIds' },
  'exceeds spending limit': { stage: 'spend_control', check: 'spending_limit', control: 'spendingLimits' },
  'exceeds frequency limit': { stage: 'spend_control', check: 'count_limit', control: 'countLimits' },
  'insufficient funds': { stage: 'funds', check: 'insufficient_funds' },
  approved: { stage: 'approved', check: 'approved' },
  'partial: funds': { stage: 'approved', check: 'partial' },
  'partial: spending limit': { stage: 'approved', check: 'partial' },
};

/** decide()'s reasons with a state in them (captured: the state, or the card's currency): "card frozen", "cardholder blocked", "business suspended", "card currency is USD". */
export const REASON_PATTERNS: Array<[RegExp, string]> = [
  [/^card (inactive|frozen|terminated)$/, 'card_status'],
  [/^cardholder (\w+)$/, 'cardholder_status'],
  [/^business (\w+)$/, 'business_status'],
  [/^card currency is ([A-Z]{3})$/, 'currency_mismatch'],
];

/** The stage and check behind one of decide()'s reasons; undefined for any other (a policy's own reason). */
export function checkOfReason(reason: string): { stage: OutcomeStage; check: string; control?: SpendControlName } | undefined {
  const fixed = REASON_CHECKS[reason];
  if (fixed) return fixed;
  const pattern = REASON_PATTERNS.find(([re]) => re.test(reason));
  return pattern && { stage: 'card', check: pattern[1] };
}
