import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { get } from '../../api';
import type { Cardholder } from '../../api-types';
import { DateTime, Money } from '../../components/money';
import { Empty, QueryView } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import { RedeemDialog } from './redeem-dialog';
import { formatPoints } from './rewards-model';
import type { RewardsBalance, RewardsHistoryPage } from './rewards-types';

const PAGE_SIZE = 20;

/** One cardholder's points: the balance, Redeem, and the history (GET /rewards/history), newest first. */
export default function CardholderRewardsPage() {
  const { t, lang } = useLang();
  const { cardholderId = '' } = useParams();
  const canWrite = useCan('write');
  const [params, setParams] = useSearchParams();
  const page = Math.max(0, Number(params.get('page') ?? '0') || 0);
  const [redeeming, setRedeeming] = useState(false);
  const cardholder = useQuery({ queryKey: ['cardholder', cardholderId], queryFn: ({ signal }) => get<{ cardholder: Cardholder }>(`/cardholders/${cardholderId}`, undefined, signal) });
  const balance = useQuery({
    queryKey: ['rewards', 'balance', cardholderId],
    queryFn: ({ signal }) => get<{ balance: RewardsBalance }>('/rewards/balance', { cardholderId }, signal),
  });
  const history = useQuery({
    queryKey: ['rewards', 'history', cardholderId, page],
    queryFn: ({ signal }) => get<RewardsHistoryPage>('/rewards/history', { cardholderId, pageNumber: page, pageSize: PAGE_SIZE }, signal),
    placeholderData: keepPreviousData,
  });
  const name = cardholder.data?.cardholder.name ?? '';
  const pages = history.data ? Math.max(1, Math.ceil(history.data.totalCount / PAGE_SIZE)) : 1;
  const goTo = (n: number) => setParams(n > 0 ? { page: String(n) } : {});

  return (
    <div className="rewards-page">
      <p className="rewards-breadcrumbs">
        <Link to="/rewards">{t('rewards.title')}</Link>
      </p>
      <QueryView query={cardholder}>
        {({ cardholder: c }) => (
          <>
            <h1>{t('rewards.cardholder.title', { name: c.name })}</h1>
            <p>
              <Link to={`/cardholders/${c.id}`}>{t('rewards.cardholder.profile')}</Link>
            </p>
          </>
        )}
      </QueryView>
      <section className="panel" aria-labelledby="rewards-balance">
        <div className="rewards-head">
          <h2 id="rewards-balance">{t('rewards.cardholder.balance')}</h2>
          {canWrite && balance.data && (
            <button type="button" className="primary" disabled={balance.data.balance.points === 0} onClick={() => setRedeeming(true)}>
              {t('rewards.redeem.open')}
            </button>
          )}
        </div>
        <QueryView query={balance}>
          {({ balance: b }) => (
            <div className="grid">
              <div>
                <p className="stat-label">{t('rewards.balances.points')}</p>
                <p className="stat">{formatPoints(b.points, lang)}</p>
              </div>
              <div>
                <p className="stat-label">{t('rewards.balances.value')}</p>
                <p className="stat">
                  <Money value={b.value} />
                </p>
              </div>
              <div>
                <p className="stat-label">{t('rewards.balances.earned')}</p>
                <p className="stat">{formatPoints(b.earnedPoints, lang)}</p>
              </div>
              <div>
                <p className="stat-label">{t('rewards.cardholder.reversed')}</p>
                <p className="stat">{formatPoints(b.reversedPoints, lang)}</p>
              </div>
              <div>
                <p className="stat-label">{t('rewards.balances.redeemed')}</p>
                <p className="stat">{formatPoints(b.redeemedPoints, lang)}</p>
              </div>
            </div>
          )}
        </QueryView>
      </section>
      <section className="panel" aria-labelledby="rewards-history">
        <h2 id="rewards-history">{t('rewards.history.title')}</h2>
        <QueryView query={history}>
          {({ entries }) =>
            entries.length === 0 ? (
              <Empty>{t('rewards.history.empty')}</Empty>
            ) : (
              <>
                <div className="table-wrap">
                  <table>
                    <caption className="visually-hidden">{t('rewards.history.title')}</caption>
                    <thead>
                      <tr>
                        <th scope="col">{t('rewards.history.when')}</th>
                        <th scope="col">{t('rewards.history.kind')}</th>
                        <th scope="col" className="num">
                          {t('rewards.balances.points')}
                        </th>
                        <th scope="col" className="num">
                          {t('rewards.balances.value')}
                        </th>
                        <th scope="col" className="num">
                          {t('rewards.history.spend')}
                        </th>
                        <th scope="col">{t('rewards.history.merchant')}</th>
                      </tr>
                    </thead>
                    <tbody>
                      {entries.map((e) => (
                        <tr key={e.id}>
                          <td>
                            <DateTime iso={e.occurredAt} />
                          </td>
                          <td>{t(`rewards.kinds.${e.kind}`)}</td>
                          <td className="num">{`${e.kind === 'accrual' ? '+' : '−'}${formatPoints(e.points, lang)}`}</td>
                          <td className="num">
                            <Money value={e.value} />
                          </td>
                          <td className="num">
                            <Money value={e.spendAmount} />
                          </td>
                          <td>{e.merchant?.name ?? '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                {pages > 1 && (
                  <nav className="pager" aria-label={t('rewards.page', { page: page + 1, pages })}>
                    <button type="button" disabled={page === 0} onClick={() => goTo(page - 1)}>
                      {t('rewards.previous')}
                    </button>
                    <span>{t('rewards.page', { page: page + 1, pages })}</span>
                    <button type="button" disabled={page + 1 >= pages} onClick={() => goTo(page + 1)}>
                      {t('rewards.next')}
                    </button>
                  </nav>
                )}
              </>
            )
          }
        </QueryView>
      </section>
      {redeeming && balance.data && <RedeemDialog cardholderId={cardholderId} name={name} balance={balance.data.balance} onClose={() => setRedeeming(false)} />}
    </div>
  );
}
