import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `kartu_place_hold` placed a hold one at a time. Since the batched authorization write
 * (`kartu_record_authorizations`, which re-checks funds under the account locks) nothing in Kartu
 * calls it: holds are placed one way, by authorizations. down() restores it as it was.
 */
export class DropPlaceHold1764700000000 implements MigrationInterface {
  name = 'DropPlaceHold1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('DROP FUNCTION kartu_place_hold(uuid, uuid, uuid, uuid, bigint, text, timestamptz, text)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION kartu_place_hold(p_id uuid, p_business uuid, p_debit uuid, p_credit uuid, p_amount bigint,
                                       p_currency text, p_expires timestamptz, p_reference text) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        INSERT INTO ledger_transfers (id, business_id, debit_account_id, credit_account_id, amount, currency, kind, pending, open_amount, expires_at, reference)
        VALUES (p_id, p_business, p_debit, p_credit, p_amount, p_currency, 'hold', true, p_amount, p_expires, p_reference);
        UPDATE ledger_accounts SET debits_pending = debits_pending + p_amount
         WHERE id = p_debit AND credits_posted - debits_posted - debits_pending - p_amount + overdraft_limit >= 0;
        IF NOT FOUND THEN
          RAISE EXCEPTION 'insufficient funds' USING ERRCODE = 'KL051';
        END IF;
        UPDATE ledger_accounts SET credits_pending = credits_pending + p_amount WHERE id = p_credit;
      END $$;
    `);
  }
}
