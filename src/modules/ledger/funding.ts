import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { InvalidFieldFormat } from '../../platform/errors';
import { parseSnapValue, snapAmount } from '../../platform/money';
import type { Caller } from '../access/caller';
import { recordAudit } from '../access/audit';
import { Business } from '../access/business.entity';
import { recordEvent } from '../events/outbox';
import { accountId, fundingBalances, postTransfer, type Balances } from './ledger.service';

/**
 * Sandbox: credits the business funding account from the platform bank, as a bank top-up would
 * (audited, with a funding.credited event). Shared by the partner API's simulator and the admin
 * API's sandbox. `reference` is recorded on the transfer.
 */
export async function creditFunding(
  k: Kartu,
  caller: Caller,
  amount: { value: string; currency: string },
  reference: string,
): Promise<{ transferId: string; amount: { value: string; currency: string }; balances: Balances }> {
  const { businessId } = caller;
  const business = await k.db.getRepository(Business).findOneByOrFail({ id: businessId });
  if (amount.currency !== business.currency) throw new InvalidFieldFormat('amount.currency', `the funding account is in ${business.currency}`);
  const minor = parseSnapValue(amount.value, amount.currency, 'amount');
  if (minor <= 0n) throw new InvalidFieldFormat('amount.value', 'must be greater than zero');
  return inTransaction(k.db, async (tx) => {
    const transferId = await postTransfer(tx, {
      businessId,
      debitAccountId: await accountId(tx, null, 'platform_bank', business.currency),
      creditAccountId: await accountId(tx, businessId, 'funding', business.currency),
      amount: minor,
      currency: business.currency,
      kind: 'funding',
      reference,
    });
    const balances = await fundingBalances(tx, businessId, business.currency);
    const credited = snapAmount(minor, business.currency);
    await recordAudit(tx, { businessId, actorType: caller.actorType, actorId: caller.actorId, action: 'funding.simulated', targetType: 'ledger_transfer', targetId: transferId, details: { amount: credited } });
    await recordEvent(tx, { businessId, type: 'funding.credited', data: { transferId, amount: credited } });
    return { transferId, amount: credited, balances };
  });
}
