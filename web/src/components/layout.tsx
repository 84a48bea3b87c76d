import { useQueryClient } from '@tanstack/react-query';
import { Suspense, useEffect, useId } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { post } from '../api';
import { LANGS, type Lang } from '../format';
import { applyLang, chooseLang, defaultLangFor, storedLang, useLang } from '../i18n';
import { can, useMe, type Action } from '../me';
import { ErrorState, Loading } from './states';

/** The page to return to, for the sign-in and 2FA pages. */
export function useHere(): string {
  const location = useLocation();
  return location.pathname + location.search;
}

/**
 * Pages behind it need a full session: a pending one goes to the two-factor step, one that must
 * enrol goes to enrolment, none at all to sign-in (the 401 handler), each with next= this page.
 */
export function RequireSession() {
  const me = useMe();
  const here = useHere();
  const next = `?next=${encodeURIComponent(here)}`;
  useEffect(() => {
    if (me.data && !storedLang()) applyLang(defaultLangFor(me.data.business.currency));
  }, [me.data]);
  if (me.isPending) return <Loading />;
  if (!me.data) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (me.data.session.twoFactor === 'required') return <Navigate to={`/sign-in/two-factor${next}`} replace />;
  if (me.data.session.twoFactor === 'enrolment_required') return <Navigate to={`/two-factor/enrol${next}`} replace />;
  return <Outlet />;
}

export function LanguageSwitcher() {
  const { t } = useTranslation();
  const { lang } = useLang();
  const id = useId();
  return (
    <div className="language">
      <label htmlFor={id}>{t('app.language')}</label>
      <select id={id} value={lang} onChange={(e) => chooseLang(e.target.value as Lang)}>
        {LANGS.map((l) => (
          <option key={l} value={l} lang={l}>
            {t(`app.languages.${l}`)}
          </option>
        ))}
      </select>
    </div>
  );
}

export function useSignOut(): () => Promise<void> {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  return async () => {
    try {
      await post('/logout');
    } finally {
      // Leave the pages first: their queries would ask again (and be refused) once cleared.
      await navigate('/sign-in', { replace: true });
      queryClient.clear();
    }
  };
}

/** The main navigation; an item with `action` is shown only to roles that may do it (me.ts). */
const NAV: readonly { to: string; key: string; end: boolean; action?: Action }[] = [
  { to: '/', key: 'overview', end: true },
  { to: '/cards', key: 'cards', end: false },
  { to: '/cardholders', key: 'cardholders', end: false },
  { to: '/transactions', key: 'transactions', end: false },
  { to: '/policies', key: 'policies', end: false },
  { to: '/reports', key: 'reports', end: false },
  { to: '/rewards', key: 'rewards', end: false },
  { to: '/team', key: 'team', end: false },
  { to: '/audit', key: 'audit', end: false, action: 'readAudit' },
  { to: '/developers', key: 'developers', end: false, action: 'manageDevelopers' },
  { to: '/settings', key: 'settings', end: false },
];

export function Layout() {
  const { t } = useTranslation();
  const me = useMe().data!;
  const signOut = useSignOut();
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">{t('app.name')}</span>
        <span className="business">{me.business.name}</span>
        {me.business.environment === 'sandbox' && <span className="badge badge-sandbox">{t('app.sandbox')}</span>}
        <nav aria-label={t('app.mainNav')} className="mainnav">
          <ul>
            {NAV.filter((item) => !item.action || can(me.admin.role, item.action)).map((item) => (
              <li key={item.key}>
                <NavLink to={item.to} end={item.end}>
                  {t(`nav.${item.key}`)}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <span className="whoami">{t('app.signedInAs', { email: me.admin.email, role: t(`roles.${me.admin.role}`) })}</span>
          <LanguageSwitcher />
          <button type="button" className="link-button" onClick={() => void signOut()}>
            {t('app.signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
