/**
 * Rules (json-rules-engine JSON, as the policy API takes them) ↔ the tree the visual editor edits.
 * Pure: no React, no I/O. `rulesToTree` then `treeToRules` gives back the same rules, and
 * `treeToRules` then `rulesToTree` the same tree (ids aside) — test/unit/web/rule-tree.test.ts
 * proves both with fast-check. Whatever the editor has no control for (condition `name`/`priority`,
 * `params`, unknown keys, unknown facts or operators, values of an unexpected type) is kept as it was:
 * the server, not the editor, decides what is valid.
 */

export type Json = unknown;
/** Keys of a JSON object the tree has no place for, kept and written back as they were. */
export type Extra = Record<string, Json>;

export interface LeafNode {
  kind: 'leaf';
  id: string;
  fact: string;
  /** Absent when the rule had none. */
  path?: string;
  operator: string;
  value: Json;
  extra: Extra;
}
export interface GroupNode {
  kind: 'group';
  id: string;
  combinator: 'all' | 'any';
  children: TreeNode[];
  extra: Extra;
}
export interface NotNode {
  kind: 'not';
  id: string;
  child: TreeNode;
  extra: Extra;
}
export type TreeNode = LeafNode | GroupNode | NotNode;

export interface TreeEvent {
  type: string;
  /** Whether the event had `params` (written back only then, or once a reason or code is set). */
  hasParams: boolean;
  reason?: string;
  responseCode?: string;
  extraParams: Extra;
  extra: Extra;
}

export interface TreeRule {
  id: string;
  name?: string;
  priority?: number;
  conditions: TreeNode;
  event: TreeEvent;
  extra: Extra;
}

/** Why some JSON cannot be shown visually: where (`rules.0.conditions.all.2`) and what. */
export interface ShapeProblem {
  at: string;
  code:
    | 'notArray'
    | 'notObject'
    | 'missing'
    | 'notString'
    | 'notNumber'
    | 'notList'
    | 'manyBooleans';
  /** The field concerned (for missing / notString / notNumber). */
  key?: string;
}

export type TreeParse = { ok: true; rules: TreeRule[] } | { ok: false; problem: ShapeProblem };

let counter = 0;
/** A fresh node id (React keys, DOM ids and error placement; never written to the rules). */
export function newId(): string {
  counter += 1;
  return `n${counter}`;
}

class Unshowable extends Error {
  constructor(readonly problem: ShapeProblem) {
    super(problem.code);
  }
}
const unshowable = (at: string, code: ShapeProblem['code'], key?: string): never => {
  throw new Unshowable(key === undefined ? { at, code } : { at, code, key });
};

const isObject = (v: unknown): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

function rest(obj: Record<string, Json>, known: readonly string[]): Extra {
  const extra: Extra = {};
  // defineProperty: a "__proto__" key of parsed JSON stays a key (assignment would set the prototype).
  for (const [k, v] of Object.entries(obj)) if (!known.includes(k)) Object.defineProperty(extra, k, { value: v, enumerable: true, writable: true, configurable: true });
  return extra;
}

function optionalString(obj: Record<string, Json>, key: string, at: string): string | undefined {
  if (!Object.hasOwn(obj, key)) return undefined;
  const v = obj[key];
  if (typeof v !== 'string') unshowable(`${at}.${key}`, 'notString', key);
  return v as string;
}

const BOOLEANS = ['all', 'any', 'not'] as const;

function toNode(raw: Json, at: string): TreeNode {
  if (!isObject(raw)) return unshowable(at, 'notObject');
  const booleans = BOOLEANS.filter((k) => Object.hasOwn(raw, k));
  if (booleans.length > 1) unshowable(at, 'manyBooleans');
  const op = booleans[0];
  if (op === 'not') {
    return { kind: 'not', id: newId(), child: toNode(raw.not, `${at}.not`), extra: rest(raw, ['not']) };
  }
  if (op === 'all' || op === 'any') {
    const children = raw[op];
    if (!Array.isArray(children)) return unshowable(`${at}.${op}`, 'notList', op);
    return { kind: 'group', id: newId(), combinator: op, children: children.map((c, i) => toNode(c, `${at}.${op}.${i}`)), extra: rest(raw, [op]) };
  }
  for (const key of ['fact', 'operator'] as const) {
    if (!Object.hasOwn(raw, key)) unshowable(`${at}.${key}`, 'missing', key);
    if (typeof raw[key] !== 'string') unshowable(`${at}.${key}`, 'notString', key);
  }
  if (!Object.hasOwn(raw, 'value')) unshowable(`${at}.value`, 'missing', 'value');
  const path = optionalString(raw, 'path', at);
  const leaf: LeafNode = { kind: 'leaf', id: newId(), fact: raw.fact as string, operator: raw.operator as string, value: raw.value, extra: rest(raw, ['fact', 'path', 'operator', 'value']) };
  if (path !== undefined) leaf.path = path;
  return leaf;
}

function toEvent(raw: Json, at: string): TreeEvent {
  if (!isObject(raw)) return unshowable(at, 'notObject');
  if (!Object.hasOwn(raw, 'type')) unshowable(`${at}.type`, 'missing', 'type');
  if (typeof raw.type !== 'string') unshowable(`${at}.type`, 'notString', 'type');
  const event: TreeEvent = { type: raw.type as string, hasParams: Object.hasOwn(raw, 'params'), extraParams: {}, extra: rest(raw, ['type', 'params']) };
  if (event.hasParams) {
    const params = raw.params;
    if (!isObject(params)) return unshowable(`${at}.params`, 'notObject');
    const reason = optionalString(params, 'reason', `${at}.params`);
    const responseCode = optionalString(params, 'responseCode', `${at}.params`);
    if (reason !== undefined) event.reason = reason;
    if (responseCode !== undefined) event.responseCode = responseCode;
    event.extraParams = rest(params, ['reason', 'responseCode']);
  }
  return event;
}

function toRule(raw: Json, at: string): TreeRule {
  if (!isObject(raw)) return unshowable(at, 'notObject');
  if (!Object.hasOwn(raw, 'conditions')) unshowable(`${at}.conditions`, 'missing', 'conditions');
  if (!Object.hasOwn(raw, 'event')) unshowable(`${at}.event`, 'missing', 'event');
  const rule: TreeRule = { id: newId(), conditions: toNode(raw.conditions, `${at}.conditions`), event: toEvent(raw.event, `${at}.event`), extra: rest(raw, ['name', 'priority', 'conditions', 'event']) };
  const name = optionalString(raw, 'name', at);
  if (name !== undefined) rule.name = name;
  if (Object.hasOwn(raw, 'priority')) {
    if (typeof raw.priority !== 'number' || !Number.isFinite(raw.priority)) unshowable(`${at}.priority`, 'notNumber', 'priority');
    rule.priority = raw.priority as number;
  }
  return rule;
}

/** The visual tree of some rules JSON, or where and why it cannot be shown. */
export function rulesToTree(raw: Json, field = 'rules'): TreeParse {
  try {
    if (!Array.isArray(raw)) unshowable(field, 'notArray');
    return { ok: true, rules: (raw as Json[]).map((r, i) => toRule(r, `${field}.${i}`)) };
  } catch (err) {
    if (err instanceof Unshowable) return { ok: false, problem: err.problem };
    throw err;
  }
}

export function nodeToJson(node: TreeNode): Record<string, Json> {
  switch (node.kind) {
    case 'leaf': {
      const out: Record<string, Json> = { fact: node.fact };
      if (node.path !== undefined) out.path = node.path;
      out.operator = node.operator;
      out.value = node.value;
      return { ...out, ...node.extra };
    }
    case 'group':
      return { [node.combinator]: node.children.map(nodeToJson), ...node.extra };
    case 'not':
      return { not: nodeToJson(node.child), ...node.extra };
  }
}

function eventToJson(event: TreeEvent): Record<string, Json> {
  const out: Record<string, Json> = { type: event.type };
  if (event.hasParams || event.reason !== undefined || event.responseCode !== undefined) {
    const params: Record<string, Json> = {};
    if (event.reason !== undefined) params.reason = event.reason;
    if (event.responseCode !== undefined) params.responseCode = event.responseCode;
    out.params = { ...params, ...event.extraParams };
  }
  return { ...out, ...event.extra };
}

/** The rules JSON of a tree (keys in the order the API documents them; extras after). */
export function treeToRules(rules: readonly TreeRule[]): Record<string, Json>[] {
  return rules.map((rule) => {
    const out: Record<string, Json> = {};
    if (rule.name !== undefined) out.name = rule.name;
    if (rule.priority !== undefined) out.priority = rule.priority;
    out.conditions = nodeToJson(rule.conditions);
    out.event = eventToJson(rule.event);
    return { ...out, ...rule.extra };
  });
}

// ---- editing ------------------------------------------------------------------------------------

/** Replaces the node `id` by what `change` returns (null removes it from its group). */
export function mapNode(node: TreeNode, id: string, change: (n: TreeNode) => TreeNode | null): TreeNode | null {
  if (node.id === id) return change(node);
  if (node.kind === 'group') {
    const children: TreeNode[] = [];
    let changed = false;
    for (const c of node.children) {
      const next = mapNode(c, id, change);
      if (next !== c) changed = true;
      if (next) children.push(next);
    }
    return changed ? { ...node, children } : node;
  }
  if (node.kind === 'not') {
    const child = mapNode(node.child, id, change);
    if (child === node.child) return node;
    // A "not" whose only condition is removed goes with it.
    return child ? { ...node, child } : null;
  }
  return node;
}

/** Applies `change` to the node `id` in whichever rule holds it. A rule's root is never removed. */
export function updateNode(rules: readonly TreeRule[], id: string, change: (n: TreeNode) => TreeNode | null): TreeRule[] {
  return rules.map((rule) => {
    const next = mapNode(rule.conditions, id, change);
    if (next === rule.conditions) return rule;
    return { ...rule, conditions: next ?? { kind: 'group', id: newId(), combinator: 'all', children: [], extra: {} } };
  });
}

export function findNode(node: TreeNode, id: string): TreeNode | undefined {
  if (node.id === id) return node;
  if (node.kind === 'group') {
    for (const c of node.children) {
      const found = findNode(c, id);
      if (found) return found;
    }
  }
  if (node.kind === 'not') return findNode(node.child, id);
  return undefined;
}

/** Levels of all/any/not from this node down (a leaf is 0): the server allows 5 from a rule's root. */
export function depthOf(node: TreeNode): number {
  if (node.kind === 'leaf') return 0;
  if (node.kind === 'not') return 1 + depthOf(node.child);
  return 1 + Math.max(0, ...node.children.map(depthOf));
}

export function leafCount(node: TreeNode): number {
  if (node.kind === 'leaf') return 1;
  if (node.kind === 'not') return leafCount(node.child);
  return node.children.reduce((n, c) => n + leafCount(c), 0);
}

// ---- server errors → the row they are about -----------------------------------------------------

/**
 * Where a 4009501's `field` belongs. `control` is the control of that row to show it on and focus:
 * for a condition `fact` (fact and path are one picker), `operator` or `value`; for a rule `name`,
 * `priority`, `type`, `reason` or `responseCode`; `row` for the node as a whole.
 */
export interface ProblemPlace {
  ruleId?: string;
  nodeId?: string;
  control: 'fact' | 'operator' | 'value' | 'name' | 'priority' | 'type' | 'reason' | 'responseCode' | 'row' | 'rules';
}

export function placeOfField(rules: readonly TreeRule[], field: string, prefix = 'rules'): ProblemPlace {
  const parts = field.split('.');
  if (parts[0] !== prefix) return { control: 'rules' };
  const index = Number(parts[1]);
  const rule = Number.isInteger(index) ? rules[index] : undefined;
  if (!rule) return { control: 'rules' };
  const [section, ...more] = parts.slice(2);
  if (section === 'name' || section === 'priority') return { ruleId: rule.id, control: section };
  if (section === 'event') {
    const last = more.at(-1);
    if (last === 'reason' || last === 'responseCode') return { ruleId: rule.id, control: last };
    return { ruleId: rule.id, control: 'type' };
  }
  if (section !== 'conditions') return { ruleId: rule.id, control: 'row' };
  let node: TreeNode = rule.conditions;
  let i = 0;
  for (;;) {
    const step = more[i];
    if (node.kind === 'group' && step === node.combinator && more[i + 1] !== undefined) {
      const child: TreeNode | undefined = node.children[Number(more[i + 1])];
      if (!child) break;
      node = child;
      i += 2;
      continue;
    }
    if (node.kind === 'not' && step === 'not') {
      node = node.child;
      i += 1;
      continue;
    }
    break;
  }
  const step = more[i];
  if (node.kind === 'leaf' && (step === 'fact' || step === 'path')) return { ruleId: rule.id, nodeId: node.id, control: 'fact' };
  if (node.kind === 'leaf' && (step === 'operator' || step === 'value')) return { ruleId: rule.id, nodeId: node.id, control: step };
  return { ruleId: rule.id, nodeId: node.id, control: 'row' };
}

/** The field of a node, as the server names it (`rules.0.conditions.all.1`), for messages of the editor's own. */
export function fieldOfNode(rules: readonly TreeRule[], id: string, prefix = 'rules'): string | undefined {
  const walk = (node: TreeNode, at: string): string | undefined => {
    if (node.id === id) return at;
    if (node.kind === 'group') {
      for (const [i, c] of node.children.entries()) {
        const found = walk(c, `${at}.${node.combinator}.${i}`);
        if (found) return found;
      }
    }
    if (node.kind === 'not') return walk(node.child, `${at}.not`);
    return undefined;
  };
  for (const [i, rule] of rules.entries()) {
    const found = walk(rule.conditions, `${prefix}.${i}.conditions`);
    if (found) return found;
  }
  return undefined;
}

/** The tree without its ids, for comparing trees (ids are fresh on each parse). */
export function withoutIds(rules: readonly TreeRule[]): unknown {
  const strip = (node: TreeNode): unknown => {
    const { id: _id, ...rest } = node;
    if (node.kind === 'group') return { ...rest, children: node.children.map(strip) };
    if (node.kind === 'not') return { ...rest, child: strip(node.child) };
    return rest;
  };
  return rules.map(({ id: _id, conditions, ...rest }) => ({ ...rest, conditions: strip(conditions) }));
}
