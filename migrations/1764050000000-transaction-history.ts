import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for SNAP transaction history (12, 13): a purchase is an authorization with its
 * incremental authorizations (original_id) and the reversals and clearings that name them
 * (network_messages.authorization_id); a refund or forced clearing is found by its transfer.
 * The chain lookups of the authorization engine (`id = $1 OR original_id = $1`) use the first too.
 */
export class TransactionHistory1764050000000 implements MigrationInterface {
  name = 'TransactionHistory1764050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE INDEX authorizations_original ON authorizations (original_id) WHERE original_id IS NOT NULL;
      CREATE INDEX network_messages_authorization ON network_messages (authorization_id) WHERE authorization_id IS NOT NULL;
      CREATE INDEX network_messages_transfer ON network_messages (transfer_id) WHERE transfer_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX authorizations_original, network_messages_authorization, network_messages_transfer');
  }
}
