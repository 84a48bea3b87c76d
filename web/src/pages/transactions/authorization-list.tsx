import { useInfiniteQuery } from '@tanstack/react-query';
import { Link, useLocation } from 'react-router';
import { get, type Query } from '../../api';
import type { AuthorizationPage, AuthorizationSummary } from '../../api-types';
import { DateTime, Money } from '../../components/money';
import { Empty, ErrorState, Loading } from '../../components/states';
import { explainDecision } from '../../decline-reasons';
import { useLang } from '../../i18n';
import { useGroupsOfMcc } from '../../mcc-groups';

/** The filters of GET /authorizations (docs/dashboard.md), as the API names them. */
export const AUTHORIZATION_FILTERS = ['cardId', 'cardholderId', 'decision', 'responseCode', 'merchant', 'mcc', 'amountMin', 'amountMax', 'from', 'to'] as const;
export type AuthorizationFilters = Partial<Record<(typeof AUTHORIZATION_FILTERS)[number], string>>;

export function useAuthorizations(filters: AuthorizationFilters, pageSize = 25) {
  return useInfiniteQuery({
    queryKey: ['authorizations', filters, pageSize],
    queryFn: ({ pageParam, signal }) => get<AuthorizationPage>('/authorizations', { ...(filters as Query), pageSize, cursor: pageParam }, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

function Row({ a, search, groupsOf }: { a: AuthorizationSummary; search: string; groupsOf: (mcc: string | null) => string[] }) {
  const { t, lang } = useLang();
  const explanation = explainDecision(a, t, lang, groupsOf(a.merchant.mcc));
  return (
    <tr>
      <td>
        <Link to={`/transactions/${a.id}${search}`}>
          <DateTime iso={a.createdAt} />
        </Link>
      </td>
      <td className="num">
        <Money value={a.amount} />
        {a.decision === 'partial' && (
          <div className="muted">
            <Money value={a.approvedAmount} />
          </div>
        )}
      </td>
      <td>{a.cardLast4 ? `•••• ${a.cardLast4}` : '—'}</td>
      <td>{a.cardholderName ?? '—'}</td>
      <td>
        {a.merchant.name ?? a.merchant.id ?? '—'}
        {a.merchant.mcc && <div className="code">MCC {a.merchant.mcc}</div>}
      </td>
      <td>
        <span className={`decision-${a.decision}`}>{t(`decision.${a.decision}`)}</span>
        {a.decision !== 'approved' && <div>{explanation.what}</div>}
        <div className="code">
          {a.responseCode} · {a.reason}
        </div>
      </td>
    </tr>
  );
}

/**
 * Authorizations matching `filters`, newest first, with "Load more" (cursor paging); each row
 * opens /transactions/{id}. The card and cardholder pages show theirs with it.
 */
export function AuthorizationList({ filters, empty, caption }: { filters: AuthorizationFilters; empty?: string; caption?: string }) {
  const { t } = useLang();
  const location = useLocation();
  const list = useAuthorizations(filters);
  const groupsOf = useGroupsOfMcc();
  // Rows opened from the Transactions page keep its filters for when the drawer closes.
  const search = location.pathname.startsWith('/transactions') ? location.search : '';
  if (list.isPending) return <Loading />;
  if (list.error && !list.data) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  const rows = list.data?.pages.flatMap((p) => p.authorizations) ?? [];
  if (rows.length === 0) return <Empty>{empty ?? t('transactions.empty')}</Empty>;
  return (
    <>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{caption ?? t('transactions.list')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('transactions.when')}</th>
              <th scope="col" className="num">
                {t('transactions.amount')}
              </th>
              <th scope="col">{t('transactions.cardCol')}</th>
              <th scope="col">{t('transactions.cardholderCol')}</th>
              <th scope="col">{t('transactions.merchantCol')}</th>
              <th scope="col">{t('transactions.result')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((a) => (
              <Row key={a.id} a={a} search={search} groupsOf={groupsOf} />
            ))}
          </tbody>
        </table>
      </div>
      {list.error && <ErrorState error={list.error} />}
      {list.hasNextPage && (
        <p>
          <button type="button" onClick={() => void list.fetchNextPage()} disabled={list.isFetchingNextPage}>
            {list.isFetchingNextPage ? t('common.loadingMore') : t('common.loadMore')}
          </button>
        </p>
      )}
    </>
  );
}
