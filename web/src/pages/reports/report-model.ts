// The Reports page's pure logic, tested in test/unit/web/reports.test.ts: the period it shows
// (inclusive dates, YYYY-MM-DD, in the business's time zone, kept in the URL as ?from=&to=, this
// month by default) and amounts as minor units for the charts.
import type { Money } from '../../api-types';
import { minorUnits } from '../../format';

export interface Period {
  fromDate: string;
  toDate: string;
}

/** The longest period the server accepts (docs/reports.md). */
export const MAX_PERIOD_DAYS = 366;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Today's date in a time zone. */
export function todayIn(timeZone: string, now: Date = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

/** The month so far: its first day to today. */
export function thisMonth(timeZone: string, now: Date = new Date()): Period {
  const today = todayIn(timeZone, now);
  return { fromDate: `${today.slice(0, 8)}01`, toDate: today };
}

function dayNumber(date: string): number {
  return Date.UTC(Number(date.slice(0, 4)), Number(date.slice(5, 7)) - 1, Number(date.slice(8, 10))) / 86_400_000;
}

function isDate(s: string): boolean {
  if (!DATE.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** What is wrong with a period, by field: a missing or impossible date, an end before the start, more than 366 days. */
export function periodProblem(p: Period): { field: 'fromDate' | 'toDate'; problem: 'invalid' | 'beforeStart' | 'tooLong' } | undefined {
  if (!isDate(p.fromDate)) return { field: 'fromDate', problem: 'invalid' };
  if (!isDate(p.toDate)) return { field: 'toDate', problem: 'invalid' };
  if (p.toDate < p.fromDate) return { field: 'toDate', problem: 'beforeStart' };
  if (dayNumber(p.toDate) - dayNumber(p.fromDate) + 1 > MAX_PERIOD_DAYS) return { field: 'toDate', problem: 'tooLong' };
  return undefined;
}

/** The period of the URL, or this month when it names none (a wrong one is kept, to be shown with its problem). */
export function periodFromParams(params: URLSearchParams, timeZone: string, now: Date = new Date()): Period {
  const from = params.get('from');
  const to = params.get('to');
  if (!from && !to) return thisMonth(timeZone, now);
  const month = thisMonth(timeZone, now);
  return { fromDate: from ?? month.fromDate, toDate: to ?? month.toDate };
}

/** Minor units of a SNAP money value ("450000.50" IDR → 45000050n), to draw it; the inverse of format.ts minorToValue. */
export function minorOf(m: Money): bigint {
  const digits = minorUnits(m.currency);
  const negative = m.value.startsWith('-');
  const [whole = '0', fraction = ''] = m.value.replace(/^-/, '').split('.');
  const n = BigInt(whole + fraction.padEnd(digits, '0').slice(0, digits));
  return negative ? -n : n;
}
