import { useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, post } from '../../api';
import { Field, FormError } from '../../components/field';
import { DateTime, useTimeZone } from '../../components/money';
import { Empty, ErrorState, Loading, QueryView } from '../../components/states';
import { wallTimeToIso } from '../../format';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import { DELIVERY_PAGE_SIZE, developerKeys, useDeliveries, useWebhookEndpoint, type Delivery } from './developers-api';
import { EventTypesText } from './webhooks-panel';

/** One webhook endpoint's deliveries, each attempt with its outcome, HTTP status, latency and time; redelivery. */
export default function DeliveriesPage() {
  const { endpointId = '' } = useParams();
  const { t } = useLang();
  const owner = useCan('manageDevelopers');
  if (!owner) {
    return (
      <section>
        <h1>{t('developers.title')}</h1>
        <p className="state" role="alert">
          {t('developers.ownersOnly')}
        </p>
      </section>
    );
  }
  return <EndpointDeliveries key={endpointId} endpointId={endpointId} />;
}

function EndpointDeliveries({ endpointId }: { endpointId: string }) {
  const { t } = useLang();
  const endpoint = useWebhookEndpoint(endpointId);
  const [page, setPage] = useState(0);
  const deliveries = useDeliveries(endpointId, page);
  const back = (
    <p>
      <Link to="/developers">← {t('developers.title')}</Link>
    </p>
  );
  if (endpoint.isPending) return <Loading />;
  if (!endpoint.data) {
    const missing = endpoint.error instanceof ApiError && endpoint.error.status === 404;
    return (
      <section>
        {back}
        {missing ? <p className="state">{t('developers.deliveries.notFound')}</p> : <ErrorState error={endpoint.error} onRetry={() => void endpoint.refetch()} />}
      </section>
    );
  }
  const ep = endpoint.data.webhookEndpoint;
  return (
    <section className="developers">
      {back}
      <h1>{t('developers.deliveries.title', { url: ep.url })}</h1>
      <p className="muted">
        <EventTypesText types={ep.eventTypes} /> · {ep.enabled ? t('developers.webhooks.enabled') : t('developers.webhooks.disabled')}
      </p>
      <RedeliverSince endpointId={endpointId} />
      <section className="panel" aria-labelledby="dev-deliveries">
        <h2 id="dev-deliveries">{t('developers.deliveries.list')}</h2>
        <div className="form-actions">
          <button type="button" onClick={() => void deliveries.refetch()} disabled={deliveries.isFetching}>
            {t('developers.deliveries.refresh')}
          </button>
        </div>
        <QueryView query={deliveries}>
          {(data) =>
            data.deliveries.length === 0 ? (
              <Empty>{t('developers.deliveries.none')}</Empty>
            ) : (
              <>
                <ul className="deliveries">
                  {data.deliveries.map((d) => (
                    <DeliveryItem key={d.id} delivery={d} endpointId={endpointId} />
                  ))}
                </ul>
                <div className="pager">
                  <button type="button" onClick={() => setPage(page - 1)} disabled={page === 0}>
                    {t('developers.deliveries.newer')}
                  </button>
                  <button type="button" onClick={() => setPage(page + 1)} disabled={(page + 1) * DELIVERY_PAGE_SIZE >= data.totalCount}>
                    {t('developers.deliveries.older')}
                  </button>
                </div>
              </>
            )
          }
        </QueryView>
      </section>
    </section>
  );
}

function DeliveryItem({ delivery, endpointId }: { delivery: Delivery; endpointId: string }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const redeliver = async () => {
    setPending(true);
    setError(undefined);
    setDone(false);
    try {
      await post(`/webhook-endpoints/${encodeURIComponent(endpointId)}/redeliver`, { eventId: delivery.eventId });
      setDone(true);
      await queryClient.invalidateQueries({ queryKey: developerKeys.deliveriesOf(endpointId) });
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };
  const headingId = `delivery-${delivery.id}`;
  return (
    <li className="delivery" aria-labelledby={headingId}>
      <div className="delivery-head">
        <h3 id={headingId}>
          <code>{delivery.eventType}</code>
        </h3>
        <span className={`delivery-status delivery-${delivery.status}`}>{t(`developers.deliveries.status.${delivery.status}`)}</span>
        <span className="muted">
          <DateTime iso={delivery.createdAt} />
        </span>
        <span className="muted code">{delivery.eventId}</span>
        <button type="button" onClick={() => void redeliver()} disabled={pending}>
          {t('developers.deliveries.redeliver')}
        </button>
      </div>
      {done && (
        <p className="notice" role="status">
          {t('developers.deliveries.redelivered')}
        </p>
      )}
      <FormError error={error} />
      {delivery.attempts.length === 0 ? (
        <p className="muted">{t('developers.deliveries.noAttempts')}</p>
      ) : (
        <table aria-label={t('developers.deliveries.attemptsOf', { type: delivery.eventType })}>
          <thead>
            <tr>
              <th scope="col">{t('developers.deliveries.attemptedAt')}</th>
              <th scope="col">{t('developers.deliveries.outcome')}</th>
              <th scope="col" className="num">
                {t('developers.deliveries.httpStatus')}
              </th>
              <th scope="col" className="num">
                {t('developers.deliveries.latency')}
              </th>
              <th scope="col">{t('developers.deliveries.error')}</th>
            </tr>
          </thead>
          <tbody>
            {delivery.attempts.map((a, i) => (
              <tr key={`${a.attemptedAt}-${i}`}>
                <td>
                  <DateTime iso={a.attemptedAt} />
                </td>
                <td>{t(`developers.deliveries.outcomes.${a.outcome}`)}</td>
                <td className="num">{a.httpStatus ?? '—'}</td>
                <td className="num">{t('developers.deliveries.ms', { ms: a.latencyMs })}</td>
                <td>{a.error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </li>
  );
}

/** Every dead or cancelled delivery since a time (in the business's time zone) is sent again. */
function RedeliverSince({ endpointId }: { endpointId: string }) {
  const { t } = useLang();
  const timeZone = useTimeZone();
  const queryClient = useQueryClient();
  const [since, setSince] = useState('');
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();
  const [message, setMessage] = useState<string>();
  const [count, setCount] = useState<number>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setMessage(undefined);
    setCount(undefined);
    const iso = wallTimeToIso(since, timeZone);
    if (!iso) {
      setMessage(t('developers.deliveries.sinceInvalid'));
      return;
    }
    setPending(true);
    try {
      const answer = await post<{ redelivered: number }>(`/webhook-endpoints/${encodeURIComponent(endpointId)}/redeliver`, { since: iso });
      setCount(answer.redelivered);
      await queryClient.invalidateQueries({ queryKey: developerKeys.deliveriesOf(endpointId) });
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="dev-redeliver">
      <h2 id="dev-redeliver">{t('developers.deliveries.redeliverFailed')}</h2>
      <form className="form-inline" onSubmit={(e) => void submit(e)} noValidate>
        <Field label={t('developers.deliveries.since')} name="since" type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} error={error} message={message} required />
        <button type="submit" disabled={pending}>
          {t('developers.deliveries.redeliverFailedSubmit')}
        </button>
      </form>
      <FormError error={error} fields={['since']} />
      {count !== undefined && (
        <p className="notice" role="status">
          {t('developers.deliveries.redeliveredCount', { n: count })}
        </p>
      )}
    </section>
  );
}
