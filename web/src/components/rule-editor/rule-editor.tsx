import { useQuery } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { get } from '../../api';
import type { MccGroup } from '../../api-types';
import type { Translate } from '../../decline-reasons';
import { useLang } from '../../i18n';
import { EVENT_TYPES, FACT_GROUPS, FACTS, LIMITS, RESPONSE_CODES, defaultValue, factKey, findFact, findOperator, operatorApplies, operatorsFor, propertyOfPath, takesList, type FactDef } from './fact-catalogue';
import type { PolicyRule, RuleProblem } from './index';
import { depthOf, findNode, leafCount, newId, placeOfField, rulesToTree, treeToRules, updateNode, type LeafNode, type ProblemPlace, type ShapeProblem, type TreeNode, type TreeRule } from './rule-tree';
import { ValueInput } from './value-input';
import { valueFits } from './value-model';
import './rule-editor.css';

export interface RuleEditorProps {
  rules: PolicyRule[];
  /**
   * The rules after each edit, as JSON to send: they may hold more than PolicyRule's type says
   * (`not`, keys the editor keeps without a control, whatever was typed in the JSON view); the
   * server validates them.
   */
  onChange: (rules: PolicyRule[]) => void;
  /** The server's 4009501, shown where it belongs. */
  problem?: RuleProblem | null;
  /** The business's currency: amount values are typed in it (minor units in the rules). */
  currency: string;
  disabled?: boolean;
  /**
   * Whether what the editor holds is rules at all: false while the JSON view has text that is not
   * JSON or not an array (the page then neither saves nor tests: `rules` is the last good value).
   */
  onValidityChange?: (valid: boolean) => void;
}

/** A condition the editor adds: amount ≥ 0, for the admin to change. */
function newCondition(): LeafNode {
  return { kind: 'leaf', id: newId(), fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 0, extra: {} };
}

function newRule(existing: readonly TreeRule[]): TreeRule {
  const names = new Set(existing.map((r) => r.name));
  let n = existing.length + 1;
  while (names.has(`rule-${n}`)) n += 1;
  return {
    id: newId(),
    name: `rule-${n}`,
    priority: 1,
    conditions: { kind: 'group', id: newId(), combinator: 'all', children: [newCondition()], extra: {} },
    event: { type: 'decline', hasParams: true, reason: '', extraParams: {}, extra: {} },
    extra: {},
  };
}

const stringify = (rules: unknown) => JSON.stringify(rules, null, 2);

function shapeMessage(p: ShapeProblem, t: Translate): string {
  return t(`ruleEditor.shape.${p.code}`, { at: p.at, key: p.key ?? '' });
}

interface Shown {
  place: ProblemPlace;
  message: string;
}

interface EditorContext {
  baseId: string;
  currency: string;
  disabled: boolean;
  groupNames: readonly string[] | undefined;
  shown: Shown | null;
  tree: readonly TreeRule[];
  edit(change: (rules: TreeRule[]) => TreeRule[]): void;
}
const Ctx = createContext<EditorContext | null>(null);
const useEditor = () => useContext(Ctx)!;

/** The DOM id of a control of a rule or condition (to focus it when the server names it). */
const controlId = (baseId: string, ownerId: string, control: string) => `${baseId}-${ownerId}-${control}`;

/**
 * The visual rule editor and the JSON view of the same rules (docs/policies.md, "The rule
 * editor"). The visual tree is rule-tree.ts's; each edit hands the rules JSON to `onChange`.
 */
export function RuleEditor({ rules, onChange, problem, currency, disabled = false, onValidityChange }: RuleEditorProps) {
  const { t } = useLang();
  const baseId = useId();
  const groups = useQuery({
    queryKey: ['mcc-groups'],
    queryFn: ({ signal }) => get<{ mccGroups: MccGroup[] }>('/mcc-groups', undefined, signal),
    staleTime: Infinity,
  });
  const groupNames = groups.data?.mccGroups.map((g) => g.name);

  const [initial] = useState(() => rulesToTree(rules));
  const [tree, setTree] = useState<TreeRule[]>(initial.ok ? initial.rules : []);
  const [view, setView] = useState<'visual' | 'json'>(initial.ok ? 'visual' : 'json');
  const [text, setText] = useState(() => stringify(rules));
  const [jsonProblem, setJsonProblem] = useState<string | undefined>(initial.ok ? undefined : shapeMessage(initial.problem, t));
  const [shown, setShown] = useState<Shown | null>(null);
  const [focus, setFocus] = useState<string | null>(null);
  const emitted = useRef(JSON.stringify(rules));
  const validity = useRef(onValidityChange);
  validity.current = onValidityChange;

  const emit = (next: unknown) => {
    emitted.current = JSON.stringify(next);
    onChange(next as PolicyRule[]);
  };

  // Rules given from outside (a version loaded after the first render) replace the editor's.
  useEffect(() => {
    const s = JSON.stringify(rules);
    if (s === emitted.current) return;
    emitted.current = s;
    const parsed = rulesToTree(rules);
    setText(stringify(rules));
    if (parsed.ok) {
      setTree(parsed.rules);
      setJsonProblem(undefined);
    } else {
      setView('json');
      setJsonProblem(shapeMessage(parsed.problem, t));
    }
    // t is a new function on each render; the language does not change what is parsed.
  }, [rules]);

  // A server problem: on its row in the visual view (switching to it when the JSON can be shown), focused.
  useEffect(() => {
    if (!problem) return setShown(null);
    let current = tree;
    if (view === 'json') {
      const parsed = (() => {
        try {
          return rulesToTree(JSON.parse(text));
        } catch {
          return undefined;
        }
      })();
      if (parsed?.ok) {
        current = parsed.rules;
        setTree(parsed.rules);
        setView('visual');
      } else {
        setShown({ place: { control: 'rules' }, message: problem.message });
        return;
      }
    }
    const place = placeOfField(current, problem.field);
    setShown({ place, message: problem.message });
    const owner = place.nodeId ?? place.ruleId;
    setFocus(owner ? controlId(baseId, owner, place.control) : `${baseId}-rules`);
    // Only a new problem moves the view; edits do not bring an old one back.
  }, [problem]);

  useLayoutEffect(() => {
    if (!focus) return;
    const el = document.getElementById(focus);
    if (el) {
      el.focus();
      el.scrollIntoView({ block: 'center' });
    }
    setFocus(null);
  }, [focus]);

  const edit = (change: (rules: TreeRule[]) => TreeRule[]) => {
    const next = change(tree);
    setTree(next);
    setShown(null);
    emit(treeToRules(next));
  };

  const toJson = () => {
    setText(stringify(treeToRules(tree)));
    setJsonProblem(undefined);
    setView('json');
  };
  const toVisual = () => {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      setJsonProblem(t('ruleEditor.json.invalid', { message: err instanceof Error ? err.message : String(err) }));
      return;
    }
    const parsed = rulesToTree(raw);
    if (!parsed.ok) return setJsonProblem(shapeMessage(parsed.problem, t));
    setTree(parsed.rules);
    setJsonProblem(undefined);
    setView('visual');
  };
  const onText = (value: string) => {
    setText(value);
    setShown(null);
    try {
      const raw = JSON.parse(value) as unknown;
      if (!Array.isArray(raw)) {
        setJsonProblem(t('ruleEditor.shape.notArray', { at: 'rules' }));
        validity.current?.(false);
        return;
      }
      setJsonProblem(undefined);
      validity.current?.(true);
      emit(raw);
    } catch (err) {
      setJsonProblem(t('ruleEditor.json.invalid', { message: err instanceof Error ? err.message : String(err) }));
      validity.current?.(false);
    }
  };

  useEffect(() => {
    if (view === 'visual') validity.current?.(true);
  }, [view]);

  const jsonId = `${baseId}-json`;
  const topMessage = shown?.place.control === 'rules' ? shown.message : undefined;
  return (
    <Ctx.Provider value={{ baseId, currency, disabled, groupNames, shown, tree, edit }}>
      <div className="rule-editor">
        <div className="rule-view-switch" role="group" aria-label={t('ruleEditor.view.label')}>
          <button type="button" aria-pressed={view === 'visual'} onClick={() => view === 'json' && toVisual()}>
            {t('ruleEditor.view.visual')}
          </button>
          <button type="button" aria-pressed={view === 'json'} onClick={() => view === 'visual' && toJson()}>
            {t('ruleEditor.view.json')}
          </button>
        </div>
        {topMessage && (
          <p id={`${baseId}-rules`} tabIndex={-1} className="form-error" role="alert">
            {topMessage}
          </p>
        )}
        {view === 'json' ? (
          <div className={`field rule-json${jsonProblem ? ' field-invalid' : ''}`}>
            <label htmlFor={jsonId}>{t('ruleEditor.json.label')}</label>
            <textarea
              id={jsonId}
              className="code"
              rows={Math.min(30, Math.max(8, text.split('\n').length + 1))}
              value={text}
              readOnly={disabled}
              spellCheck={false}
              aria-invalid={Boolean(jsonProblem)}
              aria-describedby={`${jsonId}-hint${jsonProblem ? ` ${jsonId}-error` : ''}`}
              onChange={(e) => onText(e.target.value)}
            />
            <p id={`${jsonId}-hint`} className="field-hint">
              {t('ruleEditor.json.hint')}
            </p>
            {jsonProblem && (
              <p id={`${jsonId}-error`} className="field-error" role="alert">
                {jsonProblem}
              </p>
            )}
          </div>
        ) : (
          <>
            {tree.length === 0 && <p className="muted">{t('ruleEditor.rule.none')}</p>}
            <ol className="rule-list-rules">
              {tree.map((rule, i) => (
                <RuleCard key={rule.id} rule={rule} index={i} />
              ))}
            </ol>
            {!disabled && (
              <button type="button" disabled={tree.length >= LIMITS.rules} onClick={() => edit((rs) => [...rs, newRule(rs)])}>
                {t('ruleEditor.rule.add')}
              </button>
            )}
          </>
        )}
      </div>
    </Ctx.Provider>
  );
}

/** The message of the shown problem when it is about this control of this rule or condition. */
function useProblem(ownerId: string, control: ProblemPlace['control']): string | undefined {
  const { shown } = useEditor();
  if (!shown) return undefined;
  const owner = shown.place.nodeId ?? shown.place.ruleId;
  return owner === ownerId && shown.place.control === control ? shown.message : undefined;
}

function ErrorText({ id, text }: { id: string; text: string | undefined }) {
  return text ? (
    <p id={id} className="field-error" tabIndex={-1}>
      {text}
    </p>
  ) : null;
}

/** A labelled control of a rule with the server's message about it. */
function RuleField({ ownerId, control, label, hint, children }: { ownerId: string; control: ProblemPlace['control']; label: string; hint?: string; children: (p: { id: string; 'aria-invalid': boolean; 'aria-describedby'?: string }) => ReactNode }) {
  const { baseId } = useEditor();
  const id = controlId(baseId, ownerId, control);
  const message = useProblem(ownerId, control);
  const described = [hint ? `${id}-hint` : '', message ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${message ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(message), 'aria-describedby': described })}
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      <ErrorText id={`${id}-error`} text={message} />
    </div>
  );
}

function RuleCard({ rule, index }: { rule: TreeRule; index: number }) {
  const { t } = useLang();
  const { baseId, disabled, edit } = useEditor();
  const change = (patch: (r: TreeRule) => TreeRule) => edit((rs) => rs.map((r) => (r.id === rule.id ? patch(r) : r)));
  const title = t('ruleEditor.rule.title', { n: index + 1, name: rule.name ?? '' });
  const rowMessage = useProblem(rule.id, 'row');
  const knownType = (EVENT_TYPES as readonly string[]).includes(rule.event.type);
  const knownCode = rule.event.responseCode === undefined || (RESPONSE_CODES as readonly string[]).includes(rule.event.responseCode);
  return (
    <li className="rule-card panel">
      <section aria-label={title}>
        <div className="rule-head">
          <h3>{title}</h3>
          {!disabled && (
            <button type="button" className="danger" onClick={() => edit((rs) => rs.filter((r) => r.id !== rule.id))}>
              {t('ruleEditor.rule.remove')}
            </button>
          )}
        </div>
        <ErrorText id={controlId(baseId, rule.id, 'row')} text={rowMessage} />
        <div className="rule-fields">
          <RuleField ownerId={rule.id} control="name" label={t('ruleEditor.rule.name')}>
            {(p) => <input {...p} type="text" value={rule.name ?? ''} readOnly={disabled} maxLength={LIMITS.nameLength} onChange={(e) => change((r) => ({ ...r, name: e.target.value }))} />}
          </RuleField>
          <RuleField ownerId={rule.id} control="priority" label={t('ruleEditor.rule.priority')} hint={t('ruleEditor.rule.priorityHint')}>
            {(p) => (
              <input
                {...p}
                type="number"
                min={1}
                max={LIMITS.priority}
                step={1}
                readOnly={disabled}
                value={rule.priority ?? ''}
                onChange={(e) => {
                  const v = e.target.value;
                  change((r) => {
                    const { priority: _old, ...rest } = r;
                    return v === '' ? rest : { ...rest, priority: Number(v) };
                  });
                }}
              />
            )}
          </RuleField>
          <RuleField ownerId={rule.id} control="type" label={t('ruleEditor.rule.event')}>
            {(p) => (
              <select
                {...p}
                disabled={disabled}
                value={rule.event.type}
                onChange={(e) => {
                  const type = e.target.value;
                  change((r) => {
                    const { responseCode, ...event } = r.event;
                    return { ...r, event: type === 'decline' && responseCode !== undefined ? { ...event, responseCode, type } : { ...event, type } };
                  });
                }}
              >
                {!knownType && <option value={rule.event.type}>{rule.event.type}</option>}
                {EVENT_TYPES.map((type) => (
                  <option key={type} value={type}>
                    {t(`ruleEditor.events.${type}`)}
                  </option>
                ))}
              </select>
            )}
          </RuleField>
          <RuleField ownerId={rule.id} control="reason" label={t('ruleEditor.rule.reason')} hint={t('ruleEditor.rule.reasonHint')}>
            {(p) => (
              <input
                {...p}
                type="text"
                readOnly={disabled}
                maxLength={LIMITS.stringLength}
                value={rule.event.reason ?? ''}
                onChange={(e) => change((r) => ({ ...r, event: { ...r.event, hasParams: true, reason: e.target.value } }))}
              />
            )}
          </RuleField>
          {(rule.event.type === 'decline' || rule.event.responseCode !== undefined) && (
            <RuleField ownerId={rule.id} control="responseCode" label={t('ruleEditor.rule.responseCode')}>
              {(p) => (
                <select
                  {...p}
                  disabled={disabled}
                  value={rule.event.responseCode ?? ''}
                  onChange={(e) => {
                    const code = e.target.value;
                    change((r) => {
                      const { responseCode: _old, ...event } = r.event;
                      return { ...r, event: code === '' ? event : { ...event, hasParams: true, responseCode: code } };
                    });
                  }}
                >
                  <option value="">{t('ruleEditor.rule.responseCodeDefault')}</option>
                  {!knownCode && <option value={rule.event.responseCode}>{rule.event.responseCode}</option>}
                  {RESPONSE_CODES.map((code) => (
                    <option key={code} value={code}>
                      {code} · {t(`ruleEditor.codes.${code}`)}
                    </option>
                  ))}
                </select>
              )}
            </RuleField>
          )}
        </div>
        <h4 className="rule-conditions-title">{t('ruleEditor.rule.conditions')}</h4>
        {/* Numbered by the rule: rule 2's root is group 2, and its first condition 2.1. */}
        <NodeEditor node={rule.conditions} label={String(index + 1)} depth={1} isRoot />
      </section>
    </li>
  );
}

function NodeEditor({ node, label, depth, isRoot = false }: { node: TreeNode; label: string; depth: number; isRoot?: boolean }) {
  if (node.kind === 'leaf') return <ConditionRow node={node} label={label} depth={depth} />;
  if (node.kind === 'not') return <NotEditor node={node} label={label} depth={depth} isRoot={isRoot} />;
  return <GroupEditor node={node} label={label} depth={depth} isRoot={isRoot} />;
}

function NodeActions({ node, isRoot, depth }: { node: TreeNode; isRoot: boolean; depth: number }) {
  const { t } = useLang();
  const { disabled, edit } = useEditor();
  if (disabled) return null;
  const wrap = () => edit((rs) => updateNode(rs, node.id, (n) => ({ kind: 'not', id: newId(), child: n, extra: {} })));
  return (
    <>
      <button type="button" disabled={depth + depthOf(node) > LIMITS.depth} onClick={wrap}>
        {t('ruleEditor.group.negate')}
      </button>
      {!isRoot && (
        <button type="button" className="danger" onClick={() => edit((rs) => updateNode(rs, node.id, () => null))}>
          {node.kind === 'leaf' ? t('ruleEditor.condition.remove') : t('ruleEditor.group.remove')}
        </button>
      )}
    </>
  );
}

function GroupEditor({ node, label, depth, isRoot }: { node: Extract<TreeNode, { kind: 'group' }>; label: string; depth: number; isRoot: boolean }) {
  const { t } = useLang();
  const { baseId, disabled, edit, shown, tree } = useEditor();
  const name = t('ruleEditor.group.label', { label });
  const message = shown?.place.nodeId === node.id ? shown.message : undefined;
  const selectId = controlId(baseId, node.id, 'combinator');
  const rule = tree.find((r) => findNode(r.conditions, node.id));
  const full = rule !== undefined && leafCount(rule.conditions) >= LIMITS.conditionsPerRule;
  const add = (child: TreeNode) => edit((rs) => updateNode(rs, node.id, (n) => (n.kind === 'group' ? { ...n, children: [...n.children, child] } : n)));
  return (
    <div className={`rule-group rule-group-${node.combinator}${message ? ' rule-node-invalid' : ''}`} role="group" aria-label={name}>
      <div className="rule-group-head">
        <label htmlFor={selectId}>{t('ruleEditor.group.match', { label })}</label>
        <select
          id={selectId}
          disabled={disabled}
          value={node.combinator}
          onChange={(e) => {
            const combinator = e.target.value as 'all' | 'any';
            edit((rs) => updateNode(rs, node.id, (n) => (n.kind === 'group' ? { ...n, combinator } : n)));
          }}
        >
          <option value="all">{t('ruleEditor.group.all')}</option>
          <option value="any">{t('ruleEditor.group.any')}</option>
        </select>
        <NodeActions node={node} isRoot={isRoot} depth={depth} />
      </div>
      <ErrorText id={controlId(baseId, node.id, 'row')} text={message} />
      {node.children.length === 0 ? (
        <p className="muted">{t('ruleEditor.group.empty')}</p>
      ) : (
        <ol className="rule-children">
          {node.children.map((child, i) => (
            <li key={child.id}>
              <NodeEditor node={child} label={`${label}.${i + 1}`} depth={depth + 1} />
            </li>
          ))}
        </ol>
      )}
      {!disabled && (
        <div className="rule-group-add">
          <button type="button" disabled={full} onClick={() => add(newCondition())}>
            {t('ruleEditor.group.addCondition', { label })}
          </button>
          <button type="button" disabled={full || depth >= LIMITS.depth} onClick={() => add({ kind: 'group', id: newId(), combinator: 'any', children: [newCondition()], extra: {} })}>
            {t('ruleEditor.group.addGroup', { label })}
          </button>
          {full && <span className="muted">{t('ruleEditor.group.full', { max: LIMITS.conditionsPerRule })}</span>}
        </div>
      )}
    </div>
  );
}

function NotEditor({ node, label, depth, isRoot }: { node: Extract<TreeNode, { kind: 'not' }>; label: string; depth: number; isRoot: boolean }) {
  const { t } = useLang();
  const { baseId, disabled, edit, shown } = useEditor();
  const message = shown?.place.nodeId === node.id ? shown.message : undefined;
  return (
    <div className="rule-group rule-not" role="group" aria-label={t('ruleEditor.group.notLabel', { label })}>
      <div className="rule-group-head">
        <span className="rule-not-word">{t('ruleEditor.group.not')}</span>
        {/* A rule's conditions start with all, any or not: a lone condition cannot be the root. */}
        {!disabled && !(isRoot && node.child.kind === 'leaf') && (
          <button type="button" onClick={() => edit((rs) => updateNode(rs, node.id, (n) => (n.kind === 'not' ? n.child : n)))}>
            {t('ruleEditor.group.unNegate')}
          </button>
        )}
        {!disabled && !isRoot && (
          <button type="button" className="danger" onClick={() => edit((rs) => updateNode(rs, node.id, () => null))}>
            {t('ruleEditor.group.remove')}
          </button>
        )}
      </div>
      <ErrorText id={controlId(baseId, node.id, 'row')} text={message} />
      <NodeEditor node={node.child} label={`${label}.1`} depth={depth + 1} />
    </div>
  );
}

function factLabel(f: FactDef, lang: 'en' | 'id'): string {
  return `${f.meaning[lang]} (${f.group}.${f.property})`;
}

function ConditionRow({ node, label, depth }: { node: LeafNode; label: string; depth: number }) {
  const { t, lang } = useLang();
  const { baseId, currency, disabled, edit, groupNames } = useEditor();
  const fact = findFact(node.fact, node.path);
  const op = findOperator(node.operator);
  const factMessage = useProblem(node.id, 'fact');
  const opMessage = useProblem(node.id, 'operator');
  const valueMessage = useProblem(node.id, 'value');
  const rowMessage = useProblem(node.id, 'row');
  const ids = { fact: controlId(baseId, node.id, 'fact'), operator: controlId(baseId, node.id, 'operator'), value: controlId(baseId, node.id, 'value') };
  const set = (patch: (n: LeafNode) => LeafNode) => edit((rs) => updateNode(rs, node.id, (n) => (n.kind === 'leaf' ? patch(n) : n)));
  const currentKey = fact ? factKey(fact.group, fact.property) : `${node.fact}|${node.path ?? ''}`;
  const operators = fact ? operatorsFor(fact) : [];
  const name = t('ruleEditor.condition.label', { label });

  const chooseFact = (key: string) => {
    const next = FACTS.find((f) => factKey(f.group, f.property) === key);
    if (!next) return;
    set((n) => {
      const kept = op && operatorApplies(op, next) ? op : operatorsFor(next)[0]!;
      const sameKind = fact !== undefined && fact.kind === next.kind && fact.type === next.type;
      const dollar = n.path === undefined || n.path.startsWith('$.');
      return { ...n, fact: next.group, path: dollar ? `$.${next.property}` : next.property, operator: kept.name, value: sameKind && kept === op && valueFits(next, kept, n.value) ? n.value : defaultValue(next, kept) };
    });
  };
  const chooseOperator = (name: string) => {
    const next = findOperator(name);
    if (!next || !fact) return;
    set((n) => {
      // The value is kept while it fits; a single value becomes a list of one and back.
      let value: unknown = n.value;
      if (!valueFits(fact, next, value)) {
        if (Array.isArray(value) && !takesList(next) && value.length > 0 && valueFits(fact, next, value[0])) value = value[0];
        else if (!Array.isArray(value) && value !== '' && takesList(next) && valueFits(fact, next, [value])) value = [value];
        else value = defaultValue(fact, next);
      }
      return { ...n, operator: next.name, value };
    });
  };
  const describedBy = (id: string, message: string | undefined, hint?: string) => [hint, message ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;

  return (
    <div className={`rule-condition${rowMessage ? ' rule-node-invalid' : ''}`} role="group" aria-label={name}>
      <div className="rule-condition-controls">
        <div className={`field${factMessage ? ' field-invalid' : ''}`}>
          <label htmlFor={ids.fact}>{t('ruleEditor.condition.fact')}</label>
          <select id={ids.fact} disabled={disabled} value={currentKey} aria-invalid={Boolean(factMessage)} aria-describedby={describedBy(ids.fact, factMessage, `${ids.fact}-hint`)} onChange={(e) => chooseFact(e.target.value)}>
            {!fact && <option value={currentKey}>{t('ruleEditor.condition.unknownFact', { fact: `${node.fact} ${node.path ?? ''}`.trim() })}</option>}
            {FACT_GROUPS.map((group) => (
              <optgroup key={group} label={t(`ruleEditor.factGroups.${group}`)}>
                {FACTS.filter((f) => f.group === group).map((f) => (
                  <option key={f.property} value={factKey(f.group, f.property)}>
                    {factLabel(f, lang)}
                  </option>
                ))}
              </optgroup>
            ))}
          </select>
          <ErrorText id={`${ids.fact}-error`} text={factMessage} />
        </div>
        <div className={`field${opMessage ? ' field-invalid' : ''}`}>
          <label htmlFor={ids.operator}>{t('ruleEditor.condition.operator')}</label>
          <select id={ids.operator} disabled={disabled} value={node.operator} aria-invalid={Boolean(opMessage)} aria-describedby={describedBy(ids.operator, opMessage)} onChange={(e) => chooseOperator(e.target.value)}>
            {!operators.some((o) => o.name === node.operator) && <option value={node.operator}>{t('ruleEditor.condition.unknownOperator', { operator: node.operator })}</option>}
            {operators.map((o) => (
              <option key={o.name} value={o.name}>
                {t(`ruleEditor.operators.${o.name}`)}
              </option>
            ))}
          </select>
          <ErrorText id={`${ids.operator}-error`} text={opMessage} />
        </div>
        <div className={`field${valueMessage ? ' field-invalid' : ''}`}>
          <ValueInput
            id={ids.value}
            label={t('ruleEditor.condition.value')}
            fact={fact}
            op={op}
            value={node.value}
            currency={currency}
            groupNames={groupNames}
            disabled={disabled}
            invalid={Boolean(valueMessage)}
            describedBy={describedBy(ids.value, valueMessage)}
            onChange={(value) => set((n) => ({ ...n, value }))}
          />
          <ErrorText id={`${ids.value}-error`} text={valueMessage} />
        </div>
      </div>
      <p id={`${ids.fact}-hint`} className="field-hint rule-fact-meaning">
        {fact ? fact.meaning[lang] : t('ruleEditor.condition.unknownFactHint')}
        {fact?.nullable && ` ${t('ruleEditor.condition.nullable')}`}
        {fact?.cost && (
          <>
            {' '}
            <span className="rule-cost">{t('ruleEditor.condition.cost', { cost: fact.cost[lang] })}</span>
          </>
        )}
        {propertyOfPath(node.path) === undefined && node.path !== undefined && ` ${t('ruleEditor.condition.badPath', { path: node.path })}`}
      </p>
      <ErrorText id={controlId(baseId, node.id, 'row')} text={rowMessage} />
      {!disabled && (
        <div className="rule-condition-actions">
          <NodeActions node={node} isRoot={false} depth={depth} />
        </div>
      )}
    </div>
  );
}
