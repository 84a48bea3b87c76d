import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate } from 'react-router';
import type { Cardholder } from '../../api-types';
import { ControlsEditor } from '../../components/controls/controls-editor';
import { emptyControlsForm, LIST_NAMES, type FieldIssue } from '../../components/controls/controls-model';
import { issueText } from '../../components/controls/field-errors';
import { Dialog } from '../../components/dialog';
import { FormError } from '../../components/field';
import { Loading } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan, useMe } from '../../me';
import { CardholderForm } from '../cardholders/cardholder-form';
import { CARD_TYPES } from './card-filters';
import { CardholderPicker } from './cardholder-picker';
import { useCardChanged, useMccGroups } from './cards-api';
import { issueCardOnce, usePartnerReference } from './issue-card';
import { emptyShipping, issueCardBody, type IssueCardForm } from './issue-card-model';
import { SHIPPING_FIELDS, ShippingFields } from './shipping-fields';
import './cards.css';

/** The request paths this form shows errors at itself; FormError shows the API's other errors. */
const SHOWN_FIELDS = ['cardholderId', ...SHIPPING_FIELDS, ...['spendingLimits', 'countLimits', ...LIST_NAMES].map((p) => `spendControls.${p}`)];

/**
 * POST /cards: type, cardholder (picked or created here), shipping for a physical card, and its
 * limits and controls, in one form. A refused submit keeps everything typed, with each message next
 * to the field it is about; the partnerReferenceNo drawn when the form opened is kept for every
 * retry, so a retry never issues twice.
 */
export default function IssueCardPage() {
  const me = useMe().data;
  const canWrite = useCan('write');
  if (!me) return <Loading />;
  if (!canWrite) return <Navigate to="/cards" replace />;
  return <IssueCardFormView currency={me.business.currency} />;
}

function IssueCardFormView({ currency }: { currency: string }) {
  const { t, lang } = useLang();
  const navigate = useNavigate();
  const groups = useMccGroups().data;
  const reference = usePartnerReference();
  const changed = useCardChanged();
  const [form, setForm] = useState<IssueCardForm>(() => ({ type: 'VIRTUAL', cardholderId: '', shipping: emptyShipping(), controls: emptyControlsForm(currency) }));
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<Cardholder>();
  const formRef = useRef<HTMLFormElement>(null);
  const [focusInvalid, setFocusInvalid] = useState(0);

  const issue = useMutation({
    mutationFn: issueCardOnce,
    onSuccess: ({ card, alreadyIssued }) => {
      changed(card);
      void navigate(`/cards/${card.id}`, { state: { notice: alreadyIssued ? 'alreadyIssued' : 'issued' } });
    },
    onError: () => setFocusInvalid((n) => n + 1),
  });

  // After a refused submit, focus goes to the first field that says why.
  useEffect(() => {
    if (!focusInvalid) return;
    formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusInvalid]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = issueCardBody(form, reference, lang, groups?.map((g) => g.name));
    if (!checked.ok) {
      setIssues(checked.issues);
      setFocusInvalid((n) => n + 1);
      return;
    }
    setIssues([]);
    issue.mutate(checked.body);
  };

  const error = issue.error;
  return (
    <div className="cards-page">
      <p className="breadcrumbs">
        <Link to="/cards">{t('cards.list.title')}</Link>
      </p>
      <h1>{t('cards.issue.title')}</h1>
      <form ref={formRef} className="issue-form" onSubmit={submit} noValidate>
        <fieldset className="form-section">
          <legend>{t('cards.issue.type')}</legend>
          <div className="type-choices">
            {CARD_TYPES.map((type) => (
              <label key={type} className="type-choice">
                <input type="radio" name="type" value={type} checked={form.type === type} onChange={() => setForm({ ...form, type })} />
                <span className="type-choice-text">
                  <strong>{t(`cards.type.${type}`)}</strong>
                  <span className="field-hint">{t(`cards.typeHelp.${type}`)}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>

        <fieldset className="form-section">
          <legend>{t('cards.issue.cardholderLegend')}</legend>
          <CardholderPicker
            value={form.cardholderId}
            onChange={(cardholderId) => setForm({ ...form, cardholderId })}
            error={error}
            message={issueText(issues, 'cardholderId', t)}
            extra={created}
          />
          <button type="button" onClick={() => setCreating(true)}>
            {t('cards.issue.newCardholder')}
          </button>
        </fieldset>

        {form.type === 'PHYSICAL' && <ShippingFields value={form.shipping} onChange={(shipping) => setForm({ ...form, shipping })} issues={issues} error={error} />}

        <fieldset className="form-section">
          <legend>{t('cards.issue.controlsLegend')}</legend>
          <p className="field-hint">{t('cards.issue.controlsHelp')}</p>
          <ControlsEditor form={form.controls} onChange={(controls) => setForm({ ...form, controls })} issues={issues} error={error} groups={groups} />
        </fieldset>

        {issues.length > 0 && (
          <p className="form-error" role="alert">
            {t('cards.issue.fixFields', { count: issues.length })}
          </p>
        )}
        <FormError error={error} fields={SHOWN_FIELDS} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={issue.isPending}>
            {issue.isPending ? t('cards.issue.issuing') : t('cards.issue.submit')}
          </button>
          <Link className="button" to="/cards">
            {t('common.cancel')}
          </Link>
        </div>
      </form>

      {creating && (
        <Dialog title={t('cards.issue.newCardholder')} onClose={() => setCreating(false)}>
          <CardholderForm
            onSaved={(cardholder) => {
              setCreated(cardholder);
              setForm((f) => ({ ...f, cardholderId: cardholder.id, shipping: f.shipping.name ? f.shipping : { ...f.shipping, name: cardholder.name } }));
              setCreating(false);
            }}
            onCancel={() => setCreating(false)}
          />
        </Dialog>
      )}
    </div>
  );
}
