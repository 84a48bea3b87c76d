import 'reflect-metadata';
import { userInfo } from 'node:os';
import { DataSource, type EntityManager, type MixedList, type EntitySchema } from 'typeorm';

export interface DatabaseOptions {
  url: string;
  entities: MixedList<Function | string | EntitySchema>;
  migrations: Function[];
  poolSize?: number;
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

/**
 * Runs `work` in one transaction; retries once on a serialization failure or deadlock
 * (SQLSTATE 40001 / 40P01). The EntityManager is passed explicitly, never stored on a service.
 */
export async function inTransaction<T>(db: DataSource, work: (tx: EntityManager) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (err) {
      const code = (err as { code?: string; driverError?: { code?: string } }).driverError?.code ?? (err as { code?: string }).code;
      if (attempt === 0 && code && RETRYABLE.has(code)) continue;
      throw err;
    }
  }
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
