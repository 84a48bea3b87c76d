import { lazy } from 'react';
import { Route, Routes } from 'react-router';

const CardsListPage = lazy(() => import('./cards-list-page'));
const IssueCardPage = lazy(() => import('./issue-card-page'));
const CardPage = lazy(() => import('./card-page'));

/** The Cards pages, relative to /cards (app.tsx mounts them at cards/*). */
export default function CardsRoutes() {
  return (
    <Routes>
      <Route index element={<CardsListPage />} />
      <Route path="new" element={<IssueCardPage />} />
      <Route path=":cardId" element={<CardPage />} />
    </Routes>
  );
}
