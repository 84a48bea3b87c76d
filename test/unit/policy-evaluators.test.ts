import fc from 'fast-check';
import { Engine, Rule, type RuleProperties } from 'json-rules-engine';
import { describe, expect, it } from 'vitest';
import { compileRules } from '../../src/modules/policies/compile';
import { FACT_CATALOG, velocityBit, VELOCITY_FACT_NAMES, type FactSpec } from '../../src/modules/policies/facts';
import { OPERATORS, pathResolver } from '../../src/modules/policies/operators';
import { prepareReferenceRules, referenceEvaluate } from '../../src/modules/policies/reference-engine';
import { validateRules, type ConditionJson, type RuleJson } from '../../src/modules/policies/rule-validation';

/**
 * The compiled closures (hot path) and json-rules-engine (reference) must reach the same events for
 * any valid rules and any facts — including facts with missing, null or wrongly typed values.
 */

const STRINGS: Record<string, string[]> = {
  'transaction.currency': ['IDR', 'USD'],
  'transaction.billingCurrency': ['IDR', 'USD'],
  'transaction.entryMode': ['chip', 'ecommerce', 'manual'],
  'merchant.id': ['M1', 'M2', 'M3'],
  'merchant.name': ['Kopi', 'Air', 'Casino'],
  'merchant.mcc': ['5814', '6051', '4511', '7995', '5411', '3001'],
  'merchant.city': ['Jakarta', 'Bali'],
  'merchant.country': ['ID', 'SG', 'US'],
  'card.type': ['VIRTUAL', 'PHYSICAL'],
  'card.status': ['ACTIVE', 'FROZEN'],
  'merchant.mccGroups': ['restaurants', 'fast_food', 'quasi_cash', 'airlines', 'travel'],
  'cardholder.tags': ['vip', 'travel', 'ops'],
};
const CATEGORIES = ['restaurants', 'quasi_cash', 'airlines', 'travel', 'gambling', '5411', '6051', '7995'];
const COUNTRIES = ['ID', 'SG', 'US', 'MY'];
const NUMBERS = [0, 1, 2, 5, 10, 23, 2.5, -1, 1_000_000];

const props: Array<{ fact: string; prop: string; spec: FactSpec }> = Object.entries(FACT_CATALOG).flatMap(([fact, ps]) =>
  Object.entries(ps as Record<string, FactSpec>).map(([prop, spec]) => ({ fact, prop, spec })),
);

const stringPool = (fact: string, prop: string) => STRINGS[`${fact}.${prop}`] ?? ['a', 'b'];

function scalarArb(fact: string, prop: string, spec: FactSpec): fc.Arbitrary<string | number | boolean> {
  if (spec.type === 'number') return fc.constantFrom(...NUMBERS);
  if (spec.type === 'boolean') return fc.boolean();
  return fc.constantFrom(...stringPool(fact, prop));
}

const leafArb: fc.Arbitrary<ConditionJson> = fc.constantFrom(...props).chain(({ fact, prop, spec }) => {
  const ops = Object.entries(OPERATORS)
    .filter(([, op]) =>
      op.factKind === 'scalar' ? spec.type !== 'string[]' :
      op.factKind === 'number' ? spec.type === 'number' :
      op.factKind === 'array' ? spec.type === 'string[]' :
      op.factKind === 'mcc' ? spec.mcc === true :
      spec.country === true,
    )
    .map(([name]) => name);
  return fc.tuple(fc.constantFrom(...ops), fc.boolean()).chain(([operator, dollar]) => {
    const op = OPERATORS[operator]!;
    const value: fc.Arbitrary<unknown> =
      op.valueKind === 'list' ? fc.array(scalarArb(fact, prop, spec), { minLength: 1, maxLength: 3 }) :
      op.valueKind === 'categories' ? fc.uniqueArray(fc.constantFrom(...CATEGORIES), { minLength: 1, maxLength: 3 }) :
      op.valueKind === 'countries' ? fc.uniqueArray(fc.constantFrom(...COUNTRIES), { minLength: 1, maxLength: 3 }) :
      op.valueKind === 'number' ? fc.constantFrom(...NUMBERS) :
      scalarArb(fact, prop, spec);
    return value.map((v) => ({ fact, path: dollar ? `$.${prop}` : prop, operator, value: v }) as ConditionJson);
  });
});

/** A condition at nesting depth d (the root is 1); validation allows 5 levels. */
const conditionAt = (d: number): fc.Arbitrary<ConditionJson> =>
  d >= 5
    ? leafArb
    : fc.oneof(
        { arbitrary: leafArb, weight: 3 },
        { arbitrary: fc.array(conditionAt(d + 1), { minLength: 1, maxLength: 3 }).map((all) => ({ all })), weight: 1 },
        { arbitrary: fc.array(conditionAt(d + 1), { minLength: 1, maxLength: 3 }).map((any) => ({ any })), weight: 1 },
        { arbitrary: conditionAt(d + 1).map((not) => ({ not })), weight: 1 },
      );

const rootArb = fc.oneof(
  fc.array(conditionAt(2), { minLength: 1, maxLength: 4 }).map((all) => ({ all })),
  fc.array(conditionAt(2), { minLength: 1, maxLength: 4 }).map((any) => ({ any })),
  conditionAt(2).map((not) => ({ not })),
);

const rulesArb: fc.Arbitrary<RuleJson[]> = fc
  .array(fc.tuple(rootArb, fc.constantFrom('decline', 'review', 'approve'), fc.integer({ min: 1, max: 4 })), { minLength: 1, maxLength: 6 })
  .map((list) =>
    list.map(([conditions, type, priority], i) => ({
      name: `r${i}`,
      priority,
      conditions,
      event: { type, params: { reason: `reason ${i}` } },
    })) as RuleJson[],
  );

/** Facts as built, plus the odd absent object, null, missing or wrongly typed value. */
function propValueArb(fact: string, prop: string, spec: FactSpec): fc.Arbitrary<unknown> {
  const good = spec.type === 'string[]' ? fc.uniqueArray(fc.constantFrom(...stringPool(fact, prop)), { maxLength: 3 }) : scalarArb(fact, prop, spec);
  return fc.oneof({ arbitrary: good, weight: 8 }, fc.constant(null), fc.constant(undefined), fc.constantFrom('5', 'x', 7, true, ['5814']));
}

const factsArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
  Object.fromEntries(
    Object.entries(FACT_CATALOG).map(([fact, ps]) => {
      const obj = fc.record(
        Object.fromEntries(Object.entries(ps as Record<string, FactSpec>).map(([prop, spec]) => [prop, propValueArb(fact, prop, spec)])),
      );
      return [fact, fc.oneof({ arbitrary: obj, weight: 10 }, fc.constant(undefined), fc.constant(null), fc.constant(3))];
    }),
  ),
  { requiredKeys: [] },
);

describe('compiled closures and json-rules-engine', () => {
  it('generated rules are valid policy rules', () => {
    fc.assert(
      fc.property(rulesArb, (rules) => {
        expect(() => validateRules(rules)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it('reach the same events, in the same order, for random rules and facts', async () => {
    await fc.assert(
      fc.asyncProperty(rulesArb, fc.array(factsArb, { minLength: 1, maxLength: 4 }), async (rules, factSets) => {
        const compiled = compileRules(rules);
        const prepared = prepareReferenceRules(rules);
        for (const facts of factSets) {
          const reference = await referenceEvaluate(prepared, facts);
          expect(compiled.evaluate(facts)).toEqual(reference.events);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('agree on which rules match often enough for the comparison to mean something', async () => {
    // Guards the generators: if nearly every rule failed (or passed), agreement would prove little.
    let matched = 0;
    let total = 0;
    await fc.assert(
      fc.asyncProperty(rulesArb, factsArb, async (rules, facts) => {
        const events = compileRules(rules).evaluate(facts);
        matched += events.length;
        total += rules.length;
      }),
      { numRuns: 300 },
    );
    expect(matched / total).toBeGreaterThan(0.1);
    expect(matched / total).toBeLessThan(0.9);
  });
});

describe('the velocity pre-check (velocityNeeded)', () => {
  it('is sound: the events are the same whatever the velocity facts outside its mask are, or whether they are there at all', () => {
    fc.assert(
      fc.property(rulesArb, factsArb, factsArb, fc.boolean(), (rules, facts, other, drop) => {
        const compiled = compileRules(rules);
        const { velocity, ...withoutVelocity } = facts;
        const needed = compiled.velocityNeeded(withoutVelocity);
        expect(needed & ~compiled.velocity).toBe(0);
        const expected = compiled.evaluate(facts);
        if (needed === 0) {
          expect(compiled.evaluate({ ...withoutVelocity, velocity: other.velocity })).toEqual(expected);
          expect(compiled.evaluate(withoutVelocity)).toEqual(expected);
        }
        if (velocity === null || typeof velocity !== 'object') return;
        // The facts asked for as they are; every other one from another history, or absent.
        const replacement = other.velocity !== null && typeof other.velocity === 'object' ? (other.velocity as Record<string, unknown>) : {};
        const partial: Record<string, unknown> = {};
        VELOCITY_FACT_NAMES.forEach((name, i) => {
          if (needed & (2 ** i)) partial[name] = (velocity as Record<string, unknown>)[name];
          else if (!drop) partial[name] = replacement[name];
        });
        expect(compiled.evaluate({ ...withoutVelocity, velocity: partial })).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('is 0 for rules that read no velocity, and names the facts of the rules whose outcome hangs on velocity', () => {
    const amount = { fact: 'transaction', path: '$.amount', operator: 'greaterThan', value: 100 } as const;
    const declines = { fact: 'velocity', path: '$.declinedCount1h', operator: 'greaterThan', value: 3 } as const;
    const newCountry = { fact: 'velocity', path: 'isNewCountry', operator: 'equal', value: true } as const;
    const rule = (name: string, conditions: unknown): RuleJson => ({ name, conditions: conditions as RuleJson['conditions'], event: { type: 'review', params: { reason: name } } });
    const needed = (conditions: unknown, amountValue: number) => compileRules([rule('r', conditions)]).velocityNeeded({ transaction: { amount: amountValue } });
    const D = velocityBit('declinedCount1h');
    const N = velocityBit('isNewCountry');
    expect(needed({ all: [amount] }, 500)).toBe(0);
    expect(needed({ all: [amount, declines] }, 50)).toBe(0);
    expect(needed({ all: [amount, declines] }, 500)).toBe(D);
    expect(needed({ any: [amount, declines] }, 500)).toBe(0);
    expect(needed({ not: { any: [amount, declines] } }, 50)).toBe(D);
    expect(needed({ all: [amount, { any: [declines, newCountry] }] }, 500)).toBe(D | N);
    // Two rules: only the one left open by the amount asks.
    const two = compileRules([rule('small', { all: [{ ...amount, operator: 'lessThan' }, declines] }), rule('large', { all: [amount, newCountry] })]);
    expect(two.velocity).toBe(D | N);
    expect(two.velocityNeeded({ transaction: { amount: 50 } })).toBe(D);
    expect(two.velocityNeeded({ transaction: { amount: 500 } })).toBe(N);
  });
});

describe('reference evaluation under concurrency', () => {
  // Three priority levels: a run that skipped its lower-priority sets would miss r-low-*.
  const rules: RuleJson[] = [
    { name: 'r-high', priority: 3, conditions: { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThan', value: 0 }] }, event: { type: 'review', params: { reason: 'high' } } },
    { name: 'r-mid', priority: 2, conditions: { any: [{ fact: 'merchant', path: '$.country', operator: 'inCountries', value: ['ID', 'SG'] }] }, event: { type: 'review', params: { reason: 'mid' } } },
    { name: 'r-low-1', priority: 1, conditions: { all: [{ fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['restaurants'] }] }, event: { type: 'decline', params: { reason: 'low 1' } } },
    { name: 'r-low-2', priority: 1, conditions: { not: { fact: 'transaction', path: 'currency', operator: 'equal', value: 'USD' } }, event: { type: 'approve', params: { reason: 'low 2' } } },
  ];
  // The transaction fact resolves after a few milliseconds that differ per run, so concurrent runs
  // interleave the way concurrent authorizations would (a fact given as a function is computed by the engine).
  const facts = (i: number) => ({
    transaction: () => new Promise((resolve) => setTimeout(() => resolve({ amount: 1000 + i, currency: 'IDR' }), i % 7)),
    merchant: { mcc: i % 2 ? '5814' : '5411', country: 'ID' },
  });
  const expected = (i: number) => ['r-high', 'r-mid', ...(i % 2 ? ['r-low-1'] : []), 'r-low-2'];

  it('many concurrent runs of one policy each see every priority level', async () => {
    const prepared = prepareReferenceRules(rules);
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => referenceEvaluate(prepared, facts(i))));
    results.forEach((r, i) => {
      expect(r.events.map((e) => e.rule)).toEqual(expected(i));
      expect(r.trace).toHaveLength(rules.length);
    });
  });

  it('(why: one Engine shared by concurrent runs does skip lower-priority rules)', async () => {
    const shared = new Engine([], { allowUndefinedFacts: true, pathResolver });
    // Only built-in operators, so the shared engine needs no custom registration.
    const plain = rules.filter((r) => r.name !== 'r-mid' && r.name !== 'r-low-1');
    for (const r of plain) shared.addRule(new Rule(r as unknown as RuleProperties));
    const runs = await Promise.all(Array.from({ length: 50 }, (_, i) => shared.run(facts(i))));
    const lost = runs.filter((r) => !r.events.some((e) => e.params?.reason === 'low 2'));
    expect(lost.length).toBeGreaterThan(0);
  });
});
