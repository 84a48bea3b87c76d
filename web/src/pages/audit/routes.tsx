import { lazy } from 'react';
import { Route, Routes } from 'react-router';
import './audit.css';

const AuditLogPage = lazy(() => import('./audit-page'));

/** The audit log pages, relative to /audit (app.tsx mounts them at audit/*). */
export default function AuditRoutes() {
  return (
    <Routes>
      <Route index element={<AuditLogPage />} />
    </Routes>
  );
}
