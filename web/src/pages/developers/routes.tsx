import { Route, Routes } from 'react-router';
import DeliveriesPage from './deliveries-page';
import { DevelopersPage } from './developers-page';
import './developers.css';

/** The developers pages (the partner's SNAP integration), relative to /developers (app.tsx mounts them at developers/*). */
export default function DevelopersRoutes() {
  return (
    <Routes>
      <Route index element={<DevelopersPage />} />
      <Route path="webhooks/:endpointId" element={<DeliveriesPage />} />
    </Routes>
  );
}
