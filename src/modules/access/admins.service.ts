import argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import type { Kartu } from '../../context';
import { inTransaction, isUniqueViolation } from '../../platform/db';
import { randomToken, sha256Hex } from '../../platform/crypto';
import { KartuError, Unauthorized } from '../../platform/errors';
import { Admin, type AdminRole } from './admin.entity';
import { recordAudit } from './audit';
import { Business } from './business.entity';

export const MAX_FAILED_LOGINS = 5;
export const LOCKOUT_MINUTES = 15;

/** argon2id with OWASP's minimum profile (19 MiB, 2 passes). */
const ARGON2 = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export class AccountLocked extends KartuError {
  constructor(until: Date) {
    super(423, '00', `Account locked after repeated failed logins; try again after ${until.toISOString()}`);
  }
}

export interface AdminSession {
  adminId: string;
  businessId: string;
  email: string;
  role: AdminRole;
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
 * Email + password login. Five consecutive failures lock the account for 15 minutes (even the right
 * password is refused while locked); success resets the count and opens a session.
 */
export async function login(k: Kartu, input: { email: string; password: string; ip?: string }): Promise<{ sessionToken: string; session: AdminSession; expiresAt: Date }> {
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
      // Counted in SQL so concurrent failures cannot lose an increment. For UPDATE, TypeORM's query()
      // answers [rows, affectedCount], not the rows themselves.
      const [[row]]: [Array<{ failed_attempts: number }>, number] = await tx.query(
        `UPDATE admins SET failed_attempts = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_attempts + 1 END,
                locked_until = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN NULL ELSE locked_until END
          WHERE id = $1 RETURNING failed_attempts`,
        [admin.id, now],
      );
      const locked = (row?.failed_attempts ?? 0) >= MAX_FAILED_LOGINS;
      if (locked) await tx.query('UPDATE admins SET locked_until = $2 WHERE id = $1', [admin.id, new Date(now.getTime() + LOCKOUT_MINUTES * 60_000)]);
      await recordAudit(tx, { businessId: admin.businessId, actorType: 'admin', actorId: admin.id, action: locked ? 'admin.locked' : 'admin.login_failed', targetType: 'admin', targetId: admin.id, ip: input.ip });
    });
    throw new Unauthorized('Invalid email or password');
  }
  const sessionToken = randomToken(32);
  const expiresAt = new Date(now.getTime() + k.config.sessionTtlSeconds * 1000);
  const idleExpiresAt = new Date(Math.min(expiresAt.getTime(), now.getTime() + k.config.sessionIdleSeconds * 1000));
  await inTransaction(k.db, async (tx) => {
    await tx.update(Admin, { id: admin.id }, { failedAttempts: 0, lockedUntil: null, lastLoginAt: now });
    await tx.query('INSERT INTO admin_sessions (session_hash, admin_id, business_id, expires_at, idle_expires_at) VALUES ($1, $2, $3, $4, $5)', [
      sha256Hex(sessionToken),
      admin.id,
      admin.businessId,
      expiresAt,
      idleExpiresAt,
    ]);
    await recordAudit(tx, { businessId: admin.businessId, actorType: 'admin', actorId: admin.id, action: 'admin.login', targetType: 'admin', targetId: admin.id, ip: input.ip });
  });
  return { sessionToken, expiresAt, session: { adminId: admin.id, businessId: admin.businessId, email: admin.email, role: admin.role } };
}

/** The session behind a cookie, sliding its idle expiry; undefined when unknown or expired. */
export async function resolveSession(k: Kartu, sessionToken: string): Promise<AdminSession | undefined> {
  const now = k.clock.now();
  // UPDATE … RETURNING: TypeORM's query() answers [rows, affectedCount].
  const [rows]: [Array<{ admin_id: string; business_id: string; email: string; role: AdminRole }>, number] = await k.db.query(
    `UPDATE admin_sessions s SET idle_expires_at = LEAST(s.expires_at, $2::timestamptz + make_interval(secs => $3))
       FROM admins a
      WHERE s.session_hash = $1 AND a.id = s.admin_id AND s.expires_at > $2 AND s.idle_expires_at > $2
      RETURNING s.admin_id, s.business_id, a.email, a.role`,
    [sha256Hex(sessionToken), now, k.config.sessionIdleSeconds],
  );
  const row = rows[0];
  return row && { adminId: row.admin_id, businessId: row.business_id, email: row.email, role: row.role };
}

export async function logout(k: Kartu, sessionToken: string, session: AdminSession): Promise<void> {
  await inTransaction(k.db, async (tx) => {
    await tx.query('DELETE FROM admin_sessions WHERE session_hash = $1', [sha256Hex(sessionToken)]);
    await recordAudit(tx, { businessId: session.businessId, actorType: 'admin', actorId: session.adminId, action: 'admin.logout', targetType: 'admin', targetId: session.adminId });
  });
}
