import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, ApiError, safeNext } from '../api';
import type { Me } from '../api-types';
import { AuthFrame } from '../components/auth-frame';
import { Field } from '../components/field';
import { useSignOut } from '../components/layout';
import { useLang } from '../i18n';
import { signInProblem } from './auth-errors';

/** The second step of signing in (twoFactor: 'required'): a code from the app or a recovery code. */
export default function TwoFactorPage() {
  const { t, lang } = useLang();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const signOut = useSignOut();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const [wrongCode, setWrongCode] = useState(false);
  const verify = useMutation({
    mutationFn: () => {
      setWrongCode(false);
      return api('/login/two-factor', { method: 'POST', body: { code: code.trim() }, signInOnUnauthorized: false });
    },
    onSuccess: async () => {
      await queryClient.resetQueries();
      void navigate(next, { replace: true });
    },
    onError: (error) => {
      setCode('');
      if (!(error instanceof ApiError && error.status === 401)) return;
      // A wrong code leaves the pending session for another try; a pending session that is gone
      // (it lasts 5 minutes) means starting again from the password.
      api<Me>('/me', { signInOnUnauthorized: false }).then(
        (me) => (me.session.twoFactor === 'required' ? setWrongCode(true) : void navigate(next, { replace: true })),
        () => void navigate(`/sign-in?next=${encodeURIComponent(next)}`, { replace: true }),
      );
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    verify.mutate();
  };
  const problem = wrongCode ? t('twoFactor.wrongCode') : verify.error instanceof ApiError && verify.error.status === 401 ? undefined : signInProblem(verify.error, t, lang);
  return (
    <AuthFrame title={t('twoFactor.title')}>
      <p>{recovery ? t('twoFactor.recoveryIntro') : t('twoFactor.intro')}</p>
      <form className="form" onSubmit={submit} noValidate>
        <Field
          key={recovery ? 'recovery' : 'totp'}
          label={recovery ? t('twoFactor.recoveryCode') : t('twoFactor.code')}
          name="code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          error={verify.error}
          autoComplete="one-time-code"
          inputMode={recovery ? 'text' : 'numeric'}
          autoFocus
          required
        />
        {problem && (
          <p className="form-error" role="alert">
            {problem}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={verify.isPending}>
            {t('twoFactor.submit')}
          </button>
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setRecovery((r) => !r);
              setCode('');
              setWrongCode(false);
              verify.reset();
            }}
          >
            {recovery ? t('twoFactor.useApp') : t('twoFactor.useRecovery')}
          </button>
        </div>
      </form>
      <p>
        <button type="button" className="link-button" onClick={() => void signOut()}>
          {t('twoFactor.cancel')}
        </button>
      </p>
    </AuthFrame>
  );
}
