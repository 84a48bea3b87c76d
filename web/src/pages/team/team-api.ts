// The team routes of the admin API (docs/dashboard.md, "Team"), their answers and query keys.
import type { LoginResult, Role } from '../../api-types';
import { api, get, patch, post } from '../../api';

export type AdminStatus = 'active' | 'disabled';

export interface TeamMember {
  id: string;
  email: string;
  role: Role;
  status: AdminStatus;
  twoFactorEnabled: boolean;
  lastLoginAt: string | null;
  disabledAt: string | null;
  createdAt: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: 'pending' | 'expired';
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

/** An invitation with its link, answered once by invite and reissue. */
export interface IssuedInvitation {
  invitation: Invitation;
  acceptPath: string;
}

export interface InvitationPreview {
  email: string;
  role: Role;
  businessName: string;
  expiresAt: string;
}

export const ROLES: readonly Role[] = ['owner', 'finance_admin', 'viewer'];
export const TEAM_KEY = ['team'] as const;
export const INVITATIONS_KEY = ['team', 'invitations'] as const;
export const ADMINS_KEY = ['team', 'admins'] as const;

export const listAdmins = (signal?: AbortSignal) => get<{ admins: TeamMember[] }>('/team/admins', undefined, signal).then((r) => r.admins);
export const listInvitations = (signal?: AbortSignal) => get<{ invitations: Invitation[] }>('/team/invitations', undefined, signal).then((r) => r.invitations);
export const inviteAdmin = (email: string, role: Role) => post<IssuedInvitation>('/team/invitations', { email, role });
export const reissueInvitation = (id: string) => post<IssuedInvitation>(`/team/invitations/${encodeURIComponent(id)}/reissue`);
export const revokeInvitation = (id: string) => post(`/team/invitations/${encodeURIComponent(id)}/revoke`);
export const changeRole = (id: string, role: Role) => patch<{ admin: TeamMember }>(`/team/admins/${encodeURIComponent(id)}`, { role }).then((r) => r.admin);
export const disableAdmin = (id: string) => post<{ admin: TeamMember }>(`/team/admins/${encodeURIComponent(id)}/disable`).then((r) => r.admin);
export const enableAdmin = (id: string) => post<{ admin: TeamMember }>(`/team/admins/${encodeURIComponent(id)}/enable`).then((r) => r.admin);
export const resetTwoFactor = (id: string) => post<{ admin: TeamMember }>(`/team/admins/${encodeURIComponent(id)}/two-factor/reset`).then((r) => r.admin);

// The invitation page has no session: a 401 there is not "sign in again".
export const previewInvitation = (token: string) =>
  api<{ invitation: InvitationPreview }>('/invitations/preview', { method: 'POST', body: { token }, signInOnUnauthorized: false }).then((r) => r.invitation);
export const acceptInvitation = (token: string, password: string) =>
  api<LoginResult>('/invitations/accept', { method: 'POST', body: { token, password }, signInOnUnauthorized: false });

/** The link to send: the answer's path on this dashboard's origin. */
export const invitationLink = (acceptPath: string) => `${window.location.origin}${acceptPath}`;

/** Passwords an admin sets (the server's rule, admins.service.ts). */
export const PASSWORD_MIN_LENGTH = 12;
