import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import { rewardsSubscriber } from '../../src/modules/rewards/rewards.subscriber';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkLedgerInvariants } from '../support/invariants';
import { business, expectSnap, issueCard, type Biz } from '../support/partner-fixtures';
import { eventWhere, KOPI, purchase } from '../support/spend-fixtures';

/**
 * Rewards through /admin/v1 (the dashboard): the partner API's program, balance, history and
 * redemption routes mounted for admins (owner and finance_admin write, viewers read), and the
 * admin-only balances list. Accruals are handed to the rewards subscriber as the relay would.
 */

let h: Harness;
let net: TestNetwork;
let ipCounter = 0;

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
});
afterAll(() => h.close());
afterEach(() => checkLedgerInvariants(h.kartu.db.manager));

const idr = (value: string) => ({ value, currency: 'IDR' });
const PROGRAM = { earnRate: { points: 1, per: idr('1000.00') }, pointValue: idr('10.00'), categoryMultipliers: [{ categories: ['restaurants'], multiplier: '2' }] };

async function session(businessId: string, role: AdminRole): Promise<{ id: string; cookie: string }> {
  const created = await createAdmin(h.kartu, { businessId, email: `${role}.${randomUUID().slice(0, 8)}@example.com`, role });
  const res = await h.http().post('/admin/v1/login').set('X-Forwarded-For', `198.51.100.${(ipCounter++ % 250) + 1}`).send({ email: created.email, password: created.password });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('kartu_session='))!;
  return { id: created.adminId, cookie: cookie.split(';')[0]! };
}

type Method = 'get' | 'put' | 'post';
const call = (cookie: string, method: Method, path: string, body?: object) => {
  const req = h.http()[method](`/admin/v1${path}`).set('Cookie', cookie);
  return body ? req.send(body) : req;
};

interface Setup {
  b: Biz;
  owner: { id: string; cookie: string };
  finance: { id: string; cookie: string };
  viewer: { id: string; cookie: string };
}

let a: Setup;
let other: Setup;

async function setup(): Promise<Setup> {
  const b = await business(h, 500_000_000n);
  const [owner, finance, viewer] = await Promise.all([session(b.businessId, 'owner'), session(b.businessId, 'finance_admin'), session(b.businessId, 'viewer')]);
  return { b, owner, finance, viewer };
}

beforeAll(async () => {
  [a, other] = await Promise.all([setup(), setup()]);
});

describe('the program through /admin/v1', () => {
  it('a finance_admin creates it (audited as the admin), a viewer reads it but cannot write it', async () => {
    // The dashboard's twin answers "none yet" as a state (the partner API's is 404xx01).
    const none = await call(a.viewer.cookie, 'get', '/rewards/program');
    expect(none.status).toBe(200);
    expect(none.body).toMatchObject({ responseCode: '2009800', program: null });

    const put = await call(a.finance.cookie, 'put', '/rewards/program', PROGRAM);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body).toMatchObject({ responseCode: '2009800', program: { status: 'ACTIVE', currency: 'IDR', version: 1, pointValue: PROGRAM.pointValue } });
    const audit = await h.kartu.db.query("SELECT actor_type, actor_id, details FROM audit_log WHERE business_id = $1 AND action = 'rewards.program_updated'", [a.b.businessId]);
    expect(audit).toEqual([{ actor_type: 'admin', actor_id: a.finance.id, details: { version: 1, status: 'ACTIVE' } }]);

    const read = await call(a.viewer.cookie, 'get', '/rewards/program');
    expect(read.body.program).toEqual(put.body.program);
    const refused = await call(a.viewer.cookie, 'put', '/rewards/program', { ...PROGRAM, status: 'PAUSED' });
    expect(refused.status).toBe(403);
    expect(refused.body.responseCode).toBe('4039801');
    expect((await call(a.owner.cookie, 'get', '/rewards/program')).body.program.version).toBe(1);
  });

  it('bad input names the field: unknown fields, wrong types, another currency, bad promotion dates', async () => {
    const cases: Array<[object, string]> = [
      [{ ...PROGRAM, surprise: 1 }, 'surprise'],
      [{ ...PROGRAM, earnRate: { points: '1', per: idr('1000.00') } }, 'earnRate.points'],
      [{ ...PROGRAM, pointValue: { value: '10.00', currency: 'USD' } }, 'pointValue'],
      [{ ...PROGRAM, categoryMultipliers: [{ categories: ['not-a-group'], multiplier: '2' }] }, 'categoryMultipliers.0.categories.0'],
      [{ ...PROGRAM, promotions: [{ name: 'x', startDate: '2026-12-12', endDate: '2026-12-10', multiplier: '2' }] }, 'promotions.0'],
      [{ ...PROGRAM, promotions: [{ name: 'x', startDate: '2026-13-01', endDate: '2026-12-10', multiplier: '2' }] }, 'promotions.0.startDate'],
    ];
    for (const [body, field] of cases) {
      const res = await call(a.owner.cookie, 'put', '/rewards/program', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.responseCode).toMatch(/^40098/);
      expect(res.body.field, JSON.stringify(res.body)).toMatch(new RegExp(`^${field.replaceAll('.', '\\.')}`));
    }
    expect((await call(a.owner.cookie, 'get', '/rewards/program')).body.program.version).toBe(1);
  });
});

describe('balances, history and redemption', () => {
  let points: number;

  beforeAll(async () => {
    const card = await issueCard(a.b);
    const { clearingId } = await purchase(net, card, 5_000_000, KOPI); // IDR 50,000.00 at a restaurant: 50 × 2 points
    await rewardsSubscriber.handle(h.kartu, await eventWhere(h, a.b.businessId, 'transaction.cleared', 'clearingId', clearingId));
    points = 100;
  });

  it('lists every cardholder with their points, most first; a cardholder who never earned shows 0', async () => {
    const holder = await a.b.partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Agus Wijaya', email: `agus.${randomUUID().slice(0, 8)}@example.com` }));
    expectSnap(holder, '2009400');
    const res = await call(a.viewer.cookie, 'get', '/rewards/balances');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ responseCode: '2009800', pageNumber: 0, pageSize: 20, totalCount: 2 });
    expect(res.body.balances).toEqual([
      { cardholderId: a.b.holderId, name: 'Siti Rahayu', email: expect.any(String), points, value: idr('1000.00'), earnedPoints: points, reversedPoints: 0, redeemedPoints: 0 },
      { cardholderId: holder.body.cardholder.id, name: 'Agus Wijaya', email: expect.any(String), points: 0, value: idr('0.00'), earnedPoints: 0, reversedPoints: 0, redeemedPoints: 0 },
    ]);
    const searched = await call(a.viewer.cookie, 'get', '/rewards/balances?q=agus');
    expect(searched.body.balances.map((x: { name: string }) => x.name)).toEqual(['Agus Wijaya']);
    const paged = await call(a.viewer.cookie, 'get', '/rewards/balances?pageSize=1&pageNumber=1');
    expect(paged.body).toMatchObject({ totalCount: 2, balances: [{ name: 'Agus Wijaya' }] });
    // The other business sees only its own cardholder.
    const theirs = await call(other.owner.cookie, 'get', '/rewards/balances');
    expect(theirs.body.balances.map((x: { cardholderId: string }) => x.cardholderId)).toEqual([other.b.holderId]);
  });

  it('the balances list refuses bad paging and unknown parameters (400xx01 naming them)', async () => {
    for (const [query, field] of [
      ['pageSize=0', 'pageSize'],
      ['pageSize=abc', 'pageSize'],
      ['pageNumber=-1', 'pageNumber'],
      ['sort=points', 'sort'],
    ]) {
      const res = await call(a.viewer.cookie, 'get', `/rewards/balances?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.body).toMatchObject({ responseCode: '4009801', field });
    }
  });

  it('the business total carries the ledger liability; a cardholder history; another business’s cardholder is 404', async () => {
    const total = await call(a.viewer.cookie, 'get', '/rewards/balance');
    expect(total.body.balance).toMatchObject({ cardholderId: null, points, value: idr('1000.00'), liability: idr('1000.00') });
    const history = await call(a.viewer.cookie, 'get', `/rewards/history?cardholderId=${a.b.holderId}`);
    expect(history.body).toMatchObject({ totalCount: 1, entries: [{ kind: 'accrual', points, value: idr('1000.00'), spendAmount: idr('50000.00') }] });
    for (const path of [`/rewards/balance?cardholderId=${other.b.holderId}`, `/rewards/history?cardholderId=${other.b.holderId}`]) {
      const res = await call(a.viewer.cookie, 'get', path);
      expect(res.status, path).toBe(404);
      expect(res.body.responseCode).toBe('4049801');
    }
  });

  it('redeem: viewers 403, another business’s cardholder 404, too many points 403xx14 — nothing moves; then an owner redeems (audited)', async () => {
    const viewer = await call(a.viewer.cookie, 'post', '/rewards/redeem', { cardholderId: a.b.holderId, points: 10 });
    expect(viewer.body.responseCode).toBe('4039801');
    const foreign = await call(a.owner.cookie, 'post', '/rewards/redeem', { cardholderId: other.b.holderId, points: 1 });
    expect(foreign.status).toBe(404);
    expect(foreign.body.responseCode).toBe('4049801');
    const tooMany = await call(a.finance.cookie, 'post', '/rewards/redeem', { cardholderId: a.b.holderId, points: points + 1 });
    expect(tooMany.status).toBe(403);
    expect(tooMany.body.responseCode).toBe('4039814');
    for (const [body, field] of [
      [{ cardholderId: a.b.holderId, points: 0 }, 'points'],
      [{ cardholderId: a.b.holderId, points: 1.5 }, 'points'],
      [{ cardholderId: 'nope', points: 1 }, 'cardholderId'],
      [{ cardholderId: a.b.holderId, points: 1, extra: true }, 'extra'],
    ] as const) {
      const res = await call(a.owner.cookie, 'post', '/rewards/redeem', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ responseCode: '4009801', field });
    }
    expect((await call(a.viewer.cookie, 'get', `/rewards/balance?cardholderId=${a.b.holderId}`)).body.balance.points).toBe(points);

    const res = await call(a.owner.cookie, 'post', '/rewards/redeem', { cardholderId: a.b.holderId, points: 40 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.redemption).toMatchObject({ points: 40, amount: idr('400.00'), balance: { points: 60, value: idr('600.00'), redeemedPoints: 40 } });
    const audit = await h.kartu.db.query("SELECT actor_type, actor_id, target_id FROM audit_log WHERE business_id = $1 AND action = 'rewards.redeemed'", [a.b.businessId]);
    expect(audit).toEqual([{ actor_type: 'admin', actor_id: a.owner.id, target_id: a.b.holderId }]);
    const total = await call(a.viewer.cookie, 'get', '/rewards/balance');
    expect(total.body.balance).toMatchObject({ points: 60, liability: idr('600.00') });
  });
});
