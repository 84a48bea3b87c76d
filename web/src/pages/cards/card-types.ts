// The cards pages' response shapes (src/modules/cards/cards.schemas.ts: cardView, revealedCard;
// docs/dashboard.md: limit usage, sandbox). Keep them in step with both when a route changes.
import type { Money } from '../../api-types';
import type { SpendControlsView } from '../../components/controls/controls-model';
import type { CardStatus, CardType } from './card-filters';
import type { ReplacementReason, ShippingService } from './issue-card-model';

export type ShippingStatus = 'pending' | 'shipped' | 'delivered' | 'returned' | 'failure';

export interface Shipping {
  name: string;
  address: { line1: string; line2?: string; city: string; state?: string; postalCode: string; country: string };
  service: ShippingService;
  status: ShippingStatus;
  carrier: string | null;
  trackingNumber: string | null;
  history: Array<{ status: ShippingStatus; at: string }>;
}

export interface Card {
  id: string;
  cardholderId: string;
  partnerReferenceNo: string;
  type: CardType;
  status: CardStatus;
  last4: string;
  expiryMonth: number;
  expiryYear: number;
  currency: string;
  spendControls: SpendControlsView;
  shipping: Shipping | null;
  metadata: Record<string, string>;
  replacementFor: string | null;
  replacementReason: ReplacementReason | null;
  pinSet: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface CardList {
  cards: Card[];
  pageNumber: number;
  pageSize: number;
  totalCount: number;
}

/** One spending limit's use in its current window (GET /cards/{id}/limit-usage). */
export type LimitUsage =
  /** `used` is null for per_authorization: each purchase is held to the limit on its own. */
  | { kind: 'amount'; interval: string; categories: string[]; limit: Money; used: Money | null; remaining: Money; windowStart: string | null; resetsAt: string | null }
  | { kind: 'count'; interval: string; categories: string[]; limit: number; used: number; remaining: number; windowStart: string | null; resetsAt: string | null };

export interface RevealedCard {
  id: string;
  last4: string;
  number: string;
  cvv: string;
  /** MMYY */
  expiry: string;
}

/** The network's answer to a sandbox test purchase (POST /sandbox/authorizations). */
export interface TestPurchaseAnswer {
  id: string;
  authorizationId: string;
  decision: 'approved' | 'declined' | 'partial';
  responseCode: string;
  /** Minor units. */
  approvedAmount: number;
  authorizationCode: string | null;
  reason: string;
}

/** GET /mcc-groups: a group a control may name, with its MCCs. */
export interface MccGroup {
  name: string;
  mccs: string[];
}
