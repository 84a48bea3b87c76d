/**
 * The spend-rule editor (json-rules-engine rules, docs/policies.md "Rules"): what the policy pages
 * import. The editor keeps shapes these types do not name (unknown keys, condition params) and the
 * JSON view sends any array as typed: the server's rule validation is what decides.
 */

/** A leaf condition: `fact` + `path` (e.g. "transaction" + "$.amount"), an operator and a value. */
export interface RuleCondition {
  fact: string;
  path?: string;
  operator: string;
  value: unknown;
}

/** A nested group: every (`all`) or any (`any`) of its conditions, or the negation (`not`) of one. */
export type RuleConditions = { all: RuleNode[] } | { any: RuleNode[] } | { not: RuleNode };
export type RuleNode = RuleCondition | RuleConditions;

export interface PolicyRuleEvent {
  type: 'decline' | 'review' | 'approve';
  params: { reason: string; responseCode?: string };
}

/**
 * One rule as the policy API takes and returns it. The API also accepts `{not: condition}` nodes and
 * `name` / `priority` on conditions; the editor shows the first and keeps the rest (and any other
 * key) as it was, so rules passed through it lose nothing.
 */
export interface PolicyRule {
  name?: string;
  priority?: number;
  conditions: RuleConditions;
  event: PolicyRuleEvent;
}

/**
 * A problem the server found (4009501): `field` is the dotted path of the body field, e.g.
 * `rules.0.conditions.all.1.operator`; the editor shows `message` on that exact row.
 */
export interface RuleProblem {
  field: string;
  message: string;
}

export { RuleEditor, type RuleEditorProps } from './rule-editor';
/** Test before saving: the draft rules against a sample transaction, with the decision and the trace. */
export { RuleTestPanel, type RuleTestPanelProps } from './test-panel';
