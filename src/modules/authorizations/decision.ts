import { categoryMatches } from '../controls/mcc-groups';
import type { SpendControls, SpendingLimit } from '../controls/spend-controls';
import { effectiveStatus } from '../cards/card-state';
import type { CardType } from '../cards/card.entity';
import type { StoredCardStatus } from '../cards/card-state';

/**
 * The authorization decision, as a pure function of the request, the card's facts, its current
 * spend-limit usage and the funds available: no I/O, so it is cheap and testable. The order and the
 * ISO 8583 codes follow API.md: 14 (handled by the caller) → 54/82 → 62 → cardholder/business →
 * merchant lock, single use → 57 → 61 → 65 → policies → 51 → 10 (partial).
 */

export interface AuthorizationRequest {
  amount: bigint;
  currency: string;
  expiry?: string;
  cvv?: string;
  merchant: { id: string; name: string; mcc: string; city?: string; country: string };
  partialAllowed: boolean;
}

export interface CardFacts {
  type: CardType;
  status: StoredCardStatus;
  expiryMonth: number;
  expiryYear: number;
  currency: string;
  spendControls: SpendControls;
  lockedMerchantId: string | null;
  cardholderStatus: string;
  businessStatus: string;
  timeZone: string;
  /** For SINGLE_USE: an approved authorization is still open (a cleared one terminates the card; a reversed one frees it). */
  used: boolean;
  /** The CVV the card would have (derived by the caller only when the request carries one). */
  expectedCvv?: string;
}

export interface CounterUse {
  limitKey: string;
  windowStart: string;
  /** An amount in minor units, or a number of approvals. */
  limit: bigint;
  kind: 'amount' | 'count';
}

export interface Decision {
  decision: 'approved' | 'declined' | 'partial';
  responseCode: string;
  reason: string;
  approvedAmount: bigint;
  /** The windowed limits the approved amount counts against (empty on a decline). */
  counters: CounterUse[];
}

export interface PolicyVerdict {
  responseCode: string;
  reason: string;
}

const decline = (responseCode: string, reason: string): Decision => ({ decision: 'declined', responseCode, reason, approvedAmount: 0n, counters: [] });

export function limitKey(limit: { interval: string; categories: string[] }): string {
  return `${limit.interval}:${[...limit.categories].sort().join(',')}`;
}

/** The first day of the limit's calendar window containing `now`, in the business's time zone. */
export function windowStart(interval: SpendingLimit['interval'], now: Date, timeZone: string): string {
  if (interval === 'all_time') return '1970-01-01';
  const local = localDate(now, timeZone);
  const [y, m, d] = local.split('-').map(Number) as [number, number, number];
  if (interval === 'yearly') return `${y}-01-01`;
  if (interval === 'monthly') return `${y}-${String(m).padStart(2, '0')}-01`;
  if (interval === 'weekly') {
    const date = new Date(Date.UTC(y, m - 1, d));
    const sinceMonday = (date.getUTCDay() + 6) % 7;
    return new Date(date.getTime() - sinceMonday * 86400_000).toISOString().slice(0, 10);
  }
  return local;
}

/**
 * The first day of the window after the one starting on `start` (a windowStart), when the limit's
 * usage starts again from zero; null for all_time, which never resets.
 */
export function nextWindowStart(interval: Exclude<SpendingLimit['interval'], 'per_authorization'>, start: string): string | null {
  if (interval === 'all_time') return null;
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  const next =
    interval === 'yearly' ? new Date(Date.UTC(y + 1, 0, 1)) : interval === 'monthly' ? new Date(Date.UTC(y, m, 1)) : new Date(Date.UTC(y, m - 1, d + (interval === 'weekly' ? 7 : 1)));
  return next.toISOString().slice(0, 10);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function localDate(now: Date, timeZone: string): string {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f.format(now);
}

function listMatches(categories: string[], mcc: string): boolean {
  return categories.some((c) => categoryMatches(c, mcc));
}

/**
 * The checks of the card itself (expiry, CVV, card, cardholder and business status), the first of
 * `decide`'s; a decline, or null when the card may be used. A balance inquiry asks only these.
 */
export function cardRefusal(req: Pick<AuthorizationRequest, 'expiry' | 'cvv'>, card: CardFacts, now: Date): Decision | null {
  const status = effectiveStatus(card.status, card.expiryMonth, card.expiryYear, now);
  if (status === 'EXPIRED') return decline('54', 'card expired');
  if (req.expiry !== undefined && req.expiry !== String(card.expiryMonth).padStart(2, '0') + String(card.expiryYear % 100).padStart(2, '0')) {
    return decline('54', 'expiry does not match');
  }
  if (req.cvv !== undefined && req.cvv !== card.expectedCvv) return decline('82', 'CVV does not match');
  if (status !== 'ACTIVE') return decline('62', `card ${status.toLowerCase()}`);
  if (card.cardholderStatus !== 'ACTIVE') return decline('62', `cardholder ${card.cardholderStatus.toLowerCase()}`);
  if (card.businessStatus !== 'ACTIVE') return decline('05', `business ${card.businessStatus.toLowerCase()}`);
  return null;
}

export function decide(
  req: AuthorizationRequest,
  card: CardFacts,
  usage: ReadonlyMap<string, bigint>,
  available: bigint,
  now: Date,
  policy?: PolicyVerdict,
): Decision {
  const refused = cardRefusal(req, card, now);
  if (refused) return refused;
  if (card.type === 'MERCHANT_LOCKED' && card.lockedMerchantId !== null && card.lockedMerchantId !== req.merchant.id) {
    return decline('57', 'card is locked to another merchant');
  }
  if (card.type === 'SINGLE_USE' && card.used) return decline('05', 'single-use card already used');
  if (req.currency !== card.currency) return decline('05', `card currency is ${card.currency}`);

  const c = card.spendControls;
  const mcc = req.merchant.mcc;
  if (listMatches(c.blockedCategories, mcc)) return decline('57', 'merchant category blocked');
  if (c.allowedCategories.length > 0 && !listMatches(c.allowedCategories, mcc)) return decline('57', 'merchant category not allowed');
  if (c.blockedCountries.includes(req.merchant.country)) return decline('57', 'merchant country blocked');
  if (c.allowedCountries.length > 0 && !c.allowedCountries.includes(req.merchant.country)) return decline('57', 'merchant country not allowed');
  if (c.blockedMerchantIds.includes(req.merchant.id)) return decline('57', 'merchant blocked');
  if (c.allowedMerchantIds.length > 0 && !c.allowedMerchantIds.includes(req.merchant.id)) return decline('57', 'merchant not allowed');

  let approvable = req.amount;
  let cappedBy: 'limit' | 'funds' | undefined;
  const counters: CounterUse[] = [];
  for (const limit of c.spendingLimits) {
    if (limit.categories.length > 0 && !listMatches(limit.categories, mcc)) continue;
    const cap = BigInt(limit.amountMinor);
    let remaining = cap;
    if (limit.interval !== 'per_authorization') {
      const key = limitKey(limit);
      const start = windowStart(limit.interval, now, card.timeZone);
      remaining = cap - (usage.get(`${key}|${start}`) ?? 0n);
      counters.push({ limitKey: key, windowStart: start, limit: cap, kind: 'amount' });
    }
    if (remaining < approvable) {
      approvable = remaining > 0n ? remaining : 0n;
      cappedBy = 'limit';
    }
  }
  if (approvable === 0n || (approvable < req.amount && !req.partialAllowed && cappedBy === 'limit')) {
    return decline('61', 'exceeds spending limit');
  }
  for (const limit of c.countLimits) {
    if (limit.categories.length > 0 && !listMatches(limit.categories, mcc)) continue;
    const key = `count:${limitKey(limit)}`;
    const start = windowStart(limit.interval, now, card.timeZone);
    if ((usage.get(`${key}|${start}`) ?? 0n) + 1n > BigInt(limit.count)) return decline('65', 'exceeds frequency limit');
    counters.push({ limitKey: key, windowStart: start, limit: BigInt(limit.count), kind: 'count' });
  }
  if (policy) return decline(policy.responseCode, policy.reason);
  if (available < approvable) {
    if (!req.partialAllowed || available <= 0n) return decline('51', 'insufficient funds');
    approvable = available;
    cappedBy = 'funds';
  }
  if (approvable < req.amount) {
    return { decision: 'partial', responseCode: '10', reason: cappedBy === 'funds' ? 'partial: funds' : 'partial: spending limit', approvedAmount: approvable, counters };
  }
  return { decision: 'approved', responseCode: '00', reason: 'approved', approvedAmount: approvable, counters };
}
