import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { post, safeNext } from '../api';
import type { Enrolment } from '../api-types';
import { AuthFrame } from '../components/auth-frame';
import { Field, FormError } from '../components/field';
import { QrCode } from '../components/qr-code';
import { ErrorState, Loading } from '../components/states';
import { useLang } from '../i18n';
import { useMe } from '../me';

/** "JBSWY3DPEHPK3PXP" as "JBSW Y3DP EHPK 3PXP", easier to type from. */
const grouped = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

/**
 * Two-factor enrolment: a new secret as a QR code (drawn here) and as text, a code to confirm it,
 * then the recovery codes, shown this once, until the admin says they saved them.
 */
export default function EnrolPage() {
  const { t } = useLang();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next') ?? '/settings');
  const me = useMe();
  const [confirmed, setConfirmed] = useState(false);
  // A query, not an effect: one enrolment per visit however often the page renders.
  const enrolment = useQuery({
    queryKey: ['two-factor-enrolment'],
    queryFn: () => post<{ enrolment: Enrolment }>('/two-factor/enrolment'),
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
    enabled: !confirmed,
  });
  const [code, setCode] = useState('');
  const [saved, setSaved] = useState(false);
  const confirm = useMutation({
    mutationFn: () => post<{ recoveryCodes: string[] }>('/two-factor/enrolment/confirm', { code: code.trim() }),
    onSuccess: () => setConfirmed(true),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    confirm.mutate();
  };
  const finish = async () => {
    await queryClient.resetQueries({ queryKey: ['me'] });
    void navigate(next, { replace: true });
  };

  if (confirm.data) {
    return (
      <AuthFrame title={t('enrol.recoveryTitle')}>
        <p className="notice" role="status">
          {t('enrol.enabled')}
        </p>
        <p>{t('enrol.recoveryIntro')}</p>
        <ol className="recovery-codes" aria-label={t('enrol.recoveryList')}>
          {confirm.data.recoveryCodes.map((c) => (
            <li key={c}>{c}</li>
          ))}
        </ol>
        <div className="form">
          <label className="checkbox">
            <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.target.checked)} />
            {t('enrol.savedConfirm')}
          </label>
          <div className="form-actions">
            <button type="button" className="primary" disabled={!saved} onClick={() => void finish()}>
              {t('enrol.done')}
            </button>
          </div>
        </div>
      </AuthFrame>
    );
  }

  return (
    <AuthFrame title={t('enrol.title')}>
      {me.data?.session.twoFactor === 'enrolment_required' && (
        <p className="notice notice-warn" role="status">
          {t('enrol.required')}
        </p>
      )}
      {enrolment.isPending && <Loading label={t('enrol.starting')} />}
      {enrolment.error && <ErrorState error={enrolment.error} onRetry={() => void enrolment.refetch()} />}
      {enrolment.data && (
        <>
          <p>{t('enrol.step1')}</p>
          <QrCode text={enrolment.data.enrolment.otpauthUrl} label={t('enrol.qrLabel')} />
          <p>{t('enrol.manual')}</p>
          <p>
            <span className="muted">{t('enrol.secret')}: </span>
            <code className="secret">{grouped(enrolment.data.enrolment.secret)}</code>
          </p>
          <p>{t('enrol.step2')}</p>
          <form className="form" onSubmit={submit} noValidate>
            <Field
              label={t('twoFactor.code')}
              name="code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              error={confirm.error}
              autoComplete="one-time-code"
              inputMode="numeric"
              required
            />
            <FormError error={confirm.error} fields={['code']} />
            <div className="form-actions">
              <button type="submit" className="primary" disabled={confirm.isPending}>
                {t('enrol.confirm')}
              </button>
            </div>
          </form>
        </>
      )}
    </AuthFrame>
  );
}
