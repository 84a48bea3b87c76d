import pg from 'pg';
import { migrations } from '../migrations';
import { createDataSource } from '../src/platform/db';
import { entities } from '../src/database';
import { TEMPLATE_DB, adminUrl, databaseUrl } from './support/databases';

/** Builds one migrated template database; each test file clones it (CREATE DATABASE … TEMPLATE). */
export default async function setup(): Promise<() => Promise<void>> {
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  const db = createDataSource({ url: databaseUrl(TEMPLATE_DB), entities, migrations, poolSize: 1 });
  await db.initialize();
  await db.runMigrations();
  await db.destroy();
  // Leftovers of interrupted runs.
  const { rows } = await admin.query("SELECT datname FROM pg_database WHERE datname LIKE 'kartu\\_t\\_%'");
  for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
  await admin.end();
  return async () => {
    const c = new pg.Client({ connectionString: adminUrl() });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await c.end();
  };
}
