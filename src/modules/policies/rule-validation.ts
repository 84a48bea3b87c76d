import { InvalidFieldFormat } from '../../platform/errors';
import { isKnownCategory } from '../controls/mcc-groups';
import { ISO_COUNTRY_CODES } from '../controls/spend-controls';
import { factSpec, FACT_NAMES, type FactSpec } from './facts';
import { OPERATORS } from './operators';

/**
 * Validation of policy rules on write (and of the shipped platform file at start). Every problem is
 * a 4009501 naming the exact place, `rules.<i>.conditions.all.<j>.operator`, and the rule by name.
 * What passes here compiles (compile.ts) and runs in json-rules-engine (reference-engine.ts) with
 * the same result.
 */

export const POLICY_LIMITS = {
  rulesPerVersion: 100,
  conditionsPerRule: 50,
  /** Nesting of all/any/not, the root counting as 1. */
  depth: 5,
  listValues: 500,
  stringLength: 200,
  nameLength: 100,
  priority: 100,
} as const;

export type EventType = 'decline' | 'review' | 'approve';
export const EVENT_TYPES: readonly EventType[] = ['decline', 'review', 'approve'];
/** ISO 8583 codes a policy decline may answer with (API.md §3); 59 and 57 are the defaults. */
export const POLICY_RESPONSE_CODES = ['05', '57', '59', '61', '62', '65'] as const;

export type ScalarValue = string | number | boolean;
export interface LeafCondition {
  fact: string;
  path: string;
  operator: string;
  value: ScalarValue | ScalarValue[];
  priority?: number;
  name?: string;
}
export type BooleanCondition = ({ all: ConditionJson[] } | { any: ConditionJson[] } | { not: ConditionJson }) & { priority?: number; name?: string };
export type ConditionJson = LeafCondition | BooleanCondition;

export interface RuleJson {
  name: string;
  priority?: number;
  conditions: BooleanCondition;
  event: { type: EventType; params: { reason: string; responseCode?: string } };
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

class RuleProblem extends Error {
  constructor(
    readonly at: string,
    message: string,
  ) {
    super(message);
  }
}

function fail(at: string, message: string): never {
  throw new RuleProblem(at, message);
}

function checkKeys(node: Record<string, unknown>, allowed: readonly string[], at: string): void {
  for (const key of Object.keys(node)) if (!allowed.includes(key)) fail(`${at}.${key}`, `unknown field "${key}"`);
}

function checkPriority(node: Record<string, unknown>, at: string): void {
  if (node.priority === undefined) return;
  const p = node.priority;
  if (typeof p !== 'number' || !Number.isInteger(p) || p < 1 || p > POLICY_LIMITS.priority) fail(`${at}.priority`, `an integer from 1 to ${POLICY_LIMITS.priority}`);
}

function checkName(node: Record<string, unknown>, at: string): void {
  if (node.name === undefined) return;
  if (typeof node.name !== 'string' || node.name.length === 0 || node.name.length > POLICY_LIMITS.nameLength) {
    fail(`${at}.name`, `a string of 1 to ${POLICY_LIMITS.nameLength} characters`);
  }
}

function scalarOf(spec: FactSpec): 'number' | 'string' | 'boolean' {
  return spec.type === 'string[]' ? 'string' : spec.type;
}

function checkString(v: unknown, at: string): void {
  if (typeof v === 'string' && v.length > POLICY_LIMITS.stringLength) fail(at, `strings are at most ${POLICY_LIMITS.stringLength} characters`);
  if (typeof v === 'number' && !Number.isFinite(v)) fail(at, 'numbers must be finite');
}

function checkList(value: unknown, at: string, each: (v: unknown, at: string) => void): void {
  if (!Array.isArray(value)) fail(`${at}`, `must be an array, got ${typeName(value)}`);
  if (value.length === 0 || value.length > POLICY_LIMITS.listValues) fail(at, `an array of 1 to ${POLICY_LIMITS.listValues} values`);
  value.forEach((v, i) => each(v, `${at}.${i}`));
}

function checkLeaf(node: Record<string, unknown>, at: string, facts: Set<string>): void {
  checkKeys(node, ['fact', 'path', 'operator', 'value', 'priority', 'name'], at);
  checkPriority(node, at);
  checkName(node, at);
  for (const field of ['fact', 'path', 'operator'] as const) {
    if (node[field] === undefined) fail(`${at}.${field}`, 'missing');
    if (typeof node[field] !== 'string') fail(`${at}.${field}`, `must be a string, got ${typeName(node[field])}`);
  }
  if (!Object.hasOwn(node, 'value')) fail(`${at}.value`, 'missing');
  const fact = node.fact as string;
  if (!(FACT_NAMES as string[]).includes(fact)) fail(`${at}.fact`, `unknown fact "${fact}" (facts: ${FACT_NAMES.join(', ')})`);
  const path = node.path as string;
  const dollar = /^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/.test(path);
  const plain = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(path);
  if (!dollar && !plain) fail(`${at}.path`, `"${path.slice(0, 60)}" is not a plain property path (use $.name or name; JSONPath filters and expressions are not allowed)`);
  const property = dollar ? path.slice(2) : path;
  const spec = factSpec(fact, property);
  if (!spec) fail(`${at}.path`, `unknown fact "${fact}.${property}"`);
  facts.add(fact);
  const operator = node.operator as string;
  const op = Object.hasOwn(OPERATORS, operator) ? OPERATORS[operator] : undefined;
  if (!op) fail(`${at}.operator`, `unknown operator "${operator}" (operators: ${Object.keys(OPERATORS).join(', ')})`);
  const where = `${fact}.${property} (${spec.type}${spec.nullable ? ', nullable' : ''})`;
  const factOk =
    op.factKind === 'scalar' ? spec.type !== 'string[]' :
    op.factKind === 'number' ? spec.type === 'number' :
    op.factKind === 'array' ? spec.type === 'string[]' :
    op.factKind === 'mcc' ? spec.mcc === true :
    spec.country === true;
  if (!factOk) fail(`${at}.operator`, `${operator} does not apply to ${where}`);
  const value = node.value;
  const valueAt = `${at}.value`;
  const want = scalarOf(spec);
  const isWanted = (v: unknown, vAt: string) => {
    if (typeof v !== want) fail(vAt, `must be a ${want} for ${where}, got ${typeName(v)}`);
    checkString(v, vAt);
  };
  switch (op.valueKind) {
    case 'same':
    case 'element':
      isWanted(value, valueAt);
      break;
    case 'number':
      if (typeof value !== 'number') fail(valueAt, `must be a number for ${operator}, got ${typeName(value)}`);
      checkString(value, valueAt);
      break;
    case 'list':
      checkList(value, valueAt, isWanted);
      break;
    case 'categories':
      checkList(value, valueAt, (v, vAt) => {
        if (typeof v !== 'string' || !isKnownCategory(v)) fail(vAt, `${JSON.stringify(v)?.slice(0, 60)} is neither a 4-digit MCC nor a group of rules/mcc-groups.json`);
      });
      break;
    case 'countries':
      checkList(value, valueAt, (v, vAt) => {
        if (typeof v !== 'string' || !ISO_COUNTRY_CODES.includes(v)) fail(vAt, `${JSON.stringify(v)?.slice(0, 60)} is not an ISO 3166-1 alpha-2 code`);
      });
      break;
  }
}

function checkCondition(node: unknown, at: string, depth: number, count: { leaves: number }, facts: Set<string>): void {
  if (!isObject(node)) fail(at, `a condition must be an object, got ${typeName(node)}`);
  const booleans = ['all', 'any', 'not'].filter((k) => Object.hasOwn(node, k));
  if (Object.hasOwn(node, 'condition')) fail(`${at}.condition`, 'shared condition references are not supported');
  if (booleans.length > 1) fail(at, `a condition has one of all, any, not (got ${booleans.join(', ')})`);
  if (booleans.length === 0) {
    if (depth === 1) fail(at, 'the root of conditions must be all, any or not');
    if (++count.leaves > POLICY_LIMITS.conditionsPerRule) fail(at, `more than ${POLICY_LIMITS.conditionsPerRule} conditions in one rule`);
    return checkLeaf(node, at, facts);
  }
  if (depth > POLICY_LIMITS.depth) fail(at, `nested deeper than ${POLICY_LIMITS.depth} levels of all/any/not`);
  const op = booleans[0]!;
  checkKeys(node, [op, 'priority', 'name'], at);
  checkPriority(node, at);
  checkName(node, at);
  const children = node[op];
  if (op === 'not') {
    if (Array.isArray(children)) fail(`${at}.not`, '"not" takes one condition, not an array');
    return checkCondition(children, `${at}.not`, depth + 1, count, facts);
  }
  if (!Array.isArray(children)) fail(`${at}.${op}`, `"${op}" must be an array, got ${typeName(children)}`);
  if (children.length === 0) fail(`${at}.${op}`, `"${op}" needs at least one condition`);
  children.forEach((child, i) => checkCondition(child, `${at}.${op}.${i}`, depth + 1, count, facts));
}

export interface ValidatedRule {
  rule: RuleJson;
  /** Fact objects the rule reads (velocity ones need the history query). */
  facts: Set<string>;
}

function checkRule(raw: unknown, at: string): ValidatedRule {
  if (!isObject(raw)) fail(at, `a rule must be an object, got ${typeName(raw)}`);
  checkKeys(raw, ['name', 'priority', 'conditions', 'event'], at);
  if (raw.name === undefined) fail(`${at}.name`, 'missing: every rule has a name (traces and reports refer to it)');
  checkName(raw, at);
  checkPriority(raw, at);
  if (raw.conditions === undefined) fail(`${at}.conditions`, 'missing');
  const facts = new Set<string>();
  checkCondition(raw.conditions, `${at}.conditions`, 1, { leaves: 0 }, facts);
  const event = raw.event;
  if (event === undefined) fail(`${at}.event`, 'missing');
  if (!isObject(event)) fail(`${at}.event`, `must be an object, got ${typeName(event)}`);
  checkKeys(event, ['type', 'params'], `${at}.event`);
  if (typeof event.type !== 'string' || !(EVENT_TYPES as string[]).includes(event.type)) fail(`${at}.event.type`, `one of ${EVENT_TYPES.join(', ')}`);
  const params = event.params;
  if (!isObject(params)) fail(`${at}.event.params`, 'an object with reason (and responseCode for a decline)');
  checkKeys(params, ['reason', 'responseCode'], `${at}.event.params`);
  if (typeof params.reason !== 'string' || params.reason.length === 0 || params.reason.length > POLICY_LIMITS.stringLength) {
    fail(`${at}.event.params.reason`, `a string of 1 to ${POLICY_LIMITS.stringLength} characters`);
  }
  if (params.responseCode !== undefined) {
    if (event.type !== 'decline') fail(`${at}.event.params.responseCode`, 'only a decline has a responseCode');
    if (typeof params.responseCode !== 'string' || !(POLICY_RESPONSE_CODES as readonly string[]).includes(params.responseCode)) {
      fail(`${at}.event.params.responseCode`, `one of ${POLICY_RESPONSE_CODES.join(', ')}`);
    }
  }
  return { rule: raw as unknown as RuleJson, facts };
}

/**
 * Validates a version's rules; throws InvalidFieldFormat (4009501 on the policy service) naming the
 * rule and the path of the first problem. `field` is the body field holding the rules.
 */
export function validateRules(raw: unknown, field = 'rules'): ValidatedRule[] {
  if (!Array.isArray(raw)) throw new InvalidFieldFormat(field, `must be an array of rules, got ${typeName(raw)}`);
  if (raw.length === 0) throw new InvalidFieldFormat(field, 'at least one rule');
  if (raw.length > POLICY_LIMITS.rulesPerVersion) throw new InvalidFieldFormat(field, `at most ${POLICY_LIMITS.rulesPerVersion} rules in a version (got ${raw.length})`);
  const names = new Set<string>();
  return raw.map((rule, i) => {
    const at = `${field}.${i}`;
    const label = isObject(rule) && typeof rule.name === 'string' ? `rule "${rule.name.slice(0, POLICY_LIMITS.nameLength)}"` : `rule ${i}`;
    try {
      const validated = checkRule(rule, at);
      if (names.has(validated.rule.name)) fail(`${at}.name`, `duplicate rule name "${validated.rule.name}"`);
      names.add(validated.rule.name);
      return validated;
    } catch (err) {
      if (err instanceof RuleProblem) throw new InvalidFieldFormat(err.at, `${label}: ${err.message}`);
      throw err;
    }
  });
}

/** The ISO code of a decline without one: 57 when the rule reads only merchant facts (category, merchant, country), else 59 (suspected fraud). */
export function defaultResponseCode(facts: Set<string>): string {
  return facts.size > 0 && [...facts].every((f) => f === 'merchant') ? '57' : '59';
}
