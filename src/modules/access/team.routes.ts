import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import type { RateLimits } from '../../platform/rate-limit';
import { ADMIN_ROLES, ADMIN_STATUSES } from './admin.entity';
import { requireAdmin, sendSession, loginAnswer } from './admin.routes';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './admins.service';
import {
  acceptInvitation,
  changeRole,
  disableAdmin,
  enableAdmin,
  INVITATION_HOURS,
  invitationPath,
  invite,
  listInvitations,
  listMembers,
  previewInvitation,
  reissueInvitation,
  resetMemberTwoFactor,
  revokeInvitation,
  type TeamActor,
} from './team.service';

const SERVICE = '00';
const TAG = 'Team';

const member = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(ADMIN_ROLES),
  status: z.enum(ADMIN_STATUSES),
  twoFactorEnabled: z.boolean(),
  lastLoginAt: z.string().nullable(),
  disabledAt: z.string().nullable(),
  createdAt: z.string(),
});
const invitation = z.object({
  id: z.string(),
  email: z.string(),
  role: z.enum(ADMIN_ROLES),
  status: z.enum(['pending', 'expired']),
  invitedBy: z.string().nullable().meta({ description: "The inviting owner's email (null once that admin is gone)" }),
  createdAt: z.string(),
  expiresAt: z.string(),
});
const memberAnswer = z.object({ admin: member });
const issuedAnswer = z.object({
  invitation,
  acceptPath: z.string().meta({ description: `The link to send, relative to Kartu's origin: /dashboard/invitations/<token>. Shown only in this answer; valid ${INVITATION_HOURS} hours, once` }),
});
const token = z.string().min(1).max(200).meta({ description: 'The token of the invitation link (the last part of /dashboard/invitations/<token>)' });

const actorOf = (req: Request): TeamActor => ({ businessId: req.admin.businessId, adminId: req.admin.adminId, ip: req.ip });

/** An invitation link is a credential: no cache may keep an answer carrying it. */
function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
}

/**
 * The business's team: every role reads the admins and the open invitations; owners invite, change
 * roles, disable and enable accounts and reset 2FA. The invitation page's two routes need no session.
 */
export function teamRoutes(k: Kartu, admin: ApiRouter, limits: RateLimits): void {
  const owners = [requireAdmin(k, ['owner'])];
  const anyRole = [requireAdmin(k)];
  const adminPath = '/team/admins/:adminId';
  const invitationIdPath = '/team/invitations/:invitationId';

  admin.route({
    method: 'get',
    path: '/team/admins',
    operationId: 'listTeamAdmins',
    description: "The business's admins with their role, status (active or disabled), whether 2FA is on and their last login. Every role may read it; only owners change it.",
    summary: "The business's admins, owners first",
    service: SERVICE,
    tag: TAG,
    security: ['adminSession'],
    guards: anyRole,
    response: z.object({ admins: z.array(member) }),
    handler: async ({ req }) => ({ admins: await listMembers(k, req.admin.businessId) }),
  });

  admin.route({
    method: 'patch',
    path: adminPath,
    operationId: 'changeTeamAdminRole',
    description:
      "Changes an admin's role; it applies from their next request. Owners only (403xx01). Demoting the business's last active owner (yourself included) is 409xx00 and changes nothing; another business's admin is 404xx01.",
    summary: "Change an admin's role (owners)",
    service: SERVICE,
    tag: TAG,
    security: ['adminSession'],
    guards: owners,
    body: z.strictObject({ role: z.enum(ADMIN_ROLES) }),
    response: memberAnswer,
    handler: async ({ req, body }) => ({ admin: await changeRole(k, actorOf(req), String(req.params.adminId), body.role) }),
  });

  admin.route({
    method: 'post',
    path: `${adminPath}/disable`,
    operationId: 'disableTeamAdmin',
    description:
      "Disables an admin's account: every session of it ends at once and it cannot log in (403xx01 after the right password) until enabled again. Owners only (403xx01). Disabling the last active owner (yourself included) is 409xx00; another business's admin is 404xx01.",
    summary: 'Disable an account and end its sessions (owners)',
    service: SERVICE,
    tag: TAG,
    security: ['adminSession'],
    guards: owners,
    response: memberAnswer,
    handler: async ({ req }) => ({ admin: await disableAdmin(k, actorOf(req), String(req.params.adminId)) }),
  });

  admin.route({
    method: 'post',
    path: `${adminPath}/enable`,
    operationId: 'enableTeamAdmin',
    description: 'Enables a disabled account again, with its role, password and 2FA as they were. Owners only (403xx01); another business\'s admin is 404xx01.',
    summary: 'Enable a disabled account (owners)',
    service: SERVICE,
    tag: TAG,
    security: ['adminSession'],
    guards: owners,
    response: memberAnswer,
    handler: async ({ req }) => ({ admin: await enableAdmin(k, actorOf(req), String(req.params.adminId)) }),
  });

  admin.route({
    method: 'post',
    path: `${adminPath}/two-factor/reset`,
    operationId: 'resetTeamAdminTwoFactor',
    description:
      "Clears an admin's 2FA (authenticator secret and recovery codes) and ends their sessions, for one who lost their authenticator: they enrol again. Owners only (403xx01), not for yourself (403xx01: turn your own off with a code); an admin without 2FA is 409xx00; another business's admin is 404xx01.",
    summary: "Reset an admin's two-factor authentication (owners)",
    service: SERVICE,
    tag: TAG,
    security: ['adminSession'],
    guards: owners,
    response: memberAnswer,
    handler: async ({ req }) => ({ admin: await resetMemberTwoFactor(k, actorOf(req), String(req.params.adminId)) }),
  });

  admin.route({
    method: 'get',
    path: '/team/invitations',
    operationId: 'listTeamInvitations',
    description: 'The open invitations of the business: pending, or expired (reissue one for a new link). Accepted and revoked ones are not listed. Every role may read it; links are never shown again.',
    summary: 'Open invitations, newest first',
    service: SERVICE,
    tag: TAG,
    security: ['adminSession'],
    guards: anyRole,
    response: z.object({ invitations: z.array(invitation) }),
    handler: async ({ req }) => ({ invitations: await listInvitations(k, req.admin.businessId) }),
  });

  admin.route({
    method: 'post',
    path: '/team/invitations',
    operationId: 'inviteTeamAdmin',
    description: `Invites an email to the business as a role and answers the one-time link (valid ${INVITATION_HOURS} hours) to send them: Kartu sends no email. Owners only (403xx01). An email that already has an admin account, or an open invitation of the business, is 409xx00.`,
    summary: 'Invite an admin (owners): the link is shown only here',
    service: SERVICE,
    tag: TAG,
    security: ['adminSession'],
    guards: owners,
    body: z.strictObject({ email: z.email().max(254), role: z.enum(ADMIN_ROLES) }),
    response: issuedAnswer,
    secretInAnswer: true,
    handler: async ({ req, res, body }) => {
      noStore(res);
      const issued = await invite(k, actorOf(req), body);
      return { invitation: issued.invitation, acceptPath: invitationPath(issued.token) };
    },
  });

  admin.route({
    method: 'post',
    path: `${invitationIdPath}/reissue`,
    operationId: 'reissueTeamInvitation',
    description: `A new link for an open invitation (pending or expired), valid ${INVITATION_HOURS} hours from now; the previous link stops working. Owners only (403xx01); an accepted, revoked or another business's invitation is 404xx01.`,
    summary: 'Reissue an invitation link (owners)',
    service: SERVICE,
    tag: TAG,
    security: ['adminSession'],
    guards: owners,
    response: issuedAnswer,
    secretInAnswer: true,
    handler: async ({ req, res }) => {
      noStore(res);
      const issued = await reissueInvitation(k, actorOf(req), String(req.params.invitationId));
      return { invitation: issued.invitation, acceptPath: invitationPath(issued.token) };
    },
  });

  admin.route({
    method: 'post',
    path: `${invitationIdPath}/revoke`,
    operationId: 'revokeTeamInvitation',
    description: "Revokes an open invitation: its link stops working. Owners only (403xx01); an accepted, revoked or another business's invitation is 404xx01.",
    summary: 'Revoke an invitation (owners)',
    service: SERVICE,
    tag: TAG,
    security: ['adminSession'],
    guards: owners,
    handler: async ({ req }) => {
      await revokeInvitation(k, actorOf(req), String(req.params.invitationId));
      return {};
    },
  });

  // The invitation page (no session). The token travels in the body, never in an API path or query.
  admin.route({
    method: 'post',
    path: '/invitations/preview',
    operationId: 'previewInvitation',
    description:
      'What an invitation link is for, before the password is set: the business, the email and the role. An unknown, used, expired or revoked token is 404xx01, the same answer for each. Rate-limited per client IP (429xx00).',
    summary: 'Read an invitation by its token (no session)',
    service: SERVICE,
    tag: TAG,
    body: z.strictObject({ token }),
    response: z.object({ invitation: z.object({ email: z.string(), role: z.enum(ADMIN_ROLES), businessName: z.string(), expiresAt: z.string() }) }),
    handler: async ({ req, res, body }) => {
      await limits.consume(`invitation-ip:${req.ip}`, 10);
      noStore(res);
      return { invitation: await previewInvitation(k, body.token) };
    },
  });

  admin.route({
    method: 'post',
    path: '/invitations/accept',
    operationId: 'acceptInvitation',
    description: `Creates the invited admin with the password chosen (${PASSWORD_MIN_LENGTH}–${PASSWORD_MAX_LENGTH} characters, else 400xx01 field \`password\`) and signs them in, as POST /login answers: \`twoFactor\` is \`none\`, or \`enrolment_required\` when the business requires 2FA. The token works once: an unknown, used, expired or revoked token is 404xx01, the same answer for each; an email that got an admin account meanwhile is 409xx00. Rate-limited per client IP (429xx00).`,
    summary: 'Accept an invitation: set the password and sign in (no session)',
    service: SERVICE,
    tag: TAG,
    body: z.strictObject({
      token,
      password: z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH).meta({ description: `${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters` }),
    }),
    response: loginAnswer,
    handler: async ({ req, res, body }) => {
      await limits.consume(`invitation-ip:${req.ip}`, 10);
      return sendSession(k, res, await acceptInvitation(k, body.token, body.password, req.ip));
    },
  });
}
