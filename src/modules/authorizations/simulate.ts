import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { InvalidFieldFormat, NotFound } from '../../platform/errors';
import { parseSnapValue } from '../../platform/money';
import { networkSecretAad } from '../access/access.service';
import { vaultOf } from '../cards/pan-vault';
import type { authorizationResponse, merchantInput, posInput } from './authorizations.schemas';
import { authorize } from './authorize';

const SANDBOX_NETWORK = 'kartu-sandbox';
/** The largest amount the network API takes (authorizations.schemas minorAmount). */
const MAX_MINOR = 1_000_000_000_000_000n;

/** The network sandbox simulations are recorded under (created on first use). */
export async function sandboxNetworkId(k: Kartu): Promise<string> {
  const id = randomUUID();
  await k.db.query("INSERT INTO networks (id, name, secret_enc) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING", [
    id,
    SANDBOX_NETWORK,
    k.secrets.encrypt(randomBytes(32).toString('base64url'), networkSecretAad(id)),
  ]);
  const [row]: Array<{ id: string }> = await k.db.query('SELECT id FROM networks WHERE name = $1', [SANDBOX_NETWORK]);
  return row!.id;
}

/** A SNAP amount as a network message's integer minor units: more than zero, and no more than the network API takes. */
export function networkAmount(amount: { value: string; currency: string }, field = 'amount'): number {
  const minor = parseSnapValue(amount.value, amount.currency, field);
  if (minor <= 0n) throw new InvalidFieldFormat(`${field}.value`, 'must be greater than zero');
  if (minor > MAX_MINOR) throw new InvalidFieldFormat(`${field}.value`, 'too large');
  return Number(minor);
}

export interface SimulatedPurchase {
  cardId: string;
  amount: { value: string; currency: string };
  merchant: z.infer<typeof merchantInput>;
  pos?: z.infer<typeof posInput>;
  partialAllowed?: boolean;
}

/**
 * Sandbox: one of the business's cards used as if a network had called — the full authorization
 * pipeline (holds, limits, policies, events and all), under the sandbox network, with a new
 * message id. Shared by the partner API's simulator and the admin API's test purchase.
 */
export async function simulatePurchase(k: Kartu, businessId: string, p: SimulatedPurchase): Promise<z.infer<typeof authorizationResponse>> {
  const [card]: Array<{ id: string; pan_enc: string }> = await k.db.query('SELECT id, pan_enc FROM cards WHERE id = $1 AND business_id = $2', [p.cardId, businessId]);
  if (!card) throw new NotFound('Card Not Found');
  const network = {
    id: `sim-${randomUUID()}`,
    card: { number: vaultOf(k).decrypt(card.pan_enc, card.id) },
    amount: networkAmount(p.amount),
    currency: p.amount.currency,
    merchant: p.merchant,
    pos: p.pos,
    partialAllowed: p.partialAllowed,
  };
  return authorize(k, await sandboxNetworkId(k), network, Buffer.from(JSON.stringify(network)));
}
