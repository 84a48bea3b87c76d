import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { Business } from '../access/business.entity';
import { authorizationDetail, authorizationListItem, authorizationListQuery } from './admin-authorizations.schemas';
import { getAuthorization, listAuthorizations } from './admin-authorizations.service';

/** The business's authorizations for its admins: the list (SNAP service 12, like transaction history) and one (13). */
export function adminAuthorizationRoutes(k: Kartu, admin: ApiRouter, read: RequestHandler[]): void {
  admin.route({
    method: 'get',
    path: '/authorizations',
    operationId: 'listAuthorizations',
    description:
      'The authorizations of the business for the activity screens, filtered and paged by cursor. A malformed filter or cursor is 400xx01 naming it.',
    service: '12',
    tag: 'Admin activity',
    summary: 'List authorizations, newest first, by card, cardholder, decision, response code, merchant, MCC, amount and time; keyset-paged',
    security: ['adminSession'],
    guards: read,
    query: authorizationListQuery,
    response: z.object({ authorizations: z.array(authorizationListItem), nextCursor: z.string().nullable() }),
    handler: async ({ req, query }) => {
      const business = await k.db.getRepository(Business).findOneByOrFail({ id: req.caller.businessId });
      return listAuthorizations(k.db.manager, business, query);
    },
  });
  admin.route({
    method: 'get',
    path: '/authorizations/:id',
    operationId: 'getAuthorization',
    description:
      "Explains one authorization: what was asked, what the decision saw and which stage decided. 404xx01 when it is not the business's.",
    service: '13',
    tag: 'Admin activity',
    summary: 'An authorization with the facts its decision used, the outcome (stage, control, limit or policy that decided), shadow policy results and its ledger transfers',
    security: ['adminSession'],
    guards: read,
    response: z.object({ authorization: authorizationDetail }),
    handler: async ({ req }) => ({ authorization: await getAuthorization(k.db.manager, req.caller.businessId, String(req.params.id)) }),
  });
}
