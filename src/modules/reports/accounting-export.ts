import type { Kartu } from '../../context';
import { csvLine } from '../../platform/csv';
import { formatMajorUnits } from '../../platform/money';
import { recordAudit } from '../access/audit';
import type { Caller } from '../access/caller';
import { localDate } from '../rewards/transaction-facts';
import { categoryOf, periodBounds, spendLinesPage, type SpendLine } from './report-data';
import { textCell } from './report-render';
import { business, checkPeriod } from './reports.service';

/**
 * The accounting export (docs/reports.md, "Accounting export"): one CSV row per cleared purchase
 * and per refund of a period, the same lines the spend reports and statements count, for an
 * accounting tool's bank-feed or expense import.
 */

export const ACCOUNTING_COLUMNS = ['date', 'type', 'cardholder', 'card', 'merchant', 'mcc', 'category', 'amount', 'currency', 'reference', 'authorizationCode', 'memo'] as const;
const PAGE = 1000;

/** What Kartu knows beyond the columns: the merchant's city and country as the network sent them (Kartu keeps no receipts or notes). */
function memo(l: SpendLine): string {
  return [l.merchant?.city, l.merchant?.country].filter((s): s is string => typeof s === 'string' && s !== '').join(', ');
}

export function accountingRow(l: SpendLine, timeZone: string): string {
  const signed = l.kind === 'refund' ? -l.amount : l.amount;
  return csvLine([
    localDate(l.at, timeZone),
    l.kind === 'refund' ? 'REFUND' : 'PURCHASE',
    textCell(l.cardholderName ?? ''),
    l.last4 ?? '',
    textCell(l.merchant?.name ?? ''),
    textCell(l.merchant?.mcc ?? ''),
    categoryOf(l.merchant),
    formatMajorUnits(signed, l.currency),
    l.currency,
    l.transferId,
    textCell(l.authorizationCode ?? ''),
    textCell(memo(l)),
  ]);
}

/**
 * Audits the export (who took which period), then hands the CSV out in pieces as the ledger is
 * read, so a long period is never held in memory whole.
 */
export async function accountingExport(
  k: Kartu,
  caller: Caller,
  fromDate: string,
  toDate: string,
): Promise<{ fileName: string; chunks: AsyncGenerator<string> }> {
  checkPeriod(fromDate, toDate);
  const db = k.db.manager;
  const b = await business(db, caller.businessId);
  const { from, to } = await periodBounds(db, fromDate, toDate, b.time_zone);
  await recordAudit(db, {
    businessId: caller.businessId,
    actorType: caller.actorType,
    actorId: caller.actorId,
    action: 'accounting_export.downloaded',
    targetType: 'business',
    targetId: caller.businessId,
    details: { fromDate, toDate, timeZone: b.time_zone },
    ip: caller.ip,
  });
  async function* chunks(): AsyncGenerator<string> {
    yield csvLine([...ACCOUNTING_COLUMNS]);
    let after: string | undefined;
    for (;;) {
      const page = await spendLinesPage(db, caller.businessId, from, to, PAGE, after);
      if (page.length > 0) yield page.map((l) => accountingRow(l, b.time_zone)).join('');
      if (page.length < PAGE) return;
      after = page.at(-1)!.transferId;
    }
  }
  return { fileName: `accounting-export-${fromDate}-to-${toDate}.csv`, chunks: chunks() };
}
