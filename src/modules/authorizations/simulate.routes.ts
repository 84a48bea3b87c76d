import { randomBytes, randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { NotFound } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import { parseSnapValue, snapAmountInput } from '../../platform/money';
import { sandboxOnly } from '../access/access.routes';
import { networkSecretAad } from '../access/access.service';
import { snapHeaders } from '../access/snap-auth';
import { vaultOf } from '../cards/pan-vault';
import { authorizationResponse, merchantInput, posInput } from './authorizations.schemas';
import { authorize } from './authorize';

const SANDBOX_NETWORK = 'kartu-sandbox';

/** The network sandbox simulations are recorded under (created on first use). */
async function sandboxNetworkId(k: Kartu): Promise<string> {
  const id = randomUUID();
  await k.db.query("INSERT INTO networks (id, name, secret_enc) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING", [
    id,
    SANDBOX_NETWORK,
    k.secrets.encrypt(randomBytes(32).toString('base64url'), networkSecretAad(id)),
  ]);
  const [row]: Array<{ id: string }> = await k.db.query('SELECT id FROM networks WHERE name = $1', [SANDBOX_NETWORK]);
  return row!.id;
}

const simulateRequest = z.strictObject({
  cardId: z.uuid(),
  amount: snapAmountInput,
  merchant: merchantInput,
  pos: posInput.optional(),
  partialAllowed: z.boolean().optional(),
});

/**
 * Sandbox: `POST /snap/v1.0/simulate/authorizations` runs the full authorization pipeline for one of
 * the business's cards as if a network had called (holds, limits, events and all).
 */
export function simulateRoutes(k: Kartu, snap: ApiRouter, partnerGuard: RequestHandler): void {
  snap.route({
    method: 'post',
    path: '/simulate/authorizations',
    service: '96',
    tag: 'Sandbox simulation',
    summary: 'Simulate a network authorization on one of your cards (sandbox only)',
    security: ['snapB2B'],
    headers: snapHeaders,
    guards: [sandboxOnly(k), partnerGuard],
    body: simulateRequest,
    response: z.object({ authorization: authorizationResponse }),
    handler: async ({ req, body }) => {
      const [card]: Array<{ id: string; pan_enc: string; expiry_month: number; expiry_year: number }> = await k.db.query(
        'SELECT id, pan_enc, expiry_month, expiry_year FROM cards WHERE id = $1 AND business_id = $2',
        [body.cardId, req.caller.businessId],
      );
      if (!card) throw new NotFound('Card Not Found');
      const network = {
        id: `sim-${randomUUID()}`,
        card: { number: vaultOf(k).decrypt(card.pan_enc, card.id) },
        amount: Number(parseSnapValue(body.amount.value, body.amount.currency, 'amount')),
        currency: body.amount.currency,
        merchant: body.merchant,
        pos: body.pos,
        partialAllowed: body.partialAllowed,
      };
      const authorization = await authorize(k, await sandboxNetworkId(k), network, Buffer.from(JSON.stringify(network)));
      return { authorization };
    },
  });
}
