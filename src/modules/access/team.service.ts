import type { EntityManager } from 'typeorm';
import type { Kartu } from '../../context';
import { inTransaction, isUniqueViolation } from '../../platform/db';
import { randomToken, sha256Hex } from '../../platform/crypto';
import { Conflict, FeatureNotAllowed, NotFound } from '../../platform/errors';
import type { AdminRole, AdminStatus } from './admin.entity';
import { hashPassword, openSession, type AdminSession, type SessionStage } from './admins.service';
import { recordAudit } from './audit';

/** How long an invitation link works. */
export const INVITATION_HOURS = 72;
/** The dashboard page an invitation's token opens (the link the owner sends). */
export const invitationPath = (token: string) => `/dashboard/invitations/${token}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Who acts on the team: an owner's full session (the routes check the role, the service again under lock). */
export interface TeamActor {
  businessId: string;
  adminId: string;
  ip?: string;
}

export interface TeamMember {
  id: string;
  email: string;
  role: AdminRole;
  status: AdminStatus;
  twoFactorEnabled: boolean;
  lastLoginAt: string | null;
  disabledAt: string | null;
  createdAt: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: AdminRole;
  /** `pending` until expiresAt, then `expired` (reissue it for a new link). Accepted and revoked ones are not listed. */
  status: 'pending' | 'expired';
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
}

/** The email already belongs to an admin (of any business: an email signs in to one account), or has an open invitation. 409xx00. */
export class EmailTaken extends Conflict {
  constructor(message = 'An admin with this email already exists') {
    super(message);
  }
}

/**
 * The one answer of the invitation page for a token that is unknown, used, expired or revoked:
 * 404xx01, the same words whichever it is, so a token reveals nothing about what it was.
 */
export class InvitationNotValid extends NotFound {
  constructor() {
    super('This invitation link is not valid: it may have expired, been used or been revoked. Ask an owner of the business for a new one');
  }
}

/** Demoting or disabling the business's last active owner: 409xx00 and nothing changes. */
export class LastOwner extends Conflict {
  constructor() {
    super('A business keeps at least one active owner: make another admin owner first');
  }
}

type AdminRow = { id: string; email: string; role: AdminRole; status: AdminStatus; two_factor_enabled: boolean; last_login_at: Date | null; disabled_at: Date | null; created_at: Date };
const ADMIN_COLUMNS = 'id, email, role, status, totp_secret_enc IS NOT NULL AS two_factor_enabled, last_login_at, disabled_at, created_at';

const memberOf = (r: AdminRow): TeamMember => ({
  id: r.id,
  email: r.email,
  role: r.role,
  status: r.status,
  twoFactorEnabled: r.two_factor_enabled,
  lastLoginAt: r.last_login_at?.toISOString() ?? null,
  disabledAt: r.disabled_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
});

type InvitationRow = { id: string; email: string; role: AdminRole; invited_by: string | null; created_at: Date; expires_at: Date };
const invitationOf = (r: InvitationRow, now: Date): Invitation => ({
  id: r.id,
  email: r.email,
  role: r.role,
  status: r.expires_at > now ? 'pending' : 'expired',
  invitedBy: r.invited_by,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
});

/** The business's admins, owners first, then by email. */
export async function listMembers(k: Kartu, businessId: string): Promise<TeamMember[]> {
  const rows: AdminRow[] = await k.db.query(
    `SELECT ${ADMIN_COLUMNS} FROM admins WHERE business_id = $1
      ORDER BY CASE role WHEN 'owner' THEN 0 WHEN 'finance_admin' THEN 1 ELSE 2 END, email`,
    [businessId],
  );
  return rows.map(memberOf);
}

/** The business's open invitations (pending or expired; not accepted, not revoked), newest first. `invitedBy` is the inviter's email. */
export async function listInvitations(k: Kartu, businessId: string): Promise<Invitation[]> {
  const rows: InvitationRow[] = await k.db.query(
    `SELECT i.id, i.email, i.role, a.email AS invited_by, i.created_at, i.expires_at
       FROM admin_invitations i LEFT JOIN admins a ON a.id = i.invited_by
      WHERE i.business_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
      ORDER BY i.created_at DESC, i.id`,
    [businessId],
  );
  const now = k.clock.now();
  return rows.map((r) => invitationOf(r, now));
}

/**
 * Every admin of the business, locked for the rest of the transaction (in id order, so two team
 * changes cannot deadlock): team changes of one business run one at a time, and each sees the
 * others' outcome. The acting owner must still be an active owner in that snapshot (another owner
 * may have demoted or disabled them since their request began): 403xx01 otherwise.
 */
async function lockTeam(tx: EntityManager, actor: TeamActor): Promise<AdminRow[]> {
  const rows: AdminRow[] = await tx.query(`SELECT ${ADMIN_COLUMNS} FROM admins WHERE business_id = $1 ORDER BY id FOR UPDATE`, [actor.businessId]);
  const me = rows.find((r) => r.id === actor.adminId);
  if (!me || me.role !== 'owner' || me.status !== 'active') throw new FeatureNotAllowed('Requires role owner');
  return rows;
}

function targetIn(rows: AdminRow[], adminId: string): AdminRow {
  const target = UUID.test(adminId) ? rows.find((r) => r.id === adminId) : undefined;
  if (!target) throw new NotFound('Admin not found');
  return target;
}

const isActiveOwner = (r: AdminRow) => r.role === 'owner' && r.status === 'active';

/** Refuses a change that would leave the business without an active owner: `target` is about to stop being one. */
function keepAnOwner(rows: AdminRow[], target: AdminRow): void {
  if (isActiveOwner(target) && rows.filter(isActiveOwner).length <= 1) throw new LastOwner();
}

async function endSessions(tx: EntityManager, adminId: string): Promise<number> {
  const [, count]: [unknown, number] = await tx.query('DELETE FROM admin_sessions WHERE admin_id = $1', [adminId]);
  return count;
}

async function reread(tx: EntityManager, adminId: string): Promise<TeamMember> {
  const [row]: AdminRow[] = await tx.query(`SELECT ${ADMIN_COLUMNS} FROM admins WHERE id = $1`, [adminId]);
  return memberOf(row!);
}

/** Changes an admin's role (takes effect on their next request: sessions read the role from the account). */
export async function changeRole(k: Kartu, actor: TeamActor, adminId: string, role: AdminRole): Promise<TeamMember> {
  return inTransaction(k.db, async (tx) => {
    const rows = await lockTeam(tx, actor);
    const target = targetIn(rows, adminId);
    if (target.role === role) return memberOf(target);
    if (role !== 'owner') keepAnOwner(rows, target);
    await tx.query('UPDATE admins SET role = $2 WHERE id = $1', [target.id, role]);
    await recordAudit(tx, {
      businessId: actor.businessId,
      actorType: 'admin',
      actorId: actor.adminId,
      action: 'admin.role_changed',
      targetType: 'admin',
      targetId: target.id,
      details: { email: target.email, before: target.role, after: role },
      ip: actor.ip,
    });
    return reread(tx, target.id);
  });
}

/** Disables an account: it can no longer log in and every session of it ends now. Disabling a disabled one changes nothing. */
export async function disableAdmin(k: Kartu, actor: TeamActor, adminId: string): Promise<TeamMember> {
  return inTransaction(k.db, async (tx) => {
    const rows = await lockTeam(tx, actor);
    const target = targetIn(rows, adminId);
    if (target.status === 'disabled') return memberOf(target);
    keepAnOwner(rows, target);
    await tx.query("UPDATE admins SET status = 'disabled', disabled_at = $2 WHERE id = $1", [target.id, k.clock.now()]);
    const sessionsEnded = await endSessions(tx, target.id);
    await recordAudit(tx, {
      businessId: actor.businessId,
      actorType: 'admin',
      actorId: actor.adminId,
      action: 'admin.disabled',
      targetType: 'admin',
      targetId: target.id,
      details: { email: target.email, role: target.role, sessionsEnded },
      ip: actor.ip,
    });
    return reread(tx, target.id);
  });
}

/** Enables a disabled account again (same role, same password and 2FA; the admin logs in anew). */
export async function enableAdmin(k: Kartu, actor: TeamActor, adminId: string): Promise<TeamMember> {
  return inTransaction(k.db, async (tx) => {
    const rows = await lockTeam(tx, actor);
    const target = targetIn(rows, adminId);
    if (target.status === 'active') return memberOf(target);
    await tx.query("UPDATE admins SET status = 'active', disabled_at = NULL WHERE id = $1", [target.id]);
    await recordAudit(tx, {
      businessId: actor.businessId,
      actorType: 'admin',
      actorId: actor.adminId,
      action: 'admin.enabled',
      targetType: 'admin',
      targetId: target.id,
      details: { email: target.email, role: target.role },
      ip: actor.ip,
    });
    return reread(tx, target.id);
  });
}

/**
 * Clears another admin's 2FA (secret, a pending enrolment, recovery codes) and ends their sessions:
 * their next login is `none`, or `enrolment_required` where the business requires 2FA, as after the
 * operator's `kartu admins reset-two-factor`. Not for oneself (403xx01: one's own 2FA is turned off
 * with a code, from Settings), and 409xx00 for an admin without 2FA.
 */
export async function resetMemberTwoFactor(k: Kartu, actor: TeamActor, adminId: string): Promise<TeamMember> {
  return inTransaction(k.db, async (tx) => {
    const rows = await lockTeam(tx, actor);
    const target = targetIn(rows, adminId);
    if (target.id === actor.adminId) throw new FeatureNotAllowed('Your own two-factor authentication is turned off with a code, in Settings');
    if (!target.two_factor_enabled) throw new Conflict('This admin has no two-factor authentication to reset');
    await tx.query('UPDATE admins SET totp_secret_enc = NULL, totp_pending_secret_enc = NULL, totp_last_step = NULL, two_factor_enabled_at = NULL WHERE id = $1', [target.id]);
    await tx.query('DELETE FROM admin_recovery_codes WHERE admin_id = $1', [target.id]);
    const sessionsEnded = await endSessions(tx, target.id);
    await recordAudit(tx, {
      businessId: actor.businessId,
      actorType: 'admin',
      actorId: actor.adminId,
      action: 'admin.two_factor_reset',
      targetType: 'admin',
      targetId: target.id,
      details: { email: target.email, sessionsEnded },
      ip: actor.ip,
    });
    return reread(tx, target.id);
  });
}

/** A new token for an invitation row: its hash and the new expiry. */
function newToken(k: Kartu): { token: string; tokenHash: string; expiresAt: Date } {
  const token = randomToken(32);
  return { token, tokenHash: sha256Hex(token), expiresAt: new Date(k.clock.now().getTime() + INVITATION_HOURS * 3600_000) };
}

async function actorIsOwner(tx: EntityManager, actor: TeamActor): Promise<void> {
  const [me]: Array<{ role: AdminRole; status: AdminStatus }> = await tx.query('SELECT role, status FROM admins WHERE id = $1 AND business_id = $2 FOR SHARE', [actor.adminId, actor.businessId]);
  if (me?.role !== 'owner' || me.status !== 'active') throw new FeatureNotAllowed('Requires role owner');
}

/**
 * Invites `email` to the business as `role`: answers the invitation and its token, which is shown
 * only now (only its SHA-256 is stored); the link is valid for INVITATION_HOURS. Refused (409xx00)
 * when an admin has that email or the business already has an open invitation for it.
 */
export async function invite(k: Kartu, actor: TeamActor, input: { email: string; role: AdminRole }): Promise<{ invitation: Invitation; token: string }> {
  const email = input.email.trim().toLowerCase();
  return inTransaction(k.db, async (tx) => {
    await actorIsOwner(tx, actor);
    const [taken] = await tx.query('SELECT 1 FROM admins WHERE email = $1', [email]);
    if (taken) throw new EmailTaken();
    const { token, tokenHash, expiresAt } = newToken(k);
    let row: InvitationRow;
    try {
      [row] = await tx.query(
        `INSERT INTO admin_invitations (business_id, email, role, token_hash, invited_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, email, role, (SELECT email FROM admins WHERE id = $5) AS invited_by, created_at, expires_at`,
        [actor.businessId, email, input.role, tokenHash, actor.adminId, k.clock.now(), expiresAt],
      );
    } catch (err) {
      if (isUniqueViolation(err, 'admin_invitations_open')) throw new EmailTaken('This email already has an open invitation: reissue or revoke it');
      throw err;
    }
    await recordAudit(tx, {
      businessId: actor.businessId,
      actorType: 'admin',
      actorId: actor.adminId,
      action: 'admin.invited',
      targetType: 'invitation',
      targetId: row.id,
      details: { email, role: input.role, expiresAt: expiresAt.toISOString() },
      ip: actor.ip,
    });
    return { invitation: invitationOf(row, k.clock.now()), token };
  });
}

/** An open invitation of the business, locked; 404xx01 for another business's, an accepted or a revoked one. */
async function lockOpenInvitation(tx: EntityManager, businessId: string, invitationId: string): Promise<InvitationRow> {
  const [row]: InvitationRow[] = UUID.test(invitationId)
    ? await tx.query(
        `SELECT i.id, i.email, i.role, a.email AS invited_by, i.created_at, i.expires_at
           FROM admin_invitations i LEFT JOIN admins a ON a.id = i.invited_by
          WHERE i.id = $1 AND i.business_id = $2 AND i.accepted_at IS NULL AND i.revoked_at IS NULL FOR UPDATE OF i`,
        [invitationId, businessId],
      )
    : [];
  if (!row) throw new NotFound('Invitation not found');
  return row;
}

/** A new link for an open invitation (pending or expired), valid INVITATION_HOURS from now; the old link stops working. */
export async function reissueInvitation(k: Kartu, actor: TeamActor, invitationId: string): Promise<{ invitation: Invitation; token: string }> {
  return inTransaction(k.db, async (tx) => {
    await actorIsOwner(tx, actor);
    const row = await lockOpenInvitation(tx, actor.businessId, invitationId);
    const { token, tokenHash, expiresAt } = newToken(k);
    await tx.query('UPDATE admin_invitations SET token_hash = $2, expires_at = $3 WHERE id = $1', [row.id, tokenHash, expiresAt]);
    await recordAudit(tx, {
      businessId: actor.businessId,
      actorType: 'admin',
      actorId: actor.adminId,
      action: 'admin.invitation_reissued',
      targetType: 'invitation',
      targetId: row.id,
      details: { email: row.email, role: row.role, expiresAt: expiresAt.toISOString() },
      ip: actor.ip,
    });
    return { invitation: invitationOf({ ...row, expires_at: expiresAt }, k.clock.now()), token };
  });
}

/** Revokes an open invitation: its link stops working and it leaves the list. */
export async function revokeInvitation(k: Kartu, actor: TeamActor, invitationId: string): Promise<void> {
  await inTransaction(k.db, async (tx) => {
    await actorIsOwner(tx, actor);
    const row = await lockOpenInvitation(tx, actor.businessId, invitationId);
    await tx.query('UPDATE admin_invitations SET revoked_at = $2 WHERE id = $1', [row.id, k.clock.now()]);
    await recordAudit(tx, {
      businessId: actor.businessId,
      actorType: 'admin',
      actorId: actor.adminId,
      action: 'admin.invitation_revoked',
      targetType: 'invitation',
      targetId: row.id,
      details: { email: row.email, role: row.role },
      ip: actor.ip,
    });
  });
}

type TokenRow = { id: string; business_id: string; email: string; role: AdminRole; expires_at: Date; business_name: string };

/**
 * The usable invitation behind a token, or InvitationNotValid. The token is found by its SHA-256,
 * an indexed equality on a hash: how long the lookup takes says nothing about the token's
 * characters, and unknown, used, expired and revoked tokens all take the same one query.
 */
async function usableInvitation(k: Kartu, tx: EntityManager, token: string, lock: boolean): Promise<TokenRow> {
  const [row]: TokenRow[] = await tx.query(
    `SELECT i.id, i.business_id, i.email, i.role, i.expires_at, b.name AS business_name
       FROM admin_invitations i JOIN businesses b ON b.id = i.business_id
      WHERE i.token_hash = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > $2${lock ? ' FOR UPDATE OF i' : ''}`,
    [sha256Hex(token), k.clock.now()],
  );
  if (!row) throw new InvitationNotValid();
  return row;
}

/** What the invitation page shows before the password is set: the business, the email and the role. */
export async function previewInvitation(k: Kartu, token: string): Promise<{ email: string; role: AdminRole; businessName: string; expiresAt: string }> {
  const row = await usableInvitation(k, k.db.manager, token, false);
  return { email: row.email, role: row.role, businessName: row.business_name, expiresAt: row.expires_at.toISOString() };
}

/**
 * Accepts an invitation: the admin is created with the password (argon2id, as every admin's) and
 * signed in. Their session is `none`, or `enrolment_required` when the business requires 2FA (the
 * dashboard goes on to enrolment). The token works once. 409xx00 when an admin with
 * the email was created meanwhile (an email signs in to one account).
 */
export async function acceptInvitation(k: Kartu, token: string, password: string, ip?: string): Promise<{ sessionToken: string; session: AdminSession }> {
  // Checked first without a lock, so an unusable token costs no argon2 hash.
  await usableInvitation(k, k.db.manager, token, false);
  const passwordHash = await hashPassword(password);
  return inTransaction(k.db, async (tx) => {
    const invitation = await usableInvitation(k, tx, token, true);
    const now = k.clock.now();
    let adminId: string;
    try {
      [{ id: adminId }] = await tx.query(
        `INSERT INTO admins (business_id, email, password_hash, role, failed_attempts, last_login_at, created_at) VALUES ($1, $2, $3, $4, 0, $5, $5) RETURNING id`,
        [invitation.business_id, invitation.email, passwordHash, invitation.role, now],
      );
    } catch (err) {
      if (isUniqueViolation(err)) throw new EmailTaken();
      throw err;
    }
    await tx.query('UPDATE admin_invitations SET accepted_at = $2, admin_id = $3 WHERE id = $1', [invitation.id, now, adminId]);
    // FOR SHARE, as login does: a concurrent change of the 2FA policy is seen or waits.
    const [business]: Array<{ require_two_factor: boolean }> = await tx.query('SELECT require_two_factor FROM businesses WHERE id = $1 FOR SHARE', [invitation.business_id]);
    const stage: SessionStage = business!.require_two_factor ? 'enrolment_required' : 'none';
    const opened = await openSession(k, tx, { adminId, businessId: invitation.business_id, email: invitation.email, role: invitation.role, twoFactorEnabled: false }, stage);
    await recordAudit(tx, {
      businessId: invitation.business_id,
      actorType: 'admin',
      actorId: adminId,
      action: 'admin.invitation_accepted',
      targetType: 'admin',
      targetId: adminId,
      details: { invitationId: invitation.id, email: invitation.email, role: invitation.role, twoFactor: stage },
      ip,
    });
    return opened;
  });
}
