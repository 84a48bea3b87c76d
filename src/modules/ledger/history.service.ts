import type { EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor, KEYSET_TIME } from '../../platform/cursor';
import { snapAmount } from '../../platform/money';
import { formatSnapTimestamp } from '../../platform/snap-time';

/**
 * Transaction history of a business's funding account (SNAP 12 and 13), read from the rows the
 * ledger and the authorization engine already write — nothing is stored twice:
 *
 *   TOP_UP   SUCCESS  a `funding` transfer crediting the business's funding account
 *   PAYMENT  INIT | SUCCESS | CANCELLED
 *                     an approved (or partially approved) authorization with its incremental
 *                     authorizations, reversals and clearings: INIT while any of its holds is open,
 *                     SUCCESS once cleared (amount = what was cleared), CANCELLED when reversed in
 *                     full or expired without a clearing (amount = what was approved)
 *   PAYMENT  SUCCESS  a clearing force-posted without any authorization
 *   REFUND   SUCCESS  a merchant refund credited to the funding account
 *   CASHBACK SUCCESS  rewards points redeemed as cashback: a `reward_redemption` transfer crediting
 *                     the funding account (docs/rewards.md)
 *
 * Declined authorizations are not transactions. The referenceNo of a record is the id of the row it
 * starts from: the funding transfer, the (first) authorization, or the posted transfer of a forced
 * clearing or refund. Every branch is scoped by business.
 */

export type HistoryType = 'PAYMENT' | 'REFUND' | 'TOP_UP' | 'CASHBACK';
export type HistoryStatus = 'INIT' | 'SUCCESS' | 'CLOSED' | 'CANCELLED';

type Amount = { value: string; currency: string };

export interface HistoryRecord {
  referenceNo: string;
  dateTime: string;
  amount: Amount;
  remark: string;
  status: HistoryStatus;
  type: HistoryType;
  additionalInfo: Record<string, unknown>;
  /** A refund's credited amount (refunds are not linked to the purchase they return). */
  refundAmount?: Amount;
}

/** The rows of the history in the light form the list sorts and counts: which source, its id and time. */
const SOURCES = (where: (at: string, ref: string) => string) => `
  SELECT 'TOP_UP' AS src, t.id AS ref, t.created_at AS at, t.amount, t.currency::text AS currency, NULL::uuid AS card_id, NULL::text AS message_id
    FROM ledger_transfers t
    JOIN ledger_accounts f ON f.id = t.credit_account_id AND f.business_id = $1 AND f.code = 'funding'
   WHERE t.business_id = $1 AND t.kind = 'funding' AND ${where('t.created_at', 't.id')}
  UNION ALL
  SELECT 'PURCHASE', a.id, a.created_at, NULL::bigint, a.currency::text, a.card_id, NULL
    FROM authorizations a
   WHERE a.business_id = $1 AND a.original_id IS NULL AND a.decision <> 'declined' AND ${where('a.created_at', 'a.id')}
  UNION ALL
  SELECT CASE m.kind WHEN 'refund' THEN 'REFUND' ELSE 'FORCED' END, m.transfer_id, m.created_at, m.amount, m.currency::text, m.card_id, m.message_id
    FROM network_messages m
   WHERE m.business_id = $1 AND m.transfer_id IS NOT NULL
     AND (m.kind = 'refund' OR (m.kind = 'clearing' AND m.authorization_id IS NULL))
     AND ${where('m.created_at', 'm.transfer_id')}
  UNION ALL
  SELECT 'CASHBACK', t.id, t.created_at, t.amount, t.currency::text, NULL::uuid, NULL
    FROM ledger_transfers t
    JOIN ledger_accounts f ON f.id = t.credit_account_id AND f.business_id = $1 AND f.code = 'funding'
   WHERE t.business_id = $1 AND t.kind = 'reward_redemption' AND ${where('t.created_at', 't.id')}`;

/**
 * The page's records with what their type needs: the card's last4; for a purchase, its chain of
 * authorizations (the first and every increment, however deep) with the open part of their holds,
 * and the clearings and reversals that name any of them. `h` is the CTE of SOURCES, `page` the rows
 * to show. Always one row at least: the total with no record when the page is empty. `total` is
 * how the total is counted (a keyset page does without: it would read the whole history).
 */
const ENRICHED = (total = '(SELECT count(*)::int AS total FROM h)') => `
  SELECT tot.total, p.src, p.ref::text AS ref, p.at, ${KEYSET_TIME('p.at')} AS at_key, p.amount::text AS amount, p.currency, p.card_id::text AS card_id, p.message_id,
         c.last4, a.merchant, a.response_code, a.authorization_code,
         ch.approved::text AS approved, ch.held::text AS held, ch.open, ch.increments,
         mm.cleared::text AS cleared, mm.clearings, mm.reversed::text AS reversed
    FROM ${total} tot
    LEFT JOIN page p ON true
    LEFT JOIN cards c ON c.id = p.card_id AND c.business_id = $1
    LEFT JOIN authorizations a ON p.src = 'PURCHASE' AND a.id = p.ref
    LEFT JOIN LATERAL (
      WITH RECURSIVE chain AS (
        SELECT x.id, x.hold_id, x.approved_amount, x.status FROM authorizations x WHERE x.id = p.ref
        UNION ALL
        SELECT y.id, y.hold_id, y.approved_amount, y.status
          FROM authorizations y JOIN chain ON y.original_id = chain.id
         WHERE y.business_id = $1 AND y.decision <> 'declined'
      )
      SELECT sum(chain.approved_amount) AS approved, coalesce(sum(t.open_amount), 0) AS held,
             bool_or(chain.status = 'pending') AS open, (count(*) - 1)::int AS increments, array_agg(chain.id) AS ids
        FROM chain LEFT JOIN ledger_transfers t ON t.id = chain.hold_id
    ) ch ON p.src = 'PURCHASE'
    LEFT JOIN LATERAL (
      SELECT sum(m.amount) FILTER (WHERE m.kind = 'clearing') AS cleared,
             (count(*) FILTER (WHERE m.kind = 'clearing'))::int AS clearings,
             sum(m.amount) FILTER (WHERE m.kind = 'reversal') AS reversed
        FROM network_messages m
       WHERE m.business_id = $1 AND m.authorization_id = ANY (ch.ids)
    ) mm ON p.src = 'PURCHASE'
   ORDER BY p.at DESC, p.ref DESC`;

interface Row {
  total: number;
  src: 'TOP_UP' | 'PURCHASE' | 'FORCED' | 'REFUND' | 'CASHBACK' | null;
  ref: string;
  at: Date;
  at_key: string;
  amount: string | null;
  currency: string;
  card_id: string | null;
  message_id: string | null;
  last4: string | null;
  merchant: Record<string, unknown> | null;
  response_code: string | null;
  authorization_code: string | null;
  approved: string | null;
  held: string | null;
  open: boolean | null;
  increments: number | null;
  cleared: string | null;
  clearings: number | null;
  reversed: string | null;
}

export interface HistoryPage {
  records: HistoryRecord[];
  totalCount: number;
}

/** Newest first, within [from, to] (inclusive); one statement, so the page and the count agree. */
export async function listHistory(db: EntityManager, businessId: string, q: { from: Date; to: Date; pageSize: number; pageNumber: number }): Promise<HistoryPage> {
  const rows: Row[] = await db.query(
    `WITH h AS (${SOURCES((at) => `${at} BETWEEN $2 AND $3`)}),
     page AS (SELECT * FROM h ORDER BY at DESC, ref DESC LIMIT $4 OFFSET $5)
     ${ENRICHED()}`,
    [businessId, q.from, q.to, q.pageSize, q.pageNumber * q.pageSize],
  );
  return { totalCount: rows[0]?.total ?? 0, records: rows.filter((r) => r.src !== null).map(toRecord) };
}

/** The sources each record type is read from (SOURCES' `src`). */
const SOURCES_OF: Record<HistoryType, string[]> = { PAYMENT: ['PURCHASE', 'FORCED'], REFUND: ['REFUND'], TOP_UP: ['TOP_UP'], CASHBACK: ['CASHBACK'] };

/**
 * The history keyset-paged for the admin API: newest first (ties by referenceNo, descending),
 * optionally of one type, one card and within [from, to]; `cursor` from the previous page's
 * `nextCursor`, which is null on the last page.
 */
export async function pageHistory(
  db: EntityManager,
  businessId: string,
  q: { type?: HistoryType; cardId?: string; from?: string; to?: string; cursor?: string; pageSize: number },
): Promise<{ records: HistoryRecord[]; nextCursor: string | null }> {
  const params: unknown[] = [businessId];
  const param = (v: unknown) => `$${params.push(v)}`;
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  const bounds = [
    q.from ? `>= ${param(q.from)}::timestamptz` : undefined,
    q.to ? `<= ${param(q.to)}::timestamptz` : undefined,
  ].filter((b): b is string => Boolean(b));
  const afterAt = after ? param(after.at) : '';
  const afterRef = after ? param(after.id) : '';
  const where = (at: string, ref: string) =>
    [...bounds.map((b) => `${at} ${b}`), ...(after ? [`(${at} < ${afterAt}::timestamptz OR (${at} = ${afterAt}::timestamptz AND ${ref} < ${afterRef}::uuid))`] : []), 'true'].join(' AND ');
  const only = [
    q.type ? `src = ANY(${param(SOURCES_OF[q.type])}::text[])` : undefined,
    q.cardId ? `card_id = ${param(q.cardId)}::uuid` : undefined,
  ].filter(Boolean);
  const rows: Row[] = await db.query(
    `WITH everything AS (${SOURCES(where)}),
     h AS (SELECT * FROM everything ${only.length ? `WHERE ${only.join(' AND ')}` : ''}),
     page AS (SELECT * FROM h ORDER BY at DESC, ref DESC LIMIT ${param(q.pageSize + 1)})
     ${ENRICHED('(SELECT 0 AS total)')}`,
    params,
  );
  const found = rows.filter((r) => r.src !== null);
  const shown = found.slice(0, q.pageSize);
  const last = shown.at(-1);
  return { records: shown.map(toRecord), nextCursor: found.length > q.pageSize && last ? encodeCursor({ at: last.at_key, id: last.ref }) : null };
}

/** One record by its referenceNo, only within the business; undefined when there is none. */
export async function findHistoryRecord(db: EntityManager, businessId: string, referenceNo: string): Promise<HistoryRecord | undefined> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(referenceNo)) return undefined;
  const rows: Row[] = await db.query(
    `WITH h AS (${SOURCES((_at, ref) => `${ref} = $2::uuid`)}),
     page AS (SELECT * FROM h LIMIT 1)
     ${ENRICHED()}`,
    [businessId, referenceNo],
  );
  const row = rows.find((r) => r.src !== null);
  return row ? toRecord(row) : undefined;
}

function toRecord(r: Row): HistoryRecord {
  const money = (minor: string | null) => snapAmount(BigInt(minor ?? '0'), r.currency);
  const base = { referenceNo: r.ref, dateTime: formatSnapTimestamp(r.at) };
  const card = r.card_id ? { cardId: r.card_id, last4: r.last4 } : {};
  switch (r.src) {
    case 'TOP_UP':
      return { ...base, amount: money(r.amount), remark: 'Top-up of the funding account', status: 'SUCCESS', type: 'TOP_UP', additionalInfo: {} };
    case 'CASHBACK':
      return { ...base, amount: money(r.amount), remark: 'Rewards redeemed as cashback', status: 'SUCCESS', type: 'CASHBACK', additionalInfo: {} };
    case 'REFUND':
      return {
        ...base,
        amount: money(r.amount),
        remark: 'Merchant refund',
        status: 'SUCCESS',
        type: 'REFUND',
        additionalInfo: { ...card, networkReferenceNo: r.message_id },
        refundAmount: money(r.amount),
      };
    case 'FORCED':
      return {
        ...base,
        amount: money(r.amount),
        remark: 'Card purchase cleared without authorization',
        status: 'SUCCESS',
        type: 'PAYMENT',
        additionalInfo: { ...card, networkReferenceNo: r.message_id, forcePosted: true },
      };
    case 'PURCHASE': {
      const cleared = (r.clearings ?? 0) > 0;
      const status: HistoryStatus = r.open ? 'INIT' : cleared ? 'SUCCESS' : 'CANCELLED';
      const merchant = r.merchant ?? {};
      return {
        ...base,
        amount: money(status === 'SUCCESS' ? r.cleared : r.approved),
        remark: typeof merchant.name === 'string' ? merchant.name : 'Card purchase',
        status,
        type: 'PAYMENT',
        additionalInfo: {
          ...card,
          merchant: pick(merchant, ['id', 'name', 'mcc', 'city', 'country']),
          authorizationId: r.ref,
          authorizationCode: r.authorization_code,
          responseCode: r.response_code,
          approvedAmount: money(r.approved),
          heldAmount: money(r.held),
          ...(cleared ? { clearedAmount: money(r.cleared) } : {}),
          ...(r.reversed !== null ? { reversedAmount: money(r.reversed) } : {}),
          ...(r.increments ? { incrementalAuthorizations: r.increments } : {}),
        },
      };
    }
    default:
      throw new Error(`unknown history source ${String(r.src)}`);
  }
}

function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}
