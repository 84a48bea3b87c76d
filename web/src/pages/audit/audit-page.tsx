import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { get } from '../../api';
import { DateTime, useTimeZone } from '../../components/money';
import { Field, FormError, SelectField } from '../../components/field';
import { Empty, ErrorState, Loading } from '../../components/states';
import { formatMoney, isoToWallTime, wallTimeToIso, type Lang } from '../../format';
import { useLang } from '../../i18n';
import { ACTOR_TYPES, AUDIT_FILTERS, filtersOf, objectPath, TARGET_TYPES, type AuditEntry, type AuditFilter, type AuditFilters, type AuditPage } from './audit-model';

const PAGE_SIZE = 25;
type FormValues = Record<AuditFilter, string>;

function formOf(filters: AuditFilters, timeZone: string): FormValues {
  const v = Object.fromEntries(AUDIT_FILTERS.map((n) => [n, filters[n] ?? ''])) as FormValues;
  v.from = v.from && isoToWallTime(v.from, timeZone);
  v.to = v.to && isoToWallTime(v.to, timeZone);
  return v;
}

function Who({ e }: { e: AuditEntry }) {
  const { t } = useLang();
  if (e.actorEmail) return <span>{e.actorEmail}</span>;
  return (
    <span>
      {t(`audit.actorTypes.${e.actorType}`)}
      {e.actorId && <span className="muted audit-raw"> {e.actorId}</span>}
    </span>
  );
}

/** A locale's words for `key` when it has them (a string, not a group of keys), else undefined. */
function useWords(): (key: string) => string | undefined {
  const { i18n } = useTranslation();
  return (key) => {
    if (!i18n.exists(key)) return undefined;
    const words: unknown = i18n.t(key, { returnObjects: true });
    return typeof words === 'string' ? words : undefined;
  };
}

/** The action in words where the locale knows it, with the raw action beside it. */
function Action({ action }: { action: string }) {
  const words = useWords()(`audit.actions.${action}`);
  return (
    <span>
      {words && <>{words} </>}
      <code className="audit-raw">{action}</code>
    </span>
  );
}

function ObjectCell({ e }: { e: AuditEntry }) {
  const words = useWords();
  if (!e.targetType) return <span>—</span>;
  const type = words(`audit.targetTypes.${e.targetType}`) ?? e.targetType;
  const text = e.targetId ? `${type} ${e.targetId}` : type;
  const to = objectPath(e.targetType, e.targetId);
  return to ? (
    <Link to={to} className="audit-object">
      {text}
    </Link>
  ) : (
    <span className="audit-object">{text}</span>
  );
}

const isMoney = (v: unknown): v is { value: string; currency: string } =>
  typeof v === 'object' && v !== null && Object.keys(v).length === 2 && typeof (v as Record<string, unknown>).value === 'string' && typeof (v as Record<string, unknown>).currency === 'string';

/** A currency the ISO 4217 table does not know is shown as recorded. */
function formatMoneySafe(v: { value: string; currency: string }, lang: Lang): string {
  try {
    return formatMoney(v, lang);
  } catch {
    return `${v.currency} ${v.value}`;
  }
}

/** The details as recorded: money in the language's format, other values as they are. */
function Details({ details }: { details: Record<string, unknown> }) {
  const { lang } = useLang();
  const entries = Object.entries(details);
  if (entries.length === 0) return <span>—</span>;
  return (
    <dl className="audit-details">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{isMoney(v) ? formatMoneySafe(v, lang) : typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

/**
 * The audit log (owners): the filters of GET /audit-log kept in the URL's query (a filtered log can
 * be shared), the entries newest first, each linking to its object.
 */
export default function AuditLogPage() {
  const { t } = useLang();
  const words = useWords();
  const timeZone = useTimeZone();
  const [params, setParams] = useSearchParams();
  const filters = filtersOf(params);
  const page = Math.max(0, Number(params.get('page') ?? '0') || 0);
  const search = params.toString();
  const [values, setValues] = useState<FormValues>(() => formOf(filters, timeZone));
  useEffect(() => {
    setValues(formOf(filtersOf(new URLSearchParams(search)), timeZone));
  }, [search, timeZone]);
  const list = useQuery({
    queryKey: ['audit-log', filters, page],
    queryFn: ({ signal }) => get<AuditPage>('/audit-log', { ...filters, pageNumber: page, pageSize: PAGE_SIZE }, signal),
    placeholderData: keepPreviousData,
  });

  const set = (name: AuditFilter) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [name]: e.target.value }));
  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams();
    for (const name of AUDIT_FILTERS) {
      const raw = values[name].trim();
      if (!raw) continue;
      const value = name === 'from' || name === 'to' ? wallTimeToIso(raw, timeZone) : raw;
      if (value) next.set(name, value);
    }
    setParams(next);
  };
  const goTo = (n: number) => {
    const next = new URLSearchParams(params);
    if (n > 0) next.set('page', String(n));
    else next.delete('page');
    setParams(next);
  };
  const fieldProps = (name: AuditFilter) => ({ name, value: values[name], onChange: set(name), error: list.error, autoComplete: 'off' });
  const pages = list.data ? Math.max(1, Math.ceil(list.data.totalCount / PAGE_SIZE)) : 1;

  return (
    <div className="audit-page">
      <h1>{t('audit.title')}</h1>
      <form className="panel" onSubmit={apply} noValidate aria-labelledby="audit-filters">
        <h2 id="audit-filters">{t('audit.filters')}</h2>
        <div className="filters">
          <Field label={t('audit.actor')} {...fieldProps('actor')} hint={t('audit.actorHint')} />
          <SelectField label={t('audit.actorType')} {...fieldProps('actorType')}>
            <option value="">{t('audit.anyActorType')}</option>
            {ACTOR_TYPES.map((a) => (
              <option key={a} value={a}>
                {t(`audit.actorTypes.${a}`)}
              </option>
            ))}
          </SelectField>
          <Field label={t('audit.action')} {...fieldProps('action')} hint={t('audit.actionHint')} />
          <SelectField label={t('audit.targetType')} {...fieldProps('targetType')}>
            <option value="">{t('audit.anyTargetType')}</option>
            {[...TARGET_TYPES, ...(values.targetType && !(TARGET_TYPES as readonly string[]).includes(values.targetType) ? [values.targetType] : [])].map((type) => (
              <option key={type} value={type}>
                {words(`audit.targetTypes.${type}`) ?? type}
              </option>
            ))}
          </SelectField>
          <Field label={t('audit.targetId')} {...fieldProps('targetId')} />
          <Field label={t('audit.from', { timeZone })} {...fieldProps('from')} type="datetime-local" />
          <Field label={t('audit.to', { timeZone })} {...fieldProps('to')} type="datetime-local" />
        </div>
        <FormError error={list.error} fields={AUDIT_FILTERS} />
        <div className="form-actions">
          <button type="submit" className="primary">
            {t('common.apply')}
          </button>
          <button type="button" onClick={() => setParams(new URLSearchParams())}>
            {t('common.clear')}
          </button>
        </div>
      </form>
      {list.isPending ? (
        <Loading />
      ) : !list.data ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.auditEntries.length === 0 ? (
        <Empty>{Object.keys(filters).length ? t('audit.noMatch') : t('audit.empty')}</Empty>
      ) : (
        <>
          <p className="muted">{t('audit.count', { n: list.data.totalCount })}</p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('audit.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('audit.when', { timeZone })}</th>
                  <th scope="col">{t('audit.who')}</th>
                  <th scope="col">{t('audit.action')}</th>
                  <th scope="col">{t('audit.object')}</th>
                  <th scope="col">{t('common.details')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.auditEntries.map((e) => (
                  <tr key={e.id}>
                    <td>
                      <DateTime iso={e.createdAt} />
                    </td>
                    <td>
                      <Who e={e} />
                    </td>
                    <td>
                      <Action action={e.action} />
                    </td>
                    <td>
                      <ObjectCell e={e} />
                    </td>
                    <td>
                      <Details details={e.details} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pages > 1 && (
            <nav className="pager" aria-label={t('audit.page', { page: page + 1, pages })}>
              <button type="button" disabled={page === 0} onClick={() => goTo(page - 1)}>
                {t('audit.previous')}
              </button>
              <span>{t('audit.page', { page: page + 1, pages })}</span>
              <button type="button" disabled={page + 1 >= pages} onClick={() => goTo(page + 1)}>
                {t('audit.next')}
              </button>
            </nav>
          )}
        </>
      )}
    </div>
  );
}
