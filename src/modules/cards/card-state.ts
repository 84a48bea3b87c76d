/**
 * The card lifecycle as an explicit state machine:
 *   INACTIVE → ACTIVE ↔ FROZEN, any of them → TERMINATED (final); EXPIRED by date.
 * EXPIRED is not stored: a card past its expiry month reads as EXPIRED and can only be terminated.
 */
export const CARD_STATUSES = ['INACTIVE', 'ACTIVE', 'FROZEN', 'TERMINATED', 'EXPIRED'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];
export type StoredCardStatus = Exclude<CardStatus, 'EXPIRED'>;

export type CardAction = 'activate' | 'freeze' | 'unfreeze' | 'terminate';

const TRANSITIONS: Record<CardStatus, Partial<Record<CardAction, StoredCardStatus>>> = {
  INACTIVE: { activate: 'ACTIVE', terminate: 'TERMINATED' },
  ACTIVE: { freeze: 'FROZEN', terminate: 'TERMINATED' },
  FROZEN: { unfreeze: 'ACTIVE', terminate: 'TERMINATED' },
  EXPIRED: { terminate: 'TERMINATED' },
  TERMINATED: {},
};

/** The status after `action`, or undefined when the lifecycle does not allow it. */
export function nextStatus(current: CardStatus, action: CardAction): StoredCardStatus | undefined {
  return TRANSITIONS[current][action];
}

export function allowedActions(current: CardStatus): CardAction[] {
  return Object.keys(TRANSITIONS[current]) as CardAction[];
}

/** A card is valid through the last day of its expiry month (in UTC+7, where Kartu's cards are issued). */
export function isExpired(expiryMonth: number, expiryYear: number, now: Date): boolean {
  const jakarta = new Date(now.getTime() + 7 * 3600_000);
  const y = jakarta.getUTCFullYear();
  const m = jakarta.getUTCMonth() + 1;
  return y > expiryYear || (y === expiryYear && m > expiryMonth);
}

export function effectiveStatus(stored: StoredCardStatus, expiryMonth: number, expiryYear: number, now: Date): CardStatus {
  return stored !== 'TERMINATED' && isExpired(expiryMonth, expiryYear, now) ? 'EXPIRED' : stored;
}

/** Which action a PATCH `status` asks for, from the current status. */
export function actionForTarget(current: CardStatus, target: 'ACTIVE' | 'FROZEN' | 'TERMINATED'): CardAction {
  if (target === 'FROZEN') return 'freeze';
  if (target === 'TERMINATED') return 'terminate';
  return current === 'INACTIVE' ? 'activate' : 'unfreeze';
}

export type ShippingStatus = 'pending' | 'shipped' | 'delivered' | 'returned' | 'failure';

const SHIPPING_TRANSITIONS: Record<ShippingStatus, ShippingStatus[]> = {
  pending: ['shipped', 'failure'],
  shipped: ['delivered', 'returned', 'failure'],
  delivered: [],
  returned: [],
  failure: [],
};

export function canShip(from: ShippingStatus, to: ShippingStatus): boolean {
  return SHIPPING_TRANSITIONS[from].includes(to);
}
