import { useQuery } from '@tanstack/react-query';
import { get } from './api';
import type { Me, Role } from './api-types';

export const ME_QUERY_KEY = ['me'] as const;

/** The signed-in admin, their business and session (GET /me). */
export function useMe() {
  return useQuery({ queryKey: ME_QUERY_KEY, queryFn: ({ signal }) => get<Me>('/me', undefined, signal), staleTime: 60_000 });
}

/**
 * What a role may do, as the server enforces it (docs/dashboard.md): the UI hides what the role
 * cannot do; the server refuses it anyway.
 * - write: cards, cardholders, controls, policies
 * - sandbox: test purchases, clear / reverse / refund, funding (sandbox businesses only)
 * - reveal: card numbers
 * - manageSecurity: the business's 2FA policy
 * - manageTeam: invite admins, change roles, disable accounts, reset 2FA
 * - readAudit: the audit log
 * - manageDevelopers: the SNAP credentials, RSA key, IP allowlist and webhook endpoints
 */
export type Action = 'write' | 'sandbox' | 'reveal' | 'manageSecurity' | 'manageTeam' | 'readAudit' | 'manageDevelopers';

const ALLOWED: Record<Role, readonly Action[]> = {
  viewer: [],
  finance_admin: ['write', 'sandbox'],
  owner: ['write', 'sandbox', 'reveal', 'manageSecurity', 'manageTeam', 'readAudit', 'manageDevelopers'],
};

export function can(role: Role | undefined, action: Action): boolean {
  return role !== undefined && ALLOWED[role].includes(action);
}

/** The signed-in admin may do `action` (false while /me loads). Sandbox actions also need a sandbox business. */
export function useCan(action: Action): boolean {
  const me = useMe().data;
  if (!me) return false;
  if (action === 'sandbox' && me.business.environment !== 'sandbox') return false;
  return can(me.admin.role, action);
}
