import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_PAYLOADS } from '../../src/modules/events/event-payloads';
import { EVENT_TYPES, type EventType } from '../../src/modules/events/event-types';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { authorizationBody, business, expectSnap, issueCard, MERCHANT, nid } from '../support/partner-fixtures';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('event payload schemas (event-payloads.ts)', () => {
  it('describe exactly the events the modules record, checked on real events through the app', async () => {
    const network = await TestNetwork.create(h);
    const b = await business(h, 1_000_000n); // cardholder.created, funding.credited
    const card = await issueCard(b); // card.created
    const approved = await network.send('/authorizations', authorizationBody(card)); // authorization.created
    expect(approved.body.decision).toBe('approved');
    const declined = await network.send('/authorizations', authorizationBody(card, { amount: 50_000_000 }));
    expect(declined.body.decision).toBe('declined');
    const unknownCard = await network.send('/authorizations', authorizationBody({ ...card, number: '4000009999999999' }));
    expect(unknownCard.body.responseCode).toBe('14');
    expect((await network.send('/clearings', { id: nid('clr'), authorizationId: approved.body.id, amount: 10_000, currency: 'IDR', merchant: MERCHANT })).status).toBe(200); // transaction.cleared
    expect((await network.send('/clearings', { id: nid('clr'), card: { number: card.number }, amount: 5_000, currency: 'IDR' })).status).toBe(200); // forced, no merchant
    const second = await network.send('/authorizations', authorizationBody(card));
    expect((await network.send('/reversals', { id: nid('rev'), authorizationId: second.body.id })).status).toBe(200); // authorization.updated
    expect((await network.send('/refunds', { id: nid('rfd'), card: { number: card.number }, amount: 2_000, currency: 'IDR', merchant: MERCHANT })).status).toBe(200); // transaction.refunded
    expectSnap(await b.partner.call('PATCH', `/snap/v1.0/cards/${card.id}`, JSON.stringify({ status: 'FROZEN' })), '2009200'); // card.updated
    expectSnap(await b.partner.call('PATCH', `/snap/v1.0/cardholders/${b.holderId}`, JSON.stringify({ name: 'Siti R.' })), '2009400'); // cardholder.updated

    const rows: Array<{ type: string; data: Record<string, unknown> }> = await h.kartu.db.query('SELECT type, data FROM outbox_events WHERE business_id = $1 ORDER BY id', [b.businessId]);
    const seen = new Set<string>();
    for (const row of rows) {
      expect(EVENT_TYPES as readonly string[], row.type).toContain(row.type);
      const schema = EVENT_PAYLOADS[row.type as EventType].data;
      const parsed = schema.safeParse(row.data);
      expect(parsed.success, `${row.type}: ${parsed.error?.message} in ${JSON.stringify(row.data)}`).toBe(true);
      // Nothing recorded that the schema does not describe (parsing drops unknown keys).
      expect(parsed.data, row.type).toEqual(row.data);
      seen.add(row.type);
    }
    expect([...seen].sort()).toEqual(
      ['authorization.created', 'authorization.updated', 'card.created', 'card.updated', 'cardholder.created', 'cardholder.updated', 'funding.credited', 'transaction.cleared', 'transaction.refunded'].sort(),
    );
  });

  it('describe every event type, with when it fires', () => {
    expect(Object.keys(EVENT_PAYLOADS).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) expect(EVENT_PAYLOADS[type].when.length, type).toBeGreaterThan(20);
    expect(EVENT_PAYLOADS['self_test.webhook'].data.safeParse({ selfTestId: 'st_1', scenarioId: 'webhook', nonce: 'n' }).success).toBe(true);
  });
});
