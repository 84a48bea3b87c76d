import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, TestNetwork, TestPartner, type Harness } from '../support/harness';
let h: Harness;
beforeAll(async () => { h = await startHarness(); });
afterAll(() => h.close());
it('count limits (65): ten concurrent authorizations on a card allowed three a day approve exactly three', async () => {
  const p = await TestPartner.create(h);
  const net = await TestNetwork.create(h);
  const ch = await p.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'A', email: 'a@example.com' }));
  const card = await p.call('POST', '/snap/v1.0/cards', JSON.stringify({ partnerReferenceNo: 'c1', cardholderId: ch.body.cardholder.id, type: 'VIRTUAL', spendControls: { countLimits: [{ count: 3, interval: 'daily' }] } }));
  const { number } = (await p.call('POST', `/snap/v1.0/cards/${card.body.card.id}/reveal`, '')).body.card;
  await p.call('POST', '/snap/v1.0/simulate/funding', JSON.stringify({ amount: { value: '1000000.00', currency: 'IDR' } }));
  const results = await Promise.all(Array.from({ length: 10 }, (_, i) => net.send('/authorizations', { id: `n${i}`, card: { number }, amount: 100, currency: 'IDR', merchant: { id: 'M1', name: 'Kopi', mcc: '5814', country: 'ID' } })));
  const codes = results.map((r) => r.body.responseCode).sort().join(',');
  expect(codes).toBe('00,00,00,65,65,65,65,65,65,65');
});
