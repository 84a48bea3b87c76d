import argon2 from 'argon2';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { inTransaction, isUniqueViolation, likeEscaped } from '../../platform/db';
import {
  ActivityLimitExceeded,
  DuplicateReference,
  InactiveAccount,
  InvalidAccount,
  InvalidFieldFormat,
  MissingMandatoryField,
  NotFound,
  NotPermitted,
} from '../../platform/errors';
import { recordAudit } from '../access/audit';
import { Business } from '../access/business.entity';
import type { Caller } from '../access/caller';
import { EMPTY_SPEND_CONTROLS, presentSpendControls, toSpendControls } from '../controls/spend-controls';
import { recordEvent } from '../events/outbox';
import { actionForTarget, canShip, effectiveStatus, nextStatus, type CardAction, type CardStatus } from './card-state';
import { Card, type Shipping } from './card.entity';
import { findCardholder } from './cardholders.service';
import type { cardCreate, cardListQuery, cardUpdate, cardView, pinInput, revealedCard, shippingAdvance } from './cards.schemas';
import { vaultOf } from './pan-vault';

type CardView = z.infer<typeof cardView>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const MAX_PIN_ATTEMPTS = 5;
const ARGON2 = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function presentCard(card: Card, now: Date): CardView {
  return {
    id: card.id,
    cardholderId: card.cardholderId,
    partnerReferenceNo: card.partnerReferenceNo,
    type: card.type,
    status: effectiveStatus(card.status, card.expiryMonth, card.expiryYear, now),
    last4: card.last4,
    expiryMonth: card.expiryMonth,
    expiryYear: card.expiryYear,
    currency: card.currency,
    spendControls: presentSpendControls(card.spendControls),
    shipping: card.shipping as unknown as Record<string, unknown> | null,
    metadata: card.metadata,
    replacementFor: card.replacementFor,
    replacementReason: card.replacementReason,
    pinSet: card.pinHash !== null,
    createdAt: card.createdAt.toISOString(),
    updatedAt: card.updatedAt.toISOString(),
  };
}

/** The business's card; another business's id (or a malformed one) is simply not found. */
async function findCard(tx: EntityManager, businessId: string, id: string, lock = false): Promise<Card | null> {
  if (!UUID.test(id)) return null;
  return tx.findOne(Card, { where: { businessId, id }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
}

async function cardOrNotFound(tx: EntityManager, businessId: string, id: string, lock = false): Promise<Card> {
  const card = await findCard(tx, businessId, id, lock);
  if (!card) throw new NotFound('Card Not Found');
  return card;
}

function audit(tx: EntityManager, caller: Caller, action: string, cardId: string, details: Record<string, unknown> = {}) {
  return recordAudit(tx, { businessId: caller.businessId, actorType: caller.actorType, actorId: caller.actorId, action, targetType: 'card', targetId: cardId, details, ip: caller.ip });
}

/** Applies a lifecycle action or refuses it with the current status named; never a silent no-op. */
function transition(card: Card, action: CardAction, now: Date): void {
  const current = effectiveStatus(card.status, card.expiryMonth, card.expiryYear, now);
  const next = nextStatus(current, action);
  if (!next) throw new NotPermitted(`Card is ${current}; it cannot ${action === 'unfreeze' ? 'become ACTIVE' : action}`);
  card.status = next;
  if (next === 'ACTIVE' && !card.activatedAt) card.activatedAt = now;
  if (next === 'TERMINATED') card.terminatedAt = now;
}

function expiryFrom(now: Date, months: number): { expiryMonth: number; expiryYear: number } {
  const jakarta = new Date(now.getTime() + 7 * 3600_000);
  const total = jakarta.getUTCFullYear() * 12 + jakarta.getUTCMonth() + months;
  return { expiryYear: Math.floor(total / 12), expiryMonth: (total % 12) + 1 };
}

/** Terminates the card a replacement stands in for (lost/stolen at once; damaged/expired when the new card is active). */
async function retireOriginal(tx: EntityManager, caller: Caller, replacement: Card, now: Date): Promise<void> {
  if (!replacement.replacementFor) return;
  const immediate = replacement.replacementReason === 'lost' || replacement.replacementReason === 'stolen';
  if (!immediate && replacement.status !== 'ACTIVE') return;
  const original = await cardOrNotFound(tx, caller.businessId, replacement.replacementFor, true);
  if (original.status === 'TERMINATED') return;
  original.status = 'TERMINATED';
  original.terminatedAt = now;
  await tx.update(Card, { id: original.id }, { status: 'TERMINATED', terminatedAt: now });
  await audit(tx, caller, 'card.terminated', original.id, { reason: `replaced (${replacement.replacementReason}) by ${replacement.id}` });
  await recordEvent(tx, { businessId: caller.businessId, type: 'card.updated', data: { ...presentCard(original, now), changed: ['status'] } });
}

/**
 * partnerReferenceNo is the partner's business key for a card, across days (X-EXTERNAL-ID lasts
 * one): a duplicate answers 4099001 with the card it already names, so a timed-out issue can be
 * reconciled.
 */
async function refuseDuplicate(tx: EntityManager, businessId: string, partnerReferenceNo: string, now: Date): Promise<void> {
  const existing = await tx.findOneBy(Card, { businessId, partnerReferenceNo });
  if (existing) throw new DuplicateReference('partnerReferenceNo', { card: presentCard(existing, now) });
}

export async function issueCard(k: Kartu, caller: Caller, input: z.infer<typeof cardCreate>): Promise<CardView> {
  return inTransaction(k.db, (tx) => issueCardIn(tx, k, caller, input));
}

/** Issues a card within the caller's transaction (bulk import puts cardholder and card in one). */
export async function issueCardIn(tx: EntityManager, k: Kartu, caller: Caller, input: z.infer<typeof cardCreate>): Promise<CardView> {
  if (input.type === 'PHYSICAL' && !input.shipping) throw new MissingMandatoryField('shipping');
  if (input.type !== 'PHYSICAL' && input.shipping) throw new InvalidFieldFormat('shipping', 'only PHYSICAL cards ship');
  if (input.replacementFor && !input.replacementReason) throw new MissingMandatoryField('replacementReason');
  if (!input.replacementFor && input.replacementReason) throw new MissingMandatoryField('replacementFor');
  const vault = vaultOf(k);
  const now = k.clock.now();
  await refuseDuplicate(tx, caller.businessId, input.partnerReferenceNo, now);
  const holder = await findCardholder(tx, caller.businessId, input.cardholderId);
  if (!holder) throw new InvalidAccount('cardholderId');
  if (holder.status !== 'ACTIVE') throw new InactiveAccount(`Cardholder is ${holder.status}`);
  let original: Card | null = null;
  if (input.replacementFor) {
    original = await findCard(tx, caller.businessId, input.replacementFor, true);
    if (!original) throw new InvalidAccount('replacementFor');
    if (original.cardholderId !== holder.id) throw new InvalidFieldFormat('replacementFor', 'the card belongs to another cardholder');
    if (await tx.existsBy(Card, { replacementFor: original.id })) throw new NotPermitted('The card has already been replaced');
    // The chain shares spend-limit usage (spend_root_id), so it must count in one currency.
    if (input.currency && input.currency !== original.currency) {
      throw new InvalidFieldFormat('currency', `a replacement keeps the currency of the card it replaces (${original.currency})`);
    }
  }
  const business = await tx.findOneByOrFail(Business, { id: caller.businessId });
  const currency = input.currency ?? original?.currency ?? business.currency;
  const spendControls = input.spendControls ? toSpendControls(input.spendControls, currency) : (original?.spendControls ?? EMPTY_SPEND_CONTROLS);
  const shipping: Shipping | null = input.shipping
    ? { ...input.shipping, status: 'pending', carrier: null, trackingNumber: null, history: [{ status: 'pending', at: now.toISOString() }] }
    : null;
  const { expiryMonth, expiryYear } = expiryFrom(now, k.config.cardValidityMonths);

  let card: Card | undefined;
  for (let attempt = 0; !card; attempt++) {
    const id = randomUUID();
    const pan = vault.generatePan();
    // Unique under every configured key: after a key rotation, cards not yet re-keyed keep old fingerprints.
    const [taken] = await tx.query('SELECT 1 FROM cards WHERE pan_fingerprint = ANY($1) LIMIT 1', [vault.fingerprintCandidates(pan)]);
    if (taken) {
      if (attempt >= 5) throw new Error('could not draw an unused card number');
      continue;
    }
    const candidate = tx.create(Card, {
      id,
      spendRootId: original?.spendRootId ?? id,
      businessId: caller.businessId,
      cardholderId: holder.id,
      partnerReferenceNo: input.partnerReferenceNo,
      type: input.type,
      status: input.type === 'PHYSICAL' ? 'INACTIVE' : 'ACTIVE',
      currency,
      last4: pan.slice(-4),
      expiryMonth,
      expiryYear,
      panEnc: vault.encrypt(pan, id),
      panFingerprint: vault.fingerprint(pan),
      cvvKeyId: vault.activeKeyId,
      spendControls,
      metadata: input.metadata ?? {},
      replacementFor: original?.id ?? null,
      replacementReason: input.replacementReason ?? null,
      lockedMerchantId: null,
      shipping,
      pinFailedAttempts: 0,
      activatedAt: input.type === 'PHYSICAL' ? null : now,
      terminatedAt: null,
    });
    try {
      // A savepoint, so a PAN collision (unique fingerprint) can be retried within this transaction.
      await tx.query('SAVEPOINT issue_card');
      await tx.insert(Card, candidate);
      await tx.query('RELEASE SAVEPOINT issue_card');
      card = await cardOrNotFound(tx, caller.businessId, id);
    } catch (err) {
      await tx.query('ROLLBACK TO SAVEPOINT issue_card');
      if (isUniqueViolation(err, 'cards_business_id_partner_reference_no_key')) await refuseDuplicate(tx, caller.businessId, input.partnerReferenceNo, now);
      if (isUniqueViolation(err, 'cards_one_replacement')) throw new NotPermitted('The card has already been replaced');
      if (!isUniqueViolation(err, 'cards_pan_fingerprint_key') || attempt >= 5) throw err;
    }
  }
  await retireOriginal(tx, caller, card, now);
  const view = presentCard(card, now);
  await audit(tx, caller, 'card.created', card.id, { type: card.type, replacementFor: card.replacementFor });
  await recordEvent(tx, { businessId: caller.businessId, type: 'card.created', data: view });
  return view;
}

export async function getCard(k: Kartu, businessId: string, id: string): Promise<CardView> {
  return presentCard(await cardOrNotFound(k.db.manager, businessId, id), k.clock.now());
}

export async function listCards(k: Kartu, businessId: string, q: z.infer<typeof cardListQuery>) {
  const now = k.clock.now();
  const qb = k.db.createQueryBuilder(Card, 'card').where('card.business_id = :businessId', { businessId });
  if (q.cardholderId) qb.andWhere('card.cardholder_id = :cardholderId', { cardholderId: q.cardholderId });
  if (q.type) qb.andWhere('card.type = :type', { type: q.type });
  if (q.last4) qb.andWhere('card.last4 = :last4', { last4: q.last4 });
  if (q.partnerReferenceNo) qb.andWhere('card.partner_reference_no = :ref', { ref: q.partnerReferenceNo });
  if (q.q) {
    qb.andWhere(
      `(card.last4 = :search OR EXISTS (SELECT 1 FROM cardholders h WHERE h.id = card.cardholder_id AND h.business_id = :businessId
         AND (h.name ILIKE :pattern ESCAPE '\\' OR h.email ILIKE :pattern ESCAPE '\\')))`,
      { search: q.q, pattern: `%${likeEscaped(q.q)}%` },
    );
  }
  // EXPIRED is derived from the expiry date, so the status filter reads it the same way.
  const jakarta = new Date(now.getTime() + 7 * 3600_000);
  const ym = jakarta.getUTCFullYear() * 12 + jakarta.getUTCMonth() + 1;
  const expired = '(card.expiry_year * 12 + card.expiry_month) < :ym';
  if (q.status === 'EXPIRED') qb.andWhere(`card.status <> 'TERMINATED' AND ${expired}`, { ym });
  else if (q.status === 'TERMINATED') qb.andWhere("card.status = 'TERMINATED'");
  else if (q.status) qb.andWhere(`card.status = :status AND NOT ${expired}`, { status: q.status, ym });
  qb.orderBy('card.created_at', 'DESC').addOrderBy('card.id', 'DESC').take(q.pageSize).skip(q.pageNumber * q.pageSize);
  const [entities, totalCount] = await qb.getManyAndCount();
  return { cards: entities.map((card) => presentCard(card, now)), pageNumber: q.pageNumber, pageSize: q.pageSize, totalCount };
}

export async function updateCard(k: Kartu, caller: Caller, id: string, input: z.infer<typeof cardUpdate>): Promise<CardView> {
  const now = k.clock.now();
  return inTransaction(k.db, async (tx) => {
    const card = await cardOrNotFound(tx, caller.businessId, id, true);
    const current: CardStatus = effectiveStatus(card.status, card.expiryMonth, card.expiryYear, now);
    if (current === 'TERMINATED') throw new NotPermitted('Card is TERMINATED; it cannot change');
    const changed: string[] = [];
    if (input.status !== undefined) {
      if (input.status === 'ACTIVE' && current === 'INACTIVE') throw new NotPermitted('Card is INACTIVE; activate it with POST /cards/{cardId}/activate');
      transition(card, actionForTarget(current, input.status), now);
      changed.push('status');
    }
    if (input.spendControls !== undefined) {
      if (current === 'EXPIRED') throw new NotPermitted('Card is EXPIRED; only termination is possible');
      card.spendControls = toSpendControls(input.spendControls, card.currency);
      changed.push('spendControls');
    }
    if (input.metadata !== undefined) {
      card.metadata = input.metadata;
      changed.push('metadata');
    }
    await tx.update(Card, { id: card.id }, {
      status: card.status,
      activatedAt: card.activatedAt,
      terminatedAt: card.terminatedAt,
      spendControls: card.spendControls,
      metadata: card.metadata,
      updatedAt: now,
    });
    const fresh = await cardOrNotFound(tx, caller.businessId, id);
    const view = presentCard(fresh, now);
    await audit(tx, caller, 'card.updated', id, { changed, ...(input.status ? { status: input.status } : {}) });
    await recordEvent(tx, { businessId: caller.businessId, type: 'card.updated', data: { ...view, changed } });
    return view;
  });
}

export async function activateCard(k: Kartu, caller: Caller, id: string): Promise<CardView> {
  const now = k.clock.now();
  return inTransaction(k.db, async (tx) => {
    const card = await cardOrNotFound(tx, caller.businessId, id, true);
    if (card.shipping && (card.shipping.status === 'returned' || card.shipping.status === 'failure')) {
      throw new NotPermitted(`Card shipment ${card.shipping.status}; issue a replacement`);
    }
    transition(card, 'activate', now);
    await tx.update(Card, { id: card.id }, { status: card.status, activatedAt: card.activatedAt, updatedAt: now });
    await retireOriginal(tx, caller, card, now);
    const view = presentCard(await cardOrNotFound(tx, caller.businessId, id), now);
    await audit(tx, caller, 'card.activated', id);
    await recordEvent(tx, { businessId: caller.businessId, type: 'card.updated', data: { ...view, changed: ['status'] } });
    return view;
  });
}

/**
 * Card number, CVV and expiry, for the card's owner only: a partner client, or an owner or
 * finance admin. Every reveal writes an audit entry; nothing else ever carries the PAN or CVV.
 */
export async function revealCard(k: Kartu, caller: Caller, id: string): Promise<z.infer<typeof revealedCard>> {
  const vault = vaultOf(k);
  const now = k.clock.now();
  return inTransaction(k.db, async (tx) => {
    const card = await cardOrNotFound(tx, caller.businessId, id);
    const status = effectiveStatus(card.status, card.expiryMonth, card.expiryYear, now);
    if (status === 'TERMINATED') throw new NotPermitted('Card is TERMINATED');
    const secrets: Array<{ pan_enc: string; cvv_key_id: string }> = await tx.query('SELECT pan_enc, cvv_key_id FROM cards WHERE id = $1 AND business_id = $2', [
      card.id,
      caller.businessId,
    ]);
    const pan = vault.decrypt(secrets[0]!.pan_enc, card.id);
    const cvv = vault.cvv(pan, card.expiryMonth, card.expiryYear, secrets[0]!.cvv_key_id);
    await audit(tx, caller, 'card.revealed', card.id);
    return {
      id: card.id,
      last4: card.last4,
      number: pan,
      cvv,
      expiry: String(card.expiryMonth).padStart(2, '0') + String(card.expiryYear % 100).padStart(2, '0'),
    };
  });
}

/** Sets or changes the PIN (argon2id). Changing needs the current PIN; wrong attempts are counted. */
export async function setPin(k: Kartu, caller: Caller, id: string, input: z.infer<typeof pinInput>): Promise<CardView> {
  const now = k.clock.now();
  const card = await cardOrNotFound(k.db.manager, caller.businessId, id);
  const status = effectiveStatus(card.status, card.expiryMonth, card.expiryYear, now);
  if (status === 'TERMINATED' || status === 'EXPIRED') throw new NotPermitted(`Card is ${status}`);
  const pinHash = card.pinHash;
  if (pinHash) {
    if (card.pinFailedAttempts >= MAX_PIN_ATTEMPTS) throw new ActivityLimitExceeded('PIN tries exhausted; the PIN must be reset by the issuer');
    if (!input.currentPin) throw new MissingMandatoryField('currentPin');
    // Count the attempt before checking it, atomically, so parallel guesses cannot get past the limit;
    // a right PIN resets the count below. UPDATE … RETURNING: TypeORM's query() answers [rows, affectedCount].
    const [counted]: [unknown[], number] = await k.db.query(
      'UPDATE cards SET pin_failed_attempts = pin_failed_attempts + 1 WHERE id = $1 AND pin_failed_attempts < $2 RETURNING id',
      [card.id, MAX_PIN_ATTEMPTS],
    );
    if (counted.length === 0) throw new ActivityLimitExceeded('PIN tries exhausted; the PIN must be reset by the issuer');
    if (!(await argon2.verify(pinHash, input.currentPin))) throw new InvalidFieldFormat('currentPin', 'does not match');
  }
  const hash = await argon2.hash(input.pin, ARGON2);
  return inTransaction(k.db, async (tx) => {
    await tx.query('UPDATE cards SET pin_hash = $2, pin_failed_attempts = 0, updated_at = $3 WHERE id = $1', [card.id, hash, now]);
    await audit(tx, caller, pinHash ? 'card.pin_changed' : 'card.pin_set', card.id);
    const view = presentCard(await cardOrNotFound(tx, caller.businessId, id), now);
    await recordEvent(tx, { businessId: caller.businessId, type: 'card.updated', data: { ...view, changed: ['pin'] } });
    return view;
  });
}

/** Sandbox: moves a physical card's shipment along pending → shipped → delivered | returned | failure. */
export async function advanceShipping(k: Kartu, caller: Caller, id: string, input: z.infer<typeof shippingAdvance>): Promise<CardView> {
  const now = k.clock.now();
  return inTransaction(k.db, async (tx) => {
    const card = await cardOrNotFound(tx, caller.businessId, id, true);
    if (!card.shipping) throw new NotPermitted(`A ${card.type} card does not ship`);
    if (!canShip(card.shipping.status, input.status)) throw new NotPermitted(`Shipment is ${card.shipping.status}; it cannot become ${input.status}`);
    const shipping: Shipping = {
      ...card.shipping,
      status: input.status,
      carrier: input.carrier ?? card.shipping.carrier,
      trackingNumber: input.trackingNumber ?? card.shipping.trackingNumber,
      history: [...card.shipping.history, { status: input.status, at: now.toISOString() }],
    };
    await tx.update(Card, { id: card.id }, { shipping, updatedAt: now });
    const view = presentCard(await cardOrNotFound(tx, caller.businessId, id), now);
    await audit(tx, caller, 'card.shipping_updated', id, { status: input.status });
    await recordEvent(tx, { businessId: caller.businessId, type: 'card.updated', data: { ...view, changed: ['shipping'] } });
    return view;
  });
}

/**
 * After a master-key rotation: re-encrypts PANs and recomputes fingerprints under the active key,
 * in batches. CVV key ids stay (a card's CVV never changes), so keep old master keys listed in
 * KARTU_PREVIOUS_MASTER_KEYS while their cards live. Idempotent and resumable.
 */
export async function rekeyCards(k: Kartu, batchSize = 500): Promise<number> {
  const vault = vaultOf(k);
  let total = 0;
  for (;;) {
    const done = await inTransaction(k.db, async (tx) => {
      const rows: Array<{ id: string; pan_enc: string }> = await tx.query(
        `SELECT id, pan_enc FROM cards WHERE split_part(pan_enc, '.', 2) <> $1 ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [vault.activeKeyId, batchSize],
      );
      for (const row of rows) {
        const pan = vault.decrypt(row.pan_enc, row.id);
        await tx.query('UPDATE cards SET pan_enc = $2, pan_fingerprint = $3 WHERE id = $1', [row.id, vault.encrypt(pan, row.id), vault.fingerprint(pan)]);
      }
      return rows.length;
    });
    total += done;
    if (done < batchSize) return total;
  }
}
