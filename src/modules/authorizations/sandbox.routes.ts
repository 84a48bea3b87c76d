import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { snapAmountInput } from '../../platform/money';
import { sandboxOnly } from '../access/access.routes';
import { cardView, shippingAdvance } from '../cards/cards.schemas';
import { advanceShipping } from '../cards/cards.service';
import { creditFunding } from '../ledger/funding';
import { presentBalances } from '../ledger/overview';
import { money } from './admin-authorizations.schemas';
import { authorizationResponse } from './authorizations.schemas';
import { lifecycleRoutes } from './sandbox-lifecycle';
import { simulatePurchase } from './simulate';
import { simulateRequest } from './simulate.routes';

/**
 * The admin API's sandbox (SNAP service 96; 403xx01 in production): a test purchase through the
 * full authorization pipeline, then its clearing, reversal and refund (sandbox-lifecycle.ts, shared
 * with the partner API), a top-up of the funding account, and a physical card's shipment.
 */
export function sandboxRoutes(k: Kartu, admin: ApiRouter, write: RequestHandler[]): void {
  const common = { service: '96', tag: 'Admin sandbox', security: ['adminSession'], guards: [sandboxOnly(k), ...write] };

  admin.route({
    ...common,
    method: 'post',
    path: '/sandbox/authorizations',
    operationId: 'createSandboxAuthorization',
    description:
      "Runs a test purchase through the same pipeline as a card network's authorization (controls, limits, policies, funds), so the dashboard can try a card without a network. Sandbox only: 403xx01 in production; 404xx11 when the card is not the business's.",
    summary: 'A test purchase on one of your cards through the full authorization pipeline (sandbox only)',
    body: simulateRequest,
    response: z.object({ authorization: authorizationResponse }),
    handler: async ({ req, body }) => ({ authorization: await simulatePurchase(k, req.caller.businessId, body) }),
  });

  lifecycleRoutes(k, admin, { tag: common.tag, security: common.security, guards: common.guards, path: '/sandbox/authorizations/:id', operation: 'SandboxAuthorization' });

  admin.route({
    ...common,
    method: 'post',
    path: '/sandbox/funding',
    operationId: 'fundSandboxAccount',
    description:
      'Credits the funding account so test purchases have money to spend. Sandbox only: 403xx01 in production.',
    summary: 'Credit the business funding account, as a bank top-up would (sandbox only)',
    body: z.strictObject({ amount: snapAmountInput }),
    response: z.object({ funding: z.object({ transferId: z.string(), amount: money }), balance: z.object({ ledgerBalance: money, holdAmount: money, availableBalance: money }) }),
    handler: async ({ req, body }) => {
      const credited = await creditFunding(k, req.caller, body.amount, `sandbox:${req.requestId}`);
      return { funding: { transferId: credited.transferId, amount: credited.amount }, balance: presentBalances(credited.balances) };
    },
  });

  admin.route({
    ...common,
    method: 'post',
    path: '/sandbox/cards/:cardId/shipping',
    operationId: 'advanceSandboxCardShipping',
    description:
      "Moves a physical card's shipment one step, as the card bureau's updates would. 404xx01 for an unknown card; 403xx15 for a step the shipment cannot take from where it is.",
    summary: "Advance a physical card's shipment: pending → shipped → delivered | returned | failure (sandbox only)",
    body: shippingAdvance,
    response: z.object({ card: cardView }),
    handler: async ({ req, body }) => ({ card: await advanceShipping(k, req.caller, String(req.params.cardId), body) }),
  });
}
