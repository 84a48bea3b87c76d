import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { get, post } from '../../api';
import type { AuthorizationDetail } from '../../api-types';
import { parseAmount } from '../../components/controls/amount-input';
import type { FieldIssue } from '../../components/controls/controls-model';
import { issueText } from '../../components/controls/field-errors';
import { Field, FormError } from '../../components/field';
import { explainDecision } from '../../decline-reasons';
import { minorToValue, type Lang } from '../../format';
import { useLang } from '../../i18n';
import type { Card, TestPurchaseAnswer } from './card-types';
import { cardKeys } from './cards-api';

interface PurchaseForm {
  amount: string;
  merchantName: string;
  merchantId: string;
  mcc: string;
  country: string;
}

interface PurchaseBody {
  cardId: string;
  amount: { value: string; currency: string };
  merchant: { id: string; name: string; mcc: string; country: string };
}

const FIELDS = ['amount', 'merchant.name', 'merchant.id', 'merchant.mcc', 'merchant.country'];

/** The form → POST /sandbox/authorizations, checked as the API checks it (merchantInput, snapAmountInput). */
function purchaseBody(card: Card, form: PurchaseForm, lang: Lang): { ok: true; body: PurchaseBody } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const amount = parseAmount(form.amount, card.currency, lang);
  if (!amount.ok) issues.push({ field: 'amount.value', ...amount.problem });
  const name = form.merchantName.trim();
  if (!name) issues.push({ field: 'merchant.name', code: 'required' });
  else if (name.length > 100) issues.push({ field: 'merchant.name', code: 'too_long', params: { max: 100 } });
  const id = form.merchantId.trim();
  if (!id) issues.push({ field: 'merchant.id', code: 'required' });
  else if (id.length > 64) issues.push({ field: 'merchant.id', code: 'too_long', params: { max: 64 } });
  if (!/^\d{4}$/.test(form.mcc.trim())) issues.push({ field: 'merchant.mcc', code: 'mcc_format' });
  const country = form.country.trim().toUpperCase();
  if (!/^[A-Z]{2}$/.test(country)) issues.push({ field: 'merchant.country', code: 'country_format', params: { value: country } });
  if (issues.length || !amount.ok) return { ok: false, issues };
  return { ok: true, body: { cardId: card.id, amount: { value: amount.value, currency: card.currency }, merchant: { id, name, mcc: form.mcc.trim(), country } } };
}

interface Result {
  answer: TestPurchaseAnswer;
  body: PurchaseBody;
  detail?: AuthorizationDetail;
}

/**
 * Sandbox only: a test purchase through the full authorization pipeline (holds, limits, controls,
 * policies), with the decision and its reason in words.
 */
export function TestPurchasePanel({ card }: { card: Card }) {
  const { t, lang } = useLang();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<PurchaseForm>({ amount: '', merchantName: 'Toko Contoh', merchantId: 'sandbox-merchant', mcc: '5411', country: 'ID' });
  const [issues, setIssues] = useState<FieldIssue[]>([]);
  const purchase = useMutation({
    mutationFn: async (body: PurchaseBody): Promise<Result> => {
      const { authorization } = await post<{ authorization: TestPurchaseAnswer }>('/sandbox/authorizations', body);
      // The detail names the control or rule that decided; the answer alone has the reason text.
      const detail = await get<{ authorization: AuthorizationDetail }>(`/authorizations/${encodeURIComponent(authorization.authorizationId)}`)
        .then((d) => d.authorization)
        .catch(() => undefined);
      return { answer: authorization, body, detail };
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: cardKeys.usage(card.id) });
      void queryClient.invalidateQueries({ queryKey: ['authorizations'] });
      void queryClient.invalidateQueries({ queryKey: ['overview'] });
    },
  });
  const set = (key: keyof PurchaseForm) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [key]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = purchaseBody(card, form, lang);
    if (!checked.ok) return setIssues(checked.issues);
    setIssues([]);
    purchase.mutate(checked.body);
  };
  const message = (path: string) => issueText(issues, path, t);

  return (
    <section className="panel sandbox-box" aria-labelledby="test-purchase-title">
      <h2 id="test-purchase-title">
        {t('cards.testPurchase.title')} <span className="badge badge-sandbox">{t('app.sandbox')}</span>
      </h2>
      <form className="form-grid" onSubmit={submit} noValidate>
        <Field label={t('cards.testPurchase.amount', { currency: card.currency })} name="amount" error={purchase.error} message={message('amount')} inputMode="decimal" autoComplete="off" value={form.amount} onChange={set('amount')} />
        <Field label={t('cards.testPurchase.merchantName')} name="merchant.name" error={purchase.error} message={message('merchant.name')} autoComplete="off" value={form.merchantName} onChange={set('merchantName')} />
        <Field label={t('cards.testPurchase.mcc')} name="merchant.mcc" error={purchase.error} message={message('merchant.mcc')} inputMode="numeric" maxLength={4} autoComplete="off" value={form.mcc} onChange={set('mcc')} hint={t('cards.testPurchase.mccHint')} />
        <Field label={t('cards.testPurchase.country')} name="merchant.country" error={purchase.error} message={message('merchant.country')} maxLength={2} autoComplete="off" value={form.country} onChange={set('country')} />
        <Field label={t('cards.testPurchase.merchantId')} name="merchant.id" error={purchase.error} message={message('merchant.id')} autoComplete="off" value={form.merchantId} onChange={set('merchantId')} hint={t('cards.testPurchase.merchantIdHint')} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={purchase.isPending}>
            {purchase.isPending ? t('cards.testPurchase.running') : t('cards.testPurchase.submit')}
          </button>
        </div>
      </form>
      <FormError error={purchase.error} fields={FIELDS} />
      <div role="status" aria-live="polite">
        {purchase.data && !purchase.isPending && <PurchaseResult result={purchase.data} currency={card.currency} lang={lang} />}
      </div>
    </section>
  );
}

function PurchaseResult({ result, currency, lang }: { result: Result; currency: string; lang: Lang }) {
  const { t } = useLang();
  const { answer, body, detail } = result;
  const explained = explainDecision(
    detail ?? {
      decision: answer.decision,
      responseCode: answer.responseCode,
      reason: answer.reason,
      amount: body.amount,
      approvedAmount: { value: minorToValue(answer.approvedAmount, currency), currency },
      merchant: body.merchant,
    },
    t,
    lang,
  );
  return (
    <div className={`purchase-result purchase-${answer.decision}`}>
      <p className="purchase-decision">
        <strong className={`decision-${answer.decision}`}>{t(`decision.${answer.decision}`)}</strong>
        {answer.decision !== 'approved' && <> — {explained.sentence}</>}
      </p>
      <p className="code">
        {t('cards.testPurchase.codes', { code: answer.responseCode, reason: answer.reason })}{' '}
        <Link to={`/transactions/${answer.authorizationId}`}>{t('cards.testPurchase.open')}</Link>
      </p>
    </div>
  );
}
