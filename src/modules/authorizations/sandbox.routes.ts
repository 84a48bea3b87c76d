import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { InvalidFieldFormat, NotFound, NotPermitted } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import { snapAmount, snapAmountInput } from '../../platform/money';
import { sandboxOnly } from '../access/access.routes';
import { cardView, shippingAdvance } from '../cards/cards.schemas';
import { advanceShipping } from '../cards/cards.service';
import { vaultOf } from '../cards/pan-vault';
import { creditFunding } from '../ledger/funding';
import { presentBalances } from '../ledger/overview';
import { money } from './admin-authorizations.schemas';
import { authorizationResponse, messageResponse } from './authorizations.schemas';
import { clear, refund, reverse } from './authorizations.service';
import { networkAmount, simulatePurchase } from './simulate';
import { simulateRequest } from './simulate.routes';

/**
 * The admin API's sandbox (SNAP service 96; 403xx01 in production): a test purchase through the
 * full authorization pipeline, then its clearing, reversal and refund by the same services the
 * network API calls — under the network the authorization came from, with new message ids — a
 * top-up of the funding account, and a physical card's shipment. A state that does not allow the
 * action answers 403xx15 (Transaction Not Permitted) and changes nothing.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const optionalAmount = z.strictObject({ amount: snapAmountInput.optional() });

interface Purchase {
  id: string;
  network_id: string;
  original_id: string | null;
  decision: 'approved' | 'declined' | 'partial';
  status: 'pending' | 'closed' | 'declined';
  currency: string;
  card_id: string;
  merchant: { id: string; name: string; mcc: string; city?: string; country: string };
  held: string;
  cleared: string;
  refunded: string;
}

/** One of the business's authorizations with what is held, cleared and refunded on it (404xx01 otherwise). */
async function purchaseOf(k: Kartu, businessId: string, id: string, action: string): Promise<Purchase> {
  if (!UUID.test(id)) throw new NotFound('Authorization Not Found');
  const [a]: Purchase[] = await k.db.query(
    `SELECT a.id, a.network_id, a.original_id, a.decision, a.status, a.currency, a.card_id, a.merchant,
            (SELECT coalesce(sum(t.open_amount), 0) FROM authorizations x JOIN ledger_transfers t ON t.id = x.hold_id
              WHERE x.business_id = $2 AND (x.id = a.id OR x.original_id = a.id))::text AS held,
            (SELECT coalesce(sum(m.amount), 0) FROM network_messages m WHERE m.business_id = $2 AND m.authorization_id = a.id AND m.kind = 'clearing')::text AS cleared,
            (SELECT coalesce(sum(m.amount), 0) FROM network_messages m WHERE m.business_id = $2 AND m.authorization_id = a.id AND m.kind = 'refund')::text AS refunded
       FROM authorizations a WHERE a.id = $1 AND a.business_id = $2`,
    [id, businessId],
  );
  if (!a) throw new NotFound('Authorization Not Found');
  if (a.decision === 'declined') throw new NotPermitted(`A declined authorization cannot be ${action}`);
  if (a.original_id) throw new NotPermitted(`This is an incremental authorization: use the authorization it extends (${a.original_id})`);
  return a;
}

/** The amount given, in the authorization's currency, as network minor units. */
function amountIn(p: Purchase, amount: { value: string; currency: string }): number {
  if (amount.currency !== p.currency) throw new InvalidFieldFormat('amount.currency', `the authorization is in ${p.currency}`);
  return networkAmount(amount);
}

function sandboxMessage(kind: string): string {
  return `sandbox-${kind}-${randomUUID()}`;
}

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

  admin.route({
    ...common,
    method: 'post',
    path: '/sandbox/authorizations/:id/clear',
    operationId: 'clearSandboxAuthorization',
    description:
      "Clears a test purchase as the network's clearing would, moving it past INIT in history. 404xx01 for an unknown authorization; 403xx15 when nothing is held on it any more.",
    summary: 'Clear a test purchase: all that is held (default) or the amount given (less releases the rest; more over-captures within tolerance)',
    body: optionalAmount,
    response: z.object({ clearing: messageResponse }),
    handler: async ({ req, body }) => {
      const p = await purchaseOf(k, req.caller.businessId, String(req.params.id), 'cleared');
      if (p.status !== 'pending' || BigInt(p.held) === 0n) throw new NotPermitted('Nothing is held on this authorization: it was cleared, reversed or has expired');
      const network = { id: sandboxMessage('clearing'), authorizationId: p.id, amount: body.amount ? amountIn(p, body.amount) : Number(p.held), currency: p.currency };
      return { clearing: await clear(k, p.network_id, network, Buffer.from(JSON.stringify(network))) };
    },
  });

  admin.route({
    ...common,
    method: 'post',
    path: '/sandbox/authorizations/:id/reverse',
    operationId: 'reverseSandboxAuthorization',
    description:
      'Releases the hold of a test purchase as a network reversal would. 404xx01 for an unknown authorization; 403xx15 when nothing is held on it any more.',
    summary: 'Reverse a test purchase: release all of its hold (default) or the amount given',
    body: optionalAmount,
    response: z.object({ reversal: messageResponse }),
    handler: async ({ req, body }) => {
      const p = await purchaseOf(k, req.caller.businessId, String(req.params.id), 'reversed');
      if (p.status !== 'pending' || BigInt(p.held) === 0n) throw new NotPermitted('Nothing is held on this authorization: it was cleared, reversed or has expired');
      const network = { id: sandboxMessage('reversal'), authorizationId: p.id, ...(body.amount ? { amount: amountIn(p, body.amount) } : {}) };
      return { reversal: await reverse(k, p.network_id, network, Buffer.from(JSON.stringify(network))) };
    },
  });

  admin.route({
    ...common,
    method: 'post',
    path: '/sandbox/authorizations/:id/refund',
    operationId: 'refundSandboxAuthorization',
    description:
      'Credits a refund of a cleared test purchase back to the funding account. 403xx15 when the purchase is not cleared or the amount is more than what is left to refund.',
    summary: 'Refund a cleared test purchase: what was cleared and not yet refunded (default) or the amount given, up to that',
    body: optionalAmount,
    response: z.object({ refund: messageResponse }),
    handler: async ({ req, body }) => {
      const p = await purchaseOf(k, req.caller.businessId, String(req.params.id), 'refunded');
      const refundable = BigInt(p.cleared) - BigInt(p.refunded);
      if (BigInt(p.cleared) === 0n) throw new NotPermitted('The purchase has not been cleared: only a cleared purchase can be refunded');
      if (refundable <= 0n) throw new NotPermitted('The purchase has been refunded in full');
      const amount = body.amount ? amountIn(p, body.amount) : Number(refundable);
      if (BigInt(amount) > refundable) throw new InvalidFieldFormat('amount.value', `more than the ${snapAmount(refundable, p.currency).value} cleared and not yet refunded`);
      const [card]: Array<{ pan_enc: string }> = await k.db.query('SELECT pan_enc FROM cards WHERE id = $1 AND business_id = $2', [p.card_id, req.caller.businessId]);
      if (!card) throw new NotFound('Card Not Found');
      const { id: merchantId, name, mcc, city, country } = p.merchant;
      const network = {
        id: sandboxMessage('refund'),
        card: { number: vaultOf(k).decrypt(card.pan_enc, p.card_id) },
        amount,
        currency: p.currency,
        merchant: { id: merchantId, name, mcc, ...(city === undefined ? {} : { city }), country },
      };
      return { refund: await refund(k, p.network_id, network, Buffer.from(JSON.stringify(network)), { authorizationId: p.id }) };
    },
  });

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
