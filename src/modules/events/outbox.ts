import type { EntityManager } from 'typeorm';

/**
 * Writes an event to the outbox with the caller's transaction: the event exists exactly when the
 * change does. A relay (worker) delivers it later; nothing on the request path touches Redis.
 * `data` must never hold a card number, CVV, secret or token.
 */
export async function recordEvent(tx: EntityManager, event: { businessId: string | null; type: string; data: object }): Promise<string> {
  const [row]: Array<{ id: string }> = await tx.query('INSERT INTO outbox_events (business_id, type, data) VALUES ($1, $2, $3) RETURNING id', [
    event.businessId,
    event.type,
    JSON.stringify(event.data),
  ]);
  return row!.id;
}
