import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The velocity roll-up finds the authorizations created since its last run through the BRIN index
 * `authorizations_created_brin` (1764900000000-velocity-rollups). A BRIN scan reads every page
 * range that is not yet summarized, and without `autosummarize` new ranges are summarized only by
 * VACUUM — on an insert-only table, after a fifth of its size has been inserted again — so each
 * roll-up read more and more of the table between vacuums. With it, autovacuum summarizes a range
 * once the next one receives rows (within about a minute, its naptime), and the roll-up reads the
 * ranges of its interval and of that last minute.
 */
export class BrinAutosummarize1765000000000 implements MigrationInterface {
  name = 'BrinAutosummarize1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER INDEX authorizations_created_brin SET (autosummarize = on)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER INDEX authorizations_created_brin RESET (autosummarize)');
  }
}
