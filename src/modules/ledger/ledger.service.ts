import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { KartuError } from '../../platform/errors';
import { ERROR_FAMILIES, statusAndCase } from '../../platform/error-catalogue';

/**
 * The double-entry ledger (TigerBeetle's two-phase model, in PostgreSQL). Every change is a
 * transfer of one positive amount from a debit account to a credit account, so debits always
 * equal credits. A hold is a pending transfer; `postHold` posts it (clearing: a smaller amount
 * releases the rest, a larger one posts the extra), `voidHold` releases all or part of it
 * (reversal, expiry). Each function works inside the caller's transaction.
 *
 * Business accounts (credit-normal: what Kartu owes the business):
 *   funding            — the business's money: ledger = credits − debits posted, holds = debits pending
 *   settlement         — what the business owes card networks for cleared and held purchases
 *   fees, rewards_liability
 * Platform account per currency (debit-normal): platform_bank — the cash behind all funding.
 */

export const BUSINESS_ACCOUNT_CODES = ['funding', 'settlement', 'fees', 'rewards_liability'] as const;
export type BusinessAccountCode = (typeof BUSINESS_ACCOUNT_CODES)[number];

export class InsufficientFunds extends KartuError {
  constructor() {
    super(...statusAndCase('InsufficientFunds'), ERROR_FAMILIES.InsufficientFunds.title);
  }
}

export class TransferConflict extends KartuError {
  constructor(reason: string) {
    super(...statusAndCase('TransferConflict'), `${ERROR_FAMILIES.TransferConflict.title}. ${reason}`);
  }
}

export interface Balances {
  currency: string;
  ledgerBalance: bigint;
  holdAmount: bigint;
  availableBalance: bigint;
  overdraftLimit: bigint;
}

/** Opens a business's accounts (idempotent). */
export async function openBusinessAccounts(tx: EntityManager, businessId: string, currency: string): Promise<void> {
  await tx.query(
    `INSERT INTO ledger_accounts (business_id, code, currency)
     SELECT $1, code, $2 FROM unnest($3::text[]) AS code
     ON CONFLICT (business_id, code, currency) DO NOTHING`,
    [businessId, currency, BUSINESS_ACCOUNT_CODES],
  );
}

/**
 * Platform accounts per currency (debit-normal): platform_bank — the cash behind all funding;
 * platform_rewards — the rewards expense the platform funds (docs/rewards.md).
 */
export type PlatformAccountCode = 'platform_bank' | 'platform_rewards';

export async function accountId(tx: EntityManager, businessId: string | null, code: BusinessAccountCode | PlatformAccountCode, currency: string): Promise<string> {
  if (code === 'platform_bank' || code === 'platform_rewards') {
    const [row]: Array<{ id: string }> = await tx.query(
      `INSERT INTO ledger_accounts (business_id, code, currency) VALUES (NULL, $2, $1)
       ON CONFLICT (business_id, code, currency) DO UPDATE SET currency = EXCLUDED.currency RETURNING id`,
      [currency, code],
    );
    return row!.id;
  }
  const [row]: Array<{ id: string }> = await tx.query('SELECT id FROM ledger_accounts WHERE business_id = $1 AND code = $2 AND currency = $3', [businessId, code, currency]);
  if (!row) throw new Error(`no ${code} account in ${currency} for business ${businessId}`);
  return row.id;
}

export interface TransferInput {
  id?: string;
  businessId: string | null;
  debitAccountId: string;
  creditAccountId: string;
  amount: bigint;
  currency: string;
  kind: 'funding' | 'force_post' | 'over_capture' | 'refund' | 'reward_accrual' | 'reward_reversal' | 'reward_redemption';
  reference?: string;
  /** Refuse when the debit account's available balance would go below −overdraft. */
  requireAvailable?: boolean;
}

/**
 * Locks ledger accounts for the rest of the transaction, in id order. LOCK ORDER, followed by every
 * writer: authorizations and their holds, then ledger accounts (in id order), then cards, then spend
 * counters — so authorization batches, clearings, reversals, refunds, expiry and top-ups never wait
 * on each other in a circle. Row locks are `FOR NO KEY UPDATE` (no writer changes a key), so the
 * foreign-key checks of other writers (`FOR KEY SHARE`) do not wait for them.
 */
export async function lockAccounts(tx: EntityManager, ids: string[]): Promise<void> {
  await tx.query('SELECT 1 FROM ledger_accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE', [[...new Set(ids)]]);
}

/** A posted transfer. With `requireAvailable`, the debit is a conditional update: never below −overdraft. */
export async function postTransfer(tx: EntityManager, t: TransferInput): Promise<string> {
  assertPositive(t.amount);
  const id = t.id ?? randomUUID();
  await lockAccounts(tx, [t.debitAccountId, t.creditAccountId]);
  const [debited]: [unknown[], number] = await tx.query(
    `UPDATE ledger_accounts SET debits_posted = debits_posted + $2
      WHERE id = $1 AND ($3::boolean IS FALSE OR credits_posted - debits_posted - debits_pending - $2 + overdraft_limit >= 0)
      RETURNING id`,
    [t.debitAccountId, t.amount.toString(), Boolean(t.requireAvailable)],
  );
  if (debited.length === 0) throw new InsufficientFunds();
  await tx.query('UPDATE ledger_accounts SET credits_posted = credits_posted + $2 WHERE id = $1', [t.creditAccountId, t.amount.toString()]);
  await tx.query(
    `INSERT INTO ledger_transfers (id, business_id, debit_account_id, credit_account_id, amount, currency, kind, reference)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, t.businessId, t.debitAccountId, t.creditAccountId, t.amount.toString(), t.currency, t.kind, t.reference ?? null],
  );
  return id;
}

interface OpenHold {
  id: string;
  business_id: string;
  debit_account_id: string;
  credit_account_id: string;
  currency: string;
  open_amount: string;
}

async function lockHold(tx: EntityManager, holdId: string): Promise<OpenHold> {
  const [hold]: OpenHold[] = await tx.query(
    `SELECT id, business_id, debit_account_id, credit_account_id, currency, open_amount::text
       FROM ledger_transfers WHERE id = $1 AND pending FOR NO KEY UPDATE`,
    [holdId],
  );
  if (!hold) throw new TransferConflict(`no hold ${holdId}`);
  return hold;
}

/**
 * Posts a hold (clearing): `amount` (at most what is held) is posted and the rest released; the
 * hold closes. Anything beyond the hold (an over-capture) is the caller's own posted transfer.
 */
export async function postHold(tx: EntityManager, holdId: string, amount: bigint, reference?: string): Promise<{ posted: bigint; released: bigint }> {
  assertPositive(amount);
  const hold = await lockHold(tx, holdId);
  const open = BigInt(hold.open_amount);
  if (open === 0n) throw new TransferConflict('the hold is already closed');
  if (amount > open) throw new Error(`cannot post ${amount} against a hold of ${open}`);
  const posted = amount;
  const released = open - posted;
  await tx.query('UPDATE ledger_accounts SET debits_pending = debits_pending - $2, debits_posted = debits_posted + $3 WHERE id = $1', [
    hold.debit_account_id,
    open.toString(),
    posted.toString(),
  ]);
  await tx.query('UPDATE ledger_accounts SET credits_pending = credits_pending - $2, credits_posted = credits_posted + $3 WHERE id = $1', [
    hold.credit_account_id,
    open.toString(),
    posted.toString(),
  ]);
  await tx.query('UPDATE ledger_transfers SET open_amount = 0 WHERE id = $1', [holdId]);
  await tx.query(
    `INSERT INTO ledger_transfers (id, business_id, debit_account_id, credit_account_id, amount, currency, kind, pending_id, reference)
     VALUES ($1, $2, $3, $4, $5, $6, 'post', $7, $8)`,
    [randomUUID(), hold.business_id, hold.debit_account_id, hold.credit_account_id, posted.toString(), hold.currency, holdId, reference ?? null],
  );
  return { posted, released };
}

/** Releases `amount` of a hold (all that is open when omitted): a reversal or an expiry. Returns what was released. */
export async function voidHold(tx: EntityManager, holdId: string, amount?: bigint, reference?: string): Promise<bigint> {
  const hold = await lockHold(tx, holdId);
  const open = BigInt(hold.open_amount);
  if (open === 0n) throw new TransferConflict('the hold is already closed');
  const release = amount === undefined || amount > open ? open : amount;
  assertPositive(release);
  await tx.query('UPDATE ledger_accounts SET debits_pending = debits_pending - $2 WHERE id = $1', [hold.debit_account_id, release.toString()]);
  await tx.query('UPDATE ledger_accounts SET credits_pending = credits_pending - $2 WHERE id = $1', [hold.credit_account_id, release.toString()]);
  await tx.query('UPDATE ledger_transfers SET open_amount = open_amount - $2 WHERE id = $1', [holdId, release.toString()]);
  await tx.query(
    `INSERT INTO ledger_transfers (id, business_id, debit_account_id, credit_account_id, amount, currency, kind, pending_id, reference)
     VALUES ($1, $2, $3, $4, $5, $6, 'void', $7, $8)`,
    [randomUUID(), hold.business_id, hold.debit_account_id, hold.credit_account_id, release.toString(), hold.currency, holdId, reference ?? null],
  );
  return release;
}

/** The funding account's balances: ledger (posted), holds (pending debits), available = ledger − holds. */
export async function fundingBalances(tx: EntityManager, businessId: string, currency: string): Promise<Balances> {
  const [row]: Array<{ credits_posted: string; debits_posted: string; debits_pending: string; overdraft_limit: string }> = await tx.query(
    `SELECT credits_posted::text, debits_posted::text, debits_pending::text, overdraft_limit::text
       FROM ledger_accounts WHERE business_id = $1 AND code = 'funding' AND currency = $2`,
    [businessId, currency],
  );
  if (!row) throw new Error(`no funding account in ${currency} for business ${businessId}`);
  const ledgerBalance = BigInt(row.credits_posted) - BigInt(row.debits_posted);
  const holdAmount = BigInt(row.debits_pending);
  return { currency, ledgerBalance, holdAmount, availableBalance: ledgerBalance - holdAmount, overdraftLimit: BigInt(row.overdraft_limit) };
}

/** A business account's posted balance on its normal side (credits − debits): what Kartu owes on it. */
export async function postedBalance(tx: EntityManager, businessId: string, code: BusinessAccountCode, currency: string): Promise<bigint> {
  const [row]: Array<{ balance: string }> = await tx.query(
    'SELECT (credits_posted - debits_posted)::text AS balance FROM ledger_accounts WHERE business_id = $1 AND code = $2 AND currency = $3',
    [businessId, code, currency],
  );
  return BigInt(row?.balance ?? '0');
}

function assertPositive(amount: bigint): void {
  if (amount <= 0n) throw new Error(`a transfer amount must be positive, got ${amount}`);
}

/** Lets the funding account's available balance go down to −limit (a credit line); 0 removes it. */
export async function setOverdraftLimit(tx: EntityManager, businessId: string, currency: string, limit: bigint): Promise<void> {
  if (limit < 0n) throw new Error('an overdraft limit cannot be negative');
  const [, updated]: [unknown[], number] = await tx.query(
    "UPDATE ledger_accounts SET overdraft_limit = $3 WHERE business_id = $1 AND code = 'funding' AND currency = $2",
    [businessId, currency, limit.toString()],
  );
  if (updated === 0) throw new Error(`no funding account in ${currency} for business ${businessId}`);
}
