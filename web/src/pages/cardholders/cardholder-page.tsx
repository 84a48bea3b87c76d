import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { get, patch } from '../../api';
import type { CardPage, Cardholder } from '../../api-types';
import { Dialog } from '../../components/dialog';
import { FormError } from '../../components/field';
import { DateTime } from '../../components/money';
import { Empty, QueryView } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import { AuthorizationList } from '../transactions/authorization-list';
import { CardholderForm } from './cardholder-form';

function useCardholder(id: string) {
  return useQuery({ queryKey: ['cardholder', id], queryFn: ({ signal }) => get<{ cardholder: Cardholder }>(`/cardholders/${id}`, undefined, signal) });
}

function Cards({ cardholderId }: { cardholderId: string }) {
  const { t } = useLang();
  const cards = useQuery({
    queryKey: ['cards', { cardholderId }],
    queryFn: ({ signal }) => get<CardPage>('/cards', { cardholderId, pageSize: 100 }, signal),
  });
  return (
    <section className="panel" aria-labelledby="cardholder-cards">
      <h2 id="cardholder-cards">{t('cardholders.cards')}</h2>
      <QueryView query={cards}>
        {({ cards: list }) =>
          list.length === 0 ? (
            <Empty>{t('cardholders.noCards')}</Empty>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('cardholders.cardLast4')}</th>
                  <th scope="col">{t('cardholders.cardType')}</th>
                  <th scope="col">{t('common.status')}</th>
                  <th scope="col">{t('cardholders.cardExpiry')}</th>
                </tr>
              </thead>
              <tbody>
                {list.map((c) => (
                  <tr key={c.id}>
                    <td>
                      <Link to={`/cards/${c.id}`}>•••• {c.last4}</Link>
                    </td>
                    <td>{t(`cards.type.${c.type}`)}</td>
                    <td>{t(`cards.status.${c.status}`)}</td>
                    <td>
                      {String(c.expiryMonth).padStart(2, '0')}/{c.expiryYear}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </QueryView>
    </section>
  );
}

function StatusAction({ cardholder }: { cardholder: Cardholder }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const change = useMutation({
    mutationFn: (status: 'ACTIVE' | 'BLOCKED') => patch<{ cardholder: Cardholder }>(`/cardholders/${cardholder.id}`, { status }),
    onSuccess: ({ cardholder: saved }) => {
      setConfirming(false);
      queryClient.setQueryData(['cardholder', saved.id], { cardholder: saved });
      void queryClient.invalidateQueries({ queryKey: ['cardholders'] });
    },
  });
  if (cardholder.status === 'BLOCKED') {
    return (
      <>
        <button type="button" onClick={() => change.mutate('ACTIVE')} disabled={change.isPending}>
          {t('cardholders.unblock')}
        </button>
        <FormError error={change.error} />
      </>
    );
  }
  return (
    <>
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        {t('cardholders.block')}
      </button>
      {confirming && (
        <Dialog
          title={t('cardholders.block')}
          onClose={() => setConfirming(false)}
          footer={
            <div className="form-actions">
              <button type="button" className="danger" onClick={() => change.mutate('BLOCKED')} disabled={change.isPending}>
                {t('cardholders.block')}
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                {t('common.cancel')}
              </button>
            </div>
          }
        >
          <p>{t('cardholders.blockConfirm', { name: cardholder.name })}</p>
          <FormError error={change.error} />
        </Dialog>
      )}
    </>
  );
}

/** One cardholder: details, edit, block/unblock, their cards and their spend. */
export default function CardholderPage() {
  const { t } = useLang();
  const { id = '' } = useParams();
  const canWrite = useCan('write');
  const cardholder = useCardholder(id);
  const [editing, setEditing] = useState(false);
  return (
    <QueryView query={cardholder}>
      {({ cardholder: c }) => (
        <>
          <p>
            <Link to="/cardholders">← {t('cardholders.title')}</Link>
          </p>
          <h1>{c.name}</h1>
          <section className="panel" aria-labelledby="cardholder-details">
            <h2 id="cardholder-details">{t('common.details')}</h2>
            <dl className="facts">
              <dt>{t('common.status')}</dt>
              <dd>{t(`cardholders.statuses.${c.status}`)}</dd>
              <dt>{t('cardholders.email')}</dt>
              <dd>{c.email}</dd>
              <dt>{t('cardholders.phoneNo')}</dt>
              <dd>{c.phoneNo ?? '—'}</dd>
              <dt>{t('cardholders.employeeId')}</dt>
              <dd>{c.employeeId ?? '—'}</dd>
              <dt>{t('cardholders.dateOfBirth')}</dt>
              <dd>{c.dateOfBirth ? <DateTime iso={c.dateOfBirth} dateOnly /> : '—'}</dd>
            </dl>
            <p className="muted">
              {t('cardholders.since')} <DateTime iso={c.createdAt} dateOnly />
            </p>
            {canWrite && (
              <div className="form-actions">
                <button type="button" onClick={() => setEditing(true)}>
                  {t('common.edit')}
                </button>
                <StatusAction cardholder={c} />
              </div>
            )}
          </section>
          <Cards cardholderId={c.id} />
          <section className="panel" aria-labelledby="cardholder-spend">
            <h2 id="cardholder-spend">{t('cardholders.spend')}</h2>
            <AuthorizationList filters={{ cardholderId: c.id }} empty={t('cardholders.noSpend')} caption={t('cardholders.spend')} />
          </section>
          {editing && (
            <Dialog title={t('cardholders.editTitle')} onClose={() => setEditing(false)}>
              <CardholderForm cardholder={c} onSaved={() => setEditing(false)} onCancel={() => setEditing(false)} />
            </Dialog>
          )}
        </>
      )}
    </QueryView>
  );
}
