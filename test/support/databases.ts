import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** Tests use the real PostgreSQL: TEST_DATABASE_URL names the server (any database on it). */
const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function databaseUrl(name: string): string {
  const url = new URL(SERVER_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export const adminUrl = () => databaseUrl('postgres');

/** Databases of this run are named kartu_t_<runId>_…; global-setup.ts builds the template. */
const prefix = () => `kartu_t_${inject('runId')}_`;

/** A fresh, migrated database of the test file's own (cloned from the run's template). */
export async function createTestDatabase(): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = prefix() + randomBytes(6).toString('hex');
  await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${prefix()}template`);
  return { name, url: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

/** An empty database (no migrations applied), for readiness tests. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = prefix() + randomBytes(6).toString('hex');
  await adminQuery(`CREATE DATABASE ${name}`);
  return { url: databaseUrl(name), drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    // CREATE DATABASE … TEMPLATE fails while another session is cloning the same template; retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(sql);
        return;
      } catch (err) {
        if (attempt < 20 && /is being accessed by other users/.test((err as Error).message)) {
          await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
          continue;
        }
        throw err;
      }
    }
  } finally {
    await c.end();
  }
}
