import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';

function RewardsPage() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('rewards.title')}</h1>
    </section>
  );
}

/** The rewards program pages, relative to /rewards (app.tsx mounts them at rewards/*). */
export default function RewardsRoutes() {
  return (
    <Routes>
      <Route index element={<RewardsPage />} />
    </Routes>
  );
}
