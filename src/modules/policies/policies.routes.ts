import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { createBacktest, getBacktest } from './backtest';
import {
  backtestCreate,
  backtestView,
  policyCreate,
  policyListQuery,
  policyTest,
  policyUpdate,
  policyView,
  testResult,
  versionCreate,
  versionListQuery,
  versionView,
} from './policies.schemas';
import { activateVersion, createPolicy, createVersion, getPolicy, getVersion, listPolicies, listVersions, testPolicy, updatePolicy } from './policies.service';

/** Who may do what on one surface (as for cards): the partner signature, or admin roles. */
export interface PolicyGuards {
  read: RequestHandler[];
  write: RequestHandler[];
  security: string[];
  headers?: z.ZodObject;
}

const SERVICE = '95';
const TAG = 'Spend policies';
const page = { pageNumber: z.number(), pageSize: z.number(), totalCount: z.number() };

/**
 * Spend policies (SNAP 95, docs/policies.md), mounted on the partner API and on the admin API
 * with the same handlers, scoped by the caller's business.
 */
export function policyRoutes(k: Kartu, r: ApiRouter, g: PolicyGuards): void {
  const common = { security: g.security, headers: g.headers, service: SERVICE, tag: TAG };

  r.route({
    ...common,
    method: 'post',
    path: '/policies',
    operationId: 'createPolicy',
    description:
      "Creates an authorization policy (rules in json-rules-engine form) and its first version. An invalid rule is 400xx01 naming the field; a card or cardholder that is not the business's is 404xx11.",
    summary: 'Create a policy with its first version (enforce or shadow) for the business, a cardholder or a card',
    guards: g.write,
    body: policyCreate,
    response: z.object({ policy: policyView }),
    handler: async ({ req, body }) => ({ policy: await createPolicy(k, req.caller, body) }),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/policies',
    operationId: 'listPolicies',
    description:
      "The business's policies with the platform baseline every authorization also runs, newest first.",
    summary: "List the business's policies and the platform baseline, newest first",
    guards: g.read,
    query: policyListQuery,
    response: z.object({ policies: z.array(policyView), ...page }),
    handler: ({ req, query }) => listPolicies(k, req.caller.businessId, query),
  });
  // Before /policies/:id, whose method guard would otherwise answer POST /policies/test with 405.
  r.route({
    ...common,
    method: 'post',
    path: '/policies/test',
    operationId: 'testPolicy',
    description:
      'Dry-runs rules against a sample transaction and shows why each rule matched or not; nothing is stored.',
    summary: 'Evaluate rules (or a stored version) against a sample transaction: the decision and a trace of every rule and condition',
    guards: g.read,
    body: policyTest,
    response: testResult,
    handler: ({ req, body }) => testPolicy(k, req.caller, body),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/policies/:id',
    operationId: 'getPolicy',
    description:
      "One policy with its versions in force. 404xx01 when it is not the business's.",
    summary: 'Get a policy with its enforced and shadow versions',
    guards: g.read,
    response: z.object({ policy: policyView }),
    handler: async ({ req }) => ({ policy: await getPolicy(k, req.caller.businessId, String(req.params.id)) }),
  });
  r.route({
    ...common,
    method: 'patch',
    path: '/policies/:id',
    operationId: 'updatePolicy',
    description:
      "Changes a policy's name or state without touching its rules (rules change by adding a version). 404xx01 when it is not the business's.",
    summary: 'Rename, disable or enable a policy, or stop its shadow version (shadowVersionId: null)',
    guards: g.write,
    body: policyUpdate,
    response: z.object({ policy: policyView }),
    handler: async ({ req, body }) => ({ policy: await updatePolicy(k, req.caller, String(req.params.id), body) }),
  });
  r.route({
    ...common,
    method: 'post',
    path: '/policies/:id/versions',
    operationId: 'createPolicyVersion',
    description:
      'Adds rules as a new version, enforced or in shadow; old versions stay for audit and rollback. 404xx01 for an unknown policy.',
    summary: 'Add a version (never edits an old one): enforce replaces the enforced version, shadow the shadow one',
    guards: g.write,
    body: versionCreate,
    response: z.object({ version: versionView }),
    handler: async ({ req, body }) => ({ version: await createVersion(k, req.caller, String(req.params.id), body) }),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/policies/:id/versions',
    operationId: 'listPolicyVersions',
    description:
      'Every version of a policy, for audit and to pick one to roll back to.',
    summary: "A policy's versions, newest first",
    guards: g.read,
    query: versionListQuery,
    response: z.object({ versions: z.array(versionView), ...page }),
    handler: ({ req, query }) => listVersions(k, req.caller.businessId, String(req.params.id), query),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/policies/:id/versions/:versionId',
    operationId: 'getPolicyVersion',
    description:
      'One stored version of a policy with its rules. 404xx01 when the policy or the version is unknown.',
    summary: 'Get one version',
    guards: g.read,
    response: z.object({ version: versionView }),
    handler: async ({ req }) => ({ version: await getVersion(k, req.caller.businessId, String(req.params.id), String(req.params.versionId)) }),
  });
  r.route({
    ...common,
    method: 'post',
    path: '/policies/:id/versions/:versionId/activate',
    operationId: 'activatePolicyVersion',
    description:
      'Puts a stored version back in force, e.g. to roll back a bad change. 404xx01 when the policy or the version is unknown.',
    summary: 'Make a stored version current again (activating an older enforce version is the rollback)',
    guards: g.write,
    response: z.object({ policy: policyView }),
    handler: async ({ req }) => ({ policy: await activateVersion(k, req.caller, String(req.params.id), String(req.params.versionId)) }),
  });
  r.route({
    ...common,
    method: 'post',
    path: '/policies/:id/backtest',
    operationId: 'backtestPolicy',
    description:
      'Starts a backtest: how a version would have decided past authorizations. Poll the backtest for its report. 400xx01 for a range over 92 days.',
    summary: 'Replay the recorded authorizations of a date range (at most 92 days) against a version, as a background job',
    guards: g.write,
    body: backtestCreate,
    response: z.object({ backtest: backtestView }),
    handler: async ({ req, body }) => ({ backtest: await createBacktest(k, req.caller, String(req.params.id), body) }),
  });
  r.route({
    ...common,
    method: 'get',
    path: '/policies/:id/backtests/:backtestId',
    operationId: 'getPolicyBacktest',
    description:
      'Progress and, once done, the report of a backtest: decisions that would change, with examples. 404xx01 when unknown.',
    summary: 'A backtest: its progress while it runs, its report when completed',
    guards: g.read,
    response: z.object({ backtest: backtestView }),
    handler: async ({ req }) => ({ backtest: await getBacktest(k, req.caller.businessId, String(req.params.id), String(req.params.backtestId)) }),
  });
}
