import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sdkPartner, startSdkServer, type SdkServer } from './sdk-server';

/**
 * A purchase's whole sandbox life through the SDK (contract 3): authorize, clear in part, reverse
 * the rest, refund, and see it in history. Needs the partner clear/reverse/refund routes (helper "retries").
 */
let s: SdkServer;
beforeAll(async () => {
  s = await startSdkServer();
});
afterAll(() => s?.close());

const idr = (value: string) => ({ value, currency: 'IDR' as const });
const MERCHANT = { id: 'M-KOPI-1', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' };

describe('SDK sandbox lifecycle', () => {
  it('authorize, clear part, refund part; a second authorization reversed; history shows them past INIT', async () => {
    const { kartu } = await sdkPartner(s);
    await kartu.sandbox.fund({ amount: idr('1000000.00') });
    const holderId = (await kartu.cardholders.create({ name: 'Siti', email: `siti.${randomUUID().slice(0, 8)}@example.com` })).cardholder.id;
    const card = await kartu.cards.issue({ partnerReferenceNo: `sdk-${randomUUID().slice(0, 12)}`, cardholderId: holderId, type: 'VIRTUAL' });
    const bought = await kartu.sandbox.authorize({ cardId: card.card.id, amount: idr('50000.00'), merchant: MERCHANT });
    const id = bought.authorization.authorizationId;
    expect((await kartu.sandbox.clear(id, { amount: idr('40000.00') })).clearing).toBeDefined();
    expect((await kartu.sandbox.refund(id, { amount: idr('10000.00') })).refund).toBeDefined();
    const other = await kartu.sandbox.authorize({ cardId: card.card.id, amount: idr('20000.00'), merchant: MERCHANT });
    expect((await kartu.sandbox.reverse(other.authorization.authorizationId)).reversal).toBeDefined();
    s.h.clock.set(new Date());
    const history = await kartu.transactions.list({ pageSize: 20 });
    const byAuthorization = (authorizationId: string) => history.detailData.find((d) => d.type === 'PAYMENT' && d.additionalInfo.authorizationId === authorizationId);
    expect(byAuthorization(id)).toMatchObject({ status: 'SUCCESS', amount: idr('40000.00') });
    expect(byAuthorization(other.authorization.authorizationId)).toMatchObject({ status: 'CANCELLED' });
    expect(history.detailData.filter((d) => d.type === 'REFUND').map((d) => d.amount)).toEqual([idr('10000.00')]);
  });
});
