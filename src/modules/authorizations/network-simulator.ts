import { randomUUID } from 'node:crypto';
import type { Kartu } from '../../context';
import { currencyExponent } from '../../platform/money';
import { vaultOf } from '../cards/pan-vault';
import { networkSignature } from './network-auth';

const MERCHANTS = [
  { id: 'KOPI-01', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' },
  { id: 'GRAB-01', name: 'Grab', mcc: '4121', city: 'Jakarta', country: 'ID' },
  { id: 'PERT-01', name: 'Pertamina', mcc: '5541', city: 'Bandung', country: 'ID' },
  { id: 'GARU-01', name: 'Garuda Indonesia', mcc: '3008', city: 'Jakarta', country: 'ID' },
  { id: 'HOTL-01', name: 'Hotel Indonesia', mcc: '7011', city: 'Jakarta', country: 'ID' },
  { id: 'AWS-01', name: 'Amazon Web Services', mcc: '5734', city: 'Seattle', country: 'US' },
  { id: 'CASI-01', name: 'Casino', mcc: '7995', city: 'Macau', country: 'MO' },
];

export interface SimulationOptions {
  url: string;
  networkId: string;
  networkSecret: string;
  businessId: string;
  /** Authorizations per second. */
  rate: number;
  durationSeconds: number;
  onTick?: (summary: SimulationSummary) => void;
}

export interface SimulationSummary {
  authorizations: Record<string, number>;
  clearings: number;
  reversals: number;
  errors: number;
}

/**
 * `kartu simulate`: plays a card network against a running Kartu — signed authorizations on the
 * business's active cards at the chosen rate, then for each approval a clearing (70 %, sometimes
 * partial or with a tip), a reversal (20 %) or nothing (10 %, left for hold expiry). The first
 * authorization runs alone: when Kartu cannot be reached or refuses the network, the run stops
 * there with the URL and the answer's responseCode and message.
 */
export async function simulateNetwork(k: Kartu, o: SimulationOptions): Promise<SimulationSummary> {
  const cards = await simulatedCards(k, o.businessId);
  const summary: SimulationSummary = { authorizations: {}, clearings: 0, reversals: 0, errors: 0 };
  const send = async (path: string, body: object) => {
    const url = `${o.url}/network/v1${path}`;
    const raw = JSON.stringify(body);
    const timestamp = new Date().toISOString();
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Network-Id': o.networkId, 'X-Timestamp': timestamp, 'X-Signature': networkSignature(o.networkSecret, timestamp, raw) },
        body: raw,
      });
    } catch (err) {
      throw new Error(`cannot reach Kartu at ${url}: ${fetchFailure(err)}`);
    }
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (!res.ok) {
      const why = res.status === 401 ? ' (check --network-id and --network-secret)' : '';
      throw new Error(`POST ${url} answered ${res.status} ${String(json.responseCode ?? '')} ${String(json.responseMessage ?? '')}`.trimEnd() + why);
    }
    return json;
  };
  const one = async () => {
    const { card, merchant, amount } = randomPurchase(cards);
    const auth = await send('/authorizations', { id: randomUUID(), card: { number: card.number, expiry: card.expiry }, amount, currency: card.currency, merchant, partialAllowed: Math.random() < 0.2 });
    const code = String(auth.responseCode);
    summary.authorizations[code] = (summary.authorizations[code] ?? 0) + 1;
    if (auth.decision === 'declined') return;
    const approved = Number(auth.approvedAmount);
    const roll = Math.random();
    if (roll < 0.7) {
      const factor = Math.random() < 0.2 ? 0.8 : Math.random() < 0.2 ? 1.1 : 1;
      await send('/clearings', { id: randomUUID(), authorizationId: auth.authorizationId, amount: Math.max(1, Math.round(approved * factor)), currency: card.currency, merchant });
      summary.clearings++;
    } else if (roll < 0.9) {
      await send('/reversals', { id: randomUUID(), authorizationId: auth.authorizationId });
      summary.reversals++;
    }
  };
  // The first one alone: a wrong secret or a dead URL fails the run at once, saying why.
  await one();
  await atRate(o, one, summary);
  return summary;
}

/** A card the simulator buys with: number and expiry (MMYY) in the clear, as a network has them. */
export interface SimulatedCard {
  number: string;
  expiry: string;
  currency: string;
}

/** The business's active cards (500 at most), decrypted from the vault. */
export async function simulatedCards(k: Kartu, businessId: string): Promise<SimulatedCard[]> {
  const rows: Array<{ id: string; pan_enc: string; expiry_month: number; expiry_year: number; currency: string }> = await k.db.query(
    "SELECT id, pan_enc, expiry_month, expiry_year, currency FROM cards WHERE business_id = $1 AND status = 'ACTIVE' ORDER BY created_at LIMIT 500",
    [businessId],
  );
  if (rows.length === 0) throw new Error(`business ${businessId} has no active cards`);
  const vault = vaultOf(k);
  return rows.map((r) => ({
    number: vault.decrypt(r.pan_enc, r.id),
    expiry: String(r.expiry_month).padStart(2, '0') + String(r.expiry_year % 100).padStart(2, '0'),
    currency: r.currency,
  }));
}

/** A random card, merchant and amount: 1,000 to 500,000 whole units of the card's currency, in its minor units (ISO 4217). */
export function randomPurchase(cards: readonly SimulatedCard[]): { card: SimulatedCard; merchant: (typeof MERCHANTS)[number]; amount: number } {
  const card = cards[Math.floor(Math.random() * cards.length)]!;
  const merchant = MERCHANTS[Math.floor(Math.random() * MERCHANTS.length)]!;
  return { card, merchant, amount: 1_000 * (1 + Math.floor(Math.random() * 500)) * 10 ** currencyExponent(card.currency) };
}

/** Runs `one` at `o.rate` a second for `o.durationSeconds`, counting its failures, ticking each second; waits for the last. */
export async function atRate<S extends { errors: number }>(o: { rate: number; durationSeconds: number; onTick?: (summary: S) => void }, one: () => Promise<void>, summary: S): Promise<void> {
  const interval = 1000 / o.rate;
  const end = Date.now() + o.durationSeconds * 1000;
  const inFlight = new Set<Promise<void>>();
  let next = Date.now();
  let lastTick = Date.now();
  while (Date.now() < end) {
    const p: Promise<void> = one()
      .catch(() => {
        summary.errors++;
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    next += interval;
    const wait = next - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (Date.now() - lastTick >= 1000) {
      lastTick = Date.now();
      o.onTick?.(summary);
    }
  }
  await Promise.all(inFlight);
}

/** What fetch's "fetch failed" was: the system error code (ECONNREFUSED, ENOTFOUND, …) and its message. */
function fetchFailure(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string; message?: string }> } }).cause;
  const first = cause?.errors?.[0] ?? cause;
  if (first?.code) return `${first.code}${first.message ? ` (${first.message})` : ''}`;
  return first?.message ?? (err as Error).message;
}
