import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession } from '../support/admin-session';
import { startHarness, TestPartner, type Harness } from '../support/harness';
import { checkAuthorizationInvariants, checkLedgerInvariants } from '../support/invariants';
import { balances, business, issueCard, type Biz, type IssuedCard } from '../support/partner-fixtures';

/**
 * The admin API's sandbox against the real database: a test purchase through the full pipeline,
 * its clearing, reversal and refund through the network services, funding and shipping — only for
 * finance admins and owners, only outside production, every wrong state a precise 4xx.
 */

const KOPI_MERCHANT = { id: 'M-KOPI-1', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' };
const CASINO_MCC_MERCHANT = { id: 'M-CASINO-1', name: 'Lucky Casino', mcc: '7995', country: 'ID' };

let h: Harness;
let a: Biz;
let b: Biz;
let finance: string;
let owner: string;
let viewer: string;
let ownerB: string;
let card: IssuedCard;
let blocked: IssuedCard;
let cardB: IssuedCard;

const idr = (value: string) => ({ value, currency: 'IDR' });
const get = (cookie: string, path: string) => h.http().get(`/admin/v1${path}`).set('Cookie', cookie);
const post = (cookie: string, path: string, body?: object) => {
  const req = h.http().post(`/admin/v1${path}`).set('Cookie', cookie);
  return body ? req.send(body) : req;
};

async function purchase(amount: string, o: { cookie?: string; cardId?: string; merchant?: object } = {}) {
  const res = await post(o.cookie ?? finance, '/sandbox/authorizations', { cardId: o.cardId ?? card.id, amount: idr(amount), merchant: o.merchant ?? KOPI_MERCHANT });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.responseCode).toBe('2009600');
  return res.body.authorization as { id: string; authorizationId: string; decision: string; responseCode: string; approvedAmount: number };
}

function expectCode(res: { status: number; body: Record<string, unknown> }, code: string, field?: string) {
  expect(res.body.responseCode, JSON.stringify(res.body)).toBe(code);
  expect(res.status).toBe(Number(code.slice(0, 3)));
  if (field) expect(res.body.field).toBe(field);
}

/** What a refused call must not have changed: the business's authorizations, network messages and transfers. */
async function footprint(businessId: string): Promise<string> {
  const [row]: Array<{ f: string }> = await h.kartu.db.query(
    `SELECT (SELECT count(*) FROM authorizations WHERE business_id = $1) || '/' || (SELECT count(*) FROM network_messages WHERE business_id = $1)
            || '/' || (SELECT count(*) FROM ledger_transfers WHERE business_id = $1) || '/' || (SELECT coalesce(sum(open_amount), 0) FROM ledger_transfers WHERE business_id = $1) AS f`,
    [businessId],
  );
  return row!.f;
}

beforeAll(async () => {
  h = await startHarness();
  a = await business(h, 1_000_000n); // IDR 10,000.00
  b = await business(h, 1_000_000n);
  finance = await adminSession(h, a.businessId, 'finance_admin');
  owner = await adminSession(h, a.businessId, 'owner');
  viewer = await adminSession(h, a.businessId, 'viewer');
  ownerB = await adminSession(h, b.businessId, 'owner');
  card = await issueCard(a);
  blocked = await issueCard(a, { spendControls: { blockedCategories: ['gambling'] } });
  cardB = await issueCard(b);
});
afterAll(async () => {
  await checkLedgerInvariants(h.kartu.db.manager);
  await checkAuthorizationInvariants(h.kartu.db.manager);
  await h.close();
});

describe('POST /admin/v1/sandbox/authorizations: a test purchase through the full pipeline', () => {
  it('is decided, held and listed like a network authorization', async () => {
    const before = await balances(a);
    const answer = await purchase('100.00');
    expect(answer).toMatchObject({ decision: 'approved', responseCode: '00', approvedAmount: 10_000 });
    expect(answer.id).toMatch(/^sim-/);
    expect(await balances(a)).toEqual({ ledger: before.ledger, hold: before.hold + 10_000n, available: before.available - 10_000n });
    const listed = await get(viewer, '/authorizations');
    expect(listed.body.authorizations[0]).toMatchObject({ id: answer.authorizationId, cardId: card.id, decision: 'approved', merchant: KOPI_MERCHANT });
    const declined = await purchase('10.00', { cardId: blocked.id, merchant: CASINO_MCC_MERCHANT });
    expect(declined).toMatchObject({ decision: 'declined', responseCode: '57' });
  });

  it('an owner may too', async () => {
    expect((await purchase('1.00', { cookie: owner })).decision).toBe('approved');
  });

  it('refuses bad input with the field named, and another business’s card as not found, changing nothing', async () => {
    const before = await footprint(a.businessId);
    const cases: Array<[object, string, string]> = [
      [{ cardId: card.id, amount: idr('1.234'), merchant: KOPI_MERCHANT }, '4009601', 'amount.value'],
      [{ cardId: card.id, amount: idr('0.00'), merchant: KOPI_MERCHANT }, '4009601', 'amount.value'],
      [{ cardId: card.id, amount: idr('-5'), merchant: KOPI_MERCHANT }, '4009601', 'amount.value'],
      [{ cardId: card.id, amount: { value: '5.00', currency: 'XXY' }, merchant: KOPI_MERCHANT }, '4009601', 'amount.currency'],
      [{ cardId: card.id, amount: idr('5.00') }, '4009602', 'merchant'],
      [{ cardId: 'nope', amount: idr('5.00'), merchant: KOPI_MERCHANT }, '4009601', 'cardId'],
      [{ cardId: card.id, amount: idr('5.00'), merchant: { ...KOPI_MERCHANT, mcc: '58' } }, '4009601', 'merchant.mcc'],
      [{ cardId: card.id, amount: idr('5.00'), merchant: KOPI_MERCHANT, tip: 1 }, '4009601', 'tip'],
    ];
    for (const [body, code, field] of cases) expectCode(await post(finance, '/sandbox/authorizations', body), code, field);
    expectCode(await post(finance, '/sandbox/authorizations', { cardId: cardB.id, amount: idr('5.00'), merchant: KOPI_MERCHANT }), '4049601');
    expect(await footprint(a.businessId)).toBe(before);
  });
});

describe('clear, reverse and refund by authorization id', () => {
  it('clears part of a purchase (the rest released), then refunds it in parts up to what was cleared', async () => {
    const p = await purchase('100.00');
    const before = await balances(a);
    const cleared = await post(finance, `/sandbox/authorizations/${p.authorizationId}/clear`, { amount: idr('60.00') });
    expectCode(cleared, '2009600');
    expect(cleared.body.clearing).toMatchObject({ status: 'accepted', authorizationId: p.authorizationId, amount: 6_000 });
    expect(await balances(a)).toEqual({ ledger: before.ledger - 6_000n, hold: before.hold - 10_000n, available: before.available + 4_000n });
    const messages: Array<{ kind: string; message_id: string }> = await h.kartu.db.query('SELECT kind, message_id FROM network_messages WHERE authorization_id = $1 AND business_id = $2', [p.authorizationId, a.businessId]);
    expect(messages).toEqual([{ kind: 'clearing', message_id: expect.stringMatching(/^sandbox-clearing-/) }]);

    // Cleared: no second clearing, no reversal.
    const footprintCleared = await footprint(a.businessId);
    expectCode(await post(finance, `/sandbox/authorizations/${p.authorizationId}/clear`, {}), '4039615');
    expectCode(await post(finance, `/sandbox/authorizations/${p.authorizationId}/reverse`, {}), '4039615');
    // A refund beyond what was cleared is refused, naming the amount.
    expectCode(await post(finance, `/sandbox/authorizations/${p.authorizationId}/refund`, { amount: idr('60.01') }), '4009601', 'amount.value');
    expect(await footprint(a.businessId)).toBe(footprintCleared);

    const part = await post(finance, `/sandbox/authorizations/${p.authorizationId}/refund`, { amount: idr('20.00') });
    expectCode(part, '2009600');
    expect(part.body.refund).toMatchObject({ status: 'accepted', authorizationId: p.authorizationId, amount: 2_000 });
    expectCode(await post(finance, `/sandbox/authorizations/${p.authorizationId}/refund`, { amount: idr('40.01') }), '4009601', 'amount.value');
    const rest = await post(finance, `/sandbox/authorizations/${p.authorizationId}/refund`);
    expectCode(rest, '2009600');
    expect(rest.body.refund.amount).toBe(4_000);
    expectCode(await post(finance, `/sandbox/authorizations/${p.authorizationId}/refund`), '4039615');
    expect((await balances(a)).ledger).toBe(before.ledger);

    const d = (await get(viewer, `/authorizations/${p.authorizationId}`)).body.authorization;
    expect(d.transfers.map((t: { role: string; amount: { value: string } }) => [t.role, t.amount.value])).toEqual([
      ['hold', '100.00'],
      ['clearing', '60.00'],
      ['refund', '20.00'],
      ['refund', '40.00'],
    ]);
    const refunds = (await get(viewer, '/transactions?type=REFUND')).body.transactions;
    expect(refunds.map((t: { amount: { value: string } }) => t.amount.value)).toEqual(['40.00', '20.00']);
  });

  it('reverses part of a hold, then the rest; then there is nothing left to reverse or clear', async () => {
    const p = await purchase('50.00');
    const part = await post(finance, `/sandbox/authorizations/${p.authorizationId}/reverse`, { amount: idr('20.00') });
    expectCode(part, '2009600');
    expect(part.body.reversal).toMatchObject({ authorizationId: p.authorizationId, amount: 2_000 });
    const rest = await post(finance, `/sandbox/authorizations/${p.authorizationId}/reverse`);
    expect(rest.body.reversal.amount).toBe(3_000);
    expect((await get(viewer, `/authorizations/${p.authorizationId}`)).body.authorization.status).toBe('closed');
    expectCode(await post(finance, `/sandbox/authorizations/${p.authorizationId}/reverse`), '4039615');
    expectCode(await post(finance, `/sandbox/authorizations/${p.authorizationId}/clear`), '4039615');
    // Never cleared: nothing to refund.
    expectCode(await post(finance, `/sandbox/authorizations/${p.authorizationId}/refund`), '4039615');
  });

  it('a full clearing by default: everything held', async () => {
    const p = await purchase('12.34');
    const res = await post(finance, `/sandbox/authorizations/${p.authorizationId}/clear`);
    expectCode(res, '2009600');
    expect(res.body.clearing.amount).toBe(1_234);
  });

  it('refunds of one purchase at once never pass what was cleared: each refund bounds itself under a lock on the purchase', async () => {
    const p = await purchase('50.00');
    expectCode(await post(finance, `/sandbox/authorizations/${p.authorizationId}/clear`, {}), '2009600');
    const before = await balances(a);
    const answers = await Promise.all(Array.from({ length: 6 }, () => post(finance, `/sandbox/authorizations/${p.authorizationId}/refund`, { amount: idr('20.00') })));
    const accepted = answers.filter((r) => r.status === 200);
    expect(accepted).toHaveLength(2);
    for (const r of answers.filter((x) => x.status !== 200)) expect(r.body.responseCode, JSON.stringify(r.body)).toBe('4009601');
    const [{ refunded }]: Array<{ refunded: string }> = await h.kartu.db.query(
      "SELECT coalesce(sum(amount), 0)::text AS refunded FROM network_messages WHERE authorization_id = $1 AND kind = 'refund'",
      [p.authorizationId],
    );
    expect(refunded).toBe('4000');
    expect((await balances(a)).ledger).toBe(before.ledger + 4_000n);
  });

  it('refuses a declined authorization (403xx15), a pending one’s refund, an unknown or foreign id (404xx01), a wrong currency and unknown fields — changing nothing', async () => {
    const declined = await purchase('10.00', { cardId: blocked.id, merchant: CASINO_MCC_MERCHANT });
    const pending = await purchase('10.00');
    const other = await purchase('10.00', { cookie: ownerB, cardId: cardB.id });
    const cleared = await purchase('10.00');
    expectCode(await post(finance, `/sandbox/authorizations/${cleared.authorizationId}/clear`), '2009600');
    const before = await footprint(a.businessId);
    const beforeB = await footprint(b.businessId);
    for (const action of ['clear', 'reverse', 'refund']) {
      const res = await post(finance, `/sandbox/authorizations/${declined.authorizationId}/${action}`);
      expectCode(res, '4039615');
      expect(String(res.body.responseMessage)).toMatch(/declined/);
      expectCode(await post(finance, `/sandbox/authorizations/${other.authorizationId}/${action}`), '4049601');
      expectCode(await post(finance, `/sandbox/authorizations/00000000-0000-4000-8000-000000000000/${action}`), '4049601');
      expectCode(await post(finance, `/sandbox/authorizations/not-an-id/${action}`), '4049601');
      // A refund is of a cleared purchase; a clearing or reversal of one still held.
      const target = action === 'refund' ? cleared : pending;
      expectCode(await post(finance, `/sandbox/authorizations/${target.authorizationId}/${action}`, { amount: { value: '1.00', currency: 'USD' } }), '4009601', 'amount.currency');
      expectCode(await post(finance, `/sandbox/authorizations/${target.authorizationId}/${action}`, { amount: idr('0') }), '4009601', 'amount.value');
      expectCode(await post(finance, `/sandbox/authorizations/${target.authorizationId}/${action}`, { all: true }), '4009601', 'all');
    }
    expectCode(await post(finance, `/sandbox/authorizations/${pending.authorizationId}/refund`), '4039615');
    expect(await footprint(a.businessId)).toBe(before);
    expect(await footprint(b.businessId)).toBe(beforeB);
  });
});

describe('POST /admin/v1/sandbox/funding and /sandbox/cards/{id}/shipping', () => {
  it('credits the funding account (audited as the admin) and answers the new balance', async () => {
    const before = await balances(a);
    const res = await post(finance, '/sandbox/funding', { amount: idr('500.00') });
    expectCode(res, '2009600');
    expect(res.body.funding).toMatchObject({ amount: idr('500.00') });
    const after = await balances(a);
    expect(after.ledger).toBe(before.ledger + 50_000n);
    expect(res.body.balance).toEqual({ ledgerBalance: idr((Number(after.ledger) / 100).toFixed(2)), holdAmount: idr((Number(after.hold) / 100).toFixed(2)), availableBalance: idr((Number(after.available) / 100).toFixed(2)) });
    const audit: Array<{ actor_type: string; action: string }> = await h.kartu.db.query('SELECT actor_type, action FROM audit_log WHERE target_id = $1', [res.body.funding.transferId]);
    expect(audit).toEqual([{ actor_type: 'admin', action: 'funding.simulated' }]);
    const before2 = await footprint(a.businessId);
    expectCode(await post(finance, '/sandbox/funding', { amount: { value: '5.00', currency: 'USD' } }), '4009601', 'amount.currency');
    expectCode(await post(finance, '/sandbox/funding', { amount: idr('0.00') }), '4009601', 'amount.value');
    expectCode(await post(finance, '/sandbox/funding', { amount: idr('1.001') }), '4009601', 'amount.value');
    expectCode(await post(finance, '/sandbox/funding', {}), '4009602', 'amount');
    expectCode(await post(finance, '/sandbox/funding', { amount: idr('1.00'), note: 'x' }), '4009601', 'note');
    expect(await footprint(a.businessId)).toBe(before2);
  });

  it('advances a physical card’s shipment; a wrong step or a virtual card is 403xx15; another business’s card 404xx01', async () => {
    const physical = await issueCard(a, { type: 'PHYSICAL', shipping: { name: 'Siti Rahayu', address: { line1: 'Jl. Sudirman 1', city: 'Jakarta', postalCode: '12190', country: 'ID' } } });
    const shipped = await post(finance, `/sandbox/cards/${physical.id}/shipping`, { status: 'shipped', carrier: 'JNE' });
    expectCode(shipped, '2009600');
    expect(shipped.body.card.shipping).toMatchObject({ status: 'shipped', carrier: 'JNE' });
    expectCode(await post(finance, `/sandbox/cards/${physical.id}/shipping`, { status: 'shipped' }), '4039615');
    expectCode(await post(finance, `/sandbox/cards/${card.id}/shipping`, { status: 'shipped' }), '4039615');
    expectCode(await post(finance, `/sandbox/cards/${cardB.id}/shipping`, { status: 'shipped' }), '4049601');
    expectCode(await post(finance, `/sandbox/cards/${physical.id}/shipping`, { status: 'lost' }), '4009601', 'status');
    expectCode(await post(finance, `/sandbox/cards/${physical.id}/shipping`, { status: 'delivered' }), '2009600');
  });
});

describe('roles and environments', () => {
  it('a viewer is refused every sandbox action (403xx01) and changes nothing, but reads', async () => {
    const p = await purchase('5.00');
    const before = await footprint(a.businessId);
    const calls: Array<[string, object | undefined]> = [
      ['/sandbox/authorizations', { cardId: card.id, amount: idr('5.00'), merchant: KOPI_MERCHANT }],
      [`/sandbox/authorizations/${p.authorizationId}/clear`, undefined],
      [`/sandbox/authorizations/${p.authorizationId}/reverse`, undefined],
      [`/sandbox/authorizations/${p.authorizationId}/refund`, undefined],
      ['/sandbox/funding', { amount: idr('5.00') }],
      [`/sandbox/cards/${card.id}/shipping`, { status: 'shipped' }],
    ];
    for (const [path, body] of calls) {
      const res = await post(viewer, path, body);
      expectCode(res, '4039601');
      expect(String(res.body.responseMessage)).toMatch(/owner or finance_admin/);
    }
    for (const [path, body] of calls) expectCode(await h.http().post(`/admin/v1${path}`).send(body ?? {}), '4019600');
    expect(await footprint(a.businessId)).toBe(before);
    for (const path of ['/balance', '/overview', '/authorizations', `/authorizations/${p.authorizationId}`, '/transactions', `/cards/${card.id}/limit-usage`, '/mcc-groups']) {
      const res = await get(viewer, path);
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(200);
    }
  });

  it('in production every sandbox route answers 403xx01 (even to an owner), and the reads still work', async () => {
    const prod = await startHarness({ KARTU_ENV: 'production', KARTU_MASTER_KEY: randomBytes(32).toString('base64') });
    try {
      const partner = await TestPartner.create(prod, { name: 'Prod' });
      const cookie = await adminSession(prod, partner.creds.businessId, 'owner');
      const id = '00000000-0000-4000-8000-000000000000';
      for (const [path, body] of [
        ['/sandbox/authorizations', { cardId: id, amount: idr('5.00'), merchant: KOPI_MERCHANT }],
        [`/sandbox/authorizations/${id}/clear`, {}],
        [`/sandbox/authorizations/${id}/reverse`, {}],
        [`/sandbox/authorizations/${id}/refund`, {}],
        ['/sandbox/funding', { amount: idr('5.00') }],
        [`/sandbox/cards/${id}/shipping`, { status: 'shipped' }],
      ] as Array<[string, object]>) {
        const res = await prod.http().post(`/admin/v1${path}`).set('Cookie', cookie).send(body);
        expect(res.status, path).toBe(403);
        expect(res.body.responseCode, path).toBe('4039601');
      }
      const [{ count }]: Array<{ count: number }> = await prod.kartu.db.query('SELECT count(*)::int AS count FROM ledger_transfers WHERE business_id = $1', [partner.creds.businessId]);
      expect(count).toBe(0);
      const balance = await prod.http().get('/admin/v1/balance').set('Cookie', cookie);
      expect(balance.status, JSON.stringify(balance.body)).toBe(200);
      expect(balance.body.balance.availableBalance).toEqual(idr('0.00'));
    } finally {
      await prod.close();
    }
  });
});
