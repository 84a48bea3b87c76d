import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, type ComponentType } from 'react';
import { I18nextProvider } from 'react-i18next';
import { BrowserRouter, Route, Routes, useNavigate } from 'react-router';
import { ApiError, setSessionExpiredHandler } from './api';
import { Layout, RequireSession } from './components/layout';
import { Loading } from './components/states';
import { i18n } from './i18n';

const SignInPage = lazy(() => import('./pages/sign-in'));
const TwoFactorPage = lazy(() => import('./pages/two-factor'));
const EnrolPage = lazy(() => import('./pages/enrol'));
const OverviewPage = lazy(() => import('./pages/overview'));
const TransactionsPage = lazy(() => import('./pages/transactions/transactions-page'));
const CardholdersPage = lazy(() => import('./pages/cardholders/cardholders-page'));
const CardholderPage = lazy(() => import('./pages/cardholders/cardholder-page'));
const SettingsPage = lazy(() => import('./pages/settings'));
const NotFoundPage = lazy(() => import('./pages/not-found'));

// The Cards pages (web/src/pages/cards/routes.tsx, default export: a component rendering
// <Routes> relative to /cards) are picked up when they exist, so this file need not change.
const cardsModules = import.meta.glob<{ default: ComponentType }>('./pages/cards/routes.tsx');
const loadCards = cardsModules['./pages/cards/routes.tsx'];
const CardsRoutes = loadCards ? lazy(loadCards) : NotFoundPage;

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      // A 4xx will answer the same again; a network failure or 5xx may not.
      retry: (count, error) => count < 2 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      refetchOnWindowFocus: false,
    },
  },
});

/** A 401 from any call routes to sign-in with the page to come back to. */
function SessionExpiry() {
  const navigate = useNavigate();
  useEffect(() => {
    setSessionExpiredHandler((signInPath) => {
      if (window.location.pathname.startsWith('/dashboard/sign-in')) return;
      void navigate(signInPath);
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
              <Route element={<RequireSession />}>
                <Route element={<Layout />}>
                  <Route index element={<OverviewPage />} />
                  <Route path="transactions" element={<TransactionsPage />} />
                  <Route path="transactions/:id" element={<TransactionsPage />} />
                  <Route path="cards/*" element={<CardsRoutes />} />
                  <Route path="cardholders" element={<CardholdersPage />} />
                  <Route path="cardholders/:id" element={<CardholderPage />} />
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
