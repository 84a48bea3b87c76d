import type { EntityManager } from 'typeorm';
import { mccGroupsOf } from '../controls/mcc-groups';
import type { Merchant } from '../rewards/rewards-engine';

/**
 * What reports read, straight from the rows the ledger and the authorization engine write (nothing
 * is stored twice). Amounts are the ledger's: a purchase is a posted transfer out of the funding
 * account (`post` of a hold, `over_capture`, `force_post`), a refund one into it (`refund`), so
 * report totals are ledger totals by construction. Every query is scoped by business and bounded by
 * time on ledger_transfers (business_id, created_at).
 *
 * The merchant of a line: the authorization's (a hold's reference is `authorization:<id>`; an
 * over-capture's clearing names its authorization); for a clearing without authorization and for a
 * refund, the merchant sent with it (`network_messages.merchant`). Without either, the line is
 * "uncategorized".
 */

export type { Merchant } from '../rewards/rewards-engine';

export interface SpendLine {
  transferId: string;
  kind: 'purchase' | 'refund';
  at: Date;
  amount: bigint;
  currency: string;
  cardId: string | null;
  last4: string | null;
  cardholderId: string | null;
  cardholderName: string | null;
  merchant: Merchant | null;
  /** The authorization the line cleared or refunded, when it names one. */
  authorizationId: string | null;
  authorizationCode: string | null;
}

export const PURCHASE_KINDS = ['post', 'over_capture', 'force_post'] as const;

/** The local calendar day range [fromDate, toDate] of a time zone as instants [from, to). */
export async function periodBounds(db: EntityManager, fromDate: string, toDate: string, timeZone: string): Promise<{ from: Date; to: Date }> {
  const [row]: Array<{ from: Date; to: Date }> = await db.query(
    'SELECT ($1::date::timestamp AT TIME ZONE $3) AS "from", (($2::date + 1)::timestamp AT TIME ZONE $3) AS "to"',
    [fromDate, toDate, timeZone],
  );
  return row!;
}

/** How many purchase and refund transfers a period has (for progress). */
export async function countSpendLines(db: EntityManager, businessId: string, from: Date, to: Date): Promise<number> {
  const [row]: Array<{ n: number }> = await db.query(
    `SELECT count(*)::int AS n FROM ledger_transfers t
      WHERE t.business_id = $1 AND t.kind IN ('post', 'over_capture', 'force_post', 'refund') AND t.created_at >= $2 AND t.created_at < $3`,
    [businessId, from, to],
  );
  return row!.n;
}

interface LineRow {
  id: string;
  kind: string;
  amount: string;
  currency: string;
  at: Date;
  card_id: string | null;
  last4: string | null;
  cardholder_id: string | null;
  cardholder_name: string | null;
  merchant: Merchant | null;
  authorization_id: string | null;
  authorization_code: string | null;
}

/**
 * One page of the period's purchase and refund lines, oldest first, after the line `afterId` (the
 * previous page's last; the keyset is read from the row, as a JS Date would drop microseconds).
 */
export async function spendLinesPage(
  db: EntityManager,
  businessId: string,
  from: Date,
  to: Date,
  limit: number,
  afterId?: string,
): Promise<SpendLine[]> {
  const rows: LineRow[] = await db.query(
    `SELECT x.id, x.kind, x.amount::text, x.currency, x.at, x.card_id, c.last4, h.id AS cardholder_id, h.name AS cardholder_name, x.merchant,
            x.authorization_id, x.authorization_code
       FROM (
         SELECT t.id, t.kind, t.amount, t.currency::text AS currency, t.created_at AS at,
                coalesce(a.card_id, ma.card_id, m.card_id) AS card_id,
                coalesce(a.merchant, ma.merchant, m.merchant) AS merchant,
                coalesce(a.id, ma.id) AS authorization_id, coalesce(a.authorization_code, ma.authorization_code) AS authorization_code
           FROM ledger_transfers t
           JOIN ledger_accounts f ON f.business_id = $1 AND f.code = 'funding'
                                 AND f.id = CASE WHEN t.kind = 'refund' THEN t.credit_account_id ELSE t.debit_account_id END
           LEFT JOIN ledger_transfers hold ON t.kind = 'post' AND hold.id = t.pending_id
           LEFT JOIN authorizations a ON a.business_id = $1
                 AND a.id = CASE WHEN hold.reference ~ '^authorization:[0-9a-f-]{36}$' THEN substring(hold.reference FROM 15)::uuid END
           LEFT JOIN network_messages m ON t.kind <> 'post' AND m.transfer_id = t.id AND m.business_id = $1
           LEFT JOIN authorizations ma ON ma.id = m.authorization_id AND ma.business_id = $1
          WHERE t.business_id = $1 AND t.kind IN ('post', 'over_capture', 'force_post', 'refund')
            AND t.created_at >= $2 AND t.created_at < $3
            AND ($5::uuid IS NULL OR (t.created_at, t.id) > (SELECT p.created_at, p.id FROM ledger_transfers p WHERE p.id = $5))
          ORDER BY t.created_at, t.id
          LIMIT $4
       ) x
       LEFT JOIN cards c ON c.id = x.card_id AND c.business_id = $1
       LEFT JOIN cardholders h ON h.id = c.cardholder_id
      ORDER BY x.at, x.id`,
    [businessId, from, to, limit, afterId ?? null],
  );
  return rows.map((r) => ({
    transferId: r.id,
    kind: r.kind === 'refund' ? 'refund' : 'purchase',
    at: r.at,
    amount: BigInt(r.amount),
    currency: r.currency,
    cardId: r.card_id,
    last4: r.last4,
    cardholderId: r.cardholder_id,
    cardholderName: r.cardholder_name,
    merchant: r.merchant && typeof r.merchant === 'object' ? r.merchant : null,
    authorizationId: r.authorization_id,
    authorizationCode: r.authorization_code,
  }));
}

/** The spend category of a merchant: the first MCC group of its MCC (rules/mcc-groups.json order). */
export function categoryOf(merchant: Merchant | null): string {
  const mcc = merchant?.mcc;
  if (!mcc) return 'uncategorized';
  return mccGroupsOf(mcc)[0] ?? 'other';
}

export type StatementType = 'OPENING_BALANCE' | 'TOP_UP' | 'PURCHASE' | 'REFUND' | 'CASHBACK' | 'OTHER' | 'CLOSING_BALANCE';

export interface StatementLine {
  transferId: string;
  at: Date;
  type: StatementType;
  kind: string;
  /** Signed: credits to the funding account positive, debits negative. */
  amount: bigint;
}

/** The funding account's posted balance just before `at` (every posted transfer touching it; holds and voids post nothing). */
export async function fundingBalanceBefore(db: EntityManager, businessId: string, currency: string, at: Date): Promise<bigint> {
  const [row]: Array<{ balance: string }> = await db.query(
    `SELECT coalesce(sum(CASE WHEN t.credit_account_id = f.id THEN t.amount ELSE -t.amount END), 0)::text AS balance
       FROM ledger_accounts f
       JOIN ledger_transfers t ON t.business_id = $1 AND (t.debit_account_id = f.id OR t.credit_account_id = f.id)
      WHERE f.business_id = $1 AND f.code = 'funding' AND f.currency = $2
        AND NOT t.pending AND t.kind NOT IN ('hold', 'void') AND t.created_at < $3`,
    [businessId, currency, at],
  );
  return BigInt(row!.balance);
}

/** Every posted transfer of the funding account in [from, to), oldest first, classified. */
export async function statementLines(db: EntityManager, businessId: string, currency: string, from: Date, to: Date): Promise<StatementLine[]> {
  const rows: Array<{ id: string; at: Date; kind: string; amount: string; credit: boolean }> = await db.query(
    `SELECT t.id, t.created_at AS at, t.kind, t.amount::text, (t.credit_account_id = f.id) AS credit
       FROM ledger_accounts f
       JOIN ledger_transfers t ON t.business_id = $1 AND (t.debit_account_id = f.id OR t.credit_account_id = f.id)
      WHERE f.business_id = $1 AND f.code = 'funding' AND f.currency = $2
        AND NOT t.pending AND t.kind NOT IN ('hold', 'void') AND t.created_at >= $3 AND t.created_at < $4
      ORDER BY t.created_at, t.id`,
    [businessId, currency, from, to],
  );
  return rows.map((r) => {
    const amount = r.credit ? BigInt(r.amount) : -BigInt(r.amount);
    let type: StatementType = 'OTHER';
    if (r.kind === 'funding' && r.credit) type = 'TOP_UP';
    else if ((PURCHASE_KINDS as readonly string[]).includes(r.kind) && !r.credit) type = 'PURCHASE';
    else if (r.kind === 'refund' && r.credit) type = 'REFUND';
    else if (r.kind === 'reward_redemption' && r.credit) type = 'CASHBACK';
    return { transferId: r.id, at: r.at, type, kind: r.kind, amount };
  });
}
