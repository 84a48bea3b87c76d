import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { get, post } from '../../api';
import type { AuthorizationDetail, LimitExplanation } from '../../api-types';
import { Drawer } from '../../components/dialog';
import { Field, FormError } from '../../components/field';
import { DateTime, Money } from '../../components/money';
import { Empty, QueryView } from '../../components/states';
import { categoryName, explainDecision } from '../../decline-reasons';
import { formatMoney, parseAmountInput, type Lang } from '../../format';
import { useLang } from '../../i18n';
import { useCan } from '../../me';

export function useAuthorization(id: string) {
  return useQuery({ queryKey: ['authorization', id], queryFn: ({ signal }) => get<{ authorization: AuthorizationDetail }>(`/authorizations/${id}`, undefined, signal) });
}

function Why({ a }: { a: AuthorizationDetail }) {
  const { t, lang } = useLang();
  const e = explainDecision(a, t, lang, a.facts.merchantGroups);
  return (
    <section aria-labelledby="why">
      <h3 id="why">{t('transactions.why')}</h3>
      <p>
        <strong className={`decision-${a.decision}`}>{t(`decision.${a.decision}`)}</strong>
        {a.decision !== 'approved' && <>: {e.sentence}</>}
      </p>
      <p className="code">{t('transactions.rawCodes', { code: e.responseCode, reason: e.check === e.reason ? e.reason : `${e.reason} (${e.check})` })}</p>
    </section>
  );
}

const usedText = (v: LimitExplanation['used'], lang: Lang) => (v === null ? '—' : typeof v === 'number' ? String(v) : formatMoney(v, lang));

function Facts({ a }: { a: AuthorizationDetail }) {
  const { t, lang } = useLang();
  const place = [a.merchant.city, a.merchant.country].filter(Boolean).join(', ');
  return (
    <section aria-labelledby="facts">
      <h3 id="facts">{t('transactions.facts')}</h3>
      <dl className="facts">
        <dt>{t('transactions.when')}</dt>
        <dd>
          <DateTime iso={a.createdAt} />
        </dd>
        <dt>{t('transactions.requested')}</dt>
        <dd>
          <Money value={a.amount} />
        </dd>
        <dt>{t('transactions.approvedAmount')}</dt>
        <dd>
          <Money value={a.approvedAmount} />
        </dd>
        <dt>{t('common.status')}</dt>
        <dd>{t(`authStatus.${a.status}`)}</dd>
        <dt>{t('transactions.cardCol')}</dt>
        <dd>{a.cardId ? <Link to={`/cards/${a.cardId}`}>{a.cardLast4 ? `•••• ${a.cardLast4}` : t('transactions.viewCard')}</Link> : '—'}</dd>
        <dt>{t('transactions.cardholderCol')}</dt>
        <dd>{a.cardholderId ? <Link to={`/cardholders/${a.cardholderId}`}>{a.cardholderName ?? t('transactions.viewCardholder')}</Link> : '—'}</dd>
        <dt>{t('transactions.merchantCol')}</dt>
        <dd>
          {a.merchant.name ?? '—'} {a.merchant.id && <span className="code">{a.merchant.id}</span>}
        </dd>
        <dt>{t('transactions.mcc')}</dt>
        <dd>{a.merchant.mcc ?? '—'}</dd>
        <dt>{t('transactions.merchantGroups')}</dt>
        <dd>{a.facts.merchantGroups.length ? a.facts.merchantGroups.map((g) => categoryName(g, t)).join(', ') : '—'}</dd>
        <dt>{t('transactions.location')}</dt>
        <dd>{place || '—'}</dd>
        <dt>{t('transactions.availableAtDecision')}</dt>
        <dd>
          <Money value={a.facts.available} />
        </dd>
        <dt>{t('transactions.authorizationCode')}</dt>
        <dd>{a.authorizationCode ?? '—'}</dd>
      </dl>
      {a.facts.usage.length > 0 && (
        <>
          <h4>{t('transactions.usage')}</h4>
          <ul>
            {a.facts.usage.map((u) => (
              <li key={`${u.limitKey}|${u.windowStart}`}>
                <span className="code">{u.limitKey}</span> ({u.windowStart}): {usedText(u.used, lang)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function Policies({ a }: { a: AuthorizationDetail }) {
  const { t } = useLang();
  return (
    <section aria-labelledby="policies">
      <h3 id="policies">{t('transactions.policies')}</h3>
      {a.reviews.length > 0 && (
        <>
          <h4>{t('transactions.reviews')}</h4>
          <ul>
            {a.reviews.map((r) => (
              <li key={`${r.policyId}:${r.rule}`}>
                <span className="code">{r.rule}</span>: {r.reason}
              </li>
            ))}
          </ul>
        </>
      )}
      <h4>{t('transactions.shadow')}</h4>
      {a.shadow.length === 0 ? (
        <p className="muted">{t('transactions.noShadow')}</p>
      ) : (
        <ul>
          {a.shadow.map((s) => (
            <li key={s.versionId}>
              {s.name ?? s.policyId}
              <ul>
                {s.events.map((ev, i) => (
                  <li key={i}>
                    {ev.type === 'decline'
                      ? t('transactions.wouldDecline', { rule: ev.rule, reason: ev.reason })
                      : ev.type === 'review'
                        ? t('transactions.wouldReview', { rule: ev.rule, reason: ev.reason })
                        : t('transactions.wouldApprove', { rule: ev.rule })}
                    {ev.responseCode && <span className="code"> {ev.responseCode}</span>}
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Transfers({ a }: { a: AuthorizationDetail }) {
  const { t, lang } = useLang();
  return (
    <section aria-labelledby="transfers">
      <h3 id="transfers">{t('transactions.transfers')}</h3>
      {a.transfers.length === 0 ? (
        <Empty>{t('transactions.noTransfers')}</Empty>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">{t('transactions.when')}</th>
              <th scope="col">{t('common.details')}</th>
              <th scope="col" className="num">
                {t('transactions.amount')}
              </th>
              <th scope="col">{t('common.status')}</th>
            </tr>
          </thead>
          <tbody>
            {a.transfers.map((tr) => (
              <tr key={tr.id}>
                <td>
                  <DateTime iso={tr.createdAt} />
                </td>
                <td>
                  {t(`transactions.transferRole.${tr.role}`)} <span className="code">{tr.kind}</span>
                </td>
                <td className="num">
                  <Money value={tr.amount} />
                </td>
                <td>
                  {t(`transactions.transferStatus.${tr.status}`)}
                  {tr.openAmount && tr.status === 'pending' && <div className="muted">{t('transactions.openAmount', { amount: formatMoney(tr.openAmount, lang) })}</div>}
                  {tr.postedAmount && tr.postedAmount.value !== tr.amount.value && (
                    <div className="muted">{t('transactions.postedAmount', { amount: formatMoney(tr.postedAmount, lang) })}</div>
                  )}
                  {tr.releasedAmount && !/^0(\.0+)?$/.test(tr.releasedAmount.value) && (
                    <div className="muted">{t('transactions.releasedAmount', { amount: formatMoney(tr.releasedAmount, lang) })}</div>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

type SandboxAction = 'clear' | 'reverse' | 'refund';

/** Sandbox: clear, reverse or refund it, all or part (finance admins and owners). */
function SandboxActions({ a }: { a: AuthorizationDetail }) {
  const { t, lang } = useLang();
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [done, setDone] = useState<SandboxAction | undefined>();
  const act = useMutation({
    mutationFn: ({ action, value }: { action: SandboxAction; value?: string }) =>
      post(`/sandbox/authorizations/${a.id}/${action}`, value ? { amount: { value, currency: a.amount.currency } } : {}),
    onSuccess: (_data, { action }) => {
      setDone(action);
      setAmount('');
      for (const key of [['authorization', a.id], ['authorizations'], ['overview']]) void queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const run = (action: SandboxAction) => (e?: FormEvent) => {
    e?.preventDefault();
    setDone(undefined);
    const value = amount.trim() ? parseAmountInput(amount, a.amount.currency, lang) : undefined;
    setInvalid(amount.trim() !== '' && value === undefined);
    if (amount.trim() && value === undefined) return;
    act.mutate({ action, value });
  };
  return (
    <section aria-labelledby="sandbox-actions">
      <h3 id="sandbox-actions">{t('transactions.sandboxActions')}</h3>
      {done && (
        <p className="notice" role="status">
          {t('transactions.actionDone')}
        </p>
      )}
      <form className="form" onSubmit={run('clear')} noValidate>
        <Field
          label={t('transactions.actionAmount')}
          name="amount"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.target.value)}
          error={act.error}
          message={invalid ? t('transactions.invalidAmount', { currency: a.amount.currency }) : undefined}
        />
        <FormError error={act.error} fields={['amount']} />
        <div className="form-actions">
          <button type="submit" disabled={act.isPending}>
            {t('transactions.clear')}
          </button>
          <button type="button" onClick={() => run('reverse')()} disabled={act.isPending}>
            {t('transactions.reverse')}
          </button>
          <button type="button" onClick={() => run('refund')()} disabled={act.isPending}>
            {t('transactions.refund')}
          </button>
        </div>
      </form>
    </section>
  );
}

/** The detail of one authorization over the page (route /transactions/{id}). */
export function AuthorizationDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t } = useLang();
  const detail = useAuthorization(id);
  const sandbox = useCan('sandbox');
  const title = detail.data
    ? `${t('transactions.drawerTitle')}: ${detail.data.authorization.merchant.name ?? detail.data.authorization.merchant.id ?? ''}`
    : t('transactions.drawerTitle');
  return (
    <Drawer title={title} onClose={onClose}>
      <QueryView query={detail}>
        {({ authorization: a }) => (
          <>
            <p className="stat">
              <Money value={a.amount} />
            </p>
            <Why a={a} />
            <Facts a={a} />
            <Policies a={a} />
            {a.increments.length > 0 && (
              <section aria-labelledby="increments">
                <h3 id="increments">{t('transactions.increments')}</h3>
                <ul>
                  {a.increments.map((inc) => (
                    <li key={inc.id}>
                      <Link to={`/transactions/${inc.id}`}>
                        <DateTime iso={inc.createdAt} />
                      </Link>{' '}
                      <Money value={inc.amount} /> · {t(`decision.${inc.decision}`)}
                    </li>
                  ))}
                </ul>
              </section>
            )}
            <Transfers a={a} />
            {sandbox && a.decision !== 'declined' && <SandboxActions a={a} />}
          </>
        )}
      </QueryView>
    </Drawer>
  );
}
