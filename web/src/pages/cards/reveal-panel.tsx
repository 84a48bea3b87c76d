import { useEffect, useState } from 'react';
import { post } from '../../api';
import { FormError } from '../../components/field';
import { useLang } from '../../i18n';
import type { Card, RevealedCard } from './card-types';

/** How long a revealed number stays on screen. */
export const REVEAL_SECONDS = 30;

/** "4242424242424242" → "4242 4242 4242 4242". */
function grouped(number: string): string {
  return number.replace(/(\d{4})(?=\d)/g, '$1 ');
}

/**
 * Owners only (the server refuses everyone else too): POST /cards/{id}/reveal, audited. The number,
 * CVV and expiry live in this component's state only — never in the query cache or storage — and
 * are masked again after 30 seconds, when the tab is hidden, and when the page is left.
 */
export function RevealPanel({ card }: { card: Card }) {
  const { t } = useLang();
  const [revealed, setRevealed] = useState<RevealedCard>();
  const [secondsLeft, setSecondsLeft] = useState(0);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>();

  useEffect(() => {
    if (!revealed) return;
    const shownAt = Date.now();
    const tick = window.setInterval(() => {
      const left = REVEAL_SECONDS - Math.floor((Date.now() - shownAt) / 1000);
      if (left <= 0) setRevealed(undefined);
      else setSecondsLeft(left);
    }, 1000);
    const onHidden = () => {
      if (document.visibilityState === 'hidden') setRevealed(undefined);
    };
    document.addEventListener('visibilitychange', onHidden);
    return () => {
      window.clearInterval(tick);
      document.removeEventListener('visibilitychange', onHidden);
    };
  }, [revealed]);

  const reveal = async () => {
    setPending(true);
    setError(undefined);
    try {
      const answer = await post<{ card: RevealedCard }>(`/cards/${encodeURIComponent(card.id)}/reveal`);
      setSecondsLeft(REVEAL_SECONDS);
      setRevealed(answer.card);
    } catch (err) {
      setError(err);
    } finally {
      setPending(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="reveal-title">
      <h2 id="reveal-title">{t('cards.reveal.title')}</h2>
      <dl className="facts reveal-values">
        <dt>{t('cards.reveal.number')}</dt>
        <dd className="secret">{revealed ? grouped(revealed.number) : `•••• •••• •••• ${card.last4}`}</dd>
        <dt>{t('cards.reveal.cvv')}</dt>
        <dd className="secret">{revealed ? revealed.cvv : '•••'}</dd>
        <dt>{t('cards.reveal.expiry')}</dt>
        <dd className="secret">{revealed ? `${revealed.expiry.slice(0, 2)}/${revealed.expiry.slice(2)}` : `${String(card.expiryMonth).padStart(2, '0')}/${String(card.expiryYear).slice(-2)}`}</dd>
      </dl>
      {revealed ? (
        <div className="form-actions">
          <p className="field-hint">
            {t('cards.reveal.hidingIn', { count: secondsLeft })}
          </p>
          <button type="button" onClick={() => setRevealed(undefined)}>
            {t('cards.reveal.hide')}
          </button>
        </div>
      ) : (
        <div className="form-actions">
          <button type="button" onClick={() => void reveal()} disabled={pending}>
            {t('cards.reveal.show')}
          </button>
          <p className="field-hint">{t('cards.reveal.audited', { seconds: REVEAL_SECONDS })}</p>
        </div>
      )}
      <FormError error={error} />
    </section>
  );
}
