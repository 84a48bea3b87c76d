import type { Kartu } from '../../context';
import { hotQuery } from '../../platform/db';
import { velocityFactsOf, type VelocityFactName, type VelocityFacts, type VelocityMask } from './facts';
import { VELOCITY_SPANS } from './velocity-rollup';

/**
 * Velocity facts from the authorization history, for a whole batch of authorizations in ONE
 * query (the hot path micro-batches authorizations), computing only the facts asked for
 * (PolicyRuntime.velocityNeeded): a rule on `approvedCount1h` reads the card's last hour, nothing
 * more. What each fact costs:
 * - the windowed counts and amounts, declines, distinct countries and `amountZScore` (30 days):
 *   each window asked for is cut into the card's rollup buckets (`card_velocity`, velocity-rollup.ts)
 *   and raw rows (`authorizations_card_time`). The rollups hold every authorization created before
 *   W (`velocity_rollup.rolled_up_to`, read by the same statement, so with the same snapshot).
 *   A window [f, …) is read as: the raw rows of [f, ceil₅ₛ(f)) and from W on; and, for each span
 *   from the finest up, the buckets between the next span's bounds and its own
 *   (a segment-tree cover): at most 11 + 11 five-second, 59 + 59 minute, 23 + 23 hour and 30 day
 *   buckets, whatever the card's traffic, and the raw rows of about the last ten seconds;
 * - `isNewMerchant` / `isNewCountry`: one index probe each (`authorizations_card_merchant`,
 *   `authorizations_card_country`); `secondsSinceLastTransaction`: the newest row of the card.
 * The answers equal those of the raw rows alone (a property test holds them to it).
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

/** The windows, by name: their length in seconds. */
const WINDOWS = { '15m': 900, '1h': 3600, '24h': 86400, '30d': 30 * 86400 } as const;
type Window = keyof typeof WINDOWS;

/** What a window's rows are summed from: raw authorizations and rollup buckets alike give these. */
const SOURCE = {
  approved_count: "(a.decision <> 'declined')::int",
  approved_amount: "CASE WHEN a.decision <> 'declined' THEN a.approved_amount ELSE 0 END",
  approved_amount_sq: "CASE WHEN a.decision <> 'declined' THEN a.approved_amount::numeric * a.approved_amount ELSE 0 END",
  declined_count: "(a.decision = 'declined')::int",
  country: "coalesce(a.merchant->>'country', '')",
} as const;
type SourceColumn = keyof typeof SOURCE;

type Row = Record<string, unknown>;

interface FactQuery {
  /** Aggregates over the window's rows `x` (SOURCE columns). */
  window?: Window;
  source?: SourceColumn[];
  aggregates?: string[];
  /** Per-input expressions (`i`: the input row). */
  columns?: string[];
  value(row: Row, input: VelocityInput): VelocityFacts[VelocityFactName];
}

const approvals = (w: Window): [FactQuery, FactQuery] => [
  { window: w, source: ['approved_count'], aggregates: [`coalesce(sum(x.approved_count), 0)::int AS count_${w}`], value: (r) => r[`count_${w}`] as number },
  { window: w, source: ['approved_amount'], aggregates: [`coalesce(sum(x.approved_amount), 0)::text AS amount_${w}`], value: (r) => Number(r[`amount_${w}`]) },
];
const [approvedCount15m, approvedAmount15m] = approvals('15m');
const [approvedCount1h, approvedAmount1h] = approvals('1h');
const [approvedCount24h, approvedAmount24h] = approvals('24h');

const QUERIES: Record<VelocityFactName, FactQuery> = {
  approvedCount15m,
  approvedAmount15m,
  approvedCount1h,
  approvedAmount1h,
  approvedCount24h,
  approvedAmount24h,
  declinedCount1h: { window: '1h', source: ['declined_count'], aggregates: ['coalesce(sum(x.declined_count), 0)::int AS declined_1h'], value: (r) => r.declined_1h as number },
  distinctCountries24h: {
    window: '24h',
    source: ['approved_count', 'country'],
    aggregates: ["count(DISTINCT x.country) FILTER (WHERE x.approved_count > 0 AND x.country <> '')::int AS countries_24h"],
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
    window: '30d',
    source: ['approved_count', 'approved_amount', 'approved_amount_sq'],
    aggregates: [
      'coalesce(sum(x.approved_count), 0)::int AS n30',
      '(sum(x.approved_amount)::numeric / nullif(sum(x.approved_count), 0))::float8 AS mean30',
      // The population standard deviation from the sums, in numeric (exact), as stddev_pop does.
      '(sqrt(greatest(sum(x.approved_count) * sum(x.approved_amount_sq) - sum(x.approved_amount)::numeric * sum(x.approved_amount), 0)) / nullif(sum(x.approved_count), 0))::float8 AS sd30',
    ],
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

const EPOCH = "timestamptz '1970-01-01 00:00:00+00'";
const floorTo = (x: string, span: number) => `date_bin(interval '${span} seconds', ${x}, ${EPOCH})`;
const ceilTo = (x: string, span: number) => `(${floorTo(`${x} - interval '1 microsecond'`, span)} + interval '${span} seconds')`;

/** The spans a window is cut into: those no longer than the window. */
const spansOf = (w: Window) => VELOCITY_SPANS.filter((span) => span <= WINDOWS[w]);

/**
 * The bounds of every window asked for, as columns of each input row (so every range below is an
 * index range of that row): `w` is W; `f_<w>` a window's start; `lo_<w>_<span>` its start rounded
 * up to the span; `hi_<span>` W rounded down to the span.
 */
function boundColumns(windows: Window[]): string[] {
  const columns = VELOCITY_SPANS.map((span) => `${floorTo('r.w', span)} AS hi_${span}`);
  for (const w of windows) {
    columns.push(`r.now - interval '${WINDOWS[w]} seconds' AS f_${w}`);
    for (const span of spansOf(w)) columns.push(`${ceilTo(`r.now - interval '${WINDOWS[w]} seconds'`, span)} AS lo_${w}_${span}`);
  }
  return columns;
}

/**
 * The rows of window `w` of the card of input `i`, each as the SOURCE columns wanted: the raw rows
 * of [f, ceil(f)) and of [W, …), and for each span the buckets of [lo, hi) less what the next span
 * covers ([lo′, hi′), when the window holds a whole bucket of it).
 */
function windowRows(w: Window, wanted: SourceColumn[]): string {
  const raw = wanted.map((c) => `${SOURCE[c]} AS ${c}`).join(', ');
  const bucket = wanted.map((c) => `c.${c}`).join(', ');
  const rawRange = (range: string) => `SELECT ${raw} FROM authorizations a WHERE a.card_id = i.card_id AND ${range}`;
  const bucketRange = (span: number, lo: string, hi: string) =>
    `SELECT ${bucket} FROM card_velocity c WHERE c.card_id = i.card_id AND c.span_s = ${span} AND c.start >= ${lo} AND c.start < ${hi}`;
  const parts = [rawRange(`a.created_at >= i.f_${w} AND a.created_at < least(i.lo_${w}_${VELOCITY_SPANS[0]}, i.w)`), rawRange(`a.created_at >= greatest(i.f_${w}, i.w)`)];
  const spans = spansOf(w);
  spans.forEach((span, k) => {
    const next = spans[k + 1];
    if (next === undefined) parts.push(bucketRange(span, `i.lo_${w}_${span}`, `i.hi_${span}`));
    else {
      parts.push(bucketRange(span, `i.lo_${w}_${span}`, `least(i.lo_${w}_${next}, i.hi_${span})`));
      parts.push(bucketRange(span, `greatest(i.hi_${next}, i.lo_${w}_${next})`, `i.hi_${span}`));
    }
  });
  return parts.join('\n                UNION ALL ');
}

const statements = new Map<VelocityMask, { name: string; text: string }>();

/** The query computing exactly the facts of `mask` (built once per mask). */
export function velocityQuery(mask: VelocityMask): { name: string; text: string } {
  let statement = statements.get(mask);
  if (statement) return statement;
  const wanted = velocityFactsOf(mask).map((f) => QUERIES[f]);
  const columns = [...new Set(wanted.flatMap((q) => q.columns ?? []))];
  const windows = (Object.keys(WINDOWS) as Window[]).filter((w) => wanted.some((q) => q.window === w));
  const laterals = windows.map((w) => {
    const ofWindow = wanted.filter((q) => q.window === w);
    const source = [...new Set(ofWindow.flatMap((q) => q.source ?? []))];
    const aggregates = [...new Set(ofWindow.flatMap((q) => q.aggregates ?? []))];
    return `
     CROSS JOIN LATERAL (
       SELECT ${aggregates.join(',\n              ')}
         FROM (${windowRows(w, source)}) x
     ) w_${w}`;
  });
  const text = `
    WITH bounds AS MATERIALIZED (
      SELECT ${['r.now', 'r.w', ...boundColumns(windows)].join(',\n             ')}
        FROM (SELECT $5::timestamptz AS now, (SELECT v.rolled_up_to FROM velocity_rollup v) AS w) r
    ), input AS (
      SELECT u.*, b.*
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[]) WITH ORDINALITY AS u(card_id, merchant_id, country, amount, n) CROSS JOIN bounds b
    )
    SELECT ${['i.n::int AS n', ...columns, ...windows.map((w) => `w_${w}.*`)].join(',\n           ')}
      FROM input i${laterals.join('')}`;
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
