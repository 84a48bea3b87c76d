import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Safe retries: an X-EXTERNAL-ID keeps what its first request was (SHA-256 of method, path with
 * query and raw body) and the answer it got (HTTP status and SNAP body), written before the answer
 * leaves. `status` NULL means the first request is still in flight; a row with a status and no body
 * was answered with something not replayed (a download, a revealed card number).
 */
export class ExternalIdAnswers1765400000000 implements MigrationInterface {
  name = 'ExternalIdAnswers1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE external_ids
        ADD COLUMN request_sha256 text CHECK (request_sha256 ~ '^[0-9a-f]{64}$'),
        ADD COLUMN status smallint CHECK (status BETWEEN 100 AND 499),
        ADD COLUMN body jsonb
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE external_ids DROP COLUMN request_sha256, DROP COLUMN status, DROP COLUMN body');
  }
}
