/**
 * Event types a webhook endpoint may subscribe to (besides '*' and `prefix.*`). A module that
 * records a new event type adds it here, so endpoints can name it and typos are refused.
 */
export const EVENT_TYPES = [
  'authorization.created',
  'authorization.updated',
  'transaction.cleared',
  'transaction.refunded',
  'card.created',
  'card.updated',
  'cardholder.created',
  'cardholder.updated',
  'funding.credited',
  'rewards.accrued',
  'rewards.reversed',
  'rewards.redeemed',
  'report.completed',
  'fraud.alert',
  'policy.backtest.completed',
  'self_test.webhook',
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** `prefix.*` wildcards: one per prefix of a known type. */
export const EVENT_TYPE_WILDCARDS = [...new Set(EVENT_TYPES.map((t) => `${t.split('.')[0]}.*`))];

/** True when a webhook endpoint subscribed to `types` wants an event of type `type`. */
export function typeMatches(types: readonly string[], type: string): boolean {
  return types.some((t) => t === '*' || t === type || (t.endsWith('.*') && type.startsWith(t.slice(0, -1))));
}

/** The event families the dashboard's live feed (GET /admin/v1/stream) carries: type prefixes, before the dot. */
export const STREAM_EVENT_FAMILIES = ['authorization', 'card', 'cardholder', 'transaction', 'funding'] as const;

/** The event types the live feed carries. */
export const STREAM_EVENT_TYPES = EVENT_TYPES.filter((t) => (STREAM_EVENT_FAMILIES as readonly string[]).includes(t.split('.')[0]!));
