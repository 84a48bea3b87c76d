import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { reportCreate, reportListQuery, reportView, summaryView } from './reports.schemas';
import { dashboardSummary, getReport, listReports, reportFile, requestReport } from './reports.service';

/** Who may do what on one surface (as for policies): the partner signature, or admin roles. */
export interface ReportGuards {
  /** Status, list, summary and download. */
  read: RequestHandler[];
  /** Requesting a report. */
  write: RequestHandler[];
  security: string[];
  headers?: z.ZodObject;
}

const page = { pageNumber: z.number(), pageSize: z.number(), totalCount: z.number() };
type ReportView = z.infer<typeof reportView>;

/**
 * Reports (SNAP service 99, docs/reports.md), mounted on the partner API and on the admin API with
 * the same handlers, scoped by the caller's business. A report's file url is on the router it was
 * asked on (`/snap/v1.0/reports/{id}/file` or `/admin/v1/reports/{id}/file`).
 */
export function reportRoutes(k: Kartu, r: ApiRouter, g: ReportGuards): void {
  const common = { service: '99', tag: 'Reports', security: g.security, headers: g.headers };
  const onRouter = (report: ReportView): ReportView => (report.file ? { ...report, file: { ...report.file, url: `${r.prefix}/reports/${report.id}/file` } } : report);

  r.route({
    ...common,
    method: 'post',
    path: '/reports',
    operationId: 'createReport',
    description:
      'Queues a report; poll it (or wait for its event) until it is done, then download the file.',
    summary: 'Request a report (spend by category, cardholder, merchant or card; or a statement) as CSV or PDF; it is generated in the background',
    guards: g.write,
    body: reportCreate,
    response: z.object({ report: reportView }),
    handler: async ({ req, body }) => ({ report: onRouter(await requestReport(k, req.caller, body)) }),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/reports',
    operationId: 'listReports',
    description:
      "The business's reports, newest first, paged.",
    summary: 'List reports, newest first',
    guards: g.read,
    query: reportListQuery,
    response: z.object({ reports: z.array(reportView), ...page }),
    handler: async ({ req, query }) => {
      const list = await listReports(k, req.caller.businessId, query);
      return { ...list, reports: list.reports.map(onRouter) };
    },
  });
  // Before /reports/:id, which would take "summary" for an id.
  r.route({
    ...common,
    method: 'get',
    path: '/reports/summary',
    operationId: 'getReportsSummary',
    description:
      "Today's figures computed live, for a dashboard tile; no report is stored.",
    summary: "Today's spend, top categories and declines by reason, for dashboards (real time)",
    guards: g.read,
    response: z.object({ summary: summaryView }),
    handler: async ({ req }) => ({ summary: await dashboardSummary(k, req.caller.businessId) }),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/reports/:id',
    operationId: 'getReport',
    description:
      "A report's status. 404xx01 when it is not the business's.",
    summary: "A report's status and progress; once done, where to download its file",
    guards: g.read,
    response: z.object({ report: reportView }),
    handler: async ({ req }) => ({ report: onRouter(await getReport(k, req.caller.businessId, String(req.params.id))) }),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/reports/:id/file',
    operationId: 'downloadReport',
    description:
      "The finished report's file. 403xx15 while it is still being generated; 404xx01 when it is not the business's.",
    summary: 'Download a finished report (text/csv or application/pdf); 403xx15 until it is done',
    guards: g.read,
    file: ['text/csv', 'application/pdf'],
    handler: async ({ req, res }) => {
      const f = await reportFile(k, req.caller.businessId, String(req.params.id));
      res.locals.responseCode = '2009900';
      res.status(200);
      res.setHeader('Content-Type', f.contentType);
      res.setHeader('Content-Disposition', `attachment; filename="${f.fileName}"`);
      res.setHeader('Cache-Control', 'private, no-store');
      res.end(f.file);
      return {};
    },
  });
}
