import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api';
import { AuthFrame } from '../../components/auth-frame';
import { Field, FormError } from '../../components/field';
import { ErrorState, Loading } from '../../components/states';
import { formatDateTime } from '../../format';
import { useLang } from '../../i18n';
import { signInProblem } from '../auth-errors';
import { acceptInvitation, PASSWORD_MIN_LENGTH, previewInvitation } from './team-api';
import './team.css';

/** An unusable link (unknown, used, expired, revoked: the server does not say which) is a 404. */
const notValid = (error: unknown) => error instanceof ApiError && error.status === 404;

/**
 * The page an invitation link opens (no session yet): the business, the email and the role, then a
 * password (twice) to create the account; the new admin is signed in, or sent to enrol 2FA first
 * when the business requires it.
 */
export default function AcceptInvitationPage() {
  const { t, lang } = useLang();
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const invitation = useQuery({ queryKey: ['invitation', token], queryFn: () => previewInvitation(token), staleTime: Infinity, retry: false });
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [checked, setChecked] = useState(false);
  const accept = useMutation({
    mutationFn: () => acceptInvitation(token, password),
    onSuccess: (result) => {
      // Whatever was cached belongs to no one now (a session of the browser before); the used
      // invitation stays as it was, so leaving the page does not ask for it again (a 404 now).
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== 'invitation' });
      if (result.twoFactor === 'enrolment_required') void navigate('/two-factor/enrol?next=%2F', { replace: true });
      else void navigate('/', { replace: true });
    },
  });
  const tooShort = checked && [...password].length < PASSWORD_MIN_LENGTH ? t('team.accept.tooShort') : undefined;
  const mismatch = checked && !tooShort && password !== confirm ? t('team.accept.mismatch') : undefined;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setChecked(true);
    if ([...password].length < PASSWORD_MIN_LENGTH || password !== confirm) return;
    accept.mutate();
  };
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  if (invitation.isPending) {
    return (
      <AuthFrame title={t('team.title')}>
        <Loading label={t('team.accept.checking')} />
      </AuthFrame>
    );
  }
  if (!invitation.data || notValid(accept.error)) {
    const error = invitation.error ?? accept.error;
    return (
      <AuthFrame title={t('team.accept.notValidTitle')}>
        {notValid(error) ? <p role="alert">{t('team.accept.notValid')}</p> : <ErrorState error={error} onRetry={() => void invitation.refetch()} />}
        <p>
          <Link to="/sign-in">{t('team.accept.signIn')}</Link>
        </p>
      </AuthFrame>
    );
  }
  const { businessName, email, role, expiresAt } = invitation.data;
  const problem = accept.error instanceof ApiError && accept.error.status === 429 ? signInProblem(accept.error, t, lang) : undefined;
  return (
    <AuthFrame title={t('team.accept.title', { business: businessName })}>
      <p>{t('team.accept.intro', { business: businessName, role: t(`roles.${role}`) })}</p>
      <form className="form" onSubmit={submit} noValidate>
        <Field label={t('team.accept.email')} name="email" type="email" autoComplete="username" value={email} readOnly />
        <Field
          label={t('team.accept.password')}
          name="password"
          type="password"
          autoComplete="new-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={accept.error}
          message={tooShort}
          hint={t('team.accept.passwordHint')}
          required
        />
        <Field
          label={t('team.accept.confirm')}
          name="confirm"
          type="password"
          autoComplete="new-password"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          message={mismatch}
          required
        />
        {problem ? (
          <p className="form-error" role="alert">
            {problem}
          </p>
        ) : (
          <FormError error={accept.error} fields={['password']} />
        )}
        <p className="muted">{t('team.accept.until', { until: formatDateTime(expiresAt, zone, lang) })}</p>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={accept.isPending}>
            {accept.isPending ? t('team.accept.submitting') : t('team.accept.submit')}
          </button>
        </div>
      </form>
    </AuthFrame>
  );
}
