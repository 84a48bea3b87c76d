import type { RequestHandler } from 'express';
import type { EntityManager } from 'typeorm';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { NotFound } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import { snapAmount } from '../../platform/money';
import { money } from '../authorizations/admin-authorizations.schemas';
import { limitKey, nextWindowStart, windowStart } from '../authorizations/decision';
import { normaliseSpendControls, type SpendControls } from '../controls/spend-controls';

/**
 * How much of each of a card's spending limits is used, read from the counters the decision path
 * writes (spend_counters, keyed by the card's replacement chain, decision.ts limitKey and the
 * window's first day, decision.ts windowStart, in the business time zone): one entry per amount
 * limit, then one per count limit, in the order the card's controls list them.
 */

type Money = { value: string; currency: string };

export interface LimitUsage {
  kind: 'amount' | 'count';
  interval: string;
  categories: string[];
  limit: Money | number;
  /** Null for per_authorization: each purchase is held to the limit on its own. */
  used: Money | number | null;
  remaining: Money | number;
  /** The first day of the current window (business time zone); null for per_authorization. */
  windowStart: string | null;
  /** When the window ends and usage starts again from zero (the business's midnight, with its offset); null for all_time and per_authorization. */
  resetsAt: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Midnight starting `date` in the time zone, as an ISO date-time with that zone's offset then. */
async function localMidnights(db: EntityManager, dates: string[], timeZone: string): Promise<Map<string, string>> {
  if (dates.length === 0) return new Map();
  const rows: Array<{ date: string; at: Date }> = await db.query(
    `SELECT d::text AS date, (d::timestamp AT TIME ZONE $2) AS at FROM unnest($1::date[]) AS d`,
    [dates, timeZone],
  );
  return new Map(
    rows.map((r) => {
      const offsetMinutes = Math.round((Date.parse(`${r.date}T00:00:00Z`) - r.at.getTime()) / 60_000);
      const abs = Math.abs(offsetMinutes);
      const offset = `${offsetMinutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
      return [r.date, `${r.date}T00:00:00${offset}`];
    }),
  );
}

export async function cardLimitUsage(db: EntityManager, businessId: string, cardId: string, now: Date): Promise<LimitUsage[]> {
  if (!UUID.test(cardId)) throw new NotFound('Card Not Found');
  const [card]: Array<{ spend_root_id: string; spend_controls: Partial<SpendControls> | null; currency: string; time_zone: string }> = await db.query(
    `SELECT c.spend_root_id, c.spend_controls, c.currency, b.time_zone FROM cards c JOIN businesses b ON b.id = c.business_id WHERE c.id = $1 AND c.business_id = $2`,
    [cardId, businessId],
  );
  if (!card) throw new NotFound('Card Not Found');
  const controls = normaliseSpendControls(card.spend_controls);
  const tz = card.time_zone;
  const windows = [
    ...controls.spendingLimits.map((l) => ({ kind: 'amount' as const, limit: l, key: limitKey(l), start: l.interval === 'per_authorization' ? null : windowStart(l.interval, now, tz) })),
    ...controls.countLimits.map((l) => ({ kind: 'count' as const, limit: l, key: `count:${limitKey(l)}`, start: windowStart(l.interval, now, tz) })),
  ];
  const counted = windows.filter((w): w is typeof w & { start: string } => w.start !== null);
  const counters: Array<{ limit_key: string; window_start: string; amount: string; count: number }> = counted.length
    ? await db.query(
        `SELECT limit_key, window_start::text AS window_start, amount::text AS amount, count FROM spend_counters
          WHERE spend_root_id = $1 AND (limit_key, window_start) IN (SELECT * FROM unnest($2::text[], $3::date[]))`,
        [card.spend_root_id, counted.map((w) => w.key), counted.map((w) => w.start)],
      )
    : [];
  const counter = new Map(counters.map((c) => [`${c.limit_key}|${c.window_start}`, c]));
  const ends = new Map<string, string | null>();
  for (const w of counted) ends.set(`${w.limit.interval}|${w.start}`, nextWindowStart(w.limit.interval as Exclude<typeof w.limit.interval, 'per_authorization'>, w.start));
  const midnights = await localMidnights(db, [...new Set([...ends.values()].filter((d): d is string => d !== null))], tz);
  return windows.map((w): LimitUsage => {
    const c = w.start === null ? undefined : counter.get(`${w.key}|${w.start}`);
    const end = w.start === null ? null : ends.get(`${w.limit.interval}|${w.start}`) ?? null;
    const resetsAt = end === null ? null : midnights.get(end) ?? null;
    const categories = [...w.limit.categories];
    if (w.kind === 'count') {
      const used = c?.count ?? 0;
      const cap = (w.limit as { count: number }).count;
      return { kind: 'count', interval: w.limit.interval, categories, limit: cap, used, remaining: Math.max(0, cap - used), windowStart: w.start, resetsAt };
    }
    const cap = BigInt((w.limit as { amountMinor: string }).amountMinor);
    const m = (minor: bigint) => snapAmount(minor, card.currency);
    if (w.start === null) return { kind: 'amount', interval: w.limit.interval, categories, limit: m(cap), used: null, remaining: m(cap), windowStart: null, resetsAt: null };
    const used = BigInt(c?.amount ?? '0');
    return { kind: 'amount', interval: w.limit.interval, categories, limit: m(cap), used: m(used), remaining: m(cap > used ? cap - used : 0n), windowStart: w.start, resetsAt };
  });
}

const limitUsage = z.object({
  kind: z.enum(['amount', 'count']),
  interval: z.string(),
  categories: z.array(z.string()),
  limit: z.union([money, z.number()]),
  used: z.union([money, z.number()]).nullable(),
  remaining: z.union([money, z.number()]),
  windowStart: z.string().nullable(),
  resetsAt: z.string().nullable(),
});

/** GET /cards/{cardId}/limit-usage on the admin API (SNAP service 91, card inquiry). */
export function limitUsageRoutes(k: Kartu, admin: ApiRouter, read: RequestHandler[]): void {
  admin.route({
    method: 'get',
    path: '/cards/:cardId/limit-usage',
    operationId: 'getCardLimitUsage',
    description:
      "How much of each limit the card has used in its current window, and when each resets. 404xx01 when the card is not the business's.",
    service: '91',
    tag: 'Cards',
    summary: "Every spending limit and count limit of the card: used, remaining, the window's start and when it resets (business time zone)",
    security: ['adminSession'],
    guards: read,
    response: z.object({ limits: z.array(limitUsage) }),
    handler: async ({ req }) => ({ limits: await cardLimitUsage(k.db.manager, req.caller.businessId, String(req.params.cardId), k.clock.now()) }),
  });
}
