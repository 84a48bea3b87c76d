import { useId, useState, type KeyboardEvent } from 'react';
import { FieldShell } from '../field';
import { useLang } from '../../i18n';
import type { MccGroup } from '../../pages/cards/card-types';
import { entryProblem, normaliseEntry, type ListKind } from './controls-model';
import { useEntryName } from './entry-names';
import { issueMessage } from './field-errors';

interface EntryListProps {
  /** The list's name, which labels its input ("Blocked categories"). */
  label: string;
  /** The list's path in the request (`spendControls.blockedCategories`): the API's errors about it or its entries show here. */
  name: string;
  kind: ListKind;
  values: readonly string[];
  onChange(values: string[]): void;
  /** The MCC groups, for suggestions and for checking names; undefined while they load. */
  groups?: readonly MccGroup[];
  /** The API's error of the last submit. */
  error?: unknown;
  /** The form's own finding about this list. */
  message?: string;
  hint?: string;
}

/**
 * A list of categories, countries or merchant ids: its entries as removable chips and an input to
 * add one (Enter or the add button). Each entry is checked as it is added, so the list holds only
 * entries the API accepts.
 */
export function EntryList({ label, name, kind, values, onChange, groups, error, message, hint }: EntryListProps) {
  const { t } = useLang();
  const entryName = useEntryName();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const suggestions = useId();

  const add = () => {
    const value = normaliseEntry(kind, text);
    if (!value.trim()) return;
    const found = entryProblem(kind, value, groups?.map((g) => g.name));
    if (found) return setProblem(issueMessage(found, t));
    if (values.includes(value)) return setProblem(issueMessage({ code: 'duplicate', params: { value } }, t));
    setProblem(undefined);
    setText('');
    onChange([...values, value]);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key !== 'Enter') return;
    // Enter adds the entry; it does not submit the form around the editor.
    event.preventDefault();
    add();
  };

  return (
    <FieldShell label={label} name={name} error={problem ? undefined : error} message={problem ?? message} hint={hint} className="entry-list">
      {(control) => (
        <>
          {values.length > 0 && (
            <ul className="chips" aria-label={t('cards.controls.entriesOf', { list: label })}>
              {values.map((value) => (
                <li key={value} className="chip">
                  <span>{entryName(kind, value)}</span>
                  <button
                    type="button"
                    className="chip-remove"
                    aria-label={t('cards.controls.removeEntry', { name: entryName(kind, value), list: label })}
                    onClick={() => onChange(values.filter((v) => v !== value))}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div className="entry-add">
            <input
              {...control}
              value={text}
              onChange={(e) => {
                setText(e.target.value);
                setProblem(undefined);
              }}
              onKeyDown={onKeyDown}
              list={kind === 'category' && groups ? suggestions : undefined}
              autoComplete="off"
              spellCheck={false}
            />
            <button type="button" onClick={add} aria-label={t('cards.controls.addTo', { list: label })}>
              {t('cards.controls.add')}
            </button>
          </div>
          {kind === 'category' && groups && (
            <datalist id={suggestions}>
              {groups.map((g) => (
                <option key={g.name} value={g.name}>
                  {entryName('category', g.name)}
                </option>
              ))}
            </datalist>
          )}
        </>
      )}
    </FieldShell>
  );
}
