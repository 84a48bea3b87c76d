import { Link, useLocation, useParams } from 'react-router';
import { ApiError } from '../../api';
import { DateTime } from '../../components/money';
import { ErrorState, Loading } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import { CardActions } from './card-actions';
import { CardName, StatusBadge } from './card-bits';
import { CardTransactions } from './card-transactions';
import { useCard, useCardholder } from './cards-api';
import { ControlsPanel } from './controls-panel';
import { LimitUsagePanel } from './limit-usage-panel';
import { RevealPanel } from './reveal-panel';
import { ShippingPanel } from './shipping-panel';
import { TestPurchasePanel } from './test-purchase-panel';
import './cards.css';

type Notice = 'issued' | 'alreadyIssued' | 'replaced';

/**
 * One card: its status and actions, limit usage, controls, shipment, reveal, sandbox test purchase
 * and transactions. Keyed by the card: going from one card to another (a replacement) starts afresh,
 * with nothing revealed, no dialog open and the other card's controls.
 */
export default function CardPage() {
  const { cardId = '' } = useParams();
  return <CardView key={cardId} cardId={cardId} />;
}

function CardView({ cardId }: { cardId: string }) {
  const { t } = useLang();
  const location = useLocation();
  const notice = (location.state as { notice?: Notice } | null)?.notice;
  const card = useCard(cardId);
  const holder = useCardholder(card.data?.card.cardholderId);
  const canWrite = useCan('write');
  const canReveal = useCan('reveal');
  const canSandbox = useCan('sandbox');

  if (card.isPending) return <Loading />;
  if (!card.data) {
    const missing = card.error instanceof ApiError && card.error.status === 404;
    return (
      <div className="cards-page">
        <p className="breadcrumbs">
          <Link to="/cards">{t('cards.list.title')}</Link>
        </p>
        {missing ? <p className="state">{t('cards.card.notFound')}</p> : <ErrorState error={card.error} onRetry={() => void card.refetch()} />}
      </div>
    );
  }
  const c = card.data.card;
  const live = c.status !== 'TERMINATED';
  return (
    <div className="cards-page">
      <p className="breadcrumbs">
        <Link to="/cards">{t('cards.list.title')}</Link>
      </p>
      <div className="page-head">
        <h1>
          {t(`cards.type.${c.type}`)} <CardName card={c} />
        </h1>
        <StatusBadge status={c.status} />
      </div>
      {notice && (
        <p className="notice" role="status">
          {t(`cards.card.notice.${notice}`)}
        </p>
      )}

      <div className="card-layout">
        <section className="panel" aria-labelledby="card-details-title">
          <h2 id="card-details-title">{t('cards.card.details')}</h2>
          <dl className="facts">
            <dt>{t('cards.list.cardholder')}</dt>
            <dd>{holder.data ? <Link to={`/cardholders/${c.cardholderId}`}>{holder.data.cardholder.name}</Link> : <span className="code">{c.cardholderId}</span>}</dd>
            <dt>{t('cards.list.status')}</dt>
            <dd>{t(`cards.status.${c.status}`)}</dd>
            <dt>{t('cards.list.type')}</dt>
            <dd>{t(`cards.type.${c.type}`)}</dd>
            <dt>{t('cards.list.expiry')}</dt>
            <dd>{`${String(c.expiryMonth).padStart(2, '0')}/${c.expiryYear}`}</dd>
            <dt>{t('cards.card.currency')}</dt>
            <dd>{c.currency}</dd>
            <dt>{t('cards.list.created')}</dt>
            <dd>
              <DateTime iso={c.createdAt} />
            </dd>
            {c.replacementFor && (
              <>
                <dt>{t('cards.card.replaces')}</dt>
                <dd>
                  <Link to={`/cards/${c.replacementFor}`}>{t('cards.card.replacedCard')}</Link> ({t(`cards.replace.reasons.${c.replacementReason}`)})
                </dd>
              </>
            )}
            <dt>{t('cards.card.reference')}</dt>
            <dd className="code">{c.partnerReferenceNo}</dd>
          </dl>
        </section>
        {canWrite && <CardActions card={c} />}
        {canReveal && live && <RevealPanel card={c} />}
      </div>

      <LimitUsagePanel cardId={c.id} />
      <ControlsPanel card={c} editable={canWrite && live} />
      {c.shipping && <ShippingPanel card={c} shipping={c.shipping} canAdvance={canSandbox} />}
      {canSandbox && <TestPurchasePanel card={c} />}
      <CardTransactions cardId={c.id} />
    </div>
  );
}
