import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { inTransaction, isUniqueViolation } from '../../platform/db';
import { DuplicateReference, InvalidFieldFormat, KartuError, NotFound } from '../../platform/errors';
import { ERROR_FAMILIES, statusAndCase } from '../../platform/error-catalogue';
import { parseSnapValue, snapAmount } from '../../platform/money';
import { recordAudit } from '../access/audit';
import type { Caller } from '../access/caller';
import { findCardholder } from '../cards/cardholders.service';
import type { OutboxEvent } from '../events/subscribers';
import { recordEvent } from '../events/outbox';
import { accountId, postedBalance, postTransfer } from '../ledger/ledger.service';
import { earn, validateProgram, type Merchant } from './rewards-engine';
import { programInput, type ProgramInput, type balanceListQuery, type balanceView, type entryView, type historyQuery, type programView, type redeemInput, type redemptionView } from './rewards.schemas';
import { authorizationMerchant, cardOwner, localDate } from './transaction-facts';

/**
 * Rewards (SNAP 98). Money side (docs/rewards.md), every step a balanced ledger transfer:
 *   accrual    platform_rewards (platform expense) → business rewards_liability   points × pointValue
 *   reversal   rewards_liability → platform_rewards                                what the points cost
 *   redemption rewards_liability → business funding (the cashback)                 what the points cost
 * A cardholder's balance keeps its points and the liability booked for them (`value`); points leave
 * at their average booked value, so Σ balances.value of a business = its rewards_liability balance
 * exactly, and neither ever goes below zero.
 */

type ProgramView = z.infer<typeof programView>;
type BalanceView = z.infer<typeof balanceView>;
type EntryView = z.infer<typeof entryView>;

export class InsufficientPoints extends KartuError {
  constructor(have: bigint) {
    super(...statusAndCase('InsufficientPoints'), `${ERROR_FAMILIES.InsufficientPoints.title}. The cardholder has ${have} points`);
  }
}

interface ProgramRow {
  status: 'ACTIVE' | 'PAUSED';
  currency: string;
  definition: ProgramInput;
  version: number;
  created_at: Date;
  updated_at: Date;
}

async function loadProgram(db: EntityManager, businessId: string): Promise<ProgramRow | undefined> {
  const [row]: ProgramRow[] = await db.query('SELECT status, currency, definition, version, created_at, updated_at FROM rewards_programs WHERE business_id = $1', [businessId]);
  // Stored definitions are re-read through the schema, so defaults added later apply to old rows.
  return row ? { ...row, definition: programInput.parse(row.definition) } : undefined;
}

function presentProgram(p: ProgramRow): ProgramView {
  return { ...p.definition, status: p.status, currency: p.currency, version: p.version, createdAt: p.created_at.toISOString(), updatedAt: p.updated_at.toISOString() };
}

/** The business's program in force, or null when it has none. */
export async function findProgram(k: Kartu, businessId: string): Promise<ProgramView | null> {
  const p = await loadProgram(k.db.manager, businessId);
  return p ? presentProgram(p) : null;
}

/** Creates or replaces the business's program (a new version); entries already made keep their points. */
export async function putProgram(k: Kartu, caller: Caller, input: ProgramInput): Promise<ProgramView> {
  const [business]: Array<{ currency: string }> = await k.db.query('SELECT currency FROM businesses WHERE id = $1', [caller.businessId]);
  await validateProgram(input, business!.currency);
  return inTransaction(k.db, async (tx) => {
    const [row]: ProgramRow[] = await tx.query(
      `INSERT INTO rewards_programs (business_id, status, currency, definition) VALUES ($1, $2, $3, $4)
       ON CONFLICT (business_id) DO UPDATE SET status = EXCLUDED.status, currency = EXCLUDED.currency, definition = EXCLUDED.definition,
                                                version = rewards_programs.version + 1, updated_at = now()
       RETURNING status, currency, definition, version, created_at, updated_at`,
      [caller.businessId, input.status, business!.currency, JSON.stringify(input)],
    );
    await recordAudit(tx, {
      businessId: caller.businessId,
      actorType: caller.actorType,
      actorId: caller.actorId,
      action: 'rewards.program_updated',
      targetType: 'rewards_program',
      targetId: caller.businessId,
      details: { version: row!.version, status: row!.status },
      ip: caller.ip,
    });
    return presentProgram({ ...row!, definition: input });
  });
}

// ---- balances and history -------------------------------------------------------------------

interface BalanceRow {
  points: string;
  value: string;
  earned_points: string;
  reversed_points: string;
  redeemed_points: string;
}

const BALANCE_COLUMNS = 'points::text, value::text, earned_points::text, reversed_points::text, redeemed_points::text';

function presentBalance(cardholderId: string | null, b: BalanceRow | undefined, currency: string): BalanceView {
  return {
    cardholderId,
    points: Number(b?.points ?? 0),
    value: snapAmount(BigInt(b?.value ?? '0'), currency),
    earnedPoints: Number(b?.earned_points ?? 0),
    reversedPoints: Number(b?.reversed_points ?? 0),
    redeemedPoints: Number(b?.redeemed_points ?? 0),
  };
}

async function businessCurrency(db: EntityManager, businessId: string): Promise<string> {
  const [row]: Array<{ currency: string }> = await db.query('SELECT currency FROM businesses WHERE id = $1', [businessId]);
  return row!.currency;
}

/** A cardholder's balance (another business's cardholder is not found), or the business's total with its ledger liability. */
export async function getBalance(k: Kartu, businessId: string, cardholderId?: string): Promise<BalanceView> {
  const db = k.db.manager;
  const currency = await businessCurrency(db, businessId);
  if (cardholderId) {
    if (!(await findCardholder(db, businessId, cardholderId))) throw new NotFound('Cardholder not found');
    const [b]: BalanceRow[] = await db.query(`SELECT ${BALANCE_COLUMNS} FROM rewards_balances WHERE business_id = $1 AND cardholder_id = $2 AND currency = $3`, [
      businessId,
      cardholderId,
      currency,
    ]);
    return presentBalance(cardholderId, b, currency);
  }
  const [b]: BalanceRow[] = await db.query(
    `SELECT coalesce(sum(points), 0)::text AS points, coalesce(sum(value), 0)::text AS value, coalesce(sum(earned_points), 0)::text AS earned_points,
            coalesce(sum(reversed_points), 0)::text AS reversed_points, coalesce(sum(redeemed_points), 0)::text AS redeemed_points
       FROM rewards_balances WHERE business_id = $1 AND currency = $2`,
    [businessId, currency],
  );
  return { ...presentBalance(null, b, currency), liability: snapAmount(await postedBalance(db, businessId, 'rewards_liability', currency), currency) };
}

interface EntryRow {
  id: string;
  kind: EntryView['kind'];
  cardholder_id: string;
  card_id: string | null;
  source_id: string;
  points: string;
  value: string;
  currency: string;
  spend_amount: string | null;
  merchant: Record<string, unknown> | null;
  breakdown: Record<string, unknown>;
  transfer_id: string | null;
  partner_reference_no: string | null;
  occurred_at: Date;
  total: number;
}

function presentEntry(e: EntryRow): EntryView {
  return {
    id: e.id,
    kind: e.kind,
    cardholderId: e.cardholder_id,
    cardId: e.card_id,
    sourceId: e.source_id,
    points: Number(e.points),
    value: snapAmount(BigInt(e.value), e.currency),
    spendAmount: e.spend_amount === null ? null : snapAmount(BigInt(e.spend_amount), e.currency),
    merchant: e.merchant,
    breakdown: e.breakdown,
    transferId: e.transfer_id,
    partnerReferenceNo: e.partner_reference_no,
    occurredAt: e.occurred_at.toISOString(),
  };
}

/** Accruals, reversals and redemptions, newest first, of a cardholder or the whole business. */
export async function listEntries(k: Kartu, businessId: string, q: z.infer<typeof historyQuery>) {
  const db = k.db.manager;
  if (q.cardholderId && !(await findCardholder(db, businessId, q.cardholderId))) throw new NotFound('Cardholder not found');
  const rows: EntryRow[] = await db.query(
    `SELECT id, kind, cardholder_id, card_id, source_id, points::text, value::text, currency, spend_amount::text, merchant, breakdown,
            transfer_id, partner_reference_no, occurred_at, count(*) OVER ()::int AS total
       FROM rewards_entries
      WHERE business_id = $1 AND ($2::uuid IS NULL OR cardholder_id = $2) AND ($3::text IS NULL OR kind = $3)
      ORDER BY occurred_at DESC, id DESC LIMIT $4 OFFSET $5`,
    [businessId, q.cardholderId ?? null, q.kind ?? null, q.pageSize, q.pageNumber * q.pageSize],
  );
  let total = rows[0]?.total;
  if (total === undefined) {
    const [c]: Array<{ n: number }> = await db.query(
      'SELECT count(*)::int AS n FROM rewards_entries WHERE business_id = $1 AND ($2::uuid IS NULL OR cardholder_id = $2) AND ($3::text IS NULL OR kind = $3)',
      [businessId, q.cardholderId ?? null, q.kind ?? null],
    );
    total = c!.n;
  }
  return { entries: rows.map(presentEntry), pageNumber: q.pageNumber, pageSize: q.pageSize, totalCount: total };
}

// ---- the money side ---------------------------------------------------------------------------

/** The cardholder's balance row, created when missing, locked until commit (serialises a cardholder's entries). */
async function lockBalance(tx: EntityManager, businessId: string, cardholderId: string, currency: string): Promise<BalanceRow> {
  const [row]: BalanceRow[] = await tx.query(
    `INSERT INTO rewards_balances (business_id, cardholder_id, currency) VALUES ($1, $2, $3)
     ON CONFLICT (business_id, cardholder_id, currency) DO UPDATE SET updated_at = rewards_balances.updated_at
     RETURNING ${BALANCE_COLUMNS}`,
    [businessId, cardholderId, currency],
  );
  return row!;
}

/** What `points` of a balance cost: all of its value for all of its points, pro rata (rounded down) otherwise. */
function costOf(points: bigint, b: BalanceRow): bigint {
  const have = BigInt(b.points);
  if (points >= have) return BigInt(b.value);
  return (points * BigInt(b.value)) / have;
}

/** Purchases of the cardholder earlier in the calendar month (business time zone) of `at`. */
async function monthToDateSpend(tx: EntityManager, businessId: string, cardholderId: string, at: Date, timeZone: string): Promise<bigint> {
  const [row]: Array<{ spend: string }> = await tx.query(
    `SELECT coalesce(sum(spend_amount), 0)::text AS spend FROM rewards_entries
      WHERE business_id = $1 AND cardholder_id = $2 AND kind = 'accrual'
        AND occurred_at >= (date_trunc('month', $3::timestamptz AT TIME ZONE $4) AT TIME ZONE $4) AND occurred_at < $3`,
    [businessId, cardholderId, at, timeZone],
  );
  return BigInt(row!.spend);
}

const clearedData = z.object({
  clearingId: z.string(),
  authorizationId: z.string().nullable().optional(),
  cardId: z.string(),
  amount: z.union([z.number(), z.string()]),
  currency: z.string(),
  merchant: z.record(z.string(), z.unknown()).nullable().optional(),
});

const refundedData = z.object({
  refundId: z.string(),
  cardId: z.string(),
  amount: z.union([z.number(), z.string()]),
  currency: z.string(),
  merchant: z.record(z.string(), z.unknown()).nullable().optional(),
});

interface Resolved {
  businessId: string;
  program: ProgramRow;
  owner: NonNullable<Awaited<ReturnType<typeof cardOwner>>>;
  amount: bigint;
  at: Date;
}

async function resolve(k: Kartu, event: OutboxEvent, d: { cardId: string; amount: number | string; currency: string }, accrual: boolean): Promise<Resolved | undefined> {
  const businessId = event.businessId;
  if (!businessId) return undefined;
  const db = k.db.manager;
  const program = await loadProgram(db, businessId);
  // A paused program earns nothing; refunds still reverse what was earned.
  if (!program || (accrual && program.status !== 'ACTIVE') || d.currency !== program.currency) return undefined;
  const owner = await cardOwner(db, businessId, d.cardId);
  const amount = BigInt(d.amount);
  if (!owner || amount <= 0n) return undefined;
  return { businessId, program, owner, amount, at: new Date(event.createdAt) };
}

/**
 * `transaction.cleared` → points for the purchase, once per card and clearing (a duplicate delivery,
 * even concurrent, finds the entry and changes nothing). The clearing's merchant, or else the
 * authorization's.
 */
export async function accrueForClearing(k: Kartu, event: OutboxEvent): Promise<void> {
  const parsed = clearedData.safeParse(event.data);
  if (!parsed.success) return malformed(k, event);
  const d = parsed.data;
  const r = await resolve(k, event, d, true);
  if (!r) return;
  const merchant = (d.merchant as Merchant | null | undefined) ?? (d.authorizationId ? await authorizationMerchant(k.db.manager, r.businessId, d.authorizationId) : null);
  await inTransaction(k.db, async (tx) => {
    if (await entryExists(tx, d.cardId, 'accrual', d.clearingId)) return;
    const { program, owner, businessId } = r;
    await lockBalance(tx, businessId, owner.cardholderId, program.currency);
    const earned = await earn(program.definition, {
      amount: r.amount,
      merchant,
      cardId: d.cardId,
      localDate: localDate(r.at, owner.timeZone),
      dateOfBirth: owner.dateOfBirth,
      monthToDateSpend: await monthToDateSpend(tx, businessId, owner.cardholderId, r.at, owner.timeZone),
      includeBonus: true,
    });
    const value = earned.points * parseSnapValue(program.definition.pointValue.value, program.currency);
    await bookEntry(tx, {
      kind: 'accrual',
      businessId,
      cardholderId: owner.cardholderId,
      cardId: d.cardId,
      sourceId: d.clearingId,
      eventId: event.id,
      points: earned.points,
      value,
      currency: program.currency,
      spendAmount: r.amount,
      merchant,
      breakdown: { ...earned.breakdown, programVersion: program.version },
      occurredAt: r.at,
      eventData: { clearingId: d.clearingId },
    });
  });
}

/**
 * `transaction.refunded` → the points the refund's merchant would earn for its amount (at the rate:
 * no fixed bonus), never more than the cardholder has. Refunds are not linked to purchases.
 */
export async function reverseForRefund(k: Kartu, event: OutboxEvent): Promise<void> {
  const parsed = refundedData.safeParse(event.data);
  if (!parsed.success) return malformed(k, event);
  const d = parsed.data;
  const r = await resolve(k, event, d, false);
  if (!r) return;
  const merchant = (d.merchant as Merchant | null | undefined) ?? null;
  await inTransaction(k.db, async (tx) => {
    if (await entryExists(tx, d.cardId, 'reversal', d.refundId)) return;
    const { program, owner, businessId } = r;
    const balance = await lockBalance(tx, businessId, owner.cardholderId, program.currency);
    const atRate = await earn(program.definition, {
      amount: r.amount,
      merchant,
      cardId: d.cardId,
      localDate: localDate(r.at, owner.timeZone),
      dateOfBirth: owner.dateOfBirth,
      monthToDateSpend: await monthToDateSpend(tx, businessId, owner.cardholderId, r.at, owner.timeZone),
      includeBonus: false,
    });
    const have = BigInt(balance.points);
    const points = atRate.points < have ? atRate.points : have;
    const value = points > 0n ? costOf(points, balance) : 0n;
    await bookEntry(tx, {
      kind: 'reversal',
      businessId,
      cardholderId: owner.cardholderId,
      cardId: d.cardId,
      sourceId: d.refundId,
      eventId: event.id,
      points,
      value,
      currency: program.currency,
      spendAmount: r.amount,
      merchant,
      breakdown: { ...atRate.breakdown, atRatePoints: Number(atRate.points), cappedAtBalance: points < atRate.points, programVersion: program.version },
      occurredAt: r.at,
      eventData: { refundId: d.refundId },
    });
  });
}

/** What accrual and reversal each book: earned points go in, reversed points come back out. */
const BOOKINGS = {
  accrual: { sign: '+', counter: 'earned_points', transferKind: 'reward_accrual', eventType: 'rewards.accrued' },
  reversal: { sign: '-', counter: 'reversed_points', transferKind: 'reward_reversal', eventType: 'rewards.reversed' },
} as const;

interface Booking {
  kind: keyof typeof BOOKINGS;
  businessId: string;
  cardholderId: string;
  cardId: string;
  sourceId: string;
  eventId: string;
  points: bigint;
  value: bigint;
  currency: string;
  spendAmount: bigint;
  merchant: Merchant | null;
  breakdown: Record<string, unknown>;
  occurredAt: Date;
  /** The event's own fields beside the entry, cardholder, card, points and value. */
  eventData: Record<string, unknown>;
}

/**
 * Books an accrual or a reversal, once per card, kind and source (a concurrent duplicate inserts
 * nothing and stops here): the entry, the balance, the value moved between the platform's rewards
 * account and the business's liability, and the event. The caller holds the balance locked.
 */
async function bookEntry(tx: EntityManager, b: Booking): Promise<void> {
  const how = BOOKINGS[b.kind];
  const entryId = randomUUID();
  const inserted: unknown[] = await tx.query(
    `INSERT INTO rewards_entries (id, business_id, cardholder_id, card_id, kind, source_id, event_id, points, value, currency, spend_amount, merchant, breakdown, occurred_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (card_id, kind, source_id) DO NOTHING RETURNING id`,
    [entryId, b.businessId, b.cardholderId, b.cardId, b.kind, b.sourceId, b.eventId, b.points.toString(), b.value.toString(), b.currency, b.spendAmount.toString(), b.merchant ? JSON.stringify(b.merchant) : null, JSON.stringify(b.breakdown), b.occurredAt],
  );
  if (inserted.length === 0 || b.points === 0n) return;
  await tx.query(
    `UPDATE rewards_balances SET points = points ${how.sign} $4, value = value ${how.sign} $5, ${how.counter} = ${how.counter} + $4, updated_at = now()
      WHERE business_id = $1 AND cardholder_id = $2 AND currency = $3`,
    [b.businessId, b.cardholderId, b.currency, b.points.toString(), b.value.toString()],
  );
  if (b.value > 0n) {
    const platform = await accountId(tx, null, 'platform_rewards', b.currency);
    const liability = await accountId(tx, b.businessId, 'rewards_liability', b.currency);
    const transferId = await postTransfer(tx, {
      businessId: b.businessId,
      debitAccountId: b.kind === 'accrual' ? platform : liability,
      creditAccountId: b.kind === 'accrual' ? liability : platform,
      amount: b.value,
      currency: b.currency,
      kind: how.transferKind,
      reference: `rewards:${entryId}`,
    });
    await tx.query('UPDATE rewards_entries SET transfer_id = $2 WHERE id = $1', [entryId, transferId]);
  }
  await recordEvent(tx, {
    businessId: b.businessId,
    type: how.eventType,
    data: { entryId, cardholderId: b.cardholderId, cardId: b.cardId, ...b.eventData, points: Number(b.points), value: snapAmount(b.value, b.currency) },
  });
}

/** An event whose data is not what rewards expect would fail on every retry: logged and left alone. */
function malformed(k: Kartu, event: OutboxEvent): void {
  k.logger.warn({ eventId: event.id, type: event.type }, 'rewards: event data not understood; skipped');
}

async function entryExists(tx: EntityManager, cardId: string, kind: string, sourceId: string): Promise<boolean> {
  const rows: unknown[] = await tx.query('SELECT 1 FROM rewards_entries WHERE card_id = $1 AND kind = $2 AND source_id = $3', [cardId, kind, sourceId]);
  return rows.length > 0;
}

/**
 * Turns points into cashback on the funding account: rewards_liability → funding for what the
 * points cost (their booked value). X-EXTERNAL-ID replays are stopped by the partner guard; a
 * repeated partnerReferenceNo answers 409xx01.
 */
export async function redeem(k: Kartu, caller: Caller, input: z.infer<typeof redeemInput>): Promise<z.infer<typeof redemptionView>> {
  const { businessId } = caller;
  return inTransaction(k.db, async (tx) => {
    if (!(await findCardholder(tx, businessId, input.cardholderId))) throw new NotFound('Cardholder not found');
    if (input.partnerReferenceNo) {
      const dup: unknown[] = await tx.query('SELECT 1 FROM rewards_entries WHERE business_id = $1 AND partner_reference_no = $2', [businessId, input.partnerReferenceNo]);
      if (dup.length) throw new DuplicateReference();
    }
    const currency = await businessCurrency(tx, businessId);
    const balance = await lockBalance(tx, businessId, input.cardholderId, currency);
    const points = BigInt(input.points);
    const have = BigInt(balance.points);
    if (points > have) throw new InsufficientPoints(have);
    const value = costOf(points, balance);
    if (value <= 0n) throw new InvalidFieldFormat('points', 'worth less than one minor unit; redeem more');
    const liability = await accountId(tx, businessId, 'rewards_liability', currency);
    const funding = await accountId(tx, businessId, 'funding', currency);
    // LOCK ORDER: ledger accounts in id order, as the authorization write.
    await tx.query('SELECT id FROM ledger_accounts WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE', [[liability, funding]]);
    const id = randomUUID();
    const transferId = await postTransfer(tx, { businessId, debitAccountId: liability, creditAccountId: funding, amount: value, currency, kind: 'reward_redemption', reference: `rewards:${id}` });
    try {
      await tx.query(
        `INSERT INTO rewards_entries (id, business_id, cardholder_id, kind, source_id, points, value, currency, transfer_id, partner_reference_no, occurred_at)
         VALUES ($1::uuid, $2, $3, 'redemption', $1::text, $4, $5, $6, $7, $8, $9)`,
        [id, businessId, input.cardholderId, points.toString(), value.toString(), currency, transferId, input.partnerReferenceNo ?? null, k.clock.now()],
      );
    } catch (err) {
      if (isUniqueViolation(err, 'rewards_entries_partner_reference')) throw new DuplicateReference();
      throw err;
    }
    // An UPDATE answers [rows, count].
    const [[after]]: [BalanceRow[], number] = await tx.query(
      `UPDATE rewards_balances SET points = points - $4, value = value - $5, redeemed_points = redeemed_points + $4, updated_at = now()
        WHERE business_id = $1 AND cardholder_id = $2 AND currency = $3 RETURNING ${BALANCE_COLUMNS}`,
      [businessId, input.cardholderId, currency, points.toString(), value.toString()],
    );
    const amount = snapAmount(value, currency);
    await recordAudit(tx, { businessId, actorType: caller.actorType, actorId: caller.actorId, action: 'rewards.redeemed', targetType: 'cardholder', targetId: input.cardholderId, details: { redemptionId: id, points: input.points, amount }, ip: caller.ip });
    await recordEvent(tx, { businessId, type: 'rewards.redeemed', data: { redemptionId: id, cardholderId: input.cardholderId, points: input.points, amount, transferId } });
    return {
      id,
      partnerReferenceNo: input.partnerReferenceNo ?? null,
      cardholderId: input.cardholderId,
      points: input.points,
      amount,
      transferId,
      balance: presentBalance(input.cardholderId, after, currency),
      createdAt: k.clock.now().toISOString(),
    };
  });
}

interface CardholderBalanceRow extends BalanceRow {
  cardholder_id: string;
  name: string;
  email: string;
  total: number;
}

/**
 * Every cardholder of the business with their points (0 for one who never earned), most points
 * first, paged: the dashboard's balances list.
 */
export async function listBalances(k: Kartu, businessId: string, q: z.infer<typeof balanceListQuery>) {
  const db = k.db.manager;
  const currency = await businessCurrency(db, businessId);
  // `p` is the placeholder of the search pattern (NULL: every cardholder).
  const where = (p: string) => `c.business_id = $1 AND (${p}::text IS NULL OR c.name ILIKE ${p} ESCAPE '\\' OR c.email ILIKE ${p} ESCAPE '\\')`;
  const pattern = q.q ? `%${q.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const rows: CardholderBalanceRow[] = await db.query(
    `SELECT c.id AS cardholder_id, c.name, c.email, coalesce(b.points, 0)::text AS points, coalesce(b.value, 0)::text AS value,
            coalesce(b.earned_points, 0)::text AS earned_points, coalesce(b.reversed_points, 0)::text AS reversed_points,
            coalesce(b.redeemed_points, 0)::text AS redeemed_points, count(*) OVER ()::int AS total
       FROM cardholders c
       LEFT JOIN rewards_balances b ON b.business_id = c.business_id AND b.cardholder_id = c.id AND b.currency = $2
      WHERE ${where('$3')}
      ORDER BY coalesce(b.points, 0) DESC, c.name, c.id LIMIT $4 OFFSET $5`,
    [businessId, currency, pattern, q.pageSize, q.pageNumber * q.pageSize],
  );
  let total = rows[0]?.total;
  if (total === undefined) {
    const [c]: Array<{ n: number }> = await db.query(`SELECT count(*)::int AS n FROM cardholders c WHERE ${where('$2')}`, [businessId, pattern]);
    total = c!.n;
  }
  return {
    balances: rows.map((r) => ({ ...presentBalance(r.cardholder_id, r, currency), cardholderId: r.cardholder_id, name: r.name, email: r.email })),
    pageNumber: q.pageNumber,
    pageSize: q.pageSize,
    totalCount: total,
  };
}
