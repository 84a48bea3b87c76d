import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { policiesOf } from '../../src/modules/authorizations/authorize';
import { POLICY_HIT } from '../../src/modules/policies/admin-policies.service';
import { PLATFORM_POLICY_ID } from '../../src/modules/policies/policies.service';
import type { PolicyRuntime } from '../../src/modules/policies/policy-runtime';
import { adminSession } from '../support/admin-session';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { authorizationBody, business, issueCard, type Biz, type IssuedCard } from '../support/partner-fixtures';
import { GROCER, KOPI, type Merchant } from '../support/spend-fixtures';

/**
 * The dashboard's own policy routes (admin-policies.routes.ts) against the real database: the 24 h
 * activity of each policy, a shadow version's results on live traffic, promotion of the shadow
 * version, the list of backtests — tenant-scoped, role-checked, validated, audited.
 */

let h: Harness;
let net: TestNetwork;
let runtime: PolicyRuntime;
let a: Biz;
let b: Biz;
let ownerA: string;
let financeA: string;
let viewerA: string;
let ownerB: string;
let card: IssuedCard;
let cardB: IssuedCard;
let policyId: string;
let enforceV1: string;
let shadowV2: string;
const auth: Record<string, { authorizationId: string; decision: string; responseCode: string }> = {};

const CASINO: Merchant = { id: 'M-CASINO-1', name: 'Lucky Casino', mcc: '7995', city: 'Jakarta', country: 'ID' };

const noGambling = {
  name: 'no-gambling',
  conditions: { all: [{ fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['gambling'] }] },
  event: { type: 'decline', params: { reason: 'no gambling', responseCode: '57' } },
};
const bigSpend = {
  name: 'big-spend',
  conditions: { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 20_000_000 }] },
  event: { type: 'decline', params: { reason: 'too big', responseCode: '61' } },
};
const coffeeReview = {
  name: 'coffee-review',
  conditions: { all: [{ fact: 'merchant', path: '$.mcc', operator: 'equal', value: '5814' }] },
  event: { type: 'review', params: { reason: 'coffee' } },
};

const call = (cookie: string, method: 'get' | 'post' | 'patch', path: string, body?: object) => {
  const req = h.http()[method](`/admin/v1${path}`).set('Cookie', cookie);
  return body === undefined ? req : req.send(body);
};

async function authorize(c: IssuedCard, amount: number, merchant: Merchant) {
  const res = await net.send('/authorizations', authorizationBody(c, { amount, merchant }));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { authorizationId: string; decision: string; responseCode: string };
}

async function freshPolicies(): Promise<void> {
  const [{ generation }]: Array<{ generation: string }> = await h.kartu.db.query('SELECT generation::text FROM policy_generation');
  for (let i = 0; i < 20 && runtime.loadedGeneration < BigInt(generation); i++) await runtime.refresh();
  expect(runtime.loadedGeneration).toBeGreaterThanOrEqual(BigInt(generation));
}

async function audits(action: string, targetId: string): Promise<Array<{ actor_id: string; details: Record<string, unknown> }>> {
  return h.kartu.db.query('SELECT actor_id, details FROM audit_log WHERE action = $1 AND target_id = $2 ORDER BY created_at', [action, targetId]);
}

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
  runtime = await policiesOf(h.kartu);
  a = await business(h, 1_000_000_000n); // IDR 10,000,000.00
  b = await business(h, 1_000_000n);
  [ownerA, financeA, viewerA, ownerB] = await Promise.all([
    adminSession(h, a.businessId, 'owner'),
    adminSession(h, a.businessId, 'finance_admin'),
    adminSession(h, a.businessId, 'viewer'),
    adminSession(h, b.businessId, 'owner'),
  ]);
  card = await issueCard(a);
  cardB = await issueCard(b);

  const created = await call(financeA, 'post', '/policies', { name: 'Gambling and big spend', scope: { type: 'business' }, rules: [noGambling] });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  policyId = created.body.policy.id;
  enforceV1 = created.body.policy.activeVersionId;
  const shadow = await call(financeA, 'post', `/policies/${policyId}/versions`, { mode: 'shadow', rules: [noGambling, bigSpend, coffeeReview] });
  expect(shadow.status, JSON.stringify(shadow.body)).toBe(200);
  shadowV2 = shadow.body.version.id;
  await freshPolicies();

  auth.casino = await authorize(card, 100_000, CASINO); // enforced decline; the shadow declines too
  auth.big = await authorize(card, 30_000_000, GROCER); // approved; the shadow would decline
  auth.coffee = await authorize(card, 50_000, KOPI); // approved; the shadow would review
  auth.quiet = await authorize(card, 10_000, GROCER); // nothing
  await authorize(cardB, 30_000_000, GROCER); // another business: never counted for A
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('GET /admin/v1/policy-activity', () => {
  it('counts, per policy, the last 24 h of enforced declines and reviews and what the shadow version would have done', async () => {
    expect(auth.casino.decision).toBe('declined');
    expect(auth.casino.responseCode).toBe('57');
    expect(auth.big.decision).toBe('approved');
    const res = await call(viewerA, 'get', '/policy-activity');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.responseCode).toBe('2009500');
    const mine = res.body.activity.policies.find((p: { policyId: string }) => p.policyId === policyId);
    expect(mine).toEqual({ policyId, declines: 1, reviews: 0, shadowDeclines: 2, shadowReviews: 1 });
    expect(new Date(res.body.activity.to).getTime() - new Date(res.body.activity.from).getTime()).toBe(86_400_000);
  });

  it("shows another business nothing of this one's policies", async () => {
    const res = await call(ownerB, 'get', '/policy-activity');
    expect(res.status).toBe(200);
    expect(res.body.activity.policies.map((p: { policyId: string }) => p.policyId)).not.toContain(policyId);
  });

  it('refuses unknown query parameters', async () => {
    const res = await call(viewerA, 'get', '/policy-activity?scopeType=card');
    expect(res.status).toBe(400);
    expect(res.body.responseCode).toBe('4009501');
  });

  it('needs a session', async () => {
    const res = await h.http().get('/admin/v1/policy-activity');
    expect(res.status).toBe(401);
  });

  it('reads the partial index of policy hits, not the whole table', async () => {
    await h.kartu.db.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      const plan: Array<{ 'QUERY PLAN': string }> = await tx.query(
        `EXPLAIN SELECT a.id FROM authorizations a WHERE a.business_id = $1 AND a.created_at > now() - interval '1 day' AND ${POLICY_HIT}`,
        [a.businessId],
      );
      expect(plan.map((p) => p['QUERY PLAN']).join('\n')).toContain('authorizations_policy_hits');
    });
  });
});

describe('GET /admin/v1/policies/{id}/shadow-results', () => {
  it("counts what the shadow version would have declined or reviewed and shows the newest examples with the real decision", async () => {
    const res = await call(viewerA, 'get', `/policies/${policyId}/shadow-results`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const r = res.body.shadowResults;
    expect(r).toMatchObject({ policyId, versionId: shadowV2, versionNumber: 2, current: true, counts: { declines: 2, reviews: 1, declinedAnyway: 1 } });
    expect(r.examples.map((e: { authorizationId: string }) => e.authorizationId)).toEqual([auth.coffee.authorizationId, auth.big.authorizationId, auth.casino.authorizationId]);
    expect(r.examples[1]).toMatchObject({
      amount: '30000000',
      currency: 'IDR',
      cardId: card.id,
      merchant: { id: GROCER.id, name: GROCER.name, mcc: GROCER.mcc, country: 'ID' },
      enforced: { decision: 'approved', responseCode: '00' },
      shadow: [{ type: 'decline', rule: 'big-spend', reason: 'too big', responseCode: '61' }],
    });
    expect(r.examples[0].shadow).toEqual([{ type: 'review', rule: 'coffee-review', reason: 'coffee', responseCode: null }]);
  });

  it('answers for another version of the policy, and null when there is no shadow version', async () => {
    const enforce = await call(viewerA, 'get', `/policies/${policyId}/shadow-results?versionId=${enforceV1}`);
    expect(enforce.status).toBe(200);
    expect(enforce.body.shadowResults).toMatchObject({ versionId: enforceV1, current: false, counts: { declines: 0, reviews: 0 }, examples: [] });
    const plain = await call(financeA, 'post', '/policies', { name: 'No shadow', scope: { type: 'business' }, rules: [coffeeReview] });
    const none = await call(viewerA, 'get', `/policies/${plain.body.policy.id}/shadow-results`);
    expect(none.status).toBe(200);
    expect(none.body.shadowResults).toBeNull();
  });

  it("is 404 for another business's policy or version, 400 for a malformed or unknown parameter", async () => {
    expect((await call(ownerB, 'get', `/policies/${policyId}/shadow-results`)).body.responseCode).toBe('4049501');
    expect((await call(viewerA, 'get', `/policies/${policyId}/shadow-results?versionId=${randomUUID()}`)).body.responseCode).toBe('4049501');
    expect((await call(viewerA, 'get', `/policies/${randomUUID()}/shadow-results`)).body.responseCode).toBe('4049501');
    const malformed = await call(viewerA, 'get', `/policies/${policyId}/shadow-results?versionId=nope`);
    expect(malformed.status).toBe(400);
    expect(malformed.body).toMatchObject({ responseCode: '4009501', field: 'versionId' });
    const unknown = await call(viewerA, 'get', `/policies/${policyId}/shadow-results?limit=5`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.responseCode).toBe('4009501');
  });
});

describe('GET /admin/v1/policies/{id}/backtests', () => {
  it("lists the policy's backtests newest first, for every role, and not to another business", async () => {
    const range = { fromDateTime: '2026-01-01T00:00:00+07:00', toDateTime: '2026-01-02T00:00:00+07:00' };
    const first = await call(financeA, 'post', `/policies/${policyId}/backtest`, { versionId: enforceV1, ...range });
    const second = await call(financeA, 'post', `/policies/${policyId}/backtest`, { versionId: shadowV2, ...range });
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    const res = await call(viewerA, 'get', `/policies/${policyId}/backtests`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.backtests.map((x: { id: string }) => x.id).slice(0, 2)).toEqual([second.body.backtest.id, first.body.backtest.id]);
    expect(res.body.backtests[0]).toMatchObject({ policyId, versionId: shadowV2, progress: { processed: expect.any(Number) } });
    expect((await call(viewerA, 'get', `/policies/${policyId}/backtests?pageSize=1`)).body.backtests).toHaveLength(1);
    expect((await call(ownerB, 'get', `/policies/${policyId}/backtests`)).body.responseCode).toBe('4049501');
    const bad = await call(viewerA, 'get', `/policies/${policyId}/backtests?pageSize=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe('pageSize');
  });
});

describe('POST /admin/v1/policies/{id}/versions/{versionId}/promote', () => {
  it('refuses viewers, other businesses, bodies, the platform policy and versions that are not the current shadow one; nothing changes', async () => {
    const path = `/policies/${policyId}/versions/${shadowV2}/promote`;
    const viewer = await call(viewerA, 'post', path);
    expect(viewer.status).toBe(403);
    expect(viewer.body.responseCode).toBe('4039501');
    expect((await call(ownerB, 'post', path)).body.responseCode).toBe('4049501');
    const withBody = await call(financeA, 'post', path, { mode: 'enforce' });
    expect(withBody.status).toBe(400);
    expect(withBody.body.responseCode).toBe('4009501');
    const enforce = await call(financeA, 'post', `/policies/${policyId}/versions/${enforceV1}/promote`);
    expect(enforce.status).toBe(409);
    expect(enforce.body.responseCode).toBe('4099500');
    const platform = await call(ownerA, 'post', `/policies/${PLATFORM_POLICY_ID}/versions/${randomUUID()}/promote`);
    expect(platform.body.responseCode).toBe('4039501');
    expect((await call(financeA, 'post', `/policies/${policyId}/versions/not-a-uuid/promote`)).body.responseCode).toBe('4049501');
    const policy = (await call(viewerA, 'get', `/policies/${policyId}`)).body.policy;
    expect(policy).toMatchObject({ activeVersionId: enforceV1, shadowVersionId: shadowV2, versionCount: 2 });
    expect(await audits('policy.version.promoted', policyId)).toEqual([]);
  });

  it('enforces the shadow rules as a new version, stops the shadow, audits it, and the next authorization is declined by it', async () => {
    const res = await call(financeA, 'post', `/policies/${policyId}/versions/${shadowV2}/promote`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const policy = res.body.policy;
    expect(policy.shadowVersionId).toBeNull();
    expect(policy.activeVersion).toMatchObject({ number: 3, mode: 'enforce', note: 'Promoted from shadow version 2', active: true });
    expect(policy.activeVersion.rules).toEqual((await call(viewerA, 'get', `/policies/${policyId}/versions/${shadowV2}`)).body.version.rules);
    const [entry] = await audits('policy.version.promoted', policyId);
    expect(entry!.details).toMatchObject({ shadowVersionId: shadowV2, shadowNumber: 2, versionId: policy.activeVersionId, number: 3, replaced: enforceV1 });

    // Promoting again: it is no longer the shadow version.
    expect((await call(financeA, 'post', `/policies/${policyId}/versions/${shadowV2}/promote`)).status).toBe(409);

    await freshPolicies();
    const declined = await authorize(card, 30_000_000, GROCER);
    expect(declined).toMatchObject({ decision: 'declined', responseCode: '61' });
    const detail = await call(viewerA, 'get', `/authorizations/${declined.authorizationId}`);
    expect(detail.body.authorization.outcome).toMatchObject({ stage: 'policy', policy: { id: policyId, versionNumber: 3, rule: 'big-spend' } });
  });

  it('a rollback (activating the older enforce version) is audited', async () => {
    const res = await call(financeA, 'post', `/policies/${policyId}/versions/${enforceV1}/activate`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.policy.activeVersionId).toBe(enforceV1);
    const entries = await audits('policy.version.activated', policyId);
    expect(entries.at(-1)!.details).toMatchObject({ versionId: enforceV1, number: 1, mode: 'enforce' });
    expect((await call(viewerA, 'post', `/policies/${policyId}/versions/${shadowV2}/activate`)).status).toBe(403);
  });
});
