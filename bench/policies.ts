/**
 * Cost of policy evaluation per authorization: the compiled closures of the hot path
 * (PolicyRuntime.evaluate, platform + business + cardholder + card policies in scope) against
 * json-rules-engine (the reference evaluator, one Engine per run) on the same rules and facts.
 * No database: `npm run build && node dist/bench/policies.js`. BENCH_ITERATIONS tunes it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createLogger } from '../src/platform/logger';
import { findMccGroupsFile } from '../src/modules/controls/mcc-groups';
import { buildPolicyFacts, PolicyRuntime, type PolicyFacts, type PolicyScope } from '../src/modules/policies/policy-runtime';
import { prepareReferenceRules, referenceEvaluate } from '../src/modules/policies/reference-engine';
import type { RuleJson } from '../src/modules/policies/rule-validation';
import { validateRules } from '../src/modules/policies/rule-validation';

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 200_000);
const REFERENCE_ITERATIONS = Math.max(1000, Math.floor(ITERATIONS / 50));

const platform = JSON.parse(fs.readFileSync(path.join(path.dirname(findMccGroupsFile()), 'platform-policy.json'), 'utf8')).rules as RuleJson[];

/** A varied rule: amounts, categories, countries, hours, tags, velocity; about one in six matches the sample. */
function rule(i: number): RuleJson {
  const shapes: Array<RuleJson['conditions']> = [
    { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 100_000_000 + i * 100_000 }, { fact: 'transaction', path: '$.cardPresent', operator: 'equal', value: false }] },
    { all: [{ fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['gambling', 'adult'] }] },
    { any: [{ fact: 'merchant', path: '$.country', operator: 'inCountries', value: ['KP', 'IR', 'SY'] }, { fact: 'merchant', path: '$.mcc', operator: 'in', value: ['7995', '5933'] }] },
    { all: [{ fact: 'transaction', path: '$.hour', operator: 'lessThan', value: 6 }, { not: { fact: 'cardholder', path: '$.tags', operator: 'contains', value: 'night-shift' } }] },
    { all: [{ fact: 'velocity', path: '$.approvedCount1h', operator: 'greaterThan', value: 20 }, { fact: 'transaction', path: '$.amount', operator: 'greaterThan', value: 10_000 }] },
    { all: [{ fact: 'merchant', path: '$.mcc', operator: 'notInMccGroup', value: ['travel', 'restaurants'] }, { fact: 'card', path: '$.type', operator: 'equal', value: 'SINGLE_USE' }] },
  ];
  const types = ['decline', 'review', 'review', 'approve'] as const;
  return { name: `rule-${i}`, priority: (i % 3) + 1, conditions: shapes[i % shapes.length]!, event: { type: types[i % types.length]!, params: { reason: `rule ${i}` } } };
}

function runtimeWith(total: number): { runtime: PolicyRuntime; all: RuleJson[] } {
  const own = total - platform.length;
  const rules = Array.from({ length: own }, (_, i) => rule(i));
  // Split across business, cardholder and card policies (two per scope).
  const chunks: RuleJson[][] = [[], [], [], [], [], []];
  rules.forEach((r, i) => chunks[i % chunks.length]!.push(r));
  const scopes = [
    { type: 'business' as const },
    { type: 'business' as const },
    { type: 'cardholder' as const, id: 'holder-1' },
    { type: 'cardholder' as const, id: 'holder-1' },
    { type: 'card' as const, id: 'card-1' },
    { type: 'card' as const, id: 'card-1' },
  ];
  const policies = [
    { id: 'platform', businessId: null, scope: { type: 'platform' as const }, enforce: platform },
    ...chunks.filter((c) => c.length).map((c, i) => ({ id: `p${i}`, businessId: 'biz-1', scope: scopes[i]!, enforce: c })),
  ];
  for (const p of policies) validateRules(p.enforce);
  return { runtime: PolicyRuntime.fromPolicies({ logger: createLogger('silent') }, policies), all: [...platform, ...rules] };
}

const scope: PolicyScope = { businessId: 'biz-1', cardholderId: 'holder-1', cardId: 'card-1' };
const now = new Date('2026-03-02T10:00:00+07:00');
const facts: PolicyFacts = buildPolicyFacts({
  amount: 250_000_000n,
  currency: 'IDR',
  pos: { entryMode: 'ecommerce', cardPresent: false },
  merchant: { id: 'M-1', name: 'Kopi', mcc: '5814', city: 'Jakarta', country: 'ID' },
  card: { type: 'VIRTUAL', status: 'ACTIVE', createdAt: new Date('2025-01-01T00:00:00Z') },
  cardholder: { createdAt: new Date('2024-01-01T00:00:00Z'), metadata: { tags: 'ops' } },
  timeZone: 'Asia/Jakarta',
  now,
  velocity: {
    approvedCount15m: 1, approvedAmount15m: 50_000, approvedCount1h: 2, approvedAmount1h: 90_000, approvedCount24h: 5, approvedAmount24h: 400_000,
    declinedCount1h: 0, distinctCountries24h: 1, isNewMerchant: false, isNewCountry: false, amountZScore: 1.2, secondsSinceLastTransaction: 3600,
  },
});

function timeSync(iterations: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(20_000, iterations); i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

async function timeAsync(iterations: number, fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < Math.min(500, iterations); i++) await fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  return Number(process.hrtime.bigint() - start) / 1000 / iterations;
}

async function main(): Promise<void> {
  const rows: Array<Record<string, string | number>> = [];
  for (const total of [10, 50]) {
    const { runtime, all } = runtimeWith(total);
    const outcome = runtime.evaluate(scope, facts);
    const compiled = timeSync(ITERATIONS, () => runtime.evaluate(scope, facts));
    const { velocity: _, ...withoutVelocity } = facts;
    const precheck = timeSync(ITERATIONS, () => runtime.velocityNeeded(scope, withoutVelocity));
    const prepared = prepareReferenceRules(all);
    const reference = await timeAsync(REFERENCE_ITERATIONS, () => referenceEvaluate(prepared, facts as unknown as Record<string, unknown>));
    rows.push({
      'rules in scope': total,
      'compiled µs/auth': compiled.toFixed(2),
      'velocityNeeded µs': precheck.toFixed(2),
      'json-rules-engine µs/auth': reference.toFixed(1),
      speedup: `${Math.round(reference / compiled)}×`,
      'declined/reviews': `${outcome.decline ? 'yes' : 'no'}/${outcome.reviews.length}`,
    });
  }
  console.table(rows);
  console.log(`node ${process.version}, ${ITERATIONS} compiled iterations, ${REFERENCE_ITERATIONS} reference iterations`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
