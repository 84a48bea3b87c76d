import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log's filters (GET /admin/v1/audit-log): by action (exact or a prefix such as `card.`:
 * text_pattern_ops serves LIKE 'card.%' whatever the collation), by object and by actor, each
 * within the business and newest first.
 */
export class AuditLogFilters1766030000000 implements MigrationInterface {
  name = 'AuditLogFilters1766030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX audit_log_business_action ON audit_log (business_id, action text_pattern_ops, id DESC);
      CREATE INDEX audit_log_business_target ON audit_log (business_id, target_type, target_id, id DESC);
      CREATE INDEX audit_log_business_actor ON audit_log (business_id, actor_id, id DESC);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX audit_log_business_action, audit_log_business_target, audit_log_business_actor');
  }
}
