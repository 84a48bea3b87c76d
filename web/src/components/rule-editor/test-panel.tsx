import { useMutation, useQuery } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { ApiError, get, post } from '../../api';
import type { AuthorizationDetail, AuthorizationPage } from '../../api-types';
import { formatDateTime, formatMinor, formatMoney, minorToValue, parseAmountInput, type Lang } from '../../format';
import { useLang } from '../../i18n';
import { amountToInput } from '../controls/amount-input';
import { Field, FormError, SelectField } from '../field';
import { COUNTRY_CODES, countryName } from './countries';
import { CARD_TYPES, ENTRY_MODES, FACTS, findFact, type FactDef } from './fact-catalogue';
import type { RuleProblem } from './index';
import { itemText, type Item } from './value-model';

/**
 * Test before saving: a sample transaction (typed, or taken from a recent authorization's recorded
 * facts) run through POST /policies/test with the draft rules; the decision and the trace of every
 * rule and condition (fact value compared, result) in words.
 */

export interface RuleTestPanelProps {
  /** The draft rules (what the editor holds now). */
  rules: unknown[];
  /** False while the editor holds no rules (JSON that does not parse). */
  ready: boolean;
  currency: string;
  timeZone: string;
  /** A 4009501 about the rules, to show on their row in the editor. */
  onRuleProblem(problem: RuleProblem): void;
}

interface ConditionTrace {
  all?: ConditionTrace[];
  any?: ConditionTrace[];
  not?: ConditionTrace;
  fact?: string;
  path?: string;
  operator?: string;
  value?: unknown;
  factValue?: unknown;
  result?: boolean;
}
interface RuleTrace {
  rule: string;
  priority: number;
  matched: boolean;
  event: { type: string; rule: string; reason: string; responseCode?: string };
  conditions: ConditionTrace;
}
interface TestResult {
  decision: { type: 'decline' | 'review' | 'approve' | 'none'; responseCode: string | null; reason: string | null; rule: string | null };
  trace: RuleTrace[];
  compiledAgrees: boolean;
}

const VELOCITY = FACTS.filter((f) => f.group === 'velocity');

type Sample = Record<string, string>;
const EMPTY: Sample = { amount: '', mcc: '', country: 'ID', merchantId: '', merchantName: '', hour: '', weekday: '', entryMode: '', cardPresent: 'false', cardType: 'VIRTUAL', cardAgeDays: '', tags: '' };

const num = (s: string | undefined): number | undefined => {
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s.trim().replace(',', '.'));
  return Number.isFinite(n) ? n : undefined;
};

function minorOf(text: string, currency: string, lang: Lang): number | undefined {
  const value = parseAmountInput(text, currency, lang);
  return value === undefined ? undefined : Number(BigInt(value.replace('.', '')));
}

/** The sample as the API's `facts` (what is left empty takes the server's quiet default). */
function sampleFacts(s: Sample, currency: string, lang: Lang): { facts?: Record<string, unknown>; problem?: string } {
  const amount = minorOf(s.amount ?? '', currency, lang);
  if (amount === undefined) return { problem: 'amount' };
  const transaction: Record<string, unknown> = { amount, currency, cardPresent: s.cardPresent === 'true' };
  if (s.hour) transaction.hour = Number(s.hour);
  if (s.weekday) transaction.weekday = Number(s.weekday);
  if (s.entryMode) transaction.entryMode = s.entryMode;
  const merchant: Record<string, unknown> = { mcc: s.mcc?.trim() ?? '', country: s.country };
  if (s.merchantId?.trim()) merchant.id = s.merchantId.trim();
  if (s.merchantName?.trim()) merchant.name = s.merchantName.trim();
  const card: Record<string, unknown> = { type: s.cardType };
  const age = num(s.cardAgeDays);
  if (age !== undefined) card.ageDays = age;
  const facts: Record<string, unknown> = { transaction, merchant, card };
  const tags = (s.tags ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  if (tags.length) facts.cardholder = { tags };
  const velocity: Record<string, unknown> = {};
  for (const f of VELOCITY) {
    const text = s[`v.${f.property}`] ?? '';
    if (f.kind === 'boolean') {
      if (text) velocity[f.property] = text === 'true';
    } else if (text.trim()) {
      const v = f.kind === 'amount' ? minorOf(text, currency, lang) : num(text);
      if (v === undefined) return { problem: `v.${f.property}` };
      velocity[f.property] = v;
    }
  }
  if (Object.keys(velocity).length) facts.velocity = velocity;
  return { facts };
}

/** A recorded authorization's policy facts (or its summary) as the sample's fields. */
function sampleOf(a: AuthorizationDetail, currency: string, lang: Lang): Sample {
  const policy = a.facts.policy as Record<string, Record<string, unknown>> | null;
  const t = policy?.transaction ?? {};
  const m = policy?.merchant ?? {};
  const c = policy?.card ?? {};
  const v = policy?.velocity ?? {};
  const amount = typeof t.amount === 'number' ? minorToValue(t.amount, currency) : a.amount.value;
  const s: Sample = {
    ...EMPTY,
    amount: amountToInput(amount, currency, lang),
    mcc: String(m.mcc ?? a.merchant.mcc ?? ''),
    country: String(m.country ?? a.merchant.country ?? 'ID'),
    merchantId: String(m.id ?? a.merchant.id ?? ''),
    merchantName: String(m.name ?? a.merchant.name ?? ''),
    hour: typeof t.hour === 'number' ? String(t.hour) : '',
    weekday: typeof t.weekday === 'number' ? String(t.weekday) : '',
    entryMode: typeof t.entryMode === 'string' ? t.entryMode : '',
    cardPresent: t.cardPresent === true ? 'true' : 'false',
    cardType: typeof c.type === 'string' ? c.type : 'VIRTUAL',
    cardAgeDays: typeof c.ageDays === 'number' ? String(c.ageDays) : '',
    tags: Array.isArray(policy?.cardholder?.tags) ? (policy.cardholder.tags as string[]).join(', ') : '',
  };
  for (const f of VELOCITY) {
    const x = v[f.property];
    if (typeof x === 'boolean') s[`v.${f.property}`] = String(x);
    else if (typeof x === 'number') s[`v.${f.property}`] = f.kind === 'amount' ? amountToInput(minorToValue(x, currency), currency, lang) : String(x);
  }
  return s;
}

export function RuleTestPanel({ rules, ready, currency, timeZone, onRuleProblem }: RuleTestPanelProps) {
  const { t, lang } = useLang();
  const [sample, setSample] = useState<Sample>(EMPTY);
  const [problem, setProblem] = useState<string>();
  const [picked, setPicked] = useState('');
  const titleId = useId();
  const recent = useQuery({
    queryKey: ['authorizations', { pageSize: 10 }],
    queryFn: ({ signal }) => get<AuthorizationPage>('/authorizations', { pageSize: 10 }, signal),
  });
  const pick = useMutation({
    mutationFn: (id: string) => get<{ authorization: AuthorizationDetail }>(`/authorizations/${id}`),
    onSuccess: ({ authorization }) => setSample(sampleOf(authorization, currency, lang)),
  });
  const run = useMutation({
    mutationFn: (facts: Record<string, unknown>) => post<TestResult>('/policies/test', { rules, facts }),
    onError: (err) => {
      if (err instanceof ApiError && err.field?.startsWith('rules')) onRuleProblem({ field: err.field, message: err.message });
    },
  });

  const set = (key: string) => (e: { target: { value: string } }) => setSample((s) => ({ ...s, [key]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const built = sampleFacts(sample, currency, lang);
    if (!built.facts) return setProblem(built.problem);
    setProblem(undefined);
    run.mutate(built.facts);
  };
  const amountProblem = (key: string) => (problem === key ? t('ruleEditor.test.amountProblem', { currency }) : undefined);
  const ruleError = run.error instanceof ApiError && run.error.field?.startsWith('rules');

  return (
    <section className="panel rule-test" aria-labelledby={titleId}>
      <h2 id={titleId}>{t('ruleEditor.test.title')}</h2>
      <p className="muted">{t('ruleEditor.test.intro')}</p>
      <div className="form-inline">
        <SelectField label={t('ruleEditor.test.recent')} name="recent" value={picked} onChange={(e) => setPicked(e.target.value)}>
          <option value="">{recent.isPending ? t('states.loading') : recent.data?.authorizations.length ? t('ruleEditor.test.recentNone') : t('ruleEditor.test.recentEmpty')}</option>
          {recent.data?.authorizations.map((a) => (
            <option key={a.id} value={a.id}>
              {t('ruleEditor.test.recentItem', { time: formatDateTime(a.createdAt, timeZone, lang), merchant: a.merchant.name ?? a.merchant.id ?? '—', amount: formatMoney(a.amount, lang), decision: t(`ruleEditor.test.decisions.${a.decision}`) })}
            </option>
          ))}
        </SelectField>
        <button type="button" disabled={!picked || pick.isPending} onClick={() => pick.mutate(picked)}>
          {t('ruleEditor.test.use')}
        </button>
      </div>
      <FormError error={pick.error} />
      <form className="rule-test-form" onSubmit={submit} noValidate>
        <div className="filters">
          <Field label={t('ruleEditor.test.amount', { currency })} name="facts.transaction.amount" inputMode="decimal" value={sample.amount} onChange={set('amount')} error={run.error} message={amountProblem('amount')} required />
          <Field label={t('ruleEditor.test.mcc')} name="facts.merchant.mcc" value={sample.mcc} onChange={set('mcc')} error={run.error} maxLength={4} inputMode="numeric" required />
          <SelectField label={t('ruleEditor.test.country')} name="facts.merchant.country" value={sample.country} onChange={set('country')} error={run.error}>
            {COUNTRY_CODES.map((c) => (
              <option key={c} value={c}>
                {countryName(c, lang)} ({c})
              </option>
            ))}
          </SelectField>
          <Field label={t('ruleEditor.test.merchantId')} name="facts.merchant.id" value={sample.merchantId} onChange={set('merchantId')} error={run.error} />
          <Field label={t('ruleEditor.test.merchantName')} name="facts.merchant.name" value={sample.merchantName} onChange={set('merchantName')} error={run.error} />
          <SelectField label={t('ruleEditor.test.hour')} name="facts.transaction.hour" value={sample.hour} onChange={set('hour')} error={run.error}>
            <option value="">{t('ruleEditor.test.now')}</option>
            {Array.from({ length: 24 }, (_, h) => (
              <option key={h} value={String(h)}>
                {t('ruleEditor.value.hourOf', { hour: String(h).padStart(2, '0') })}
              </option>
            ))}
          </SelectField>
          <SelectField label={t('ruleEditor.test.weekday')} name="facts.transaction.weekday" value={sample.weekday} onChange={set('weekday')} error={run.error}>
            <option value="">{t('ruleEditor.test.today')}</option>
            {[1, 2, 3, 4, 5, 6, 7].map((d) => (
              <option key={d} value={String(d)}>
                {t(`ruleEditor.value.weekdays.${d}`)}
              </option>
            ))}
          </SelectField>
          <SelectField label={t('ruleEditor.test.entryMode')} name="facts.transaction.entryMode" value={sample.entryMode} onChange={set('entryMode')} error={run.error}>
            <option value="">{t('ruleEditor.test.entryModeNone')}</option>
            {ENTRY_MODES.map((m) => (
              <option key={m} value={m}>
                {t(`ruleEditor.value.choices.${m}`)}
              </option>
            ))}
          </SelectField>
          <SelectField label={t('ruleEditor.test.cardPresent')} name="facts.transaction.cardPresent" value={sample.cardPresent} onChange={set('cardPresent')} error={run.error}>
            <option value="false">{t('ruleEditor.value.no')}</option>
            <option value="true">{t('ruleEditor.value.yes')}</option>
          </SelectField>
          <SelectField label={t('ruleEditor.test.cardType')} name="facts.card.type" value={sample.cardType} onChange={set('cardType')} error={run.error}>
            {CARD_TYPES.map((c) => (
              <option key={c} value={c}>
                {t(`ruleEditor.value.choices.${c}`)}
              </option>
            ))}
          </SelectField>
          <Field label={t('ruleEditor.test.cardAgeDays')} name="facts.card.ageDays" inputMode="numeric" value={sample.cardAgeDays} onChange={set('cardAgeDays')} error={run.error} hint={t('ruleEditor.test.defaultHint')} />
          <Field label={t('ruleEditor.test.tags')} name="facts.cardholder.tags" value={sample.tags} onChange={set('tags')} error={run.error} hint={t('ruleEditor.test.tagsHint')} />
        </div>
        <details className="rule-test-velocity">
          <summary>{t('ruleEditor.test.velocity')}</summary>
          <p className="muted">{t('ruleEditor.test.velocityHint')}</p>
          <div className="filters">
            {VELOCITY.map((f) => (
              <VelocityField key={f.property} fact={f} value={sample[`v.${f.property}`] ?? ''} onChange={set(`v.${f.property}`)} currency={currency} lang={lang} error={run.error} message={amountProblem(`v.${f.property}`)} />
            ))}
          </div>
        </details>
        {!ready && <p className="form-error">{t('ruleEditor.test.notReady')}</p>}
        <FormError error={ruleError ? undefined : run.error} fields={['facts']} />
        {ruleError && (
          <p className="form-error" role="alert">
            {t('ruleEditor.test.rulesRefused', { message: (run.error as ApiError).message })}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={!ready || run.isPending}>
            {run.isPending ? t('ruleEditor.test.running') : t('ruleEditor.test.run')}
          </button>
        </div>
      </form>
      {run.data && !run.isPending && <TestOutcome result={run.data} currency={currency} />}
    </section>
  );
}

function VelocityField({ fact, value, onChange, currency, lang, error, message }: { fact: FactDef; value: string; onChange(e: { target: { value: string } }): void; currency: string; lang: Lang; error: unknown; message?: string }) {
  const { t } = useLang();
  const name = `facts.velocity.${fact.property}`;
  if (fact.kind === 'boolean') {
    return (
      <SelectField label={fact.meaning[lang]} name={name} value={value} onChange={onChange} error={error}>
        <option value="">{t('ruleEditor.test.quiet')}</option>
        <option value="false">{t('ruleEditor.value.no')}</option>
        <option value="true">{t('ruleEditor.value.yes')}</option>
      </SelectField>
    );
  }
  const label = fact.kind === 'amount' ? `${fact.meaning[lang]} (${currency})` : fact.meaning[lang];
  return <Field label={label} name={name} inputMode="decimal" value={value} onChange={onChange} error={error} message={message} placeholder={t('ruleEditor.test.quiet')} />;
}

function TestOutcome({ result, currency }: { result: TestResult; currency: string }) {
  const { t } = useLang();
  const d = result.decision;
  return (
    <div className="rule-test-result" role="status" aria-label={t('ruleEditor.test.result')}>
      <h3>{t('ruleEditor.test.result')}</h3>
      <p className={`rule-decision rule-decision-${d.type}`}>
        <strong>{t(`ruleEditor.test.decision.${d.type}`)}</strong>
        {d.rule && <> · {t('ruleEditor.test.byRule', { rule: d.rule })}</>}
        {d.responseCode && <span className="code"> {d.responseCode}</span>}
        {d.reason && <> · {d.reason}</>}
      </p>
      {!result.compiledAgrees && <p className="notice notice-warn">{t('ruleEditor.test.disagree')}</p>}
      <h4>{t('ruleEditor.test.trace')}</h4>
      <ol className="rule-trace">
        {result.trace.map((r) => (
          <li key={r.rule} className={r.matched ? 'rule-trace-matched' : ''}>
            <p>
              <strong>{r.rule}</strong> · {r.matched ? t('ruleEditor.test.matched') : t('ruleEditor.test.notMatched')} · {t(`ruleEditor.events.${r.event.type}`, { defaultValue: r.event.type })}
              {r.event.responseCode && <span className="code"> {r.event.responseCode}</span>}
            </p>
            <TraceNode node={r.conditions} currency={currency} />
          </li>
        ))}
      </ol>
    </div>
  );
}

/**
 * A group's result: the engine's when it gives one, else what its children's say (all: false once
 * one is false, true when every one is; any: the other way round); undefined when they do not tell.
 */
function resultOf(node: ConditionTrace): boolean | undefined {
  if (node.result !== undefined) return node.result;
  if (node.not) {
    const r = resultOf(node.not);
    return r === undefined ? undefined : !r;
  }
  const list = node.all ?? node.any;
  if (!list) return undefined;
  const results = list.map(resultOf);
  if (node.all) return results.includes(false) ? false : results.every((r) => r === true) ? true : undefined;
  return results.includes(true) ? true : results.every((r) => r === false) ? false : undefined;
}

function TraceNode({ node: given, currency }: { node: ConditionTrace; currency: string }) {
  const { t, lang } = useLang();
  const node = { ...given, result: resultOf(given) };
  const result = node.result === undefined ? t('ruleEditor.test.skipped') : node.result ? t('ruleEditor.test.true') : t('ruleEditor.test.false');
  const cls = node.result === undefined ? 'rule-trace-skipped' : node.result ? 'rule-trace-true' : 'rule-trace-false';
  const list = node.all ?? node.any;
  if (list) {
    return (
      <div className="rule-trace-group">
        <p className={cls}>
          {t(node.all ? 'ruleEditor.test.allOf' : 'ruleEditor.test.anyOf')} — {result}
        </p>
        <ul>
          {list.map((c, i) => (
            <li key={i}>
              <TraceNode node={c} currency={currency} />
            </li>
          ))}
        </ul>
      </div>
    );
  }
  if (node.not) {
    return (
      <div className="rule-trace-group">
        <p className={cls}>
          {t('ruleEditor.group.not')} — {result}
        </p>
        <TraceNode node={node.not} currency={currency} />
      </div>
    );
  }
  const fact = findFact(node.fact ?? '', node.path);
  const one = (v: unknown): string => {
    if (v === null || v === undefined) return t('ruleEditor.test.none');
    if (fact?.kind === 'amount' && typeof v === 'number' && Number.isSafeInteger(v)) return formatMinor(v, currency, lang);
    if (fact && ['hour', 'weekday', 'boolean', 'country', 'choice'].includes(fact.kind) && ['number', 'string', 'boolean'].includes(typeof v)) return itemText(fact.kind, v as Item, t, lang, currency);
    return typeof v === 'string' ? v : JSON.stringify(v);
  };
  const shownValue = (v: unknown) => (Array.isArray(v) && v.every((x) => ['number', 'string', 'boolean'].includes(typeof x)) ? v.map(one).join(', ') : one(v));
  return (
    <p className={`rule-trace-leaf ${cls}`}>
      <span>{fact ? fact.meaning[lang] : `${node.fact}.${node.path ?? ''}`}</span> <span className="code">{t(`ruleEditor.operators.${node.operator}`, { defaultValue: node.operator ?? '' })}</span> <span>{shownValue(node.value)}</span>
      {' — '}
      {node.result !== undefined && t('ruleEditor.test.factWas', { value: shownValue(node.factValue) })} <strong>{result}</strong>
    </p>
  );
}
