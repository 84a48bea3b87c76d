import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every event keeps the id of the transaction that wrote it, so the event list can page in commit
 * safety: it shows only events of transactions older than every one still running
 * (`pg_snapshot_xmin`) and pages by (xid, id), so an event that commits late is never skipped.
 */
export class EventCursor1764500000000 implements MigrationInterface {
  name = 'EventCursor1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbox_events ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
      CREATE INDEX outbox_events_business_xid ON outbox_events (business_id, xid, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX outbox_events_business_xid; ALTER TABLE outbox_events DROP COLUMN xid');
  }
}
