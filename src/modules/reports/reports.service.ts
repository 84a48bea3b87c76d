import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { InvalidFieldFormat, NotFound, NotPermitted } from '../../platform/errors';
import { snapAmount } from '../../platform/money';
import { recordAudit } from '../access/audit';
import { recordEvent } from '../events/outbox';
import type { Caller } from '../access/caller';
import { categoryOf, countSpendLines, fundingBalanceBefore, periodBounds, spendLinesPage, statementLines, type SpendLine } from './report-data';
import { buildStatement, SpendAggregator, spendReportCsv, spendReportPdf, statementCsv, statementPdf, type Header, type SpendReportType } from './report-render';
import { enqueueReport } from './reports.queue';
import { MAX_REPORT_DAYS, type ReportType, type reportCreate, type reportListQuery, type reportView, type summaryView } from './reports.schemas';

/**
 * Reports (SNAP 99): a request is a row (queued) and a BullMQ job; the worker generates the file,
 * writing its progress to the row, and keeps the file in the row (bytea). docs/reports.md.
 */

type ReportView = z.infer<typeof reportView>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', pdf: 'application/pdf' } as const;

const TITLES: Record<ReportType, string> = {
  spend_by_category: 'Spend by category',
  spend_by_cardholder: 'Spend by cardholder',
  spend_by_merchant: 'Spend by merchant',
  spend_by_card: 'Spend by card',
  monthly_statement: 'Statement of the funding account',
};

interface ReportRow {
  id: string;
  business_id: string;
  type: ReportType;
  format: 'csv' | 'pdf';
  from_date: string;
  to_date: string;
  time_zone: string;
  status: ReportView['status'];
  progress: number;
  requested_by: string;
  error: string | null;
  content_type: string | null;
  file_name: string | null;
  size: number | null;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

const COLUMNS = `id, business_id, type, format, to_char(from_date, 'YYYY-MM-DD') AS from_date, to_char(to_date, 'YYYY-MM-DD') AS to_date, time_zone,
  status, progress, requested_by, error, content_type, file_name, octet_length(file) AS size, created_at, started_at, completed_at`;

function present(r: ReportRow): ReportView {
  return {
    id: r.id,
    type: r.type,
    format: r.format,
    fromDate: r.from_date,
    toDate: r.to_date,
    timeZone: r.time_zone,
    status: r.status,
    progress: r.progress,
    requestedBy: r.requested_by,
    error: r.error,
    file: r.status === 'done' ? { url: `/snap/v1.0/reports/${r.id}/file`, contentType: r.content_type!, fileName: r.file_name!, size: Number(r.size) } : null,
    createdAt: r.created_at.toISOString(),
    startedAt: r.started_at?.toISOString() ?? null,
    completedAt: r.completed_at?.toISOString() ?? null,
  };
}

export async function business(db: EntityManager, businessId: string): Promise<{ name: string; currency: string; time_zone: string }> {
  const [b]: Array<{ name: string; currency: string; time_zone: string }> = await db.query('SELECT name, currency, time_zone FROM businesses WHERE id = $1', [businessId]);
  return b!;
}

const dayNumber = (d: string) => Date.UTC(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10))) / 86400_000;

/** A period of inclusive dates that a report (or the spend overview, or an export) may cover: 400xx01 on `toDate` otherwise. */
export function checkPeriod(fromDate: string, toDate: string): void {
  if (toDate < fromDate) throw new InvalidFieldFormat('toDate', 'before fromDate');
  if (dayNumber(toDate) - dayNumber(fromDate) + 1 > MAX_REPORT_DAYS) throw new InvalidFieldFormat('toDate', `a report covers at most ${MAX_REPORT_DAYS} days`);
}

/** Records the request and queues its job (if Redis is down the row waits as queued; the worker's sweep picks it up). */
export async function requestReport(k: Kartu, caller: Caller, input: z.infer<typeof reportCreate>): Promise<ReportView> {
  checkPeriod(input.fromDate, input.toDate);
  const row = await inTransaction(k.db, async (tx) => {
    const b = await business(tx, caller.businessId);
    const [created]: ReportRow[] = await tx.query(
      `INSERT INTO reports (id, business_id, type, format, from_date, to_date, time_zone, status, requested_by, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9) RETURNING ${COLUMNS}`,
      [randomUUID(), caller.businessId, input.type, input.format, input.fromDate, input.toDate, b.time_zone, caller.actorType, k.clock.now()],
    );
    await recordAudit(tx, { businessId: caller.businessId, actorType: caller.actorType, actorId: caller.actorId, action: 'report.requested', targetType: 'report', targetId: created!.id, details: { type: input.type, format: input.format, fromDate: input.fromDate, toDate: input.toDate }, ip: caller.ip });
    return created!;
  });
  await enqueueReport(k, row.id);
  return present(row);
}

async function findReport(db: EntityManager, businessId: string, id: string): Promise<ReportRow> {
  if (!UUID.test(id)) throw new NotFound('Report not found');
  const [row]: ReportRow[] = await db.query(`SELECT ${COLUMNS} FROM reports WHERE id = $1 AND business_id = $2`, [id, businessId]);
  if (!row) throw new NotFound('Report not found');
  return row;
}

export async function getReport(k: Kartu, businessId: string, id: string): Promise<ReportView> {
  return present(await findReport(k.db.manager, businessId, id));
}

export async function listReports(k: Kartu, businessId: string, q: z.infer<typeof reportListQuery>) {
  const rows: Array<ReportRow & { total: number }> = await k.db.query(
    `SELECT ${COLUMNS}, count(*) OVER ()::int AS total FROM reports
      WHERE business_id = $1 AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR status = $3)
      ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5`,
    [businessId, q.type ?? null, q.status ?? null, q.pageSize, q.pageNumber * q.pageSize],
  );
  return { reports: rows.map(present), pageNumber: q.pageNumber, pageSize: q.pageSize, totalCount: rows[0]?.total ?? (q.pageNumber === 0 ? 0 : await countReports(k, businessId, q)) };
}

async function countReports(k: Kartu, businessId: string, q: z.infer<typeof reportListQuery>): Promise<number> {
  const [c]: Array<{ n: number }> = await k.db.query(
    'SELECT count(*)::int AS n FROM reports WHERE business_id = $1 AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR status = $3)',
    [businessId, q.type ?? null, q.status ?? null],
  );
  return c!.n;
}

/** The generated file; refused (403xx15) until the report is done. */
export async function reportFile(k: Kartu, businessId: string, id: string): Promise<{ contentType: string; fileName: string; file: Buffer }> {
  const row = await findReport(k.db.manager, businessId, id);
  if (row.status !== 'done') throw new NotPermitted(`The report is ${row.status}`);
  const [f]: Array<{ file: Buffer }> = await k.db.query('SELECT file FROM reports WHERE id = $1 AND business_id = $2', [id, businessId]);
  return { contentType: row.content_type!, fileName: row.file_name!, file: f!.file };
}

/** How many months the statements list goes back at most. */
export const STATEMENT_MONTHS = 24;

/**
 * The business's statement months, newest first: the current month and each one before it back to
 * the month the business was created (at most STATEMENT_MONTHS), each with the statement report of
 * exactly that month if there is one (the scheduled PDF or one requested; a done one before one
 * still running, then the newest).
 */
export async function monthlyStatements(k: Kartu, businessId: string): Promise<Array<{ month: string; fromDate: string; toDate: string; complete: boolean; report: ReportView | null }>> {
  const db = k.db.manager;
  const months: Array<{ month: string; from_date: string; to_date: string; complete: boolean }> = await db.query(
    `WITH b AS (SELECT time_zone, date_trunc('month', created_at AT TIME ZONE time_zone)::date AS first, date_trunc('month', $2::timestamptz AT TIME ZONE time_zone)::date AS current
                  FROM businesses WHERE id = $1)
     SELECT to_char(m, 'YYYY-MM') AS month, to_char(m, 'YYYY-MM-DD') AS from_date, to_char((m + interval '1 month' - interval '1 day')::date, 'YYYY-MM-DD') AS to_date,
            m < b.current AS complete
       FROM b, generate_series(b.current, greatest(b.first, (b.current - make_interval(months => $3 - 1))::date), interval '-1 month') AS m`,
    [businessId, k.clock.now(), STATEMENT_MONTHS],
  );
  if (months.length === 0) return [];
  const reports: ReportRow[] = await db.query(
    `SELECT DISTINCT ON (from_date) ${COLUMNS} FROM reports
      WHERE business_id = $1 AND type = 'monthly_statement' AND from_date >= $2 AND from_date <= $3 AND to_date = (from_date + interval '1 month' - interval '1 day')::date
        AND extract(day FROM from_date) = 1
      ORDER BY from_date, (status = 'done') DESC, created_at DESC, id DESC`,
    [businessId, months.at(-1)!.from_date, months[0]!.from_date],
  );
  const byMonth = new Map(reports.map((r) => [r.from_date, r]));
  return months.map((m) => {
    const r = byMonth.get(m.from_date);
    return { month: m.month, fromDate: m.from_date, toDate: m.to_date, complete: m.complete, report: r ? present(r) : null };
  });
}

// ---- generation (worker) ----------------------------------------------------------------------

export interface GenerateOptions {
  /** Called after each progress write (the BullMQ job reports it too). */
  onProgress?: (progress: number) => Promise<void> | void;
  /** Lines read per query (progress moves once per page). */
  pageSize?: number;
}

/**
 * Generates a report: claims it (queued, failed or a crashed run → running), reads the ledger page by
 * page writing progress, renders, stores the file (done). A report already done is left alone, so a
 * job delivered twice does the work once. Each claim is numbered (`attempts`) and only the latest
 * one writes progress, the file, the failure or the `report.completed` event: a run overtaken by a
 * second delivery while it worked ends as 'skipped' and leaves the report to it.
 */
export async function generateReport(k: Kartu, reportId: string, opts: GenerateOptions = {}): Promise<'done' | 'skipped'> {
  // An UPDATE answers [rows, count].
  const [[row]]: [Array<ReportRow & { attempt: number }>, number] = await k.db.query(
    `UPDATE reports SET status = 'running', progress = 0, error = NULL, started_at = $2, attempts = attempts + 1
      WHERE id = $1 AND status <> 'done' RETURNING ${COLUMNS}, attempts AS attempt`,
    [reportId, k.clock.now()],
  );
  if (!row) return 'skipped';
  const progress = async (p: number) => {
    await k.db.query("UPDATE reports SET progress = $2 WHERE id = $1 AND status = 'running' AND attempts = $3", [reportId, p, row.attempt]);
    await opts.onProgress?.(p);
  };
  try {
    const db = k.db.manager;
    const b = await business(db, row.business_id);
    const header: Header = { title: TITLES[row.type], businessName: b.name, fromDate: row.from_date, toDate: row.to_date, timeZone: row.time_zone, currency: b.currency, generatedAt: k.clock.now() };
    const { from, to } = await periodBounds(db, row.from_date, row.to_date, row.time_zone);
    await progress(5);
    const pageSize = opts.pageSize ?? 1000;
    const total = await countSpendLines(db, row.business_id, from, to);
    const readLines = async (each: (lines: SpendLine[]) => void, start: number, end: number) => {
      let after: string | undefined;
      let read = 0;
      for (;;) {
        const page = await spendLinesPage(db, row.business_id, from, to, pageSize, after);
        if (page.length === 0) break;
        each(page);
        read += page.length;
        const last = page.at(-1)!;
        after = last.transferId;
        await progress(Math.min(end, start + Math.floor(((end - start) * read) / Math.max(total, 1))));
        if (page.length < pageSize) break;
      }
    };
    let file: Buffer;
    if (row.type === 'monthly_statement') {
      const opening = await fundingBalanceBefore(db, row.business_id, b.currency, from);
      const lines = await statementLines(db, row.business_id, b.currency, from, to);
      await progress(20);
      const spend: SpendLine[] = [];
      await readLines((page) => spend.push(...page), 20, 80);
      const statement = buildStatement(header, opening, lines, spend);
      file = row.format === 'csv' ? statementCsv(statement) : await statementPdf(statement);
    } else {
      const agg = new SpendAggregator(row.type as SpendReportType);
      await readLines((page) => agg.add(page), 10, 80);
      const report = agg.result(header);
      file = row.format === 'csv' ? spendReportCsv(report) : await spendReportPdf(report);
    }
    await progress(90);
    const completed = await inTransaction(k.db, async (tx) => {
      const [, count]: [unknown, number] = await tx.query(
        `UPDATE reports SET status = 'done', progress = 100, file = $2, content_type = $3, file_name = $4, completed_at = $5
          WHERE id = $1 AND status = 'running' AND attempts = $6`,
        [reportId, file, CONTENT_TYPES[row.format], `${row.type}-${row.from_date}-to-${row.to_date}.${row.format}`, k.clock.now(), row.attempt],
      );
      if (count === 0) return false;
      await recordEvent(tx, { businessId: row.business_id, type: 'report.completed', data: { reportId, type: row.type, format: row.format, fromDate: row.from_date, toDate: row.to_date } });
      return true;
    });
    if (!completed) return 'skipped';
    await opts.onProgress?.(100);
    return 'done';
  } catch (err) {
    k.logger.error({ err, reportId }, 'report generation failed');
    await k.db.query("UPDATE reports SET status = 'failed', error = $2 WHERE id = $1 AND status = 'running' AND attempts = $3", [reportId, 'generation failed; it is retried', row.attempt]);
    throw err;
  }
}

/** Last calendar month before `at` in Asia/Jakarta, as YYYY-MM-DD bounds. */
export function previousMonth(at: Date): { fromDate: string; toDate: string } {
  const jakarta = new Date(at.getTime() + 7 * 3600_000);
  const first = new Date(Date.UTC(jakarta.getUTCFullYear(), jakarta.getUTCMonth() - 1, 1));
  const last = new Date(Date.UTC(jakarta.getUTCFullYear(), jakarta.getUTCMonth(), 0));
  return { fromDate: first.toISOString().slice(0, 10), toDate: last.toISOString().slice(0, 10) };
}

/**
 * The monthly run (the 1st, 00:00 Asia/Jakarta): a PDF statement of last month for every active
 * business, once per business and month however often it runs. Returns the reports it created.
 */
export async function createMonthlyStatements(k: Kartu, at: Date = k.clock.now(), queue?: Queue): Promise<string[]> {
  const { fromDate, toDate } = previousMonth(at);
  const created: Array<{ id: string }> = await k.db.query(
    `INSERT INTO reports (id, business_id, type, format, from_date, to_date, time_zone, status, requested_by, created_at)
     SELECT gen_random_uuid(), b.id, 'monthly_statement', 'pdf', $1, $2, b.time_zone, 'queued', 'schedule', $3
       FROM businesses b WHERE b.status = 'ACTIVE'
     ON CONFLICT (business_id, type, from_date, to_date) WHERE requested_by = 'schedule' DO NOTHING
     RETURNING id`,
    [fromDate, toDate, at],
  );
  for (const r of created) await enqueueReport(k, r.id, queue);
  return created.map((r) => r.id);
}

/** Reports still queued a while after their request (their job never reached Redis): queued again. */
/** A running report older than this whose job may have been lost is queued again. */
const STALE_RUNNING_SECONDS = 600;

export async function requeueWaitingReports(k: Kartu, olderThanSeconds = 60, queue?: Queue): Promise<number> {
  // Also reports left running for 10 minutes: their job may be gone (a Redis that restarted empty).
  // Queueing is by job id, so a report whose job is still there is not queued twice.
  const rows: Array<{ id: string }> = await k.db.query(
    `SELECT id FROM reports
      WHERE (status = 'queued' AND created_at < $1) OR (status = 'running' AND started_at < $2)
      ORDER BY created_at LIMIT 500`,
    [new Date(k.clock.now().getTime() - olderThanSeconds * 1000), new Date(k.clock.now().getTime() - STALE_RUNNING_SECONDS * 1000)],
  );
  let queued = 0;
  for (const r of rows) if (await enqueueReport(k, r.id, queue)) queued++;
  return queued;
}

// ---- real-time summary ------------------------------------------------------------------------

/**
 * Today (business time zone) at a glance, from two index range scans: ledger_transfers and
 * authorizations, both on (business_id, created_at).
 */
export async function dashboardSummary(k: Kartu, businessId: string): Promise<z.infer<typeof summaryView>> {
  const db = k.db.manager;
  const b = await business(db, businessId);
  const now = k.clock.now();
  const [day]: Array<{ from: Date; to: Date; date: string }> = await db.query(
    `SELECT date_trunc('day', $1::timestamptz AT TIME ZONE $2) AT TIME ZONE $2 AS "from",
            (date_trunc('day', $1::timestamptz AT TIME ZONE $2) + interval '1 day') AT TIME ZONE $2 AS "to",
            to_char($1::timestamptz AT TIME ZONE $2, 'YYYY-MM-DD') AS date`,
    [now, b.time_zone],
  );
  const [ledger]: Array<{ spend: string; purchases: number; refunds: string }> = await db.query(
    `SELECT coalesce(sum(amount) FILTER (WHERE kind <> 'refund'), 0)::text AS spend, (count(*) FILTER (WHERE kind <> 'refund'))::int AS purchases,
            coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0)::text AS refunds
       FROM ledger_transfers
      WHERE business_id = $1 AND created_at >= $2 AND created_at < $3 AND kind IN ('post', 'over_capture', 'force_post', 'refund')`,
    [businessId, day!.from, day!.to],
  );
  const auths: Array<{ decision: string; response_code: string; reason: string; mcc: string | null; n: number; approved: string }> = await db.query(
    `SELECT decision, response_code, reason, merchant->>'mcc' AS mcc, count(*)::int AS n, coalesce(sum(approved_amount), 0)::text AS approved
       FROM authorizations WHERE business_id = $1 AND created_at >= $2 AND created_at < $3
      GROUP BY 1, 2, 3, 4`,
    [businessId, day!.from, day!.to],
  );
  let approved = 0;
  let declined = 0;
  let approvedAmount = 0n;
  const categories = new Map<string, { amount: bigint; count: number }>();
  const declines = new Map<string, { responseCode: string; reason: string; count: number }>();
  for (const a of auths) {
    if (a.decision === 'declined') {
      declined += a.n;
      const key = `${a.response_code}|${a.reason}`;
      const d = declines.get(key) ?? { responseCode: a.response_code, reason: a.reason, count: 0 };
      d.count += a.n;
      declines.set(key, d);
      continue;
    }
    approved += a.n;
    approvedAmount += BigInt(a.approved);
    const c = categoryOf(a.mcc ? { mcc: a.mcc } : null);
    const e = categories.get(c) ?? { amount: 0n, count: 0 };
    e.amount += BigInt(a.approved);
    e.count += a.n;
    categories.set(c, e);
  }
  const cur = b.currency;
  return {
    date: day!.date,
    timeZone: b.time_zone,
    asOf: now.toISOString(),
    spend: snapAmount(BigInt(ledger!.spend), cur),
    purchases: ledger!.purchases,
    refunds: snapAmount(BigInt(ledger!.refunds), cur),
    authorizations: { approved, declined, approvedAmount: snapAmount(approvedAmount, cur) },
    topCategories: [...categories.entries()]
      .sort((x, y) => (y[1].amount > x[1].amount ? 1 : y[1].amount < x[1].amount ? -1 : x[0].localeCompare(y[0])))
      .slice(0, 5)
      .map(([category, e]) => ({ category, amount: snapAmount(e.amount, cur), count: e.count })),
    declinesByReason: [...declines.values()].sort((x, y) => y.count - x.count || x.responseCode.localeCompare(y.responseCode)),
  };
}
