import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate, useParams, useSearchParams } from 'react-router';
import { Field, FormError, SelectField } from '../../components/field';
import { useTimeZone } from '../../components/money';
import { isoToWallTime, parseAmountInput, wallTimeToIso, type Lang } from '../../format';
import { useLang } from '../../i18n';
import { useMe } from '../../me';
import { AUTHORIZATION_FILTERS, AuthorizationList, useAuthorizations, type AuthorizationFilters } from './authorization-list';
import { AuthorizationDrawer } from './authorization-drawer';

type FormValues = Record<(typeof AUTHORIZATION_FILTERS)[number], string>;

/** An API amount ("150000.50") as typed in the language ("150000,50" in id). */
const amountInput = (value: string, lang: Lang) => (lang === 'id' ? value.replace('.', ',') : value);

function filtersOf(params: URLSearchParams): AuthorizationFilters {
  const filters: AuthorizationFilters = {};
  for (const name of AUTHORIZATION_FILTERS) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

function formOf(filters: AuthorizationFilters, timeZone: string, lang: Lang): FormValues {
  const v = Object.fromEntries(AUTHORIZATION_FILTERS.map((n) => [n, filters[n] ?? ''])) as FormValues;
  v.amountMin = v.amountMin && amountInput(v.amountMin, lang);
  v.amountMax = v.amountMax && amountInput(v.amountMax, lang);
  v.from = v.from && isoToWallTime(v.from, timeZone);
  v.to = v.to && isoToWallTime(v.to, timeZone);
  return v;
}

/**
 * Transactions: every filter of GET /authorizations in the URL's search (so a filtered list can be
 * bookmarked, shared and comes back after signing in again), the list, and /transactions/{id}
 * opening the detail drawer over it.
 */
export default function TransactionsPage() {
  const { t, lang } = useLang();
  const me = useMe().data!;
  const timeZone = useTimeZone();
  const currency = me.business.currency;
  const { id } = useParams();
  const navigate = useNavigate();
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const [values, setValues] = useState<FormValues>(() => formOf(filters, timeZone, lang));
  const [invalid, setInvalid] = useState<Partial<Record<keyof FormValues, string>>>({});
  const list = useAuthorizations(filters);
  const search = params.toString();
  useEffect(() => {
    setValues(formOf(filtersOf(new URLSearchParams(search)), timeZone, lang));
  }, [search, timeZone, lang]);

  const set = (name: keyof FormValues) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [name]: e.target.value }));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams();
    const problems: typeof invalid = {};
    for (const name of AUTHORIZATION_FILTERS) {
      const raw = values[name].trim();
      if (!raw) continue;
      let value: string | undefined = raw;
      if (name === 'amountMin' || name === 'amountMax') {
        value = parseAmountInput(raw, currency, lang);
        if (value === undefined) problems[name] = t('transactions.invalidAmount', { currency });
      }
      if (name === 'from' || name === 'to') value = wallTimeToIso(raw, timeZone);
      if (value !== undefined) next.set(name, value);
    }
    setInvalid(problems);
    if (Object.keys(problems).length === 0) setParams(next);
  };
  const clear = () => {
    setInvalid({});
    setParams(new URLSearchParams());
  };
  const fieldProps = (name: keyof FormValues) => ({ name, value: values[name], onChange: set(name), error: list.error, message: invalid[name], autoComplete: 'off' });

  return (
    <>
      <h1>{t('transactions.title')}</h1>
      <form className="panel" onSubmit={apply} noValidate aria-labelledby="filters">
        <h2 id="filters">{t('transactions.filters')}</h2>
        <div className="filters">
          <SelectField label={t('transactions.decision')} name="decision" value={values.decision} onChange={set('decision')} error={list.error}>
            <option value="">{t('transactions.anyDecision')}</option>
            {(['approved', 'declined', 'partial'] as const).map((d) => (
              <option key={d} value={d}>
                {t(`decision.${d}`)}
              </option>
            ))}
          </SelectField>
          <Field label={t('transactions.responseCode')} {...fieldProps('responseCode')} maxLength={2} />
          <Field label={t('transactions.merchant')} {...fieldProps('merchant')} />
          <Field label={t('transactions.mcc')} {...fieldProps('mcc')} inputMode="numeric" maxLength={4} />
          <Field label={t('transactions.amountMin')} {...fieldProps('amountMin')} inputMode="decimal" />
          <Field label={t('transactions.amountMax')} {...fieldProps('amountMax')} inputMode="decimal" />
          <Field label={t('transactions.from', { timeZone })} {...fieldProps('from')} type="datetime-local" />
          <Field label={t('transactions.to', { timeZone })} {...fieldProps('to')} type="datetime-local" />
          <Field label={t('transactions.card')} {...fieldProps('cardId')} />
          <Field label={t('transactions.cardholder')} {...fieldProps('cardholderId')} />
        </div>
        <FormError error={list.error} fields={AUTHORIZATION_FILTERS} />
        <div className="form-actions">
          <button type="submit" className="primary">
            {t('common.apply')}
          </button>
          <button type="button" onClick={clear}>
            {t('common.clear')}
          </button>
        </div>
      </form>
      {!(list.error && !list.data) && <AuthorizationList filters={filters} />}
      {id && <AuthorizationDrawer id={id} onClose={() => void navigate(`/transactions${search ? `?${search}` : ''}`)} />}
    </>
  );
}
