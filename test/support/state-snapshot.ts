import type { DataSource } from 'typeorm';

/**
 * Every row of every table of the test's database, as one fingerprint per table: its row count and
 * an order-independent sum of its rows' 64-bit hashes. Cheap on a test database (small tables, one
 * query) and real: any inserted, deleted or changed row of a table changes its entry.
 */
export type StateSnapshot = Map<string, string>;

/** A function taking snapshots of every table but `exclude` (the table list is read once). */
export async function snapshotter(db: DataSource, exclude: readonly string[]): Promise<() => Promise<StateSnapshot>> {
  const tables: Array<{ name: string }> = await db.query(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> ALL($1) AND table_name NOT LIKE 'typeorm%'
      ORDER BY table_name`,
    [exclude],
  );
  const sql = tables
    .map((t) => `SELECT '${t.name}' AS name, count(*) || ':' || coalesce(sum(hashtextextended(r::text, 0)::numeric), 0) AS print FROM "${t.name}" r`)
    .join(' UNION ALL ');
  return async () => {
    const rows: Array<{ name: string; print: string }> = await db.query(sql);
    return new Map(rows.map((r) => [r.name, r.print]));
  };
}

/** The tables whose fingerprint differs between two snapshots. */
export function changedTables(before: StateSnapshot, after: StateSnapshot): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((t) => before.get(t) !== after.get(t));
}
