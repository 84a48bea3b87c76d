import type { Kartu } from '../../context';
import { rewardsSubscriber } from '../rewards/rewards.subscriber';
import { webhookFanOut } from '../webhooks/fan-out';

/** A committed outbox event as the relay hands it to subscribers. */
export interface OutboxEvent {
  id: string;
  businessId: string | null;
  type: string;
  data: Record<string, unknown>;
  createdAt: string;
}

/**
 * Reacts to committed events in a worker, never on the request path. Delivery is at least once:
 * a handler must be idempotent (keyed on the event id or on the domain object it touches).
 */
export interface EventSubscriber {
  name: string;
  /** Event types handled; '*' for all. */
  types: string[] | '*';
  handle(k: Kartu, event: OutboxEvent): Promise<void>;
}

/** Every subscriber the event worker dispatches to. */
export const subscribers: EventSubscriber[] = [rewardsSubscriber, webhookFanOut];
