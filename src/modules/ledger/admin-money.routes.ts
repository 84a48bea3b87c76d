import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { InvalidFieldFormat } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import { isoDateTime } from '../../platform/validation';
import { Business } from '../access/business.entity';
import { keysetPage, money } from '../authorizations/admin-authorizations.schemas';
import { historyRecord } from './history.routes';
import { pageHistory } from './history.service';
import { balanceView, overview } from './overview';

const balance = z.object({ ledgerBalance: money, holdAmount: money, availableBalance: money });

const transactionListQuery = z.strictObject({
  type: z.enum(['PAYMENT', 'REFUND', 'TOP_UP', 'CASHBACK']).optional(),
  cardId: z.uuid().optional(),
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
  ...keysetPage,
});

/** Money for the business's admins: the funding balance and today's overview (SNAP service 11), and the money movements (12). */
export function adminMoneyRoutes(k: Kartu, admin: ApiRouter, read: RequestHandler[]): void {
  const businessOf = (id: string) => k.db.getRepository(Business).findOneByOrFail({ id });
  admin.route({
    method: 'get',
    path: '/balance',
    operationId: 'getBalance',
    description:
      "The funding account's balances for the dashboard.",
    service: '11',
    tag: 'Admin activity',
    summary: "The business funding account: ledgerBalance (posted), holdAmount (open holds), availableBalance (ledger − holds)",
    security: ['adminSession'],
    guards: read,
    response: z.object({ balance }),
    handler: async ({ req }) => ({ balance: await balanceView(k.db.manager, await businessOf(req.caller.businessId)) }),
  });
  admin.route({
    method: 'get',
    path: '/overview',
    operationId: 'getOverview',
    description:
      "The numbers of the dashboard's overview for today, in the business's time zone.",
    service: '11',
    tag: 'Admin activity',
    summary: "Today in the business's time zone: spend (approved amounts), approvals, declines by reason and response code, and the balance",
    security: ['adminSession'],
    guards: read,
    response: z.object({
      overview: z.object({
        date: z.string().meta({ example: '2026-11-21', description: "Today's date in the business time zone" }),
        timeZone: z.string(),
        from: z.string().meta({ description: 'Start of the day (inclusive)' }),
        to: z.string().meta({ description: 'End of the day (exclusive)' }),
        spend: money,
        approvals: z.number(),
        declines: z.number(),
        declinesByReason: z.array(z.object({ reason: z.string(), responseCode: z.string(), count: z.number() })),
        balance,
      }),
    }),
    handler: async ({ req }) => ({ overview: await overview(k.db.manager, await businessOf(req.caller.businessId), k.clock.now()) }),
  });
  admin.route({
    method: 'get',
    path: '/transactions',
    operationId: 'listTransactions',
    description:
      'Every money movement of the funding account for the transactions screen, filtered and paged by cursor.',
    service: '12',
    tag: 'Admin activity',
    summary: 'Money movements of the funding account, newest first: purchases (held, cleared or cancelled), forced clearings, refunds, top-ups, cashback; keyset-paged',
    security: ['adminSession'],
    guards: read,
    query: transactionListQuery,
    response: z.object({
      transactions: z.array(historyRecord.extend({ refundAmount: money.optional() })),
      nextCursor: z.string().nullable(),
    }),
    handler: async ({ req, query }) => {
      if (query.from && query.to && Date.parse(query.from) > Date.parse(query.to)) throw new InvalidFieldFormat('to', 'must not be before from');
      const page = await pageHistory(k.db.manager, req.caller.businessId, query);
      return { transactions: page.records, nextCursor: page.nextCursor };
    },
  });
}
