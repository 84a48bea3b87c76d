import { randomBytes, randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import { parseSnapValue, snapAmount } from '../../src/platform/money';
import { TestPartner, type Harness } from './harness';

/** A business seen from its partner API: its client, and one cardholder to issue cards to. */
export interface Biz {
  partner: TestPartner;
  businessId: string;
  holderId: string;
}

/** A card issued over SNAP and revealed, so a test network can use its number. */
export interface IssuedCard {
  id: string;
  number: string;
  cvv: string;
  expiry: string;
  expiryMonth: number;
  expiryYear: number;
}

let seq = 0;
/** A fresh message or reference id. */
export const nid = (prefix = 'net') => `${prefix}-${++seq}-${randomBytes(3).toString('hex')}`;

export function expectSnap(res: Awaited<ReturnType<TestPartner['call']>>, code: string): void {
  expect(res.body.responseCode, JSON.stringify(res.body)).toBe(code);
  expect(res.status).toBe(Number(code.slice(0, 3)));
}

/** Tops the funding account up through the sandbox (SNAP 96), in IDR minor units (ISO 4217: 100 = IDR 1.00). */
export async function fund(b: Biz, amount: bigint): Promise<void> {
  const res = await b.partner.call('POST', '/snap/v1.0/simulate/funding', JSON.stringify({ amount: snapAmount(amount, 'IDR') }));
  expectSnap(res, '2009600');
}

/** A business with a cardholder and (unless 0) that much IDR, in minor units, in its funding account. */
export async function business(h: Harness, funding = 1_000_000n): Promise<Biz> {
  const partner = await TestPartner.create(h, { name: `Biz ${randomBytes(2).toString('hex')}`, rateLimitPerSecond: 100_000 });
  const holder = await partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Siti Rahayu', email: `siti.${randomUUID().slice(0, 8)}@example.com` }));
  expectSnap(holder, '2009400');
  const b = { partner, businessId: partner.creds.businessId, holderId: holder.body.cardholder.id };
  if (funding > 0n) await fund(b, funding);
  return b;
}

/** Issues a card to the business's cardholder and reveals it. */
export async function issueCard(b: Biz, o: { type?: string; spendControls?: unknown; shipping?: unknown } = {}): Promise<IssuedCard> {
  const res = await b.partner.call(
    'POST',
    '/snap/v1.0/cards',
    JSON.stringify({
      partnerReferenceNo: nid('ref'),
      cardholderId: b.holderId,
      type: o.type ?? 'VIRTUAL',
      ...(o.spendControls ? { spendControls: o.spendControls } : {}),
      ...(o.shipping ? { shipping: o.shipping } : {}),
    }),
  );
  expectSnap(res, '2009000');
  const revealed = await b.partner.call('POST', `/snap/v1.0/cards/${res.body.card.id}/reveal`);
  expectSnap(revealed, '2009300');
  const { number, cvv, expiry } = revealed.body.card;
  return { id: res.body.card.id, number, cvv, expiry, expiryMonth: res.body.card.expiryMonth, expiryYear: res.body.card.expiryYear };
}

/** The funding account through SNAP balance inquiry (11), in IDR minor units; available = ledger − holds. */
export async function balances(b: Biz): Promise<{ ledger: bigint; hold: bigint; available: bigint }> {
  const res = await b.partner.call('POST', '/snap/v1.0/balance-inquiry', '{}');
  expectSnap(res, '2001100');
  const info = res.body.accountInfos[0];
  const minor = (v: { value: string; currency: string }) => {
    expect(v.currency).toBe('IDR');
    expect(v.value).toMatch(/^-?\d+\.\d{2}$/);
    return parseSnapValue(v.value, 'IDR');
  };
  const ledger = minor(info.ledgerBalance);
  const hold = minor(info.holdAmount);
  const available = minor(info.availableBalance);
  expect(available).toBe(ledger - hold);
  return { ledger, hold, available };
}

/** A coffee shop in Jakarta, as a network sends it. */
export const MERCHANT = { id: 'M-KOPI-1', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' };

/** A valid network authorization of IDR 100.00 on the card (API.md §3), with `o` laid over it. */
export function authorizationBody(card: Pick<IssuedCard, 'number' | 'expiry' | 'cvv'>, o: Record<string, unknown> = {}) {
  return {
    id: nid('auth'),
    card: { number: card.number, expiry: card.expiry, cvv: card.cvv },
    amount: 10_000,
    currency: 'IDR',
    merchant: MERCHANT,
    pos: { entryMode: 'contactless', cardPresent: true },
    partialAllowed: false,
    originalId: null,
    ...o,
  };
}
