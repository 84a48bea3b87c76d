import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { post } from '../../api';
import { FormError, SelectField } from '../../components/field';
import { DateTime } from '../../components/money';
import { useLang } from '../../i18n';
import type { Card, Shipping, ShippingStatus } from './card-types';
import { useCardChanged } from './cards-api';

/** Where a shipment may go next (src/modules/cards/card-state.ts). */
const NEXT: Record<ShippingStatus, readonly ShippingStatus[]> = {
  pending: ['shipped', 'failure'],
  shipped: ['delivered', 'returned', 'failure'],
  delivered: [],
  returned: [],
  failure: [],
};

/** A physical card's shipment: address, status and its history; in the sandbox, a control to advance it. */
export function ShippingPanel({ card, shipping, canAdvance }: { card: Card; shipping: Shipping; canAdvance: boolean }) {
  const { t } = useLang();
  const { address } = shipping;
  return (
    <section className="panel" aria-labelledby="shipping-title">
      <h2 id="shipping-title">{t('cards.shipping.title')}</h2>
      <dl className="facts">
        <dt>{t('cards.shipping.status')}</dt>
        <dd>
          <strong>{t(`cards.shipping.statuses.${shipping.status}`)}</strong>
        </dd>
        <dt>{t('cards.shipping.to')}</dt>
        <dd>
          {shipping.name}, {[address.line1, address.line2, address.city, address.state, address.postalCode, address.country].filter(Boolean).join(', ')}
        </dd>
        <dt>{t('cards.shipping.service')}</dt>
        <dd>{t(`cards.shipping.services.${shipping.service}`)}</dd>
        {shipping.carrier && (
          <>
            <dt>{t('cards.shipping.carrier')}</dt>
            <dd>
              {shipping.carrier}
              {shipping.trackingNumber && <span className="code"> {shipping.trackingNumber}</span>}
            </dd>
          </>
        )}
      </dl>
      <h3>{t('cards.shipping.timeline')}</h3>
      <ol className="timeline">
        {shipping.history.map((step, i) => (
          <li key={i}>
            <strong>{t(`cards.shipping.statuses.${step.status}`)}</strong> <DateTime iso={step.at} />
          </li>
        ))}
      </ol>
      {canAdvance && NEXT[shipping.status].length > 0 && <AdvanceShipment card={card} status={shipping.status} />}
    </section>
  );
}

function AdvanceShipment({ card, status }: { card: Card; status: ShippingStatus }) {
  const { t } = useLang();
  const changed = useCardChanged();
  const options = NEXT[status];
  const [next, setNext] = useState<ShippingStatus>(options[0]!);
  const advance = useMutation({
    mutationFn: (to: ShippingStatus) => post<{ card: Card }>(`/sandbox/cards/${encodeURIComponent(card.id)}/shipping`, { status: to }),
    onSuccess: ({ card: updated }) => changed(updated),
  });
  const selected = options.includes(next) ? next : options[0]!;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    advance.mutate(selected);
  };
  return (
    <form className="form-inline sandbox-box" onSubmit={submit}>
      <SelectField label={t('cards.shipping.nextStatus')} name="status" error={advance.error} value={selected} onChange={(e) => setNext(e.target.value as ShippingStatus)}>
        {options.map((s) => (
          <option key={s} value={s}>
            {t(`cards.shipping.statuses.${s}`)}
          </option>
        ))}
      </SelectField>
      <button type="submit" disabled={advance.isPending}>
        {t('cards.shipping.advance')}
      </button>
      <span className="badge badge-sandbox">{t('app.sandbox')}</span>
      <FormError error={advance.error} fields={['status']} />
    </form>
  );
}
