import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';

function AuditPage() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('audit.title')}</h1>
    </section>
  );
}

/** The audit log pages, relative to /audit (app.tsx mounts them at audit/*). */
export default function AuditRoutes() {
  return (
    <Routes>
      <Route index element={<AuditPage />} />
    </Routes>
  );
}
