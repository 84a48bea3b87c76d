import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { get } from '../../api';
import type { PolicyRule } from '../../components/rule-editor';

// The policy API (SNAP 95 under /admin/v1, docs/policies.md) and the dashboard's own policy routes.

export type PolicyScopeType = 'platform' | 'business' | 'cardholder' | 'card';
export const POLICY_SCOPES: readonly PolicyScopeType[] = ['business', 'cardholder', 'card', 'platform'];
export type PolicyMode = 'enforce' | 'shadow';
export type PolicyStatus = 'ACTIVE' | 'DISABLED';

export interface PolicyVersion {
  id: string;
  policyId: string;
  number: number;
  mode: PolicyMode;
  rules: PolicyRule[];
  note: string | null;
  author: { type: string; id: string | null };
  createdAt: string;
  /** The policy's enforced version now. */
  active: boolean;
  /** The policy's shadow version now. */
  shadow: boolean;
}

export interface Policy {
  id: string;
  name: string;
  scope: { type: PolicyScopeType; id: string | null };
  status: PolicyStatus;
  activeVersionId: string | null;
  shadowVersionId: string | null;
  activeVersion: PolicyVersion | null;
  shadowVersion: PolicyVersion | null;
  versionCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface PolicyList {
  policies: Policy[];
  pageNumber: number;
  pageSize: number;
  totalCount: number;
}

export interface PolicyActivity {
  policyId: string;
  declines: number;
  reviews: number;
  shadowDeclines: number;
  shadowReviews: number;
}

export interface ShadowExample {
  authorizationId: string;
  createdAt: string;
  cardId: string;
  /** Minor units. */
  amount: string;
  currency: string;
  merchant: { id: string | null; name: string | null; mcc: string | null; country: string | null };
  enforced: { decision: 'approved' | 'partial' | 'declined'; responseCode: string; reason: string };
  shadow: Array<{ type: 'decline' | 'review'; rule: string; reason: string; responseCode: string | null }>;
}

export interface ShadowResults {
  policyId: string;
  versionId: string;
  versionNumber: number;
  current: boolean;
  since: string;
  until: string;
  counts: { declines: number; reviews: number; declinedAnyway: number };
  examples: ShadowExample[];
}

export interface BacktestExample {
  authorizationId: string;
  createdAt: string;
  /** Minor units. */
  amount: string;
  currency: string;
  merchant: { id?: string; name?: string; mcc?: string; country?: string };
  recorded: { decision: string; responseCode: string; reason: string };
  replayed: { decision: string; responseCode: string | null; reason: string | null; rule: string | null };
}

export interface BacktestReport {
  versionNumber: number;
  totals: {
    authorizations: number;
    replayed: number;
    skipped: number;
    skippedWithoutVelocity: number;
    recordedApproved: number;
    recordedDeclined: number;
    wouldDecline: number;
    wouldReview: number;
    approveToDecline: number;
    declineToApprove: number;
    unchanged: number;
    declineReasonChanged: number;
    recordedReviews: number;
  };
  changes: {
    approveToDecline: { count: number; examples: BacktestExample[] };
    declineToApprove: { count: number; examples: BacktestExample[] };
  };
  byRule: Array<{ rule: string; matched: number; declines: number; reviews: number; approves: number; approveToDecline: number }>;
}

export interface Backtest {
  id: string;
  policyId: string;
  versionId: string;
  fromDateTime: string;
  toDateTime: string;
  status: 'queued' | 'running' | 'completed' | 'failed';
  progress: { processed: number; total: number | null };
  report: BacktestReport | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

/** Every policy query starts with "policies": one invalidation refreshes the list and the pages. */
export const policyKeys = {
  all: ['policies'] as const,
  list: (scopeType: PolicyScopeType) => ['policies', 'list', scopeType] as const,
  activity: ['policies', 'activity'] as const,
  policy: (id: string) => ['policies', 'policy', id] as const,
  versions: (id: string) => ['policies', 'versions', id] as const,
  shadow: (id: string) => ['policies', 'shadow', id] as const,
  backtests: (id: string) => ['policies', 'backtests', id] as const,
  backtest: (id: string, backtestId: string) => ['policies', 'backtest', id, backtestId] as const,
};

export const POLICY_PAGE = 100;

export function usePolicies(scopeType: PolicyScopeType) {
  return useQuery({
    queryKey: policyKeys.list(scopeType),
    queryFn: ({ signal }) => get<PolicyList>('/policies', { scopeType, pageSize: POLICY_PAGE }, signal),
    placeholderData: keepPreviousData,
  });
}

export function usePolicyActivity() {
  return useQuery({
    queryKey: policyKeys.activity,
    queryFn: ({ signal }) => get<{ activity: { from: string; to: string; policies: PolicyActivity[] } }>('/policy-activity', undefined, signal),
    select: (data) => new Map(data.activity.policies.map((p) => [p.policyId, p])),
  });
}

const path = (id: string) => `/policies/${encodeURIComponent(id)}`;

export function usePolicy(id: string) {
  return useQuery({ queryKey: policyKeys.policy(id), queryFn: ({ signal }) => get<{ policy: Policy }>(path(id), undefined, signal) });
}

export function useVersions(id: string) {
  return useQuery({
    queryKey: policyKeys.versions(id),
    queryFn: ({ signal }) => get<{ versions: PolicyVersion[]; totalCount: number }>(`${path(id)}/versions`, { pageSize: 100 }, signal),
  });
}

export function useShadowResults(id: string, enabled: boolean) {
  return useQuery({
    queryKey: policyKeys.shadow(id),
    queryFn: ({ signal }) => get<{ shadowResults: ShadowResults | null }>(`${path(id)}/shadow-results`, undefined, signal),
    enabled,
  });
}

export function useBacktests(id: string) {
  return useQuery({ queryKey: policyKeys.backtests(id), queryFn: ({ signal }) => get<{ backtests: Backtest[] }>(`${path(id)}/backtests`, undefined, signal) });
}

export const BACKTEST_POLL_MS = 1000;

/** One backtest, polled every second while it is queued or running. */
export function useBacktest(id: string, backtestId: string | undefined) {
  return useQuery({
    queryKey: policyKeys.backtest(id, backtestId ?? ''),
    queryFn: ({ signal }) => get<{ backtest: Backtest }>(`${path(id)}/backtests/${encodeURIComponent(backtestId!)}`, undefined, signal),
    enabled: Boolean(backtestId),
    refetchInterval: (q) => (q.state.data && ['completed', 'failed'].includes(q.state.data.backtest.status) ? false : BACKTEST_POLL_MS),
  });
}

/** After a policy changed: it, its versions, shadow results and every list show the new state. */
export function usePolicyChanged(): (policy: Policy) => void {
  const queryClient = useQueryClient();
  return (policy) => {
    queryClient.setQueryData(policyKeys.policy(policy.id), { policy });
    void queryClient.invalidateQueries({ queryKey: policyKeys.all, predicate: (q) => q.queryKey[1] !== 'policy' || q.queryKey[2] !== policy.id });
  };
}

export { path as policyPath };
