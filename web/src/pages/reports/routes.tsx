import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';

function ReportsPage() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('reports.title')}</h1>
    </section>
  );
}

/** The report and accounting-export pages, relative to /reports (app.tsx mounts them at reports/*). */
export default function ReportsRoutes() {
  return (
    <Routes>
      <Route index element={<ReportsPage />} />
    </Routes>
  );
}
