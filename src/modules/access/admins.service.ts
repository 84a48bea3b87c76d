import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Kartu } from '../../context';
import { inTransaction, isUniqueViolation } from '../../platform/db';
import { randomToken, sha256Hex } from '../../platform/crypto';
import { FeatureNotAllowed, KartuError, Unauthorized } from '../../platform/errors';
import { ERROR_FAMILIES, statusAndCase } from '../../platform/error-catalogue';
import { Admin, type AdminRole } from './admin.entity';
import { recordAudit } from './audit';
import { Business } from './business.entity';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MINUTES = 15;

/** argon2id with OWASP's minimum profile (19 MiB, 2 passes). */
const ARGON2 = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export class AccountLocked extends KartuError {
  constructor(until: Date) {
    super(...statusAndCase('AccountLocked'), `${ERROR_FAMILIES.AccountLocked.title} after repeated failed logins; try again after ${until.toISOString()}`);
  }
}

/**
 * A session's two-factor stage (admin_sessions.two_factor). `none` (the admin has no 2FA and the
 * business does not require it) and `verified` (a code was given) are full sessions; `required`
 * (the password was right, the code is still to come) and `enrolment_required` (the business
 * requires 2FA and the admin has none yet) are restricted: only the routes that name them accept them.
 */
export const SESSION_STAGES = ['none', 'required', 'enrolment_required', 'verified'] as const;
export type SessionStage = (typeof SESSION_STAGES)[number];
export const FULL_SESSION_STAGES: readonly SessionStage[] = ['none', 'verified'];
/** A restricted session lasts at most this long: enough to type a code or scan a QR code. */
export const RESTRICTED_SESSION_SECONDS = 300;

export interface AdminSession {
  adminId: string;
  businessId: string;
  email: string;
  role: AdminRole;
  twoFactorEnabled: boolean;
  twoFactor: SessionStage;
  expiresAt: Date;
}

/**
 * What a password an admin chooses must be (an accepted invitation): 12 to 1024 characters, any
 * characters, no composition rules (NIST SP 800-63B; OWASP ASVS 2.1.1's twelve). The upper bound is
 * the login form's, so every password that can be set can be typed at sign-in.
 */
export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

export class AccountDisabled extends FeatureNotAllowed {
  constructor() {
    super('This account is disabled; an owner of the business can enable it again');
  }
}

export async function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, ARGON2);
}

export async function createAdmin(k: Kartu, input: { businessId: string; email: string; role: AdminRole; password?: string }) {
  const email = input.email.trim().toLowerCase();
  const password = input.password ?? randomBytes(15).toString('base64url');
  const passwordHash = await hashPassword(password);
  return inTransaction(k.db, async (tx) => {
    if (!(await tx.existsBy(Business, { id: input.businessId }))) throw new Error(`no business ${input.businessId}`);
    let admin: Admin;
    try {
      admin = await tx.save(Admin, tx.create(Admin, { businessId: input.businessId, email, passwordHash, role: input.role, failedAttempts: 0 }));
    } catch (err) {
      if (isUniqueViolation(err)) throw new Error(`an admin with email ${email} already exists`);
      throw err;
    }
    await recordAudit(tx, { businessId: input.businessId, actorType: 'operator', action: 'admin.created', targetType: 'admin', targetId: admin.id, details: { email, role: input.role } });
    return { adminId: admin.id, email, password };
  });
}

// Verified against when the email is unknown, so response time does not reveal which emails exist.
let decoyHash: Promise<string> | undefined;

/**
 * Counts one failed login (wrong password or wrong two-factor code) in SQL, so concurrent failures
 * cannot lose an increment; a count left over from an expired lock starts again at one. The fifth
 * consecutive failure locks the account for LOCKOUT_MINUTES. Answers whether this failure locked it.
 */
export async function countFailedLogin(tx: EntityManager, adminId: string, now: Date): Promise<boolean> {
  // For UPDATE, TypeORM's query() answers [rows, affectedCount], not the rows themselves.
  const [[row]]: [Array<{ failed_attempts: number }>, number] = await tx.query(
    `UPDATE admins SET failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_attempts + 1 END,
            locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN NULL ELSE locked_until END
      WHERE id = $1 RETURNING failed_attempts`,
    [adminId, now],
  );
  const locked = (row?.failed_attempts ?? 0) >= MAX_FAILED_LOGINS;
  if (locked) await tx.query('UPDATE admins SET locked_until = $2 WHERE id = $1', [adminId, new Date(now.getTime() + LOCKOUT_MINUTES * 60_000)]);
  return locked;
}

/**
 * Email + password login. Five consecutive failures lock the account for 15 minutes (even the right
 * password is refused while locked). An admin with 2FA gets a `required` session and the login
 * completes with the code (POST /login/two-factor): until then the failure count is not reset, so
 * wrong codes keep counting towards the same lockout however often the password is given again.
 * When the business requires 2FA and the admin has none, the session is `enrolment_required`.
 */
export async function login(k: Kartu, input: { email: string; password: string; ip?: string }): Promise<{ sessionToken: string; session: AdminSession }> {
  const email = input.email.trim().toLowerCase();
  const admin = await k.db.getRepository(Admin).findOneBy({ email });
  const now = k.clock.now();
  if (!admin) {
    decoyHash ??= hashPassword(randomToken(16));
    await argon2.verify(await decoyHash, input.password);
    throw new Unauthorized('Invalid email or password');
  }
  if (admin.lockedUntil && admin.lockedUntil > now) throw new AccountLocked(admin.lockedUntil);
  const valid = await argon2.verify(admin.passwordHash, input.password);
  if (!valid) {
    await inTransaction(k.db, async (tx) => {
      const locked = await countFailedLogin(tx, admin.id, now);
      await recordAudit(tx, { businessId: admin.businessId, actorType: 'admin', actorId: admin.id, action: locked ? 'admin.locked' : 'admin.login_failed', targetType: 'admin', targetId: admin.id, ip: input.ip });
    });
    throw new Unauthorized('Invalid email or password');
  }
  // Only after the right password: a disabled account is not revealed to someone guessing.
  if (admin.status === 'disabled') {
    await inTransaction(k.db, (tx) =>
      recordAudit(tx, { businessId: admin.businessId, actorType: 'admin', actorId: admin.id, action: 'admin.login_refused', targetType: 'admin', targetId: admin.id, details: { reason: 'disabled' }, ip: input.ip }),
    );
    throw new AccountDisabled();
  }
  return inTransaction(k.db, async (tx) => {
    // FOR SHARE: a policy change (two-factor.service.ts, FOR UPDATE) either sees this session and
    // restricts it, or commits first and this login reads the new policy.
    const [business]: Array<{ require_two_factor: boolean }> = await tx.query('SELECT require_two_factor FROM businesses WHERE id = $1 FOR SHARE', [admin.businessId]);
    const twoFactorEnabled = admin.totpSecretEnc !== null;
    const stage: SessionStage = twoFactorEnabled ? 'required' : business!.require_two_factor ? 'enrolment_required' : 'none';
    if (stage !== 'required') await tx.update(Admin, { id: admin.id }, { failedAttempts: 0, lockedUntil: null, lastLoginAt: now });
    const opened = await openSession(k, tx, { adminId: admin.id, businessId: admin.businessId, email: admin.email, role: admin.role, twoFactorEnabled }, stage);
    await recordAudit(tx, { businessId: admin.businessId, actorType: 'admin', actorId: admin.id, action: 'admin.login', targetType: 'admin', targetId: admin.id, details: { twoFactor: stage }, ip: input.ip });
    return opened;
  });
}

/**
 * A new session row; the token is returned, only its hash stored. A restricted session lasts
 * RESTRICTED_SESSION_SECONDS; a full one until `expiresAt` when given (an upgraded session keeps
 * the lifetime of the login it continues), else the session TTL.
 */
export async function openSession(
  k: Kartu,
  tx: EntityManager,
  who: Omit<AdminSession, 'twoFactor' | 'expiresAt'>,
  stage: SessionStage,
  expiresAt?: Date,
): Promise<{ sessionToken: string; session: AdminSession }> {
  const now = k.clock.now().getTime();
  const fullUntil = expiresAt?.getTime() ?? now + k.config.sessionTtlSeconds * 1000;
  const until = new Date(FULL_SESSION_STAGES.includes(stage) ? fullUntil : Math.min(fullUntil, now + RESTRICTED_SESSION_SECONDS * 1000));
  const idleUntil = new Date(Math.min(until.getTime(), now + k.config.sessionIdleSeconds * 1000));
  const sessionToken = randomToken(32);
  await tx.query('INSERT INTO admin_sessions (session_hash, admin_id, business_id, expires_at, idle_expires_at, two_factor) VALUES ($1, $2, $3, $4, $5, $6)', [
    sha256Hex(sessionToken),
    who.adminId,
    who.businessId,
    until,
    idleUntil,
    stage,
  ]);
  return { sessionToken, session: { ...who, twoFactor: stage, expiresAt: until } };
}

/**
 * Replaces a session by a new one at a higher stage (a code was given): a new token, the old
 * hash deleted, so a token seen before the upgrade is worth nothing after it. A session upgraded
 * from a restricted stage gets the full lifetime from now; a full one keeps its expiry.
 * Unauthorized when the old session is gone (logged out, expired, or upgraded concurrently).
 */
export async function upgradeSession(
  k: Kartu,
  tx: EntityManager,
  sessionToken: string,
  session: AdminSession,
  stage: SessionStage,
): Promise<{ sessionToken: string; session: AdminSession }> {
  const [rows]: [Array<{ two_factor: SessionStage; expires_at: Date }>, number] = await tx.query(
    'DELETE FROM admin_sessions WHERE session_hash = $1 AND admin_id = $2 AND expires_at > $3 RETURNING two_factor, expires_at',
    [sha256Hex(sessionToken), session.adminId, k.clock.now()],
  );
  const old = rows[0];
  if (!old) throw new Unauthorized('Log in first');
  const keepExpiry = FULL_SESSION_STAGES.includes(old.two_factor) ? old.expires_at : undefined;
  return openSession(k, tx, { ...session, twoFactorEnabled: stage === 'verified' || session.twoFactorEnabled }, stage, keepExpiry);
}

type SessionRow = { admin_id: string; business_id: string; email: string; role: AdminRole; two_factor: SessionStage; expires_at: Date; two_factor_enabled: boolean };
const SESSION_COLUMNS = 's.admin_id, s.business_id, a.email, a.role, s.two_factor, s.expires_at, a.totp_secret_enc IS NOT NULL AS two_factor_enabled';

/**
 * The session behind a cookie, sliding its idle expiry unless `o.touch` is false (a request that
 * is no sign of the admin's use, such as the live stream reconnecting); undefined when unknown,
 * expired, or its admin is disabled (disabling deletes the sessions too; this holds either way).
 */
export async function resolveSession(k: Kartu, sessionToken: string, o: { touch?: boolean } = {}): Promise<AdminSession | undefined> {
  const now = k.clock.now();
  const hash = sha256Hex(sessionToken);
  let rows: SessionRow[];
  if (o.touch === false) {
    rows = await k.db.query(
      `SELECT ${SESSION_COLUMNS} FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
        WHERE s.session_hash = $1 AND s.expires_at > $2 AND s.idle_expires_at > $2 AND a.status = 'active'`,
      [hash, now],
    );
  } else {
    // UPDATE … RETURNING: TypeORM's query() answers [rows, affectedCount].
    [rows] = await k.db.query(
      `UPDATE admin_sessions s SET idle_expires_at = LEAST(s.expires_at, $2::timestamptz + make_interval(secs => $3))
         FROM admins a
        WHERE s.session_hash = $1 AND a.id = s.admin_id AND s.expires_at > $2 AND s.idle_expires_at > $2 AND a.status = 'active'
        RETURNING ${SESSION_COLUMNS}`,
      [hash, now, k.config.sessionIdleSeconds],
    );
  }
  const row = rows[0];
  return (
    row && {
      adminId: row.admin_id,
      businessId: row.business_id,
      email: row.email,
      role: row.role,
      twoFactorEnabled: row.two_factor_enabled,
      twoFactor: row.two_factor,
      expiresAt: row.expires_at,
    }
  );
}
export async function logout(k: Kartu, sessionToken: string, session: AdminSession): Promise<void> {
  await inTransaction(k.db, async (tx) => {
    await tx.query('DELETE FROM admin_sessions WHERE session_hash = $1', [sha256Hex(sessionToken)]);
    await recordAudit(tx, { businessId: session.businessId, actorType: 'admin', actorId: session.adminId, action: 'admin.logout', targetType: 'admin', targetId: session.adminId });
  });
}
