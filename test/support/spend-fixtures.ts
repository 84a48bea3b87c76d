import { expect } from 'vitest';
import type { OutboxEvent } from '../../src/modules/events/subscribers';
import type { Harness, TestNetwork } from './harness';
import { nid, type IssuedCard } from './partner-fixtures';

/**
 * Real spend for rewards and reports tests: purchases (authorization + clearing) and refunds sent by
 * a signed test network, and the outbox events they wrote, as the relay hands them to subscribers.
 */

export interface Merchant {
  id: string;
  name: string;
  mcc: string;
  city?: string;
  country: string;
}

export const KOPI: Merchant = { id: 'M-KOPI-1', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' };
export const GROCER: Merchant = { id: 'M-SUPER-1', name: 'Super Indo', mcc: '5411', city: 'Jakarta', country: 'ID' };
export const AIRLINE: Merchant = { id: 'M-GA-1', name: 'Garuda Indonesia', mcc: '4511', city: 'Jakarta', country: 'ID' };
export const SOFTWARE: Merchant = { id: 'M-SW-1', name: 'Cloud Tools', mcc: '7372', city: 'Singapore', country: 'SG' };

async function ok(res: Awaited<ReturnType<TestNetwork['send']>>) {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

/** Authorizes and clears `amount` at `merchant`; the clearing carries the merchant unless `clearingMerchant` is null. */
export async function purchase(
  net: TestNetwork,
  card: IssuedCard,
  amount: number,
  merchant: Merchant,
  o: { clearingMerchant?: Merchant | null; clearAmount?: number } = {},
): Promise<{ authorizationId: string; clearingId: string }> {
  const auth = await ok(
    await net.send('/authorizations', {
      id: nid('auth'),
      card: { number: card.number, expiry: card.expiry, cvv: card.cvv },
      amount,
      currency: 'IDR',
      merchant,
      pos: { entryMode: 'contactless', cardPresent: true },
    }),
  );
  expect(auth.responseCode, JSON.stringify(auth)).toBe('00');
  const clearingId = nid('clr');
  const clearingMerchant = o.clearingMerchant === undefined ? merchant : o.clearingMerchant;
  await ok(
    await net.send('/clearings', {
      id: clearingId,
      authorizationId: auth.id,
      amount: o.clearAmount ?? amount,
      currency: 'IDR',
      ...(clearingMerchant ? { merchant: clearingMerchant } : {}),
    }),
  );
  return { authorizationId: auth.authorizationId, clearingId };
}

/** A clearing force-posted without any authorization. */
export async function forcedClearing(net: TestNetwork, card: IssuedCard, amount: number, merchant: Merchant): Promise<string> {
  const id = nid('fclr');
  await ok(await net.send('/clearings', { id, card: { number: card.number }, amount, currency: 'IDR', merchant }));
  return id;
}

export async function refund(net: TestNetwork, card: IssuedCard, amount: number, merchant: Merchant): Promise<string> {
  const id = nid('rfd');
  await ok(await net.send('/refunds', { id, card: { number: card.number }, amount, currency: 'IDR', merchant }));
  return id;
}

/** A declined authorization (the card's spend controls block the merchant's category). */
export async function declined(net: TestNetwork, card: IssuedCard, amount: number, merchant: Merchant): Promise<string> {
  const res = await ok(
    await net.send('/authorizations', { id: nid('auth'), card: { number: card.number, expiry: card.expiry, cvv: card.cvv }, amount, currency: 'IDR', merchant }),
  );
  expect(res.decision).toBe('declined');
  return res.responseCode;
}

/** The business's outbox events of a type, oldest first, shaped as the relay hands them over. */
export async function outboxEvents(h: Harness, businessId: string, type: string): Promise<OutboxEvent[]> {
  const rows: Array<{ id: string; business_id: string; type: string; data: Record<string, unknown>; created_at: Date }> = await h.kartu.db.query(
    'SELECT id, business_id, type, data, created_at FROM outbox_events WHERE business_id = $1 AND type = $2 ORDER BY created_at, id',
    [businessId, type],
  );
  return rows.map((r) => ({ id: r.id, businessId: r.business_id, type: r.type, data: r.data, createdAt: r.created_at.toISOString() }));
}

/** The one event of a type whose data[field] = value. */
export async function eventWhere(h: Harness, businessId: string, type: string, field: string, value: string): Promise<OutboxEvent> {
  const found = (await outboxEvents(h, businessId, type)).filter((e) => e.data[field] === value);
  expect(found, `${type} with ${field}=${value}`).toHaveLength(1);
  return found[0]!;
}
