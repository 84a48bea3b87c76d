import { useEffect, useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { Field, SelectField } from '../../components/field';
import { DateTime } from '../../components/money';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import { CARD_STATUSES, CARD_TYPES, filtersFromParams, filtersToParams, pageCount, type CardFilters } from './card-filters';
import { cardholderLabel, useCardholderChoices } from './cardholder-picker';
import { useCardholders, useCards } from './cards-api';
import { CardName, StatusBadge } from './card-bits';
import './cards.css';

/** GET /cards with search, status, type and cardholder filters, all in the URL; one page at a time. */
export default function CardsListPage() {
  const { t } = useLang();
  const canWrite = useCan('write');
  const [params, setParams] = useSearchParams();
  const filters = filtersFromParams(params);
  const [q, setQ] = useState(filters.q);
  useEffect(() => setQ(filters.q), [filters.q]);
  const cards = useCards(filters);
  const holders = useCardholderChoices();
  const listed = new Map((holders.data?.cardholders ?? []).map((c) => [c.id, c]));
  // Cardholders beyond the picker's newest 100 are asked for one by one (at most a page of them).
  const others = useCardholders(holders.data ? (cards.data?.cards ?? []).map((c) => c.cardholderId).filter((id) => !listed.has(id)) : []);
  const holderName = new Map([...listed, ...others]);

  const apply = (change: Partial<CardFilters>) => setParams(filtersToParams({ ...filters, page: 1, ...change }));
  const search = (e: FormEvent) => {
    e.preventDefault();
    apply({ q });
  };
  const filtered = Boolean(filters.q || filters.status || filters.type || filters.cardholderId);

  return (
    <div className="cards-page">
      <div className="page-head">
        <h1>{t('cards.list.title')}</h1>
        {canWrite && (
          <Link className="button primary" to="/cards/new">
            {t('cards.list.issue')}
          </Link>
        )}
      </div>

      <form role="search" className="filters panel" onSubmit={search} aria-label={t('cards.list.filters')}>
        <Field label={t('cards.list.search')} name="q" type="search" value={q} onChange={(e) => setQ(e.target.value)} hint={t('cards.list.searchHint')} maxLength={100} />
        <SelectField label={t('cards.list.status')} name="status" value={filters.status ?? ''} onChange={(e) => apply({ status: (e.target.value || undefined) as CardFilters['status'] })}>
          <option value="">{t('cards.list.allStatuses')}</option>
          {CARD_STATUSES.map((s) => (
            <option key={s} value={s}>
              {t(`cards.status.${s}`)}
            </option>
          ))}
        </SelectField>
        <SelectField label={t('cards.list.type')} name="type" value={filters.type ?? ''} onChange={(e) => apply({ type: (e.target.value || undefined) as CardFilters['type'] })}>
          <option value="">{t('cards.list.allTypes')}</option>
          {CARD_TYPES.map((type) => (
            <option key={type} value={type}>
              {t(`cards.type.${type}`)}
            </option>
          ))}
        </SelectField>
        <SelectField label={t('cards.list.cardholder')} name="cardholderId" value={filters.cardholderId ?? ''} onChange={(e) => apply({ cardholderId: e.target.value || undefined })}>
          <option value="">{t('cards.list.allCardholders')}</option>
          {filters.cardholderId && !holderName.has(filters.cardholderId) && <option value={filters.cardholderId}>{filters.cardholderId}</option>}
          {(holders.data?.cardholders ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {cardholderLabel(c)}
            </option>
          ))}
        </SelectField>
        <div className="form-actions">
          <button type="submit" className="primary">
            {t('common.search')}
          </button>
          {filtered && (
            <button type="button" onClick={() => setParams(new URLSearchParams())}>
              {t('common.clear')}
            </button>
          )}
        </div>
      </form>

      {cards.isPending ? (
        <Loading />
      ) : !cards.data ? (
        <ErrorState error={cards.error} onRetry={() => void cards.refetch()} />
      ) : cards.data.cards.length === 0 ? (
        <Empty>{filtered ? t('cards.list.noMatch') : t('cards.list.none')}</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption className="cards-sr-only">{t('cards.list.caption', { count: cards.data.totalCount })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('cards.list.card')}</th>
                  <th scope="col">{t('cards.list.cardholder')}</th>
                  <th scope="col">{t('cards.list.type')}</th>
                  <th scope="col">{t('cards.list.status')}</th>
                  <th scope="col">{t('cards.list.expiry')}</th>
                  <th scope="col">{t('cards.list.created')}</th>
                </tr>
              </thead>
              <tbody>
                {cards.data.cards.map((card) => {
                  const holder = holderName.get(card.cardholderId);
                  return (
                    <tr key={card.id}>
                      <td>
                        <Link to={`/cards/${card.id}`}>
                          <CardName card={card} />
                        </Link>
                      </td>
                      <td>{holder ? <Link to={`/cardholders/${holder.id}`}>{holder.name}</Link> : <span className="code">{card.cardholderId}</span>}</td>
                      <td>{t(`cards.type.${card.type}`)}</td>
                      <td>
                        <StatusBadge status={card.status} />
                      </td>
                      <td>{`${String(card.expiryMonth).padStart(2, '0')}/${card.expiryYear}`}</td>
                      <td>
                        <DateTime iso={card.createdAt} dateOnly />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager page={filters.page} pages={pageCount(cards.data.totalCount)} total={cards.data.totalCount} onPage={(page) => setParams(filtersToParams({ ...filters, page }))} />
        </>
      )}
    </div>
  );
}

function Pager({ page, pages, total, onPage }: { page: number; pages: number; total: number; onPage(page: number): void }) {
  const { t } = useLang();
  return (
    <nav className="pager" aria-label={t('cards.list.pages')}>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        {t('cards.list.previous')}
      </button>
      <span aria-live="polite">{t('cards.list.pageOf', { page, pages, total })}</span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        {t('cards.list.next')}
      </button>
    </nav>
  );
}
