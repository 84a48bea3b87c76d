import { Engine, Operator, Rule, type RuleProperties } from 'json-rules-engine';
import type { PolicyEvent } from './compile';
import { CUSTOM_OPERATORS, OPERATORS, pathResolver } from './operators';
import { defaultResponseCode, type ConditionJson, type RuleJson } from './rule-validation';

/**
 * json-rules-engine as the reference evaluator: the test endpoint, traces and backtests. Never on
 * the hot path (compile.ts is).
 *
 * One Engine is built per run, from the cached rule JSON: an Engine keeps an engine-wide `status`,
 * and when one shared Engine serves concurrent run() calls, the first run to finish marks it
 * FINISHED and the others skip their remaining (lower-priority) rule sets. Rule objects are not
 * shared either (a Rule points at its Engine). The custom operators and the plain property path
 * resolver are the ones the compiled closures use.
 */

export interface ConditionTrace {
  all?: ConditionTrace[];
  any?: ConditionTrace[];
  not?: ConditionTrace;
  fact?: string;
  path?: string;
  operator?: string;
  value?: unknown;
  /** The fact value the condition compared (undefined: the fact or property was absent). */
  factValue?: unknown;
  /** Absent when the engine did not need to evaluate the condition (short circuit). */
  result?: boolean;
}

export interface RuleTrace {
  rule: string;
  priority: number;
  matched: boolean;
  event: PolicyEvent;
  conditions: ConditionTrace;
}

export interface ReferenceResult {
  /** Matching rules' events, priority descending then as written (the compiled evaluator's order). */
  events: PolicyEvent[];
  trace: RuleTrace[];
}

/** Rule JSON prepared once: what every run builds its Engine from. */
export interface ReferenceRules {
  rules: readonly RuleJson[];
  events: ReadonlyMap<string, { index: number; priority: number; event: PolicyEvent }>;
}

function factsOf(node: ConditionJson, into: Set<string>): Set<string> {
  if ('all' in node) node.all.forEach((c) => factsOf(c, into));
  else if ('any' in node) node.any.forEach((c) => factsOf(c, into));
  else if ('not' in node) factsOf(node.not, into);
  else into.add(node.fact);
  return into;
}

export function prepareReferenceRules(rules: readonly RuleJson[]): ReferenceRules {
  const events = new Map<string, { index: number; priority: number; event: PolicyEvent }>();
  rules.forEach((rule, index) => {
    const event: PolicyEvent = { type: rule.event.type, rule: rule.name, reason: rule.event.params.reason };
    if (rule.event.type === 'decline') event.responseCode = rule.event.params.responseCode ?? defaultResponseCode(factsOf(rule.conditions, new Set()));
    events.set(rule.name, { index, priority: rule.priority ?? 1, event });
  });
  return { rules, events };
}

const customOperators = CUSTOM_OPERATORS.map((name) => {
  const def = OPERATORS[name]!;
  return () => new Operator(name, def.cb, def.validator);
});

/** A fresh Engine with fresh Rule objects: safe to run concurrently with any other. */
export function buildEngine(rules: readonly RuleJson[]): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true, pathResolver });
  for (const make of customOperators) engine.addOperator(make());
  for (const rule of rules) engine.addRule(new Rule(rule as unknown as RuleProperties));
  return engine;
}

function toTrace(node: Record<string, any>): ConditionTrace {
  const out: ConditionTrace = {};
  if (Array.isArray(node.all)) out.all = node.all.map(toTrace);
  else if (Array.isArray(node.any)) out.any = node.any.map(toTrace);
  else if (node.not) out.not = toTrace(node.not);
  else {
    out.fact = node.fact;
    out.path = node.path;
    out.operator = node.operator;
    out.value = node.value;
    if (node.result !== undefined) out.factValue = node.factResult === undefined ? null : node.factResult;
  }
  if (typeof node.result === 'boolean') out.result = node.result;
  return out;
}

export async function referenceEvaluate(prepared: ReferenceRules, facts: Record<string, unknown>): Promise<ReferenceResult> {
  const engine = buildEngine(prepared.rules);
  const { results, failureResults } = await engine.run(facts);
  const order = (name: string) => prepared.events.get(name)!;
  const byOrder = (a: { name: string }, b: { name: string }) => {
    const x = order(a.name);
    const y = order(b.name);
    return y.priority - x.priority || x.index - y.index;
  };
  const events = [...results].sort(byOrder).map((r) => order(r.name).event);
  const trace = [...results, ...failureResults].sort(byOrder).map((r) => {
    const o = order(r.name);
    const json = (r as unknown as { toJSON(stringify: false): { conditions: Record<string, unknown> } }).toJSON(false);
    return { rule: r.name, priority: o.priority, matched: r.result === true, event: o.event, conditions: toTrace(json.conditions) };
  });
  return { events, trace };
}
