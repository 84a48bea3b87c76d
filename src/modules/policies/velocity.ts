import type { Kartu } from '../../context';
import { hotQuery } from '../../platform/db';
import { velocityFactsOf, type VelocityFactName, type VelocityFacts, type VelocityMask } from './facts';

/**
 * Velocity facts from the authorization history, for a whole batch of authorizations in ONE
 * query (the hot path micro-batches authorizations), computing only the facts asked for
 * (PolicyRuntime.velocityNeeded): a rule on `approvedCount1h` reads the card's last hour, nothing
 * more. What each fact costs:
 * - the windowed counts and amounts, declines and distinct countries: one index range scan of the
 *   card's rows in the longest window asked for (`authorizations_card_time`, card_id, created_at DESC),
 *   so their cost grows with the card's authorizations in that window;
 * - `amountZScore`: the same scan over 30 days (the card's approvals of a month);
 * - `isNewMerchant` / `isNewCountry`: one index probe each (`authorizations_card_merchant`,
 *   `authorizations_card_country`); `secondsSinceLastTransaction`: the newest row of the card.
 *
 * Authorizations of the same batch do not see each other (they are not written yet).
 */

export interface VelocityInput {
  cardId: string;
  merchantId: string;
  country: string;
  amount: bigint;
  /** The facts wanted for this authorization. */
  facts: VelocityMask;
}

/** A z-score needs some history: at least this many approvals in 30 days, and some spread. */
export const MIN_ZSCORE_HISTORY = 5;

/** How far back a fact reads, shortest first: the scan covers the longest window asked for. */
const WINDOWS = ["interval '15 minutes'", "interval '1 hour'", "interval '24 hours'", "interval '30 days'"] as const;
type Window = 0 | 1 | 2 | 3;

type Row = Record<string, unknown>;

interface FactQuery {
  /** Aggregates over the card's rows of the window (`ok`: approved or partial). */
  window?: Window;
  aggregates?: string[];
  /** Per-input expressions (`i`: the input row). */
  columns?: string[];
  value(row: Row, input: VelocityInput): VelocityFacts[VelocityFactName];
}

const within = (w: Window) => `a.created_at >= i.now - ${WINDOWS[w]}`;
const approvals = (name: string, w: Window): [FactQuery, FactQuery] => [
  { window: w, aggregates: [`count(*) FILTER (WHERE ok AND ${within(w)})::int AS count_${name}`], value: (r) => r[`count_${name}`] as number },
  {
    window: w,
    aggregates: [`coalesce(sum(a.approved_amount) FILTER (WHERE ok AND ${within(w)}), 0)::text AS amount_${name}`],
    value: (r) => Number(r[`amount_${name}`]),
  },
];
const [approvedCount15m, approvedAmount15m] = approvals('15m', 0);
const [approvedCount1h, approvedAmount1h] = approvals('1h', 1);
const [approvedCount24h, approvedAmount24h] = approvals('24h', 2);

const QUERIES: Record<VelocityFactName, FactQuery> = {
  approvedCount15m,
  approvedAmount15m,
  approvedCount1h,
  approvedAmount1h,
  approvedCount24h,
  approvedAmount24h,
  declinedCount1h: { window: 1, aggregates: [`count(*) FILTER (WHERE NOT ok AND ${within(1)})::int AS declined_1h`], value: (r) => r.declined_1h as number },
  distinctCountries24h: {
    window: 2,
    aggregates: [`count(DISTINCT a.merchant->>'country') FILTER (WHERE ok AND ${within(2)})::int AS countries_24h`],
    value: (r) => r.countries_24h as number,
  },
  isNewMerchant: {
    columns: [`NOT EXISTS (SELECT 1 FROM authorizations m WHERE m.card_id = i.card_id AND m.merchant->>'id' = i.merchant_id AND m.decision <> 'declined') AS new_merchant`],
    value: (r) => r.new_merchant as boolean,
  },
  isNewCountry: {
    columns: [`NOT EXISTS (SELECT 1 FROM authorizations m WHERE m.card_id = i.card_id AND m.merchant->>'country' = i.country AND m.decision <> 'declined') AS new_country`],
    value: (r) => r.new_country as boolean,
  },
  amountZScore: {
    window: 3,
    aggregates: ['count(*) FILTER (WHERE ok)::int AS n30', '(avg(a.approved_amount) FILTER (WHERE ok))::float8 AS mean30', '(stddev_pop(a.approved_amount) FILTER (WHERE ok))::float8 AS sd30'],
    value: (r, input) => {
      const n = r.n30 as number;
      const mean = r.mean30 as number | null;
      const sd = r.sd30 as number | null;
      if (n < MIN_ZSCORE_HISTORY || sd === null || sd <= 0 || mean === null) return null;
      return Math.round(((Number(input.amount) - mean) / sd) * 1000) / 1000;
    },
  },
  secondsSinceLastTransaction: {
    columns: ['extract(epoch FROM i.now - (SELECT l.created_at FROM authorizations l WHERE l.card_id = i.card_id ORDER BY l.created_at DESC LIMIT 1))::float8 AS since_last'],
    value: (r) => (r.since_last === null ? null : Math.max(0, Math.floor(r.since_last as number))),
  },
};

const statements = new Map<VelocityMask, { name: string; text: string }>();

/** The query computing exactly the facts of `mask` (built once per mask). */
export function velocityQuery(mask: VelocityMask): { name: string; text: string } {
  let statement = statements.get(mask);
  if (statement) return statement;
  const wanted = velocityFactsOf(mask).map((f) => QUERIES[f]);
  const aggregates = [...new Set(wanted.flatMap((q) => q.aggregates ?? []))];
  const columns = [...new Set(wanted.flatMap((q) => q.columns ?? []))];
  const scan = Math.max(-1, ...wanted.map((q) => q.window ?? -1));
  const text = `
    WITH input AS (
      SELECT u.*, $5::timestamptz AS now
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS u(card_id, merchant_id, country, amount, n)
    )
    SELECT ${['i.n::int AS n', ...columns, ...(scan >= 0 ? ['w.*'] : [])].join(',\n           ')}
      FROM input i${
        scan >= 0
          ? `
     CROSS JOIN LATERAL (
       SELECT ${aggregates.join(',\n              ')}
         FROM (SELECT a.created_at, a.approved_amount, a.merchant, a.decision <> 'declined' AS ok FROM authorizations a
                WHERE a.card_id = i.card_id AND ${within(scan as Window)}) a
     ) w`
          : ''
      }`;
  statement = { name: `kartu_policy_velocity_${mask}`, text };
  statements.set(mask, statement);
  return statement;
}

/** The map key of an input: inputs with equal keys have equal facts. */
function inputKey(i: VelocityInput): string {
  return `${i.cardId}|${i.merchantId}|${i.country}|${i.amount}`;
}

/**
 * The velocity facts of each input (in input order), each with exactly the facts its mask asks
 * for; one round trip for the whole batch, computing the union of the masks.
 */
export async function loadVelocityFacts(k: Kartu, inputs: VelocityInput[], now: Date): Promise<Array<Partial<VelocityFacts>>> {
  if (inputs.length === 0) return [];
  const unique = new Map(inputs.map((i) => [inputKey(i), i]));
  const list = [...unique.values()];
  const mask = inputs.reduce((m, i) => m | i.facts, 0);
  const { name, text } = velocityQuery(mask);
  const rows = await hotQuery<Row>(k.db, name, text, [
    list.map((i) => i.cardId),
    list.map((i) => i.merchantId),
    list.map((i) => i.country),
    list.map((i) => i.amount.toString()),
    now,
  ]);
  const byKey = new Map<string, Row>();
  for (const r of rows) byKey.set(inputKey(list[(r.n as number) - 1]!), r);
  return inputs.map((input) => {
    const row = byKey.get(inputKey(input))!;
    const facts: Partial<Record<VelocityFactName, unknown>> = {};
    for (const f of velocityFactsOf(input.facts)) facts[f] = QUERIES[f].value(row, input);
    return facts as Partial<VelocityFacts>;
  });
}
