import { isMcc, mccsOfGroup } from '../controls/mcc-groups';
import { OPERATORS, parsePath, resolvePath } from './operators';
import { velocityBit, type VelocityMask } from './facts';
import { defaultResponseCode, type ConditionJson, type EventType, type RuleJson } from './rule-validation';

/**
 * Compiles a version's rule JSON, once, into plain synchronous closures for the hot path: no
 * promises, no almanac, no engine — a few property reads and comparisons per condition.
 * json-rules-engine stays the reference (reference-engine.ts); the differential property test
 * (test/unit/policy-evaluators.test.ts) holds both to the same events for random rules and facts.
 *
 * Semantics kept identical to json-rules-engine 7: a fact that is not an object is compared as it
 * is (a path on it is ignored), a missing fact or property is undefined, `all`/`any` of no
 * conditions is true, each operator runs its fact-value validator first. Condition priorities only
 * order evaluation there; conditions are pure, so they do not change results here.
 */

export type Facts = Record<string, unknown>;
type Test = (facts: Facts) => boolean;
export const FALSE = 0;
export const TRUE = 1;
export const UNKNOWN = 2;
export type Tri = 0 | 1 | 2;

export interface PolicyEvent {
  type: EventType;
  rule: string;
  reason: string;
  /** Declines only: the rule's responseCode or the default (57 merchant-only rules, 59 otherwise). */
  responseCode?: string;
}

export interface CompiledRule {
  name: string;
  priority: number;
  /** Position in the version's rules; ties of priority keep this order. */
  index: number;
  event: PolicyEvent;
  facts: ReadonlySet<string>;
  /** The velocity properties the rule reads (0: none). */
  velocity: VelocityMask;
  test: Test;
  /** For rules reading velocity: the outcome from the other facts alone (Kleene logic), UNKNOWN if it hangs on velocity. */
  withoutVelocity?: (facts: Facts) => Tri;
}

export interface CompiledRules {
  /** Highest priority first, then in the order written: the order events are reported in. */
  rules: readonly CompiledRule[];
  /** The velocity properties any rule reads (0: none). */
  velocity: VelocityMask;
  /**
   * The velocity properties read by the rules whose outcome these facts leave open (any velocity
   * facts among them are ignored): `amount >= 50M and isNewCountry` needs no history for a small
   * amount. Sound: the events are the same whatever the properties outside the mask are, or
   * whether they are there at all.
   */
  velocityNeeded(facts: Facts): VelocityMask;
  /** Every matching rule's event, in rule order. */
  evaluate(facts: Facts): PolicyEvent[];
}

function compileCondition(node: ConditionJson, facts: Set<string>): Test {
  if ('all' in node) {
    const children = node.all.map((c) => compileCondition(c, facts));
    if (children.length === 1) return children[0]!;
    return (f) => {
      for (let i = 0; i < children.length; i++) if (!children[i]!(f)) return false;
      return true;
    };
  }
  if ('any' in node) {
    const children = node.any.map((c) => compileCondition(c, facts));
    if (children.length === 0) return () => true;
    if (children.length === 1) return children[0]!;
    return (f) => {
      for (let i = 0; i < children.length; i++) if (children[i]!(f)) return true;
      return false;
    };
  }
  if ('not' in node) {
    const child = compileCondition(node.not, facts);
    return (f) => !child(f);
  }
  const op = Object.hasOwn(OPERATORS, node.operator) ? OPERATORS[node.operator] : undefined;
  if (!op) throw new Error(`unknown operator ${node.operator}`);
  const segments = parsePath(node.path);
  if (!segments) throw new Error(`unsupported path ${node.path}`);
  facts.add(node.fact);
  const fact = node.fact;
  const value = node.value;
  let { cb } = op;
  const { validator } = op;
  if ((node.operator === 'inMccGroup' || node.operator === 'notInMccGroup') && Array.isArray(value)) {
    // The same answer as some(categoryMatches), as one set lookup: the categories' MCCs resolved once.
    const mccs = new Set<string>();
    for (const c of value as string[]) for (const m of isMcc(c) ? [c] : (mccsOfGroup(c) ?? [])) mccs.add(m);
    cb = node.operator === 'inMccGroup' ? (a: string) => mccs.has(a) : (a: string) => !mccs.has(a);
  }
  let read: (f: Facts) => unknown;
  const plain = (key: string) => !(key in Object.prototype) && !(key in Array.prototype);
  if (segments.length === 1 && plain(fact) && plain(segments[0]!)) {
    // Names no object inherits: a plain property read is an own-property read.
    const key = segments[0]!;
    read = (f) => {
      const v = f[fact];
      return v === null || typeof v !== 'object' ? v : (v as Record<string, unknown>)[key];
    };
  } else if (segments.length === 1) {
    const key = segments[0]!;
    read = (f) => {
      const v = Object.hasOwn(f, fact) ? f[fact] : undefined;
      if (v === null || typeof v !== 'object') return v;
      return Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
    };
  } else {
    read = (f) => {
      const v = Object.hasOwn(f, fact) ? f[fact] : undefined;
      return v === null || typeof v !== 'object' ? v : resolvePath(v, segments);
    };
  }
  if (validator) {
    return (f) => {
      const v = read(f);
      return validator(v) && cb(v, value);
    };
  }
  return (f) => cb(read(f), value);
}

/** The velocity properties a condition reads (0: none). */
function velocityRead(node: ConditionJson): VelocityMask {
  if ('all' in node || 'any' in node) return ('all' in node ? node.all : node.any).reduce((m, c) => m | velocityRead(c), 0);
  if ('not' in node) return velocityRead(node.not);
  return node.fact === 'velocity' ? velocityBit(parsePath(node.path)?.[0]) : 0;
}

/** Three-valued: velocity conditions are UNKNOWN, the rest evaluate as they will. Sound: a definite answer holds for any velocity facts. */
function compileWithoutVelocity(node: ConditionJson): (facts: Facts) => Tri {
  if (velocityRead(node) === 0) {
    const test = compileCondition(node, new Set());
    return (f) => (test(f) ? TRUE : FALSE);
  }
  if ('all' in node || 'any' in node) {
    const isAll = 'all' in node;
    const children = (isAll ? node.all : node.any).map(compileWithoutVelocity);
    const decisive = isAll ? FALSE : TRUE;
    return (f) => {
      let open = false;
      for (let i = 0; i < children.length; i++) {
        const r = children[i]!(f);
        if (r === decisive) return decisive;
        if (r === UNKNOWN) open = true;
      }
      return open ? UNKNOWN : isAll ? TRUE : FALSE;
    };
  }
  if ('not' in node) {
    const child = compileWithoutVelocity(node.not);
    return (f) => {
      const r = child(f);
      return r === UNKNOWN ? UNKNOWN : r === TRUE ? FALSE : TRUE;
    };
  }
  return () => UNKNOWN;
}

export function compileRule(rule: RuleJson, index: number): CompiledRule {
  const facts = new Set<string>();
  const test = compileCondition(rule.conditions, facts);
  const velocity = velocityRead(rule.conditions);
  const withoutVelocity = velocity !== 0 ? compileWithoutVelocity(rule.conditions) : undefined;
  const event: PolicyEvent = { type: rule.event.type, rule: rule.name, reason: rule.event.params.reason };
  if (rule.event.type === 'decline') event.responseCode = rule.event.params.responseCode ?? defaultResponseCode(facts);
  return { name: rule.name, priority: rule.priority ?? 1, index, event, facts, velocity, test, withoutVelocity };
}

/** Compares rules the way events are reported: priority descending, then as written. */
export function ruleOrder(a: { priority: number; index: number }, b: { priority: number; index: number }): number {
  return b.priority - a.priority || a.index - b.index;
}

export function compileRules(rules: readonly RuleJson[]): CompiledRules {
  const compiled = rules.map(compileRule).sort(ruleOrder);
  const velocityRules = compiled.filter((r) => r.withoutVelocity);
  return {
    rules: compiled,
    velocity: velocityRules.reduce((m, r) => m | r.velocity, 0),
    velocityNeeded(facts) {
      let needed = 0;
      for (let i = 0; i < velocityRules.length; i++) {
        const r = velocityRules[i]!;
        if (r.withoutVelocity!(facts) === UNKNOWN) needed |= r.velocity;
      }
      return needed;
    },
    evaluate(facts) {
      const events: PolicyEvent[] = [];
      for (let i = 0; i < compiled.length; i++) {
        const r = compiled[i]!;
        if (r.test(facts)) events.push(r.event);
      }
      return events;
    },
  };
}
