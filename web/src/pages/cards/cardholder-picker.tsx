import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { get } from '../../api';
import type { Cardholder, CardholderPage } from '../../api-types';
import { Field, SelectField } from '../../components/field';
import { useLang } from '../../i18n';

/** The cardholders a picker offers: the API's newest 100 (its page limit) that match. */
const PICKER_PAGE = 100;
/** Typing pauses this long before the search is asked for. */
const SEARCH_DELAY_MS = 250;

/** GET /cardholders newest first, of `status` if given, matching `q` (a part of the name or email) if given. */
export function useCardholderChoices(o: { status?: 'ACTIVE'; q?: string } = {}) {
  const q = o.q?.trim() ?? '';
  return useQuery({
    queryKey: ['cardholders', 'choices', o.status ?? 'all', q],
    queryFn: ({ signal }) => get<CardholderPage>('/cardholders', { pageSize: PICKER_PAGE, status: o.status, q }, signal),
    placeholderData: keepPreviousData,
  });
}

export function cardholderLabel(c: Pick<Cardholder, 'name' | 'email'>): string {
  return `${c.name} (${c.email})`;
}

/** `value`, once it has stayed the same for `ms`. */
function useSettled(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

interface PickerProps {
  value: string;
  onChange(id: string): void;
  /** The API's error of the last submit (shown when it names `cardholderId`). */
  error?: unknown;
  message?: string;
  /** One created inline, to offer before the list has refetched. */
  extra?: Cardholder;
}

/**
 * Chooses the cardholder a card is issued to: the business's active cardholders, newest first,
 * narrowed by the API's search over name and email as one types. The one chosen stays on offer
 * while the search changes.
 */
export function CardholderPicker({ value, onChange, error, message, extra }: PickerProps) {
  const { t } = useLang();
  const [query, setQuery] = useState('');
  const [chosen, setChosen] = useState<Cardholder>();
  const choices = useCardholderChoices({ status: 'ACTIVE', q: useSettled(query, SEARCH_DELAY_MS) });
  const found = choices.data?.cardholders ?? [];
  const current = [extra, chosen].find((c) => c?.id === value);
  const options = current && !found.some((c) => c.id === current.id) ? [current, ...found] : found;
  const total = choices.data?.totalCount ?? 0;
  const choose = (id: string) => {
    setChosen(options.find((c) => c.id === id));
    onChange(id);
  };

  return (
    <div className="cardholder-picker">
      <Field
        label={t('cards.issue.findCardholder')}
        name="cardholderSearch"
        type="search"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        hint={t('cards.issue.findCardholderHint')}
        autoComplete="off"
        maxLength={100}
      />
      <SelectField
        label={t('cards.issue.cardholder')}
        name="cardholderId"
        error={error}
        message={message}
        value={value}
        onChange={(e) => choose(e.target.value)}
        hint={
          choices.isPending
            ? t('states.loading')
            : found.length === 0
              ? t('cards.issue.noCardholderFound')
              : total > found.length
                ? t('cards.issue.moreCardholders', { shown: found.length, total })
                : undefined
        }
      >
        <option value="">{t('cards.issue.chooseCardholder')}</option>
        {options.map((c) => (
          <option key={c.id} value={c.id}>
            {cardholderLabel(c)}
          </option>
        ))}
      </SelectField>
    </div>
  );
}
