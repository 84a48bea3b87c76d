import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { snapAmount } from '../../platform/money';
import { Business } from '../access/business.entity';
import { snapHeaders } from '../access/snap-auth';
import type { RequestHandler } from 'express';

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

/**
 * Balance inquiry (SNAP 11). The funding account is empty until the ledger lands; the answer
 * already has its final shape: ledgerBalance (posted), holdAmount (open holds), availableBalance.
 */
export function balanceRoutes(k: Kartu, snap: ApiRouter, partnerGuard: RequestHandler): void {
  snap.route({
    method: 'post',
    path: '/balance-inquiry',
    service: '11',
    tag: 'Balances',
    summary: 'Balance inquiry of the business funding account (SNAP service 11)',
    security: ['snapB2B'],
    headers: snapHeaders,
    guards: [partnerGuard],
    body: balanceInquiryRequest,
    response: balanceInquiryResponse,
    handler: async ({ req, body }) => {
      const business = await k.db.getRepository(Business).findOneByOrFail({ id: req.partner.businessId });
      const zero = snapAmount(0n, business.currency);
      return {
        referenceNo: req.requestId,
        ...(body.partnerReferenceNo ? { partnerReferenceNo: body.partnerReferenceNo } : {}),
        accountNo: business.id,
        name: business.name,
        accountInfos: [{ balanceType: 'Cash', amount: zero, holdAmount: zero, availableBalance: zero, ledgerBalance: zero, status: '0001' }],
      };
    },
  });
}
