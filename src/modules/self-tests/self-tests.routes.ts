import type { RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { sandboxOnly } from '../access/access.routes';
import { snapHeaders } from '../access/snap-auth';
import { observedCallsSettled, openRunsChanged } from './observer';
import { SELF_TEST_SERVICE } from './scenarios';
import { reportOf, reportPdf, signReport } from './self-test-report';
import { getRun, startRun } from './self-tests.service';

const startRequest = z.strictObject({
  services: z.array(z.string().max(4)).min(1).max(13).optional().meta({ description: 'Service codes to test (default: every service enabled for the client)', example: ['90', '91'] }),
  webhookUrl: z.string().max(2048).optional().meta({ description: "Where to send the run's self_test.webhook (default: the business's webhook endpoints)" }),
});

const scenarioView = z.object({
  id: z.string(),
  service: z.string().nullable().meta({ description: 'null: part of every service' }),
  title: z.string(),
  request: z.object({ method: z.string(), path: z.string(), alter: z.record(z.string(), z.string()), body: z.unknown().optional(), note: z.string().optional() }),
  expected: z.object({ httpStatus: z.number(), responseCode: z.string().nullable() }),
  result: z.enum(['pending', 'passed', 'failed']),
  received: z.object({ httpStatus: z.number().optional(), responseCode: z.string().nullable().optional(), error: z.string().optional(), url: z.string().optional() }).nullable(),
  requestId: z.string().nullable(),
  attemptedAt: z.string().nullable(),
});

const runView = z.object({
  id: z.string(),
  businessId: z.string(),
  clientKey: z.string(),
  status: z.enum(['open', 'passed', 'expired']),
  services: z.array(z.string()),
  startedAt: z.string(),
  expiresAt: z.string(),
  finishedAt: z.string().nullable(),
  scenarios: z.array(scenarioView),
  readiness: z.array(z.object({ service: z.string(), readyForProduction: z.boolean(), readyAt: z.string().nullable() })),
});

const signatureView = z.object({ algorithm: z.literal('SHA256withRSA'), keyId: z.string(), sha256: z.string(), value: z.string() });

/** The sandbox self-test (docs/self-test.md), as sandbox tooling: service 96, 403xx01 in production. */
export function selfTestRoutes(k: Kartu, snap: ApiRouter, partnerGuard: RequestHandler): void {
  const common = { service: SELF_TEST_SERVICE, tag: 'Self-test', security: ['snapB2B'], headers: snapHeaders, guards: [sandboxOnly(k), partnerGuard] };

  snap.route({
    ...common,
    method: 'post',
    path: '/self-tests',
    secretInAnswer: true,
    operationId: 'startSelfTest',
    summary: 'Start a self-test run: the scenarios to perform and the answers Kartu expects (sandbox only)',
    description:
      'Opens a run for the calling client: Kartu then watches its calls and marks each scenario passed or failed, and sends a self_test.webhook event to be acknowledged. 400xx01 names a service that is unknown or not enabled for the client; 403xx01 in production.',
    body: startRequest,
    response: z.object({ selfTest: runView, webhookSecret: z.string().optional().meta({ description: 'With webhookUrl: the secret of Kartu-Signature on its webhook (shown once)' }) }),
    handler: async ({ req, body }) => {
      const started = await startRun(k, { clientId: req.partner.clientId, ...body }, () => openRunsChanged(k));
      return { selfTest: started.run, ...(started.webhookSecret ? { webhookSecret: started.webhookSecret } : {}) };
    },
  });

  snap.route({
    ...common,
    method: 'get',
    path: '/self-tests/:id',
    operationId: 'getSelfTest',
    summary: 'A self-test run: each scenario with what was expected and what was received',
    description: "Shows the run's state after every call observed so far. Another business's run answers 404xx01.",
    response: z.object({ selfTest: runView }),
    handler: async ({ req }) => {
      await observedCallsSettled(k);
      return { selfTest: await getRun(k, req.partner.businessId, String(req.params.id)) };
    },
  });

  const report = async (businessId: string, id: string) => {
    await observedCallsSettled(k);
    const r = reportOf(await getRun(k, businessId, id));
    return { report: r, signature: await signReport(k, r) };
  };
  const sendPdf = async (res: Response, signed: Awaited<ReturnType<typeof report>>) => {
    res.setHeader('Content-Type', 'application/pdf');
    res.setHeader('Content-Disposition', `attachment; filename="self-test-${signed.report.selfTestId}.pdf"`);
    res.locals.responseCode = `200${SELF_TEST_SERVICE}00`;
    res.status(200).send(await reportPdf(signed.report, signed.signature));
  };

  snap.route({
    ...common,
    method: 'get',
    path: '/self-tests/:id/report',
    operationId: 'getSelfTestReport',
    summary: "A self-test run's report, signed with Kartu's notification key (JSON, or PDF with ?format=pdf)",
    description:
      'The scenarios with time, request id, result, expected and received, and a SHA256withRSA signature over the canonical JSON of `report` (docs/self-test.md says how to verify it with the notification public key). Another business\'s run answers 404xx01.',
    query: z.strictObject({ format: z.enum(['json', 'pdf']).optional() }),
    response: z.object({ report: z.record(z.string(), z.unknown()), signature: signatureView }),
    handler: async ({ req, res, query }) => {
      const signed = await report(req.partner.businessId, String(req.params.id));
      if (query.format === 'pdf') {
        await sendPdf(res, signed);
        return {};
      }
      return signed;
    },
  });

  snap.route({
    ...common,
    method: 'get',
    path: '/self-tests/:id/report.pdf',
    operationId: 'getSelfTestReportPdf',
    summary: "A self-test run's report as PDF, printing the SHA-256 and signature of its JSON",
    description: 'The same report as GET /self-tests/{id}/report?format=pdf. Another business\'s run answers 404xx01.',
    file: ['application/pdf'],
    handler: async ({ req, res }) => {
      await sendPdf(res, await report(req.partner.businessId, String(req.params.id)));
      return {};
    },
  });
}
