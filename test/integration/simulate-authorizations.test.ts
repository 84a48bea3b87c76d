import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TestPartner, type Harness } from '../support/harness';

let h: Harness;
let p: TestPartner;
let cardId: string;
const merchant = { id: 'M1', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' };

beforeAll(async () => {
  h = await startHarness();
  p = await TestPartner.create(h);
  const holder = await p.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Sim', email: 'sim@example.com' }));
  const card = await p.call(
    'POST',
    '/snap/v1.0/cards',
    JSON.stringify({ partnerReferenceNo: 'sim-1', cardholderId: holder.body.cardholder.id, type: 'VIRTUAL', spendControls: { blockedCategories: ['gambling'] } }),
  );
  cardId = card.body.card.id;
  await p.call('POST', '/snap/v1.0/simulate/funding', JSON.stringify({ amount: { value: '500000.00', currency: 'IDR' } }));
});
afterAll(() => h.close());

const simulate = (body: object, partner = p) => partner.call('POST', '/snap/v1.0/simulate/authorizations', JSON.stringify(body));

describe('POST /snap/v1.0/simulate/authorizations (sandbox)', () => {
  it('runs the full pipeline: approval, hold on the funding account, outbox event', async () => {
    const res = await simulate({ cardId, amount: { value: '125000.00', currency: 'IDR' }, merchant });
    expect(res.status).toBe(200);
    expect(res.body.responseCode).toBe('2009600');
    expect(res.body.authorization).toMatchObject({ decision: 'approved', responseCode: '00', approvedAmount: 12_500_000 });
    expect(res.body.authorization.authorizationCode).toMatch(/^[0-9A-F]{6}$/);
    const balance = await p.call('POST', '/snap/v1.0/balance-inquiry', '{}');
    expect(balance.body.accountInfos[0]).toMatchObject({ holdAmount: { value: '125000.00' }, availableBalance: { value: '375000.00' } });
    const events = await h.kartu.db.query("SELECT data FROM outbox_events WHERE type = 'authorization.created' AND business_id = $1", [p.creds.businessId]);
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toMatch(/\d{16}/);
  });

  it('declines as a network call would: blocked category 57, insufficient funds 51', async () => {
    expect((await simulate({ cardId, amount: { value: '1000.00', currency: 'IDR' }, merchant: { ...merchant, mcc: '7995' } })).body.authorization).toMatchObject({
      decision: 'declined',
      responseCode: '57',
    });
    expect((await simulate({ cardId, amount: { value: '400000.00', currency: 'IDR' }, merchant })).body.authorization.responseCode).toBe('51');
  });

  it("another business's card is not found (4049601); bad input is 4009601/4009602", async () => {
    const other = await TestPartner.create(h, { name: 'Other' });
    expect((await simulate({ cardId, amount: { value: '1.00', currency: 'IDR' }, merchant }, other)).body.responseCode).toBe('4049601');
    expect((await simulate({ cardId, amount: { value: '1.5.0', currency: 'IDR' }, merchant })).body.responseCode).toBe('4009601');
    expect((await simulate({ amount: { value: '1.00', currency: 'IDR' }, merchant })).body.responseCode).toBe('4009602');
  });

  it('answers 4039601 in production', async () => {
    const prod = await startHarness({ KARTU_ENV: 'production', KARTU_MASTER_KEY: randomBytes(32).toString('base64') });
    try {
      const partner = await TestPartner.create(prod);
      const res = await partner.call('POST', '/snap/v1.0/simulate/authorizations', JSON.stringify({ cardId, amount: { value: '1.00', currency: 'IDR' }, merchant }));
      expect(res.status).toBe(403);
      expect(res.body.responseCode).toBe('4039601');
    } finally {
      await prod.close();
    }
  });
});
