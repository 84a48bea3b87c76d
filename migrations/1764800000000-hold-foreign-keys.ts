import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The foreign keys the authorization write still paid for on every hold: a hold's two accounts
 * (ledger_transfers → ledger_accounts) and the authorization's hold (authorizations → ledger_transfers,
 * checked at the commit, while the batch holds its accounts). Each check is a query per row that
 * takes a KEY SHARE lock; on a funding account another batch holds FOR NO KEY UPDATE that lock
 * makes a MultiXact. The write only uses account ids it has just read and holds it has just
 * written, and no account is ever deleted. Measured with pg_stat_statements (bench/RESULTS.md): the
 * holds insert of a batch went from ≈ 40 to ≈ 22 µs per row. The ledger invariants the tests check
 * after every step now include what the keys enforced (test/support/invariants.ts).
 * down() restores them.
 */
export class HoldForeignKeys1764800000000 implements MigrationInterface {
  name = 'HoldForeignKeys1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ledger_transfers DROP CONSTRAINT ledger_transfers_debit_account_id_fkey,
                                   DROP CONSTRAINT ledger_transfers_credit_account_id_fkey;
      ALTER TABLE authorizations DROP CONSTRAINT authorizations_hold_id_fkey;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE ledger_transfers ADD CONSTRAINT ledger_transfers_debit_account_id_fkey FOREIGN KEY (debit_account_id) REFERENCES ledger_accounts(id),
                                   ADD CONSTRAINT ledger_transfers_credit_account_id_fkey FOREIGN KEY (credit_account_id) REFERENCES ledger_accounts(id);
      ALTER TABLE authorizations ADD CONSTRAINT authorizations_hold_id_fkey FOREIGN KEY (hold_id) REFERENCES ledger_transfers(id) DEFERRABLE INITIALLY DEFERRED;
    `);
  }
}
