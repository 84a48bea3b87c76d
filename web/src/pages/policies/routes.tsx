import { lazy } from 'react';
import { Route, Routes } from 'react-router';
import './policies.css';

// The list and a policy's page (versions, diff, rollback, shadow results, backtests) belong to
// the policy pages; the editor page (new policy, new version) to the rule editor.
const PoliciesListPage = lazy(() => import('./policies-list-page'));
const PolicyPage = lazy(() => import('./policy-page'));
const PolicyEditorPage = lazy(() => import('./policy-editor-page'));

/** The spend-rule pages, relative to /policies (app.tsx mounts them at policies/*). */
export default function PoliciesRoutes() {
  return (
    <Routes>
      <Route index element={<PoliciesListPage />} />
      {/* A new policy; ?scope=card&scopeId=… preselects its scope. */}
      <Route path="new" element={<PolicyEditorPage />} />
      <Route path=":policyId" element={<PolicyPage />} />
      {/* A new version of the policy; ?from=<versionId> starts from that version's rules. */}
      <Route path=":policyId/versions/new" element={<PolicyEditorPage />} />
    </Routes>
  );
}
