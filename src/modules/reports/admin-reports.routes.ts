import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { isoDate } from '../../platform/validation';
import { requireAdmin } from '../access/admin.routes';
import { money } from '../authorizations/admin-authorizations.schemas';
import { accountingExport } from './accounting-export';
import { reportRoutes } from './reports.routes';
import { MAX_REPORT_DAYS, reportView } from './reports.schemas';
import { monthlyStatements } from './reports.service';
import { spendOverview } from './spend-overview';

const period = z.strictObject({
  fromDate: isoDate.meta({ example: '2026-11-01', description: 'First day, inclusive, in the business time zone' }),
  toDate: isoDate.meta({ example: '2026-11-30', description: `Last day, inclusive; at most ${MAX_REPORT_DAYS} days after fromDate` }),
});

const figures = { purchases: z.number(), spend: money, refunds: z.number(), refunded: money, net: money.meta({ description: 'spend − refunded' }) };
const grouped = <T extends z.ZodRawShape>(key: T) =>
  z.object({ rowCount: z.number().meta({ description: 'Groups in all; the first 100 by spend are listed' }), rows: z.array(z.object({ ...key, ...figures })) });

const spendView = z.object({
  fromDate: z.string(),
  toDate: z.string(),
  timeZone: z.string(),
  currency: z.string(),
  totals: z.object(figures),
  daily: z.array(z.object({ date: z.string(), spend: money, refunded: money })).meta({ description: 'Every day of the period, in the business time zone, zeros included' }),
  byCategory: grouped({ category: z.string() }),
  byCardholder: grouped({ cardholderId: z.string().nullable(), cardholderName: z.string().nullable() }),
  byMerchant: grouped({ merchantId: z.string().nullable(), merchantName: z.string().nullable(), mcc: z.string().nullable(), category: z.string() }),
  byCard: grouped({ cardId: z.string().nullable(), last4: z.string().nullable(), cardholderName: z.string().nullable() }),
});

const statementView = z.object({
  month: z.string().meta({ example: '2026-11' }),
  fromDate: z.string(),
  toDate: z.string(),
  complete: z.boolean().meta({ description: 'The month has ended (false for the current month)' }),
  report: reportView.nullable().meta({ description: 'The statement report of exactly this month, if one was made (the scheduled PDF or one requested)' }),
});

/**
 * Reports, statements and the accounting export for the dashboard (docs/reports.md): the partner
 * API's report routes (every role reads and downloads, owners and finance admins request), the
 * spend overview, the monthly statements and the accounting export (every role; the export is audited).
 */
export function adminReportRoutes(k: Kartu, admin: ApiRouter): void {
  const read = [requireAdmin(k)];
  reportRoutes(k, admin, { read, write: [requireAdmin(k, ['owner', 'finance_admin'])], security: ['adminSession'] });
  const common = { service: '99', tag: 'Reports', security: ['adminSession'], guards: read };

  admin.route({
    ...common,
    method: 'get',
    path: '/spend',
    operationId: 'getSpend',
    description:
      "Cleared spend and refunds of a period, as the spend reports count them (ledger), grouped four ways and by day, for the dashboard's charts. Computed on request; 400xx01 for a period that ends before it starts or is longer than 366 days.",
    summary: 'Spend over a period: totals, each day, and by category, cardholder, merchant and card',
    query: period,
    response: z.object({ spend: spendView }),
    handler: async ({ req, query }) => ({ spend: await spendOverview(k, req.caller.businessId, query.fromDate, query.toDate) }),
  });
  admin.route({
    ...common,
    method: 'get',
    path: '/statements',
    operationId: 'listStatements',
    description:
      'Each month from the business\'s first (at most 24) with its funding-account statement if one was made; a month without one can be requested with POST /reports (type monthly_statement).',
    summary: 'Monthly statements, newest month first',
    query: z.strictObject({}),
    response: z.object({ statements: z.array(statementView) }),
    handler: async ({ req }) => {
      const statements = await monthlyStatements(k, req.caller.businessId);
      return {
        statements: statements.map((s) => ({ ...s, report: s.report?.file ? { ...s.report, file: { ...s.report.file, url: `${admin.prefix}/reports/${s.report.id}/file` } } : s.report })),
      };
    },
  });
  admin.route({
    ...common,
    method: 'get',
    path: '/accounting-export',
    operationId: 'exportAccounting',
    description:
      'The cleared purchases (positive) and refunds (negative) of a period as CSV, one row per ledger posting, for an accounting import (columns: docs/reports.md). Every export is audited (accounting_export.downloaded). 400xx01 for a bad period.',
    summary: 'Download the accounting export of a period (text/csv)',
    query: period,
    file: ['text/csv'],
    handler: async ({ req, res, query }) => {
      const exported = await accountingExport(k, req.caller, query.fromDate, query.toDate);
      // The first piece is read before answering, so an early failure is still a JSON error.
      const first = await exported.chunks.next();
      res.locals.responseCode = '2009900';
      res.status(200);
      res.setHeader('Content-Type', 'text/csv; charset=utf-8');
      res.setHeader('Content-Disposition', `attachment; filename="${exported.fileName}"`);
      res.setHeader('Cache-Control', 'private, no-store');
      if (!first.done) res.write(first.value);
      try {
        for await (const chunk of exported.chunks) if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
        res.end();
      } catch (err) {
        k.logger.error({ err }, 'accounting export failed while streaming');
        res.destroy(err as Error);
      }
      return {};
    },
  });
}
