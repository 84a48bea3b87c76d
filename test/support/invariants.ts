import type { EntityManager } from 'typeorm';
import { expect } from 'vitest';

/**
 * The ledger's invariants, checked in SQL against the whole database: per currency Σ debits =
 * Σ credits (posted and pending); each account's pending = the open amount of its holds and its
 * posted = the sum of its posted transfers; every transfer's two accounts exist, in its currency.
 */
export async function checkLedgerInvariants(tx: EntityManager): Promise<void> {
  const totals = await tx.query(
    `SELECT currency, sum(debits_posted)::text AS dp, sum(credits_posted)::text AS cp, sum(debits_pending)::text AS dpe, sum(credits_pending)::text AS cpe
       FROM ledger_accounts GROUP BY currency`,
  );
  for (const t of totals) {
    expect(t.dp, `posted debits = credits in ${t.currency}`).toBe(t.cp);
    expect(t.dpe, `pending debits = credits in ${t.currency}`).toBe(t.cpe);
  }
  // Each account's pending = the open amount of its holds; posted = its posted transfers (one pass over the transfers).
  const mismatches = await tx.query(`
    WITH sides AS (
      SELECT debit_account_id AS account, CASE WHEN pending THEN open_amount ELSE 0 END AS debit_pending, 0 AS credit_pending,
             CASE WHEN kind IN ('funding', 'post', 'over_capture', 'force_post', 'refund', 'reward_accrual', 'reward_reversal', 'reward_redemption') THEN amount ELSE 0 END AS debit_posted, 0 AS credit_posted
        FROM ledger_transfers
      UNION ALL
      SELECT credit_account_id, 0, CASE WHEN pending THEN open_amount ELSE 0 END,
             0, CASE WHEN kind IN ('funding', 'post', 'over_capture', 'force_post', 'refund', 'reward_accrual', 'reward_reversal', 'reward_redemption') THEN amount ELSE 0 END
        FROM ledger_transfers
    ), sums AS (
      SELECT account, sum(debit_pending) AS dpe, sum(credit_pending) AS cpe, sum(debit_posted) AS dp, sum(credit_posted) AS cp FROM sides GROUP BY account
    )
    SELECT a.id, a.code FROM ledger_accounts a LEFT JOIN sums s ON s.account = a.id
     WHERE a.debits_pending <> coalesce(s.dpe, 0) OR a.credits_pending <> coalesce(s.cpe, 0)
        OR a.debits_posted <> coalesce(s.dp, 0) OR a.credits_posted <> coalesce(s.cp, 0)`);
  expect(mismatches).toEqual([]);
  // What foreign keys would enforce (the hot path has none): every transfer's accounts exist, in its currency.
  const dangling = await tx.query(`
    SELECT t.id FROM ledger_transfers t
     WHERE NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.debit_account_id AND a.currency = t.currency)
        OR NOT EXISTS (SELECT 1 FROM ledger_accounts a WHERE a.id = t.credit_account_id AND a.currency = t.currency)`);
  expect(dangling).toEqual([]);
}

/**
 * Authorizations agree with their holds: a decline has none; an approval holds exactly its approved
 * amount on its own business's funding account, and is pending exactly while something is held.
 */
export async function checkAuthorizationInvariants(tx: EntityManager): Promise<void> {
  const bad = await tx.query(`
    SELECT a.id, a.decision, a.status, a.approved_amount::text, t.amount::text AS held, t.open_amount::text AS open
      FROM authorizations a
      LEFT JOIN ledger_transfers t ON t.id = a.hold_id
      LEFT JOIN ledger_accounts f ON f.id = t.debit_account_id
     WHERE (a.decision = 'declined' AND (a.hold_id IS NOT NULL OR a.status <> 'declined' OR a.approved_amount <> 0))
        OR (a.decision <> 'declined' AND (t.id IS NULL OR t.amount <> a.approved_amount OR a.approved_amount <= 0
            OR (a.status = 'pending') <> (t.open_amount > 0) OR f.code <> 'funding' OR f.business_id <> a.business_id))`);
  expect(bad).toEqual([]);
}
