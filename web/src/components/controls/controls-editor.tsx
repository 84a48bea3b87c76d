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
  type FieldIssue,
  type ListName,
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

type LimitKey = 'spendingLimits' | 'countLimits';
/** What the two kinds of rows share, with the value each has: `amount` (spending limits) or `count`. */
type LimitRow = { key: string; interval: string; categories: string[]; amount?: string; count?: string };

/** The two kinds of limit rows: an amount or a count per interval, each optionally counting only some categories. */
const LIMIT_SECTIONS: ReadonlyArray<{
  key: LimitKey;
  value: 'amount' | 'count';
  inputMode: 'decimal' | 'numeric';
  intervals: readonly string[];
  newRow(): object;
  strings: { legend: string; none: string; rowN: string; value: string; remove: string; add: string };
}> = [
  {
    key: 'spendingLimits',
    value: 'amount',
    inputMode: 'decimal',
    intervals: SPENDING_INTERVALS,
    newRow: () => newSpendingLimit(),
    strings: { legend: 'spendingLimits', none: 'noSpendingLimits', rowN: 'spendingLimitN', value: 'amount', remove: 'removeSpendingLimit', add: 'addSpendingLimit' },
  },
  {
    key: 'countLimits',
    value: 'count',
    inputMode: 'numeric',
    intervals: COUNT_INTERVALS,
    newRow: () => newCountLimit(),
    strings: { legend: 'countLimits', none: 'noCountLimits', rowN: 'countLimitN', value: 'count', remove: 'removeCountLimit', add: 'addCountLimit' },
  },
];

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

  // A row's change is one of its own fields (value, interval or categories), as the section's inputs give it.
  const setRow = (key: LimitKey, i: number, change: Record<string, unknown>) =>
    onChange({ ...form, [key]: (form[key] as object[]).map((row, j) => (j === i ? { ...row, ...change } : row)) });
  const removeRow = (key: LimitKey, i: number) => onChange({ ...form, [key]: form[key].filter((_, j) => j !== i) });

  const listError = (key: LimitKey) => {
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
      {LIMIT_SECTIONS.map((section) => {
        const rows: readonly LimitRow[] = form[section.key];
        const s = section.strings;
        return (
          <fieldset key={section.key} className="controls-section">
            <legend>{t(`cards.controls.${s.legend}`)}</legend>
            {rows.length === 0 && <p className="field-hint">{t(`cards.controls.${s.none}`)}</p>}
            {rows.map((row, i) => (
              <div key={row.key} className="controls-row" role="group" aria-label={t(`cards.controls.${s.rowN}`, { n: i + 1 })}>
                <Field
                  label={t(`cards.controls.${s.value}`, { currency: form.currency })}
                  name={path(`${section.key}.${i}.${section.value}`)}
                  error={error}
                  message={message(`${section.key}.${i}.${section.value}`)}
                  inputMode={section.inputMode}
                  autoComplete="off"
                  value={row[section.value] ?? ''}
                  onChange={(e) => setRow(section.key, i, { [section.value]: e.target.value })}
                />
                <SelectField
                  label={t('cards.controls.interval')}
                  name={path(`${section.key}.${i}.interval`)}
                  error={error}
                  value={row.interval}
                  onChange={(e) => setRow(section.key, i, { interval: e.target.value })}
                >
                  {section.intervals.map((interval) => (
                    <option key={interval} value={interval}>
                      {t(`cards.interval.${interval}`)}
                    </option>
                  ))}
                </SelectField>
                <EntryList
                  label={t('cards.controls.limitCategories')}
                  name={path(`${section.key}.${i}.categories`)}
                  hint={t('cards.controls.limitCategoriesHint')}
                  kind="category"
                  values={row.categories}
                  onChange={(categories) => setRow(section.key, i, { categories })}
                  groups={groups}
                  error={error}
                  message={message(`${section.key}.${i}.categories`)}
                />
                <button type="button" className="link-button" onClick={() => removeRow(section.key, i)} aria-label={t(`cards.controls.${s.remove}`, { n: i + 1 })}>
                  {t('cards.controls.remove')}
                </button>
              </div>
            ))}
            {listError(section.key)}
            {rows.length < MAX_LIMITS && (
              <button type="button" onClick={() => onChange({ ...form, [section.key]: [...rows, section.newRow()] })}>
                {t(`cards.controls.${s.add}`)}
              </button>
            )}
          </fieldset>
        );
      })}

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
