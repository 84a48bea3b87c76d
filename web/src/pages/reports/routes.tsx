import { lazy } from 'react';
import { Route, Routes } from 'react-router';

const ReportsPage = lazy(() => import('./reports-page'));

/** The Reports page (spend, report jobs, statements, accounting export), relative to /reports (app.tsx mounts it at reports/*). */
export default function ReportsRoutes() {
  return (
    <Routes>
      <Route index element={<ReportsPage />} />
    </Routes>
  );
}
