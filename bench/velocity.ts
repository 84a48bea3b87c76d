/**
 * Cost of the velocity read on busy cards, from raw rows against from rollups
 * (docs/policies.md, *Velocity*). A fresh database gets BENCH_CARDS cards (default 20), each with
 * BENCH_CARD_ROWS_PER_HOUR authorizations an hour (default 6,000: the bench's hot cards reach
 * that) over the last BENCH_HOURS (default 2.5), one in ten declined, in two countries. Then, for
 * a few masks, BENCH_READS reads (default 200) of two random cards (one query each, as a batch of
 * two authorizations asks), first with the watermark at the epoch (every window read from raw
 * rows), then after one roll-up. Prints the median and p99 ms of each, the time of that first
 * roll-up, and of a steady one over 5 s of new rows at 3,000 authorizations/s.
 * BENCH_DATABASE_URL names the server (default postgres://postgres@127.0.0.1:5432/postgres).
 * `npm run build && node dist/bench/velocity.js`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../src/config';
import type { Kartu } from '../src/context';
import { kartuDataSource } from '../src/database';
import { ALL_VELOCITY, velocityBit, type VelocityMask } from '../src/modules/policies/facts';
import { loadVelocityFacts } from '../src/modules/policies/velocity';
import { rollUpVelocity } from '../src/modules/policies/velocity-rollup';
import { systemClock } from '../src/platform/clock';
import { SecretBox } from '../src/platform/crypto';
import { migrate } from '../src/platform/db';
import { createLogger } from '../src/platform/logger';

const CARDS = Number(process.env.BENCH_CARDS ?? 20);
const ROWS_PER_HOUR = Number(process.env.BENCH_CARD_ROWS_PER_HOUR ?? 6000);
const HOURS = Number(process.env.BENCH_HOURS ?? 2.5);
const READS = Number(process.env.BENCH_READS ?? 200);

const MASKS: Array<[string, VelocityMask]> = [
  ['approvedCount1h', velocityBit('approvedCount1h')],
  ['declinedCount1h + distinctCountries24h', velocityBit('declinedCount1h') | velocityBit('distinctCountries24h')],
  ['amountZScore (30 days)', velocityBit('amountZScore')],
  ['every fact', ALL_VELOCITY],
];

/** Rows of every card, evenly spaced between `from` and `to` (ms), as one INSERT … SELECT. */
async function seed(k: Kartu, cards: string[], from: number, to: number, perCard: number): Promise<void> {
  await k.db.query(
    `INSERT INTO authorizations (id, network_id, network_message_id, request_hash, business_id, card_id, amount, currency, approved_amount,
                                 decision, response_code, reason, merchant, facts, status, created_at)
     SELECT gen_random_uuid(), gen_random_uuid(), 'seed-' || gen_random_uuid(), 'seed', gen_random_uuid(), c.id, 100 * (1000 + (i * 7919) % 90000), 'IDR',
            CASE WHEN i % 10 = 0 THEN 0 ELSE 100 * (1000 + (i * 7919) % 90000) END, CASE WHEN i % 10 = 0 THEN 'declined' ELSE 'approved' END,
            CASE WHEN i % 10 = 0 THEN '51' ELSE '00' END, 'seed',
            jsonb_build_object('id', 'M' || (i % 50), 'name', 'm', 'mcc', '5814', 'country', CASE WHEN i % 7 = 0 THEN 'SG' ELSE 'ID' END),
            '{}', CASE WHEN i % 10 = 0 THEN 'declined' ELSE 'pending' END,
            to_timestamp(($2::float8 + ($3::float8 - $2::float8) * i / $4::int) / 1000)
       FROM unnest($1::uuid[]) AS c(id), generate_series(0, $4::int - 1) AS i
      ORDER BY 16`,
    [cards, from, to, perCard],
  );
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function timeReads(k: Kartu, cards: string[], mask: VelocityMask): Promise<string> {
  const times: number[] = [];
  for (let i = 0; i < READS; i++) {
    const pick = () => ({ cardId: cards[Math.floor(Math.random() * cards.length)]!, merchantId: 'M1', country: 'ID', amount: 5_000_000n, facts: mask });
    const t0 = process.hrtime.bigint();
    await loadVelocityFacts(k, [pick(), pick()], new Date());
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return `median ${quantile(times, 0.5).toFixed(2)} ms, p99 ${quantile(times, 0.99).toFixed(2)} ms`;
}

async function timed<T>(f: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const r = await f();
  return [r, Number(process.hrtime.bigint() - t0) / 1e6];
}

async function main() {
  const dbName = `kartu_velocity_${randomBytes(4).toString('hex')}`;
  const serverUrl = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const config = loadConfig({ ...process.env, DATABASE_URL: url.toString(), KARTU_MASTER_KEY: randomBytes(32).toString('base64'), KARTU_LOG_LEVEL: 'warn' });
  const db = kartuDataSource(config.databaseUrl!, 4);
  await db.initialize();
  try {
    await migrate(db);
    const k: Kartu = { config, clock: systemClock, db, logger: createLogger('warn'), secrets: new SecretBox(config.masterKeys, 'secrets') };
    const cards = Array.from({ length: CARDS }, () => randomUUID());
    const perCard = Math.round(ROWS_PER_HOUR * HOURS);
    const now = Date.now();
    await seed(k, cards, now - HOURS * 3_600_000, now - 1000, perCard);
    await db.query('VACUUM ANALYZE authorizations');
    console.log(`${CARDS} cards × ${perCard} authorizations over ${HOURS} h (${ROWS_PER_HOUR}/card/hour)`);

    const raw = new Map<string, string>();
    for (const [name, mask] of MASKS) raw.set(name, await timeReads(k, cards, mask));
    const [first, firstMs] = await timed(() => rollUpVelocity(k));
    const [{ buckets }] = (await db.query('SELECT count(*)::int AS buckets FROM card_velocity')) as Array<{ buckets: number }>;
    console.log(`first roll-up (W from the epoch to ${first?.to.toISOString()}): ${firstMs.toFixed(0)} ms, ${buckets} bucket rows`);
    for (const [name, mask] of MASKS) console.log(`${name.padEnd(40)} raw rows: ${raw.get(name)} | rollups: ${await timeReads(k, cards, mask)}`);

    // Steady state: 5 s of new rows at 3,000/s, spread over the cards, then one roll-up of them.
    const since = Date.now();
    await seed(k, cards, since - 5000, since, Math.round(15_000 / CARDS));
    await new Promise((r) => setTimeout(r, 6000));
    const [steady, steadyMs] = await timed(() => rollUpVelocity(k));
    console.log(`steady roll-up (${steady ? `${(steady.to.getTime() - steady.from.getTime()) / 1000} s, ${steady.buckets} bucket rows` : 'nothing to do'}): ${steadyMs.toFixed(0)} ms`);
  } finally {
    await db.destroy();
    await admin.query(`DROP DATABASE ${dbName} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
