import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createNetwork } from '../../src/modules/access/access.service';
import { PLATFORM_POLICY_ID } from '../../src/modules/policies/policies.service';
import { buildPolicyFacts, PolicyRuntime, type PolicyFacts, type PolicyScope } from '../../src/modules/policies/policy-runtime';
import { ALL_VELOCITY, velocityBit, velocityFactsOf, VELOCITY_FACT_NAMES } from '../../src/modules/policies/facts';
import { loadVelocityFacts, type VelocityInput } from '../../src/modules/policies/velocity';
import { startHarness, type Harness } from '../support/harness';
import { business, expectSnap, issueCard, type Biz } from '../support/partner-fixtures';

/**
 * The hot-path runtime: scope precedence (platform → business → cardholder → card, all apply),
 * shadow versions reported and never deciding, changes taking effect through the generation poll,
 * the velocity pre-check, and velocity facts from seeded authorization history.
 */

let h: Harness;
let rt: PolicyRuntime;
let a: Biz;
let b: Biz;
let cardA: string;
let cardB: string;

beforeAll(async () => {
  h = await startHarness();
  rt = await PolicyRuntime.start(h.kartu, { pollMs: 0 });
  a = await business(h, 0n);
  b = await business(h, 0n);
  cardA = (await issueCard(a)).id;
  cardB = (await issueCard(b)).id;
});
afterAll(async () => {
  await rt.close();
  await h.close();
});

const post = (biz: Biz, path: string, body: unknown) => biz.partner.call('POST', `/snap/v1.0${path}`, JSON.stringify(body));
const atLeast = (value: number) => ({ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value });

async function policy(biz: Biz, scope: Record<string, unknown>, tag: string, o: { decline?: boolean; mode?: string } = {}): Promise<{ id: string; activeVersionId: string }> {
  const rules = [
    { name: `${tag}-review`, priority: 2, conditions: { all: [atLeast(0)] }, event: { type: 'review', params: { reason: `${tag} review` } } },
    ...(o.decline === false ? [] : [{ name: `${tag}-decline`, conditions: { all: [atLeast(1_000)] }, event: { type: 'decline', params: { reason: `${tag} decline`, responseCode: '05' } } }]),
  ];
  const res = await post(biz, '/policies', { name: tag, scope, rules, ...(o.mode ? { mode: o.mode } : {}) });
  expectSnap(res, '2009500');
  return res.body.policy;
}

function facts(o: { amount?: number; hour?: number; mcc?: string } = {}): PolicyFacts {
  const now = h.clock.now();
  const f = buildPolicyFacts({
    amount: BigInt(o.amount ?? 5_000),
    currency: 'IDR',
    pos: { entryMode: 'ecommerce', cardPresent: false },
    merchant: { id: 'M1', name: 'Kopi', mcc: o.mcc ?? '5814', city: 'Jakarta', country: 'ID' },
    card: { type: 'VIRTUAL', status: 'ACTIVE', createdAt: now },
    cardholder: { createdAt: now, metadata: { tags: 'vip, travel' } },
    timeZone: 'Asia/Jakarta',
    now,
  });
  if (o.hour !== undefined) f.transaction.hour = o.hour;
  return f;
}

describe('PolicyRuntime', () => {
  let scopeA: PolicyScope;
  let businessPolicy: { id: string; activeVersionId: string };
  let cardPolicy: { id: string };

  beforeAll(async () => {
    scopeA = { businessId: a.businessId, cardholderId: a.holderId, cardId: cardA };
    // Created card-first, so precedence cannot come from creation order.
    cardPolicy = await policy(a, { type: 'card', id: cardA }, 'card');
    await policy(a, { type: 'cardholder', id: a.holderId }, 'holder');
    businessPolicy = await policy(a, { type: 'business' }, 'biz');
    await policy(b, { type: 'card', id: cardB }, 'other-business');
    await policy(b, { type: 'business' }, 'other-business-wide');
    await rt.refresh();
  });

  it('applies platform, business, cardholder and card policies, in that order; the first enforced decline wins', () => {
    const out = rt.evaluate(scopeA, facts());
    expect(out.decline).toEqual({ responseCode: '05', reason: 'biz decline', policyId: businessPolicy.id, versionId: businessPolicy.activeVersionId, rule: 'biz-decline' });
    expect(out.reviews.map((r) => r.rule)).toEqual(['biz-review', 'holder-review', 'card-review']);
    expect(out.shadow).toEqual([]);
    expect(rt.hasPolicies(scopeA)).toBe(true);
  });

  it('the platform baseline comes first: a night-time card-not-present purchase of IDR 60,000,000.00 is declined by it', () => {
    const out = rt.evaluate(scopeA, facts({ amount: 6_000_000_000, hour: 2 }));
    expect(out.decline).toMatchObject({ policyId: PLATFORM_POLICY_ID, rule: 'card-not-present-high-amount-at-night', responseCode: '59' });
    expect(rt.evaluate(scopeA, facts({ amount: 6_000_000_000, hour: 12 })).decline?.policyId).toBe(businessPolicy.id);
  });

  it('platform defaults stay quiet for ordinary authorizations (no decline, no review, no history needed)', () => {
    const other: PolicyScope = { businessId: randomUUID(), cardholderId: randomUUID(), cardId: randomUUID() };
    for (const amount of [1, 1_000_000, 500_000_000, 4_999_999_999]) {
      for (const hour of [0, 3, 12, 23]) {
        const out = rt.evaluate(other, facts({ amount, hour }));
        expect(out).toEqual({ reviews: [], shadow: [] });
        expect(rt.velocityNeeded(other, facts({ amount: Math.min(amount, 99_999_999), hour }))).toBe(0);
      }
    }
    expect(rt.evaluate(other, facts({ mcc: '6051' })).reviews.map((r) => r.rule)).toEqual(['quasi-cash']);
  });

  it('needs velocity only when a rule in scope reads it, (given the facts) only when its outcome hangs on it, and only what it reads', () => {
    const bits = (...names: string[]) => names.reduce((m, n) => m | velocityBit(n), 0);
    // The platform baseline reads four velocity facts.
    expect(rt.velocityNeeded(scopeA)).toBe(bits('isNewCountry', 'distinctCountries24h', 'declinedCount1h', 'amountZScore'));
    expect(rt.velocityNeeded(scopeA, facts({ amount: 5_000 }))).toBe(0);
    expect(rt.velocityNeeded(scopeA, facts({ amount: 200_000_000 }))).toBe(bits('declinedCount1h')); // many-declines-in-an-hour (from IDR 1,000,000.00) is open
  });

  it("never applies another business's policies, even for a card id in scope", () => {
    const out = rt.evaluate({ businessId: a.businessId, cardholderId: a.holderId, cardId: cardB }, facts());
    expect(out.reviews.map((r) => r.rule)).not.toContain('other-business-review');
  });

  it('new versions, rollbacks, disabling and shadow versions take effect on refresh', async () => {
    const v2 = await post(a, `/policies/${businessPolicy.id}/versions`, {
      rules: [{ name: 'biz-v2', conditions: { all: [atLeast(1_000_000)] }, event: { type: 'decline', params: { reason: 'v2' } } }],
    });
    expectSnap(v2, '2009500');
    await rt.refresh();
    // v2 declines only from 1,000,000: the cardholder policy's decline is now the first.
    expect(rt.evaluate(scopeA, facts()).decline).toMatchObject({ rule: 'holder-decline' });
    expect(rt.evaluate(scopeA, facts({ amount: 2_000_000 })).decline).toMatchObject({ rule: 'biz-v2', versionId: v2.body.version.id, responseCode: '59' });

    expectSnap(await post(a, `/policies/${businessPolicy.id}/versions/${businessPolicy.activeVersionId}/activate`, undefined), '2009500');
    await rt.refresh();
    expect(rt.evaluate(scopeA, facts()).decline).toMatchObject({ rule: 'biz-decline', versionId: businessPolicy.activeVersionId });
    // Only the versions in use stay compiled: v2, rolled back, is forgotten.
    expect(rt.compiledVersionIds()).toContain(businessPolicy.activeVersionId);
    expect(rt.compiledVersionIds()).not.toContain(v2.body.version.id);

    const shadow = await post(a, `/policies/${cardPolicy.id}/versions`, {
      mode: 'shadow',
      rules: [{ name: 'would-block', conditions: { all: [atLeast(0)] }, event: { type: 'decline', params: { reason: 'candidate' } } }],
    });
    expectSnap(shadow, '2009500');
    await expect(a.partner.call('PATCH', `/snap/v1.0/policies/${businessPolicy.id}`, JSON.stringify({ status: 'DISABLED' }))).resolves.toMatchObject({ status: 200 });
    await rt.refresh();
    const out = rt.evaluate(scopeA, facts());
    expect(out.decline).toMatchObject({ rule: 'holder-decline' });
    expect(out.reviews.map((r) => r.rule)).toEqual(['holder-review', 'card-review']);
    expect(out.shadow).toEqual([{ policyId: cardPolicy.id, versionId: shadow.body.version.id, events: [{ type: 'decline', rule: 'would-block', reason: 'candidate', responseCode: '59' }] }]);
    // The disabled business policy's version is forgotten; the card policy's shadow version is kept.
    expect(rt.compiledVersionIds()).not.toContain(businessPolicy.activeVersionId);
    expect(rt.compiledVersionIds()).toContain(shadow.body.version.id);
  });

  it('another process sees a change by itself, through the generation poll', async () => {
    const other = await PolicyRuntime.start(h.kartu, { loadDefaults: false });
    try {
      const scope: PolicyScope = { businessId: b.businessId, cardholderId: b.holderId, cardId: cardB };
      expect(other.evaluate(scope, facts()).reviews.map((r) => r.rule)).not.toContain('late-review');
      await policy(b, { type: 'cardholder', id: b.holderId }, 'late', { decline: false });
      await vi.waitFor(() => expect(other.evaluate(scope, facts()).reviews.map((r) => r.rule)).toContain('late-review'), { timeout: 5000, interval: 50 });
    } finally {
      await other.close();
    }
  });
});

describe('velocity facts', () => {
  let networkId: string;
  beforeAll(async () => {
    networkId = (await createNetwork(h.kartu, `velocity-${randomUUID().slice(0, 6)}`)).networkId;
  });

  async function seed(cardId: string, businessId: string, minutesAgo: number, amount: number, decision: 'approved' | 'declined', merchant: string, country: string) {
    const at = new Date(h.clock.now().getTime() - minutesAgo * 60_000);
    await h.kartu.db.query(
      `INSERT INTO authorizations (id, network_id, network_message_id, request_hash, business_id, card_id, amount, currency, approved_amount,
                                   decision, response_code, reason, merchant, facts, status, created_at)
       VALUES ($1, $2, $3, 'seed', $4, $5, $6, 'IDR', $7, $8, $9, $8, $10, '{}', $11, $12)`,
      [
        randomUUID(),
        networkId,
        `seed-${randomUUID()}`,
        businessId,
        cardId,
        amount,
        decision === 'approved' ? amount : 0,
        decision,
        decision === 'approved' ? '00' : '51',
        JSON.stringify({ id: merchant, name: merchant, mcc: '5814', country }),
        decision === 'approved' ? 'pending' : 'declined',
        at,
      ],
    );
  }

  it('counts windows, declines, countries, newness, z-score and time since the last authorization, for a batch in one call', async () => {
    const card = (await issueCard(a)).id;
    const quiet = (await issueCard(a)).id;
    await seed(card, a.businessId, 10, 100, 'approved', 'M1', 'ID');
    await seed(card, a.businessId, 30, 200, 'approved', 'M2', 'ID');
    await seed(card, a.businessId, 120, 300, 'approved', 'M3', 'SG');
    await seed(card, a.businessId, 20 * 60, 400, 'approved', 'M1', 'ID');
    await seed(card, a.businessId, 3 * 24 * 60, 500, 'approved', 'M4', 'MY');
    await seed(card, a.businessId, 40, 999, 'declined', 'M5', 'US');
    await seed(card, a.businessId, 90, 999, 'declined', 'M5', 'US');
    await seed(card, a.businessId, 40 * 24 * 60, 700, 'approved', 'M6', 'JP');
    await seed(cardB, b.businessId, 5, 100, 'approved', 'M9', 'FR'); // another card: never counted

    const inputs: VelocityInput[] = [
      { cardId: card, merchantId: 'M1', country: 'ID', amount: 1000n, facts: ALL_VELOCITY },
      { cardId: card, merchantId: 'M6', country: 'JP', amount: 300n, facts: ALL_VELOCITY },
      { cardId: card, merchantId: 'M5', country: 'US', amount: 300n, facts: ALL_VELOCITY },
      { cardId: card, merchantId: 'M9', country: 'FR', amount: 300n, facts: ALL_VELOCITY },
      { cardId: quiet, merchantId: 'M1', country: 'ID', amount: 1000n, facts: ALL_VELOCITY },
    ];
    const v = await loadVelocityFacts(h.kartu, inputs, h.clock.now());
    expect(v).toHaveLength(5);
    expect(v[0]).toEqual({
      approvedCount15m: 1,
      approvedAmount15m: 100,
      approvedCount1h: 2,
      approvedAmount1h: 300,
      approvedCount24h: 4,
      approvedAmount24h: 1000,
      declinedCount1h: 1,
      distinctCountries24h: 2,
      isNewMerchant: false,
      isNewCountry: false,
      amountZScore: 4.95, // (1000 − 300) / 141.42 over the five approvals of 30 days
      secondsSinceLastTransaction: 600,
    });
    expect(v[1]).toMatchObject({ isNewMerchant: false, isNewCountry: false, amountZScore: 0 });
    // Only declined there: still new.
    expect(v[2]).toMatchObject({ isNewMerchant: true, isNewCountry: true });
    expect(v[3]).toMatchObject({ isNewMerchant: true, isNewCountry: true });
    expect(v[4]).toEqual({
      approvedCount15m: 0,
      approvedAmount15m: 0,
      approvedCount1h: 0,
      approvedAmount1h: 0,
      approvedCount24h: 0,
      approvedAmount24h: 0,
      declinedCount1h: 0,
      distinctCountries24h: 0,
      isNewMerchant: true,
      isNewCountry: true,
      amountZScore: null,
      secondsSinceLastTransaction: null,
    });
    expect(await loadVelocityFacts(h.kartu, [], h.clock.now())).toEqual([]);
  });

  it('computes only the facts asked for, each equal to its value when all are computed, whatever else the batch asks', async () => {
    const card = (await issueCard(a)).id;
    const other = (await issueCard(a)).id;
    // [minutes ago, amount, decision, merchant, country]: something in every window.
    const history = [[5, 100, 'approved', 'M1', 'ID'], [50, 250, 'approved', 'M2', 'SG'], [70, 999, 'declined', 'M3', 'US'], [600, 400, 'approved', 'M1', 'ID'], [2880, 800, 'approved', 'M4', 'MY']] as const;
    for (const [minutes, amount, decision, merchant, country] of history) await seed(card, a.businessId, minutes, amount, decision, merchant, country);
    for (let i = 0; i < 5; i++) await seed(other, a.businessId, 3 + i * 200, 100 * (i + 1), 'approved', `M${i}`, i % 2 ? 'ID' : 'SG');
    const shapes = [
      { cardId: card, merchantId: 'M1', country: 'ID', amount: 600n },
      { cardId: card, merchantId: 'M9', country: 'JP', amount: 100n },
      { cardId: other, merchantId: 'M2', country: 'SG', amount: 900n },
    ];
    const full = await loadVelocityFacts(
      h.kartu,
      shapes.map((s) => ({ ...s, facts: ALL_VELOCITY })),
      h.clock.now(),
    );
    // A mask per input, drawn so that every fact is alone at least once and batches mix masks.
    const masks = [...VELOCITY_FACT_NAMES.map((_, i) => 2 ** i), 0b101, 0b110000000, 0b100000000010, ALL_VELOCITY];
    for (let round = 0; round < masks.length; round++) {
      const inputs = shapes.map((s, j) => ({ ...s, facts: masks[(round + j * 5) % masks.length]! }));
      const got = await loadVelocityFacts(h.kartu, inputs, h.clock.now());
      inputs.forEach((input, j) => {
        const expected = Object.fromEntries(velocityFactsOf(input.facts).map((name) => [name, full[j]![name]]));
        expect(got[j]).toEqual(expected);
      });
    }
  });

  it('feed rules that read them: the baseline reviews many declines in an hour', async () => {
    const card = (await issueCard(a)).id;
    for (let i = 0; i < 10; i++) await seed(card, a.businessId, 5 + i, 200_000_000, 'declined', 'M1', 'ID');
    const f = facts({ amount: 200_000_000 });
    const scope: PolicyScope = { businessId: randomUUID(), cardholderId: randomUUID(), cardId: card };
    const needed = rt.velocityNeeded(scope, f);
    expect(needed).toBe(velocityBit('declinedCount1h'));
    const input = { cardId: card, merchantId: f.merchant.id, country: f.merchant.country, amount: 200_000_000n, facts: needed };
    [f.velocity] = await loadVelocityFacts(h.kartu, [input], h.clock.now());
    expect(f.velocity).toEqual({ declinedCount1h: 10 });
    expect(rt.evaluate(scope, f).reviews.map((r) => r.rule)).toEqual(['many-declines-in-an-hour']);
  });
});
