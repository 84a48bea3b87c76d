import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { snapHeaders } from '../access/snap-auth';
import { reportCreate, reportListQuery, reportView, summaryView } from './reports.schemas';
import { dashboardSummary, getReport, listReports, reportFile, requestReport } from './reports.service';

const page = { pageNumber: z.number(), pageSize: z.number(), totalCount: z.number() };

/** Reports (SNAP service 99) on the partner API (docs/reports.md). */
export function reportRoutes(k: Kartu, snap: ApiRouter, partnerGuard: RequestHandler): void {
  const common = { service: '99', tag: 'Reports', security: ['snapB2B'], headers: snapHeaders, guards: [partnerGuard] };

  snap.route({
    ...common,
    method: 'post',
    path: '/reports',
    operationId: 'createReport',
    description:
      'Queues a report; poll it (or wait for its event) until it is done, then download the file.',
    summary: 'Request a report (spend by category, cardholder, merchant or card; or a statement) as CSV or PDF; it is generated in the background',
    body: reportCreate,
    response: z.object({ report: reportView }),
    handler: async ({ req, body }) => ({ report: await requestReport(k, req.caller, body) }),
  });
  snap.route({
    ...common,
    method: 'get',
    path: '/reports',
    operationId: 'listReports',
    description:
      "The business's reports, newest first, paged.",
    summary: 'List reports, newest first',
    query: reportListQuery,
    response: z.object({ reports: z.array(reportView), ...page }),
    handler: ({ req, query }) => listReports(k, req.caller.businessId, query),
  });
  // Before /reports/:id, which would take "summary" for an id.
  snap.route({
    ...common,
    method: 'get',
    path: '/reports/summary',
    operationId: 'getReportsSummary',
    description:
      "Today's figures computed live, for a dashboard tile; no report is stored.",
    summary: "Today's spend, top categories and declines by reason, for dashboards (real time)",
    response: z.object({ summary: summaryView }),
    handler: async ({ req }) => ({ summary: await dashboardSummary(k, req.caller.businessId) }),
  });
  snap.route({
    ...common,
    method: 'get',
    path: '/reports/:id',
    operationId: 'getReport',
    description:
      "A report's status. 404xx01 when it is not the business's.",
    summary: "A report's status and progress; once done, where to download its file",
    response: z.object({ report: reportView }),
    handler: async ({ req }) => ({ report: await getReport(k, req.caller.businessId, String(req.params.id)) }),
  });
  snap.route({
    ...common,
    method: 'get',
    path: '/reports/:id/file',
    operationId: 'downloadReport',
    description:
      "The finished report's file. 403xx15 while it is still being generated; 404xx01 when it is not the business's.",
    summary: 'Download a finished report (text/csv or application/pdf); 403xx15 until it is done',
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
