import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import { api, safeNext } from '../api';
import type { LoginResult } from '../api-types';
import { AuthFrame } from '../components/auth-frame';
import { Field } from '../components/field';
import { useLang } from '../i18n';
import { signInProblem } from './auth-errors';

export default function SignInPage() {
  const { t, lang } = useLang();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [params] = useSearchParams();
  const next = safeNext(params.get('next'));
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const login = useMutation({
    mutationFn: () => api<LoginResult>('/login', { method: 'POST', body: { email, password }, signInOnUnauthorized: false }),
    onSuccess: async (result) => {
      await queryClient.resetQueries();
      const to = `?next=${encodeURIComponent(next)}`;
      if (result.twoFactor === 'required') void navigate(`/sign-in/two-factor${to}`, { replace: true });
      else if (result.twoFactor === 'enrolment_required') void navigate(`/two-factor/enrol${to}`, { replace: true });
      else void navigate(next, { replace: true });
    },
    onError: () => setPassword(''),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate();
  };
  const problem = signInProblem(login.error, t, lang);
  return (
    <AuthFrame title={t('signIn.title')}>
      {params.has('next') && !login.error && (
        <p className="notice notice-warn" role="status">
          {t('signIn.expired')}
        </p>
      )}
      <form className="form" onSubmit={submit} noValidate>
        <Field label={t('signIn.email')} name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} error={login.error} required />
        <Field
          label={t('signIn.password')}
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={login.error}
          required
        />
        {problem && (
          <p className="form-error" role="alert">
            {problem}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={login.isPending}>
            {login.isPending ? t('signIn.submitting') : t('signIn.submit')}
          </button>
        </div>
      </form>
    </AuthFrame>
  );
}
