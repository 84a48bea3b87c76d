// Regression: authorizations racing reversals and partial clearings on a card with a daily limit
// deadlocked (counters and funding account locked in opposite orders) and were answered 500.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, TestNetwork, TestPartner, type Harness } from '../support/harness';

let h: Harness;
let net: TestNetwork;
beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
});
afterAll(() => h.close());

const MERCHANT = { id: 'M1', name: 'Kopi', mcc: '5814', country: 'ID' };

async function limitedCard() {
  const p = await TestPartner.create(h, { rateLimitPerSecond: 100_000 });
  await p.call('POST', '/snap/v1.0/simulate/funding', JSON.stringify({ amount: { value: '100000000.00', currency: 'IDR' } }));
  const ch = await p.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'A', email: 'a@example.com' }));
  const card = await p.call('POST', '/snap/v1.0/cards', JSON.stringify({
    partnerReferenceNo: 'c1', cardholderId: ch.body.cardholder.id, type: 'VIRTUAL',
    spendControls: { spendingLimits: [{ amount: { value: '1000000000.00', currency: 'IDR' }, interval: 'daily' }] },
  }));
  const { number } = (await p.call('POST', `/snap/v1.0/cards/${card.body.card.id}/reveal`, '')).body.card;
  const auth = (id: string) => ({ id, card: { number }, amount: 1_000, currency: 'IDR', merchant: MERCHANT });
  const first: string[] = [];
  for (let i = 0; i < 40; i++) {
    const id = `a-${i}-${randomBytes(3).toString('hex')}`;
    expect((await net.send('/authorizations', auth(id))).body.responseCode).toBe('00');
    first.push(id);
  }
  return { auth, first };
}

it('authorizations racing partial reversals on the same card (daily amount limit) are never answered 500', async () => {
  const { auth, first } = await limitedCard();
  const results = await Promise.all([
    ...first.map((id, i) => net.send('/reversals', { id: `r-${i}-${randomBytes(3).toString('hex')}`, authorizationId: id, amount: 500 })),
    ...first.map((_, i) => net.send('/authorizations', auth(`b-${i}-${randomBytes(3).toString('hex')}`))),
  ]);
  expect(results.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
  expect(results.slice(40).every((r) => r.body.responseCode === '00')).toBe(true);
}, 60_000);

it('authorizations racing partial clearings on the same card are never answered 500', async () => {
  const { auth, first } = await limitedCard();
  const results = await Promise.all([
    ...first.map((id, i) => net.send('/clearings', { id: `c-${i}-${randomBytes(3).toString('hex')}`, authorizationId: id, amount: 500, currency: 'IDR' })),
    ...first.map((_, i) => net.send('/authorizations', auth(`b-${i}-${randomBytes(3).toString('hex')}`))),
  ]);
  expect(results.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
}, 60_000);
