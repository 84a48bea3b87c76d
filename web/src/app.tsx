import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { I18nextProvider } from 'react-i18next';
import { BrowserRouter, Route, Routes, useNavigate } from 'react-router';
import { api, ApiError, currentDashboardPath, setSessionExpiredHandler } from './api';
import type { Me } from './api-types';
import { Layout, RequireSession } from './components/layout';
import { Loading } from './components/states';
import { i18n } from './i18n';
import { ME_QUERY_KEY } from './me';

const SignInPage = lazy(() => import('./pages/sign-in'));
const TwoFactorPage = lazy(() => import('./pages/two-factor'));
const EnrolPage = lazy(() => import('./pages/enrol'));
const OverviewPage = lazy(() => import('./pages/overview'));
const TransactionsPage = lazy(() => import('./pages/transactions/transactions-page'));
const CardholdersPage = lazy(() => import('./pages/cardholders/cardholders-page'));
const CardholderPage = lazy(() => import('./pages/cardholders/cardholder-page'));
const SettingsPage = lazy(() => import('./pages/settings'));
const NotFoundPage = lazy(() => import('./pages/not-found'));

// Each area's pages (web/src/pages/<area>/routes.tsx, default export: a component rendering
// <Routes> relative to /<area>), loaded when first visited.
const areaModules = import.meta.glob<{ default: ComponentType }>('./pages/*/routes.tsx');
function areaRoutes(area: string): ComponentType {
  const load = areaModules[`./pages/${area}/routes.tsx`];
  return load ? lazy(load) : NotFoundPage;
}
const CardsRoutes = areaRoutes('cards');
const PoliciesRoutes = areaRoutes('policies');
const ReportsRoutes = areaRoutes('reports');
const RewardsRoutes = areaRoutes('rewards');
const TeamRoutes = areaRoutes('team');
const AuditRoutes = areaRoutes('audit');
const DevelopersRoutes = areaRoutes('developers');
/** The page an invitation link opens (no session yet): /dashboard/invitations/<token>. */
const AcceptInvitationPage = lazy(() => import('./pages/team/accept-invitation'));

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will answer the same again; a network failure or 5xx may not.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

/**
 * A 401 from any call: when the session still exists but was restricted (the business now
 * requires 2FA), to the two-factor step or enrolment; when it is gone, to sign-in. Either way
 * with the page to come back to.
 */
function SessionExpiry() {
  const navigate = useNavigate();
  useEffect(() => {
    let checking = false;
    setSessionExpiredHandler((signInPath, requestPath) => {
      if (checking || window.location.pathname.startsWith('/dashboard/sign-in')) return;
      checking = true;
      const here = encodeURIComponent(currentDashboardPath());
      const me = requestPath === '/me' ? Promise.reject(new Error('no session')) : api<Me>('/me', { signInOnUnauthorized: false });
      me.then(
        (m) => {
          queryClient.setQueryData(ME_QUERY_KEY, m);
          if (m.session.twoFactor === 'required') void navigate(`/sign-in/two-factor?next=${here}`);
          else if (m.session.twoFactor === 'enrolment_required') void navigate(`/two-factor/enrol?next=${here}`);
        },
        () => {
          queryClient.removeQueries({ queryKey: ME_QUERY_KEY });
          void navigate(signInPath);
        },
      ).finally(() => {
        checking = false;
      });
    });
  }, [navigate]);
  return null;
}

export function App() {
  return (
    <I18nextProvider i18n={i18n}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter basename="/dashboard">
          <SessionExpiry />
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="sign-in" element={<SignInPage />} />
              <Route path="sign-in/two-factor" element={<TwoFactorPage />} />
              <Route path="two-factor/enrol" element={<EnrolPage />} />
              <Route path="invitations/:token" element={<AcceptInvitationPage />} />
              <Route element={<RequireSession />}>
                <Route element={<Layout />}>
                  <Route index element={<OverviewPage />} />
                  <Route path="transactions" element={<TransactionsPage />} />
                  <Route path="transactions/:id" element={<TransactionsPage />} />
                  <Route path="cards/*" element={<CardsRoutes />} />
                  <Route path="cardholders" element={<CardholdersPage />} />
                  <Route path="cardholders/:id" element={<CardholderPage />} />
                  <Route path="policies/*" element={<PoliciesRoutes />} />
                  <Route path="reports/*" element={<ReportsRoutes />} />
                  <Route path="rewards/*" element={<RewardsRoutes />} />
                  <Route path="team/*" element={<TeamRoutes />} />
                  <Route path="audit/*" element={<AuditRoutes />} />
                  <Route path="developers/*" element={<DevelopersRoutes />} />
                  <Route path="settings" element={<SettingsPage />} />
                  <Route path="*" element={<NotFoundPage />} />
                </Route>
              </Route>
            </Routes>
          </Suspense>
        </BrowserRouter>
      </QueryClientProvider>
    </I18nextProvider>
  );
}
