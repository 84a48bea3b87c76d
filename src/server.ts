import { createServer, type Server } from 'node:http';
import { createApp, createMetricsApp } from './app';
import { authorizationsSettled, policiesOf } from './modules/authorizations/authorize';
import { startIso8583Gateway } from './modules/iso8583/iso8583-gateway';
import { startVelocityRollups } from './modules/policies/velocity-rollup';
import type { Runtime } from './runtime';
import type { Workers } from './worker';

/**
 * Serves the api until SIGTERM/SIGINT, then shuts down gracefully: stop accepting, let in-flight
 * requests finish (10 s at most) and authorizations already submitted be written (their callers may
 * have hung up), stop the workers, close Redis, the pool and the embedded database. Meanwhile it
 * rolls the authorization history up for the velocity facts every few seconds (velocity-rollup.ts:
 * in the api, not the workers, so the hot path's reads stay bounded with Redis down).
 */
export async function serveUntilSignal(runtime: Runtime, workers?: Workers): Promise<Server> {
  const { kartu } = runtime;
  // The spend policies are loaded and compiled now rather than by the first authorization; on a
  // database not migrated yet that fails, and the first authorization tries again.
  void policiesOf(kartu).catch((err: Error) => kartu.logger.warn({ err: err.message }, 'spend policies not loaded yet (the first authorization loads them)'));
  const rollups = startVelocityRollups(kartu);
  const app = createApp(kartu);
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createServer(app).listen(kartu.config.port, kartu.config.host, () => resolve(s));
    s.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  const metrics = await serveMetrics(runtime);
  // The ISO 8583 gateway (docs/iso8583.md), when KARTU_ISO8583_PORT is set.
  const iso8583 = kartu.config.iso8583 ? await startIso8583Gateway(kartu, kartu.config.iso8583) : undefined;
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : kartu.config.port;
  kartu.logger.info({ port, env: kartu.config.env }, `Kartu api listening on http://localhost:${port} (docs at /docs)`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    kartu.logger.info({ signal }, 'shutting down: no new connections, finishing in-flight requests');
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    force.unref();
    // Whatever hangs (a worker that will not close), the process ends within 20 s.
    setTimeout(() => process.exit(1), 20_000).unref();
    // Live streams never finish by themselves: end them (their clients resume elsewhere with Last-Event-ID).
    app.adminStream.close();
    metrics?.close();
    metrics?.closeAllConnections();
    await Promise.all([
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
      // Messages being decided are answered (10 s at most), then its connections are closed.
      iso8583?.close(),
    ]);
    await authorizationsSettled(kartu);
    await rollups.stop();
    await workers?.close();
    await runtime.close();
    kartu.logger.info('stopped');
    process.exit(0);
  };
  // From here on this shutdown owns SIGTERM/SIGINT. The embedded PostgreSQL hooks both while Kartu
  // starts, to stop its cluster at once and exit 143/130, which would cut in-flight requests off their
  // database; runtime.close() stops it after the drain instead.
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  return server;
}

/** GET /metrics on KARTU_METRICS_PORT, when set (docs/operations.md): a listener of its own, so it can stay off the public network. */
async function serveMetrics({ kartu }: Runtime): Promise<Server | undefined> {
  if (kartu.config.metricsPort === undefined) return undefined;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createServer(createMetricsApp(kartu)).listen(kartu.config.metricsPort, kartu.config.host, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  kartu.logger.info({ port: typeof address === 'object' && address ? address.port : kartu.config.metricsPort }, 'metrics on their own port (GET /metrics)');
  return server;
}
