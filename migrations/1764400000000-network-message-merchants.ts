import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clearings and refunds keep the merchant the network sent (reports and rewards read it there; it
 * was only in the outbox event). Existing rows take it from their outbox event.
 */
export class NetworkMessageMerchants1764400000000 implements MigrationInterface {
  name = 'NetworkMessageMerchants1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE network_messages ADD COLUMN merchant jsonb;
      UPDATE network_messages m SET merchant = e.data->'merchant'
        FROM outbox_events e
       WHERE m.kind IN ('clearing', 'refund') AND e.business_id = m.business_id
         AND e.type = CASE m.kind WHEN 'refund' THEN 'transaction.refunded' ELSE 'transaction.cleared' END
         AND e.data->>(CASE m.kind WHEN 'refund' THEN 'refundId' ELSE 'clearingId' END) = m.message_id
         AND jsonb_typeof(e.data->'merchant') = 'object';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE network_messages DROP COLUMN merchant');
  }
}
