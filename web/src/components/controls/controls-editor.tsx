import { useEffect, useRef } from 'react';
import { Field, SelectField } from '../field';
import { useLang } from '../../i18n';
import type { MccGroup } from '../../pages/cards/card-types';
import {
  COUNT_INTERVALS,
  MAX_LIMITS,
  newCountLimit,
  newSpendingLimit,
  relocaliseForm,
  SPENDING_INTERVALS,
  kindOf,
  type ControlsForm,
  type CountInterval,
  type FieldIssue,
  type ListName,
  type SpendingInterval,
} from './controls-model';
import { EntryList } from './entry-list';
import { apiErrorAt, issueMessage, issueText } from './field-errors';

interface ControlsEditorProps {
  form: ControlsForm;
  onChange(form: ControlsForm): void;
  /** The form's own findings (formToControls), at the paths the API names. */
  issues: readonly FieldIssue[];
  /** The API's error of the last submit: shown next to the field it names. */
  error?: unknown;
  groups?: readonly MccGroup[];
  /** The path of the controls in the request. */
  field?: string;
}

const LIST_SECTIONS: ReadonlyArray<{ legend: 'categories' | 'countries' | 'merchants'; lists: readonly [ListName, ListName] }> = [
  { legend: 'categories', lists: ['allowedCategories', 'blockedCategories'] },
  { legend: 'countries', lists: ['allowedCountries', 'blockedCountries'] },
  { legend: 'merchants', lists: ['allowedMerchantIds', 'blockedMerchantIds'] },
];

/**
 * A card's spend controls as a form: amount limits for every interval (optionally counting only
 * some categories), count limits, and allowed/blocked categories, countries and merchant ids. The
 * issue-card flow and the card page send what formToControls makes of it.
 */
export function ControlsEditor({ form, onChange, issues, error, groups, field = 'spendControls' }: ControlsEditorProps) {
  const { t, lang } = useLang();
  // Amounts are typed in the page's language: when it is switched, they are rewritten for the new one.
  const writtenIn = useRef(lang);
  useEffect(() => {
    if (writtenIn.current === lang) return;
    onChange(relocaliseForm(form, writtenIn.current, lang));
    writtenIn.current = lang;
  }, [lang, form, onChange]);
  const path = (rest: string) => `${field}.${rest}`;
  const message = (rest: string) => issueText(issues, path(rest), t);

  const setRow = <K extends 'spendingLimits' | 'countLimits'>(key: K, i: number, change: Partial<ControlsForm[K][number]>) =>
    onChange({ ...form, [key]: form[key].map((row, j) => (j === i ? { ...row, ...change } : row)) });
  const removeRow = (key: 'spendingLimits' | 'countLimits', i: number) => onChange({ ...form, [key]: form[key].filter((_, j) => j !== i) });

  const listError = (key: 'spendingLimits' | 'countLimits') => {
    const own = issues.find((i) => i.field === path(key));
    const text = apiErrorAt(error, path(key)) ?? (own && issueMessage(own, t));
    return text ? (
      <p className="field-error" role="alert">
        {text}
      </p>
    ) : null;
  };

  return (
    <div className="controls-editor">
      <fieldset className="controls-section">
        <legend>{t('cards.controls.spendingLimits')}</legend>
        {form.spendingLimits.length === 0 && <p className="field-hint">{t('cards.controls.noSpendingLimits')}</p>}
        {form.spendingLimits.map((row, i) => {
          const name = t('cards.controls.spendingLimitN', { n: i + 1 });
          return (
            <div key={row.key} className="controls-row" role="group" aria-label={name}>
              <Field
                label={t('cards.controls.amount', { currency: form.currency })}
                name={path(`spendingLimits.${i}.amount`)}
                error={error}
                message={message(`spendingLimits.${i}.amount`)}
                inputMode="decimal"
                autoComplete="off"
                value={row.amount}
                onChange={(e) => setRow('spendingLimits', i, { amount: e.target.value })}
              />
              <SelectField
                label={t('cards.controls.interval')}
                name={path(`spendingLimits.${i}.interval`)}
                error={error}
                value={row.interval}
                onChange={(e) => setRow('spendingLimits', i, { interval: e.target.value as SpendingInterval })}
              >
                {SPENDING_INTERVALS.map((interval) => (
                  <option key={interval} value={interval}>
                    {t(`cards.interval.${interval}`)}
                  </option>
                ))}
              </SelectField>
              <EntryList
                label={t('cards.controls.limitCategories')}
                name={path(`spendingLimits.${i}.categories`)}
                hint={t('cards.controls.limitCategoriesHint')}
                kind="category"
                values={row.categories}
                onChange={(categories) => setRow('spendingLimits', i, { categories })}
                groups={groups}
                error={error}
                message={message(`spendingLimits.${i}.categories`)}
              />
              <button type="button" className="link-button" onClick={() => removeRow('spendingLimits', i)} aria-label={t('cards.controls.removeSpendingLimit', { n: i + 1 })}>
                {t('cards.controls.remove')}
              </button>
            </div>
          );
        })}
        {listError('spendingLimits')}
        {form.spendingLimits.length < MAX_LIMITS && (
          <button type="button" onClick={() => onChange({ ...form, spendingLimits: [...form.spendingLimits, newSpendingLimit()] })}>
            {t('cards.controls.addSpendingLimit')}
          </button>
        )}
      </fieldset>

      <fieldset className="controls-section">
        <legend>{t('cards.controls.countLimits')}</legend>
        {form.countLimits.length === 0 && <p className="field-hint">{t('cards.controls.noCountLimits')}</p>}
        {form.countLimits.map((row, i) => {
          const name = t('cards.controls.countLimitN', { n: i + 1 });
          return (
            <div key={row.key} className="controls-row" role="group" aria-label={name}>
              <Field
                label={t('cards.controls.count')}
                name={path(`countLimits.${i}.count`)}
                error={error}
                message={message(`countLimits.${i}.count`)}
                inputMode="numeric"
                autoComplete="off"
                value={row.count}
                onChange={(e) => setRow('countLimits', i, { count: e.target.value })}
              />
              <SelectField
                label={t('cards.controls.interval')}
                name={path(`countLimits.${i}.interval`)}
                error={error}
                value={row.interval}
                onChange={(e) => setRow('countLimits', i, { interval: e.target.value as CountInterval })}
              >
                {COUNT_INTERVALS.map((interval) => (
                  <option key={interval} value={interval}>
                    {t(`cards.interval.${interval}`)}
                  </option>
                ))}
              </SelectField>
              <EntryList
                label={t('cards.controls.limitCategories')}
                name={path(`countLimits.${i}.categories`)}
                hint={t('cards.controls.limitCategoriesHint')}
                kind="category"
                values={row.categories}
                onChange={(categories) => setRow('countLimits', i, { categories })}
                groups={groups}
                error={error}
                message={message(`countLimits.${i}.categories`)}
              />
              <button type="button" className="link-button" onClick={() => removeRow('countLimits', i)} aria-label={t('cards.controls.removeCountLimit', { n: i + 1 })}>
                {t('cards.controls.remove')}
              </button>
            </div>
          );
        })}
        {listError('countLimits')}
        {form.countLimits.length < MAX_LIMITS && (
          <button type="button" onClick={() => onChange({ ...form, countLimits: [...form.countLimits, newCountLimit()] })}>
            {t('cards.controls.addCountLimit')}
          </button>
        )}
      </fieldset>

      {LIST_SECTIONS.map(({ legend, lists }) => (
        <fieldset key={legend} className="controls-section controls-lists">
          <legend>{t(`cards.controls.${legend}`)}</legend>
          {lists.map((list) => (
            <EntryList
              key={list}
              label={t(`cards.controls.${list}`)}
              name={path(list)}
              hint={t(`cards.controls.${kindOf(list)}Hint`)}
              kind={kindOf(list)}
              values={form[list]}
              onChange={(values) => onChange({ ...form, [list]: values })}
              groups={groups}
              error={error}
              message={message(list)}
            />
          ))}
        </fieldset>
      ))}
      <p className="field-hint">{t('cards.controls.emptyListHint')}</p>
    </div>
  );
}
