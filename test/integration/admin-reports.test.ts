import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORTS_QUEUE } from '../../src/modules/reports/reports.queue';
import { generateReport } from '../../src/modules/reports/reports.service';
import { localDate } from '../../src/modules/rewards/transaction-facts';
import { parseCsv } from '../../src/platform/csv';
import { adminSession } from '../support/admin-session';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { business, issueCard, type Biz, type IssuedCard } from '../support/partner-fixtures';
import { forcedClearing, GROCER, KOPI, purchase, refund, type Merchant } from '../support/spend-fixtures';

/**
 * The dashboard's reports on the admin API against the real database: the spend overview, report
 * jobs (the partner API's routes, with admin roles), the monthly statements and the accounting
 * export — each scoped to the admin's business, role-checked, and refusing bad input.
 */

let h: Harness;
let net: TestNetwork;
let a: Biz;
let b: Biz;
let cardA: IssuedCard;
let owner: string;
let finance: string;
let viewer: string;
let ownerB: string;
let holderB: string;

// A merchant whose name a spreadsheet would run as a formula, and one with a comma and quotes.
const FORMULA: Merchant = { id: 'M-EVIL-1', name: '=HYPERLINK("http://x.example")', mcc: '5411', city: 'Bandung', country: 'ID' };
const QUOTED: Merchant = { id: 'M-Q-1', name: 'Warung "Bu Tini", Blok M', mcc: '5812', country: 'ID' };
const today = () => localDate(new Date(), 'Asia/Jakarta');
const monthStart = () => `${today().slice(0, 8)}01`;

const get = (cookie: string, path: string) => h.http().get(`/admin/v1${path}`).set('Cookie', cookie);
const post = (cookie: string, path: string, body: object) => h.http().post(`/admin/v1${path}`).set('Cookie', cookie).send(body);

function expectCode(res: { status: number; body: Record<string, unknown> }, code: string, field?: string) {
  expect(res.body.responseCode, JSON.stringify(res.body)).toBe(code);
  expect(res.status).toBe(Number(code.slice(0, 3)));
  if (field) expect(res.body.field).toBe(field);
}

/** A GET answered as text (CSV), whatever its content type. */
function text(cookie: string, path: string) {
  return get(cookie, path)
    .buffer(true)
    .parse((r, cb) => {
      let s = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (s += c));
      r.on('end', () => cb(null, s));
    });
}

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
  a = await business(h, 100_000_000n);
  b = await business(h, 100_000_000n);
  cardA = await issueCard(a);
  // A second cardholder of A whose name starts like a formula.
  const holder = await a.partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: '+Budi Santoso', email: `budi.${randomUUID().slice(0, 8)}@example.com` }));
  const cardA2 = await issueCard({ ...a, holderId: holder.body.cardholder.id });
  holderB = b.holderId;
  const cardB = await issueCard(b);
  [owner, finance, viewer, ownerB] = await Promise.all([adminSession(h, a.businessId, 'owner'), adminSession(h, a.businessId, 'finance_admin'), adminSession(h, a.businessId, 'viewer'), adminSession(h, b.businessId, 'owner')]);

  // IDR minor units: 5_000_000 = IDR 50,000.00.
  await purchase(net, cardA, 5_000_000, KOPI); // restaurants 50,000
  await purchase(net, cardA2, 3_000_000, FORMULA, { clearAmount: 2_500_050 }); // groceries 25,000.50
  await forcedClearing(net, cardA, 1_200_000, QUOTED); // restaurants 12,000, no authorization
  await refund(net, cardA, 500_000, KOPI); // -5,000 at restaurants
  await purchase(net, cardB, 7_700_000, GROCER); // B's: never in A's answers
});
afterAll(async () => {
  const queue = new Queue(REPORTS_QUEUE, { connection: { url: h.kartu.config.redisUrl }, prefix: h.kartu.config.redisPrefix });
  await queue.obliterate({ force: true });
  await queue.close();
  await h.close();
});

const idr = (value: string) => ({ value, currency: 'IDR' });

describe('GET /admin/v1/spend', () => {
  it('totals, days and the four groupings of the period, from the ledger; every role reads it', async () => {
    const res = await get(viewer, `/spend?fromDate=${monthStart()}&toDate=${today()}`);
    expectCode(res, '2009900');
    const s = res.body.spend;
    expect(s).toMatchObject({ fromDate: monthStart(), toDate: today(), timeZone: 'Asia/Jakarta', currency: 'IDR' });
    expect(s.totals).toEqual({ purchases: 3, spend: idr('87000.50'), refunds: 1, refunded: idr('5000.00'), net: idr('82000.50') });
    expect(s.daily).toHaveLength(Number(today().slice(8)));
    expect(s.daily.at(-1)).toEqual({ date: today(), spend: idr('87000.50'), refunded: idr('5000.00') });
    expect(s.daily[0].date).toBe(monthStart());
    expect(s.byCategory).toEqual({
      rowCount: 2,
      rows: [
        { category: 'restaurants', purchases: 2, spend: idr('62000.00'), refunds: 1, refunded: idr('5000.00'), net: idr('57000.00') },
        { category: 'groceries', purchases: 1, spend: idr('25000.50'), refunds: 0, refunded: idr('0.00'), net: idr('25000.50') },
      ],
    });
    expect(s.byCardholder.rows.map((r: { cardholderName: string; net: unknown }) => [r.cardholderName, r.net])).toEqual([
      ['Siti Rahayu', idr('57000.00')],
      ['+Budi Santoso', idr('25000.50')],
    ]);
    expect(s.byMerchant.rows.map((r: { merchantName: string; mcc: string; category: string }) => [r.merchantName, r.mcc, r.category])).toEqual([
      ['Kopi Kenangan', '5814', 'restaurants'],
      [FORMULA.name, '5411', 'groceries'],
      [QUOTED.name, '5812', 'restaurants'],
    ]);
    expect(s.byCard.rows[0]).toMatchObject({ cardId: cardA.id, last4: cardA.number.slice(-4), cardholderName: 'Siti Rahayu', purchases: 2 });
  });

  it('another business sees only its own spend', async () => {
    const res = await get(ownerB, `/spend?fromDate=${monthStart()}&toDate=${today()}`);
    expectCode(res, '2009900');
    expect(res.body.spend.totals.spend).toEqual(idr('77000.00'));
    expect(res.body.spend.byCardholder.rows.map((r: { cardholderId: string }) => r.cardholderId)).toEqual([holderB]);
  });

  it('refuses bad periods and unknown parameters', async () => {
    expectCode(await get(owner, '/spend?fromDate=2026-11-01'), '4009902', 'toDate');
    expectCode(await get(owner, '/spend?fromDate=2026-11-01&toDate=2026-13-01'), '4009901', 'toDate');
    expectCode(await get(owner, '/spend?fromDate=2026-11-02&toDate=2026-11-01'), '4009901', 'toDate');
    expectCode(await get(owner, '/spend?fromDate=2025-01-01&toDate=2026-01-02'), '4009901', 'toDate');
    expectCode(await get(owner, `/spend?fromDate=${monthStart()}&toDate=${today()}&cardId=x`), '4009901', 'cardId');
    expectCode(await h.http().get(`/admin/v1/spend?fromDate=${monthStart()}&toDate=${today()}`), '4019900');
  });
});

describe('report jobs on the admin API', () => {
  it('owners and finance admins request; every role reads and downloads; the file link is on the admin API', async () => {
    expectCode(await post(viewer, '/reports', { type: 'spend_by_category', fromDate: monthStart(), toDate: today() }), '4039901');
    const created = await post(finance, '/reports', { type: 'spend_by_category', fromDate: monthStart(), toDate: today() });
    expectCode(created, '2009900');
    expect(created.body.report).toMatchObject({ status: 'queued', progress: 0, format: 'csv', requestedBy: 'admin', file: null });
    const id = created.body.report.id;
    const [audit] = await h.kartu.db.query("SELECT actor_type, action FROM audit_log WHERE business_id = $1 AND target_id = $2", [a.businessId, id]);
    expect(audit).toEqual({ actor_type: 'admin', action: 'report.requested' });

    // Not done yet: no file.
    expectCode(await get(viewer, `/reports/${id}/file`), '4039915');
    await generateReport(h.kartu, id);
    const done = await get(viewer, `/reports/${id}`);
    expectCode(done, '2009900');
    expect(done.body.report).toMatchObject({ status: 'done', progress: 100, file: { url: `/admin/v1/reports/${id}/file`, contentType: 'text/csv; charset=utf-8' } });
    const file = await text(viewer, `/reports/${id}/file`);
    expect(file.status).toBe(200);
    expect(file.headers['content-disposition']).toBe(`attachment; filename="spend_by_category-${monthStart()}-to-${today()}.csv"`);
    expect(file.body).toBe(
      'category,currency,purchases,spend,refunds,refunded,net\n' +
        'restaurants,IDR,2,62000.00,1,5000.00,57000.00\n' +
        'groceries,IDR,1,25000.50,0,0.00,25000.50\n' +
        'TOTAL,IDR,3,87000.50,1,5000.00,82000.50\n',
    );
    const list = await get(viewer, '/reports?pageSize=5');
    expectCode(list, '2009900');
    expect(list.body.reports[0]).toMatchObject({ id, file: { url: `/admin/v1/reports/${id}/file` } });

    // The partner API sees the same report, with its own link.
    const partner = await a.partner.call('GET', `/snap/v1.0/reports/${id}`);
    expect(partner.body.report).toMatchObject({ id, requestedBy: 'admin', file: { url: `/snap/v1.0/reports/${id}/file` } });

    // Another business's report does not exist for this one.
    expectCode(await get(ownerB, `/reports/${id}`), '4049901');
    expectCode(await get(ownerB, `/reports/${id}/file`), '4049901');
    expect((await get(ownerB, '/reports')).body.totalCount).toBe(0);
  });

  it('refuses bad requests and queues nothing', async () => {
    const [before] = await h.kartu.db.query('SELECT count(*)::int AS n FROM reports WHERE business_id = $1', [a.businessId]);
    expectCode(await post(owner, '/reports', { type: 'spend_by_planet', fromDate: monthStart(), toDate: today() }), '4009901', 'type');
    expectCode(await post(owner, '/reports', { type: 'spend_by_card', fromDate: monthStart() }), '4009902', 'toDate');
    expectCode(await post(owner, '/reports', { type: 'spend_by_card', fromDate: monthStart(), toDate: today(), format: 'xlsx' }), '4009901', 'format');
    expectCode(await post(owner, '/reports', { type: 'spend_by_card', fromDate: monthStart(), toDate: today(), colour: 'red' }), '4009901', 'colour');
    expectCode(await post(owner, '/reports', { type: 'spend_by_card', fromDate: '2026-11-02', toDate: '2026-11-01' }), '4009901', 'toDate');
    expectCode(await get(owner, '/reports/not-an-id'), '4049901');
    const [after] = await h.kartu.db.query('SELECT count(*)::int AS n FROM reports WHERE business_id = $1', [a.businessId]);
    expect(after).toEqual(before);
  });
});

describe('GET /admin/v1/statements', () => {
  it('lists the months since the business began with the statement of each, once one is made', async () => {
    const first = await get(viewer, '/statements');
    expectCode(first, '2009900');
    const month = today().slice(0, 7);
    expect(first.body.statements).toHaveLength(1); // the business was created this month
    const [current] = first.body.statements;
    expect(current).toMatchObject({ month, fromDate: `${month}-01`, complete: false, report: null });
    expect(current.toDate.slice(0, 7)).toBe(month);

    const created = await post(owner, '/reports', { type: 'monthly_statement', fromDate: current.fromDate, toDate: current.toDate, format: 'pdf' });
    expectCode(created, '2009900');
    await generateReport(h.kartu, created.body.report.id);
    const listed = await get(viewer, '/statements');
    expect(listed.body.statements[0].report).toMatchObject({ id: created.body.report.id, status: 'done', file: { url: `/admin/v1/reports/${created.body.report.id}/file`, contentType: 'application/pdf' } });
    // A report of another range is no month's statement, and another business sees none of A's.
    expect((await get(ownerB, '/statements')).body.statements[0].report).toBeNull();
  });

  it('takes no query and needs a session', async () => {
    expectCode(await get(owner, '/statements?month=2026-11'), '4009901', 'month');
    expectCode(await h.http().get('/admin/v1/statements'), '4019900');
  });
});

describe('GET /admin/v1/accounting-export', () => {
  it('one row per cleared purchase and refund, amounts in major units, refunds negative, text cells formula-safe; audited', async () => {
    const res = await text(viewer, `/accounting-export?fromDate=${monthStart()}&toDate=${today()}`);
    expect(res.status, res.body).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="accounting-export-${monthStart()}-to-${today()}.csv"`);
    const refs: Array<{ id: string; code: string | null }> = await h.kartu.db.query(
      `SELECT t.id, a.authorization_code AS code FROM ledger_transfers t
         LEFT JOIN ledger_transfers hold ON hold.id = t.pending_id
         LEFT JOIN authorizations a ON hold.reference = 'authorization:' || a.id
        WHERE t.business_id = $1 AND t.kind IN ('post', 'over_capture', 'force_post', 'refund') ORDER BY t.created_at, t.id`,
      [a.businessId],
    );
    expect(refs).toHaveLength(4);
    expect(refs[0]!.code).toMatch(/^[0-9A-Z]{6}$/);
    const d = today();
    const last4 = cardA.number.slice(-4);
    const rows = parseCsv(res.body);
    expect(rows[0]).toEqual(['date', 'type', 'cardholder', 'card', 'merchant', 'mcc', 'category', 'amount', 'currency', 'reference', 'authorizationCode', 'memo']);
    expect(rows.slice(1)).toEqual([
      [d, 'PURCHASE', 'Siti Rahayu', last4, 'Kopi Kenangan', '5814', 'restaurants', '50000.00', 'IDR', refs[0]!.id, refs[0]!.code, 'Jakarta, ID'],
      [d, 'PURCHASE', "'+Budi Santoso", expect.stringMatching(/^\d{4}$/), `'${FORMULA.name}`, '5411', 'groceries', '25000.50', 'IDR', refs[1]!.id, refs[1]!.code, 'Bandung, ID'],
      [d, 'PURCHASE', 'Siti Rahayu', last4, QUOTED.name, '5812', 'restaurants', '12000.00', 'IDR', refs[2]!.id, '', 'ID'],
      [d, 'REFUND', 'Siti Rahayu', last4, 'Kopi Kenangan', '5814', 'restaurants', '-5000.00', 'IDR', refs[3]!.id, '', 'Jakarta, ID'],
    ]);
    // RFC 4180 on the wire: the quoted name is quoted, its quotes doubled.
    expect(res.body).toContain(`,"'=HYPERLINK(""http://x.example"")",`);
    expect(res.body).toContain(',"Warung ""Bu Tini"", Blok M",');
    const audit = await h.kartu.db.query("SELECT actor_type, details FROM audit_log WHERE business_id = $1 AND action = 'accounting_export.downloaded'", [a.businessId]);
    expect(audit).toEqual([{ actor_type: 'admin', details: { fromDate: monthStart(), toDate: today(), timeZone: 'Asia/Jakarta' } }]);
  });

  it("a period without spend is the header alone; another business's export has none of these rows", async () => {
    expect((await text(owner, '/accounting-export?fromDate=2026-01-01&toDate=2026-01-31')).body).toBe(
      'date,type,cardholder,card,merchant,mcc,category,amount,currency,reference,authorizationCode,memo\n',
    );
    const other = parseCsv((await text(ownerB, `/accounting-export?fromDate=${monthStart()}&toDate=${today()}`)).body);
    expect(other.slice(1).map((r) => [r[4], r[7]])).toEqual([['Super Indo', '77000.00']]);
  });

  it('refuses bad periods and unknown parameters, and audits nothing then', async () => {
    expectCode(await get(owner, '/accounting-export?fromDate=2026-11-01'), '4009902', 'toDate');
    expectCode(await get(owner, '/accounting-export?fromDate=11/01/2026&toDate=2026-11-30'), '4009901', 'fromDate');
    expectCode(await get(owner, '/accounting-export?fromDate=2026-11-30&toDate=2026-11-01'), '4009901', 'toDate');
    expectCode(await get(owner, '/accounting-export?fromDate=2026-11-01&toDate=2026-11-30&format=xlsx'), '4009901', 'format');
    expectCode(await h.http().get('/admin/v1/accounting-export?fromDate=2026-11-01&toDate=2026-11-30'), '4019900');
    const [n] = await h.kartu.db.query("SELECT count(*)::int AS n FROM audit_log WHERE action = 'accounting_export.downloaded' AND business_id = $1", [a.businessId]);
    expect(n.n).toBe(2);
  });
});
