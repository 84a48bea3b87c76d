import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COUNTRY_CODES } from '../../../web/src/components/rule-editor/countries';
import {
  EVENT_TYPES,
  FACTS,
  LIMITS,
  OPERATORS,
  RESPONSE_CODES,
  operatorsFor,
  type FactDef,
  type OperatorDef,
} from '../../../web/src/components/rule-editor/fact-catalogue';
import { amountToInput } from '../../../web/src/components/controls/amount-input';
import { minorToValue, type Lang } from '../../../web/src/format';
import { amountText, itemKind, parseItem, valueFits } from '../../../web/src/components/rule-editor/value-model';
import { fieldOfNode, placeOfField, rulesToTree, treeToRules, withoutIds, type TreeNode, type TreeRule } from '../../../web/src/components/rule-editor/rule-tree';

/**
 * The rule editor's mapping (rules → tree → rules, tree → rules → tree), its placing of server
 * errors, and its fact catalogue against the server's. Rules are generated from the catalogue and
 * checked valid by the server's own validation; the server modules are Node code outside
 * web/tsconfig.json's program, so they are imported by a path the type checker does not follow.
 */
const SERVER = '../../../src/modules/policies';
const { validateRules, POLICY_LIMITS, POLICY_RESPONSE_CODES, EVENT_TYPES: SERVER_EVENTS } = (await import(`${SERVER}/rule-validation`)) as {
  validateRules(raw: unknown): unknown[];
  POLICY_LIMITS: Record<string, number>;
  POLICY_RESPONSE_CODES: readonly string[];
  EVENT_TYPES: readonly string[];
};
const { FACT_CATALOG } = (await import(`${SERVER}/facts`)) as {
  FACT_CATALOG: Record<string, Record<string, { type: string; nullable?: boolean; mcc?: boolean; country?: boolean }>>;
};
const { OPERATORS: SERVER_OPERATORS } = (await import(`${SERVER}/operators`)) as { OPERATORS: Record<string, { factKind: string; valueKind: string }> };
const { ISO_COUNTRY_CODES } = (await import('../../../src/modules/controls/spend-controls' as string)) as { ISO_COUNTRY_CODES: readonly string[] };
const { MCC_GROUP_NAMES } = (await import('../../../src/modules/controls/mcc-groups' as string)) as { MCC_GROUP_NAMES: readonly string[] };

const ident = fc.stringMatching(/^[a-z][a-z0-9_-]{0,11}$/);

function scalarOf(fact: FactDef): fc.Arbitrary<unknown> {
  switch (fact.kind) {
    case 'amount':
      return fc.integer({ min: 0, max: 1e12 });
    case 'hour':
      return fc.integer({ min: 0, max: 23 });
    case 'weekday':
      return fc.integer({ min: 1, max: 7 });
    case 'boolean':
      return fc.boolean();
    case 'number':
      return fc.oneof(fc.integer({ min: -1000, max: 100000 }), fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }));
    case 'mcc':
      return fc.stringMatching(/^\d{4}$/);
    case 'country':
      return fc.constantFrom(...COUNTRY_CODES);
    case 'choice':
      return fc.constantFrom(...fact.choices!);
    case 'mccGroup':
      return fc.constantFrom(...MCC_GROUP_NAMES);
    default:
      return fc.string({ maxLength: 20 });
  }
}

function valueOf(fact: FactDef, op: OperatorDef): fc.Arbitrary<unknown> {
  const list = (a: fc.Arbitrary<unknown>) => fc.array(a, { minLength: 1, maxLength: 4 });
  switch (op.valueKind) {
    case 'number':
      // Number facts only: amounts, hours, weekdays and plain numbers, each in its range.
      return scalarOf(fact);
    case 'list':
      return list(scalarOf(fact));
    case 'categories':
      return list(fc.oneof(fc.constantFrom(...MCC_GROUP_NAMES), fc.stringMatching(/^\d{4}$/)));
    case 'countries':
      return list(fc.constantFrom(...COUNTRY_CODES));
    default:
      return scalarOf(fact);
  }
}

const leaf: fc.Arbitrary<Record<string, unknown>> = fc
  .constantFrom(...FACTS)
  .chain((fact) => fc.tuple(fc.constant(fact), fc.constantFrom(...operatorsFor(fact)), fc.boolean()))
  .chain(([fact, op, dollar]) =>
    valueOf(fact, op).map((value) => ({ fact: fact.group, path: dollar ? `$.${fact.property}` : fact.property, operator: op.name, value })),
  );

/** A condition tree of at most `depth` levels of all/any/not below the root. */
const condition = fc.letrec<{ node: Record<string, unknown>; group: Record<string, unknown> }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('group')),
  group: fc.oneof(
    fc.record({ all: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ any: fc.array(tie('node'), { minLength: 1, maxLength: 3 }) }),
    fc.record({ not: tie('node') }),
  ),
})).group;

function depth(node: Record<string, unknown>): number {
  if (Array.isArray(node.all)) return 1 + Math.max(0, ...node.all.map(depth));
  if (Array.isArray(node.any)) return 1 + Math.max(0, ...node.any.map(depth));
  if (node.not) return 1 + depth(node.not as Record<string, unknown>);
  return 0;
}
function leaves(node: Record<string, unknown>): number {
  if (Array.isArray(node.all)) return node.all.reduce((n: number, c) => n + leaves(c), 0);
  if (Array.isArray(node.any)) return node.any.reduce((n: number, c) => n + leaves(c), 0);
  if (node.not) return leaves(node.not as Record<string, unknown>);
  return 1;
}

const event = fc.oneof(
  fc.record({ type: fc.constant('decline'), params: fc.record({ reason: ident, responseCode: fc.constantFrom(...RESPONSE_CODES) }, { requiredKeys: ['reason'] }) }),
  fc.record({ type: fc.constantFrom('review', 'approve'), params: fc.record({ reason: ident }) }),
);

const rule = fc.record(
  {
    name: ident,
    priority: fc.integer({ min: 1, max: 100 }),
    conditions: condition.filter((c) => depth(c) <= LIMITS.depth && leaves(c) <= LIMITS.conditionsPerRule),
    event,
  },
  { requiredKeys: ['name', 'conditions', 'event'] },
);
/** Valid rule sets: names unique in the set, as the server requires. */
const ruleSet = fc.uniqueArray(rule, { minLength: 1, maxLength: 4, selector: (r) => r.name }).map((rules) => JSON.parse(JSON.stringify(rules)) as Record<string, unknown>[]);

function parsed(raw: unknown): TreeRule[] {
  const tree = rulesToTree(raw);
  if (!tree.ok) throw new Error(JSON.stringify(tree.problem));
  return tree.rules;
}

describe('rules ↔ tree', () => {
  it('the generated rule sets are valid for the server', () => {
    fc.assert(
      fc.property(ruleSet, (rules) => {
        expect(() => validateRules(rules)).not.toThrow();
      }),
      { numRuns: 200 },
    );
  });

  it('rules → tree → rules is the identity for any valid rule set', () => {
    fc.assert(
      fc.property(ruleSet, (rules) => {
        expect(treeToRules(parsed(rules))).toStrictEqual(rules);
      }),
      { numRuns: 300 },
    );
  });

  it('tree → rules → tree is the identity (ids aside)', () => {
    fc.assert(
      fc.property(ruleSet, (rules) => {
        const tree = parsed(rules);
        expect(withoutIds(parsed(treeToRules(tree)))).toStrictEqual(withoutIds(tree));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps what the editor has no control for: params on a condition, names and priorities of conditions, unknown keys, facts and operators, odd values', () => {
    const rules = [
      {
        name: 'odd',
        conditions: {
          any: [
            { fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['gambling'], params: { unit: 'x' }, priority: 3, name: 'gambling' },
            { fact: 'weather', operator: 'regex', value: { rain: true } },
            { not: { fact: 'transaction', path: 'amount', operator: 'greaterThan', value: '12' }, name: 'small' },
          ],
          priority: 2,
        },
        event: { type: 'review', params: { reason: 'look', extra: [1, 2] }, more: null },
        note: 'kept',
      },
      { conditions: { all: [] }, event: { type: 'approve' } },
    ];
    const tree = parsed(rules);
    expect(treeToRules(tree)).toStrictEqual(rules);
    expect(withoutIds(parsed(treeToRules(tree)))).toStrictEqual(withoutIds(tree));
  });

  it('round-trips any representable JSON, not only valid rules', () => {
    const json = fc.jsonValue({ maxDepth: 2 });
    const anyLeaf = fc.record(
      { fact: fc.string(), path: fc.string(), operator: fc.string(), value: json, extraKey: json },
      { requiredKeys: ['fact', 'operator', 'value'] },
    );
    const anyNode = fc.letrec<{ node: unknown }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        anyLeaf,
        fc.record({ all: fc.array(tie('node'), { maxLength: 3 }) }),
        fc.record({ any: fc.array(tie('node'), { maxLength: 3 }), name: fc.string() }),
        fc.record({ not: tie('node') }),
      ),
    })).node;
    const anyRule = fc.record(
      { name: fc.string(), priority: fc.integer(), conditions: anyNode, event: fc.record({ type: fc.string(), params: fc.record({ reason: fc.string(), x: json }, { requiredKeys: [] }) }, { requiredKeys: ['type'] }) },
      { requiredKeys: ['conditions', 'event'] },
    );
    fc.assert(
      fc.property(fc.array(anyRule, { maxLength: 3 }), (generated) => {
        // As the JSON view gives them: parsed text (plain objects, a "__proto__" key a key).
        const rules = JSON.parse(JSON.stringify(generated)) as unknown;
        expect(treeToRules(parsed(rules))).toStrictEqual(rules);
      }),
      { numRuns: 200 },
    );
  });

  it('says where and why a shape cannot be shown', () => {
    expect(rulesToTree({ rules: [] })).toEqual({ ok: false, problem: { at: 'rules', code: 'notArray' } });
    expect(rulesToTree([{ conditions: { all: [{ all: [], any: [] }] }, event: { type: 'x' } }])).toEqual({ ok: false, problem: { at: 'rules.0.conditions.all.0', code: 'manyBooleans' } });
    expect(rulesToTree([{ conditions: { any: [{ fact: 1, operator: 'equal', value: 1 }] }, event: { type: 'x' } }])).toEqual({
      ok: false,
      problem: { at: 'rules.0.conditions.any.0.fact', code: 'notString', key: 'fact' },
    });
    expect(rulesToTree([{ conditions: { all: [] } }])).toEqual({ ok: false, problem: { at: 'rules.0.event', code: 'missing', key: 'event' } });
    expect(rulesToTree([{ priority: '2', conditions: { all: [] }, event: { type: 'x' } }])).toEqual({ ok: false, problem: { at: 'rules.0.priority', code: 'notNumber', key: 'priority' } });
  });
});

describe('server errors on their row', () => {
  it('every leaf of a valid rule set is found from the field the server would name', () => {
    fc.assert(
      fc.property(ruleSet, fc.constantFrom('fact', 'path', 'operator', 'value', 'value.0'), (rules, control) => {
        const tree = parsed(rules);
        const visit = (node: TreeNode, rule: TreeRule) => {
          if (node.kind === 'group') node.children.forEach((c) => visit(c, rule));
          else if (node.kind === 'not') visit(node.child, rule);
          else {
            const field = `${fieldOfNode(tree, node.id)}.${control}`;
            const want = control === 'path' ? 'fact' : control === 'value.0' ? 'value' : control;
            expect(placeOfField(tree, field)).toEqual({ ruleId: rule.id, nodeId: node.id, control: want });
          }
        };
        tree.forEach((r) => visit(r.conditions, r));
      }),
      { numRuns: 100 },
    );
  });

  it('places rule-level fields and fields the tree does not have', () => {
    const tree = parsed([{ name: 'a', conditions: { all: [{ fact: 'merchant', path: 'mcc', operator: 'equal', value: '5814' }] }, event: { type: 'decline', params: { reason: 'r' } } }]);
    const rule = tree[0]!;
    expect(placeOfField(tree, 'rules.0.name')).toEqual({ ruleId: rule.id, control: 'name' });
    expect(placeOfField(tree, 'rules.0.event.params.responseCode')).toEqual({ ruleId: rule.id, control: 'responseCode' });
    expect(placeOfField(tree, 'rules.0.event.type')).toEqual({ ruleId: rule.id, control: 'type' });
    expect(placeOfField(tree, 'rules.0.conditions')).toEqual({ ruleId: rule.id, nodeId: rule.conditions.id, control: 'row' });
    expect(placeOfField(tree, 'rules.0.conditions.all.5.value')).toEqual({ ruleId: rule.id, nodeId: rule.conditions.id, control: 'row' });
    expect(placeOfField(tree, 'rules.7.name')).toEqual({ control: 'rules' });
    expect(placeOfField(tree, 'rules')).toEqual({ control: 'rules' });
  });
});

describe('value widgets', () => {
  it('every value of a valid rule has a typed widget (none falls back to JSON)', () => {
    fc.assert(
      fc.property(leaf, (condition) => {
        const fact = FACTS.find((f) => f.group === condition.fact && (condition.path === f.property || condition.path === `$.${f.property}`));
        const op = OPERATORS.find((o) => o.name === condition.operator);
        expect(valueFits(fact, op, condition.value)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('an amount shown in an input reads back as the same minor units, in each language and currency', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e13 }), fc.constantFrom('IDR', 'JPY', 'KWD', 'USD'), fc.constantFrom<Lang>('id', 'en'), (minor, currency, lang) => {
        expect(parseItem('amount', amountText(minor, currency, lang), lang, currency, undefined)).toEqual({ ok: true, value: minor });
        expect(parseItem('amount', amountToInput(minorToValue(minor, currency), currency, lang), lang, currency, undefined)).toEqual({ ok: true, value: minor });
      }),
    );
  });

  it('reads amounts in the language’s notation into minor units, and refuses what is not one', () => {
    expect(amountText(100_000_050, 'IDR', 'id')).toBe('1.000.000,50');
    expect(amountText(100_000_000, 'IDR', 'en')).toBe('1,000,000');
    const amount = (text: string, lang: Lang, currency = 'IDR') => parseItem('amount', text, lang, currency, undefined);
    expect(amount('1.000.000', 'id')).toEqual({ ok: true, value: 100_000_000 });
    expect(amount('Rp 1.000.000,50', 'id')).toEqual({ ok: true, value: 100_000_050 });
    expect(amount('1,000,000.5', 'en')).toEqual({ ok: true, value: 100_000_050 });
    expect(amount('1,500', 'en', 'JPY')).toEqual({ ok: true, value: 1500 });
    expect(amount('1.000.000', 'en').ok).toBe(false);
    expect(amount('10,001', 'id').ok).toBe(false);
    expect(amount('-5', 'en').ok).toBe(false);
    expect(parseItem('hour', '24', 'en', 'IDR', undefined).ok).toBe(false);
    expect(parseItem('category', 'gambling', 'en', 'IDR', ['gambling'])).toEqual({ ok: true, value: 'gambling' });
    expect(parseItem('category', 'casinos', 'en', 'IDR', ['gambling']).ok).toBe(false);
    expect(parseItem('country', 'sg', 'en', 'IDR', undefined)).toEqual({ ok: true, value: 'SG' });
    expect(parseItem('country', 'XX', 'en', 'IDR', undefined).ok).toBe(false);
  });

  it('offers the hour and weekday widgets for comparisons of hours and weekdays, amounts for amounts', () => {
    const of = (key: string, op: string) => itemKind(FACTS.find((f) => `${f.group}.${f.property}` === key)!, OPERATORS.find((o) => o.name === op)!);
    expect(of('transaction.hour', 'lessThan')).toBe('hour');
    expect(of('transaction.weekday', 'in')).toBe('weekday');
    expect(of('velocity.approvedAmount1h', 'greaterThanInclusive')).toBe('amount');
    expect(of('merchant.mcc', 'inMccGroup')).toBe('category');
    expect(of('merchant.country', 'inCountries')).toBe('country');
    expect(of('velocity.amountZScore', 'greaterThan')).toBe('number');
  });
});

describe('the fact catalogue', () => {
  it('has exactly the server’s facts, with their types', () => {
    const server = Object.entries(FACT_CATALOG).flatMap(([group, props]) => Object.entries(props).map(([property, spec]) => ({ key: `${group}.${property}`, spec })));
    expect(FACTS.map((f) => `${f.group}.${f.property}`)).toEqual(server.map((s) => s.key));
    for (const { key, spec } of server) {
      const fact = FACTS.find((f) => `${f.group}.${f.property}` === key)!;
      expect(fact.type, key).toBe(spec.type);
      expect(Boolean(fact.nullable), key).toBe(Boolean(spec.nullable));
      expect(fact.kind === 'mcc', key).toBe(Boolean(spec.mcc));
      expect(fact.kind === 'country', key).toBe(Boolean(spec.country));
      expect(fact.meaning.en.length > 0 && fact.meaning.id.length > 0, key).toBe(true);
      expect(fact.cost !== undefined, key).toBe(fact.group === 'velocity');
    }
  });

  it('has the server’s operators, response codes, event types, limits and countries', () => {
    expect(Object.fromEntries(OPERATORS.map((o) => [o.name, { factKind: o.factKind, valueKind: o.valueKind }]))).toEqual(
      Object.fromEntries(Object.entries(SERVER_OPERATORS).map(([name, o]) => [name, { factKind: o.factKind, valueKind: o.valueKind }])),
    );
    expect([...RESPONSE_CODES]).toEqual([...POLICY_RESPONSE_CODES]);
    expect([...EVENT_TYPES]).toEqual([...SERVER_EVENTS]);
    expect(LIMITS).toEqual({
      rules: POLICY_LIMITS.rulesPerVersion,
      conditionsPerRule: POLICY_LIMITS.conditionsPerRule,
      depth: POLICY_LIMITS.depth,
      listValues: POLICY_LIMITS.listValues,
      stringLength: POLICY_LIMITS.stringLength,
      nameLength: POLICY_LIMITS.nameLength,
      priority: POLICY_LIMITS.priority,
    });
    expect([...COUNTRY_CODES]).toEqual([...ISO_COUNTRY_CODES]);
  });
});
