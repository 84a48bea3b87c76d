import type { Kartu } from '../../context';
import { hotQuery } from '../../platform/db';
import type { VelocityFacts } from './facts';

/**
 * Velocity facts from the authorization history, for a whole batch of authorizations in ONE
 * query (the hot path micro-batches authorizations). Every read is an index range scan of one
 * card's rows: `authorizations_card_time` (card_id, created_at DESC) for the windows and the last
 * authorization, `authorizations_card_merchant` / `authorizations_card_country` for "new merchant /
 * new country". Call it only when PolicyRuntime.needsVelocity says a rule in scope reads them.
 *
 * Authorizations of the same batch do not see each other (they are not written yet). The 30-day
 * z-score reads the card's approvals of 30 days: cheap for card-sized histories; a card with
 * thousands of approvals a month would want a running aggregate instead.
 */

export interface VelocityInput {
  cardId: string;
  merchantId: string;
  country: string;
  amount: bigint;
}

/** The map key of an input: inputs with equal keys have equal facts. */
export function velocityKey(i: VelocityInput): string {
  return `${i.cardId}|${i.merchantId}|${i.country}|${i.amount}`;
}

const VELOCITY_QUERY = `
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS i(card_id, merchant_id, country, amount, n)
  )
  SELECT i.n::int AS n, i.amount::text AS amount,
         w.c15, w.a15::text AS a15, w.c1h, w.a1h::text AS a1h, w.c24h, w.a24h::text AS a24h, w.d1h, w.countries24h,
         w.n30, w.mean30, w.sd30,
         NOT EXISTS (SELECT 1 FROM authorizations m WHERE m.card_id = i.card_id AND m.merchant->>'id' = i.merchant_id AND m.decision <> 'declined') AS new_merchant,
         NOT EXISTS (SELECT 1 FROM authorizations m WHERE m.card_id = i.card_id AND m.merchant->>'country' = i.country AND m.decision <> 'declined') AS new_country,
         extract(epoch FROM $5::timestamptz - (SELECT l.created_at FROM authorizations l WHERE l.card_id = i.card_id ORDER BY l.created_at DESC LIMIT 1))::float8 AS since_last
    FROM input i
    CROSS JOIN LATERAL (
      SELECT count(*) FILTER (WHERE ok AND a.created_at >= $5::timestamptz - interval '15 minutes')::int AS c15,
             coalesce(sum(a.approved_amount) FILTER (WHERE ok AND a.created_at >= $5::timestamptz - interval '15 minutes'), 0) AS a15,
             count(*) FILTER (WHERE ok AND a.created_at >= $5::timestamptz - interval '1 hour')::int AS c1h,
             coalesce(sum(a.approved_amount) FILTER (WHERE ok AND a.created_at >= $5::timestamptz - interval '1 hour'), 0) AS a1h,
             count(*) FILTER (WHERE ok AND a.created_at >= $5::timestamptz - interval '24 hours')::int AS c24h,
             coalesce(sum(a.approved_amount) FILTER (WHERE ok AND a.created_at >= $5::timestamptz - interval '24 hours'), 0) AS a24h,
             count(*) FILTER (WHERE NOT ok AND a.created_at >= $5::timestamptz - interval '1 hour')::int AS d1h,
             count(DISTINCT a.merchant->>'country') FILTER (WHERE ok AND a.created_at >= $5::timestamptz - interval '24 hours')::int AS countries24h,
             count(*) FILTER (WHERE ok)::int AS n30,
             (avg(a.approved_amount) FILTER (WHERE ok))::float8 AS mean30,
             (stddev_pop(a.approved_amount) FILTER (WHERE ok))::float8 AS sd30
        FROM (SELECT a.*, a.decision <> 'declined' AS ok FROM authorizations a
               WHERE a.card_id = i.card_id AND a.created_at >= $5::timestamptz - interval '30 days') a
    ) w`;

interface VelocityRow {
  /** 1-based position in the input arrays. */
  n: number;
  amount: string;
  c15: number;
  a15: string;
  c1h: number;
  a1h: string;
  c24h: number;
  a24h: string;
  d1h: number;
  countries24h: number;
  n30: number;
  mean30: number | null;
  sd30: number | null;
  new_merchant: boolean;
  new_country: boolean;
  since_last: number | null;
}

/** A z-score needs some history: at least this many approvals in 30 days, and some spread. */
export const MIN_ZSCORE_HISTORY = 5;

/** Velocity facts for each input, keyed by velocityKey(input); one round trip for the whole batch. */
export async function loadVelocityFacts(k: Kartu, cards: VelocityInput[], now: Date): Promise<Map<string, VelocityFacts>> {
  const out = new Map<string, VelocityFacts>();
  if (cards.length === 0) return out;
  const unique = new Map(cards.map((c) => [velocityKey(c), c]));
  const list = [...unique.values()];
  const rows = await hotQuery<VelocityRow>(k.db, 'kartu_policy_velocity', VELOCITY_QUERY, [
    list.map((c) => c.cardId),
    list.map((c) => c.merchantId),
    list.map((c) => c.country),
    list.map((c) => c.amount.toString()),
    now,
  ]);
  for (const r of rows) {
    const amount = Number(r.amount);
    const z = r.n30 >= MIN_ZSCORE_HISTORY && r.sd30 !== null && r.sd30 > 0 && r.mean30 !== null ? (amount - r.mean30) / r.sd30 : null;
    out.set(velocityKey(list[r.n - 1]!), {
      approvedCount15m: r.c15,
      approvedAmount15m: Number(r.a15),
      approvedCount1h: r.c1h,
      approvedAmount1h: Number(r.a1h),
      approvedCount24h: r.c24h,
      approvedAmount24h: Number(r.a24h),
      declinedCount1h: r.d1h,
      distinctCountries24h: r.countries24h,
      isNewMerchant: r.new_merchant,
      isNewCountry: r.new_country,
      amountZScore: z === null ? null : Math.round(z * 1000) / 1000,
      secondsSinceLastTransaction: r.since_last === null ? null : Math.max(0, Math.floor(r.since_last)),
    });
  }
  return out;
}
