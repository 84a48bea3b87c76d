import 'reflect-metadata';
import { userInfo } from 'node:os';
import pg from 'pg';
import { DataSource, type EntityManager, type MixedList, type EntitySchema } from 'typeorm';

export interface DatabaseOptions {
  url: string;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: Function[];
  poolSize?: number;
}

/**
 * A pg client that always has an `error` listener. pg emits a connection's error (a backend
 * terminated, a reset socket) synchronously while parsing what arrived, and TypeORM attaches its
 * own listener only a microtask after the pool hands it the client: a backend terminated just after
 * it accepted the connection (both messages in one packet) was an unhandled `error` event, which
 * ends the process. The error still reaches the query it concerns, the pool and TypeORM.
 */
class ListenedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** A TypeORM DataSource over pg. Schema changes only through migrations, never `synchronize`. */
export function createDataSource(opts: DatabaseOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url: withDefaultUser(opts.url),
    entities: opts.entities,
    migrations: opts.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: {
      max: opts.poolSize ?? 20,
      connectionTimeoutMillis: 5000,
      // No JIT: Kartu's statements are short, and a prepared statement's generic plan over a large
      // table can cost past jit_above_cost, which then compiles it on every execution (the velocity
      // read of the hot path: ~1 ms became ~200 ms, measured).
      options: '-c jit=off',
      Client: ListenedClient,
    },
  });
}

/** Like libpq: a URL without a user name connects as the operating-system user. */
function withDefaultUser(url: string): string {
  const parsed = new URL(url);
  if (!parsed.username) parsed.username = userInfo().username;
  return parsed.toString();
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(db: DataSource): Promise<string[]> {
  const applied = await db.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}

const RETRYABLE = new Set(['40001', '40P01']);

/** The SQLSTATE (or the socket's error code) of a driver error, also under TypeORM's QueryFailedError. */
export function sqlState(err: unknown): string | undefined {
  return (err as { driverError?: { code?: string } }).driverError?.code ?? (err as { code?: string } | undefined)?.code;
}

/** Socket errors of a connection that was reset, refused or timed out. */
const SOCKET_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
/** What pg and pg-pool say when a connection ends under a query or cannot be made in time. */
const LOST_CONNECTION = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect)/;

/**
 * The database could not be reached or the connection was lost: SQLSTATE class 08, 57P01–57P03
 * (admin or crash shutdown, cannot connect now), a reset/refused socket, pg's "Connection
 * terminated unexpectedly". The statement in flight may or may not have committed; nothing is
 * wrong with the request itself. Answered 503 with Retry-After (platform/http.ts).
 */
export function databaseUnavailable(err: unknown): boolean {
  const code = sqlState(err);
  if (code && (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || SOCKET_CODES.has(code))) return true;
  return err instanceof Error && LOST_CONNECTION.test(err.message);
}

/** Pauses before each new attempt after a lost connection; with the budget, at most ~1 s more. */
const RECONNECT_DELAYS_MS = [5, 50, 200];
const RECONNECT_BUDGET_MS = 1_000;

/**
 * Runs `work` again, on a fresh connection, when the database connection was lost under it
 * (databaseUnavailable): up to three more times within about a second, then the error stands.
 * Only for work that is safe to repeat: reads, and writes that are idempotent on a key (a
 * retried write finds its rows already there if the lost attempt had committed).
 */
export async function retryingLostConnections<T>(work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      const delay = RECONNECT_DELAYS_MS[attempt];
      if (delay === undefined || !databaseUnavailable(err) || Date.now() - started + delay > RECONNECT_BUDGET_MS) throw err;
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * Runs `work` in one transaction; retries once on a serialization failure or deadlock
 * (SQLSTATE 40001 / 40P01). The EntityManager is passed explicitly, never stored on a service.
 */
export async function inTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (caught) {
      const err = RELEASED_UNDER_WORK.has((caught as Error)?.name) ? connectionLostUnder(caught) : caught;
      const code = sqlState(err);
      if (attempt === 0 && code && RETRYABLE.has(code)) continue;
      throw err;
    }
  }
}

/**
 * TypeORM releases a transaction's query runner when its client reports an error (a backend
 * terminated between two statements); the transaction's next statement then fails with one of these
 * instead of the connection's own error. Inside inTransaction nothing else releases it.
 */
const RELEASED_UNDER_WORK = new Set(['QueryRunnerAlreadyReleasedError', 'QueryRunnerProviderAlreadyReleasedError']);

/** The transaction's connection was lost (SQLSTATE 08006, connection_failure): it did not commit. */
function connectionLostUnder(cause: unknown): Error {
  return Object.assign(new Error('Connection terminated under a transaction', { cause }), { code: '08006' });
}

/** Unique-violation check for INSERTs that race (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown, constraint?: string): boolean {
  const e = (err as { driverError?: { code?: string; constraint?: string } }).driverError ?? (err as { code?: string; constraint?: string });
  return e?.code === '23505' && (!constraint || e.constraint === constraint);
}

/**
 * A query for the hot path: straight to the pg pool as a named prepared statement, so PostgreSQL
 * parses and plans it once per connection (planning a large query costs more than running it)
 * and TypeORM's per-call query-runner overhead is skipped. Returns the rows.
 */
export async function hotQuery<T>(db: DataSource, name: string, text: string, values: unknown[]): Promise<T[]> {
  const pool = (db.driver as unknown as { master: { query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: T[] }> } }).master;
  return (await pool.query({ name, text, values })).rows;
}

/** Text that LIKE / ILIKE (with ESCAPE backslash) match literally: its %, _ and backslashes escaped. */
export function likeEscaped(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
