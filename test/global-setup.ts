import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { migrations } from '../migrations';
import { createDataSource } from '../src/platform/db';
import { entities } from '../src/database';
import { adminUrl, databaseUrl } from './support/databases';

declare module 'vitest' {
  export interface ProvidedContext {
    runId: string;
  }
}

/**
 * Builds one migrated template database for this run; each test file clones it
 * (CREATE DATABASE … TEMPLATE). Names carry a run id, so concurrent runs never touch each
 * other's databases; teardown drops everything of this run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const runId = randomBytes(4).toString('hex');
  project.provide('runId', runId);
  const template = `kartu_t_${runId}_template`;
  await adminQuery(`CREATE DATABASE ${template}`);
  const db = createDataSource({ url: databaseUrl(template), entities, migrations, poolSize: 1 });
  await db.initialize();
  await db.runMigrations();
  await db.destroy();
  return async () => {
    const c = new pg.Client({ connectionString: adminUrl() });
    await c.connect();
    const { rows } = await c.query('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [`kartu_t_${runId}_`]);
    for (const r of rows) await c.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
    await c.end();
  };
}

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: adminUrl() });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}
