import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { get } from '../../api';
import type { Cardholder, CardholderPage } from '../../api-types';
import { Field, SelectField } from '../../components/field';
import { useLang } from '../../i18n';

/** The cardholders the pickers offer: the newest 100 (the API's page limit), searched here by name or email. */
const PICKER_PAGE = 100;

export function useCardholderChoices(status?: 'ACTIVE') {
  return useQuery({
    queryKey: ['cardholders', 'choices', status ?? 'all'],
    queryFn: ({ signal }) => get<CardholderPage>('/cardholders', { pageSize: PICKER_PAGE, status }, signal),
  });
}

export function cardholderLabel(c: Pick<Cardholder, 'name' | 'email'>): string {
  return `${c.name} (${c.email})`;
}

function matches(c: Cardholder, query: string): boolean {
  const q = query.trim().toLowerCase();
  return !q || c.name.toLowerCase().includes(q) || c.email.toLowerCase().includes(q);
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
 * Chooses the cardholder a card is issued to: a search over name and email narrows a list of the
 * business's active cardholders. A search that finds nobody among the newest 100 asks the API for
 * the exact email.
 */
export function CardholderPicker({ value, onChange, error, message, extra }: PickerProps) {
  const { t } = useLang();
  const [query, setQuery] = useState('');
  const choices = useCardholderChoices('ACTIVE');
  const listed = choices.data?.cardholders ?? [];
  const all = extra && !listed.some((c) => c.id === extra.id) ? [extra, ...listed] : listed;
  const found = all.filter((c) => matches(c, query) || c.id === value);
  const byEmail = useQuery({
    queryKey: ['cardholders', 'email', query.trim().toLowerCase()],
    queryFn: ({ signal }) => get<CardholderPage>('/cardholders', { email: query.trim(), status: 'ACTIVE', pageSize: 1 }, signal),
    enabled: query.includes('@') && found.length === 0 && (choices.data?.totalCount ?? 0) > PICKER_PAGE,
  });
  const options = found.length ? found : (byEmail.data?.cardholders ?? []);

  return (
    <div className="cardholder-picker">
      <Field label={t('cards.issue.findCardholder')} name="cardholderSearch" type="search" value={query} onChange={(e) => setQuery(e.target.value)} autoComplete="off" />
      <SelectField
        label={t('cards.issue.cardholder')}
        name="cardholderId"
        error={error}
        message={message}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        hint={choices.isPending ? t('states.loading') : options.length === 0 ? t('cards.issue.noCardholderFound') : undefined}
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
