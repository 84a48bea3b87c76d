import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { snapAmount, snapAmountInput } from '../../platform/money';
import { sandboxOnly } from '../access/access.routes';
import { Business } from '../access/business.entity';
import { snapHeaders } from '../access/snap-auth';
import { creditFunding } from './funding';
import { fundingBalances } from './ledger.service';

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
    operationId: 'balanceInquiry',
    description:
      'The SNAP balance inquiry of the business funding account that card spend draws on.',
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
    operationId: 'simulateFunding',
    description:
      'Credits the funding account as a bank top-up would, so test purchases have money to spend. Sandbox only (403xx01 in production).',
    service: '96',
    tag: 'Sandbox simulation',
    summary: 'Credit the business funding account, as a bank top-up would (sandbox only)',
    security: ['snapB2B'],
    headers: snapHeaders,
    guards: [sandboxOnly(k), partnerGuard],
    body: z.strictObject({ amount: snapAmountInput }),
    response: z.object({ referenceNo: z.string(), amount, availableBalance: amount }),
    handler: async ({ req, body }) => {
      const credited = await creditFunding(k, req.caller, body.amount, `simulate:${req.requestId}`);
      return { referenceNo: credited.transferId, amount: credited.amount, availableBalance: snapAmount(credited.balances.availableBalance, credited.balances.currency) };
    },
  });
}
