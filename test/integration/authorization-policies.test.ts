import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { authorizationResponse } from '../../src/modules/authorizations/authorizations.schemas';
import { policiesOf } from '../../src/modules/authorizations/authorize';
import { runBacktest } from '../../src/modules/policies/backtest';
import type { PolicyRuntime } from '../../src/modules/policies/policy-runtime';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkAuthorizationInvariants, checkLedgerInvariants } from '../support/invariants';
import { balances, business, expectSnap, issueCard, nid, type Biz, type IssuedCard } from '../support/partner-fixtures';

/**
 * Spend policies (docs/policies.md) acting on real authorizations made through the network API:
 * the enforced decline and its code, its place in the pipeline (after card state, spend controls
 * and count limits, before funds), reviews raising fraud alerts, shadow versions never deciding,
 * scopes, every rule of every priority evaluated under concurrency, velocity facts read only when a
 * rule needs them, rollbacks taking effect on the next authorization, and a backtest replaying the
 * outcomes and facts these authorizations recorded.
 */

let h: Harness;
let net: TestNetwork;
let runtime: PolicyRuntime;

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
  runtime = await policiesOf(h.kartu);
});
afterAll(async () => {
  await checkLedgerInvariants(h.kartu.db.manager);
  await checkAuthorizationInvariants(h.kartu.db.manager);
  await runtime.close();
  await h.close();
});

// ---- helpers ----------------------------------------------------------------------------------

const COFFEE = { id: 'M-KOPI-1', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' };
const CASINO = { id: 'M-CASINO-1', name: 'Lucky Casino', mcc: '7995', city: 'Jakarta', country: 'ID' };
const SHADY = { id: 'M-SHADY', name: 'Shady Shop', mcc: '5999', city: 'Jakarta', country: 'ID' };

type Rule = Record<string, unknown>;
const merchantIs = (id: string) => ({ fact: 'merchant', path: '$.id', operator: 'equal', value: id });
const amountAtLeast = (value: number) => ({ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value });
const declineRule = (name: string, condition: Rule, o: { responseCode?: string; priority?: number; reason?: string } = {}): Rule => ({
  name,
  ...(o.priority ? { priority: o.priority } : {}),
  conditions: { all: [condition] },
  event: { type: 'decline', params: { reason: o.reason ?? `${name} fired`, ...(o.responseCode ? { responseCode: o.responseCode } : {}) } },
});

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => h.kartu.db.query(sql, params);

/**
 * Makes the process's runtime reflect every committed policy change. `refresh()` alone may join a
 * poll that read the generation before the change committed, so refresh until the loaded
 * generation has caught up with the database's.
 */
async function fresh(): Promise<void> {
  const [{ generation }] = await q<{ generation: string }>('SELECT generation::text FROM policy_generation');
  for (let i = 0; i < 20 && runtime.loadedGeneration < BigInt(generation); i++) await runtime.refresh();
  expect(runtime.loadedGeneration).toBeGreaterThanOrEqual(BigInt(generation));
}

interface PolicyBody {
  id: string;
  activeVersionId: string | null;
  shadowVersionId: string | null;
}

async function createPolicy(biz: Biz, scope: Rule, rules: Rule[], o: { mode?: 'enforce' | 'shadow'; name?: string } = {}): Promise<PolicyBody> {
  const res = await biz.partner.call('POST', '/snap/v1.0/policies', JSON.stringify({ name: o.name ?? 'Policy', scope, rules, ...(o.mode ? { mode: o.mode } : {}) }));
  expectSnap(res, '2009500');
  await fresh();
  return res.body.policy;
}

async function newVersion(biz: Biz, policyId: string, rules: Rule[], mode?: 'enforce' | 'shadow'): Promise<string> {
  const res = await biz.partner.call('POST', `/snap/v1.0/policies/${policyId}/versions`, JSON.stringify({ rules, ...(mode ? { mode } : {}) }));
  expectSnap(res, '2009500');
  await fresh();
  return res.body.version.id;
}

type AuthAnswer = z.infer<typeof authorizationResponse>;

function authBody(card: IssuedCard, o: { amount?: number; merchant?: Rule } = {}) {
  return {
    id: nid('auth'),
    card: { number: card.number, expiry: card.expiry, cvv: card.cvv },
    amount: o.amount ?? 10_000,
    currency: 'IDR',
    merchant: o.merchant ?? COFFEE,
    pos: { entryMode: 'ecommerce', cardPresent: false },
    partialAllowed: false,
    originalId: null,
  };
}

async function authorize(card: IssuedCard, o: { amount?: number; merchant?: Rule } = {}): Promise<AuthAnswer> {
  const body = authBody(card, o);
  const res = await net.send('/authorizations', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.id).toBe(body.id);
  return res.body;
}

function expectAnswer(a: AuthAnswer, code: string, reason?: string | RegExp): void {
  expect(a.responseCode, JSON.stringify(a)).toBe(code);
  if (code === '00') {
    expect(a.decision).toBe('approved');
    expect(a.authorizationCode).toMatch(/^[0-9A-F]{6}$/);
  } else {
    expect(a.decision).toBe('declined');
    expect(a.approvedAmount).toBe(0);
    expect(a.authorizationCode).toBeNull();
  }
  if (typeof reason === 'string') expect(a.reason).toBe(reason);
  else if (reason) expect(a.reason).toMatch(reason);
}

interface PolicyColumn {
  decline?: { responseCode: string; reason: string; policyId: string; versionId: string; rule: string };
  reviews: Array<{ policyId: string; versionId: string; rule: string; reason: string }>;
  shadow: Array<{ policyId: string; versionId: string; events: Array<{ type: string; rule: string; reason: string; responseCode?: string }> }>;
}

interface AuthRow {
  id: string;
  business_id: string;
  card_id: string;
  decision: string;
  response_code: string;
  status: string;
  hold_id: string | null;
  policy: PolicyColumn | null;
  policy_facts: Record<string, unknown> | null;
  has_velocity: boolean;
}

async function row(authorizationId: string): Promise<AuthRow> {
  const rows = await q<AuthRow>(
    `SELECT id, business_id, card_id, decision, response_code, status, hold_id, policy, facts->'policy' AS policy_facts,
            coalesce(facts->'policy' ? 'velocity', false) AS has_velocity
       FROM authorizations WHERE id = $1`,
    [authorizationId],
  );
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

const fraudAlerts = (authorizationId: string) => q<{ business_id: string; data: Record<string, unknown> }>("SELECT business_id, data FROM outbox_events WHERE type = 'fraud.alert' AND data->>'authorizationId' = $1", [authorizationId]);
const businessAlerts = async (businessId: string) =>
  Number((await q<{ n: number }>("SELECT count(*)::int AS n FROM outbox_events WHERE type = 'fraud.alert' AND business_id = $1", [businessId]))[0]!.n);

async function reviewsTotal(): Promise<number> {
  const res = await h.http().get('/metrics');
  expect(res.status).toBe(200);
  const m = /^kartu_policy_reviews_total (\d+(?:\.\d+)?)$/m.exec(res.text);
  expect(m, 'kartu_policy_reviews_total in /metrics').not.toBeNull();
  return Number(m![1]);
}

async function newCardholder(biz: Biz): Promise<string> {
  const res = await biz.partner.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Budi Santoso', email: `budi.${nid('ch')}@example.com` }));
  expectSnap(res, '2009400');
  return res.body.cardholder.id;
}

async function cardFor(biz: Biz, cardholderId: string): Promise<IssuedCard> {
  return issueCard({ ...biz, holderId: cardholderId });
}

// ---- tests ------------------------------------------------------------------------------------

describe('an enforced policy decline', () => {
  it("answers the rule's code and reason, holds nothing, and records the policy, version, rule and facts", async () => {
    const biz = await business(h, 1_000_000n);
    const card = await issueCard(biz);
    const p = await createPolicy(biz, { type: 'business' }, [
      declineRule('no-gambling', { fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['gambling'] }, { responseCode: '59', reason: 'no gambling' }),
      declineRule('shady-merchant', merchantIs(SHADY.id), { reason: 'shady merchant' }),
    ]);
    const before = await balances(biz);

    const gambling = await authorize(card, { merchant: CASINO, amount: 25_000 });
    expectAnswer(gambling, '59', 'no gambling');
    // A merchant-only rule without a responseCode declines with 57.
    const shady = await authorize(card, { merchant: SHADY });
    expectAnswer(shady, '57', 'shady merchant');
    expect(await balances(biz)).toEqual(before);
    expect(before).toMatchObject({ available: 1_000_000n, hold: 0n });

    const r = await row(gambling.authorizationId);
    expect(r).toMatchObject({ business_id: biz.businessId, decision: 'declined', response_code: '59', status: 'declined', hold_id: null });
    expect(r.policy).toEqual({
      decline: { responseCode: '59', reason: 'no gambling', policyId: p.id, versionId: p.activeVersionId, rule: 'no-gambling' },
      reviews: [],
      shadow: [],
    });
    expect(r.policy_facts).toMatchObject({
      transaction: { amount: 25_000, currency: 'IDR', billingAmount: 25_000, billingCurrency: 'IDR', entryMode: 'ecommerce', cardPresent: false },
      merchant: { id: CASINO.id, name: CASINO.name, mcc: '7995', country: 'ID', city: 'Jakarta' },
      card: { type: 'VIRTUAL', status: 'ACTIVE', ageDays: 0 },
      cardholder: { relationshipDays: 0, tags: [] },
    });
    expect((r.policy_facts as { merchant: { mccGroups: string[] } }).merchant.mccGroups).toContain('gambling');
    expect((await row(shady.authorizationId)).policy?.decline).toMatchObject({ rule: 'shady-merchant', responseCode: '57', policyId: p.id });

    // The same card at an ordinary merchant is approved and holds the amount: the card works.
    const coffee = await authorize(card);
    expectAnswer(coffee, '00');
    expect(await balances(biz)).toMatchObject({ available: 990_000n, hold: 10_000n });
    const ok = await row(coffee.authorizationId);
    expect(ok.hold_id).not.toBeNull();
    expect(ok.policy).toEqual({ reviews: [], shadow: [] });
  });
});

describe('the place of policies in the pipeline', () => {
  it('card state, spend controls and count limits are checked before policies', async () => {
    const biz = await business(h, 1_000_000n);
    await createPolicy(biz, { type: 'business' }, [
      declineRule('no-gambling', { fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['gambling'] }, { responseCode: '59', reason: 'no gambling' }),
      declineRule('shady-merchant', merchantIs(SHADY.id), { responseCode: '59', reason: 'shady merchant' }),
    ]);

    const frozen = await issueCard(biz);
    expectAnswer(await authorize(frozen, { merchant: CASINO }), '59', 'no gambling');
    expectSnap(await biz.partner.call('PATCH', `/snap/v1.0/cards/${frozen.id}`, JSON.stringify({ status: 'FROZEN' })), '2009200');
    expectAnswer(await authorize(frozen, { merchant: CASINO }), '62', 'card frozen');

    const blocked = await issueCard(biz, { spendControls: { blockedCategories: ['gambling'] } });
    expectAnswer(await authorize(blocked, { merchant: CASINO }), '57', 'merchant category blocked');

    const counted = await issueCard(biz, { spendControls: { countLimits: [{ count: 1, interval: 'daily' }] } });
    expectAnswer(await authorize(counted), '00');
    expectAnswer(await authorize(counted, { merchant: SHADY }), '65', 'exceeds frequency limit');
  });

  it('a policy decline comes before the funds check: an unfunded card declined by a policy answers the policy code, not 51', async () => {
    const biz = await business(h, 0n);
    const card = await issueCard(biz);
    await createPolicy(biz, { type: 'business' }, [declineRule('shady-merchant', merchantIs(SHADY.id), { responseCode: '59', reason: 'shady merchant' })]);
    expectAnswer(await authorize(card), '51', 'insufficient funds');
    const declined = await authorize(card, { merchant: SHADY });
    expectAnswer(declined, '59', 'shady merchant');
    expect((await row(declined.authorizationId)).policy?.decline?.rule).toBe('shady-merchant');
  });
});

describe('review rules', () => {
  it('approve and write exactly one fraud.alert per reviewed approval, none for a declined one; the metric counts them', async () => {
    const biz = await business(h, 1_000_000n);
    const card = await issueCard(biz);
    const p = await createPolicy(biz, { type: 'business' }, [
      { name: 'big-spend', conditions: { all: [amountAtLeast(50_000)] }, event: { type: 'review', params: { reason: 'big spend' } } },
      declineRule('too-big', amountAtLeast(500_000), { responseCode: '61', reason: 'too big' }),
    ]);
    const metricBefore = await reviewsTotal();

    const quiet = await authorize(card, { amount: 10_000 });
    expectAnswer(quiet, '00');
    expect(await fraudAlerts(quiet.authorizationId)).toEqual([]);

    const reviewed = await authorize(card, { amount: 60_000 });
    expectAnswer(reviewed, '00', 'approved');
    const alerts = await fraudAlerts(reviewed.authorizationId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.business_id).toBe(biz.businessId);
    expect(alerts[0]!.data).toMatchObject({
      authorizationId: reviewed.authorizationId,
      cardId: card.id,
      amount: 60_000,
      currency: 'IDR',
      merchant: { id: COFFEE.id },
      reviews: [{ policyId: p.id, versionId: p.activeVersionId, rule: 'big-spend', reason: 'big spend' }],
    });
    expect((await row(reviewed.authorizationId)).policy).toEqual({
      reviews: [{ policyId: p.id, versionId: p.activeVersionId, rule: 'big-spend', reason: 'big spend' }],
      shadow: [],
    });

    // Declined (the review matches too): the review is recorded, no alert is raised.
    const declined = await authorize(card, { amount: 600_000 });
    expectAnswer(declined, '61', 'too big');
    expect((await row(declined.authorizationId)).policy?.reviews.map((r) => r.rule)).toEqual(['big-spend']);
    expect(await fraudAlerts(declined.authorizationId)).toEqual([]);
    expect(await businessAlerts(biz.businessId)).toBe(1);
    expect(await reviewsTotal()).toBe(metricBefore + 1);
  });
});

describe('shadow versions', () => {
  it('never change the answer; the authorization records what they would have done', async () => {
    const biz = await business(h, 1_000_000n);
    const card = await issueCard(biz);
    const p = await createPolicy(biz, { type: 'business' }, [declineRule('would-block-coffee', merchantIs(COFFEE.id), { responseCode: '59', reason: 'candidate' })], { mode: 'shadow' });
    expect(p.activeVersionId).toBeNull();
    const a = await authorize(card);
    expectAnswer(a, '00');
    const r = await row(a.authorizationId);
    expect(r.hold_id).not.toBeNull();
    expect(r.policy).toEqual({
      reviews: [],
      shadow: [{ policyId: p.id, versionId: p.shadowVersionId, events: [{ type: 'decline', rule: 'would-block-coffee', reason: 'candidate', responseCode: '59' }] }],
    });

    // Enforcing the same rules declines.
    const enforced = await newVersion(biz, p.id, [declineRule('would-block-coffee', merchantIs(COFFEE.id), { responseCode: '59', reason: 'candidate' })]);
    const b = await authorize(card);
    expectAnswer(b, '59', 'candidate');
    expect((await row(b.authorizationId)).policy?.decline).toMatchObject({ versionId: enforced, rule: 'would-block-coffee' });
  });
});

describe('scopes', () => {
  it('card, cardholder and business policies apply only to their own card, cardholder and business', async () => {
    const biz = await business(h, 1_000_000n);
    const other = await business(h, 1_000_000n);
    const holder2 = await newCardholder(biz);
    const card1 = await issueCard(biz);
    const card2 = await issueCard(biz); // same cardholder as card1
    const card3 = await cardFor(biz, holder2);
    const otherCard = await issueCard(other);
    const cardMerchant = { ...COFFEE, id: 'M-CARD-SCOPE' };
    const holderMerchant = { ...COFFEE, id: 'M-HOLDER-SCOPE' };
    const bizMerchant = { ...COFFEE, id: 'M-BIZ-SCOPE' };
    const onCard = await createPolicy(biz, { type: 'card', id: card1.id }, [declineRule('card-rule', merchantIs(cardMerchant.id), { responseCode: '05', reason: 'card scope' })]);
    const onHolder = await createPolicy(biz, { type: 'cardholder', id: biz.holderId }, [declineRule('holder-rule', merchantIs(holderMerchant.id), { responseCode: '62', reason: 'holder scope' })]);
    const onBiz = await createPolicy(biz, { type: 'business' }, [declineRule('biz-rule', merchantIs(bizMerchant.id), { responseCode: '59', reason: 'business scope' })]);

    // card scope: card1 only
    const c1 = await authorize(card1, { merchant: cardMerchant });
    expectAnswer(c1, '05', 'card scope');
    expect((await row(c1.authorizationId)).policy?.decline?.policyId).toBe(onCard.id);
    expectAnswer(await authorize(card2, { merchant: cardMerchant }), '00');
    expectAnswer(await authorize(card3, { merchant: cardMerchant }), '00');

    // cardholder scope: the cardholder's cards (card1, card2), not another cardholder's
    for (const c of [card1, card2]) {
      const a = await authorize(c, { merchant: holderMerchant });
      expectAnswer(a, '62', 'holder scope');
      expect((await row(a.authorizationId)).policy?.decline?.policyId).toBe(onHolder.id);
    }
    expectAnswer(await authorize(card3, { merchant: holderMerchant }), '00');

    // business scope: every card of the business, no card of another business
    for (const c of [card1, card2, card3]) {
      const a = await authorize(c, { merchant: bizMerchant });
      expectAnswer(a, '59', 'business scope');
      expect((await row(a.authorizationId)).policy?.decline?.policyId).toBe(onBiz.id);
    }
    const elsewhere = await authorize(otherCard, { merchant: bizMerchant });
    expectAnswer(elsewhere, '00');
    expect((await row(elsewhere.authorizationId)).policy).toEqual({ reviews: [], shadow: [] });
  });
});

describe('rules of every priority level', () => {
  it('100 concurrent authorizations: every one is declined by the lowest-priority rule, none skipped', async () => {
    const biz = await business(h, 5_000_000n);
    const card = await issueCard(biz);
    const p = await createPolicy(biz, { type: 'business' }, [
      { name: 'high-approve', priority: 10, conditions: { all: [amountAtLeast(1)] }, event: { type: 'approve', params: { reason: 'looks fine' } } },
      { name: 'mid-review', priority: 5, conditions: { any: [amountAtLeast(1)] }, event: { type: 'review', params: { reason: 'have a look' } } },
      declineRule('low-decline', merchantIs(SHADY.id), { priority: 1, responseCode: '59', reason: 'lowest priority declines' }),
    ]);
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => authorize(card, { merchant: SHADY, amount: 10_000 + i })));
    expect(answers).toHaveLength(100);
    for (const a of answers) expectAnswer(a, '59', 'lowest priority declines');
    const rows = await q<{ policy: PolicyColumn }>('SELECT policy FROM authorizations WHERE card_id = $1', [card.id]);
    expect(rows).toHaveLength(100);
    for (const r of rows) {
      expect(r.policy).toEqual({
        decline: { responseCode: '59', reason: 'lowest priority declines', policyId: p.id, versionId: p.activeVersionId, rule: 'low-decline' },
        reviews: [{ policyId: p.id, versionId: p.activeVersionId, rule: 'mid-review', reason: 'have a look' }],
        shadow: [],
      });
    }
    expect(await businessAlerts(biz.businessId)).toBe(0);
    expect(await balances(biz)).toMatchObject({ available: 5_000_000n, hold: 0n });
  });
});

describe('velocity', () => {
  it('approvedCount1h >= 3 lets three approvals through and declines the fourth with 59, on the facts it recorded', async () => {
    const biz = await business(h, 1_000_000n);
    const card = await issueCard(biz);
    const p = await createPolicy(biz, { type: 'business' }, [
      declineRule('fourth-in-an-hour', { fact: 'velocity', path: '$.approvedCount1h', operator: 'greaterThanInclusive', value: 3 }),
      {
        name: 'big-day-somewhere-new',
        conditions: { all: [{ fact: 'velocity', path: '$.approvedAmount24h', operator: 'greaterThan', value: 100_000_000 }, { fact: 'velocity', path: 'isNewMerchant', operator: 'equal', value: true }] },
        event: { type: 'review', params: { reason: 'never here' } },
      },
    ]);
    for (let i = 0; i < 3; i++) {
      const a = await authorize(card);
      expectAnswer(a, '00');
      const r = await row(a.authorizationId);
      expect(r.has_velocity).toBe(true);
      // Exactly the facts the rules read, computed from the card's history.
      expect((r.policy_facts as { velocity: unknown }).velocity).toEqual({ approvedCount1h: i, approvedAmount24h: i * 10_000, isNewMerchant: i === 0 });
    }
    const fourth = await authorize(card);
    expectAnswer(fourth, '59', 'fourth-in-an-hour fired'); // not merchant-only: 59 by default
    const r = await row(fourth.authorizationId);
    expect(r.policy?.decline).toEqual({ responseCode: '59', reason: 'fourth-in-an-hour fired', policyId: p.id, versionId: p.activeVersionId, rule: 'fourth-in-an-hour' });
    expect((r.policy_facts as { velocity: unknown }).velocity).toEqual({ approvedCount1h: 3, approvedAmount24h: 30_000, isNewMerchant: false });
    expect(await balances(biz)).toMatchObject({ hold: 30_000n });
  });

  it('the history is read only when a rule in scope needs it', async () => {
    // No velocity rule in scope (and the platform baseline's are guarded by amounts ≥ 1,000,000).
    const plain = await business(h, 1_000_000n);
    const plainCard = await issueCard(plain);
    await createPolicy(plain, { type: 'business' }, [declineRule('shady-merchant', merchantIs(SHADY.id))]);
    const a = await authorize(plainCard);
    expectAnswer(a, '00');
    const ra = await row(a.authorizationId);
    expect(ra.policy_facts).toMatchObject({ transaction: { amount: 10_000 }, merchant: { id: COFFEE.id } });
    expect(ra.has_velocity).toBe(false);

    // A velocity rule guarded by an amount: below it the outcome cannot hang on history.
    const guarded = await business(h, 1_000_000n);
    const guardedCard = await issueCard(guarded);
    await createPolicy(guarded, { type: 'business' }, [
      { name: 'big-and-new', conditions: { all: [amountAtLeast(500_000), { fact: 'velocity', path: '$.isNewMerchant', operator: 'equal', value: true }] }, event: { type: 'review', params: { reason: 'big at a new merchant' } } },
    ]);
    const small = await authorize(guardedCard, { amount: 10_000 });
    expectAnswer(small, '00');
    expect((await row(small.authorizationId)).has_velocity).toBe(false);
    const big = await authorize(guardedCard, { amount: 600_000, merchant: SHADY });
    expectAnswer(big, '00');
    const rb = await row(big.authorizationId);
    expect(rb.has_velocity).toBe(true);
    expect((rb.policy_facts as { velocity: unknown }).velocity).toEqual({ isNewMerchant: true }); // only what the rule reads
    expect(rb.policy?.reviews.map((r) => r.rule)).toEqual(['big-and-new']);
    expect(await fraudAlerts(big.authorizationId)).toHaveLength(1);
  });
});

describe('versions', () => {
  it('a new version and a rollback to the older one take effect on the next authorization', async () => {
    const biz = await business(h, 1_000_000n);
    const card = await issueCard(biz);
    const p = await createPolicy(biz, { type: 'business' }, [declineRule('v1-shady', merchantIs(SHADY.id), { responseCode: '59', reason: 'v1' })]);
    const v1 = p.activeVersionId!;

    const first = await authorize(card, { merchant: SHADY });
    expectAnswer(first, '59', 'v1');
    expect((await row(first.authorizationId)).policy?.decline?.versionId).toBe(v1);

    const v2 = await newVersion(biz, p.id, [declineRule('v2-casino', merchantIs(CASINO.id), { responseCode: '57', reason: 'v2' })]);
    expectAnswer(await authorize(card, { merchant: SHADY }), '00');
    const second = await authorize(card, { merchant: CASINO });
    expectAnswer(second, '57', 'v2');
    expect((await row(second.authorizationId)).policy?.decline).toMatchObject({ versionId: v2, rule: 'v2-casino' });

    const rollback = await biz.partner.call('POST', `/snap/v1.0/policies/${p.id}/versions/${v1}/activate`);
    expectSnap(rollback, '2009500');
    expect(rollback.body.policy.activeVersionId).toBe(v1);
    await fresh();
    const third = await authorize(card, { merchant: SHADY });
    expectAnswer(third, '59', 'v1');
    expect((await row(third.authorizationId)).policy?.decline).toMatchObject({ versionId: v1, rule: 'v1-shady' });
    expectAnswer(await authorize(card, { merchant: CASINO }), '00');
  });
});

describe('backtests of recorded authorizations', () => {
  it('replays the facts and outcomes real authorizations recorded, each row once', async () => {
    const biz = await business(h, 1_000_000n);
    const card = await issueCard(biz);
    const p = await createPolicy(biz, { type: 'business' }, [declineRule('v1-shady', merchantIs(SHADY.id), { responseCode: '59', reason: 'v1' })]);
    expectAnswer(await authorize(card), '00');
    expectAnswer(await authorize(card, { amount: 20_000 }), '00');
    expectAnswer(await authorize(card, { merchant: SHADY }), '59', 'v1');
    const v2 = await newVersion(biz, p.id, [declineRule('v2-coffee', merchantIs(COFFEE.id), { responseCode: '57', reason: 'v2' })]);

    // Real rows carry created_at to the microsecond: the page cursor must not re-read the last row.
    const [bt] = await q<{ id: string }>(
      `INSERT INTO policy_backtests (business_id, policy_id, version_id, from_time, to_time, requested_by_type)
       VALUES ($1, $2, $3, now() - interval '1 hour', now() + interval '1 hour', 'partner') RETURNING id`,
      [biz.businessId, p.id, v2],
    );
    const progress: Array<[number, number]> = [];
    const done = await runBacktest(h.kartu, bt!.id, (processed, total) => {
      progress.push([processed, total]);
      if (processed > total) throw new Error(`backtest re-read rows: ${JSON.stringify(progress)}`);
    });
    expect(progress).toEqual([[3, 3]]);
    expect(done?.status).toBe('completed');
    expect(done?.report?.totals).toMatchObject({
      authorizations: 3,
      replayed: 3,
      skipped: 0,
      recordedApproved: 2,
      recordedDeclined: 1,
      wouldDecline: 2,
      approveToDecline: 2,
      declineToApprove: 1,
    });
  });
});
