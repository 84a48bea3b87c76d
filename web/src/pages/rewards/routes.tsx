import { lazy } from 'react';
import { Route, Routes } from 'react-router';
import './rewards.css';

const RewardsPage = lazy(() => import('./rewards-page'));
const ProgramEditorPage = lazy(() => import('./program-editor-page'));
const CardholderRewardsPage = lazy(() => import('./cardholder-rewards-page'));

/** The rewards pages, relative to /rewards (app.tsx mounts them at rewards/*). */
export default function RewardsRoutes() {
  return (
    <Routes>
      <Route index element={<RewardsPage />} />
      <Route path="program" element={<ProgramEditorPage />} />
      <Route path="cardholders/:cardholderId" element={<CardholderRewardsPage />} />
    </Routes>
  );
}
