import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { requireAdmin } from '../access/admin.routes';
import { backtestListQuery, policyActivityQuery, policyActivityView, shadowResultsQuery, shadowResultsView } from './admin-policies.schemas';
import { policyActivity, policyBacktests, promoteShadowVersion, shadowResults } from './admin-policies.service';
import { backtestView, policyView } from './policies.schemas';

const SERVICE = '95';
const TAG = 'Spend policies';

/** The dashboard's own policy routes beside the partner ones (policies.routes.ts): what each policy caused, shadow results on live traffic, promotion, earlier backtests. */
export function adminPolicyRoutes(k: Kartu, admin: ApiRouter): void {
  const read = [requireAdmin(k)];
  const write = [requireAdmin(k, ['owner', 'finance_admin'])];
  const common = { service: SERVICE, tag: TAG, security: ['adminSession'] };

  admin.route({
    ...common,
    method: 'get',
    path: '/policy-activity',
    operationId: 'getPolicyActivity',
    description:
      'For the policy list: per policy (the platform baseline included), the authorizations of the last 24 hours its enforced version declined or reviewed and those its shadow version would have. A policy that did nothing is left out.',
    summary: 'What each policy declined and reviewed in the last 24 hours, enforced and in shadow',
    guards: read,
    query: policyActivityQuery,
    response: z.object({ activity: z.object({ from: z.string(), to: z.string(), policies: z.array(policyActivityView) }) }),
    handler: async ({ req }) => ({ activity: await policyActivity(k, req.caller.businessId) }),
  });
  admin.route({
    ...common,
    method: 'get',
    path: '/policies/:id/shadow-results',
    operationId: 'getPolicyShadowResults',
    description:
      "What the policy's shadow version (or another of its versions, versionId) would have declined or reviewed on live traffic since it was created: counts and the newest examples with the decision actually made. shadowResults is null when the policy has no shadow version. 404xx01 when the policy or the version is not the business's.",
    summary: "A shadow version's results on live traffic: counts and recent examples",
    guards: read,
    query: shadowResultsQuery,
    response: z.object({ shadowResults: shadowResultsView.nullable() }),
    handler: async ({ req, query }) => ({ shadowResults: await shadowResults(k, req.caller.businessId, String(req.params.id), query) }),
  });
  admin.route({
    ...common,
    method: 'post',
    path: '/policies/:id/versions/:versionId/promote',
    operationId: 'promotePolicyVersion',
    description:
      "Enforces what the shadow version says: a new enforce version with its rules becomes the enforced one and the shadow slot is emptied, in one step (audited as policy.version.promoted). 409xx00 when the version is not the policy's current shadow version; 404xx01 when the policy or version is not the business's; 403xx01 for the platform policy or a viewer.",
    summary: 'Promote the shadow version: enforce its rules as a new version and stop the shadow',
    guards: write,
    response: z.object({ policy: policyView }),
    handler: async ({ req }) => ({ policy: await promoteShadowVersion(k, req.caller, String(req.params.id), String(req.params.versionId)) }),
  });
  admin.route({
    ...common,
    method: 'get',
    path: '/policies/:id/backtests',
    operationId: 'listPolicyBacktests',
    description: "The policy's backtests, newest first, with their progress and reports. 404xx01 when the policy is not the business's.",
    summary: "A policy's backtests, newest first",
    guards: read,
    query: backtestListQuery,
    response: z.object({ backtests: z.array(backtestView) }),
    handler: async ({ req, query }) => ({ backtests: await policyBacktests(k, req.caller.businessId, String(req.params.id), query) }),
  });
}
