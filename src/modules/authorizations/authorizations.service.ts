import { randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { sha256Hex } from '../../platform/crypto';
import { hotQuery, inTransaction } from '../../platform/db';
import { Conflict, KartuError, NotFound } from '../../platform/errors';
import { minifyJson } from '../access/snap-signature';
import { vaultOf } from '../cards/pan-vault';
import { mccGroupsOf } from '../controls/mcc-groups';
import { normaliseSpendControls, type SpendControls } from '../controls/spend-controls';
import { recordEvent } from '../events/outbox';
import { postHold, postTransfer, sqlState, voidHold } from '../ledger/ledger.service';
import type { authorizationRequest, authorizationResponse, clearingRequest, messageResponse, refundRequest, reversalRequest } from './authorizations.schemas';
import { decide, type Decision } from './decision';

type AuthorizationResponse = z.infer<typeof authorizationResponse>;
type MessageResponse = z.infer<typeof messageResponse>;

const TRAVEL_GROUPS = new Set(['lodging', 'car_rental', 'travel']);

interface CardRow {
  id: string;
  business_id: string;
  type: 'VIRTUAL' | 'PHYSICAL' | 'SINGLE_USE' | 'MERCHANT_LOCKED';
  status: 'INACTIVE' | 'ACTIVE' | 'FROZEN' | 'TERMINATED';
  expiry_month: number;
  expiry_year: number;
  currency: string;
  spend_controls: SpendControls;
  locked_merchant_id: string | null;
  spend_root_id: string;
  cvv_key_id: string;
  cardholder_status: string;
  business_status: string;
  time_zone: string;
  funding_id: string | null;
  settlement_id: string | null;
  available: string | null;
  used: boolean;
  usage: Record<string, string>;
}

const CARD_QUERY = `
  SELECT c.id, c.business_id, c.type, c.status, c.expiry_month, c.expiry_year, c.currency, c.spend_controls,
         c.locked_merchant_id, c.spend_root_id, c.cvv_key_id,
         h.status AS cardholder_status, b.status AS business_status, b.time_zone,
         f.id AS funding_id, s.id AS settlement_id,
         (f.credits_posted - f.debits_posted - f.debits_pending + f.overdraft_limit)::text AS available,
         (c.type = 'SINGLE_USE' AND EXISTS (SELECT 1 FROM authorizations a WHERE a.card_id = c.id AND a.status = 'pending')) AS used,
         (SELECT coalesce(json_object_agg(sc.limit_key || '|' || sc.window_start,
                                          CASE WHEN sc.limit_key LIKE 'count:%' THEN sc.count::text ELSE sc.amount::text END), '{}'::json)
            FROM spend_counters sc WHERE sc.spend_root_id = c.spend_root_id AND (sc.window_start >= $4::date OR sc.window_start = '1970-01-01')) AS usage
    FROM cards c
    JOIN cardholders h ON h.id = c.cardholder_id
    JOIN businesses b ON b.id = c.business_id
    LEFT JOIN ledger_accounts f ON f.business_id = c.business_id AND f.code = 'funding' AND f.currency = c.currency
    LEFT JOIN ledger_accounts s ON s.business_id = c.business_id AND s.code = 'settlement' AND s.currency = c.currency
   WHERE c.pan_fingerprint = ANY($3)`;

interface StoredAuthorization {
  id: string;
  network_message_id: string;
  request_hash: string;
  decision: AuthorizationResponse['decision'];
  response_code: string;
  approved_amount: string;
  authorization_code: string | null;
  reason: string;
}

const STORED_AUTHORIZATION =
  'SELECT id, network_message_id, request_hash, decision, response_code, approved_amount::text, authorization_code, reason FROM authorizations';

/**
 * The read of an authorization, in one round trip: an earlier answer to the same network id (a
 * retry), and the card behind the number with everything the decision needs — its cardholder and
 * business states, the funding account's available balance, the spend-limit usage of the current
 * windows. The card is found by fingerprint: nothing is decrypted.
 */
async function loadForAuthorization(k: Kartu, networkId: string, messageId: string, pan: string, now: Date) {
  const [row] = await hotQuery<{ replay: StoredAuthorization | null; card: CardRow | null }>(
    k.db,
    'kartu_authorization_read',
    `SELECT (SELECT row_to_json(x) FROM (${STORED_AUTHORIZATION} WHERE network_id = $1 AND network_message_id = $2) x) AS replay,
            (SELECT row_to_json(y) FROM (${CARD_QUERY}) y) AS card`,
    [networkId, messageId, vaultOf(k).fingerprintCandidates(pan), new Date(now.getTime() - 370 * 86400_000).toISOString().slice(0, 10)],
  );
  return { replay: row?.replay ?? undefined, card: row?.card ?? undefined };
}

function holdExpiry(k: Kartu, merchantGroups: string[], now: Date): Date {
  const days = merchantGroups.some((g) => TRAVEL_GROUPS.has(g)) ? k.config.holdDaysTravel : k.config.holdDays;
  return new Date(now.getTime() + days * 86400_000);
}

const authorizationCode = () => randomBytes(4).toString('hex').slice(0, 6).toUpperCase();

const toResponse = (a: StoredAuthorization): AuthorizationResponse => ({
  id: a.network_message_id,
  authorizationId: a.id,
  decision: a.decision,
  responseCode: a.response_code,
  approvedAmount: Number(a.approved_amount),
  authorizationCode: a.authorization_code,
  reason: a.reason,
});

/** Races lost to a concurrent approval, raised by kartu_record_authorization, and the decline each becomes. */
const LOST_RACES: Record<string, { responseCode: string; reason: string }> = {
  KL051: { responseCode: '51', reason: 'insufficient funds' },
  KL061: { responseCode: '61', reason: 'exceeds spending limit' },
  KL065: { responseCode: '65', reason: 'exceeds frequency limit' },
  KL057: { responseCode: '57', reason: 'card is locked to another merchant' },
  KL005: { responseCode: '05', reason: 'single-use card already used' },
};

/**
 * Decides an authorization and makes it durable before answering, in two round trips: one read
 * (a retry's first answer, or the card and its facts), the decision in memory, one write
 * (kartu_record_authorization: counters, authorization, outbox event and hold in one atomic
 * statement). The same network id again returns the first answer; a different body under it is
 * refused with 409. A race lost to a concurrent approval (funds, a limit, the merchant lock, single
 * use) is recorded as the decline it became.
 */
export async function authorize(k: Kartu, networkId: string, body: z.infer<typeof authorizationRequest>, rawBody: Buffer): Promise<AuthorizationResponse> {
  const started = process.hrtime.bigint();
  const requestHash = sha256Hex(minifyJson(rawBody.toString('utf8')));
  const now = k.clock.now();
  const { replay, card } = await loadForAuthorization(k, networkId, body.id, body.card.number, now);
  if (replay) return replayed(replay, requestHash);
  const merchantGroups = mccGroupsOf(body.merchant.mcc);

  let decision: Decision;
  let originalId: string | null = null;
  if (!card) {
    decision = { decision: 'declined', responseCode: '14', reason: 'no such card', approvedAmount: 0n, counters: [] };
  } else {
    decision = decide(
      { amount: BigInt(body.amount), currency: body.currency, expiry: body.card.expiry, cvv: body.card.cvv, merchant: body.merchant, partialAllowed: Boolean(body.partialAllowed) },
      {
        type: card.type,
        status: card.status,
        expiryMonth: card.expiry_month,
        expiryYear: card.expiry_year,
        currency: card.currency,
        spendControls: normaliseSpendControls(card.spend_controls),
        lockedMerchantId: card.locked_merchant_id,
        cardholderStatus: card.cardholder_status,
        businessStatus: card.business_status,
        timeZone: card.time_zone,
        used: card.used && !body.originalId,
        expectedCvv: body.card.cvv !== undefined ? vaultOf(k).cvv(body.card.number, card.expiry_month, card.expiry_year, card.cvv_key_id) : undefined,
      },
      new Map(Object.entries(card.usage).map(([key, v]) => [key, BigInt(v)])),
      card.available === null ? 0n : BigInt(card.available),
      now,
    );
    if (body.originalId && decision.decision !== 'declined') {
      const [original]: Array<{ id: string; original_id: string | null }> = await k.db.query(
        "SELECT id, original_id FROM authorizations WHERE network_id = $1 AND network_message_id = $2 AND card_id = $3 AND status = 'pending'",
        [networkId, body.originalId, card.id],
      );
      if (!original) decision = { decision: 'declined', responseCode: '05', reason: 'original authorization not open on this card', approvedAmount: 0n, counters: [] };
      // Every increment hangs off the first authorization, so one lookup finds the whole chain.
      else originalId = original.original_id ?? original.id;
    }
  }

  const record = async (d: Decision): Promise<AuthorizationResponse> => {
    const approved = d.decision !== 'declined';
    const stored: StoredAuthorization = {
      id: randomUUID(),
      network_message_id: body.id,
      request_hash: requestHash,
      decision: d.decision,
      response_code: d.responseCode,
      approved_amount: d.approvedAmount.toString(),
      authorization_code: approved ? authorizationCode() : null,
      reason: d.reason,
    };
    const response = toResponse(stored);
    await hotQuery(k.db, 'kartu_authorization_write', 'SELECT kartu_record_authorization($1::jsonb)', [
      JSON.stringify({
        id: stored.id,
        networkId,
        messageId: body.id,
        requestHash,
        businessId: card?.business_id ?? null,
        cardId: card?.id ?? null,
        cardType: card?.type ?? null,
        spendRootId: card?.spend_root_id ?? null,
        fundingId: card?.funding_id ?? null,
        settlementId: card?.settlement_id ?? null,
        originalId,
        amount: body.amount,
        currency: body.currency,
        approvedAmount: stored.approved_amount,
        decision: d.decision,
        responseCode: d.responseCode,
        reason: d.reason,
        authorizationCode: stored.authorization_code,
        merchant: body.merchant,
        pos: body.pos ?? {},
        facts: {
          amount: body.amount,
          currency: body.currency,
          merchant: { ...body.merchant, groups: merchantGroups },
          pos: body.pos ?? {},
          partialAllowed: Boolean(body.partialAllowed),
          cardFound: Boolean(card),
          available: card?.available ?? null,
          usage: card?.usage ?? {},
        },
        holdId: approved ? randomUUID() : null,
        holdExpiresAt: holdExpiry(k, merchantGroups, now).toISOString(),
        counters: d.counters.map((c) => ({ limitKey: c.limitKey, windowStart: c.windowStart, limit: c.limit.toString(), kind: c.kind })),
        latencyUs: Number((process.hrtime.bigint() - started) / 1000n),
        event: { ...response, cardId: card?.id ?? null, amount: body.amount, currency: body.currency, merchant: body.merchant, originalId: body.originalId ?? null },
      }),
    ]);
    return response;
  };

  try {
    try {
      return await record(decision);
    } catch (err) {
      // A deadlock or serialization failure rolled the write back whole: it can run again once.
      if (sqlState(err) !== '40P01' && sqlState(err) !== '40001') throw err;
      return await record(decision);
    }
  } catch (first) {
    let err = first;
    const lost = LOST_RACES[sqlState(err) ?? ''];
    if (lost) {
      // The decline can itself lose to a concurrent retry of the same id (the race was lost to it).
      try {
        return await record({ decision: 'declined', approvedAmount: 0n, counters: [], ...lost });
      } catch (again) {
        err = again;
      }
    }
    // The same network id raced in from a retry: answer as the first one did.
    const again = await findAuthorization(k.db.manager, networkId, body.id);
    if (again) return replayed(again, requestHash);
    throw err;
  }
}

/**
 * Gives spend back to the amount limits an approval counted in (a reversal, a smaller clearing, an
 * expiry). Count limits keep the approval: they bound how often a card is approved.
 */
async function uncountSpend(tx: EntityManager, spendRootId: string, counted: Array<{ limitKey: string; windowStart: string; kind?: string }>, amount: bigint): Promise<void> {
  for (const c of counted) {
    if (c.kind === 'count') continue;
    await tx.query(
      'UPDATE spend_counters SET amount = greatest(amount - $4, 0) WHERE spend_root_id = $1 AND limit_key = $2 AND window_start = $3',
      [spendRootId, c.limitKey, c.windowStart, amount.toString()],
    );
  }
}

async function findAuthorization(tx: EntityManager, networkId: string, messageOrAuthorizationId: string): Promise<StoredAuthorization | undefined> {
  const isUuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(messageOrAuthorizationId);
  const [row]: StoredAuthorization[] = await tx.query(
    `${STORED_AUTHORIZATION} WHERE network_id = $1 AND (network_message_id = $2 ${isUuid ? 'OR id = $2::uuid' : ''})
      ORDER BY (network_message_id = $2) DESC LIMIT 1`,
    [networkId, messageOrAuthorizationId],
  );
  return row;
}

function replayed(a: StoredAuthorization, requestHash: string): AuthorizationResponse {
  if (a.request_hash !== requestHash) throw new Conflict('Conflict. This id was already used with a different body');
  return toResponse(a);
}

interface Resolvable {
  id: string;
  business_id: string;
  card_id: string;
  spend_root_id: string;
  hold_id: string;
  counted: Array<{ limitKey: string; windowStart: string }>;
  open_amount: string;
  card_type: string;
  currency: string;
}

/** The authorization and the open part of its hold, locked; incremental authorizations come along. */
async function lockAuthorizationChain(tx: EntityManager, networkId: string, authorizationId: string): Promise<Resolvable[]> {
  const root = await findAuthorization(tx, networkId, authorizationId);
  if (!root || root.decision === 'declined') throw new NotFound('Authorization not found (or declined)');
  return tx.query(
    `SELECT a.id, a.business_id, a.card_id, c.spend_root_id, a.hold_id, a.counted, t.open_amount::text, c.type AS card_type, t.currency
       FROM authorizations a
       JOIN cards c ON c.id = a.card_id
       JOIN ledger_transfers t ON t.id = a.hold_id
      WHERE (a.id = $1 OR a.original_id = $1) AND a.decision <> 'declined'
      ORDER BY a.created_at, a.id
      FOR UPDATE OF a, t`,
    [root.id],
  );
}

/** Runs a reversal, clearing or refund once per network id; a retry gets the first answer, a different body 409. */
async function onceFor(
  k: Kartu,
  networkId: string,
  kind: 'reversal' | 'clearing' | 'refund',
  messageId: string,
  rawBody: Buffer,
  work: (tx: EntityManager) => Promise<{ response: MessageResponse; businessId: string | null; authorizationId: string | null; cardId: string | null; amount: bigint; currency: string | null; transferId: string | null }>,
): Promise<MessageResponse> {
  const requestHash = sha256Hex(minifyJson(rawBody.toString('utf8')));
  const previous = async () => {
    const [row]: Array<{ request_hash: string; response: MessageResponse }> = await k.db.query(
      'SELECT request_hash, response FROM network_messages WHERE network_id = $1 AND kind = $2 AND message_id = $3',
      [networkId, kind, messageId],
    );
    if (row && row.request_hash !== requestHash) throw new Conflict('Conflict. This id was already used with a different body');
    return row?.response;
  };
  const first = await previous();
  if (first) return first;
  try {
    return await inTransaction(k.db, async (tx) => {
      const r = await work(tx);
      await tx.query(
        `INSERT INTO network_messages (network_id, kind, message_id, request_hash, business_id, authorization_id, card_id, amount, currency, transfer_id, response)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [networkId, kind, messageId, requestHash, r.businessId, r.authorizationId, r.cardId, r.amount.toString(), r.currency, r.transferId, JSON.stringify(r.response)],
      );
      return r.response;
    });
  } catch (err) {
    const again = await previous();
    if (again) return again;
    throw err;
  }
}

/** Releases all or part of an authorization's hold (and gives the spend back to its limits). */
export async function reverse(k: Kartu, networkId: string, body: z.infer<typeof reversalRequest>, rawBody: Buffer): Promise<MessageResponse> {
  return onceFor(k, networkId, 'reversal', body.id, rawBody, async (tx) => {
    const chain = await lockAuthorizationChain(tx, networkId, body.authorizationId);
    let remaining = body.amount === undefined ? undefined : BigInt(body.amount);
    let released = 0n;
    // Newest first: an incremental authorization is given back before the one it extended.
    for (const a of [...chain].reverse()) {
      const open = BigInt(a.open_amount);
      if (open === 0n || remaining === 0n) continue;
      const part = remaining === undefined || remaining > open ? open : remaining;
      // Counters before accounts: the lock order of the authorization write (see LOCK ORDER).
      await uncountSpend(tx, a.spend_root_id, a.counted, part);
      await voidHold(tx, a.hold_id, part, `reversal:${body.id}`);
      if (part === open) await tx.query("UPDATE authorizations SET status = 'closed' WHERE id = $1", [a.id]);
      released += part;
      if (remaining !== undefined) remaining -= part;
    }
    if (released === 0n) throw new KartuError(409, '00', 'Conflict. Nothing is held on this authorization');
    const root = chain[0]!;
    await recordEvent(tx, { businessId: root.business_id, type: 'authorization.updated', data: { authorizationId: root.id, cardId: root.card_id, change: 'reversed', amount: Number(released) } });
    return {
      response: { id: body.id, status: 'accepted', authorizationId: root.id, amount: Number(released), transferId: null },
      businessId: root.business_id,
      authorizationId: root.id,
      cardId: root.card_id,
      amount: released,
      currency: null,
      transferId: null,
    };
  });
}

/**
 * Posts a purchase. Linked to an authorization: posts its holds (a smaller amount releases the
 * rest and gives the spend back; up to KARTU_OVERCAPTURE_PERCENT more posts the extra). Without an
 * open hold (none, or expired) it force-posts against the card's funding account. A SINGLE_USE
 * card closes after its first clearing.
 */
export async function clear(k: Kartu, networkId: string, body: z.infer<typeof clearingRequest>, rawBody: Buffer): Promise<MessageResponse> {
  return onceFor(k, networkId, 'clearing', body.id, rawBody, async (tx) => {
    const amount = BigInt(body.amount);
    const chain = body.authorizationId ? await lockAuthorizationChain(tx, networkId, body.authorizationId) : [];
    if (chain[0] && chain[0].currency !== body.currency) throw new KartuError(400, '01', `Invalid Field Format currency (the authorization is in ${chain[0].currency})`);
    const open = chain.filter((a) => BigInt(a.open_amount) > 0n);
    const byNumber = body.card ? await cardByNumber(tx, k, body.card.number) : undefined;
    if (chain[0] && body.card && byNumber?.card_id !== chain[0].card_id) {
      throw new KartuError(400, '01', 'Invalid Field Format card (not the card of the authorization)');
    }
    const target = chain[0] ? { card_id: chain[0].card_id } : byNumber;
    if (!target) throw new NotFound('No authorization or card to clear against');
    const acct = await cardAccounts(tx, target.card_id);
    if (!acct || acct.currency !== body.currency) throw new KartuError(400, '01', `Invalid Field Format currency (the card is in ${acct?.currency ?? 'another currency'})`);
    // LOCK ORDER: card, then spend counters, then ledger accounts — as kartu_record_authorization.
    await tx.query("UPDATE cards SET status = 'TERMINATED', terminated_at = now(), updated_at = now() WHERE id = $1 AND type = 'SINGLE_USE' AND status <> 'TERMINATED'", [target.card_id]);
    // Post the open holds up to the amount (the rest of each is released and its spend given back) …
    let remaining = amount;
    for (const a of open) {
      const held = BigInt(a.open_amount);
      const part = remaining < held ? remaining : held;
      if (held - part > 0n) await uncountSpend(tx, a.spend_root_id, a.counted, held - part);
      if (part > 0n) await postHold(tx, a.hold_id, part, `clearing:${body.id}`);
      else await voidHold(tx, a.hold_id, undefined, `clearing:${body.id}`);
      await tx.query("UPDATE authorizations SET status = 'closed' WHERE id = $1", [a.id]);
      remaining -= part;
    }
    // … and what is left beyond them: an over-capture within tolerance, otherwise a forced post
    // (no hold at all, an expired or reversed one, or more than the tolerance allows).
    let transferId: string | null = null;
    if (remaining > 0n) {
      const heldTotal = open.reduce((s, a) => s + BigInt(a.open_amount), 0n);
      const withinTolerance = heldTotal > 0n && amount <= (heldTotal * BigInt(100 + k.config.overcapturePercent)) / 100n;
      transferId = await postTransfer(tx, {
        businessId: acct.business_id,
        debitAccountId: acct.funding,
        creditAccountId: acct.settlement,
        amount: remaining,
        currency: body.currency,
        kind: withinTolerance ? 'over_capture' : 'force_post',
        reference: `clearing:${body.id}`,
      });
    }
    const cardId = target.card_id;
    const businessId = acct.business_id;
    const authorizationId = chain[0]?.id ?? null;
    await recordEvent(tx, { businessId, type: 'transaction.cleared', data: { clearingId: body.id, authorizationId, cardId, amount: body.amount, currency: body.currency, merchant: body.merchant ?? null, forced: open.length === 0 } });
    return {
      response: { id: body.id, status: 'accepted', authorizationId, amount: body.amount, transferId },
      businessId,
      authorizationId,
      cardId,
      amount,
      currency: body.currency,
      transferId,
    };
  });
}

/** The funding and settlement accounts of a card's business, in the card's currency. */
async function cardAccounts(tx: EntityManager, cardId: string) {
  const [acct]: Array<{ business_id: string; funding: string; settlement: string; currency: string }> = await tx.query(
    `SELECT c.business_id, f.id AS funding, s.id AS settlement, c.currency FROM cards c
       JOIN ledger_accounts f ON f.business_id = c.business_id AND f.code = 'funding' AND f.currency = c.currency
       JOIN ledger_accounts s ON s.business_id = c.business_id AND s.code = 'settlement' AND s.currency = c.currency
      WHERE c.id = $1`,
    [cardId],
  );
  return acct;
}

async function cardByNumber(tx: EntityManager, k: Kartu, pan: string): Promise<{ card_id: string } | undefined> {
  const [row]: Array<{ card_id: string }> = await tx.query('SELECT id AS card_id FROM cards WHERE pan_fingerprint = ANY($1)', [vaultOf(k).fingerprintCandidates(pan)]);
  return row;
}

/** Credits a merchant refund to the card's funding account. */
export async function refund(k: Kartu, networkId: string, body: z.infer<typeof refundRequest>, rawBody: Buffer): Promise<MessageResponse> {
  return onceFor(k, networkId, 'refund', body.id, rawBody, async (tx) => {
    const target = await cardByNumber(tx, k, body.card.number);
    if (!target) throw new NotFound('No such card');
    const acct = await cardAccounts(tx, target.card_id);
    if (!acct || acct.currency !== body.currency) throw new KartuError(400, '01', `Invalid Field Format currency (the card is in ${acct?.currency ?? 'another currency'})`);
    const amount = BigInt(body.amount);
    const transferId = await postTransfer(tx, { businessId: acct.business_id, debitAccountId: acct.settlement, creditAccountId: acct.funding, amount, currency: body.currency, kind: 'refund', reference: `refund:${body.id}` });
    await recordEvent(tx, { businessId: acct.business_id, type: 'transaction.refunded', data: { refundId: body.id, cardId: target.card_id, amount: body.amount, currency: body.currency, merchant: body.merchant } });
    return {
      response: { id: body.id, status: 'accepted', authorizationId: null, amount: body.amount, transferId },
      businessId: acct.business_id,
      authorizationId: null,
      cardId: target.card_id,
      amount,
      currency: body.currency,
      transferId,
    };
  });
}

/**
 * Voids holds past their expiry (7 days; 31 for lodging, car rental, travel) and gives their spend
 * back. Run by a repeatable job; an expired hold's purchase can still be force-posted by a clearing.
 */
export async function expireHolds(k: Kartu, batchSize = 200): Promise<number> {
  let total = 0;
  for (;;) {
    const done = await inTransaction(k.db, async (tx) => {
      const rows: Array<{ id: string; hold_id: string; business_id: string; card_id: string; spend_root_id: string; counted: Array<{ limitKey: string; windowStart: string }>; open_amount: string }> = await tx.query(
        `SELECT a.id, a.hold_id, a.business_id, a.card_id, c.spend_root_id, a.counted, t.open_amount::text
           FROM ledger_transfers t
           JOIN authorizations a ON a.hold_id = t.id
           JOIN cards c ON c.id = a.card_id
          WHERE t.pending AND t.open_amount > 0 AND t.expires_at <= $1
          ORDER BY t.expires_at LIMIT $2
          FOR UPDATE OF t, a SKIP LOCKED`,
        [k.clock.now(), batchSize],
      );
      for (const r of rows) {
        // Counters before accounts: the lock order of the authorization write.
        await uncountSpend(tx, r.spend_root_id, r.counted, BigInt(r.open_amount));
        const released = await voidHold(tx, r.hold_id, undefined, 'expiry');
        await tx.query("UPDATE authorizations SET status = 'closed' WHERE id = $1", [r.id]);
        await recordEvent(tx, { businessId: r.business_id, type: 'authorization.updated', data: { authorizationId: r.id, cardId: r.card_id, change: 'expired', amount: Number(released) } });
      }
      return rows.length;
    });
    total += done;
    if (done < batchSize) return total;
  }
}
