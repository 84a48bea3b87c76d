import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { Link } from 'react-router';
import { get, post } from '../api';
import type { Balance, Decision, Money as MoneyValue, Overview, StreamEvent } from '../api-types';
import { Field, FormError } from '../components/field';
import { DateTime, Money } from '../components/money';
import { Empty, QueryView } from '../components/states';
import { explainDecision } from '../decline-reasons';
import { formatDate, formatMinor, formatMoney, minorToValue, parseAmountInput } from '../format';
import { useLang } from '../i18n';
import { useLiveFeed } from '../live-feed';
import { useGroupsOfMcc } from '../mcc-groups';
import { useCan, useMe } from '../me';

function useOverview() {
  return useQuery({ queryKey: ['overview'], queryFn: ({ signal }) => get<{ overview: Overview }>('/overview', undefined, signal) });
}

function Stat({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="panel">
      <p className="stat-label">{label}</p>
      <p className="stat">{children}</p>
    </div>
  );
}

function BalancePanel({ balance }: { balance: Balance }) {
  const { t } = useLang();
  return (
    <section className="panel" aria-labelledby="balance">
      <h2 id="balance">{t('overview.balance')}</h2>
      <dl className="facts">
        <dt>{t('overview.available')}</dt>
        <dd>
          <strong>
            <Money value={balance.availableBalance} />
          </strong>
        </dd>
        <dt>{t('overview.ledger')}</dt>
        <dd>
          <Money value={balance.ledgerBalance} />
        </dd>
        <dt>{t('overview.holds')}</dt>
        <dd>
          <Money value={balance.holdAmount} />
        </dd>
      </dl>
    </section>
  );
}

function DeclinesByReason({ overview }: { overview: Overview }) {
  const { t, lang } = useLang();
  return (
    <section className="panel" aria-labelledby="declines-by-reason">
      <h2 id="declines-by-reason">{t('overview.declinesByReason')}</h2>
      {overview.declinesByReason.length === 0 ? (
        <Empty>{t('overview.noDeclines')}</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('overview.reason')}</th>
              <th scope="col" className="num">
                {t('overview.count')}
              </th>
            </tr>
          </thead>
          <tbody>
            {overview.declinesByReason.map((r) => (
              <tr key={`${r.responseCode}:${r.reason}`}>
                <td>
                  <Link to={`/transactions?decision=declined&responseCode=${encodeURIComponent(r.responseCode)}`}>
                    {explainDecision({ decision: 'declined', responseCode: r.responseCode, reason: r.reason }, t, lang).sentence}
                  </Link>{' '}
                  <span className="code">
                    {r.responseCode} · {r.reason}
                  </span>
                </td>
                <td className="num">{r.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The fields of an authorization.created event the feed shows (amounts in minor units). */
interface AuthorizationEventData {
  authorizationId?: string;
  decision?: Decision;
  responseCode?: string;
  reason?: string;
  amount?: number | string;
  currency?: string;
  merchant?: { id?: string; name?: string; mcc?: string; country?: string };
}

function FeedItem({ event, groupsOf }: { event: StreamEvent; groupsOf: (mcc: string | undefined) => string[] }) {
  const { t, lang } = useLang();
  if (event.type === 'authorization.created') {
    const d = event.data as AuthorizationEventData;
    const amount = d.amount !== undefined && d.currency ? formatMinor(d.amount, d.currency, lang) : '';
    const explanation =
      d.decision && d.responseCode && d.reason !== undefined
        ? explainDecision({ decision: d.decision, responseCode: d.responseCode, reason: d.reason, merchant: { id: d.merchant?.id ?? null, name: d.merchant?.name ?? null, mcc: d.merchant?.mcc ?? null, country: d.merchant?.country ?? null } }, t, lang, groupsOf(d.merchant?.mcc))
        : undefined;
    return (
      <li>
        <div className="feed-head">
          <strong className="money">{amount}</strong>
          <span>{d.merchant?.name ?? d.merchant?.id}</span>
          {d.decision && <span className={`decision-${d.decision}`}>{t(`decision.${d.decision}`)}</span>}
          <DateTime iso={event.createdAt} />
        </div>
        {explanation && d.decision !== 'approved' && (
          <p>
            {explanation.sentence}{' '}
            <span className="code">
              {explanation.responseCode} · {explanation.reason}
            </span>
          </p>
        )}
        {d.authorizationId && (
          <Link to={`/transactions/${d.authorizationId}`} aria-label={`${t('feed.open')}: ${amount} ${d.merchant?.name ?? ''}`}>
            {t('feed.open')}
          </Link>
        )}
      </li>
    );
  }
  const last4 = typeof event.data.last4 === 'string' ? event.data.last4 : undefined;
  return (
    <li>
      <div className="feed-head">
        <span>{last4 ? t('feed.cardEvent', { last4, what: event.type }) : t('feed.event', { type: event.type })}</span>
        <DateTime iso={event.createdAt} />
      </div>
    </li>
  );
}

function LiveFeed() {
  const { t } = useLang();
  const { events, status } = useLiveFeed();
  const groupsOf = useGroupsOfMcc();
  return (
    <section className="panel" aria-labelledby="live-feed">
      <h2 id="live-feed">
        {t('feed.title')} <span className="feed-status">({t(`feed.${status}`)})</span>
      </h2>
      {events.length === 0 ? (
        <Empty>{t('feed.empty')}</Empty>
      ) : (
        <ul className="feed" aria-live="polite" aria-label={t('feed.title')}>
          {events.map((e) => (
            <FeedItem key={e.id} event={e} groupsOf={groupsOf} />
          ))}
        </ul>
      )}
    </section>
  );
}

function FundForm({ currency }: { currency: string }) {
  const { t, lang } = useLang();
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState('');
  const [invalid, setInvalid] = useState(false);
  const fund = useMutation({
    mutationFn: (value: string) => post<{ funding: { transferId: string; amount: MoneyValue }; balance: Balance }>('/sandbox/funding', { amount: { value, currency } }),
    onSuccess: () => {
      setAmount('');
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const value = parseAmountInput(amount, currency, lang);
    setInvalid(value === undefined);
    if (value !== undefined) fund.mutate(value);
  };
  return (
    <section className="panel" aria-labelledby="fund">
      <h2 id="fund">{t('overview.fundTitle')}</h2>
      {fund.data && (
        <p className="notice" role="status">
          {t('overview.funded', { amount: formatMoney(fund.data.funding.amount, lang), available: formatMoney(fund.data.balance.availableBalance, lang) })}
        </p>
      )}
      <form className="form-inline" onSubmit={submit} noValidate>
        <Field
          label={t('overview.fundAmount', { currency })}
          name="amount"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          error={fund.error}
          message={invalid ? t('transactions.invalidAmount', { currency }) : undefined}
          placeholder={formatMoney({ value: minorToValue(100_000_000, currency), currency }, lang)}
          required
        />
        <button type="submit" className="primary" disabled={fund.isPending}>
          {t('overview.fundSubmit')}
        </button>
      </form>
      <FormError error={fund.error} fields={['amount']} />
    </section>
  );
}

export default function OverviewPage() {
  const { t, lang } = useLang();
  const me = useMe().data!;
  const overview = useOverview();
  const canFund = useCan('sandbox');
  return (
    <>
      <h1>{t('overview.title')}</h1>
      <QueryView query={overview}>
        {({ overview: o }) => (
          <>
            <p className="muted">{t('overview.today', { date: formatDate(o.date, o.timeZone, lang), timeZone: o.timeZone })}</p>
            <div className="grid">
              <Stat label={t('overview.available')}>
                <Money value={o.balance.availableBalance} />
              </Stat>
              <Stat label={t('overview.spend')}>
                <Money value={o.spend} />
              </Stat>
              <Stat label={t('overview.approvals')}>{o.approvals}</Stat>
              <Stat label={t('overview.declines')}>{o.declines}</Stat>
            </div>
            <div className="grid">
              <BalancePanel balance={o.balance} />
              <DeclinesByReason overview={o} />
            </div>
          </>
        )}
      </QueryView>
      {canFund && <FundForm currency={me.business.currency} />}
      <LiveFeed />
    </>
  );
}
