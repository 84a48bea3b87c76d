import { Route, Routes } from 'react-router';
import { TeamPage } from './team-page';
import './team.css';

/** The team pages, relative to /team (app.tsx mounts them at team/*). */
export default function TeamRoutes() {
  return (
    <Routes>
      <Route index element={<TeamPage />} />
    </Routes>
  );
}
