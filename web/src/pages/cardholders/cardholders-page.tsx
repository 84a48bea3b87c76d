import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { get } from '../../api';
import type { CardholderPage, CardholderStatus } from '../../api-types';
import { Dialog } from '../../components/dialog';
import { Field, FormError, SelectField } from '../../components/field';
import { DateTime } from '../../components/money';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import { CardholderForm } from './cardholder-form';

export const CARDHOLDER_STATUSES: readonly CardholderStatus[] = ['ACTIVE', 'INACTIVE', 'BLOCKED'];
const PAGE_SIZE = 20;

/** Cardholders: search by name or email (GET /cardholders?q=) and status, in the URL; pages, and "New cardholder". */
export default function CardholdersPage() {
  const { t } = useLang();
  const navigate = useNavigate();
  const canWrite = useCan('write');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const status = params.get('status') ?? '';
  const page = Math.max(0, Number(params.get('page') ?? '0') || 0);
  const [qInput, setQInput] = useState(q);
  const [creating, setCreating] = useState(false);
  const list = useQuery({
    queryKey: ['cardholders', { q, status, page }],
    queryFn: ({ signal }) => get<CardholderPage>('/cardholders', { q, status, pageNumber: page, pageSize: PAGE_SIZE }, signal),
    placeholderData: keepPreviousData,
  });
  const update = (changes: Record<string, string>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    setParams(next);
  };
  const search = (e: FormEvent) => {
    e.preventDefault();
    update({ q: qInput.trim(), page: '' });
  };
  const pages = list.data ? Math.max(1, Math.ceil(list.data.totalCount / PAGE_SIZE)) : 1;
  const filtered = Boolean(q || status);
  return (
    <>
      <h1>{t('cardholders.title')}</h1>
      <div className="toolbar">
        <form className="form-inline" onSubmit={search} role="search" noValidate>
          <Field label={t('cardholders.search')} name="q" type="search" value={qInput} onChange={(e) => setQInput(e.target.value)} error={list.error} autoComplete="off" maxLength={100} />
          <SelectField label={t('cardholders.statusFilter')} name="status" value={status} onChange={(e) => update({ status: e.target.value, page: '' })} error={list.error}>
            <option value="">{t('cardholders.anyStatus')}</option>
            {CARDHOLDER_STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`cardholders.statuses.${s}`)}
              </option>
            ))}
          </SelectField>
          <button type="submit">{t('common.search')}</button>
        </form>
        {canWrite && (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            {t('cardholders.new')}
          </button>
        )}
      </div>
      {list.isPending ? (
        <Loading />
      ) : !list.data ? (
        <>
          <FormError error={list.error} fields={['q', 'status']} />
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        </>
      ) : list.data.cardholders.length === 0 ? (
        <Empty>{filtered ? t('cardholders.noMatch') : t('cardholders.empty')}</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('cardholders.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('cardholders.name')}</th>
                  <th scope="col">{t('cardholders.email')}</th>
                  <th scope="col">{t('cardholders.employeeId')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('transactions.when')}</th>
                </tr>
              </thead>
              <tbody>
                {list.data.cardholders.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link to={`/cardholders/${c.id}`}>{c.name}</Link>
                    </td>
                    <td>{c.email}</td>
                    <td>{c.employeeId ?? '—'}</td>
                    <td>
                      <span className={`status status-${c.status.toLowerCase()}`}>{t(`cardholders.statuses.${c.status}`)}</span>
                    </td>
                    <td>
                      <DateTime iso={c.createdAt} dateOnly />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pages > 1 && (
            <nav className="pager" aria-label={t('cardholders.page', { page: page + 1, pages })}>
              <button type="button" disabled={page === 0} onClick={() => update({ page: page - 1 > 0 ? String(page - 1) : '' })}>
                {t('cardholders.previous')}
              </button>
              <span>{t('cardholders.page', { page: page + 1, pages })}</span>
              <button type="button" disabled={page + 1 >= pages} onClick={() => update({ page: String(page + 1) })}>
                {t('cardholders.next')}
              </button>
            </nav>
          )}
        </>
      )}
      {creating && (
        <Dialog title={t('cardholders.createTitle')} onClose={() => setCreating(false)}>
          <CardholderForm onSaved={(c) => void navigate(`/cardholders/${c.id}`)} onCancel={() => setCreating(false)} />
        </Dialog>
      )}
    </>
  );
}
