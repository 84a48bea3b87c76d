import type { EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor, KEYSET_TIME } from '../../platform/cursor';
import { likeEscaped } from '../../platform/db';
import { InvalidFieldFormat, NotFound } from '../../platform/errors';
import { currencyExponent, parseSnapValue, snapAmount } from '../../platform/money';
import { normaliseSpendControls, type SpendControls } from '../controls/spend-controls';
import type { PolicyOutcome } from '../policies/policy-runtime';
import { explainOutcome, type Outcome } from './outcome';

/**
 * The authorizations of a business for its admins (the dashboard's transactions page): a filtered,
 * keyset-paged list and one authorization with what decided it and the money it moved. Every
 * statement is scoped by business_id; the hot path's tables are only read.
 */

type Money = { value: string; currency: string };

export interface AuthorizationFilters {
  cardId?: string;
  cardholderId?: string;
  decision?: 'approved' | 'declined' | 'partial';
  responseCode?: string;
  merchant?: string;
  mcc?: string;
  amountMin?: string;
  amountMax?: string;
  from?: string;
  to?: string;
  cursor?: string;
  pageSize: number;
}

export interface AuthorizationListItem {
  id: string;
  cardId: string | null;
  cardLast4: string | null;
  cardholderId: string | null;
  cardholderName: string | null;
  amount: Money;
  approvedAmount: Money;
  decision: 'approved' | 'declined' | 'partial';
  responseCode: string;
  reason: string;
  merchant: { id: string | null; name: string | null; mcc: string | null; city: string | null; country: string | null };
  status: 'pending' | 'closed' | 'declined';
  originalId: string | null;
  authorizationCode: string | null;
  createdAt: string;
}

interface ListRow {
  id: string;
  card_id: string | null;
  last4: string | null;
  cardholder_id: string | null;
  cardholder_name: string | null;
  amount: string;
  approved_amount: string;
  currency: string;
  decision: AuthorizationListItem['decision'];
  response_code: string;
  reason: string;
  merchant: Record<string, unknown>;
  status: AuthorizationListItem['status'];
  original_id: string | null;
  authorization_code: string | null;
  created_at: Date;
  at: string;
}

const LIST_COLUMNS = `a.id, a.card_id, c.last4, c.cardholder_id, h.name AS cardholder_name, a.amount::text AS amount, a.approved_amount::text AS approved_amount,
       a.currency, a.decision, a.response_code, a.reason, a.merchant, a.status, a.original_id, a.authorization_code, a.created_at, ${KEYSET_TIME('a.created_at')} AS at`;
const LIST_JOINS = `LEFT JOIN cards c ON c.id = a.card_id AND c.business_id = a.business_id
  LEFT JOIN cardholders h ON h.id = c.cardholder_id AND h.business_id = a.business_id`;

const text = (v: unknown) => (typeof v === 'string' ? v : null);

function toItem(r: ListRow): AuthorizationListItem {
  return {
    id: r.id,
    cardId: r.card_id,
    cardLast4: r.last4,
    cardholderId: r.cardholder_id,
    cardholderName: r.cardholder_name,
    amount: snapAmount(BigInt(r.amount), r.currency),
    approvedAmount: snapAmount(BigInt(r.approved_amount), r.currency),
    decision: r.decision,
    responseCode: r.response_code,
    reason: r.reason,
    merchant: { id: text(r.merchant.id), name: text(r.merchant.name), mcc: text(r.merchant.mcc), city: text(r.merchant.city), country: text(r.merchant.country) },
    status: r.status,
    originalId: r.original_id,
    authorizationCode: r.authorization_code,
    createdAt: r.created_at.toISOString(),
  };
}

/** A decimal amount filter in the business currency → minor units (400xx01 naming the parameter). */
export function amountFilter(value: string, currency: string, field: string): bigint {
  try {
    return parseSnapValue(value, currency, field);
  } catch {
    throw new InvalidFieldFormat(field, `a decimal amount in ${currency} with at most ${currencyExponent(currency)} decimal places`);
  }
}

/** Newest first (ties by id); `nextCursor` is null on the last page. */
export async function listAuthorizations(
  db: EntityManager,
  business: { id: string; currency: string },
  f: AuthorizationFilters,
): Promise<{ authorizations: AuthorizationListItem[]; nextCursor: string | null }> {
  const params: unknown[] = [business.id];
  const where: string[] = ['a.business_id = $1'];
  const param = (v: unknown) => `$${params.push(v)}`;
  if (f.cardId) where.push(`a.card_id = ${param(f.cardId)}`);
  if (f.cardholderId) where.push(`a.card_id IN (SELECT id FROM cards WHERE business_id = $1 AND cardholder_id = ${param(f.cardholderId)})`);
  if (f.decision) where.push(`a.decision = ${param(f.decision)}`);
  if (f.responseCode) where.push(`a.response_code = ${param(f.responseCode)}`);
  if (f.merchant) {
    where.push(`(a.merchant->>'id' = ${param(f.merchant)} OR a.merchant->>'name' ILIKE ${param(`%${likeEscaped(f.merchant)}%`)} ESCAPE '\\')`);
  }
  if (f.mcc) where.push(`a.merchant->>'mcc' = ${param(f.mcc)}`);
  const min = f.amountMin === undefined ? undefined : amountFilter(f.amountMin, business.currency, 'amountMin');
  const max = f.amountMax === undefined ? undefined : amountFilter(f.amountMax, business.currency, 'amountMax');
  if (min !== undefined && max !== undefined && min > max) throw new InvalidFieldFormat('amountMax', 'must not be less than amountMin');
  if (min !== undefined || max !== undefined) where.push(`a.currency = ${param(business.currency)}`);
  if (min !== undefined) where.push(`a.amount >= ${param(min.toString())}`);
  if (max !== undefined) where.push(`a.amount <= ${param(max.toString())}`);
  if (f.from && f.to && Date.parse(f.from) > Date.parse(f.to)) throw new InvalidFieldFormat('to', 'must not be before from');
  if (f.from) where.push(`a.created_at >= ${param(f.from)}::timestamptz`);
  if (f.to) where.push(`a.created_at <= ${param(f.to)}::timestamptz`);
  if (f.cursor) {
    const after = decodeCursor(f.cursor);
    // The order of authorizations_business_time: created_at descending, then id ascending.
    const at = param(after.at);
    const id = param(after.id);
    where.push(`(a.created_at < ${at}::timestamptz OR (a.created_at = ${at}::timestamptz AND a.id > ${id}::uuid))`);
  }
  const rows: ListRow[] = await db.query(
    `SELECT ${LIST_COLUMNS} FROM authorizations a ${LIST_JOINS}
      WHERE ${where.join(' AND ')}
      ORDER BY a.created_at DESC, a.id
      LIMIT ${param(f.pageSize + 1)}`,
    params,
  );
  const page = rows.slice(0, f.pageSize);
  const last = page.at(-1);
  return { authorizations: page.map(toItem), nextCursor: rows.length > f.pageSize && last ? encodeCursor({ at: last.at, id: last.id }) : null };
}

export interface TransferView {
  id: string;
  kind: string;
  /** What the transfer did for the purchase: hold, clearing, release (a hold a clearing did not need), reversal, expiry, refund. */
  role: 'hold' | 'clearing' | 'release' | 'reversal' | 'expiry' | 'refund';
  amount: Money;
  status: 'pending' | 'posted' | 'voided';
  /** A hold's amount still held, posted by clearings, and released (reversed, expired, or left over by a smaller clearing). */
  openAmount?: Money;
  postedAmount?: Money;
  releasedAmount?: Money;
  authorizationId: string | null;
  createdAt: string;
}

export interface AuthorizationDetail extends AuthorizationListItem {
  pos: Record<string, unknown>;
  facts: {
    merchantGroups: string[];
    partialAllowed: boolean;
    available: Money | null;
    usage: Array<{ limitKey: string; windowStart: string; kind: 'amount' | 'count'; used: Money | number }>;
    policy: Record<string, unknown> | null;
  };
  outcome: Outcome;
  reviews: PolicyOutcome['reviews'];
  shadow: Array<PolicyOutcome['shadow'][number] & { name: string | null }>;
  increments: AuthorizationListItem[];
  transfers: TransferView[];
}

interface DetailRow extends ListRow {
  pos: Record<string, unknown>;
  facts: { merchantGroups?: string[]; partialAllowed?: boolean; available?: string | null; usage?: Record<string, string>; policy?: Record<string, unknown> };
  policy: PolicyOutcome | null;
  spend_controls: Partial<SpendControls> | null;
  card_currency: string | null;
  time_zone: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function getAuthorization(db: EntityManager, businessId: string, id: string): Promise<AuthorizationDetail> {
  if (!UUID.test(id)) throw new NotFound('Authorization Not Found');
  const [row]: DetailRow[] = await db.query(
    `SELECT ${LIST_COLUMNS}, a.pos, a.facts, a.policy, c.spend_controls, c.currency AS card_currency, b.time_zone
       FROM authorizations a ${LIST_JOINS}
       JOIN businesses b ON b.id = a.business_id
      WHERE a.id = $2 AND a.business_id = $1`,
    [businessId, id],
  );
  if (!row) throw new NotFound('Authorization Not Found');
  const increments: ListRow[] = await db.query(
    `SELECT ${LIST_COLUMNS} FROM authorizations a ${LIST_JOINS} WHERE a.business_id = $1 AND a.original_id = $2 ORDER BY a.created_at, a.id`,
    [businessId, id],
  );
  const policyIds = [...new Set([row.policy?.decline?.policyId, ...(row.policy?.shadow ?? []).map((s) => s.policyId)].filter((p): p is string => Boolean(p)))];
  const versionIds = [...new Set([row.policy?.decline?.versionId, ...(row.policy?.shadow ?? []).map((s) => s.versionId)].filter((v): v is string => Boolean(v && UUID.test(v))))];
  const policies: Array<{ id: string; name: string }> = policyIds.length
    ? await db.query('SELECT id, name FROM policies WHERE id = ANY($2::uuid[]) AND (business_id = $1 OR business_id IS NULL)', [businessId, policyIds.filter((p) => UUID.test(p))])
    : [];
  const versions: Array<{ id: string; number: number }> = versionIds.length
    ? await db.query('SELECT id, number FROM policy_versions WHERE id = ANY($2::uuid[]) AND (business_id = $1 OR business_id IS NULL)', [businessId, versionIds])
    : [];
  const names = new Map(policies.map((p) => [p.id, p]));
  const numbers = new Map(versions.map((v) => [v.id, v.number]));

  const usage = row.facts.usage ?? {};
  const outcome = explainOutcome(
    {
      decision: row.decision,
      responseCode: row.response_code,
      reason: row.reason,
      amount: BigInt(row.amount),
      approvedAmount: BigInt(row.approved_amount),
      currency: row.currency,
      merchant: { id: text(row.merchant.id) ?? undefined, mcc: text(row.merchant.mcc) ?? undefined, country: text(row.merchant.country) ?? undefined },
      createdAt: row.created_at,
      available: row.facts.available ?? null,
      usage,
      policyDecline: row.policy?.decline ?? null,
    },
    normaliseSpendControls(row.spend_controls),
    row.time_zone,
    { get: (policyId) => names.get(policyId), versionNumber: (versionId) => numbers.get(versionId) },
  );
  const currency = row.card_currency ?? row.currency;
  return {
    ...toItem(row),
    pos: row.pos,
    facts: {
      merchantGroups: row.facts.merchantGroups ?? [],
      partialAllowed: row.facts.partialAllowed ?? false,
      available: row.facts.available === undefined || row.facts.available === null ? null : snapAmount(BigInt(row.facts.available), currency),
      usage: Object.entries(usage).map(([key, used]) => {
        const at = key.lastIndexOf('|');
        const limitKey = key.slice(0, at);
        const count = limitKey.startsWith('count:');
        return { limitKey, windowStart: key.slice(at + 1), kind: count ? ('count' as const) : ('amount' as const), used: count ? Number(used) : snapAmount(BigInt(used), currency) };
      }),
      policy: row.facts.policy ?? null,
    },
    outcome,
    reviews: row.policy?.reviews ?? [],
    shadow: (row.policy?.shadow ?? []).map((s) => ({ ...s, name: names.get(s.policyId)?.name ?? null })),
    increments: increments.map(toItem),
    transfers: await authorizationTransfers(db, businessId, id),
  };
}

interface TransferRow {
  id: string;
  kind: string;
  amount: string;
  open_amount: string;
  currency: string;
  reference: string | null;
  created_at: Date;
  authorization_id: string | null;
  posted_amount: string;
}

/**
 * The ledger transfers of an authorization and its increments: their holds, what posted or voided
 * them (clearing, the release of a smaller clearing, reversal, expiry), a clearing's over-capture or
 * forced post, and the refunds linked to it (the sandbox links them; a network's refund names no
 * authorization). Oldest first.
 */
export async function authorizationTransfers(db: EntityManager, businessId: string, authorizationId: string): Promise<TransferView[]> {
  const rows: TransferRow[] = await db.query(
    `WITH chain AS (
       SELECT id, hold_id FROM authorizations WHERE business_id = $1 AND (id = $2 OR original_id = $2) AND hold_id IS NOT NULL
     ), linked AS (
       SELECT t.id AS transfer_id, a.id AS authorization_id FROM chain a JOIN ledger_transfers t ON t.id = a.hold_id OR t.pending_id = a.hold_id
       UNION
       SELECT m.transfer_id, m.authorization_id FROM network_messages m WHERE m.business_id = $1 AND m.authorization_id = $2 AND m.transfer_id IS NOT NULL
     )
     SELECT t.id, t.kind, t.amount::text AS amount, t.open_amount::text AS open_amount, t.currency, t.reference, t.created_at, l.authorization_id,
            (SELECT coalesce(sum(p.amount), 0) FROM ledger_transfers p WHERE p.pending_id = t.id AND p.kind = 'post')::text AS posted_amount
       FROM linked l JOIN ledger_transfers t ON t.id = l.transfer_id AND t.business_id = $1
      ORDER BY t.created_at, t.id`,
    [businessId, authorizationId],
  );
  return rows.map((t) => {
    const money = (minor: string) => snapAmount(BigInt(minor), t.currency);
    const base = { id: t.id, kind: t.kind, amount: money(t.amount), authorizationId: t.authorization_id, createdAt: t.created_at.toISOString() };
    switch (t.kind) {
      case 'hold': {
        const open = BigInt(t.open_amount);
        const posted = BigInt(t.posted_amount);
        return {
          ...base,
          role: 'hold',
          status: open > 0n ? 'pending' : posted > 0n ? 'posted' : 'voided',
          openAmount: money(t.open_amount),
          postedAmount: money(t.posted_amount),
          // Released by reversals, expiry, or a clearing of less than was held (which posts part and releases the rest).
          releasedAmount: money((BigInt(t.amount) - open - posted).toString()),
        };
      }
      case 'void': {
        const ref = t.reference ?? '';
        const role = ref.startsWith('reversal:') ? 'reversal' : ref.startsWith('clearing:') ? 'release' : 'expiry';
        return { ...base, role, status: 'voided' };
      }
      case 'refund':
        return { ...base, role: 'refund', status: 'posted' };
      default:
        // post, over_capture, force_post
        return { ...base, role: 'clearing', status: 'posted' };
    }
  });
}
