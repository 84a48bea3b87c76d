// The audit log's filters (GET /admin/v1/audit-log) as the page's URL query, and where an entry's
// object lives in the dashboard.

export const AUDIT_FILTERS = ['actor', 'actorType', 'action', 'targetType', 'targetId', 'from', 'to'] as const;
export type AuditFilter = (typeof AUDIT_FILTERS)[number];
export type AuditFilters = Partial<Record<AuditFilter, string>>;

export const ACTOR_TYPES = ['admin', 'partner', 'operator', 'network', 'system'] as const;

/** The object types the log records, for the picker (others can still come in the URL). */
export const TARGET_TYPES = ['card', 'cardholder', 'policy', 'authorization', 'admin', 'business', 'api_client', 'webhook_endpoint', 'rewards_program', 'report', 'ledger_transfer', 'network'] as const;

export interface AuditEntry {
  id: string;
  actorType: (typeof ACTOR_TYPES)[number];
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  details: Record<string, unknown>;
  requestId: string | null;
  createdAt: string;
}

export interface AuditPage {
  auditEntries: AuditEntry[];
  pageNumber: number;
  pageSize: number;
  totalCount: number;
}

export function filtersOf(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const name of AUDIT_FILTERS) {
    const value = params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

/**
 * The dashboard page of an entry's object, or undefined when it has none (or the type is not
 * known): a card, a cardholder, a policy, an authorization have pages of their own; admins are on
 * the Team page, API clients and webhook endpoints on Developers.
 */
export function objectPath(targetType: string | null, targetId: string | null): string | undefined {
  if (!targetType) return undefined;
  const id = targetId ? encodeURIComponent(targetId) : undefined;
  switch (targetType) {
    case 'card':
      return id && `/cards/${id}`;
    case 'cardholder':
      return id && `/cardholders/${id}`;
    case 'policy':
      return id && `/policies/${id}`;
    case 'authorization':
      return id && `/transactions/${id}`;
    case 'admin':
      return '/team';
    case 'api_client':
    case 'webhook_endpoint':
      return '/developers';
    case 'rewards_program':
      return '/rewards';
    case 'report':
      return '/reports';
    case 'business':
      return '/settings';
    default:
      return undefined;
  }
}
