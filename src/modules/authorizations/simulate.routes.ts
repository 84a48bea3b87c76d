import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { snapAmountInput } from '../../platform/money';
import { sandboxOnly } from '../access/access.routes';
import { snapHeaders } from '../access/snap-auth';
import { authorizationResponse, merchantInput, posInput } from './authorizations.schemas';
import { lifecycleRoutes } from './sandbox-lifecycle';
import { simulatePurchase } from './simulate';

export const simulateRequest = z.strictObject({
  cardId: z.uuid(),
  amount: snapAmountInput,
  merchant: merchantInput,
  pos: posInput.optional(),
  partialAllowed: z.boolean().optional(),
});

/**
 * Sandbox: `POST /snap/v1.0/simulate/authorizations` runs the full authorization pipeline for one of
 * the business's cards as if a network had called (holds, limits, events and all); then
 * `…/{authorizationId}/clear`, `/reverse` and `/refund` move it on, as the admin sandbox does.
 */
export function simulateRoutes(k: Kartu, snap: ApiRouter, partnerGuard: RequestHandler): void {
  snap.route({
    method: 'post',
    path: '/simulate/authorizations',
    operationId: 'simulateAuthorization',
    description:
      'Runs a purchase on one of your cards through the real authorization pipeline, so an integration can be tried end to end in the sandbox. 403xx01 in production; 404xx11 when the card is not yours.',
    service: '96',
    tag: 'Sandbox simulation',
    summary: 'Simulate a network authorization on one of your cards (sandbox only)',
    security: ['snapB2B'],
    headers: snapHeaders,
    guards: [sandboxOnly(k), partnerGuard],
    body: simulateRequest,
    response: z.object({ authorization: authorizationResponse }),
    handler: async ({ req, body }) => ({ authorization: await simulatePurchase(k, req.caller.businessId, body) }),
  });
  lifecycleRoutes(k, snap, {
    tag: 'Sandbox simulation',
    security: ['snapB2B'],
    headers: snapHeaders,
    guards: [sandboxOnly(k), partnerGuard],
    path: '/simulate/authorizations/:authorizationId',
    operation: 'SimulatedAuthorization',
  });
}
