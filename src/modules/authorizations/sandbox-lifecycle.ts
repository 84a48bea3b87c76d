import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { InvalidFieldFormat, NotFound, NotPermitted } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import { snapAmount, snapAmountInput } from '../../platform/money';
import { vaultOf } from '../cards/pan-vault';
import { messageResponse } from './authorizations.schemas';
import { clear, refund, reverse } from './authorizations.service';
import { networkAmount } from './simulate';

/**
 * What happens to a test purchase after its authorization, in the sandbox (SNAP service 96):
 * clearing, reversal and refund by the same services the network API calls — under the network the
 * authorization came from, with new message ids. One implementation for the admin API
 * (`/sandbox/authorizations/:id/…`) and the partner API (`/simulate/authorizations/:authorizationId/…`).
 * A state that does not allow the action answers 403xx15 (Transaction Not Permitted) and changes
 * nothing; another business's authorization is 404xx01.
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

/** A purchase with something still held on it (clear and reverse act on the hold). */
async function heldPurchase(k: Kartu, businessId: string, id: string, action: string): Promise<Purchase> {
  const p = await purchaseOf(k, businessId, id, action);
  if (p.status !== 'pending' || BigInt(p.held) === 0n) throw new NotPermitted('Nothing is held on this authorization: it was cleared, reversed or has expired');
  return p;
}

/** The amount given, in the authorization's currency, as network minor units. */
function amountIn(p: Purchase, amount: { value: string; currency: string }): number {
  if (amount.currency !== p.currency) throw new InvalidFieldFormat('amount.currency', `the authorization is in ${p.currency}`);
  return networkAmount(amount);
}

function sandboxMessage(kind: string): string {
  return `sandbox-${kind}-${randomUUID()}`;
}

export interface LifecycleSurface {
  tag: string;
  security: string[];
  headers?: z.ZodObject;
  guards: RequestHandler[];
  /** The authorization's path on this surface, with its id parameter last, e.g. `/sandbox/authorizations/:id`. */
  path: string;
  /** Middle of the operationIds, unique per surface: `clear${operation}`. */
  operation: string;
}

export function lifecycleRoutes(k: Kartu, r: ApiRouter, s: LifecycleSurface): void {
  const param = s.path.slice(s.path.lastIndexOf(':') + 1);
  const common = { service: '96', tag: s.tag, security: s.security, headers: s.headers, guards: s.guards, method: 'post' as const, body: optionalAmount };
  const errors = 'Unknown or another business\'s authorization: 404xx01; declined, incremental, or nothing left to act on: 403xx15; production: 403xx01.';

  r.route({
    ...common,
    path: `${s.path}/clear`,
    operationId: `clear${s.operation}`,
    summary: 'Clear a test purchase: all that is held (default) or the amount given (less releases the rest; more over-captures within tolerance)',
    description: `Settles a sandbox authorization as the card network's clearing would, moving the transaction past INIT. ${errors}`,
    response: z.object({ clearing: messageResponse }),
    handler: async ({ req, body }) => {
      const p = await heldPurchase(k, req.caller.businessId, String(req.params[param]), 'cleared');
      const network = { id: sandboxMessage('clearing'), authorizationId: p.id, amount: body.amount ? amountIn(p, body.amount) : Number(p.held), currency: p.currency };
      return { clearing: await clear(k, p.network_id, network, Buffer.from(JSON.stringify(network))) };
    },
  });

  r.route({
    ...common,
    path: `${s.path}/reverse`,
    operationId: `reverse${s.operation}`,
    summary: 'Reverse a test purchase: release all of its hold (default) or the amount given',
    description: `Cancels a sandbox authorization as the card network's reversal would (all of it: CANCELLED in history). ${errors}`,
    response: z.object({ reversal: messageResponse }),
    handler: async ({ req, body }) => {
      const p = await heldPurchase(k, req.caller.businessId, String(req.params[param]), 'reversed');
      const network = { id: sandboxMessage('reversal'), authorizationId: p.id, ...(body.amount ? { amount: amountIn(p, body.amount) } : {}) };
      return { reversal: await reverse(k, p.network_id, network, Buffer.from(JSON.stringify(network))) };
    },
  });

  r.route({
    ...common,
    path: `${s.path}/refund`,
    operationId: `refund${s.operation}`,
    summary: 'Refund a cleared test purchase: what was cleared and not yet refunded (default) or the amount given, up to that',
    description: `Credits back a cleared sandbox purchase as a merchant's refund would (a REFUND line in history). More than is refundable: 400xx01. ${errors}`,
    response: z.object({ refund: messageResponse }),
    handler: async ({ req, body }) => {
      const p = await purchaseOf(k, req.caller.businessId, String(req.params[param]), 'refunded');
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
}
