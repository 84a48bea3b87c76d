import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { patch } from '../../api';
import { ControlsEditor } from '../../components/controls/controls-editor';
import { controlsToForm, formToControls, kindOf, LIST_NAMES, sameControls, type FieldIssue, type SpendControlsView } from '../../components/controls/controls-model';
import { useEntryName } from '../../components/controls/entry-names';
import { FormError } from '../../components/field';
import { formatMoney } from '../../format';
import { useLang } from '../../i18n';
import { categoryName } from '../../decline-reasons';
import type { Card } from './card-types';
import { useCardChanged, useMccGroups } from './cards-api';

const EDITOR_FIELDS = ['spendingLimits', 'countLimits', ...LIST_NAMES].map((p) => `spendControls.${p}`);

/** The card's spend controls: an editor saved with PATCH /cards/{id} {spendControls} for roles that write, a summary for the others. */
export function ControlsPanel({ card, editable }: { card: Card; editable: boolean }) {
  const { t } = useLang();
  return (
    <section className="panel" aria-labelledby="controls-title">
      <h2 id="controls-title">{t('cards.controls.title')}</h2>
      {editable ? <ControlsForm card={card} /> : <ControlsSummary controls={card.spendControls} />}
    </section>
  );
}

function ControlsForm({ card }: { card: Card }) {
  const { t, lang } = useLang();
  const groups = useMccGroups().data;
  const changed = useCardChanged();
  const [form, setForm] = useState(() => controlsToForm(card.spendControls, card.currency, lang));
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [saved, setSaved] = useState(false);
  const save = useMutation({
    mutationFn: (spendControls: SpendControlsView) => patch<{ card: Card }>(`/cards/${encodeURIComponent(card.id)}`, { spendControls }),
    onSuccess: ({ card: updated }) => {
      changed(updated);
      setForm(controlsToForm(updated.spendControls, updated.currency, lang));
      setSaved(true);
    },
  });
  const current = formToControls(form, lang, groups?.map((g) => g.name));
  const unchanged = current.ok && sameControls(current.controls, card.spendControls);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!current.ok) return setIssues(current.issues);
    setIssues([]);
    save.mutate(current.controls);
  };

  return (
    <form onSubmit={submit} noValidate>
      <ControlsEditor
        form={form}
        onChange={(next) => {
          setForm(next);
          setSaved(false);
        }}
        issues={issues}
        error={save.error}
        groups={groups}
      />
      {issues.length > 0 && (
        <p className="form-error" role="alert">
          {t('cards.issue.fixFields', { count: issues.length })}
        </p>
      )}
      <FormError error={save.error} fields={EDITOR_FIELDS} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={save.isPending || unchanged}>
          {save.isPending ? t('common.saving') : t('cards.controls.save')}
        </button>
        {!unchanged && (
          <button
            type="button"
            onClick={() => {
              setForm(controlsToForm(card.spendControls, card.currency, lang));
              setIssues([]);
              save.reset();
            }}
          >
            {t('cards.controls.discard')}
          </button>
        )}
        <span role="status" className="notice-inline">
          {saved && unchanged ? t('cards.controls.saved') : ''}
        </span>
      </div>
    </form>
  );
}

/** The controls in words, for roles that only read. */
export function ControlsSummary({ controls }: { controls: SpendControlsView }) {
  const { t, lang } = useLang();
  const name = useEntryName();
  const scope = (categories?: string[]) => (categories?.length ? categories.map((c) => categoryName(c, t)).join(', ') : t('cards.usage.allPurchases'));
  const lists = LIST_NAMES.filter((list) => controls[list].length > 0);
  if (!controls.spendingLimits.length && !controls.countLimits.length && !lists.length) return <p className="muted">{t('cards.controls.noControls')}</p>;
  return (
    <dl className="facts">
      {controls.spendingLimits.map((l, i) => (
        <div key={`s${i}`} className="facts-row">
          <dt>{t('cards.controls.spendingLimitN', { n: i + 1 })}</dt>
          <dd>{t('cards.controls.limitSummary', { amount: formatMoney(l.amount, lang), interval: t(`cards.interval.${l.interval}`), scope: scope(l.categories) })}</dd>
        </div>
      ))}
      {controls.countLimits.map((l, i) => (
        <div key={`c${i}`} className="facts-row">
          <dt>{t('cards.controls.countLimitN', { n: i + 1 })}</dt>
          <dd>{t('cards.controls.countSummary', { count: l.count, interval: t(`cards.interval.${l.interval}`), scope: scope(l.categories) })}</dd>
        </div>
      ))}
      {lists.map((list) => (
        <div key={list} className="facts-row">
          <dt>{t(`cards.controls.${list}`)}</dt>
          <dd>{controls[list].map((v) => name(kindOf(list), v)).join(', ')}</dd>
        </div>
      ))}
    </dl>
  );
}
