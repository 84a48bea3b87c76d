import type { IncomingMessage, ServerResponse } from 'node:http';
import express, { type Request, type RequestHandler, type Response } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import type { Kartu } from './context';
import { accessRoutes } from './modules/access/access.routes';
import { adminRoutes, requireAdmin } from './modules/access/admin.routes';
import { developerRoutes } from './modules/access/developer.routes';
import { teamRoutes } from './modules/access/team.routes';
import { adminPolicyRoutes } from './modules/policies/admin-policies.routes';
import { adminReportRoutes } from './modules/reports/admin-reports.routes';
import { adminRewardsRoutes } from './modules/rewards/admin-rewards.routes';
import { snapHeaders, snapPartnerGuard } from './modules/access/snap-auth';
import { authorizationFastPath } from './modules/authorizations/authorization-fast-path';
import { networkRoutes } from './modules/authorizations/network.routes';
import { adminAuthorizationRoutes } from './modules/authorizations/admin-authorizations.routes';
import { sandboxRoutes } from './modules/authorizations/sandbox.routes';
import { simulateRoutes } from './modules/authorizations/simulate.routes';
import { cardRoutes } from './modules/cards/cards.routes';
import { limitUsageRoutes } from './modules/cards/limit-usage';
import { mccGroupRoutes } from './modules/controls/mcc-groups.routes';
import { adminMoneyRoutes } from './modules/ledger/admin-money.routes';
import { balanceRoutes } from './modules/ledger/balance.routes';
import { historyRoutes } from './modules/ledger/history.routes';
import { policyRoutes } from './modules/policies/policies.routes';
import { eventCatalogue, toHtml } from './modules/events/event-docs';
import { documentEvents } from './modules/events/event-payloads';
import { AdminStream, adminStreamRoutes, type StreamTimings } from './modules/events/admin-stream';
import { operatesQueueBoard, queueBoard, QUEUE_BOARD_PATH } from './modules/events/queue-board';
import { measureOutboxLag } from './modules/events/relay';
import { webhookRoutes } from './modules/webhooks/webhooks.routes';
import { reportRoutes } from './modules/reports/reports.routes';
import { partnerRewardsGuards, rewardsRoutes } from './modules/rewards/rewards.routes';
import { selfTestObserver } from './modules/self-tests/observer';
import { selfTestRoutes } from './modules/self-tests/self-tests.routes';
import { defaultWebRoot, serveDashboard } from './platform/dashboard';
import { constantTimeEqual } from './platform/crypto';
import { FeatureNotAllowed, Unauthorized } from './platform/errors';
import { ApiRouter, errorHandler, notFoundHandler, requestLifecycle } from './platform/http';
import { metricsRegistry } from './platform/metrics';
import { ApiDocs } from './platform/openapi';
import { RateLimits } from './platform/rate-limit';

/** What serves Kartu's HTTP: node:http's request listener (supertest takes it too). */
export type KartuApp = ((req: IncomingMessage, res: ServerResponse) => void) & {
  /** The live streams (GET /admin/v1/stream): `close()` them before closing the server, which they would hold open. */
  adminStream: AdminStream;
};

export interface AppOptions {
  /** The dashboard's build (`vite build` output); dist/web of this checkout unless given. */
  webRoot?: string;
  /** The live stream's poll, heartbeat and lifetime (STREAM_TIMINGS unless given). */
  streamTimings?: StreamTimings;
}

/**
 * Assembles the Express app from the modules' routers, behind the one route that skips express:
 * network authorizations, the hot path (authorization-fast-path.ts).
 */
export function createApp(k: Kartu, o: AppOptions = {}): KartuApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', k.config.trustProxy);
  app.use(requestLifecycle(k.logger, k.clock));
  const security = helmet({
    contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'img-src': ["'self'", 'data:'] } },
  });
  const docs = new ApiDocs();
  documentEvents(docs);
  // The card networks' routes come first and stay lean: helmet's headers are set from the list
  // helmet produced once, instead of running its dozen middlewares per request.
  const network = new ApiRouter('/network/v1', docs);
  networkRoutes(k, network);
  const securityHeaders = headersSetBy(security);
  app.use('/network/v1', fixedHeaders(securityHeaders), network.router);
  // The dashboard sets its own, stricter security headers (no inline styles), before the API's.
  serveDashboard(app, o.webRoot ?? defaultWebRoot());
  app.use(security);

  const limits = new RateLimits(k.redis, `${k.config.redisPrefix}:rl`);
  const partnerGuard = snapPartnerGuard(k, limits);

  const snap = new ApiRouter('/snap/v1.0', docs);
  accessRoutes(k, snap, limits);
  balanceRoutes(k, snap, partnerGuard);
  simulateRoutes(k, snap, partnerGuard);
  historyRoutes(k, snap, partnerGuard);
  rewardsRoutes(k, snap, partnerRewardsGuards(partnerGuard));
  reportRoutes(k, snap, { read: [partnerGuard], write: [partnerGuard], security: ['snapB2B'], headers: snapHeaders });
  selfTestRoutes(k, snap, partnerGuard);
  cardRoutes(k, snap, { read: [partnerGuard], write: [partnerGuard], reveal: [partnerGuard], security: ['snapB2B'], headers: snapHeaders, sandbox: true });
  policyRoutes(k, snap, { read: [partnerGuard], write: [partnerGuard], security: ['snapB2B'], headers: snapHeaders });
  webhookRoutes(k, snap, { read: [partnerGuard], write: [partnerGuard], security: ['snapB2B'], headers: snapHeaders, publicKey: true });

  const admin = new ApiRouter('/admin/v1', docs, 'admin');
  adminRoutes(k, admin, limits);
  cardRoutes(k, admin, { read: [requireAdmin(k)], write: [requireAdmin(k, ['owner', 'finance_admin'])], reveal: [requireAdmin(k, ['owner'])], security: ['adminSession'], sandbox: false });
  policyRoutes(k, admin, { read: [requireAdmin(k)], write: [requireAdmin(k, ['owner', 'finance_admin'])], security: ['adminSession'] });
  webhookRoutes(k, admin, { read: [requireAdmin(k)], write: [requireAdmin(k, ['owner'])], security: ['adminSession'], publicKey: false });
  adminMoneyRoutes(k, admin, [requireAdmin(k)]);
  adminAuthorizationRoutes(k, admin, [requireAdmin(k)]);
  limitUsageRoutes(k, admin, [requireAdmin(k)]);
  mccGroupRoutes(admin, [requireAdmin(k)]);
  sandboxRoutes(k, admin, [requireAdmin(k, ['owner', 'finance_admin'])]);
  adminPolicyRoutes(k, admin);
  adminReportRoutes(k, admin);
  rewardsRoutes(k, admin, { read: [requireAdmin(k)], write: [requireAdmin(k, ['owner', 'finance_admin'])], security: ['adminSession'], noProgram: 'null' });
  adminRewardsRoutes(k, admin);
  teamRoutes(k, admin, limits);
  developerRoutes(k, admin);
  const adminStream = new AdminStream(k, o.streamTimings);
  adminStreamRoutes(k, admin, adminStream);

  docs.registerOperationsRoute({
    path: '/healthz',
    operationId: 'getHealth',
    summary: 'Liveness: the process answers',
    description: 'Answers 200 as long as the process serves HTTP, whatever its database and Redis do: for a restart policy, not for routing traffic (use /readyz).',
    responses: { 200: { description: 'Alive', type: 'application/json', schema: z.object({ status: z.literal('ok') }) } },
  });
  const readyAnswer = z.object({ ready: z.boolean(), database: z.enum(['ok', 'unreachable']), migrations: z.enum(['applied', 'pending', 'unknown']) });
  docs.registerOperationsRoute({
    path: '/readyz',
    operationId: 'getReadiness',
    summary: 'Readiness: PostgreSQL answers and no migration is pending',
    description: 'For a load balancer: route traffic here only while it answers 200.',
    responses: {
      200: { description: 'Ready', type: 'application/json', schema: readyAnswer },
      503: { description: 'Not ready: the database is unreachable or a migration is pending', type: 'application/json', schema: readyAnswer },
    },
  });
  docs.registerOperationsRoute({
    path: '/metrics',
    operationId: 'getMetrics',
    summary: 'Prometheus metrics',
    description: 'Request counts and durations by route, status and responseCode, queue and outbox lag, in the Prometheus text format.',
    responses: { 200: { description: 'The metrics', type: 'text/plain' } },
  });
  app.get('/', (_req, res) => {
    res.redirect(302, '/dashboard/');
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await readiness(k);
    res.status(checks.ready ? 200 : 503).json(checks);
  });
  // With KARTU_METRICS_PORT the metrics are served there only (createMetricsApp): here they are a 404.
  if (k.config.metricsPort === undefined) app.get('/metrics', metricsHandler(k));
  // bull-board for owners; 503 while Redis is unreachable.
  app.use(QUEUE_BOARD_PATH, requireAdmin(k, ['owner']), operatorsOnly(k), queueBoard(k));
  app.use(docs.router());
  // The event catalogue (docs/events.md) as a page.
  let eventsPage: string | undefined;
  app.get('/docs/events', (_req, res) => {
    eventsPage ??= toHtml(eventCatalogue());
    res.type('html').send(eventsPage);
  });
  // Before the SNAP routes: it watches the calls of clients with an open self-test run.
  app.use('/snap/v1.0', selfTestObserver(k));
  app.use('/snap/v1.0', snap.router);
  app.use('/admin/v1', admin.router);
  app.use(notFoundHandler);
  app.use(errorHandler(k.logger));
  const authorizations = authorizationFastPath(k, securityHeaders);
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    if (!authorizations(req, res)) app(req, res);
  };
  return Object.assign(listener, { adminStream });
}

/**
 * GET /metrics: Prometheus text, with the relay's lag measured first (wherever the relay runs).
 * With KARTU_METRICS_TOKEN it needs `Authorization: Bearer <token>` (401 otherwise).
 */
function metricsHandler(k: Kartu): RequestHandler {
  const expected = k.config.metricsToken ? `Bearer ${k.config.metricsToken}` : undefined;
  return async (req, res) => {
    if (expected && !constantTimeEqual(req.get('authorization') ?? '', expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="kartu-metrics"');
      throw new Unauthorized('GET /metrics needs Authorization: Bearer <KARTU_METRICS_TOKEN>');
    }
    await measureOutboxLag(k).catch(() => undefined);
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  };
}

/** What KARTU_METRICS_PORT serves: GET /metrics and nothing else (404), with the same errors as the api. */
export function createMetricsApp(k: Kartu): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLifecycle(k.logger, k.clock));
  app.use(helmet());
  app.get('/metrics', metricsHandler(k));
  app.use(notFoundHandler);
  app.use(errorHandler(k.logger));
  return app;
}

/** The queue board is for the platform's operators (queue-board.ts operatesQueueBoard). */
function operatorsOnly(k: Kartu): RequestHandler {
  return (req, _res, next) => {
    if (!operatesQueueBoard(k, req.caller.businessId)) throw new FeatureNotAllowed("The queue board is for the platform operator's owners (KARTU_OPERATOR_BUSINESS_IDS)");
    next();
  };
}

/** The headers a header-setting middleware (helmet) sets, captured once. */
function headersSetBy(middleware: RequestHandler): Array<[string, string]> {
  const headers: Array<[string, string]> = [];
  const res = {
    setHeader: (name: string, value: string | number | string[]) => headers.push([name, String(value)]),
    removeHeader: () => undefined,
    getHeader: () => undefined,
  };
  let called = false;
  void middleware({ headers: {} } as Request, res as unknown as Response, () => {
    called = true;
  });
  if (!called || headers.length === 0) throw new Error('the security headers could not be captured');
  return headers;
}

function fixedHeaders(headers: Array<[string, string]>): RequestHandler {
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** Ready when PostgreSQL answers and no migration is pending. */
async function readiness(k: Kartu): Promise<{ ready: boolean; database: string; migrations: string }> {
  try {
    await k.db.query('SELECT 1');
  } catch {
    return { ready: false, database: 'unreachable', migrations: 'unknown' };
  }
  const pending = await k.db.showMigrations();
  return { ready: !pending, database: 'ok', migrations: pending ? 'pending' : 'applied' };
}
