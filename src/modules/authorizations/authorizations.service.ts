import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { inTransaction, retryingLostConnections } from '../../platform/db';
import { Conflict, InvalidFieldFormat, KartuError, NotFound } from '../../platform/errors';
import { bodySha256Hex } from '../access/snap-signature';
import { vaultOf } from '../cards/pan-vault';
import { recordEvent } from '../events/outbox';
import { billingOf, needsRates, type Billing, type BillingInput } from '../fx/billing';
import { fxRatesOf } from '../fx/fx.service';
import { lockAccounts, postHold, postTransfer, voidHold } from '../ledger/ledger.service';
import { STORED_AUTHORIZATION, type StoredAuthorization } from './authorize';
import type { clearingRequest, messageResponse, refundRequest, reversalRequest } from './authorizations.schemas';


type MessageResponse = z.infer<typeof messageResponse>;

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
  debit_account_id: string;
  credit_account_id: string;
}

/** The authorization and the open part of its hold, locked; incremental authorizations come along. */
async function lockAuthorizationChain(tx: EntityManager, networkId: string, authorizationId: string): Promise<Resolvable[]> {
  const root = await findAuthorization(tx, networkId, authorizationId);
  if (!root || root.decision === 'declined') throw new NotFound('Authorization not found (or declined)');
  return tx.query(
    `SELECT a.id, a.business_id, a.card_id, c.spend_root_id, a.hold_id, a.counted, t.open_amount::text, c.type AS card_type, t.currency,
            t.debit_account_id, t.credit_account_id
       FROM authorizations a
       JOIN cards c ON c.id = a.card_id
       JOIN ledger_transfers t ON t.id = a.hold_id
      WHERE (a.id = $1 OR a.original_id = $1) AND a.decision <> 'declined'
      ORDER BY a.created_at, a.id
      FOR NO KEY UPDATE OF a, t`,
    [root.id],
  );
}

/**
 * Runs a reversal, clearing or refund once per network id; a retry gets the first answer, a different
 * body 409. A lost database connection is retried on a fresh one: before the commit nothing was
 * written; after it, the repeated work collides with its own network_messages row, rolls back, and
 * the first answer is read.
 */
async function onceFor(
  k: Kartu,
  networkId: string,
  kind: 'reversal' | 'clearing' | 'refund',
  messageId: string,
  rawBody: Buffer,
  work: (tx: EntityManager) => Promise<{
    response: MessageResponse;
    businessId: string | null;
    authorizationId: string | null;
    cardId: string | null;
    amount: bigint;
    currency: string | null;
    transferId: string | null;
    merchant?: object | null;
    foreign?: Billing['foreign'];
  }>,
): Promise<MessageResponse> {
  const requestHash = bodySha256Hex(rawBody);
  const previous = async () => {
    const [row]: Array<{ request_hash: string; response: MessageResponse }> = await retryingLostConnections(() =>
      k.db.query('SELECT request_hash, response FROM network_messages WHERE network_id = $1 AND kind = $2 AND message_id = $3', [networkId, kind, messageId]),
    );
    if (row && row.request_hash !== requestHash) throw new Conflict('Conflict. This id was already used with a different body');
    return row?.response;
  };
  const first = await previous();
  if (first) return first;
  try {
    return await retryingLostConnections(() =>
      inTransaction(k.db, async (tx) => {
        const r = await work(tx);
        await tx.query(
          `INSERT INTO network_messages (network_id, kind, message_id, request_hash, business_id, authorization_id, card_id, amount, currency, transfer_id, response, merchant,
                                         merchant_amount, merchant_currency, fx_rate, fx_rate_source)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
          [
            networkId, kind, messageId, requestHash, r.businessId, r.authorizationId, r.cardId, r.amount.toString(), r.currency, r.transferId, JSON.stringify(r.response),
            r.merchant ? JSON.stringify(r.merchant) : null,
            r.foreign?.merchantAmount.toString() ?? null, r.foreign?.merchantCurrency ?? null, r.foreign?.rate ?? null, r.foreign?.source ?? null,
          ],
        );
        return r.response;
      }),
    );
  } catch (err) {
    const again = await previous();
    if (again) return again;
    throw err;
  }
}

/** Releases all or part of an authorization's hold (and gives the spend back to its limits). */
/**
 * Where a reversal stands before it is sent to `reverse` (the ISO 8583 gateway reads its DE4
 * against it): `repeated` when `reversalId` was already accepted; otherwise the original's approved
 * amount and what it and its incrementals still hold, in minor units; null when the original is
 * unknown or was declined.
 */
export async function reversalStanding(
  k: Kartu,
  networkId: string,
  reversalId: string,
  originalMessageId: string,
): Promise<{ repeated: true } | { repeated: false; approved: bigint; open: bigint } | null> {
  const [previous]: Array<{ id: string }> = await retryingLostConnections(() =>
    k.db.query("SELECT message_id AS id FROM network_messages WHERE network_id = $1 AND kind = 'reversal' AND message_id = $2", [networkId, reversalId]),
  );
  if (previous) return { repeated: true };
  const [row]: Array<{ approved: string; open: string | null }> = await retryingLostConnections(() =>
    k.db.query(
      `SELECT r.approved_amount::text AS approved,
              (SELECT sum(t.open_amount)::text FROM authorizations a JOIN ledger_transfers t ON t.id = a.hold_id
                WHERE (a.id = r.id OR a.original_id = r.id) AND a.decision <> 'declined') AS open
         FROM authorizations r
        WHERE r.network_id = $1 AND r.network_message_id = $2 AND r.decision <> 'declined'`,
      [networkId, originalMessageId],
    ),
  );
  return row ? { repeated: false, approved: BigInt(row.approved), open: BigInt(row.open ?? '0') } : null;
}

export async function reverse(k: Kartu, networkId: string, body: z.infer<typeof reversalRequest>, rawBody: Buffer): Promise<MessageResponse> {
  return onceFor(k, networkId, 'reversal', body.id, rawBody, async (tx) => {
    const chain = await lockAuthorizationChain(tx, networkId, body.authorizationId);
    // LOCK ORDER: accounts, then (card,) spend counters — as kartu_record_authorizations.
    await lockAccounts(tx, chain.flatMap((a) => [a.debit_account_id, a.credit_account_id]));
    let remaining = body.amount === undefined ? undefined : BigInt(body.amount);
    let released = 0n;
    // Newest first: an incremental authorization is given back before the one it extended.
    for (const a of [...chain].reverse()) {
      const open = BigInt(a.open_amount);
      if (open === 0n || remaining === 0n) continue;
      const part = remaining === undefined || remaining > open ? open : remaining;
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
    const chain = body.authorizationId ? await lockAuthorizationChain(tx, networkId, body.authorizationId) : [];
    const open = chain.filter((a) => BigInt(a.open_amount) > 0n);
    const byNumber = body.card ? await cardByNumber(tx, k, body.card.number) : undefined;
    if (chain[0] && body.card && byNumber?.card_id !== chain[0].card_id) {
      throw new InvalidFieldFormat('card', 'not the card of the authorization');
    }
    const target = chain[0] ? { card_id: chain[0].card_id } : byNumber;
    if (!target) throw new NotFound('No authorization or card to clear against');
    const acct = await cardAccounts(tx, target.card_id);
    if (!acct) throw new NotFound('No authorization or card to clear against');
    const billing = await billingFor(k, body, acct.currency);
    const amount = billing.amount;
    // LOCK ORDER: accounts, then the card, then spend counters — as kartu_record_authorizations.
    await lockAccounts(tx, [acct.funding, acct.settlement, ...open.flatMap((a) => [a.debit_account_id, a.credit_account_id])]);
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
        currency: billing.currency,
        kind: withinTolerance ? 'over_capture' : 'force_post',
        reference: `clearing:${body.id}`,
      });
    }
    const cardId = target.card_id;
    const businessId = acct.business_id;
    const authorizationId = chain[0]?.id ?? null;
    await recordEvent(tx, {
      businessId,
      type: 'transaction.cleared',
      data: { clearingId: body.id, authorizationId, cardId, amount: Number(amount), currency: billing.currency, ...merchantSide(body, billing), merchant: body.merchant ?? null, forced: open.length === 0 },
    });
    return {
      response: { id: body.id, status: 'accepted', authorizationId, amount: Number(amount), transferId },
      businessId,
      authorizationId,
      cardId,
      amount,
      currency: billing.currency,
      transferId,
      merchant: body.merchant ?? null,
      foreign: billing.foreign,
    };
  });
}

/**
 * The billing side of a clearing or refund to a card in `cardCurrency` (billingOf, at the newest
 * rate now: networks clear at the rate of the clearing day); a 400 naming the field when it cannot
 * be found or is not the card's currency.
 */
async function billingFor(k: Kartu, body: BillingInput, cardCurrency: string): Promise<Billing> {
  const rates = needsRates(body, cardCurrency) ? await fxRatesOf(k) : undefined;
  const billing = billingOf(body, cardCurrency, rates, k.clock.now());
  if (!billing) throw new InvalidFieldFormat('billingAmount', `no exchange rate ${body.currency}/${cardCurrency}: send billingAmount and billingCurrency`);
  if (billing.currency !== cardCurrency) throw new InvalidFieldFormat(body.billingCurrency ? 'billingCurrency' : 'currency', `the card is in ${cardCurrency}`);
  if (billing.amount > 1_000_000_000_000_000n) throw new InvalidFieldFormat('amount', 'the billing amount is too large');
  return billing;
}

/** An event's merchant amount, currency and rate: the merchant's side of what the card was charged. */
function merchantSide(body: { amount: number; currency: string }, billing: Billing) {
  return {
    merchantAmount: body.amount,
    merchantCurrency: body.currency,
    fxRate: billing.foreign?.rate ?? null,
  };
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

/**
 * Credits a merchant refund to the card's funding account. A network's refund names no
 * authorization; the sandbox's refund of a cleared purchase links it (`refunding`), so the
 * purchase shows it and its refunds are bounded by what was cleared.
 */
export async function refund(
  k: Kartu,
  networkId: string,
  body: z.infer<typeof refundRequest>,
  rawBody: Buffer,
  refunding: { authorizationId: string } | null = null,
): Promise<MessageResponse> {
  return onceFor(k, networkId, 'refund', body.id, rawBody, async (tx) => {
    const target = await cardByNumber(tx, k, body.card.number);
    if (!target) throw new NotFound('No such card');
    const acct = await cardAccounts(tx, target.card_id);
    if (!acct) throw new NotFound('No such card');
    const billing = await billingFor(k, body, acct.currency);
    const amount = billing.amount;
    if (refunding) {
      // The purchase is locked first (LOCK ORDER: authorizations, then accounts, as clear()), so two
      // refunds of it at once cannot together pass what was cleared.
      await tx.query('SELECT id FROM authorizations WHERE id = $1 FOR UPDATE', [refunding.authorizationId]);
      const [sums]: Array<{ cleared: string; refunded: string }> = await tx.query(
        `SELECT coalesce(sum(amount) FILTER (WHERE kind = 'clearing'), 0)::text AS cleared, coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0)::text AS refunded
           FROM network_messages WHERE authorization_id = $1`,
        [refunding.authorizationId],
      );
      const refundable = BigInt(sums!.cleared) - BigInt(sums!.refunded);
      if (amount > refundable) throw new InvalidFieldFormat('amount', `more than the ${refundable} (minor units) cleared and not yet refunded`);
    }
    const transferId = await postTransfer(tx, { businessId: acct.business_id, debitAccountId: acct.settlement, creditAccountId: acct.funding, amount, currency: billing.currency, kind: 'refund', reference: `refund:${body.id}` });
    await recordEvent(tx, {
      businessId: acct.business_id,
      type: 'transaction.refunded',
      data: { refundId: body.id, cardId: target.card_id, amount: Number(amount), currency: billing.currency, ...merchantSide(body, billing), merchant: body.merchant },
    });
    return {
      response: { id: body.id, status: 'accepted', authorizationId: refunding?.authorizationId ?? null, amount: Number(amount), transferId },
      businessId: acct.business_id,
      authorizationId: refunding?.authorizationId ?? null,
      cardId: target.card_id,
      amount,
      currency: billing.currency,
      transferId,
      merchant: body.merchant,
      foreign: billing.foreign,
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
      const rows: Array<{ id: string; hold_id: string; business_id: string; card_id: string; spend_root_id: string; counted: Array<{ limitKey: string; windowStart: string }>; open_amount: string; debit_account_id: string; credit_account_id: string }> = await tx.query(
        `SELECT a.id, a.hold_id, a.business_id, a.card_id, c.spend_root_id, a.counted, t.open_amount::text, t.debit_account_id, t.credit_account_id
           FROM ledger_transfers t
           JOIN authorizations a ON a.hold_id = t.id
           JOIN cards c ON c.id = a.card_id
          WHERE t.pending AND t.open_amount > 0 AND t.expires_at <= $1
          ORDER BY t.expires_at LIMIT $2
          FOR NO KEY UPDATE OF t, a SKIP LOCKED`,
        [k.clock.now(), batchSize],
      );
      // LOCK ORDER: accounts, then spend counters — as kartu_record_authorizations.
      await lockAccounts(tx, rows.flatMap((r) => [r.debit_account_id, r.credit_account_id]));
      for (const r of rows) {
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
