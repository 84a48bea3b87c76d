import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import { PLATFORM_POLICY_ID, ensurePlatformDefaults } from '../../src/modules/policies/policies.service';
import { POLICY_LIMITS } from '../../src/modules/policies/rule-validation';
import { startHarness, type Harness } from '../support/harness';
import { business, expectSnap, issueCard, type Biz } from '../support/partner-fixtures';

/**
 * Spend policies over HTTP (SNAP 95 and the admin API): creation, every validation error (4009501
 * naming the rule and path, nothing written), versions and rollback, shadow versions, tenant
 * scoping, roles, the audit log, and the test endpoint with its trace.
 */

let h: Harness;
let a: Biz;
let b: Biz;

beforeAll(async () => {
  h = await startHarness();
  await ensurePlatformDefaults(h.kartu);
  a = await business(h, 0n);
  b = await business(h, 0n);
});
afterAll(() => h.close());

const amountAtLeast = (value: number) => ({ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value });
const rule = (name: string, o: Record<string, unknown> = {}) => ({
  name,
  conditions: { all: [amountAtLeast(1_000_000)] },
  event: { type: 'decline', params: { reason: `${name} fired` } },
  ...o,
});

const post = (biz: Biz, path: string, body: unknown) => biz.partner.call('POST', `/snap/v1.0${path}`, JSON.stringify(body));
const get = (biz: Biz, path: string) => biz.partner.call('GET', `/snap/v1.0${path}`);
const createPolicy = (biz: Biz, body: Record<string, unknown>) => post(biz, '/policies', { name: 'Test policy', scope: { type: 'business' }, rules: [rule('big')], ...body });

async function policyCount(): Promise<number> {
  const [{ n }] = await h.kartu.db.query('SELECT count(*)::int AS n FROM policies');
  return n;
}

describe('creating a policy', () => {
  it('stores the policy and its first version, enforced, and audits it', async () => {
    const res = await createPolicy(a, { name: 'Big spend', rules: [rule('big')], note: 'first cut' });
    expectSnap(res, '2009500');
    const p = res.body.policy;
    expect(p).toMatchObject({ name: 'Big spend', scope: { type: 'business', id: null }, status: 'ACTIVE', versionCount: 1, shadowVersionId: null });
    expect(p.activeVersion).toMatchObject({ id: p.activeVersionId, number: 1, mode: 'enforce', note: 'first cut', active: true, shadow: false, author: { type: 'partner' } });
    expect(p.activeVersion.rules).toEqual([rule('big')]);
    const audit = await h.kartu.db.query("SELECT action, business_id FROM audit_log WHERE target_type = 'policy' AND target_id = $1", [p.id]);
    expect(audit).toEqual([{ action: 'policy.created', business_id: a.businessId }]);
  });

  it('created in shadow mode has a shadow version and nothing enforced', async () => {
    const res = await createPolicy(a, { mode: 'shadow' });
    expectSnap(res, '2009500');
    expect(res.body.policy.activeVersionId).toBeNull();
    expect(res.body.policy.shadowVersion).toMatchObject({ number: 1, mode: 'shadow', shadow: true, active: false });
  });

  it('for a cardholder or a card of the business; another business’s ids are 4049511 and nothing is written', async () => {
    const card = await issueCard(a);
    expectSnap(await createPolicy(a, { scope: { type: 'cardholder', id: a.holderId } }), '2009500');
    const onCard = await createPolicy(a, { scope: { type: 'card', id: card.id } });
    expectSnap(onCard, '2009500');
    expect(onCard.body.policy.scope).toEqual({ type: 'card', id: card.id });
    const before = await policyCount();
    expectSnap(await createPolicy(b, { scope: { type: 'card', id: card.id } }), '4049511');
    expectSnap(await createPolicy(b, { scope: { type: 'cardholder', id: a.holderId } }), '4049511');
    expectSnap(await createPolicy(a, { scope: { type: 'cardholder' } }), '4009502');
    expectSnap(await createPolicy(a, { scope: { type: 'business', id: a.holderId } }), '4009501');
    expectSnap(await createPolicy(a, { scope: { type: 'platform' } }), '4009501');
    expect(await policyCount()).toBe(before);
  });

  it('refuses unknown fields and missing ones', async () => {
    const unknown = await createPolicy(a, { colour: 'red' });
    expectSnap(unknown, '4009501');
    expect(unknown.body.responseMessage).toContain('colour');
    const missing = await post(a, '/policies', { name: 'x', scope: { type: 'business' } });
    expectSnap(missing, '4009502');
    expect(missing.body.responseMessage).toContain('rules');
  });
});

describe('rule validation: 4009501 naming the rule and the path, nothing written', () => {
  const leaf = (o: Record<string, unknown>) => ({ fact: 'transaction', path: '$.amount', operator: 'greaterThan', value: 1, ...o });
  const withCondition = (c: unknown) => [rule('ok'), rule('bad-one', { conditions: { all: [amountAtLeast(1), c] } })];
  const nest = (depth: number): unknown => (depth === 0 ? leaf({}) : { any: [nest(depth - 1)] });
  const cases: Array<[string, unknown, string, string]> = [
    ['an unknown fact', withCondition(leaf({ fact: 'weather' })), 'rules.1.conditions.all.1.fact', 'unknown fact "weather"'],
    ['an unknown property', withCondition(leaf({ path: '$.tip' })), 'rules.1.conditions.all.1.path', 'unknown fact "transaction.tip"'],
    ['a JSONPath filter', withCondition(leaf({ path: '$.items[?(@.price > 10)]' })), 'rules.1.conditions.all.1.path', 'not a plain property path'],
    ['a recursive descent', withCondition(leaf({ path: '$..amount' })), 'rules.1.conditions.all.1.path', 'not a plain property path'],
    ['a script expression', withCondition(leaf({ path: '$.amount.constructor' })), 'rules.1.conditions.all.1.path', 'unknown fact'],
    ['an unknown operator', withCondition(leaf({ operator: 'regex' })), 'rules.1.conditions.all.1.operator', 'unknown operator "regex"'],
    ['an operator decorator', withCondition(leaf({ operator: 'not:equal' })), 'rules.1.conditions.all.1.operator', 'unknown operator'],
    ['an operator on the wrong fact type', withCondition(leaf({ path: '$.currency', operator: 'greaterThan', value: 1 })), 'rules.1.conditions.all.1.operator', 'greaterThan does not apply to transaction.currency'],
    ['inMccGroup on something other than the MCC', withCondition(leaf({ fact: 'merchant', path: '$.name', operator: 'inMccGroup', value: ['travel'] })), 'rules.1.conditions.all.1.operator', 'inMccGroup does not apply'],
    ['a string for a number', withCondition(leaf({ value: '100' })), 'rules.1.conditions.all.1.value', 'must be a number'],
    ['a number for a string', withCondition(leaf({ path: '$.currency', operator: 'equal', value: 360 })), 'rules.1.conditions.all.1.value', 'must be a string'],
    ['a scalar for in', withCondition(leaf({ path: '$.currency', operator: 'in', value: 'IDR' })), 'rules.1.conditions.all.1.value', 'must be an array'],
    ['a mixed list', withCondition(leaf({ path: '$.currency', operator: 'in', value: ['IDR', 5] })), 'rules.1.conditions.all.1.value.1', 'must be a string'],
    ['a fact reference as value', withCondition(leaf({ value: { fact: 'transaction', path: '$.billingAmount' } })), 'rules.1.conditions.all.1.value', 'must be a number'],
    ['an unknown MCC group', withCondition({ fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['travel', 'spaceflight'] }), 'rules.1.conditions.all.1.value.1', 'neither a 4-digit MCC nor a group'],
    ['a bad country', withCondition({ fact: 'merchant', path: '$.country', operator: 'inCountries', value: ['ID', 'XX'] }), 'rules.1.conditions.all.1.value.1', 'not an ISO 3166-1 alpha-2 code'],
    ['a missing value', withCondition({ fact: 'transaction', path: '$.amount', operator: 'greaterThan' }), 'rules.1.conditions.all.1.value', 'missing'],
    ['an unknown condition field', withCondition(leaf({ params: { x: 1 } })), 'rules.1.conditions.all.1.params', 'unknown field'],
    ['a shared condition reference', withCondition({ condition: 'sharedOne' }), 'rules.1.conditions.all.1.condition', 'not supported'],
    ['"not" with an array', withCondition({ not: [leaf({})] }), 'rules.1.conditions.all.1.not', 'one condition'],
    ['an empty any', withCondition({ any: [] }), 'rules.1.conditions.all.1.any', 'at least one condition'],
    ['two boolean operators in one node', withCondition({ all: [leaf({})], any: [leaf({})] }), 'rules.1.conditions.all.1', 'one of all, any, not'],
    ['over-deep nesting', [rule('deep', { conditions: { all: [nest(5)] } })], 'rules.0.conditions.all.0.any.0.any.0.any.0.any.0', 'nested deeper than 5'],
    ['a root that is a single condition', [rule('flat', { conditions: leaf({}) })], 'rules.0.conditions', 'root of conditions'],
    ['too many conditions in a rule', [rule('wide', { conditions: { any: Array.from({ length: POLICY_LIMITS.conditionsPerRule + 1 }, () => leaf({})) } })], 'rules.0.conditions.any.50', 'more than 50 conditions'],
    ['an unknown rule field', [rule('extra', { onSuccess: 'x' })], 'rules.0.onSuccess', 'unknown field'],
    ['a rule without a name', [{ conditions: { all: [leaf({})] }, event: { type: 'review', params: { reason: 'x' } } }], 'rules.0.name', 'every rule has a name'],
    ['duplicate rule names', [rule('twice'), rule('twice')], 'rules.1.name', 'duplicate rule name "twice"'],
    ['a priority of 0', [rule('p0', { priority: 0 })], 'rules.0.priority', 'an integer from 1 to 100'],
    ['an unknown event type', [rule('e', { event: { type: 'block', params: { reason: 'x' } } })], 'rules.0.event.type', 'one of decline, review, approve'],
    ['an event without a reason', [rule('e', { event: { type: 'decline', params: {} } })], 'rules.0.event.params.reason', 'a string'],
    ['a responseCode on a review', [rule('e', { event: { type: 'review', params: { reason: 'x', responseCode: '59' } } })], 'rules.0.event.params.responseCode', 'only a decline'],
    ['an approving responseCode', [rule('e', { event: { type: 'decline', params: { reason: 'x', responseCode: '00' } } })], 'rules.0.event.params.responseCode', 'one of 05, 57, 59'],
    ['too many rules', Array.from({ length: POLICY_LIMITS.rulesPerVersion + 1 }, (_, i) => rule(`r${i}`)), 'rules', 'at most 100 rules'],
    ['no rules', [], 'rules', 'at least one rule'],
    ['a rule that is not an object', [rule('ok'), 'decline everything'], 'rules.1', 'must be an object'],
  ];

  it.each(cases)('%s', async (_label, rules, path, detail) => {
    const before = await policyCount();
    const res = await createPolicy(a, { rules });
    expectSnap(res, '4009501');
    expect(res.body.responseMessage).toContain(`Invalid Field Format ${path} (`);
    expect(res.body.responseMessage).toContain(detail);
    if (Array.isArray(rules) && (rules[1] as { name?: string } | undefined)?.name === 'bad-one') expect(res.body.responseMessage).toContain('rule "bad-one"');
    expect(await policyCount()).toBe(before);
  });

  it('a new version and the test endpoint validate the same way', async () => {
    const p = (await createPolicy(a, {})).body.policy;
    const v = await post(a, `/policies/${p.id}/versions`, { rules: withCondition(leaf({ operator: 'matches' })) });
    expectSnap(v, '4009501');
    expect(v.body.responseMessage).toContain('rules.1.conditions.all.1.operator');
    const again = (await get(a, `/policies/${p.id}`)).body.policy;
    expect(again.versionCount).toBe(1);
    const t = await post(a, '/policies/test', { rules: withCondition(leaf({ fact: 'weather' })), facts: { transaction: { amount: 1 }, merchant: { mcc: '5814', country: 'ID' } } });
    expectSnap(t, '4009501');
    expect(t.body.responseMessage).toContain('rules.1.conditions.all.1.fact');
  });
});

describe('versions', () => {
  it('a new version never edits the old one; activating the old one is the rollback; all audited', async () => {
    const p = (await createPolicy(a, { name: 'Versioned', rules: [rule('v1-rule')] })).body.policy;
    const v1 = p.activeVersion;
    const v2res = await post(a, `/policies/${p.id}/versions`, { rules: [rule('v2-rule', { priority: 5 })], note: 'stricter' });
    expectSnap(v2res, '2009500');
    const v2 = v2res.body.version;
    expect(v2).toMatchObject({ number: 2, mode: 'enforce', note: 'stricter', active: true, policyId: p.id });

    const old = await get(a, `/policies/${p.id}/versions/${v1.id}`);
    expectSnap(old, '2009500');
    expect(old.body.version).toMatchObject({ id: v1.id, number: 1, rules: [rule('v1-rule')], active: false, createdAt: v1.createdAt });

    const current = (await get(a, `/policies/${p.id}`)).body.policy;
    expect(current.activeVersionId).toBe(v2.id);
    expect(current.versionCount).toBe(2);

    const rollback = await post(a, `/policies/${p.id}/versions/${v1.id}/activate`, undefined);
    expectSnap(rollback, '2009500');
    expect(rollback.body.policy.activeVersionId).toBe(v1.id);
    expect(rollback.body.policy.activeVersion.rules).toEqual([rule('v1-rule')]);
    expect(rollback.body.policy.versionCount).toBe(2);

    const list = await get(a, `/policies/${p.id}/versions?pageSize=10`);
    expectSnap(list, '2009500');
    expect(list.body.versions.map((v: { number: number; active: boolean }) => [v.number, v.active])).toEqual([
      [2, false],
      [1, true],
    ]);
    expect(list.body.totalCount).toBe(2);

    const audit = await h.kartu.db.query("SELECT action, details FROM audit_log WHERE target_type = 'policy' AND target_id = $1 ORDER BY id", [p.id]);
    expect(audit.map((r: { action: string }) => r.action)).toEqual(['policy.created', 'policy.version.created', 'policy.version.activated']);
    expect(audit[2].details).toMatchObject({ versionId: v1.id, previousVersionId: v2.id });
  });

  it('versions are immutable in the database too', async () => {
    const p = (await createPolicy(a, {})).body.policy;
    await expect(h.kartu.db.query('UPDATE policy_versions SET rules = $2 WHERE id = $1', [p.activeVersionId, '[]'])).rejects.toThrow(/immutable/);
    await expect(h.kartu.db.query('DELETE FROM policy_versions WHERE id = $1', [p.activeVersionId])).rejects.toThrow(/immutable/);
  });

  it('a shadow version sits beside the enforced one until stopped; enforcing it is a new version', async () => {
    const p = (await createPolicy(a, {})).body.policy;
    const s = await post(a, `/policies/${p.id}/versions`, { mode: 'shadow', rules: [rule('candidate')] });
    expectSnap(s, '2009500');
    const withShadow = (await get(a, `/policies/${p.id}`)).body.policy;
    expect(withShadow.activeVersionId).toBe(p.activeVersionId);
    expect(withShadow.shadowVersionId).toBe(s.body.version.id);
    const stopped = await a.partner.call('PATCH', `/snap/v1.0/policies/${p.id}`, JSON.stringify({ shadowVersionId: null }));
    expectSnap(stopped, '2009500');
    expect(stopped.body.policy.shadowVersionId).toBeNull();
    expect(stopped.body.policy.activeVersionId).toBe(p.activeVersionId);
    const reactivated = await post(a, `/policies/${p.id}/versions/${s.body.version.id}/activate`, undefined);
    expect(reactivated.body.policy.shadowVersionId).toBe(s.body.version.id);
    expect(reactivated.body.policy.activeVersionId).toBe(p.activeVersionId);
  });

  it('rename and disable; nothing to update is 4009502; unknown version is 4049501', async () => {
    const p = (await createPolicy(a, {})).body.policy;
    const res = await a.partner.call('PATCH', `/snap/v1.0/policies/${p.id}`, JSON.stringify({ name: 'Renamed', status: 'DISABLED' }));
    expectSnap(res, '2009500');
    expect(res.body.policy).toMatchObject({ name: 'Renamed', status: 'DISABLED' });
    expectSnap(await a.partner.call('PATCH', `/snap/v1.0/policies/${p.id}`, '{}'), '4009502');
    expectSnap(await post(a, `/policies/${p.id}/versions/00000000-0000-4000-8000-0000000000ff/activate`, undefined), '4049501');
  });
});

describe('tenants and the platform policy', () => {
  it("another business's policy is not found, for reading and writing", async () => {
    const p = (await createPolicy(a, {})).body.policy;
    expectSnap(await get(b, `/policies/${p.id}`), '4049501');
    expectSnap(await post(b, `/policies/${p.id}/versions`, { rules: [rule('x')] }), '4049501');
    expectSnap(await post(b, `/policies/${p.id}/versions/${p.activeVersionId}/activate`, undefined), '4049501');
    expectSnap(await get(b, `/policies/${p.id}/versions/${p.activeVersionId}`), '4049501');
    expectSnap(await get(b, '/policies/not-a-uuid'), '4049501');
    const list = await get(b, '/policies?pageSize=100');
    expect(list.body.policies.map((x: { id: string }) => x.id)).not.toContain(p.id);
  });

  it('the platform baseline is loaded from rules/platform-policy.json, readable by all, writable by none', async () => {
    const res = await get(a, `/policies/${PLATFORM_POLICY_ID}`);
    expectSnap(res, '2009500');
    expect(res.body.policy).toMatchObject({ scope: { type: 'platform', id: null }, status: 'ACTIVE' });
    expect(res.body.policy.activeVersion.author).toEqual({ type: 'system', id: 'rules/platform-policy.json' });
    const list = await get(b, '/policies?scopeType=platform');
    expect(list.body.policies.map((x: { id: string }) => x.id)).toEqual([PLATFORM_POLICY_ID]);
    const write = await post(a, `/policies/${PLATFORM_POLICY_ID}/versions`, { rules: [rule('x')] });
    expectSnap(write, '4039501');
    // Loading again with the same file adds no version; both rule files are recorded once.
    await ensurePlatformDefaults(h.kartu);
    expect((await get(a, `/policies/${PLATFORM_POLICY_ID}`)).body.policy.versionCount).toBe(res.body.policy.versionCount);
    const files = await h.kartu.db.query('SELECT name FROM policy_rule_files ORDER BY name');
    expect(files.map((f: { name: string }) => f.name)).toEqual(['mcc-groups.json', 'platform-policy.json']);
  });
});

describe('admin API', () => {
  let ip = 0;
  async function session(biz: Biz, role: AdminRole): Promise<string> {
    const created = await createAdmin(h.kartu, { businessId: biz.businessId, email: `${role}.${Date.now().toString(36)}.${ip}@example.com`, role });
    const res = await h.http().post('/admin/v1/login').set('X-Forwarded-For', `198.51.100.${++ip}`).send({ email: created.email, password: created.password });
    expect(res.status).toBe(200);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('kartu_session='))!;
    return cookie.split(';')[0]!;
  }

  it('finance admins write, viewers read, the same handlers and audit', async () => {
    const finance = await session(a, 'finance_admin');
    const viewer = await session(a, 'viewer');
    const body = { name: 'Admin policy', scope: { type: 'business' }, rules: [rule('admin-rule')] };
    const created = await h.http().post('/admin/v1/policies').set('Cookie', finance).send(body);
    expect(created.body.responseCode).toBe('2009500');
    const id = created.body.policy.id;
    expect(created.body.policy.activeVersion.author.type).toBe('admin');
    const refused = await h.http().post('/admin/v1/policies').set('Cookie', viewer).send(body);
    expect(refused.body.responseCode).toBe('4039501');
    const read = await h.http().get(`/admin/v1/policies/${id}`).set('Cookie', viewer);
    expect(read.body.responseCode).toBe('2009500');
    const bad = await h.http().post(`/admin/v1/policies/${id}/versions`).set('Cookie', finance).send({ rules: [rule('x', { priority: 1000 })] });
    expect(bad.body.responseCode).toBe('4009501');
    expect(bad.body.responseMessage).toContain('rules.0.priority');
    // Partner of the same business sees the admin's policy.
    expectSnap(await get(a, `/policies/${id}`), '2009500');
    const [audit] = await h.kartu.db.query("SELECT actor_type FROM audit_log WHERE target_type = 'policy' AND target_id = $1", [id]);
    expect(audit.actor_type).toBe('admin');
  });
});

describe('OpenAPI', () => {
  it('documents every policy endpoint', async () => {
    const res = await h.http().get('/openapi.json');
    expect(res.status).toBe(200);
    const paths = Object.keys(res.body.paths);
    for (const p of ['/snap/v1.0/policies', '/snap/v1.0/policies/test', '/snap/v1.0/policies/{id}/backtest', '/snap/v1.0/policies/{id}/backtests/{backtestId}', '/admin/v1/policies/{id}/versions/{versionId}/activate']) {
      expect(paths).toContain(p);
    }
  });
});

describe('POST /policies/test', () => {
  const facts = { transaction: { amount: 2_000_000, currency: 'IDR', hour: 3, cardPresent: false }, merchant: { mcc: '5814', country: 'SG' } };

  it('returns the decision and a trace: matched rules, failed conditions, the fact values compared', async () => {
    const rules = [
      rule('abroad', { priority: 2, conditions: { all: [{ fact: 'merchant', path: '$.country', operator: 'notEqual', value: 'ID' }] }, event: { type: 'review', params: { reason: 'abroad' } } }),
      rule('eating', { conditions: { all: [{ fact: 'merchant', path: 'mcc', operator: 'inMccGroup', value: ['restaurants'] }, amountAtLeast(5_000_000)] } }),
      rule('night', { conditions: { any: [{ fact: 'transaction', path: '$.hour', operator: 'lessThan', value: 5 }] } }),
    ];
    const res = await post(a, '/policies/test', { rules, facts });
    expectSnap(res, '2009500');
    expect(res.body).toMatchObject({ decision: { type: 'decline', responseCode: '59', reason: 'night fired', rule: 'night' }, mode: 'enforce', compiledAgrees: true, version: null });
    expect(res.body.events.map((e: { rule: string }) => e.rule)).toEqual(['abroad', 'night']);
    const eating = res.body.trace.find((t: { rule: string }) => t.rule === 'eating');
    expect(eating.matched).toBe(false);
    expect(eating.conditions.all).toEqual([
      { fact: 'merchant', path: 'mcc', operator: 'inMccGroup', value: ['restaurants'], factValue: '5814', result: true },
      { fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 5_000_000, factValue: 2_000_000, result: false },
    ]);
    expect(res.body.facts.merchant.mccGroups).toEqual(['restaurants', 'fast_food']);
    expect(res.body.facts.velocity.declinedCount1h).toBe(0);
  });

  it('a merchant-only decline defaults to 57, anything else to 59; a given code wins', async () => {
    const merchantOnly = rule('no-food', { conditions: { all: [{ fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['restaurants'] }] } });
    expect((await post(a, '/policies/test', { rules: [merchantOnly], facts })).body.decision.responseCode).toBe('57');
    const withCode = rule('coded', { event: { type: 'decline', params: { reason: 'x', responseCode: '05' } } });
    expect((await post(a, '/policies/test', { rules: [withCode], facts })).body.decision.responseCode).toBe('05');
    const none = await post(a, '/policies/test', { rules: [rule('never', { conditions: { all: [amountAtLeast(1e12)] } })], facts });
    expect(none.body.decision).toEqual({ type: 'none', responseCode: null, reason: null, rule: null });
  });

  it('evaluates a stored version (default: the enforced one) of a readable policy only', async () => {
    const p = (await createPolicy(a, { rules: [rule('stored-rule')] })).body.policy;
    const res = await post(a, '/policies/test', { policyId: p.id, facts });
    expectSnap(res, '2009500');
    expect(res.body).toMatchObject({ decision: { type: 'decline', rule: 'stored-rule' }, version: { id: p.activeVersionId, number: 1 } });
    expectSnap(await post(b, '/policies/test', { policyId: p.id, facts }), '4049501');
    expectSnap(await post(a, '/policies/test', { policyId: p.id, rules: [rule('x')], facts }), '4009501');
    expectSnap(await post(a, '/policies/test', { facts }), '4009502');
    const platform = await post(b, '/policies/test', { policyId: PLATFORM_POLICY_ID, facts: { ...facts, transaction: { amount: 6_000_000_000, hour: 2 } } });
    expect(platform.body.decision).toMatchObject({ type: 'decline', rule: 'card-not-present-high-amount-at-night', responseCode: '59' });
  });
});
