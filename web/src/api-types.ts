// Response shapes of the admin API (/admin/v1), hand-written from docs/dashboard.md and the
// OpenAPI document (/openapi.json). Keep them in step with both when a route changes.

export type Role = 'viewer' | 'finance_admin' | 'owner';
/** none / verified: a full session; required: waiting for a code; enrolment_required: must enrol first. */
export type TwoFactorState = 'none' | 'verified' | 'required' | 'enrolment_required';

/** SNAP money: a decimal string in the currency's minor-unit precision. */
export interface Money {
  value: string;
  currency: string;
}

export interface Admin {
  id: string;
  businessId: string;
  email: string;
  role: Role;
  twoFactorEnabled: boolean;
}

export interface Business {
  id: string;
  name: string;
  currency: string;
  timeZone: string;
  environment: 'sandbox' | 'production';
  requireTwoFactor: boolean;
}

export interface Me {
  admin: Admin;
  business: Business;
  session: { twoFactor: TwoFactorState; expiresAt: string };
}

export interface LoginResult {
  admin: Admin;
  expiresAt: string;
  twoFactor: TwoFactorState;
}

export interface Enrolment {
  secret: string;
  otpauthUrl: string;
}

export interface Balance {
  ledgerBalance: Money;
  holdAmount: Money;
  availableBalance: Money;
}

export interface Overview {
  date: string;
  timeZone: string;
  /** Today in the business time zone: from (inclusive) and to (exclusive), UTC instants. */
  from: string;
  to: string;
  spend: Money;
  approvals: number;
  declines: number;
  declinesByReason: Array<{ reason: string; responseCode: string; count: number }>;
  balance: Balance;
}

export type Decision = 'approved' | 'declined' | 'partial';

export interface Merchant {
  id: string | null;
  name: string | null;
  mcc: string | null;
  city: string | null;
  country: string | null;
}

export interface AuthorizationSummary {
  id: string;
  cardId: string | null;
  cardLast4: string | null;
  cardholderId: string | null;
  cardholderName: string | null;
  amount: Money;
  approvedAmount: Money;
  decision: Decision;
  /** ISO 8583 response code ("00", "51", "57", …). */
  responseCode: string;
  reason: string;
  merchant: Merchant;
  /** pending: its hold is open; closed: cleared, reversed or expired. */
  status: 'pending' | 'closed' | 'declined';
  originalId: string | null;
  authorizationCode: string | null;
  createdAt: string;
}

export type { OutcomeStage, SpendControlName } from '../../src/modules/authorizations/reason-checks';
import type { OutcomeStage, SpendControlName } from '../../src/modules/authorizations/reason-checks';

export interface LimitExplanation {
  interval: string;
  categories: string[];
  kind: 'amount' | 'count';
  limit: Money | number;
  used: Money | number | null;
  remaining: Money | number;
  windowStart: string | null;
}

/** Why an authorization was decided as it was (GET /authorizations/{id}). */
export interface Outcome {
  stage: OutcomeStage;
  /** card_not_found, card_expired, …, blocked_category, spending_limit, policy, insufficient_funds, approved, partial, unknown */
  check: string;
  responseCode: string;
  reason: string;
  control?: {
    name: SpendControlName;
    entry?: string | null;
    entryType?: 'mcc' | 'group' | 'country' | 'merchant';
    mcc?: string;
    country?: string;
    merchantId?: string;
    allowed?: string[];
    limit?: LimitExplanation | null;
  };
  policy?: { id: string; name: string | null; versionId: string; versionNumber: number | null; rule: string };
  funds?: { available: Money | null; requested: Money };
  partial?: { cappedBy: 'funds' | 'spending_limit'; approvedAmount: Money };
}

export interface PolicyEvent {
  type: 'decline' | 'review' | 'approve';
  rule: string;
  reason: string;
  responseCode?: string;
}

export interface Transfer {
  id: string;
  /** hold, post, void, over_capture, force_post, refund */
  kind: string;
  role: 'hold' | 'clearing' | 'release' | 'reversal' | 'expiry' | 'refund';
  amount: Money;
  status: 'pending' | 'posted' | 'voided';
  /** A hold's: still held, posted by clearings, released. */
  openAmount?: Money;
  postedAmount?: Money;
  releasedAmount?: Money;
  authorizationId: string | null;
  createdAt: string;
}

export interface AuthorizationDetail extends AuthorizationSummary {
  pos: Record<string, unknown>;
  facts: {
    merchantGroups: string[];
    partialAllowed: boolean;
    available: Money | null;
    usage: Array<{ limitKey: string; windowStart: string; kind: 'amount' | 'count'; used: Money | number }>;
    policy: Record<string, unknown> | null;
  };
  outcome: Outcome;
  reviews: Array<{ policyId: string; versionId: string; rule: string; reason: string }>;
  shadow: Array<{ policyId: string; name: string | null; versionId: string; events: PolicyEvent[] }>;
  increments: AuthorizationSummary[];
  transfers: Transfer[];
}

export interface AuthorizationPage {
  authorizations: AuthorizationSummary[];
  nextCursor: string | null;
}

export type CardholderStatus = 'ACTIVE' | 'INACTIVE' | 'BLOCKED';

export interface Cardholder {
  id: string;
  name: string;
  email: string;
  phoneNo: string | null;
  employeeId: string | null;
  dateOfBirth: string | null;
  status: CardholderStatus;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}

export interface CardholderPage {
  cardholders: Cardholder[];
  pageNumber: number;
  pageSize: number;
  totalCount: number;
}

/** The card fields the non-card pages show (the cards pages type the rest). */
export interface CardSummary {
  id: string;
  cardholderId: string;
  type: string;
  status: string;
  last4: string;
  expiryMonth: number;
  expiryYear: number;
  currency: string;
  createdAt: string;
}

export interface CardPage {
  cards: CardSummary[];
  pageNumber: number;
  pageSize: number;
  totalCount: number;
}

/** One Server-Sent Event of GET /admin/v1/stream (its data). */
export interface StreamEvent {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
}

export interface MccGroup {
  name: string;
  mccs: string[];
}
