import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNetwork } from '../../src/modules/access/access.service';
import { runBacktest, startBacktestWorker, type BacktestWorker } from '../../src/modules/policies/backtest';
import { buildPolicyFacts, type PolicyOutcome, type VelocityFacts } from '../../src/modules/policies/policy-runtime';
import { startHarness, type Harness } from '../support/harness';
import { business, expectSnap, issueCard, type Biz } from '../support/partner-fixtures';

/**
 * Backtests on seeded history: authorizations rows written directly (with the facts the hot path
 * captures under facts.policy and the outcome under policy), replayed by the BullMQ worker against
 * another version; the report, progress, scoping and the outbox event.
 */

let h: Harness;
let worker: BacktestWorker;
let a: Biz;
let b: Biz;
let networkId: string;

beforeAll(async () => {
  h = await startHarness();
  worker = await startBacktestWorker(h.kartu, { url: h.kartu.config.redisUrl, maxRetriesPerRequest: null }, h.kartu.config.redisPrefix);
  a = await business(h, 0n);
  b = await business(h, 0n);
  networkId = (await createNetwork(h.kartu, `bt-${randomUUID().slice(0, 6)}`)).networkId;
});
afterAll(async () => {
  await worker.close();
  await h.close();
});

const post = (biz: Biz, path: string, body: unknown) => biz.partner.call('POST', `/snap/v1.0${path}`, JSON.stringify(body));
const get = (biz: Biz, path: string) => biz.partner.call('GET', `/snap/v1.0${path}`);
const atLeast = (value: number) => ({ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value });

interface Seed {
  biz: Biz;
  cardId: string;
  at: Date;
  amount: number;
  decision: 'approved' | 'declined';
  responseCode?: string;
  reason?: string;
  country?: string;
  outcome?: PolicyOutcome | null;
  withFacts?: boolean;
  /** The velocity facts recorded (only those a rule in scope read then). */
  velocity?: Partial<VelocityFacts>;
}

async function seed(s: Seed): Promise<string> {
  const id = randomUUID();
  const merchant = { id: 'M1', name: 'Kopi', mcc: '5814', city: 'Jakarta', country: s.country ?? 'ID' };
  const policyFacts = buildPolicyFacts({
    amount: BigInt(s.amount),
    currency: 'IDR',
    pos: { entryMode: 'chip', cardPresent: true },
    merchant,
    card: { type: 'VIRTUAL', status: 'ACTIVE', createdAt: new Date('2025-01-01T00:00:00Z') },
    cardholder: { createdAt: new Date('2024-01-01T00:00:00Z') },
    timeZone: 'Asia/Jakarta',
    now: s.at,
    velocity: s.velocity,
  });
  await h.kartu.db.query(
    `INSERT INTO authorizations (id, network_id, network_message_id, request_hash, business_id, card_id, amount, currency, approved_amount,
                                 decision, response_code, reason, merchant, facts, policy, status, created_at)
     VALUES ($1, $2, $3, 'seed', $4, $5, $6, 'IDR', $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [
      id,
      networkId,
      `seed-${id}`,
      s.biz.businessId,
      s.cardId,
      s.amount,
      s.decision === 'approved' ? s.amount : 0,
      s.decision,
      s.responseCode ?? (s.decision === 'approved' ? '00' : '51'),
      s.reason ?? (s.decision === 'approved' ? 'approved' : 'insufficient funds'),
      JSON.stringify(merchant),
      JSON.stringify(s.withFacts === false ? { amount: s.amount } : { amount: s.amount, policy: policyFacts }),
      s.outcome === undefined ? null : JSON.stringify(s.outcome),
      s.decision === 'approved' ? 'pending' : 'declined',
      s.at,
    ],
  );
  return id;
}

const FROM = new Date('2026-03-01T00:00:00+07:00');
const TO = new Date('2026-03-08T00:00:00+07:00');
const inRange = (hours: number) => new Date(FROM.getTime() + hours * 3600_000);

async function waitForCompletion(biz: Biz, policyId: string, backtestId: string) {
  let last: any;
  await vi.waitFor(
    async () => {
      const res = await get(biz, `/policies/${policyId}/backtests/${backtestId}`);
      expectSnap(res, '2009500');
      last = res.body.backtest;
      expect(last.status).toBe('completed');
    },
    { timeout: 15_000, interval: 100 },
  );
  return last;
}

describe('backtest', () => {
  it('replays the range against a version and reports totals, changed decisions with examples, and rules', async () => {
    const card = (await issueCard(a)).id;
    const created = await post(a, '/policies', {
      name: 'Amount guard',
      scope: { type: 'business' },
      rules: [{ name: 'big', conditions: { all: [atLeast(1_000_000)] }, event: { type: 'decline', params: { reason: 'big' } } }],
    });
    expectSnap(created, '2009500');
    const p = created.body.policy;
    const v2 = await post(a, `/policies/${p.id}/versions`, {
      mode: 'shadow',
      rules: [
        { name: 'huge', priority: 2, conditions: { all: [atLeast(3_000_000)] }, event: { type: 'decline', params: { reason: 'huge' } } },
        { name: 'abroad', conditions: { all: [{ fact: 'merchant', path: '$.country', operator: 'notEqual', value: 'ID' }] }, event: { type: 'review', params: { reason: 'abroad' } } },
      ],
    });
    expectSnap(v2, '2009500');
    const byPolicy = (rule: string): PolicyOutcome => ({
      decline: { responseCode: '59', reason: rule, policyId: p.id, versionId: p.activeVersionId, rule },
      reviews: [],
      shadow: [],
    });

    const r1 = await seed({ biz: a, cardId: card, at: inRange(1), amount: 500_000, decision: 'approved', outcome: { reviews: [], shadow: [] } });
    const r2 = await seed({ biz: a, cardId: card, at: inRange(2), amount: 4_000_000, decision: 'approved' });
    const r3 = await seed({ biz: a, cardId: card, at: inRange(3), amount: 2_000_000, decision: 'declined', responseCode: '59', reason: 'big', outcome: byPolicy('big') });
    await seed({ biz: a, cardId: card, at: inRange(4), amount: 2_000_000, decision: 'declined' }); // funds: stays declined
    await seed({ biz: a, cardId: card, at: inRange(5), amount: 3_500_000, decision: 'declined', responseCode: '59', reason: 'big', outcome: byPolicy('big') });
    await seed({ biz: a, cardId: card, at: inRange(6), amount: 100_000, decision: 'approved', country: 'SG' });
    await seed({ biz: a, cardId: card, at: inRange(7), amount: 9_000_000, decision: 'approved', withFacts: false });
    await seed({ biz: a, cardId: card, at: new Date(FROM.getTime() - 1000), amount: 9_000_000, decision: 'approved' }); // before the range
    await seed({ biz: a, cardId: card, at: TO, amount: 9_000_000, decision: 'approved' }); // the end is exclusive
    const otherCard = (await issueCard(b)).id;
    await seed({ biz: b, cardId: otherCard, at: inRange(1), amount: 9_000_000, decision: 'approved' }); // another business

    const started = await post(a, `/policies/${p.id}/backtest`, { versionId: v2.body.version.id, fromDateTime: FROM.toISOString(), toDateTime: '2026-03-08T00:00:00+07:00' });
    expectSnap(started, '2009500');
    expect(started.body.backtest).toMatchObject({ policyId: p.id, versionId: v2.body.version.id, status: 'queued', progress: { processed: 0, total: null }, report: null });
    const bt = await waitForCompletion(a, p.id, started.body.backtest.id);

    expect(bt.progress).toEqual({ processed: 7, total: 7 });
    const report = bt.report;
    expect(report.totals).toEqual({
      authorizations: 7,
      replayed: 6,
      skipped: 1,
      skippedWithoutVelocity: 0,
      recordedApproved: 3,
      recordedDeclined: 3,
      wouldDecline: 2,
      wouldReview: 1,
      approveToDecline: 1,
      declineToApprove: 1,
      unchanged: 4,
      declineReasonChanged: 1,
      recordedReviews: 0,
    });
    expect(report.changes.approveToDecline.examples).toEqual([
      expect.objectContaining({
        authorizationId: r2,
        amount: '4000000',
        recorded: { decision: 'approved', responseCode: '00', reason: 'approved' },
        replayed: { decision: 'declined', responseCode: '59', reason: 'huge', rule: 'huge' },
      }),
    ]);
    expect(report.changes.declineToApprove.examples.map((e: { authorizationId: string }) => e.authorizationId)).toEqual([r3]);
    expect(report.byRule).toEqual([
      { rule: 'huge', matched: 2, declines: 2, reviews: 0, approves: 0, approveToDecline: 1 },
      { rule: 'abroad', matched: 1, declines: 0, reviews: 1, approves: 0, approveToDecline: 0 },
    ]);
    expect(JSON.stringify(report)).not.toContain(r1); // unchanged rows are not examples

    const [event] = await h.kartu.db.query("SELECT business_id, data FROM outbox_events WHERE type = 'policy.backtest.completed' AND data->'backtest'->>'id' = $1", [bt.id]);
    expect(event.business_id).toBe(a.businessId);
    expect(event.data.backtest.report.totals.approveToDecline).toBe(1);
    const audit = await h.kartu.db.query("SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id", [p.id]);
    expect(audit.map((x: { action: string }) => x.action)).toContain('policy.backtest.requested');
  });

  it('replays a velocity rule only where the facts it hangs on were recorded', async () => {
    const c = await business(h, 0n);
    const card = (await issueCard(c)).id;
    const p = (await post(c, '/policies', {
      name: 'Declines guard',
      scope: { type: 'business' },
      rules: [{ name: 'x', conditions: { all: [atLeast(1)] }, event: { type: 'review', params: { reason: 'x' } } }],
    })).body.policy;
    const v2 = await post(c, `/policies/${p.id}/versions`, {
      mode: 'shadow',
      rules: [
        {
          name: 'big-after-declines',
          conditions: { all: [atLeast(1_000_000), { fact: 'velocity', path: '$.declinedCount1h', operator: 'greaterThanInclusive', value: 2 }] },
          event: { type: 'decline', params: { reason: 'declines then big' } },
        },
      ],
    });
    expectSnap(v2, '2009500');
    await seed({ biz: c, cardId: card, at: inRange(1), amount: 50_000, decision: 'approved' }); // small: decided without history
    await seed({ biz: c, cardId: card, at: inRange(2), amount: 2_000_000, decision: 'approved' }); // no history recorded: skipped
    const declining = await seed({ biz: c, cardId: card, at: inRange(3), amount: 2_000_000, decision: 'approved', velocity: { declinedCount1h: 3 } });
    await seed({ biz: c, cardId: card, at: inRange(4), amount: 2_000_000, decision: 'approved', velocity: { approvedCount1h: 9, isNewMerchant: true } }); // other facts only: skipped
    await seed({ biz: c, cardId: card, at: inRange(5), amount: 2_000_000, decision: 'approved', velocity: { declinedCount1h: 0, approvedCount1h: 1 } });

    const started = await post(c, `/policies/${p.id}/backtest`, { versionId: v2.body.version.id, fromDateTime: FROM.toISOString(), toDateTime: TO.toISOString() });
    expectSnap(started, '2009500');
    const bt = await waitForCompletion(c, p.id, started.body.backtest.id);
    expect(bt.report.totals).toMatchObject({ authorizations: 5, replayed: 3, skipped: 2, skippedWithoutVelocity: 2, wouldDecline: 1, approveToDecline: 1, unchanged: 2 });
    expect(bt.report.changes.approveToDecline.examples.map((e: { authorizationId: string }) => e.authorizationId)).toEqual([declining]);
  });

  it('a card policy replays only that card; progress is kept page by page while it runs', async () => {
    const card = (await issueCard(a)).id;
    const sibling = (await issueCard(a)).id;
    const p = (await post(a, '/policies', {
      name: 'Card guard',
      scope: { type: 'card', id: card },
      rules: [{ name: 'over-10k', conditions: { all: [atLeast(10_000)] }, event: { type: 'review', params: { reason: 'over 10k' } } }],
    })).body.policy;
    // 1,200 rows on the card (three pages) and some on its sibling, in one statement.
    await h.kartu.db.query(
      `INSERT INTO authorizations (id, network_id, network_message_id, request_hash, business_id, card_id, amount, currency, approved_amount,
                                   decision, response_code, reason, merchant, facts, status, created_at)
       SELECT gen_random_uuid(), $1, 'bulk-' || gen_random_uuid(), 'seed', $2, CASE WHEN n <= 1200 THEN $3::uuid ELSE $4::uuid END,
              n * 10, 'IDR', n * 10, 'approved', '00', 'approved', '{"id":"M1","name":"Kopi","mcc":"5814","country":"ID"}'::jsonb,
              jsonb_build_object('policy', jsonb_build_object('transaction', jsonb_build_object('amount', n * 10, 'currency', 'IDR'))),
              'pending', $5::timestamptz + n * interval '1 second'
         FROM generate_series(1, 1300) AS n`,
      [networkId, a.businessId, card, sibling, inRange(10)],
    );
    const [row] = await h.kartu.db.query(
      `INSERT INTO policy_backtests (business_id, policy_id, version_id, from_time, to_time, requested_by_type) VALUES ($1, $2, $3, $4, $5, 'partner') RETURNING id`,
      [a.businessId, p.id, p.activeVersionId, inRange(9), inRange(20)],
    );
    const progress: Array<[number, number]> = [];
    const stored: number[] = [];
    const done = await runBacktest(h.kartu, row.id, async (processed, total) => {
      progress.push([processed, total]);
      const [r] = await h.kartu.db.query('SELECT processed, total, status FROM policy_backtests WHERE id = $1', [row.id]);
      expect(r.status).toBe('running');
      stored.push(r.processed);
    });
    expect(progress).toEqual([
      [500, 1200],
      [1000, 1200],
      [1200, 1200],
    ]);
    expect(stored).toEqual([500, 1000, 1200]);
    expect(done?.status).toBe('completed');
    // amounts 10..12000 step 10: 1,000 of them at least 10,000 (n ≥ 1000 → 201 rows)
    expect(done?.report?.totals).toMatchObject({ authorizations: 1200, replayed: 1200, wouldReview: 201, wouldDecline: 0 });
    // Running it again leaves the completed backtest as it is.
    expect(await runBacktest(h.kartu, row.id)).toBeUndefined();
  });

  it('refuses bad ranges, unknown versions and other businesses', async () => {
    const p = (await post(a, '/policies', { name: 'x', scope: { type: 'business' }, rules: [{ name: 'r', conditions: { all: [atLeast(1)] }, event: { type: 'review', params: { reason: 'r' } } }] })).body.policy;
    const body = (o: Record<string, unknown> = {}) => ({ versionId: p.activeVersionId, fromDateTime: FROM.toISOString(), toDateTime: TO.toISOString(), ...o });
    const reversed = await post(a, `/policies/${p.id}/backtest`, body({ toDateTime: '2026-02-01T00:00:00Z' }));
    expectSnap(reversed, '4009501');
    expect(reversed.body.responseMessage).toContain('toDateTime');
    expectSnap(await post(a, `/policies/${p.id}/backtest`, body({ toDateTime: '2026-09-01T00:00:00Z' })), '4009501');
    expectSnap(await post(a, `/policies/${p.id}/backtest`, body({ fromDateTime: 'yesterday' })), '4009501');
    expectSnap(await post(a, `/policies/${p.id}/backtest`, body({ versionId: randomUUID() })), '4049501');
    expectSnap(await post(a, `/policies/${p.id}/backtest`, { fromDateTime: FROM.toISOString(), toDateTime: TO.toISOString() }), '4009502');
    expectSnap(await post(b, `/policies/${p.id}/backtest`, body()), '4049501');
    const ok = await post(a, `/policies/${p.id}/backtest`, body());
    expectSnap(ok, '2009500');
    expectSnap(await get(b, `/policies/${p.id}/backtests/${ok.body.backtest.id}`), '4049501');
    expectSnap(await get(a, `/policies/${p.id}/backtests/${randomUUID()}`), '4049501');
    await waitForCompletion(a, p.id, ok.body.backtest.id);
  });
});
