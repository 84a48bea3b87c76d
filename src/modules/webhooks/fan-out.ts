import type { Kartu } from '../../context';
import type { EventSubscriber, OutboxEvent } from '../events/subscribers';

/**
 * The webhooks subscriber: one delivery row per enabled endpoint of the event's business whose
 * types match. The (endpoint, event) pair is unique, so running it twice for one event adds
 * nothing. It only writes PostgreSQL; the delivery relay queues the rows.
 */
export const webhookFanOut: EventSubscriber = {
  name: 'webhooks',
  types: '*',
  async handle(k: Kartu, event: OutboxEvent): Promise<void> {
    if (!event.businessId) return;
    const now = k.clock.now();
    await k.db.query(
      `INSERT INTO webhook_deliveries (business_id, endpoint_id, event_id, status, next_attempt_at, created_at, updated_at)
       SELECT business_id, id, $2, 'pending', $4, $4, $4 FROM webhook_endpoints
        WHERE business_id = $1 AND enabled AND deleted_at IS NULL
          AND ('*' = ANY(event_types) OR $3 = ANY(event_types) OR (split_part($3, '.', 1) || '.*') = ANY(event_types))
       ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
      [event.businessId, event.id, event.type, now],
    );
  },
};
