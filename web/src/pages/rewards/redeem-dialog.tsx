import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { ApiError, post } from '../../api';
import { Dialog } from '../../components/dialog';
import { Field, FormError } from '../../components/field';
import { Money } from '../../components/money';
import { formatMinor, formatMoney } from '../../format';
import { useLang } from '../../i18n';
import { formatPoints, redemptionMinor } from './rewards-model';
import type { Redemption, RewardsBalance } from './rewards-types';

interface Props {
  cardholderId: string;
  name: string;
  balance: RewardsBalance;
  onClose: () => void;
}

const WHOLE = /^\d{1,15}$/;

/**
 * Redeem a cardholder's points as cashback to the funding account (POST /rewards/redeem): the
 * cashback the points pay is shown as they are typed; a refusal is shown on the points field.
 */
export function RedeemDialog({ cardholderId, name, balance, onClose }: Props) {
  const { t, lang } = useLang();
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string>();
  // One reference per dialog: a double submit cannot redeem twice (409xx01).
  const [reference] = useState(() => crypto.randomUUID());
  const redeem = useMutation({
    mutationFn: (points: number) => post<{ redemption: Redemption }>('/rewards/redeem', { cardholderId, points, partnerReferenceNo: reference }),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['rewards'] });
    },
  });
  const points = WHOLE.test(text.trim()) ? BigInt(text.trim()) : undefined;
  const cashback = points !== undefined ? redemptionMinor(points, balance) : 0n;
  const currency = balance.value.currency;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (points === undefined || points === 0n) return setProblem(t('rewards.redeem.wholePoints'));
    if (points > BigInt(balance.points)) return setProblem(t('rewards.redeem.notEnough', { points: formatPoints(balance.points, lang) }));
    setProblem(undefined);
    redeem.mutate(Number(points));
  };
  // The server's refusals: too few points (403xx14) and points worth less than a minor unit (400xx01 on points).
  const refused = redeem.error instanceof ApiError && redeem.error.responseCode.endsWith('9814') ? t('rewards.redeem.notEnough', { points: formatPoints(balance.points, lang) }) : undefined;

  const done = redeem.data?.redemption;
  return (
    <Dialog title={t('rewards.redeem.title', { name })} onClose={onClose}>
      {done ? (
        <>
          <p className="notice" role="status">
            {t('rewards.redeem.done', { points: formatPoints(done.points, lang), amount: formatMoney(done.amount, lang) })}
          </p>
          <p>{t('rewards.redeem.left', { points: formatPoints(done.balance.points, lang) })}</p>
          <div className="form-actions">
            <button type="button" className="primary" onClick={onClose}>
              {t('common.close')}
            </button>
          </div>
        </>
      ) : (
        <form className="form" onSubmit={submit} noValidate>
          <p>
            {t('rewards.redeem.available', { points: formatPoints(balance.points, lang) })} · <Money value={balance.value} />
          </p>
          <Field
            label={t('rewards.redeem.points')}
            name="points"
            inputMode="numeric"
            autoComplete="off"
            value={text}
            onChange={(e) => setText(e.target.value)}
            error={redeem.error}
            message={problem ?? refused}
            hint={t('rewards.redeem.pointsHint')}
            required
          />
          <p aria-live="polite" className="rewards-cashback">
            {t('rewards.redeem.cashback')}: <strong>{formatMinor(cashback, currency, lang)}</strong>
          </p>
          {!refused && <FormError error={redeem.error} fields={['points']} />}
          <div className="form-actions">
            <button type="submit" className="primary" disabled={redeem.isPending}>
              {redeem.isPending ? t('rewards.redeem.redeeming') : t('rewards.redeem.submit')}
            </button>
            <button type="button" onClick={onClose}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </Dialog>
  );
}
