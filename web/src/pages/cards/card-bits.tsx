import { useLang } from '../../i18n';
import type { Card } from './card-types';

/** "•••• 4242" on screen, "card ending 4242" read out. */
export function CardName({ card }: { card: Pick<Card, 'last4'> }) {
  const { t } = useLang();
  return (
    <span className="card-name">
      <span aria-hidden="true">•••• </span>
      <span className="cards-sr-only">{t('cards.endingIn')} </span>
      {card.last4}
    </span>
  );
}

export function StatusBadge({ status }: { status: Card['status'] }) {
  const { t } = useLang();
  return <span className={`badge card-status card-status-${status.toLowerCase()}`}>{t(`cards.status.${status}`)}</span>;
}
