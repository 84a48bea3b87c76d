import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { InvalidFieldFormat } from '../../platform/errors';
import { SUPPORTED_CURRENCIES } from '../../platform/money';
import { formatRate, parseRate, type ExchangeRate } from './exchange-rate';

/**
 * The exchange-rate table (`fx_rates`): each row a rate of a currency pair at a time, from a source
 * (`kartu fx set-rate`, a rates file). The newest rate of a pair is the one used; a rate older than
 * KARTU_FX_RATE_MAX_AGE_HOURS counts as none, so a stale table declines instead of guessing.
 */

/** How often each process reloads the newest rates (they change daily, not per request). */
const POLL_MS = 5_000;

export interface FxRateRow {
  base: string;
  quote: string;
  rate: string;
  asOf: Date;
  source: string;
}

/** A rate as the hot path uses it: the pair's newest, read either way round. */
export interface RateUsed {
  rate: ExchangeRate;
  inverse: boolean;
  /** The rate as stored ("16250.5"), base → quote. */
  stored: string;
  base: string;
  quote: string;
  asOf: Date;
}

const rateInput = z.strictObject({
  base: z.enum(SUPPORTED_CURRENCIES),
  quote: z.enum(SUPPORTED_CURRENCIES),
  rate: z.string().refine((v) => parseRate(v) !== null, { message: 'a positive decimal such as "16250.5" (at most 12 digits before and 12 after the point)' }),
  asOf: z.iso.datetime({ offset: true }).optional(),
});

/** A rates file: `{"source"?, "asOf"?, "rates": [{"base", "quote", "rate", "asOf"?}]}` (docs/ledger-and-authorizations.md). */
export const ratesFile = z.strictObject({
  source: z.string().min(1).max(100).optional(),
  asOf: z.iso.datetime({ offset: true }).optional(),
  rates: z.array(rateInput).min(1).max(10_000),
});

/** The newest rates, in memory in every process that authorizes, reloaded every POLL_MS. */
export class FxRates {
  private newest = new Map<string, FxRateRow>();
  private timer?: NodeJS.Timeout;

  private constructor(private readonly k: Kartu) {}

  static async start(k: Kartu, pollMs = POLL_MS): Promise<FxRates> {
    const rates = new FxRates(k);
    await rates.refresh();
    if (pollMs > 0) {
      rates.timer = setInterval(() => void rates.refresh().catch(() => undefined), pollMs);
      rates.timer.unref();
    }
    return rates;
  }

  async refresh(): Promise<void> {
    const rows: Array<{ base: string; quote: string; rate: string; as_of: Date; source: string }> = await this.k.db.query(
      'SELECT DISTINCT ON (base, quote) base, quote, rate::text, as_of, source FROM fx_rates ORDER BY base, quote, as_of DESC, id DESC',
    );
    this.newest = new Map(rows.map((r) => [`${r.base}${r.quote}`, { base: r.base, quote: r.quote, rate: normalised(r.rate), asOf: r.as_of, source: r.source }]));
  }

  /** The rate that converts `from` into `to` now: the newest of the pair either way round, if it is fresh enough. */
  rateFor(from: string, to: string, now: Date): RateUsed | null {
    const direct = this.newest.get(`${from}${to}`);
    const reverse = this.newest.get(`${to}${from}`);
    const row = direct && (!reverse || direct.asOf >= reverse.asOf) ? direct : reverse;
    if (!row) return null;
    if (now.getTime() - row.asOf.getTime() > this.k.config.fxRateMaxAgeHours * 3600_000) return null;
    return { rate: parseRate(row.rate)!, inverse: row !== direct, stored: row.rate, base: row.base, quote: row.quote, asOf: row.asOf };
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/** numeric(24, 12) text ("16250.500000000000") → the rate as written ("16250.5"). */
const normalised = (stored: string) => formatRate(parseRate(stored)!);

const caches = new WeakMap<Kartu, Promise<FxRates>>();

/** The process's rate cache, loaded on first use. */
export function fxRatesOf(k: Kartu): Promise<FxRates> {
  let rates = caches.get(k);
  if (!rates) {
    rates = FxRates.start(k);
    rates.catch(() => caches.delete(k));
    caches.set(k, rates);
  }
  return rates;
}

/**
 * Writes rates (all or none): each a pair, a positive decimal rate (units of quote per unit of
 * base) and the time it holds from (default now; never in the future). This process sees them at
 * once, others within POLL_MS.
 */
export async function setRates(k: Kartu, input: z.input<typeof ratesFile>): Promise<FxRateRow[]> {
  const parsed = ratesFile.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InvalidFieldFormat(issue.path.join('.') || 'rates', issue.message);
  }
  const now = k.clock.now();
  const source = parsed.data.source ?? 'operator';
  const rows: FxRateRow[] = parsed.data.rates.map((r, i) => {
    if (r.base === r.quote) throw new InvalidFieldFormat(`rates.${i}.quote`, 'a rate converts between two different currencies');
    const at = r.asOf ?? parsed.data.asOf;
    const asOf = at ? new Date(at) : now;
    if (asOf.getTime() > now.getTime() + k.config.clockSkewSeconds * 1000) throw new InvalidFieldFormat(`rates.${i}.asOf`, 'is in the future');
    return { base: r.base, quote: r.quote, rate: r.rate, asOf, source };
  });
  await inTransaction(k.db, async (tx) => {
    await tx.query(
      `INSERT INTO fx_rates (base, quote, rate, as_of, source)
       SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[], $4::timestamptz[], $5::text[])`,
      [rows.map((r) => r.base), rows.map((r) => r.quote), rows.map((r) => r.rate), rows.map((r) => r.asOf.toISOString()), rows.map((r) => r.source)],
    );
  });
  const cache = caches.get(k);
  if (cache) await (await cache).refresh();
  return rows;
}

/** A rates file (JSON, `ratesFile`) from disk. */
export function readRatesFile(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InvalidFieldFormat('file', `${file}: ${(err as Error).message}`);
  }
}

/** The newest rate of every pair, with whether it is still fresh enough to be used. */
export async function listRates(k: Kartu): Promise<Array<FxRateRow & { fresh: boolean }>> {
  const rows: Array<{ base: string; quote: string; rate: string; as_of: Date; source: string }> = await k.db.query(
    'SELECT DISTINCT ON (base, quote) base, quote, rate::text, as_of, source FROM fx_rates ORDER BY base, quote, as_of DESC, id DESC',
  );
  const now = k.clock.now().getTime();
  return rows.map((r) => ({
    base: r.base,
    quote: r.quote,
    rate: normalised(r.rate),
    asOf: r.as_of,
    source: r.source,
    fresh: now - r.as_of.getTime() <= k.config.fxRateMaxAgeHours * 3600_000,
  }));
}
