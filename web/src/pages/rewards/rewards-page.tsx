import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link, useLocation, useSearchParams } from 'react-router';
import { get } from '../../api';
import { Field, FormError } from '../../components/field';
import { DateTime, Money } from '../../components/money';
import { Empty, ErrorState, Loading, QueryView } from '../../components/states';
import { formatMoney } from '../../format';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import { RedeemDialog } from './redeem-dialog';
import { useProgram } from './rewards-api';
import { formatPoints } from './rewards-model';
import type { CardholderBalance, CardholderBalancePage, RewardsBalance } from './rewards-types';

const PAGE_SIZE = 20;

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <p className="stat-label">{label}</p>
      <p className="stat">{children}</p>
    </div>
  );
}

function Totals() {
  const { t, lang } = useLang();
  const total = useQuery({ queryKey: ['rewards', 'balance'], queryFn: ({ signal }) => get<{ balance: RewardsBalance }>('/rewards/balance', undefined, signal) });
  return (
    <section className="panel" aria-labelledby="rewards-totals">
      <h2 id="rewards-totals">{t('rewards.totals.title')}</h2>
      <QueryView query={total}>
        {({ balance }) => (
          <div className="grid">
            <Stat label={t('rewards.totals.points')}>{formatPoints(balance.points, lang)}</Stat>
            <Stat label={t('rewards.totals.value')}>
              <Money value={balance.value} />
            </Stat>
            <Stat label={t('rewards.totals.liability')}>
              <Money value={balance.liability} />
            </Stat>
            <Stat label={t('rewards.totals.redeemed')}>{formatPoints(balance.redeemedPoints, lang)}</Stat>
          </div>
        )}
      </QueryView>
      <p className="field-hint">{t('rewards.totals.liabilityHint')}</p>
    </section>
  );
}

function ProgramSummary() {
  const { t, lang } = useLang();
  const canWrite = useCan('write');
  const program = useProgram();
  return (
    <section className="panel" aria-labelledby="rewards-program">
      <div className="rewards-head">
        <h2 id="rewards-program">{t('rewards.program.title')}</h2>
        {canWrite && program.data !== undefined && (
          <Link className="button" to="/rewards/program">
            {program.data ? t('rewards.program.edit') : t('rewards.program.create')}
          </Link>
        )}
      </div>
      <QueryView query={program}>
        {(p) =>
          p === null ? (
            <Empty>{t('rewards.program.none')}</Empty>
          ) : (
            <dl className="rewards-facts">
              <dt>{t('common.status')}</dt>
              <dd>
                <span className={`rewards-status rewards-status-${p.status.toLowerCase()}`}>{t(`rewards.statuses.${p.status}`)}</span>
              </dd>
              <dt>{t('rewards.program.earnRate')}</dt>
              <dd>{t('rewards.program.earnRateValue', { points: p.earnRate.points, per: formatMoney(p.earnRate.per, lang) })}</dd>
              <dt>{t('rewards.program.pointValue')}</dt>
              <dd>
                <Money value={p.pointValue} />
              </dd>
              <dt>{t('rewards.program.cashbackPercent')}</dt>
              <dd>{p.cashbackPercent ? `${p.cashbackPercent}%` : '—'}</dd>
              <dt>{t('rewards.program.multipliers')}</dt>
              <dd>
                {p.categoryMultipliers.length === 0
                  ? '—'
                  : p.categoryMultipliers.map((m) => `${m.categories.join(', ')} ×${m.multiplier}`).join('; ')}
              </dd>
              <dt>{t('rewards.program.tiers')}</dt>
              <dd>{p.tiers.length === 0 ? '—' : p.tiers.map((x) => `${x.name} (≥ ${formatMoney(x.minMonthlySpend, lang)}) ×${x.multiplier}`).join('; ')}</dd>
              <dt>{t('rewards.program.promotions')}</dt>
              <dd>{p.promotions.length === 0 ? '—' : p.promotions.map((x) => `${x.name} ${x.startDate} – ${x.endDate}`).join('; ')}</dd>
              <dt>{t('rewards.program.version')}</dt>
              <dd>
                {t('rewards.program.versionValue', { version: p.version })} · <DateTime iso={p.updatedAt} />
              </dd>
            </dl>
          )
        }
      </QueryView>
    </section>
  );
}

function Balances() {
  const { t, lang } = useLang();
  const canWrite = useCan('write');
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const page = Math.max(0, Number(params.get('page') ?? '0') || 0);
  const [qInput, setQInput] = useState(q);
  const [redeeming, setRedeeming] = useState<CardholderBalance>();
  const list = useQuery({
    queryKey: ['rewards', 'balances', { q, page }],
    queryFn: ({ signal }) => get<CardholderBalancePage>('/rewards/balances', { q, pageNumber: page, pageSize: PAGE_SIZE }, signal),
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
  return (
    <section className="panel" aria-labelledby="rewards-balances">
      <h2 id="rewards-balances">{t('rewards.balances.title')}</h2>
      <form className="form-inline" onSubmit={search} role="search" noValidate>
        <Field label={t('rewards.balances.search')} name="q" type="search" value={qInput} onChange={(e) => setQInput(e.target.value)} error={list.error} autoComplete="off" maxLength={100} />
        <button type="submit">{t('common.search')}</button>
      </form>
      {list.isPending ? (
        <Loading />
      ) : !list.data ? (
        <>
          <FormError error={list.error} fields={['q']} />
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        </>
      ) : list.data.balances.length === 0 ? (
        <Empty>{q ? t('rewards.balances.noMatch') : t('rewards.balances.empty')}</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('rewards.balances.title')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('rewards.balances.cardholder')}</th>
                  <th scope="col" className="num">
                    {t('rewards.balances.points')}
                  </th>
                  <th scope="col" className="num">
                    {t('rewards.balances.value')}
                  </th>
                  <th scope="col" className="num">
                    {t('rewards.balances.earned')}
                  </th>
                  <th scope="col" className="num">
                    {t('rewards.balances.redeemed')}
                  </th>
                  {canWrite && <th scope="col">{t('rewards.balances.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {list.data.balances.map((b) => (
                  <tr key={b.cardholderId}>
                    <td>
                      <Link to={`/rewards/cardholders/${b.cardholderId}`}>{b.name}</Link>
                      <span className="muted rewards-email">{b.email}</span>
                    </td>
                    <td className="num">{formatPoints(b.points, lang)}</td>
                    <td className="num">
                      <Money value={b.value} />
                    </td>
                    <td className="num">{formatPoints(b.earnedPoints, lang)}</td>
                    <td className="num">{formatPoints(b.redeemedPoints, lang)}</td>
                    {canWrite && (
                      <td>
                        <button type="button" disabled={b.points === 0} onClick={() => setRedeeming(b)} aria-label={t('rewards.redeem.openFor', { name: b.name })}>
                          {t('rewards.redeem.open')}
                        </button>
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {pages > 1 && (
            <nav className="pager" aria-label={t('rewards.page', { page: page + 1, pages })}>
              <button type="button" disabled={page === 0} onClick={() => update({ page: page - 1 > 0 ? String(page - 1) : '' })}>
                {t('rewards.previous')}
              </button>
              <span>{t('rewards.page', { page: page + 1, pages })}</span>
              <button type="button" disabled={page + 1 >= pages} onClick={() => update({ page: String(page + 1) })}>
                {t('rewards.next')}
              </button>
            </nav>
          )}
        </>
      )}
      {redeeming && <RedeemDialog cardholderId={redeeming.cardholderId} name={redeeming.name} balance={redeeming} onClose={() => setRedeeming(undefined)} />}
    </section>
  );
}

/** Rewards: the business's totals and ledger liability, the program, and every cardholder's balance with Redeem. */
export default function RewardsPage() {
  const { t } = useLang();
  // The editor comes back here with the version it saved.
  const saved = (useLocation().state as { savedVersion?: number } | null)?.savedVersion;
  return (
    <div className="rewards-page">
      <h1>{t('rewards.title')}</h1>
      {saved !== undefined && (
        <p className="notice" role="status">
          {t('rewards.program.saved', { version: saved })}
        </p>
      )}
      <Totals />
      <ProgramSummary />
      <Balances />
    </div>
  );
}
