import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Link, useNavigate, useParams, useSearchParams } from 'react-router';
import { ApiError, get, post } from '../../api';
import type { CardPage } from '../../api-types';
import { Field, FormError, SelectField } from '../../components/field';
import { RuleEditor, RuleTestPanel, type PolicyRule, type RuleProblem } from '../../components/rule-editor';
import { ErrorState, Loading } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan, useMe } from '../../me';
import { cardholderLabel, useCardholderChoices } from '../cards/cardholder-picker';

/**
 * The rule editor's page: a new policy (`/policies/new`, optionally `?scope=card&scopeId=…`) or a
 * new version of one (`/policies/:policyId/versions/new?from=<versionId>`, starting from that
 * version's rules, or the policy's current ones). The rules are edited visually or as JSON and can
 * be tested against a sample before saving; saving (as shadow by default) leads to the policy's page.
 */

type Mode = 'shadow' | 'enforce';
type ScopeType = 'business' | 'cardholder' | 'card';
const SCOPES: readonly ScopeType[] = ['business', 'cardholder', 'card'];

interface VersionView {
  id: string;
  number: number;
  mode: Mode;
  rules: unknown[];
}
interface PolicyView {
  id: string;
  name: string;
  scope: { type: 'platform' | ScopeType; id: string | null };
  activeVersion: VersionView | null;
  shadowVersion: VersionView | null;
}

/** What a new policy starts with: one rule for the admin to shape. */
const STARTER: PolicyRule[] = [
  {
    name: 'rule-1',
    priority: 1,
    conditions: { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 0 }] },
    event: { type: 'decline', params: { reason: '' } },
  },
];

export default function PolicyEditorPage() {
  const { policyId } = useParams();
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (!me.data) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  const { currency, timeZone } = me.data.business;
  return policyId ? <NewVersion policyId={policyId} currency={currency} timeZone={timeZone} /> : <NewPolicy currency={currency} timeZone={timeZone} />;
}

/** The rules of a submit's 4009501 for the editor; other fields are the form's. */
function ruleProblemOf(error: unknown): RuleProblem | null {
  return error instanceof ApiError && error.field && (error.field === 'rules' || error.field.startsWith('rules.')) ? { field: error.field, message: error.message } : null;
}

/** The editor, the test panel and the state they share. */
function useDraft(initial: PolicyRule[]) {
  const [rules, setRules] = useState<PolicyRule[]>(initial);
  const [valid, setValid] = useState(true);
  const [problem, setProblem] = useState<RuleProblem | null>(null);
  return { rules, setRules, valid, setValid, problem, setProblem };
}

function Draft({ draft, currency, timeZone, canWrite }: { draft: ReturnType<typeof useDraft>; currency: string; timeZone: string; canWrite: boolean }) {
  const { t } = useLang();
  return (
    <>
      <section className="panel" aria-labelledby="rule-editor-rules">
        <h2 id="rule-editor-rules">{t('ruleEditor.page.rules')}</h2>
        <RuleEditor rules={draft.rules} onChange={draft.setRules} onValidityChange={draft.setValid} problem={draft.problem} currency={currency} disabled={!canWrite} />
      </section>
      <RuleTestPanel rules={draft.rules} ready={draft.valid} currency={currency} timeZone={timeZone} onRuleProblem={draft.setProblem} />
    </>
  );
}

function ModeChoice({ mode, onChange }: { mode: Mode; onChange(mode: Mode): void }) {
  const { t } = useLang();
  return (
    <fieldset className="rule-mode">
      <legend>{t('ruleEditor.page.mode')}</legend>
      {(['shadow', 'enforce'] as const).map((m) => (
        <label key={m} className="checkbox">
          <input type="radio" name="mode" value={m} checked={mode === m} onChange={() => onChange(m)} />
          <span>
            {t(`ruleEditor.page.modes.${m}`)} <span className="muted">— {t(`ruleEditor.page.modeHints.${m}`)}</span>
          </span>
        </label>
      ))}
    </fieldset>
  );
}

function SaveBar({ mode, pending, ready, error, fields, cancelTo }: { mode: Mode; pending: boolean; ready: boolean; error: unknown; fields: string[]; cancelTo: string }) {
  const { t } = useLang();
  return (
    <>
      <FormError error={ruleProblemOf(error) ? undefined : error} fields={fields} />
      {ruleProblemOf(error) && (
        <p className="form-error" role="alert">
          {t('ruleEditor.page.rulesRefused')}
        </p>
      )}
      {!ready && <p className="form-error">{t('ruleEditor.page.notReady')}</p>}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={pending || !ready}>
          {pending ? t('ruleEditor.page.saving') : t(`ruleEditor.page.save.${mode}`)}
        </button>
        <Link to={cancelTo}>{t('ruleEditor.page.cancel')}</Link>
      </div>
    </>
  );
}

function ReadOnlyNotice({ children }: { children: ReactNode }) {
  return <p className="notice notice-warn">{children}</p>;
}

function NewPolicy({ currency, timeZone }: { currency: string; timeZone: string }) {
  const { t } = useLang();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const canWrite = useCan('write');
  const [params] = useSearchParams();
  const given = params.get('scope');
  const [name, setName] = useState('');
  const [scope, setScope] = useState<ScopeType>(SCOPES.includes(given as ScopeType) ? (given as ScopeType) : 'business');
  const [scopeId, setScopeId] = useState(params.get('scopeId') ?? '');
  const [mode, setMode] = useState<Mode>('shadow');
  const [note, setNote] = useState('');
  const draft = useDraft(STARTER);
  const save = useMutation({
    mutationFn: () =>
      post<{ policy: PolicyView }>('/policies', {
        name,
        scope: scope === 'business' ? { type: scope } : { type: scope, id: scopeId || undefined },
        mode,
        rules: draft.rules,
        ...(note.trim() ? { note } : {}),
      }),
    onSuccess: ({ policy }) => {
      void queryClient.invalidateQueries({ queryKey: ['policies'] });
      void navigate(`/policies/${policy.id}`);
    },
    onError: (err) => draft.setProblem(ruleProblemOf(err)),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    draft.setProblem(null);
    save.mutate();
  };
  return (
    <section className="rule-editor-page">
      <p>
        <Link to="/policies">{t('ruleEditor.page.back')}</Link>
      </p>
      <h1>{t('ruleEditor.page.newTitle')}</h1>
      {!canWrite && <ReadOnlyNotice>{t('ruleEditor.page.readOnly')}</ReadOnlyNotice>}
      <form className="panel form" onSubmit={submit} noValidate aria-label={t('ruleEditor.page.newTitle')}>
        <Field label={t('ruleEditor.page.name')} name="name" value={name} onChange={(e) => setName(e.target.value)} error={save.error} maxLength={100} required readOnly={!canWrite} />
        <SelectField label={t('ruleEditor.page.scope')} name="scope.type" value={scope} onChange={(e) => setScope(e.target.value as ScopeType)} error={save.error} disabled={!canWrite}>
          {SCOPES.map((s) => (
            <option key={s} value={s}>
              {t(`ruleEditor.page.scopes.${s}`)}
            </option>
          ))}
        </SelectField>
        {scope === 'cardholder' && <CardholderScope value={scopeId} onChange={setScopeId} error={save.error} />}
        {scope === 'card' && <CardScope value={scopeId} onChange={setScopeId} error={save.error} />}
        {canWrite && <ModeChoice mode={mode} onChange={setMode} />}
        {canWrite && <Field label={t('ruleEditor.page.note')} name="note" value={note} onChange={(e) => setNote(e.target.value)} error={save.error} maxLength={500} hint={t('ruleEditor.page.noteHint')} />}
      </form>
      <Draft draft={draft} currency={currency} timeZone={timeZone} canWrite={canWrite} />
      {canWrite && (
        <div className="panel">
          <form onSubmit={submit} noValidate aria-label={t('ruleEditor.page.saveForm')}>
            <SaveBar mode={mode} pending={save.isPending} ready={draft.valid} error={save.error} fields={['name', 'scope', 'note', 'mode']} cancelTo="/policies" />
          </form>
        </div>
      )}
    </section>
  );
}

function CardholderScope({ value, onChange, error }: { value: string; onChange(id: string): void; error: unknown }) {
  const { t } = useLang();
  const [query, setQuery] = useState('');
  const choices = useCardholderChoices({ q: query });
  const found = choices.data?.cardholders ?? [];
  return (
    <>
      <Field label={t('ruleEditor.page.findCardholder')} name="cardholderSearch" type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" maxLength={100} />
      <SelectField label={t('ruleEditor.page.cardholder')} name="scope.id" value={value} onChange={(e) => onChange(e.target.value)} error={error} hint={choices.isPending ? t('states.loading') : undefined}>
        <option value="">{t('ruleEditor.page.choose')}</option>
        {value && !found.some((c) => c.id === value) && <option value={value}>{value}</option>}
        {found.map((c) => (
          <option key={c.id} value={c.id}>
            {cardholderLabel(c)}
          </option>
        ))}
      </SelectField>
    </>
  );
}

function CardScope({ value, onChange, error }: { value: string; onChange(id: string): void; error: unknown }) {
  const { t } = useLang();
  const [query, setQuery] = useState('');
  const cards = useQuery({
    queryKey: ['cards', 'choices', query.trim()],
    queryFn: ({ signal }) => get<CardPage>('/cards', { pageSize: 100, q: query.trim() }, signal),
    placeholderData: keepPreviousData,
  });
  const found = cards.data?.cards ?? [];
  return (
    <>
      <Field label={t('ruleEditor.page.findCard')} name="cardSearch" type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" maxLength={100} />
      <SelectField label={t('ruleEditor.page.card')} name="scope.id" value={value} onChange={(e) => onChange(e.target.value)} error={error} hint={cards.isPending ? t('states.loading') : undefined}>
        <option value="">{t('ruleEditor.page.choose')}</option>
        {value && !found.some((c) => c.id === value) && <option value={value}>{value}</option>}
        {found.map((c) => (
          <option key={c.id} value={c.id}>
            {t('ruleEditor.page.cardItem', { last4: c.last4, type: t(`ruleEditor.value.choices.${c.type}`, { defaultValue: c.type }), status: t(`ruleEditor.value.choices.${c.status}`, { defaultValue: c.status }) })}
          </option>
        ))}
      </SelectField>
    </>
  );
}

function NewVersion({ policyId, currency, timeZone }: { policyId: string; currency: string; timeZone: string }) {
  const [params] = useSearchParams();
  const from = params.get('from');
  const policy = useQuery({
    queryKey: ['policy', policyId],
    queryFn: ({ signal }) => get<{ policy: PolicyView }>(`/policies/${policyId}`, undefined, signal),
  });
  const version = useQuery({
    queryKey: ['policy', policyId, 'version', from],
    queryFn: ({ signal }) => get<{ version: VersionView }>(`/policies/${policyId}/versions/${from}`, undefined, signal),
    enabled: Boolean(from),
  });
  if (policy.isPending || (from && version.isPending)) return <Loading />;
  if (!policy.data) return <ErrorState error={policy.error} onRetry={() => void policy.refetch()} />;
  if (from && !version.data) return <ErrorState error={version.error} onRetry={() => void version.refetch()} />;
  const p = policy.data.policy;
  const start = version.data?.version ?? p.shadowVersion ?? p.activeVersion;
  return <VersionForm policy={p} start={start} currency={currency} timeZone={timeZone} />;
}

function VersionForm({ policy, start, currency, timeZone }: { policy: PolicyView; start: VersionView | null; currency: string; timeZone: string }) {
  const { t } = useLang();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const writable = useCan('write') && policy.scope.type !== 'platform';
  const [mode, setMode] = useState<Mode>('shadow');
  const [note, setNote] = useState('');
  const draft = useDraft((start?.rules as PolicyRule[] | undefined) ?? STARTER);
  const { setRules } = draft;
  useEffect(() => {
    if (start) setRules(start.rules as PolicyRule[]);
  }, [start, setRules]);
  const save = useMutation({
    mutationFn: () => post<{ version: VersionView }>(`/policies/${policy.id}/versions`, { mode, rules: draft.rules, ...(note.trim() ? { note } : {}) }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['policy', policy.id] });
      void queryClient.invalidateQueries({ queryKey: ['policies'] });
      void navigate(`/policies/${policy.id}`);
    },
    onError: (err) => draft.setProblem(ruleProblemOf(err)),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    draft.setProblem(null);
    save.mutate();
  };
  return (
    <section className="rule-editor-page">
      <p>
        <Link to={`/policies/${policy.id}`}>{t('ruleEditor.page.backTo', { name: policy.name })}</Link>
      </p>
      <h1>{t('ruleEditor.page.versionTitle', { name: policy.name })}</h1>
      {start && <p className="muted">{t('ruleEditor.page.startsFrom', { number: start.number, mode: t(`ruleEditor.page.modes.${start.mode}`) })}</p>}
      {policy.scope.type === 'platform' ? (
        <ReadOnlyNotice>{t('ruleEditor.page.platform')}</ReadOnlyNotice>
      ) : (
        !writable && <ReadOnlyNotice>{t('ruleEditor.page.readOnly')}</ReadOnlyNotice>
      )}
      <Draft draft={draft} currency={currency} timeZone={timeZone} canWrite={writable} />
      {writable && (
        <form className="panel form" onSubmit={submit} noValidate aria-label={t('ruleEditor.page.saveForm')}>
          <ModeChoice mode={mode} onChange={setMode} />
          <Field label={t('ruleEditor.page.note')} name="note" value={note} onChange={(e) => setNote(e.target.value)} error={save.error} maxLength={500} hint={t('ruleEditor.page.noteHint')} />
          <SaveBar mode={mode} pending={save.isPending} ready={draft.valid} error={save.error} fields={['note', 'mode']} cancelTo={`/policies/${policy.id}`} />
        </form>
      )}
    </section>
  );
}
