import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';

function PoliciesPage() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('policies.title')}</h1>
    </section>
  );
}

/** The spend-rule pages, relative to /policies (app.tsx mounts them at policies/*). */
export default function PoliciesRoutes() {
  return (
    <Routes>
      <Route index element={<PoliciesPage />} />
    </Routes>
  );
}
