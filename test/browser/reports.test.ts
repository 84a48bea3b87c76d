import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Queue } from 'bullmq';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReportWorkers, type ReportWorkers } from '../../src/modules/reports/reports.jobs';
import { REPORTS_QUEUE } from '../../src/modules/reports/reports.queue';
import { localDate } from '../../src/modules/rewards/transaction-facts';
import { parseCsv } from '../../src/platform/csv';
import { browserSuite, expectAccessible, type SeededBusiness } from '../support/browser';
import { exact, heading, tr } from '../support/dashboard';

/**
 * Reports in a real browser: the month's cleared spend as uPlot charts (canvas, no CSP violation)
 * with the same numbers in tables, a CSV report requested, made by the reports worker and
 * downloaded, a monthly statement made, and the accounting export downloaded and read — in English
 * as a finance admin, then in Indonesian as a viewer (who cannot request). Report jobs need the
 * BullMQ worker, which the browser harness does not run: this file starts the reports worker in
 * its own process, on the harness's Redis prefix (startReportWorkers, as `kartu worker` does).
 */

const b = browserSuite();
let workers: ReportWorkers;

beforeAll(async () => {
  workers = await startReportWorkers(b.h.kartu, { url: b.h.kartu.config.redisUrl, maxRetriesPerRequest: null }, b.h.kartu.config.redisPrefix, 1);
});
afterAll(async () => {
  await workers?.close();
  const queue = new Queue(REPORTS_QUEUE, { connection: { url: b.h.kartu.config.redisUrl }, prefix: b.h.kartu.config.redisPrefix });
  await queue.obliterate({ force: true });
  await queue.close();
});

/**
 * One business for the file: three cleared purchases on two cards, a partial refund, and a hold
 * that is not spend — sandbox calls of one finance-admin session (one login, not one per call).
 */
let seeded: Promise<{ biz: SeededBusiness; cards: Array<{ id: string; last4: string }> }> | undefined;
function seed() {
  seeded ??= (async () => {
    const biz = await b.seedBusiness();
    const cookie = `kartu_session=${await b.login(biz.admins.finance_admin)}`;
    const call = async (path: string, body: object) => {
      const res = await b.h.http().post(`/admin/v1${path}`).set('Cookie', cookie).send(body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body;
    };
    const card = async () => (await call('/cards', { partnerReferenceNo: randomUUID(), cardholderId: biz.holderId, type: 'VIRTUAL' })).card as { id: string; last4: string };
    const bought = async (cardId: string, value: string, name: string, mcc: string) =>
      (await call('/sandbox/authorizations', { cardId, amount: { value, currency: 'IDR' }, merchant: { id: `m-${mcc}`, name, mcc, country: 'ID', city: 'Jakarta' } })).authorization.authorizationId as string;
    const cards = [await card(), await card()];
    for (const [cardId, value, name, mcc] of [
      [cards[0]!.id, '50000.00', 'Warung Sate', '5812'],
      [cards[1]!.id, '25000.50', 'Toko Besar', '5411'],
      [cards[0]!.id, '12000.00', 'Kopi Kenangan', '5814'],
    ] as const) {
      const id = await bought(cardId, value, name, mcc);
      await call(`/sandbox/authorizations/${id}/clear`, {});
      if (mcc === '5814') await call(`/sandbox/authorizations/${id}/refund`, { amount: { value: '2000.00', currency: 'IDR' } });
    }
    await bought(cards[0]!.id, '7000.00', 'Hotel Mulia', '7011'); // held only: not spend
    return { biz, cards };
  })();
  return seeded;
}

const today = () => localDate(new Date(), 'Asia/Jakarta');
const monthStart = () => `${today().slice(0, 8)}01`;

/** Clicks what starts a download and answers the file's text. */
async function download(page: Page, start: () => Promise<void>): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), start()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: await readFile(path, 'utf8') };
}

/** The rows of a table as the cells' texts. */
async function rowsOf(page: Page, name: string): Promise<string[][]> {
  const table = page.getByRole('table', { name, exact: true });
  await table.waitFor();
  return table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => (c.textContent ?? '').trim())));
}

describe('reports', () => {
  it('shows the month as charts and tables, makes a CSV report and a statement, and downloads them and the accounting export (en)', async () => {
    const { biz, cards } = await seed();
    const page = await b.open('/dashboard/reports', { as: biz.admins.finance_admin, locale: 'en' });
    await heading(page, tr('en', 'reports.title'));
    await expect.poll(() => page.locator('.report-chart canvas').count()).toBe(5);
    await page.getByRole('img', { name: tr('en', 'reports.groupChart', { title: tr('en', 'reports.by.category') }) }).waitFor();
    // uPlot styles its elements through the CSSOM, which the CSP allows: nothing was blocked or logged.
    expect(await b.takeProblems(page.context())).toEqual([]);
    expect(await page.locator('.report-totals').innerText()).toMatch(/IDR 87,000\.50[\s\S]*IDR 2,000[\s\S]*IDR 85,000\.50[\s\S]*3/);
    expect(await rowsOf(page, tr('en', 'reports.by.category'))).toEqual([
      ['restaurants', '2', 'IDR 62,000', 'IDR 2,000', 'IDR 60,000'],
      ['groceries', '1', 'IDR 25,000.50', 'IDR 0', 'IDR 25,000.50'],
    ]);
    expect(await rowsOf(page, tr('en', 'reports.by.card'))).toEqual([
      [`•••• ${cards[0]!.last4}`, 'Siti Rahayu', '2', 'IDR 62,000', 'IDR 2,000', 'IDR 60,000'],
      [`•••• ${cards[1]!.last4}`, 'Siti Rahayu', '1', 'IDR 25,000.50', 'IDR 0', 'IDR 25,000.50'],
    ]);
    expect((await rowsOf(page, tr('en', 'reports.by.merchant'))).map((r) => r.slice(0, 3))).toEqual([
      ['Warung Sate', '5812', 'restaurants'],
      ['Toko Besar', '5411', 'groceries'],
      ['Kopi Kenangan', '5814', 'restaurants'],
    ]);
    await expectAccessible(page);

    // The accounting export of the period: one row per cleared purchase and refund.
    const exported = await download(page, () => page.getByRole('link', { name: tr('en', 'reports.export.download') }).click());
    expect(exported.name).toBe(`accounting-export-${monthStart()}-to-${today()}.csv`);
    const rows = parseCsv(exported.text);
    expect(rows[0]).toEqual(['date', 'type', 'cardholder', 'card', 'merchant', 'mcc', 'category', 'amount', 'currency', 'reference', 'authorizationCode', 'memo']);
    expect(rows.slice(1).map((r) => [r[0], r[1], r[2], r[3], r[4], r[6], r[7], r[8]])).toEqual([
      [today(), 'PURCHASE', 'Siti Rahayu', cards[0]!.last4, 'Warung Sate', 'restaurants', '50000.00', 'IDR'],
      [today(), 'PURCHASE', 'Siti Rahayu', cards[1]!.last4, 'Toko Besar', 'groceries', '25000.50', 'IDR'],
      [today(), 'PURCHASE', 'Siti Rahayu', cards[0]!.last4, 'Kopi Kenangan', 'restaurants', '12000.00', 'IDR'],
      [today(), 'REFUND', 'Siti Rahayu', cards[0]!.last4, 'Kopi Kenangan', 'restaurants', '-2000.00', 'IDR'],
    ]);

    // A CSV report of the period, made by the worker while the page polls it.
    await page.getByLabel(tr('en', 'reports.jobs.type'), exact).selectOption('spend_by_merchant');
    await page.getByRole('button', { name: tr('en', 'reports.jobs.submit'), exact: true }).click();
    await page.getByRole('status').filter({ hasText: tr('en', 'reports.jobs.queued') }).waitFor();
    const reports = page.getByRole('table', { name: tr('en', 'reports.jobs.list'), exact: true });
    const csvLink = reports.getByRole('link', { name: new RegExp(`^${tr('en', 'reports.jobs.download', { format: 'CSV' })}`) });
    const report = await download(page, () => csvLink.click());
    expect(report.name).toBe(`spend_by_merchant-${monthStart()}-to-${today()}.csv`);
    expect(report.text).toBe(
      'merchantId,merchantName,mcc,category,currency,purchases,spend,refunds,refunded,net\n' +
        'm-5812,Warung Sate,5812,restaurants,IDR,1,50000.00,0,0.00,50000.00\n' +
        'm-5411,Toko Besar,5411,groceries,IDR,1,25000.50,0,0.00,25000.50\n' +
        'm-5814,Kopi Kenangan,5814,restaurants,IDR,1,12000.00,1,2000.00,10000.00\n' +
        'TOTAL,,,,IDR,3,87000.50,1,2000.00,85000.50\n',
    );

    // This month's statement, made on request.
    const statements = page.getByRole('table', { name: tr('en', 'reports.statements.title'), exact: true });
    await statements.getByRole('button', { name: new RegExp(`^${tr('en', 'reports.statements.make')}`) }).click();
    const pdf = await download(page, () => statements.getByRole('link', { name: new RegExp(`^${tr('en', 'reports.jobs.download', { format: 'PDF' })}`) }).click());
    expect(pdf.name).toMatch(/^monthly_statement-\d{4}-\d{2}-01-to-\d{4}-\d{2}-\d{2}\.pdf$/);
    expect(pdf.text.startsWith('%PDF-')).toBe(true);
  });

  it('reads the same figures in Indonesian as a viewer, who cannot request reports (id)', async () => {
    const { biz } = await seed();
    const page = await b.open('/dashboard/reports', { as: biz.admins.viewer, locale: 'id' });
    await heading(page, tr('id', 'reports.title'));
    expect(await rowsOf(page, tr('id', 'reports.by.category'))).toEqual([
      ['restoran', '2', 'Rp 62.000', 'Rp 2.000', 'Rp 60.000'],
      ['bahan makanan', '1', 'Rp 25.000,50', 'Rp 0', 'Rp 25.000,50'],
    ]);
    await expect.poll(() => page.locator('.report-chart canvas').count()).toBe(5);
    expect(await page.getByRole('button', { name: tr('id', 'reports.jobs.submit'), exact: true }).count()).toBe(0);
    // The English run's CSV report and statement are listed for the viewer to download.
    await page.getByRole('table', { name: tr('id', 'reports.jobs.list'), exact: true }).getByRole('link', { name: new RegExp(`^${tr('id', 'reports.jobs.download', { format: 'CSV' })}`) }).waitFor();

    // A period that ends before it starts is refused on its field, and the figures stay.
    await page.getByLabel(tr('id', 'reports.period.to'), exact).fill('2026-01-01');
    await page.getByLabel(tr('id', 'reports.period.from'), exact).fill('2026-02-01');
    await page.getByRole('button', { name: tr('id', 'reports.period.show'), exact: true }).click();
    await page.getByText(tr('id', 'reports.period.beforeStart'), exact).waitFor();
    await expectAccessible(page);
  });
});
