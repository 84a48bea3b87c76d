import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';

function DevelopersPage() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('developers.title')}</h1>
    </section>
  );
}

/** The developers pages (the partner's SNAP integration), relative to /developers (app.tsx mounts them at developers/*). */
export default function DevelopersRoutes() {
  return (
    <Routes>
      <Route index element={<DevelopersPage />} />
    </Routes>
  );
}
