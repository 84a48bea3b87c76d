import type { EntityManager } from 'typeorm';
import type { Merchant } from './rewards-engine';

/**
 * The few facts rewards need from other modules' rows, in one place (so a schema change there has
 * one place to follow here). Every lookup is scoped by business.
 */

/** The merchant an authorization was approved for (`authorizations.merchant`), or null. */
export async function authorizationMerchant(db: EntityManager, businessId: string, authorizationId: string): Promise<Merchant | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(authorizationId)) return null;
  const [row]: Array<{ merchant: Merchant | null }> = await db.query('SELECT merchant FROM authorizations WHERE id = $1 AND business_id = $2', [authorizationId, businessId]);
  return row?.merchant ?? null;
}

export interface CardOwner {
  cardholderId: string;
  /** YYYY-MM-DD or null. */
  dateOfBirth: string | null;
  /** The business's time zone: calendar months and promotion dates are local to it. */
  timeZone: string;
  businessCurrency: string;
}

/** The cardholder of a card of the business (with what the earn rules need), or undefined. */
export async function cardOwner(db: EntityManager, businessId: string, cardId: string): Promise<CardOwner | undefined> {
  const [row]: Array<{ cardholder_id: string; dob: string | null; time_zone: string; currency: string }> = await db.query(
    `SELECT c.cardholder_id, to_char(h.date_of_birth, 'YYYY-MM-DD') AS dob, b.time_zone, b.currency
       FROM cards c JOIN cardholders h ON h.id = c.cardholder_id JOIN businesses b ON b.id = c.business_id
      WHERE c.id = $1 AND c.business_id = $2`,
    [cardId, businessId],
  );
  return row ? { cardholderId: row.cardholder_id, dateOfBirth: row.dob, timeZone: row.time_zone, businessCurrency: row.currency } : undefined;
}

/** The calendar date of an instant in a time zone, YYYY-MM-DD. */
export function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
