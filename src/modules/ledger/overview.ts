import type { EntityManager } from 'typeorm';
import { snapAmount } from '../../platform/money';
import { windowStart } from '../authorizations/decision';
import { fundingBalances, type Balances } from './ledger.service';

type Money = { value: string; currency: string };

export interface BalanceView {
  ledgerBalance: Money;
  holdAmount: Money;
  availableBalance: Money;
}

export interface Overview {
  date: string;
  timeZone: string;
  from: string;
  to: string;
  spend: Money;
  approvals: number;
  declines: number;
  declinesByReason: Array<{ reason: string; responseCode: string; count: number }>;
  balance: BalanceView;
}

export function presentBalances(b: Balances): BalanceView {
  return { ledgerBalance: snapAmount(b.ledgerBalance, b.currency), holdAmount: snapAmount(b.holdAmount, b.currency), availableBalance: snapAmount(b.availableBalance, b.currency) };
}

/** The funding account: posted balance, open holds, and what is available to spend (posted − holds). */
export async function balanceView(db: EntityManager, business: { id: string; currency: string }): Promise<BalanceView> {
  return presentBalances(await fundingBalances(db, business.id, business.currency));
}

/**
 * Today's activity: the calendar day containing `now` in the business's time zone (the day a daily
 * spending limit counts, decision.ts windowStart). Spend is the approved amount of the day's
 * approvals (full and partial, incremental ones included) in the business currency.
 */
export async function overview(db: EntityManager, business: { id: string; currency: string; timeZone: string }, now: Date): Promise<Overview> {
  const date = windowStart('daily', now, business.timeZone);
  const [day]: Array<{ from: Date; to: Date }> = await db.query(
    `SELECT ($1::date::timestamp AT TIME ZONE $2) AS "from", (($1::date + 1)::timestamp AT TIME ZONE $2) AS "to"`,
    [date, business.timeZone],
  );
  const [totals]: Array<{ approvals: number; declines: number; spend: string }> = await db.query(
    `SELECT count(*) FILTER (WHERE decision <> 'declined')::int AS approvals,
            count(*) FILTER (WHERE decision = 'declined')::int AS declines,
            coalesce(sum(approved_amount) FILTER (WHERE decision <> 'declined' AND currency = $4), 0)::text AS spend
       FROM authorizations WHERE business_id = $1 AND created_at >= $2 AND created_at < $3`,
    [business.id, day!.from, day!.to, business.currency],
  );
  const byReason: Array<{ reason: string; response_code: string; count: number }> = await db.query(
    `SELECT reason, response_code, count(*)::int AS count
       FROM authorizations WHERE business_id = $1 AND created_at >= $2 AND created_at < $3 AND decision = 'declined'
      GROUP BY reason, response_code ORDER BY count DESC, response_code, reason`,
    [business.id, day!.from, day!.to],
  );
  return {
    date,
    timeZone: business.timeZone,
    from: day!.from.toISOString(),
    to: day!.to.toISOString(),
    spend: snapAmount(BigInt(totals!.spend), business.currency),
    approvals: totals!.approvals,
    declines: totals!.declines,
    declinesByReason: byReason.map((r) => ({ reason: r.reason, responseCode: r.response_code, count: r.count })),
    balance: await balanceView(db, business),
  };
}
