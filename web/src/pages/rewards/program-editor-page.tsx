import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, get } from '../../api';
import type { MccGroup } from '../../api-types';
import { EntryList } from '../../components/controls/entry-list';
import { Field, FieldShell, FormError, SelectField } from '../../components/field';
import { useTimeZone } from '../../components/money';
import { QueryView } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan, useMe } from '../../me';
import { useProgram } from './rewards-api';
import {
  emptyMultiplier,
  emptyPromotion,
  emptyTier,
  formToProgram,
  programToForm,
  type FormIssue,
  type MultiplierRow,
  type ProgramForm,
  type PromotionRow,
  type TierRow,
} from './rewards-model';
import type { RewardsProgram } from './rewards-types';

/** The program editor (PUT /rewards/program): owners and finance admins save, viewers read. */
export default function ProgramEditorPage() {
  const { t } = useLang();
  const program = useProgram();
  const me = useMe();
  return (
    <div className="rewards-page">
      <p className="rewards-breadcrumbs">
        <Link to="/rewards">{t('rewards.title')}</Link>
      </p>
      <h1>{t('rewards.editor.title')}</h1>
      <QueryView query={program}>{(p) => me.data && <Editor program={p ?? undefined} currency={me.data.business.currency} />}</QueryView>
    </div>
  );
}

function Editor({ program, currency }: { program: RewardsProgram | undefined; currency: string }) {
  const { t, lang } = useLang();
  const canWrite = useCan('write');
  const timeZone = useTimeZone();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<ProgramForm>(() => programToForm(program, currency, lang));
  const [issues, setIssues] = useState<FormIssue[]>([]);
  const groups = useQuery({
    queryKey: ['mcc-groups'],
    queryFn: ({ signal }) => get<{ mccGroups: MccGroup[] }>('/mcc-groups', undefined, signal),
    staleTime: Infinity,
  }).data?.mccGroups;
  const save = useMutation({
    mutationFn: (body: unknown) => api<{ program: RewardsProgram }>('/rewards/program', { method: 'PUT', body }),
    onSuccess: ({ program: saved }) => {
      queryClient.setQueryData(['rewards', 'program'], saved);
      void navigate('/rewards', { state: { savedVersion: saved.version } });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const result = formToProgram(form, currency, lang);
    if (!result.ok) {
      setIssues(result.issues);
      save.reset();
      return;
    }
    setIssues([]);
    save.mutate(result.program);
  };
  const message = (field: string) => {
    const issue = issues.find((i) => i.field === field);
    return issue ? t(`rewards.issues.${issue.code}`) : undefined;
  };
  const common = (name: string) => ({ name, error: save.error, message: message(name) });
  const set = <K extends keyof ProgramForm>(key: K, value: ProgramForm[K]) => setForm((f) => ({ ...f, [key]: value }));
  const setRow = <K extends 'categoryMultipliers' | 'tiers' | 'promotions'>(key: K, i: number, patch: Partial<ProgramForm[K][number]>) =>
    setForm((f) => ({ ...f, [key]: (f[key] as Array<ProgramForm[K][number]>).map((row, j) => (j === i ? { ...row, ...patch } : row)) }));
  const removeRow = (key: 'categoryMultipliers' | 'tiers' | 'promotions', i: number) => setForm((f) => ({ ...f, [key]: (f[key] as unknown[]).filter((_, j) => j !== i) }));
  const amountHint = t('rewards.editor.amountHint', { currency });

  return (
    <form className="rewards-editor" onSubmit={submit} noValidate aria-label={t('rewards.editor.title')}>
      <fieldset disabled={!canWrite || save.isPending}>
        {!canWrite && <p className="notice notice-warn">{t('rewards.editor.readOnly')}</p>}
        <fieldset className="panel">
          <legend>{t('rewards.editor.basics')}</legend>
          <div className="rewards-grid">
            <SelectField label={t('common.status')} {...common('status')} value={form.status} onChange={(e) => set('status', e.target.value as ProgramForm['status'])} hint={t('rewards.editor.statusHint')}>
              <option value="ACTIVE">{t('rewards.statuses.ACTIVE')}</option>
              <option value="PAUSED">{t('rewards.statuses.PAUSED')}</option>
            </SelectField>
            <Field label={t('rewards.editor.earnPoints')} {...common('earnRate.points')} inputMode="numeric" value={form.earnPoints} onChange={(e) => set('earnPoints', e.target.value)} required />
            <Field label={t('rewards.editor.earnPer', { currency })} {...common('earnRate.per')} inputMode="decimal" value={form.earnPer} onChange={(e) => set('earnPer', e.target.value)} hint={amountHint} required />
            <Field label={t('rewards.editor.pointValue', { currency })} {...common('pointValue')} inputMode="decimal" value={form.pointValue} onChange={(e) => set('pointValue', e.target.value)} hint={t('rewards.editor.pointValueHint')} required />
            <Field
              label={`${t('rewards.editor.cashbackPercent')} (${t('common.optional')})`}
              {...common('cashbackPercent')}
              inputMode="decimal"
              value={form.cashbackPercent}
              onChange={(e) => set('cashbackPercent', e.target.value)}
              hint={t('rewards.editor.cashbackHint')}
            />
          </div>
        </fieldset>

        <fieldset className="panel">
          <legend>{t('rewards.editor.multipliers')}</legend>
          <p className="field-hint">{t('rewards.editor.multipliersHint')}</p>
          {form.categoryMultipliers.map((row: MultiplierRow, i) => (
            <div className="rewards-row" key={i}>
              <EntryList
                label={t('rewards.editor.categories', { n: i + 1 })}
                name={`categoryMultipliers.${i}.categories`}
                kind="category"
                values={row.categories}
                onChange={(categories) => setRow('categoryMultipliers', i, { categories })}
                groups={groups}
                error={save.error}
                hint={t('rewards.editor.categoriesHint')}
              />
              <Field label={t('rewards.editor.multiplier', { n: i + 1 })} {...common(`categoryMultipliers.${i}.multiplier`)} inputMode="decimal" value={row.multiplier} onChange={(e) => setRow('categoryMultipliers', i, { multiplier: e.target.value })} />
              <button type="button" className="link-button" onClick={() => removeRow('categoryMultipliers', i)} aria-label={t('rewards.editor.removeMultiplier', { n: i + 1 })}>
                {t('rewards.editor.remove')}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => set('categoryMultipliers', [...form.categoryMultipliers, emptyMultiplier()])}>
            {t('rewards.editor.addMultiplier')}
          </button>
        </fieldset>

        <fieldset className="panel">
          <legend>{t('rewards.editor.tiers')}</legend>
          <p className="field-hint">{t('rewards.editor.tiersHint')}</p>
          {form.tiers.map((row: TierRow, i) => (
            <div className="rewards-row" key={i}>
              <Field label={t('rewards.editor.tierName', { n: i + 1 })} {...common(`tiers.${i}.name`)} value={row.name} onChange={(e) => setRow('tiers', i, { name: e.target.value })} maxLength={40} />
              <Field
                label={t('rewards.editor.minMonthlySpend', { n: i + 1, currency })}
                {...common(`tiers.${i}.minMonthlySpend`)}
                inputMode="decimal"
                value={row.minMonthlySpend}
                onChange={(e) => setRow('tiers', i, { minMonthlySpend: e.target.value })}
                hint={amountHint}
              />
              <Field label={t('rewards.editor.tierMultiplier', { n: i + 1 })} {...common(`tiers.${i}.multiplier`)} inputMode="decimal" value={row.multiplier} onChange={(e) => setRow('tiers', i, { multiplier: e.target.value })} />
              <button type="button" className="link-button" onClick={() => removeRow('tiers', i)} aria-label={t('rewards.editor.removeTier', { n: i + 1 })}>
                {t('rewards.editor.remove')}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => set('tiers', [...form.tiers, emptyTier()])}>
            {t('rewards.editor.addTier')}
          </button>
        </fieldset>

        <fieldset className="panel">
          <legend>{t('rewards.editor.promotions')}</legend>
          <p className="field-hint">{t('rewards.editor.promotionsHint', { timeZone })}</p>
          {form.promotions.map((row: PromotionRow, i) => (
            <div className="rewards-row rewards-promotion" key={i}>
              <Field label={t('rewards.editor.promotionName', { n: i + 1 })} {...common(`promotions.${i}.name`)} value={row.name} onChange={(e) => setRow('promotions', i, { name: e.target.value })} maxLength={100} />
              <Field label={t('rewards.editor.startDate', { n: i + 1 })} {...common(`promotions.${i}.startDate`)} type="date" value={row.startDate} onChange={(e) => setRow('promotions', i, { startDate: e.target.value })} />
              <Field label={t('rewards.editor.endDate', { n: i + 1 })} {...common(`promotions.${i}.endDate`)} type="date" value={row.endDate} onChange={(e) => setRow('promotions', i, { endDate: e.target.value })} />
              <Field
                label={t('rewards.editor.promotionMultiplier', { n: i + 1 })}
                {...common(`promotions.${i}.multiplier`)}
                inputMode="decimal"
                value={row.multiplier}
                onChange={(e) => setRow('promotions', i, { multiplier: e.target.value })}
              />
              <Field label={t('rewards.editor.bonusPoints', { n: i + 1 })} {...common(`promotions.${i}.bonusPoints`)} inputMode="numeric" value={row.bonusPoints} onChange={(e) => setRow('promotions', i, { bonusPoints: e.target.value })} />
              <EntryList
                label={t('rewards.editor.promotionCategories', { n: i + 1 })}
                name={`promotions.${i}.categories`}
                kind="category"
                values={row.categories}
                onChange={(categories) => setRow('promotions', i, { categories })}
                groups={groups}
                error={save.error}
                hint={t('rewards.editor.promotionCategoriesHint')}
              />
              <label className="checkbox">
                <input type="checkbox" checked={row.birthdayMonth} onChange={(e) => setRow('promotions', i, { birthdayMonth: e.target.checked })} />
                {t('rewards.editor.birthdayMonth', { n: i + 1 })}
              </label>
              <button type="button" className="link-button" onClick={() => removeRow('promotions', i)} aria-label={t('rewards.editor.removePromotion', { n: i + 1 })}>
                {t('rewards.editor.remove')}
              </button>
            </div>
          ))}
          <button type="button" onClick={() => set('promotions', [...form.promotions, emptyPromotion()])}>
            {t('rewards.editor.addPromotion')}
          </button>
        </fieldset>

        <fieldset className="panel">
          <legend>{t('rewards.editor.rules')}</legend>
          <FieldShell label={t('rewards.editor.rulesJson')} {...common('rules')} hint={t('rewards.editor.rulesHint')}>
            {(control) => <textarea {...control} className="rewards-json" rows={6} spellCheck={false} value={form.rules} onChange={(e) => set('rules', e.target.value)} />}
          </FieldShell>
        </fieldset>

        {issues.length > 0 && (
          <p className="form-error" role="alert">
            {t('rewards.editor.fixFields', { n: issues.length })}
          </p>
        )}
        <FormError error={save.error} fields={shownFields(form)} />
        {canWrite && (
          <div className="form-actions">
            <button type="submit" className="primary">
              {save.isPending ? t('common.saving') : t('rewards.editor.save')}
            </button>
            <Link to="/rewards" className="button">
              {t('common.cancel')}
            </Link>
          </div>
        )}
      </fieldset>
    </form>
  );
}

/** The fields the form shows the API's errors on (each also shows any path under it). */
function shownFields(form: ProgramForm): string[] {
  return [
    'status',
    'earnRate.points',
    'earnRate.per',
    'pointValue',
    'cashbackPercent',
    'rules',
    ...form.categoryMultipliers.flatMap((_, i) => [`categoryMultipliers.${i}.categories`, `categoryMultipliers.${i}.multiplier`]),
    ...form.tiers.flatMap((_, i) => ['name', 'minMonthlySpend', 'multiplier'].map((f) => `tiers.${i}.${f}`)),
    ...form.promotions.flatMap((_, i) => ['name', 'startDate', 'endDate', 'multiplier', 'bonusPoints', 'categories'].map((f) => `promotions.${i}.${f}`)),
  ];
}
