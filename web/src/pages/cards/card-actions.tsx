import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { patch, post } from '../../api';
import type { FieldIssue } from '../../components/controls/controls-model';
import { Dialog } from '../../components/dialog';
import { FormError } from '../../components/field';
import { useLang } from '../../i18n';
import type { Card } from './card-types';
import { useCardChanged } from './cards-api';
import { issueCardOnce, usePartnerReference } from './issue-card';
import { REPLACEMENT_REASONS, replaceCardBody, shippingToForm, type ReplacementReason } from './issue-card-model';
import { SHIPPING_FIELDS, ShippingFields } from './shipping-fields';

type StatusAction = 'activate' | 'freeze' | 'unfreeze' | 'terminate';

/** The card lifecycle (src/modules/cards/card-state.ts): what each status allows. */
const ACTIONS: Record<Card['status'], readonly StatusAction[]> = {
  INACTIVE: ['activate', 'terminate'],
  ACTIVE: ['freeze', 'terminate'],
  FROZEN: ['unfreeze', 'terminate'],
  EXPIRED: ['terminate'],
  TERMINATED: [],
};

function changeStatus(card: Card, action: StatusAction): Promise<{ card: Card }> {
  const path = `/cards/${encodeURIComponent(card.id)}`;
  if (action === 'activate') return post<{ card: Card }>(`${path}/activate`);
  return patch<{ card: Card }>(path, { status: action === 'freeze' ? 'FROZEN' : action === 'terminate' ? 'TERMINATED' : 'ACTIVE' });
}

/** Activate, freeze/unfreeze, terminate (after a confirmation: it is final) and replace. Only for roles that write. */
export function CardActions({ card }: { card: Card }) {
  const { t } = useLang();
  const changed = useCardChanged();
  const [confirming, setConfirming] = useState(false);
  const [replacing, setReplacing] = useState(false);
  const status = useMutation({
    mutationFn: (action: StatusAction) => changeStatus(card, action),
    onSuccess: ({ card: updated }) => {
      changed(updated);
      setConfirming(false);
    },
  });
  const actions = ACTIONS[card.status];

  return (
    <section className="panel" aria-labelledby="card-actions-title">
      <h2 id="card-actions-title">{t('cards.actions.title')}</h2>
      {actions.length === 0 ? (
        <p className="muted">{t('cards.actions.noneTerminated')}</p>
      ) : (
        <div className="form-actions">
          {actions
            .filter((a) => a !== 'terminate')
            .map((action) => (
              <button key={action} type="button" className={action === 'activate' ? 'primary' : undefined} disabled={status.isPending} onClick={() => status.mutate(action)}>
                {t(`cards.actions.${action}`)}
              </button>
            ))}
          <button type="button" onClick={() => setReplacing(true)}>
            {t('cards.actions.replace')}
          </button>
          <button type="button" className="danger" onClick={() => setConfirming(true)}>
            {t('cards.actions.terminate')}
          </button>
        </div>
      )}
      {!confirming && <FormError error={status.error} />}

      {confirming && (
        <Dialog
          title={t('cards.actions.terminateTitle', { last4: card.last4 })}
          onClose={() => {
            status.reset();
            setConfirming(false);
          }}
          footer={
            <div className="form-actions">
              <button type="button" className="danger" disabled={status.isPending} onClick={() => status.mutate('terminate')}>
                {t('cards.actions.terminateConfirm')}
              </button>
              <button
                type="button"
                onClick={() => {
                  status.reset();
                  setConfirming(false);
                }}
              >
                {t('common.cancel')}
              </button>
            </div>
          }
        >
          <p>{t('cards.actions.terminateWarning')}</p>
          <FormError error={status.error} />
        </Dialog>
      )}
      {replacing && <ReplaceDialog card={card} onClose={() => setReplacing(false)} />}
    </section>
  );
}

/**
 * A replacement card (POST /cards with replacementFor and replacementReason): same cardholder, type,
 * currency and controls. Lost or stolen ends the old card at once; damaged or expired when the new
 * one is active. A physical replacement ships, by default where the old one went.
 */
function ReplaceDialog({ card, onClose }: { card: Card; onClose(): void }) {
  const { t } = useLang();
  const navigate = useNavigate();
  const changed = useCardChanged();
  const reference = usePartnerReference();
  const [reason, setReason] = useState<ReplacementReason>('lost');
  const [shipping, setShipping] = useState(() => shippingToForm(card.shipping));
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const replace = useMutation({
    mutationFn: issueCardOnce,
    onSuccess: ({ card: issued }) => {
      changed(issued);
      void navigate(`/cards/${issued.id}`, { state: { notice: 'replaced' } });
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = replaceCardBody(card, reason, shipping, reference);
    if (!checked.ok) return setIssues(checked.issues);
    setIssues([]);
    replace.mutate(checked.body);
  };

  return (
    <Dialog title={t('cards.replace.title', { last4: card.last4 })} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <fieldset className="form-section">
          <legend>{t('cards.replace.reason')}</legend>
          {REPLACEMENT_REASONS.map((r) => (
            <label key={r} className="checkbox">
              <input type="radio" name="replacementReason" value={r} checked={reason === r} onChange={() => setReason(r)} />
              <span>
                {t(`cards.replace.reasons.${r}`)} <span className="field-hint">{t(`cards.replace.effect.${r}`)}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {card.type === 'PHYSICAL' && <ShippingFields value={shipping} onChange={setShipping} issues={issues} error={replace.error} />}
        <p className="field-hint">{t('cards.replace.keeps')}</p>
        <FormError error={replace.error} fields={SHIPPING_FIELDS} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={replace.isPending}>
            {t('cards.replace.submit')}
          </button>
          <button type="button" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
