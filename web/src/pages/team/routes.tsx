import { useTranslation } from 'react-i18next';
import { Route, Routes } from 'react-router';

function TeamPage() {
  const { t } = useTranslation();
  return (
    <section>
      <h1>{t('team.title')}</h1>
    </section>
  );
}

/** The team pages, relative to /team (app.tsx mounts them at team/*). */
export default function TeamRoutes() {
  return (
    <Routes>
      <Route index element={<TeamPage />} />
    </Routes>
  );
}
