import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { InvalidFieldFormat } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import { parseSnapValue, snapAmount, snapAmountInput } from '../../platform/money';
import { sandboxOnly } from '../access/access.routes';
import { recordAudit } from '../access/audit';
import { Business } from '../access/business.entity';
import { snapHeaders } from '../access/snap-auth';
import { recordEvent } from '../events/outbox';
import { accountId, fundingBalances, postTransfer } from './ledger.service';

const amount = z.object({ value: z.string(), currency: z.string() });

const balanceInquiryRequest = z.strictObject({
  partnerReferenceNo: z.string().max(64).optional(),
  accountNo: z.string().max(64).optional(),
  balanceTypes: z.array(z.string().max(32)).max(10).optional(),
  additionalInfo: z.record(z.string(), z.unknown()).optional(),
});

const balanceInquiryResponse = z.object({
  referenceNo: z.string(),
  partnerReferenceNo: z.string().optional(),
  accountNo: z.string(),
  name: z.string(),
  accountInfos: z.array(
    z.object({
      balanceType: z.string(),
      amount,
      holdAmount: amount,
      availableBalance: amount,
      ledgerBalance: amount,
      status: z.string().meta({ description: '0001 active' }),
    }),
  ),
});

/** Balance inquiry (SNAP 11) and sandbox funding (96) of the business funding account. */
export function balanceRoutes(k: Kartu, snap: ApiRouter, partnerGuard: RequestHandler): void {
  snap.route({
    method: 'post',
    path: '/balance-inquiry',
    service: '11',
    tag: 'Balances',
    summary: 'Balance inquiry of the business funding account (SNAP service 11): ledgerBalance (posted), holdAmount (open holds), availableBalance (ledger − holds)',
    security: ['snapB2B'],
    headers: snapHeaders,
    guards: [partnerGuard],
    body: balanceInquiryRequest,
    response: balanceInquiryResponse,
    handler: async ({ req, body }) => {
      const business = await k.db.getRepository(Business).findOneByOrFail({ id: req.partner.businessId });
      const b = await fundingBalances(k.db.manager, business.id, business.currency);
      const ledger = snapAmount(b.ledgerBalance, b.currency);
      return {
        referenceNo: req.requestId,
        ...(body.partnerReferenceNo ? { partnerReferenceNo: body.partnerReferenceNo } : {}),
        accountNo: business.id,
        name: business.name,
        accountInfos: [
          {
            balanceType: 'Cash',
            amount: ledger,
            holdAmount: snapAmount(b.holdAmount, b.currency),
            availableBalance: snapAmount(b.availableBalance, b.currency),
            ledgerBalance: ledger,
            status: business.status === 'ACTIVE' ? '0001' : '0007',
          },
        ],
      };
    },
  });

  snap.route({
    method: 'post',
    path: '/simulate/funding',
    service: '96',
    tag: 'Sandbox simulation',
    summary: 'Credit the business funding account, as a bank top-up would (sandbox only)',
    security: ['snapB2B'],
    headers: snapHeaders,
    guards: [sandboxOnly(k), partnerGuard],
    body: z.strictObject({ amount: snapAmountInput }),
    response: z.object({ referenceNo: z.string(), amount, availableBalance: amount }),
    handler: async ({ req, body }) => {
      const { businessId } = req.caller;
      const business = await k.db.getRepository(Business).findOneByOrFail({ id: businessId });
      if (body.amount.currency !== business.currency) throw new InvalidFieldFormat('amount.currency', `the funding account is in ${business.currency}`);
      const minor = parseSnapValue(body.amount.value, body.amount.currency, 'amount');
      if (minor <= 0n) throw new InvalidFieldFormat('amount.value', 'must be greater than zero');
      return inTransaction(k.db, async (tx) => {
        const transferId = await postTransfer(tx, {
          businessId,
          debitAccountId: await accountId(tx, null, 'platform_bank', business.currency),
          creditAccountId: await accountId(tx, businessId, 'funding', business.currency),
          amount: minor,
          currency: business.currency,
          kind: 'funding',
          reference: `simulate:${req.requestId}`,
        });
        const balances = await fundingBalances(tx, businessId, business.currency);
        const credited = snapAmount(minor, business.currency);
        await recordAudit(tx, { businessId, actorType: req.caller.actorType, actorId: req.caller.actorId, action: 'funding.simulated', targetType: 'ledger_transfer', targetId: transferId, details: { amount: credited } });
        await recordEvent(tx, { businessId, type: 'funding.credited', data: { transferId, amount: credited } });
        return { referenceNo: transferId, amount: credited, availableBalance: snapAmount(balances.availableBalance, business.currency) };
      });
    },
  });
}
