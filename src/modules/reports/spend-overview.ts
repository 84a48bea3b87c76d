import type { Kartu } from '../../context';
import { snapAmount } from '../../platform/money';
import { localDate } from '../rewards/transaction-facts';
import { periodBounds, spendLinesPage, type SpendLine } from './report-data';
import { SpendAggregator, type GroupRow, type Header, type SpendReportType } from './report-render';
import { business, checkPeriod } from './reports.service';

/**
 * The dashboard's spend over a period (docs/reports.md, "Spend overview"): the same lines and the
 * same aggregation as the spend reports (so its numbers are the reports' and the ledger's), by
 * category, cardholder, merchant and card, plus the spend of each day. Computed on request by
 * reading the period's purchase and refund lines page by page (no report is stored).
 */

/** Groups shown per dimension, biggest spend first; `rowCount` says how many there are in all. */
export const OVERVIEW_ROWS = 100;
const PAGE = 2000;

type Money = { value: string; currency: string };
interface Figures {
  purchases: number;
  spend: Money;
  refunds: number;
  refunded: Money;
  net: Money;
}

const DIMENSIONS = {
  byCategory: 'spend_by_category',
  byCardholder: 'spend_by_cardholder',
  byMerchant: 'spend_by_merchant',
  byCard: 'spend_by_card',
} as const satisfies Record<string, SpendReportType>;

/** Every date from `fromDate` to `toDate`, inclusive. */
function daysOf(fromDate: string, toDate: string): string[] {
  const out: string[] = [];
  for (let d = new Date(`${fromDate}T00:00:00Z`); d.toISOString().slice(0, 10) <= toDate; d = new Date(d.getTime() + 86400_000)) out.push(d.toISOString().slice(0, 10));
  return out;
}

export async function spendOverview(k: Kartu, businessId: string, fromDate: string, toDate: string) {
  checkPeriod(fromDate, toDate);
  const db = k.db.manager;
  const b = await business(db, businessId);
  const cur = b.currency;
  const { from, to } = await periodBounds(db, fromDate, toDate, b.time_zone);
  const aggregators = Object.fromEntries(Object.entries(DIMENSIONS).map(([name, type]) => [name, new SpendAggregator(type)])) as Record<keyof typeof DIMENSIONS, SpendAggregator>;
  const daily = new Map(daysOf(fromDate, toDate).map((d) => [d, { spend: 0n, refunded: 0n }]));
  let after: string | undefined;
  for (;;) {
    const page: SpendLine[] = await spendLinesPage(db, businessId, from, to, PAGE, after);
    for (const a of Object.values(aggregators)) a.add(page);
    for (const l of page) {
      const day = daily.get(localDate(l.at, b.time_zone));
      if (!day) continue;
      if (l.kind === 'purchase') day.spend += l.amount;
      else day.refunded += l.amount;
    }
    if (page.length < PAGE) break;
    after = page.at(-1)!.transferId;
  }
  const figures = (g: Omit<GroupRow, 'key'>): Figures => ({
    purchases: g.purchases,
    spend: snapAmount(g.spend, cur),
    refunds: g.refunds,
    refunded: snapAmount(g.refunded, cur),
    net: snapAmount(g.spend - g.refunded, cur),
  });
  const header: Header = { title: '', businessName: b.name, fromDate, toDate, timeZone: b.time_zone, currency: cur, generatedAt: k.clock.now() };
  const rows = <T>(name: keyof typeof DIMENSIONS, key: (k: string[]) => T) => {
    const r = aggregators[name].result(header);
    return { rowCount: r.rows.length, rows: r.rows.slice(0, OVERVIEW_ROWS).map((g) => ({ ...key(g.key), ...figures(g) })) };
  };
  const orNull = (s: string | undefined) => (s ? s : null);
  return {
    fromDate,
    toDate,
    timeZone: b.time_zone,
    currency: cur,
    totals: figures(aggregators.byCategory.totals),
    daily: [...daily.entries()].map(([date, d]) => ({ date, spend: snapAmount(d.spend, cur), refunded: snapAmount(d.refunded, cur) })),
    byCategory: rows('byCategory', ([category]) => ({ category: category! })),
    byCardholder: rows('byCardholder', ([id, name]) => ({ cardholderId: orNull(id), cardholderName: orNull(name) })),
    byMerchant: rows('byMerchant', ([id, name, mcc, category]) => ({ merchantId: orNull(id), merchantName: orNull(name), mcc: orNull(mcc), category: category! })),
    byCard: rows('byCard', ([id, last4, name]) => ({ cardId: orNull(id), last4: orNull(last4), cardholderName: orNull(name) })),
  };
}
