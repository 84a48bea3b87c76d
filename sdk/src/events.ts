import { EVENT_TYPES } from './generated/event-types.js';
import type { webhooks } from './generated/types.js';

export { EVENT_TYPES };

/** A known event type; `self_test.webhook` (the self-test's webhook scenario) is listed ahead of the server. */
export type EventType = (typeof EVENT_TYPES)[number] | 'self_test.webhook';

/** Payloads documented outside the generated document (until it carries them). */
interface DocumentedData {
  'self_test.webhook': { selfTestId: string; scenarioId: string; nonce: string };
}

/**
 * An event's `data`: from the document's `webhooks` section when it describes the event (as the
 * delivery body, or its `data`), otherwise as documented here, otherwise an open object.
 */
export type EventData<T extends EventType> = T extends keyof webhooks
  ? webhooks[T] extends { data: infer D }
    ? D
    : webhooks[T]
  : T extends keyof DocumentedData
    ? DocumentedData[T]
    : Record<string, unknown>;

/** A delivery body (and GET /events/{id}'s event): the same bytes on every attempt; de-duplicate on `id`. */
export type KartuEvent = { [T in EventType]: { id: string; type: T; createdAt: string; data: EventData<T> } }[EventType];

/** Narrows an event to one type: `if (isEvent(event, 'transaction.cleared')) event.data...`. */
export function isEvent<T extends EventType>(event: KartuEvent, type: T): event is Extract<KartuEvent, { type: T }> {
  return event.type === type;
}
