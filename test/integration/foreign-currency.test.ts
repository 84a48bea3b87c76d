import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { setRates } from '../../src/modules/fx/fx.service';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkAuthorizationInvariants, checkLedgerInvariants } from '../support/invariants';
import { authorizationBody, balances, business, issueCard, nid } from '../support/partner-fixtures';

/**
 * Foreign currency end to end (docs/ledger-and-authorizations.md): a card in IDR charged for
 * purchases in USD, EUR and JPY — converted by the network (billingAmount) or with Kartu's rate
 * table — against a real PostgreSQL.
 */

let h: Harness;
let net: TestNetwork;

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
  await setRates(h.kartu, { source: 'test', rates: [{ base: 'USD', quote: 'IDR', rate: '16250.5' }, { base: 'IDR', quote: 'EUR', rate: '0.0000575' }, { base: 'JPY', quote: 'IDR', rate: '105.5' }] });
});
afterAll(() => h.close());
afterEach(async () => {
  await checkLedgerInvariants(h.kartu.db.manager);
  await checkAuthorizationInvariants(h.kartu.db.manager);
});

async function authorize(body: Record<string, unknown>) {
  const res = await net.send('/authorizations', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body;
}

describe('authorizations in another currency than the card’s', () => {
  it('converts with Kartu’s rate, holds the billing amount and records the merchant side and the rate', async () => {
    const b = await business(h, 100_000_000n);
    const card = await issueCard(b);
    const body = authorizationBody(card, { amount: 1000, currency: 'USD' });
    const a = await authorize(body);
    expect(a).toMatchObject({ decision: 'approved', responseCode: '00', approvedAmount: 16_250_500, billingAmount: 16_250_500, billingCurrency: 'IDR' });
    expect(await balances(b)).toMatchObject({ hold: 16_250_500n });
    const [row] = await h.kartu.db.query('SELECT amount::text, currency, merchant_amount::text, merchant_currency, fx_rate::text, fx_rate_source FROM authorizations WHERE id = $1', [a.authorizationId]);
    expect(row).toEqual({ amount: '16250500', currency: 'IDR', merchant_amount: '1000', merchant_currency: 'USD', fx_rate: '16250.500000000000', fx_rate_source: 'kartu' });
    const [event] = await h.kartu.db.query("SELECT data FROM outbox_events WHERE type = 'authorization.created' AND data->>'authorizationId' = $1", [a.authorizationId]);
    expect(event.data).toMatchObject({ amount: 16_250_500, currency: 'IDR', merchantAmount: 1000, merchantCurrency: 'USD', fxRate: '16250.5', standIn: false });
    // A retry gets the same answer, billing side included.
    expect(await authorize(body)).toEqual(a);
  });

  it('reads a pair the other way round, and converts between exponents (JPY has none)', async () => {
    const b = await business(h, 100_000_000n);
    const card = await issueCard(b);
    // EUR 10.00 at 0.0000575 EUR/IDR = IDR 173,913.04.
    expect((await authorize(authorizationBody(card, { amount: 1000, currency: 'EUR' }))).approvedAmount).toBe(17_391_304);
    // JPY 1000 at 105.5 IDR/JPY = IDR 105,500.00.
    expect((await authorize(authorizationBody(card, { amount: 1000, currency: 'JPY' }))).approvedAmount).toBe(10_550_000);
  });

  it('uses the network’s billing amount and rate when it sends them', async () => {
    const b = await business(h, 100_000_000n);
    const card = await issueCard(b);
    const given = await authorize(authorizationBody(card, { amount: 1000, currency: 'USD', billingAmount: 16_000_000, billingCurrency: 'IDR', conversionRate: '16000' }));
    expect(given).toMatchObject({ approvedAmount: 16_000_000, billingAmount: 16_000_000 });
    const implied = await authorize(authorizationBody(card, { amount: 2000, currency: 'GBP', billingAmount: 41_000_000, billingCurrency: 'IDR' }));
    expect(implied.approvedAmount).toBe(41_000_000);
    const rows = await h.kartu.db.query('SELECT fx_rate::text, fx_rate_source FROM authorizations WHERE id = ANY($1::uuid[]) ORDER BY amount', [[given.authorizationId, implied.authorizationId]]);
    expect(rows).toEqual([{ fx_rate: '16000.000000000000', fx_rate_source: 'network' }, { fx_rate: '20500.000000000000', fx_rate_source: 'network' }]);
    // A billing currency that is not the card's is declined.
    expect((await authorize(authorizationBody(card, { amount: 1000, currency: 'USD', billingAmount: 900, billingCurrency: 'EUR' }))).responseCode).toBe('05');
  });

  it('limits and funds apply to the billing amount', async () => {
    const b = await business(h, 10_000_000n);
    const card = await issueCard(b);
    // USD 10.00 is IDR 162,505.00: more than the IDR 100,000.00 funded.
    expect((await authorize(authorizationBody(card, { amount: 1000, currency: 'USD' }))).responseCode).toBe('51');
    const partial = await authorize(authorizationBody(card, { amount: 1000, currency: 'USD', partialAllowed: true }));
    expect(partial).toMatchObject({ responseCode: '10', approvedAmount: 10_000_000, billingAmount: 16_250_500 });
  });

  it('declines 05 with no rate, or a rate older than KARTU_FX_RATE_MAX_AGE_HOURS, and holds nothing', async () => {
    const b = await business(h, 100_000_000n);
    const card = await issueCard(b);
    const none = await authorize(authorizationBody(card, { amount: 1000, currency: 'CHF' }));
    expect(none).toMatchObject({ responseCode: '05', reason: 'no exchange rate CHF/IDR' });
    await setRates(h.kartu, { rates: [{ base: 'SGD', quote: 'IDR', rate: '12000', asOf: new Date(h.clock.now().getTime() - 49 * 3600_000).toISOString() }] });
    expect((await authorize(authorizationBody(card, { amount: 1000, currency: 'SGD' }))).responseCode).toBe('05');
    expect(await balances(b)).toMatchObject({ hold: 0n });
  });

  it('refuses inconsistent billing fields with 400 and writes nothing', async () => {
    const b = await business(h, 100_000_000n);
    const card = await issueCard(b);
    for (const extra of [{ billingAmount: 100 }, { billingCurrency: 'IDR' }, { conversionRate: '1.5' }, { currency: 'IDR', billingAmount: 5, billingCurrency: 'IDR' }, { billingAmount: 100, billingCurrency: 'IDR', conversionRate: '0' }]) {
      const body = authorizationBody(card, { currency: 'USD', ...extra });
      const res = await net.send('/authorizations', body);
      expect(res.status, JSON.stringify(extra)).toBe(400);
      const [{ n }] = await h.kartu.db.query('SELECT count(*)::int AS n FROM authorizations WHERE network_message_id = $1', [body.id]);
      expect(n).toBe(0);
    }
  });

  it('clears and refunds in the merchant currency at the rate of the day', async () => {
    const b = await business(h, 100_000_000n);
    const card = await issueCard(b);
    const a = await authorize(authorizationBody(card, { amount: 1000, currency: 'USD' }));
    const cleared = await net.send('/clearings', { id: nid('clr'), authorizationId: a.id, amount: 1000, currency: 'USD' });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect(cleared.body.amount).toBe(16_250_500);
    expect(await balances(b)).toEqual({ ledger: 100_000_000n - 16_250_500n, hold: 0n, available: 100_000_000n - 16_250_500n });
    const refunded = await net.send('/refunds', { id: nid('ref'), card: { number: card.number }, amount: 500, currency: 'USD', merchant: authorizationBody(card).merchant });
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(200);
    expect(refunded.body.amount).toBe(8_125_250);
    const rows = await h.kartu.db.query("SELECT kind, amount::text, merchant_amount::text, merchant_currency, fx_rate_source FROM network_messages WHERE card_id = $1 ORDER BY kind", [cleared.body.authorizationId ? (await h.kartu.db.query('SELECT card_id FROM authorizations WHERE id = $1', [a.authorizationId]))[0].card_id : null]);
    expect(rows).toEqual([
      { kind: 'clearing', amount: '16250500', merchant_amount: '1000', merchant_currency: 'USD', fx_rate_source: 'kartu' },
      { kind: 'refund', amount: '8125250', merchant_amount: '500', merchant_currency: 'USD', fx_rate_source: 'kartu' },
    ]);
    // No rate: the network must send the billing amount.
    const chf = await net.send('/clearings', { id: nid('clr'), card: { number: card.number }, amount: 100, currency: 'CHF' });
    expect(chf.status).toBe(400);
    expect(JSON.stringify(chf.body)).toMatch(/billingAmount/);
  });
});
