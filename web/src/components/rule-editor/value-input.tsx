import { useEffect, useId, useState, type KeyboardEvent } from 'react';
import { minorUnits } from '../../format';
import { useLang } from '../../i18n';
import { COUNTRY_CODES } from './countries';
import { LIMITS, takesList, type FactDef, type OperatorDef, type ValueKind } from './fact-catalogue';
import { itemKind, itemText, parseItem, valueFits, type Item } from './value-model';

/**
 * The value of one condition, typed by its fact: an amount in the business's currency (the rule
 * holds minor units), an hour, a weekday, an MCC, a country, a category group, a word of a known
 * list, a yes/no, a number or a text — or a list of them for in / notIn / inMccGroup / inCountries.
 * A value the widget cannot show (a fact or operator the catalogue does not know, a value of
 * another type) is edited as JSON, and kept as it was until it is changed.
 */

export interface ValueInputProps {
  id: string;
  label: string;
  fact: FactDef | undefined;
  op: OperatorDef | undefined;
  value: unknown;
  onChange(value: unknown): void;
  currency: string;
  groupNames: readonly string[] | undefined;
  invalid: boolean;
  describedBy?: string;
  disabled?: boolean;
}

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7];
const HOURS = Array.from({ length: 24 }, (_, h) => h);

export function ValueInput(props: ValueInputProps) {
  const { fact, op, value } = props;
  if (!fact || !op || !valueFits(fact, op, value)) return <JsonValueInput {...props} />;
  const kind = itemKind(fact, op);
  if (takesList(op)) return <ListValueInput {...props} kind={kind} choices={fact.choices} values={value as Item[]} />;
  return <ScalarValueInput {...props} kind={kind} choices={fact.choices} />;
}

function Problem({ id, text }: { id: string; text: string | undefined }) {
  return text ? (
    <p id={id} className="field-error">
      {text}
    </p>
  ) : null;
}

function describe(...ids: Array<string | undefined | false>): string | undefined {
  const s = ids.filter(Boolean).join(' ');
  return s || undefined;
}

function ScalarValueInput({ id, label, value, onChange, currency, groupNames, invalid, describedBy, disabled, kind, choices }: ValueInputProps & { kind: ValueKind | 'category'; choices?: readonly string[] }) {
  const { t, lang } = useLang();
  const problemId = useId();
  const shown = itemText(kind, value as Item, t, lang, currency);
  const [text, setText] = useState(shown);
  const [problem, setProblem] = useState<string>();
  // A new value from outside (another fact, the JSON view) replaces what is typed.
  useEffect(() => {
    const parsed = parseItem(kind, text, lang, currency, groupNames);
    if (!parsed.ok || parsed.value !== value) {
      setText(shown);
      setProblem(undefined);
    }
    // Only a change of the value itself resets the text (not each keystroke).
  }, [value, kind, lang]);

  const common = { id, disabled, 'aria-invalid': invalid || Boolean(problem), 'aria-describedby': describe(describedBy, problem && problemId) };
  const select = (options: Array<{ value: string; text: string }>, read: (s: string) => Item) => {
    const current = String(value);
    const all = options.some((o) => o.value === current) ? options : [{ value: current, text: current }, ...options];
    return (
      <select {...common} value={current} onChange={(e) => onChange(read(e.target.value))}>
        {all.map((o) => (
          <option key={o.value} value={o.value}>
            {o.text}
          </option>
        ))}
      </select>
    );
  };

  let control;
  switch (kind) {
    case 'hour':
      control = select(HOURS.map((h) => ({ value: String(h), text: itemText('hour', h, t, lang, currency) })), Number);
      break;
    case 'weekday':
      control = select(WEEKDAYS.map((d) => ({ value: String(d), text: itemText('weekday', d, t, lang, currency) })), Number);
      break;
    case 'boolean':
      control = select(
        [
          { value: 'true', text: t('ruleEditor.value.yes') },
          { value: 'false', text: t('ruleEditor.value.no') },
        ],
        (s) => s === 'true',
      );
      break;
    case 'choice':
      control = select((choices ?? []).map((c) => ({ value: c, text: itemText('choice', c, t, lang, currency) })), String);
      break;
    case 'country':
      control = select(COUNTRY_CODES.map((c) => ({ value: c, text: itemText('country', c, t, lang, currency) })), String);
      break;
    case 'mccGroup':
      control = groupNames ? select(groupNames.map((g) => ({ value: g, text: g })), String) : undefined;
      break;
  }
  if (!control) {
    control = (
      <input
        {...common}
        type="text"
        inputMode={kind === 'amount' || kind === 'number' ? 'decimal' : undefined}
        value={text}
        autoComplete="off"
        spellCheck={false}
        onChange={(e) => {
          setText(e.target.value);
          const parsed = parseItem(kind, e.target.value, lang, currency, groupNames);
          if (parsed.ok) {
            setProblem(undefined);
            onChange(parsed.value);
          } else setProblem(t(`ruleEditor.value.problems.${parsed.problem}`, { currency, decimals: minorUnits(currency) }));
        }}
      />
    );
  }
  return (
    <div className="rule-value">
      <label htmlFor={id}>{kind === 'amount' ? t('ruleEditor.condition.amountValue', { currency }) : label}</label>
      {control}
      <Problem id={problemId} text={problem} />
    </div>
  );
}

function ListValueInput({
  id,
  label,
  values,
  onChange,
  currency,
  groupNames,
  invalid,
  describedBy,
  disabled,
  kind,
  choices,
}: ValueInputProps & { kind: ValueKind | 'category'; choices?: readonly string[]; values: Item[] }) {
  const { t, lang } = useLang();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  const problemId = useId();
  const suggestionsId = useId();
  const listLabel = kind === 'amount' ? t('ruleEditor.condition.amountValue', { currency }) : label;

  // Categories are typed (a group, suggested, or any 4-digit MCC); a closed set is picked from a list.
  const suggestions = kind === 'category' && groupNames ? groupNames.map((g) => ({ value: g, text: g })) : undefined;
  const closed: Array<{ value: string; text: string }> | undefined =
    kind === 'country'
      ? COUNTRY_CODES.map((c) => ({ value: c, text: itemText('country', c, t, lang, currency) }))
      : kind === 'choice'
        ? (choices ?? []).map((c) => ({ value: c, text: itemText('choice', c, t, lang, currency) }))
        : kind === 'hour'
          ? HOURS.map((h) => ({ value: String(h), text: itemText('hour', h, t, lang, currency) }))
          : kind === 'weekday'
            ? WEEKDAYS.map((d) => ({ value: String(d), text: itemText('weekday', d, t, lang, currency) }))
            : undefined;
  const picked = closed && !closed.some((o) => o.value === text) ? closed[0]!.value : text;

  const add = () => {
    const parsed = parseItem(kind, picked, lang, currency, groupNames);
    if (!parsed.ok) return setProblem(t(`ruleEditor.value.problems.${parsed.problem}`, { currency, decimals: minorUnits(currency) }));
    if (values.includes(parsed.value)) return setProblem(t('ruleEditor.value.problems.duplicate'));
    if (values.length >= LIMITS.listValues) return setProblem(t('ruleEditor.value.problems.tooMany', { max: LIMITS.listValues }));
    setProblem(undefined);
    setText('');
    onChange([...values, parsed.value]);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    add();
  };

  return (
    <div className="rule-value rule-list">
      <label htmlFor={id}>{listLabel}</label>
      {values.length > 0 ? (
        <ul className="chips" aria-label={t('ruleEditor.value.entriesOf', { list: listLabel })}>
          {values.map((v) => (
            <li key={String(v)} className="chip">
              <span>{itemText(kind, v, t, lang, currency)}</span>
              {!disabled && (
                <button type="button" className="chip-remove" aria-label={t('ruleEditor.value.remove', { value: itemText(kind, v, t, lang, currency) })} onClick={() => onChange(values.filter((x) => x !== v))}>
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted rule-list-empty">{t('ruleEditor.value.noEntries')}</p>
      )}
      {!disabled && (
        <div className="entry-add">
          {closed ? (
            <select
              id={id}
              value={picked}
              aria-invalid={invalid || Boolean(problem)}
              aria-describedby={describe(describedBy, problem && problemId)}
              onChange={(e) => {
                setText(e.target.value);
                setProblem(undefined);
              }}
            >
              {closed.map((o) => (
                <option key={o.value} value={o.value}>
                  {o.text}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={id}
              type="text"
              value={text}
              list={suggestions ? suggestionsId : undefined}
              autoComplete="off"
              spellCheck={false}
              aria-invalid={invalid || Boolean(problem)}
              aria-describedby={describe(describedBy, problem && problemId)}
              placeholder={t(`ruleEditor.value.placeholders.${kind}`, { defaultValue: '' })}
              onChange={(e) => {
                setText(e.target.value);
                setProblem(undefined);
              }}
              onKeyDown={onKeyDown}
            />
          )}
          <button type="button" onClick={add} aria-label={t('ruleEditor.value.addTo', { list: listLabel })}>
            {t('ruleEditor.value.add')}
          </button>
          {suggestions && (
            <datalist id={suggestionsId}>
              {suggestions.map((s) => (
                <option key={s.value} value={s.value}>
                  {s.text}
                </option>
              ))}
            </datalist>
          )}
        </div>
      )}
      <Problem id={problemId} text={problem} />
    </div>
  );
}

/** A value the typed widgets cannot show, as JSON text; applied when it parses. */
function JsonValueInput({ id, label, value, onChange, invalid, describedBy, disabled }: ValueInputProps) {
  const { t } = useLang();
  const problemId = useId();
  const shown = value === undefined ? '' : JSON.stringify(value);
  const [text, setText] = useState(shown);
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    let same = false;
    try {
      same = JSON.stringify(JSON.parse(text)) === shown;
    } catch {
      same = false;
    }
    if (!same) {
      setText(shown);
      setProblem(undefined);
    }
    // Only a change of the value itself resets the text (not each keystroke).
  }, [shown]);
  return (
    <div className="rule-value">
      <label htmlFor={id}>{t('ruleEditor.condition.jsonValue', { label })}</label>
      <input
        id={id}
        type="text"
        className="code"
        value={text}
        disabled={disabled}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={invalid || Boolean(problem)}
        aria-describedby={describe(describedBy, problem && problemId)}
        onChange={(e) => {
          setText(e.target.value);
          try {
            onChange(JSON.parse(e.target.value));
            setProblem(undefined);
          } catch (err) {
            setProblem(t('ruleEditor.value.problems.json', { message: err instanceof Error ? err.message : String(err) }));
          }
        }}
      />
      <Problem id={problemId} text={problem} />
    </div>
  );
}
