import type { Kartu } from '../../context';
import { csvLine } from '../../platform/csv';
import { currencyExponent } from '../../platform/money';
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

/** Minor units in major units with exactly the currency's exponent: IDR 5000050 → "50000.50", JPY 1500 → "1500", KWD 1234500 → "1234.500"; a refund negative. */
export function majorUnits(amountMinor: bigint, currency: string): string {
  const exp = currencyExponent(currency);
  const negative = amountMinor < 0n;
  const digits = (negative ? -amountMinor : amountMinor).toString().padStart(exp + 1, '0');
  const whole = exp ? digits.slice(0, -exp) : digits;
  return `${negative ? '-' : ''}${whole}${exp ? `.${digits.slice(-exp)}` : ''}`;
}

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
    majorUnits(signed, l.currency),
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
