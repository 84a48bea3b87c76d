import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { requireAdmin } from '../access/admin.routes';
import { balanceListQuery, cardholderBalanceView } from './rewards.schemas';
import { listBalances } from './rewards.service';

/**
 * The dashboard's own rewards route: every cardholder's balance in one list. The program, a
 * balance, the history and redemption are the partner API's routes, mounted on /admin/v1 too
 * (rewards.routes.ts).
 */
export function adminRewardsRoutes(k: Kartu, admin: ApiRouter): void {
  admin.route({
    method: 'get',
    path: '/rewards/balances',
    operationId: 'listRewardsBalances',
    description:
      "Every cardholder of the business with their points and what they are worth, most points first; a cardholder who never earned shows 0.",
    summary: "Cardholders' rewards balances (points and cashback value), most points first, paged; `q` searches name or email",
    service: '98',
    tag: 'Rewards',
    security: ['adminSession'],
    guards: [requireAdmin(k)],
    query: balanceListQuery,
    response: z.object({ balances: z.array(cardholderBalanceView), pageNumber: z.number(), pageSize: z.number(), totalCount: z.number() }),
    handler: ({ req, query }) => listBalances(k, req.caller.businessId, query),
  });
}
