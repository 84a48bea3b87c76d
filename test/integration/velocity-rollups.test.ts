import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ALL_VELOCITY, type VelocityFacts } from '../../src/modules/policies/facts';
import { loadVelocityFacts, MIN_ZSCORE_HISTORY, type VelocityInput } from '../../src/modules/policies/velocity';
import { rollUpVelocity, startVelocityRollups, VELOCITY_RETENTION_DAYS } from '../../src/modules/policies/velocity-rollup';
import { startHarness, type Harness } from '../support/harness';

/**
 * Velocity rollups (velocity-rollup.ts) and the read over them (velocity.ts): whatever the history
 * and wherever W (`velocity_rollup.rolled_up_to`) stands, the facts equal those of the raw rows
 * alone, and those equal an in-memory count of the history; W never passes a transaction still
 * open; the api's loop moves W; old buckets are deleted.
 */

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const S = 1000;
const MIN = 60 * S;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const WINDOWS = { '15m': 15 * MIN, '1h': HOUR, '24h': DAY, '30d': 30 * DAY };

interface Seeded {
  card: number;
  at: number;
  amount: number;
  approved: boolean;
  merchant: string;
  country: string;
}

async function dbNow(): Promise<number> {
  const [{ now }] = (await h.kartu.db.query('SELECT clock_timestamp() AS now')) as Array<{ now: Date }>;
  return now.getTime();
}

async function resetRollups(): Promise<void> {
  await h.kartu.db.query("TRUNCATE card_velocity; UPDATE velocity_rollup SET rolled_up_to = timestamptz '1970-01-01 00:00:00+00'");
}

async function rolledUpTo(): Promise<number> {
  const [{ rolled_up_to }] = (await h.kartu.db.query('SELECT rolled_up_to FROM velocity_rollup')) as Array<{ rolled_up_to: Date }>;
  return rolled_up_to.getTime();
}

async function seed(cards: string[], rows: Seeded[]): Promise<void> {
  if (rows.length === 0) return;
  await h.kartu.db.query(
    `INSERT INTO authorizations (id, network_id, network_message_id, request_hash, business_id, card_id, amount, currency, approved_amount,
                                 decision, response_code, reason, merchant, facts, status, created_at)
     SELECT gen_random_uuid(), gen_random_uuid(), 'seed-' || gen_random_uuid(), 'seed', gen_random_uuid(), r.card_id, r.amount, 'IDR',
            CASE WHEN r.approved THEN r.amount ELSE 0 END, CASE WHEN r.approved THEN 'approved' ELSE 'declined' END,
            CASE WHEN r.approved THEN '00' ELSE '51' END, 'seed', jsonb_build_object('id', r.merchant, 'name', r.merchant, 'mcc', '5814', 'country', r.country),
            '{}', CASE WHEN r.approved THEN 'pending' ELSE 'declined' END, r.at
       FROM unnest($1::uuid[], $2::bigint[], $3::boolean[], $4::text[], $5::text[], $6::timestamptz[]) AS r(card_id, amount, approved, merchant, country, at)`,
    [rows.map((r) => cards[r.card]), rows.map((r) => r.amount), rows.map((r) => r.approved), rows.map((r) => r.merchant), rows.map((r) => r.country), rows.map((r) => new Date(r.at))],
  );
}

/** The windowed facts of a card, counted in memory from the seeded rows: the oracle. */
function expectedWindows(rows: Seeded[], card: number, now: number, amount: number): Partial<VelocityFacts> {
  const mine = rows.filter((r) => r.card === card);
  const inWindow = (w: keyof typeof WINDOWS) => mine.filter((r) => r.at >= now - WINDOWS[w]);
  const approved = (w: keyof typeof WINDOWS) => inWindow(w).filter((r) => r.approved);
  const sum = (rs: Seeded[]) => rs.reduce((t, r) => t + r.amount, 0);
  const month = approved('30d').map((r) => r.amount);
  const mean = sum(approved('30d')) / month.length;
  const sd = Math.sqrt(month.reduce((t, x) => t + (x - mean) ** 2, 0) / month.length);
  return {
    approvedCount15m: approved('15m').length,
    approvedAmount15m: sum(approved('15m')),
    approvedCount1h: approved('1h').length,
    approvedAmount1h: sum(approved('1h')),
    approvedCount24h: approved('24h').length,
    approvedAmount24h: sum(approved('24h')),
    declinedCount1h: inWindow('1h').filter((r) => !r.approved).length,
    distinctCountries24h: new Set(approved('24h').map((r) => r.country)).size,
    amountZScore: month.length < MIN_ZSCORE_HISTORY || !(sd > 0) ? null : Math.round(((amount - mean) / sd) * 1000) / 1000,
  };
}

function windowsOf(f: Partial<VelocityFacts>): Partial<VelocityFacts> {
  const { isNewMerchant: _m, isNewCountry: _c, secondsSinceLastTransaction: _s, ...windows } = f;
  return windows;
}

describe('velocity facts over rollups', () => {
  it('equal the raw rows alone and an in-memory count, wherever W stands and however the history falls on bucket edges', async () => {
    // Each row's time, relative to the query's now: near a window's start, near a bucket start of
    // some span, or anywhere in the month.
    const nudge = fc.constantFrom(0, 1, -1, 999, -999, 2_500, -2_500, 4_999, -5_000, 30_000, -61_000);
    const when = fc.oneof(
      fc.record({ windowStart: fc.constantFrom(...Object.values(WINDOWS)), nudge }),
      fc.record({ span: fc.constantFrom(5 * S, MIN, HOUR, DAY), back: fc.integer({ min: 0, max: 760 }), nudge }),
      fc.record({ ago: fc.integer({ min: -HOUR, max: 31 * DAY }) }),
    );
    const timeOf = (now: number, w: { windowStart?: number; span?: number; back?: number; nudge?: number; ago?: number }): number => {
      if (w.ago !== undefined) return now - w.ago;
      if (w.windowStart !== undefined) return now - w.windowStart + w.nudge!;
      const back = Math.min(w.back!, Math.floor((31 * DAY) / w.span!));
      return Math.floor(now / w.span!) * w.span! - back * w.span! + w.nudge!;
    };
    const row = fc.record({
      card: fc.integer({ min: 0, max: 1 }),
      when,
      amount: fc.integer({ min: 1, max: 2_000_000_000 }),
      approved: fc.boolean(),
      merchant: fc.constantFrom('M1', 'M2', 'M3'),
      country: fc.constantFrom('ID', 'SG', 'MY'),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 40 }),
        fc.integer({ min: 0, max: DAY }),
        fc.constantFrom(0, 1, 7, 59_999, 3_599_999),
        fc.integer({ min: -HOUR, max: 32 * DAY }),
        fc.integer({ min: -HOUR, max: 32 * DAY }),
        async (drawn, nowBack, nowNudge, wBack1, wBack2) => {
          const now = (await dbNow()) - 2 * DAY - nowBack + nowNudge;
          const rows: Seeded[] = drawn.map(({ when: w, ...r }) => ({ ...r, at: timeOf(now, w) }));
          const cards = [randomUUID(), randomUUID()];
          await resetRollups();
          await seed(cards, rows);
          const inputs: VelocityInput[] = [
            { cardId: cards[0]!, merchantId: 'M1', country: 'ID', amount: 1_000_000n, facts: ALL_VELOCITY },
            { cardId: cards[1]!, merchantId: 'M9', country: 'JP', amount: 5n, facts: ALL_VELOCITY },
          ];
          const raw = await loadVelocityFacts(h.kartu, inputs, new Date(now));
          inputs.forEach((input, card) => {
            const { amountZScore, ...expected } = expectedWindows(rows, card, now, Number(input.amount));
            const { amountZScore: z, ...got } = windowsOf(raw[card]!);
            expect(got).toEqual(expected);
            // SQL sums in numeric, the oracle in doubles: the rounded z-scores may differ in the last digit.
            if (amountZScore === null) expect(z).toBeNull();
            else expect(Math.abs((z as number) - amountZScore!)).toBeLessThanOrEqual(0.0011);
          });
          // Two roll-ups, to any W (the second adds to the first's buckets), the read unchanged after each.
          const [w1, w2] = [now - Math.max(wBack1, wBack2), now - Math.min(wBack1, wBack2)];
          await rollUpVelocity(h.kartu, { until: new Date(w1) });
          expect(await loadVelocityFacts(h.kartu, inputs, new Date(now))).toEqual(raw);
          await rollUpVelocity(h.kartu, { until: new Date(w2) });
          expect(await rolledUpTo()).toBe(Math.floor((w2 - 1_000) / 5_000) * 5_000);
          expect(await loadVelocityFacts(h.kartu, inputs, new Date(now))).toEqual(raw);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('read the buckets: with the raw rows behind W gone, the windows are unchanged', async () => {
    await resetRollups();
    const card = randomUUID();
    const now = (await dbNow()) - 10 * S;
    const rows: Seeded[] = [3 * S, 40 * S, 14 * MIN, 50 * MIN, 3 * HOUR, 20 * HOUR, 3 * DAY, 29 * DAY].flatMap((ago, i) => [
      { card: 0, at: now - ago, amount: 1_000 * (i + 1), approved: true, merchant: 'M1', country: i % 2 ? 'ID' : 'SG' },
      { card: 0, at: now - ago - 1, amount: 7, approved: i % 3 === 0, merchant: 'M2', country: 'MY' },
    ]);
    await seed([card], rows);
    const input: VelocityInput = { cardId: card, merchantId: 'M1', country: 'ID', amount: 9_000n, facts: ALL_VELOCITY };
    const [before] = await loadVelocityFacts(h.kartu, [input], new Date(now));
    expect(windowsOf(before!)).toEqual(expectedWindows(rows, 0, now, 9_000));
    expect(before!.approvedCount24h).toBeGreaterThan(5);
    const rolled = await rollUpVelocity(h.kartu);
    expect(rolled!.buckets).toBeGreaterThan(0);
    await h.kartu.db.query('DELETE FROM authorizations WHERE card_id = $1 AND created_at < $2', [card, rolled!.to]);
    const [after] = await loadVelocityFacts(h.kartu, [input], new Date(now));
    expect(windowsOf(after!)).toEqual(windowsOf(before!));
  });

  it('W stays behind a transaction still open, whose rows then reach the buckets', async () => {
    await resetRollups();
    await rollUpVelocity(h.kartu);
    const card = randomUUID();
    const client = new pg.Client({ connectionString: h.kartu.config.databaseUrl });
    await client.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ started: Date }>('SELECT now() AS started');
      const started = rows[0]!.started.getTime();
      // Until the clock has passed the next W a roll-up would take without the open transaction.
      await vi.waitFor(async () => expect(await dbNow()).toBeGreaterThan(Math.ceil((started + 1_000) / 5_000) * 5_000 + 1_100), { timeout: 8_000, interval: 100 });
      await rollUpVelocity(h.kartu);
      expect(await rolledUpTo()).toBeLessThanOrEqual(started);
      await client.query(
        `INSERT INTO authorizations (id, network_id, network_message_id, request_hash, business_id, card_id, amount, currency, approved_amount,
                                     decision, response_code, reason, merchant, facts, status)
         VALUES (gen_random_uuid(), gen_random_uuid(), 'late', 'late', gen_random_uuid(), $1, 500, 'IDR', 500, 'approved', '00', 'late',
                 '{"id":"M1","name":"M1","mcc":"5814","country":"ID"}', '{}', 'pending')`,
        [card],
      );
      await client.query('COMMIT');
    } finally {
      await client.end();
    }
    const rolled = await rollUpVelocity(h.kartu);
    expect(rolled).toBeDefined();
    const buckets = (await h.kartu.db.query('SELECT span_s, approved_count, approved_amount FROM card_velocity WHERE card_id = $1 ORDER BY span_s', [card])) as unknown[];
    expect(buckets).toEqual([5, 60, 3600, 86400].map((span_s) => ({ span_s, approved_count: 1, approved_amount: '500' })));
  });

  it('one session rolls up at a time; the others skip their turn', async () => {
    await h.kartu.db.transaction(async (tx) => {
      await tx.query('SELECT 1 FROM velocity_rollup FOR UPDATE');
      await expect(rollUpVelocity(h.kartu)).resolves.toBeUndefined();
    });
  });

  it('the loop moves W, and buckets older than the retention are deleted', async () => {
    await resetRollups();
    const card = randomUUID();
    const old = new Date((await dbNow()) - (VELOCITY_RETENTION_DAYS + 1) * DAY);
    await h.kartu.db.query(
      `INSERT INTO card_velocity (card_id, span_s, start, country, approved_count, approved_amount, approved_amount_sq, declined_count)
       VALUES ($1, 86400, $2, 'ID', 1, 1, 1, 0)`,
      [card, old],
    );
    const loop = startVelocityRollups(h.kartu, 100);
    try {
      await vi.waitFor(async () => expect(await rolledUpTo()).toBeGreaterThan((await dbNow()) - 10 * S), { timeout: 5_000, interval: 100 });
    } finally {
      await loop.stop();
    }
    expect(await h.kartu.db.query('SELECT 1 FROM card_velocity WHERE card_id = $1', [card])).toEqual([]);
  });
});
