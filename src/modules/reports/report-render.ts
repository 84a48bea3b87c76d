import PDFDocument from 'pdfkit';
import { csvLine } from '../../platform/csv';
import { formatSnapValue } from '../../platform/money';
import { formatSnapTimestamp } from '../../platform/snap-time';
import { categoryOf, type SpendLine, type StatementLine } from './report-data';

/**
 * Report contents (aggregations) and their two renderings: CSV (RFC 4180, amounts as SNAP decimal
 * strings such as "10000.00") and PDF (pdfkit; a table, totals and a spend-by-category bar chart).
 */

export type SpendReportType = 'spend_by_category' | 'spend_by_cardholder' | 'spend_by_merchant' | 'spend_by_card';

export interface Header {
  title: string;
  businessName: string;
  fromDate: string;
  toDate: string;
  timeZone: string;
  currency: string;
  generatedAt: Date;
}

export interface GroupRow {
  key: string[];
  purchases: number;
  spend: bigint;
  refunds: number;
  refunded: bigint;
}

export interface SpendReport {
  header: Header;
  keyColumns: string[];
  rows: GroupRow[];
  totals: Omit<GroupRow, 'key'>;
  byCategory: Array<[string, bigint]>;
}

const KEY_COLUMNS: Record<SpendReportType, string[]> = {
  spend_by_category: ['category'],
  spend_by_cardholder: ['cardholderId', 'cardholderName'],
  spend_by_merchant: ['merchantId', 'merchantName', 'mcc', 'category'],
  spend_by_card: ['cardId', 'last4', 'cardholderName'],
};

function keyOf(type: SpendReportType, l: SpendLine): string[] {
  switch (type) {
    case 'spend_by_category':
      return [categoryOf(l.merchant)];
    case 'spend_by_cardholder':
      return [l.cardholderId ?? '', l.cardholderName ?? ''];
    case 'spend_by_merchant':
      return [l.merchant?.id ?? '', l.merchant?.name ?? '', l.merchant?.mcc ?? '', categoryOf(l.merchant)];
    case 'spend_by_card':
      return [l.cardId ?? '', l.last4 ?? '', l.cardholderName ?? ''];
  }
}

/** Folds lines into a running aggregation (lines arrive page by page). */
export class SpendAggregator {
  private readonly groups = new Map<string, GroupRow>();
  private readonly categories = new Map<string, bigint>();
  readonly totals = { purchases: 0, spend: 0n, refunds: 0, refunded: 0n };

  constructor(private readonly type: SpendReportType) {}

  add(lines: SpendLine[]): void {
    for (const l of lines) {
      const key = keyOf(this.type, l);
      const id = JSON.stringify(key);
      let g = this.groups.get(id);
      if (!g) this.groups.set(id, (g = { key, purchases: 0, spend: 0n, refunds: 0, refunded: 0n }));
      if (l.kind === 'purchase') {
        g.purchases++;
        g.spend += l.amount;
        this.totals.purchases++;
        this.totals.spend += l.amount;
        const c = categoryOf(l.merchant);
        this.categories.set(c, (this.categories.get(c) ?? 0n) + l.amount);
      } else {
        g.refunds++;
        g.refunded += l.amount;
        this.totals.refunds++;
        this.totals.refunded += l.amount;
      }
    }
  }

  result(header: Header): SpendReport {
    const rows = [...this.groups.values()].sort((a, b) => (b.spend > a.spend ? 1 : b.spend < a.spend ? -1 : a.key.join().localeCompare(b.key.join())));
    return { header, keyColumns: KEY_COLUMNS[this.type], rows, totals: { ...this.totals }, byCategory: sortedCategories(this.categories) };
  }
}

function sortedCategories(m: Map<string, bigint>): Array<[string, bigint]> {
  return [...m.entries()].sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : a[0].localeCompare(b[0])));
}

/**
 * A text cell that came from outside (merchant names and ids from the network, cardholder names):
 * one starting like a spreadsheet formula gets a leading apostrophe, so opening the CSV in a
 * spreadsheet shows it instead of running it (CSV injection).
 */
export function textCell(s: string): string {
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export function spendReportCsv(r: SpendReport): Buffer {
  const cur = r.header.currency;
  const v = (x: bigint) => formatSnapValue(x, cur);
  let out = csvLine([...r.keyColumns, 'currency', 'purchases', 'spend', 'refunds', 'refunded', 'net']);
  for (const g of r.rows) out += csvLine([...g.key.map(textCell), cur, g.purchases, v(g.spend), g.refunds, v(g.refunded), v(g.spend - g.refunded)]);
  const t = r.totals;
  out += csvLine(['TOTAL', ...r.keyColumns.slice(1).map(() => ''), cur, t.purchases, v(t.spend), t.refunds, v(t.refunded), v(t.spend - t.refunded)]);
  return Buffer.from(out, 'utf8');
}

// ---- monthly statement ------------------------------------------------------------------------

export interface Statement {
  header: Header;
  opening: bigint;
  closing: bigint;
  totals: { topUps: bigint; spend: bigint; refunds: bigint; cashback: bigint; otherCredits: bigint; otherDebits: bigint };
  lines: Array<StatementLine & { balance: bigint; description: string }>;
  byCategory: Array<[string, bigint]>;
}

/**
 * The statement of the funding account: opening balance + top-ups − spend + refunds + rewards
 * cashback (+ other credits − other debits) = closing balance, every figure a sum of ledger transfers.
 */
export function buildStatement(header: Header, opening: bigint, lines: StatementLine[], spend: SpendLine[]): Statement {
  const merchants = new Map(spend.map((l) => [l.transferId, l]));
  const totals = { topUps: 0n, spend: 0n, refunds: 0n, cashback: 0n, otherCredits: 0n, otherDebits: 0n };
  const categories = new Map<string, bigint>();
  let balance = opening;
  const out: Statement['lines'] = [];
  for (const l of lines) {
    balance += l.amount;
    const s = merchants.get(l.transferId);
    let description: string;
    switch (l.type) {
      case 'TOP_UP':
        totals.topUps += l.amount;
        description = 'Top-up';
        break;
      case 'PURCHASE': {
        totals.spend += -l.amount;
        const c = categoryOf(s?.merchant ?? null);
        categories.set(c, (categories.get(c) ?? 0n) - l.amount);
        description = [s?.merchant?.name ?? 'Card purchase', s?.last4 ? `card ${s.last4}` : ''].filter(Boolean).join(' · ');
        break;
      }
      case 'REFUND':
        totals.refunds += l.amount;
        description = [`Refund ${s?.merchant?.name ?? ''}`.trim(), s?.last4 ? `card ${s.last4}` : ''].filter(Boolean).join(' · ');
        break;
      case 'CASHBACK':
        totals.cashback += l.amount;
        description = 'Rewards cashback';
        break;
      default:
        if (l.amount > 0n) totals.otherCredits += l.amount;
        else totals.otherDebits += -l.amount;
        description = l.kind;
    }
    out.push({ ...l, balance, description });
  }
  return { header, opening, closing: balance, totals, lines: out, byCategory: sortedCategories(categories) };
}

export function statementCsv(s: Statement): Buffer {
  const cur = s.header.currency;
  const v = (x: bigint) => formatSnapValue(x, cur);
  let out = csvLine(['dateTime', 'type', 'reference', 'description', 'currency', 'amount', 'balance']);
  out += csvLine([s.header.fromDate, 'OPENING_BALANCE', '', '', cur, '', v(s.opening)]);
  for (const l of s.lines) out += csvLine([formatSnapTimestamp(l.at), l.type, l.transferId, l.description, cur, v(l.amount), v(l.balance)]);
  out += csvLine([s.header.toDate, 'CLOSING_BALANCE', '', '', cur, '', v(s.closing)]);
  const t = s.totals;
  for (const [type, amount] of [
    ['TOTAL_TOP_UPS', t.topUps],
    ['TOTAL_SPEND', t.spend],
    ['TOTAL_REFUNDS', t.refunds],
    ['TOTAL_CASHBACK', t.cashback],
    ['TOTAL_OTHER_CREDITS', t.otherCredits],
    ['TOTAL_OTHER_DEBITS', t.otherDebits],
  ] as const) {
    out += csvLine(['', type, '', '', cur, v(amount), '']);
  }
  return Buffer.from(out, 'utf8');
}

// ---- PDF --------------------------------------------------------------------------------------

const PAGE_BOTTOM = 780;
const LEFT = 40;
const WIDTH = 515;

function money(x: bigint, currency: string): string {
  return `${currency} ${formatSnapValue(x, currency)}`;
}

async function pdf(header: Header, draw: (doc: PDFKit.PDFDocument) => void, compress = true): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: LEFT,
    compress,
    info: { Title: `${header.title} ${header.fromDate} to ${header.toDate}`, Author: 'Kartu', Subject: header.businessName, CreationDate: header.generatedAt },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  doc.font('Helvetica-Bold').fontSize(16).text(header.title, LEFT, 40);
  doc.font('Helvetica').fontSize(10);
  doc.text(header.businessName);
  doc.text(`Period: ${header.fromDate} to ${header.toDate} (${header.timeZone})`);
  doc.text(`Currency: ${header.currency}`);
  doc.text(`Generated: ${formatSnapTimestamp(header.generatedAt)}`);
  doc.moveDown();
  draw(doc);
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

function ensureRoom(doc: PDFKit.PDFDocument, height: number): void {
  if (doc.y + height > PAGE_BOTTOM) doc.addPage();
}

/** Horizontal bars, longest first, labelled with the category and the amount. */
function barChart(doc: PDFKit.PDFDocument, title: string, data: Array<[string, bigint]>, currency: string): void {
  const bars = data.slice(0, 12);
  ensureRoom(doc, 40 + bars.length * 18);
  doc.font('Helvetica-Bold').fontSize(12).text(title, LEFT, doc.y);
  doc.font('Helvetica').fontSize(9);
  if (bars.length === 0) {
    doc.text('No spend in this period.');
    doc.moveDown();
    return;
  }
  const max = bars[0]![1] > 0n ? bars[0]![1] : 1n;
  const labelWidth = 110;
  const barMax = 270;
  let y = doc.y + 6;
  for (const [label, amount] of bars) {
    const w = Math.max(1, Number((amount * BigInt(barMax)) / max));
    doc.fillColor('#333333').text(label, LEFT, y + 2, { width: labelWidth, lineBreak: false });
    doc.rect(LEFT + labelWidth, y, w, 12).fill('#2f6fde');
    doc.fillColor('#333333').text(money(amount, currency), LEFT + labelWidth + w + 6, y + 2, { lineBreak: false });
    y += 18;
  }
  doc.fillColor('black');
  doc.x = LEFT;
  doc.y = y + 6;
}

function table(doc: PDFKit.PDFDocument, columns: Array<{ title: string; width: number; align?: 'left' | 'right' }>, rows: string[][]): void {
  const line = (cells: string[], bold: boolean) => {
    ensureRoom(doc, 14);
    const y = doc.y;
    let x = LEFT;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(8);
    cells.forEach((c, i) => {
      const col = columns[i]!;
      doc.text(c, x, y, { width: col.width - 4, align: col.align ?? 'left', lineBreak: false, ellipsis: true });
      x += col.width;
    });
    doc.x = LEFT;
    doc.y = y + 12;
  };
  line(
    columns.map((c) => c.title),
    true,
  );
  for (const r of rows) line(r, false);
}

export function spendReportPdf(r: SpendReport): Promise<Buffer> {
  const cur = r.header.currency;
  return pdf(r.header, (doc) => {
    const t = r.totals;
    doc.font('Helvetica-Bold').fontSize(11);
    doc.text(`Total spend: ${money(t.spend, cur)} (${t.purchases} purchases)`);
    doc.text(`Total refunds: ${money(t.refunded, cur)} (${t.refunds} refunds)`);
    doc.text(`Net spend: ${money(t.spend - t.refunded, cur)}`);
    doc.moveDown();
    barChart(doc, 'Spend by category', r.byCategory, cur);
    const keyWidth = Math.floor(275 / r.keyColumns.length);
    table(
      doc,
      [
        ...r.keyColumns.map((c) => ({ title: c, width: keyWidth })),
        { title: 'purchases', width: 50, align: 'right' as const },
        { title: 'spend', width: 70, align: 'right' as const },
        { title: 'refunded', width: 60, align: 'right' as const },
        { title: 'net', width: WIDTH - 275 - 180, align: 'right' as const },
      ],
      r.rows.map((g) => [...g.key.map((k) => k || '-'), String(g.purchases), formatSnapValue(g.spend, cur), formatSnapValue(g.refunded, cur), formatSnapValue(g.spend - g.refunded, cur)]),
    );
  });
}

export function statementPdf(s: Statement): Promise<Buffer> {
  const cur = s.header.currency;
  return pdf(s.header, (doc) => {
    const t = s.totals;
    doc.font('Helvetica-Bold').fontSize(11).text('Summary');
    doc.font('Helvetica').fontSize(10);
    doc.text(`Opening balance: ${money(s.opening, cur)}`);
    doc.text(`Top-ups: ${money(t.topUps, cur)}`);
    doc.text(`Spend: ${money(t.spend, cur)}`);
    doc.text(`Refunds: ${money(t.refunds, cur)}`);
    doc.text(`Rewards cashback: ${money(t.cashback, cur)}`);
    if (t.otherCredits || t.otherDebits) doc.text(`Other: ${money(t.otherCredits - t.otherDebits, cur)}`);
    doc.font('Helvetica-Bold').text(`Closing balance: ${money(s.closing, cur)}`);
    doc.font('Helvetica').fontSize(8).text('Opening balance + top-ups - spend + refunds + rewards cashback (+ other) = closing balance, from ledger transfers.');
    doc.moveDown();
    barChart(doc, 'Spend by category', s.byCategory, cur);
    doc.font('Helvetica-Bold').fontSize(12).text('Transactions', LEFT, doc.y);
    doc.moveDown(0.3);
    table(
      doc,
      [
        { title: 'date', width: 110 },
        { title: 'type', width: 70 },
        { title: 'description', width: 175 },
        { title: 'amount', width: 80, align: 'right' },
        { title: 'balance', width: 80, align: 'right' },
      ],
      s.lines.map((l) => [formatSnapTimestamp(l.at).slice(0, 19).replace('T', ' '), l.type, l.description, formatSnapValue(l.amount, cur), formatSnapValue(l.balance, cur)]),
    );
  });
}
