import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { sha256Hex } from '../../platform/crypto';
import { Conflict, FeatureNotAllowed, InvalidFieldFormat, KartuError, Unauthorized } from '../../platform/errors';
import { Admin } from './admin.entity';
import { AccountLocked, countFailedLogin, RESTRICTED_SESSION_SECONDS, upgradeSession, type AdminSession } from './admins.service';
import { recordAudit } from './audit';
import { matchTotp, newTotpSecret, otpauthUrl } from './totp';

export const RECOVERY_CODE_COUNT = 10;
/** A TOTP code as the authenticator shows it. */
export const TOTP_CODE = /^\d{6}$/;
/** A recovery code: two groups of six base32 characters (60 random bits), any case. */
export const RECOVERY_CODE = /^[A-Za-z2-7]{6}-[A-Za-z2-7]{6}$/;
const RECOVERY_ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** The AAD binding a TOTP secret's envelope to its admin: an envelope copied to another row does not decrypt. */
export const totpSecretAad = (adminId: string) => `admin-totp-secret:${adminId}`;

/**
 * Recovery codes are stored as SHA-256 of the admin id and the code, not argon2id: each has 60
 * random bits (not a human-chosen password), so a slow hash adds nothing against guessing online
 * (the lockout stops that after five) and offline a database dump still leaves 2^60 candidates per
 * code, salted by the admin id so no work serves two admins — while checking a code is one indexed
 * lookup instead of up to ten argon2 verifications per attempt (a cheap way to burn the CPU).
 */
function recoveryCodeHash(adminId: string, code: string): string {
  return sha256Hex(`${adminId}:${code.toLowerCase()}`);
}

function newRecoveryCode(): string {
  // 32 symbols divide 256: `byte & 31` is uniform.
  const chars = [...randomBytes(12)].map((b) => RECOVERY_ALPHABET[b & 31]).join('');
  return `${chars.slice(0, 6)}-${chars.slice(6)}`;
}

class InvalidCode extends InvalidFieldFormat {
  constructor() {
    super('code', 'not a valid code for this account');
  }
}

/** The admin row, locked for the rest of the transaction: code checks and 2FA changes of one admin run one at a time. */
async function lockAdmin(tx: EntityManager, adminId: string): Promise<Admin> {
  const admin = await tx.findOne(Admin, { where: { id: adminId }, lock: { mode: 'pessimistic_write' } });
  if (!admin) throw new Unauthorized('Log in first');
  return admin;
}

/**
 * Starts (or restarts) enrolment: a new secret, kept encrypted as pending until a code confirms it.
 * Refused (409xx00) while 2FA is on: replacing a factor means disabling it first, with a code.
 */
export async function startEnrolment(k: Kartu, session: AdminSession): Promise<{ secret: string; otpauthUrl: string }> {
  return inTransaction(k.db, async (tx) => {
    const admin = await lockAdmin(tx, session.adminId);
    if (admin.totpSecretEnc) throw new Conflict('Two-factor authentication is already enabled; disable it first to enrol a new authenticator');
    const secret = newTotpSecret();
    await tx.update(Admin, { id: admin.id }, { totpPendingSecretEnc: k.secrets.encrypt(secret, totpSecretAad(admin.id)) });
    return { secret, otpauthUrl: otpauthUrl(secret, admin.email) };
  });
}

/**
 * Confirms enrolment with a code from the pending secret: 2FA is on, ten new recovery codes are
 * returned (the only time they are readable) and the session becomes `verified` under a new token.
 * The admin's other sessions waiting for enrolment now wait for a code instead.
 */
export async function confirmEnrolment(
  k: Kartu,
  sessionToken: string,
  session: AdminSession,
  code: string,
  ip?: string,
): Promise<{ recoveryCodes: string[]; sessionToken: string; session: AdminSession }> {
  return inTransaction(k.db, async (tx) => {
    const admin = await lockAdmin(tx, session.adminId);
    if (admin.totpSecretEnc) throw new Conflict('Two-factor authentication is already enabled');
    if (!admin.totpPendingSecretEnc) throw new Conflict('No enrolment in progress; start one with POST /admin/v1/two-factor/enrolment');
    const now = k.clock.now();
    const step = matchTotp(k.secrets.decrypt(admin.totpPendingSecretEnc, totpSecretAad(admin.id)), code, now, null);
    if (step === undefined) throw new InvalidCode();
    await tx.update(Admin, { id: admin.id }, { totpSecretEnc: admin.totpPendingSecretEnc, totpPendingSecretEnc: null, totpLastStep: step, twoFactorEnabledAt: now });
    const recoveryCodes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await tx.query('DELETE FROM admin_recovery_codes WHERE admin_id = $1', [admin.id]);
    await tx.query('INSERT INTO admin_recovery_codes (admin_id, code_hash, created_at) SELECT $1, unnest($2::text[]), $3', [
      admin.id,
      recoveryCodes.map((c) => recoveryCodeHash(admin.id, c)),
      now,
    ]);
    await tx.query("UPDATE admin_sessions SET two_factor = 'required' WHERE admin_id = $1 AND two_factor = 'enrolment_required' AND session_hash <> $2", [
      admin.id,
      sha256Hex(sessionToken),
    ]);
    const upgraded = await upgradeSession(k, tx, sessionToken, session, 'verified');
    await recordAudit(tx, { businessId: admin.businessId, actorType: 'admin', actorId: admin.id, action: 'admin.two_factor_enrolled', targetType: 'admin', targetId: admin.id, ip });
    return { recoveryCodes, ...upgraded };
  });
}

type CodeMethod = 'totp' | 'recovery_code';

/**
 * Checks a TOTP or recovery code against the admin's active 2FA and uses it up: a TOTP code's
 * step becomes the last used one (codes of it and earlier steps are refused from then on), a
 * recovery code is marked used. The admin row must be locked (lockAdmin).
 */
async function useCode(k: Kartu, tx: EntityManager, admin: Admin, code: string): Promise<CodeMethod | undefined> {
  const now = k.clock.now();
  if (TOTP_CODE.test(code)) {
    const step = matchTotp(k.secrets.decrypt(admin.totpSecretEnc!, totpSecretAad(admin.id)), code, now, admin.totpLastStep);
    if (step === undefined) return undefined;
    await tx.update(Admin, { id: admin.id }, { totpLastStep: step });
    return 'totp';
  }
  if (!RECOVERY_CODE.test(code)) return undefined;
  const [used]: [unknown[], number] = await tx.query(
    'UPDATE admin_recovery_codes SET used_at = $3 WHERE admin_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING 1',
    [admin.id, recoveryCodeHash(admin.id, code), now],
  );
  if (used.length === 0) return undefined;
  const [{ remaining }]: Array<{ remaining: number }> = await tx.query('SELECT count(*)::int AS remaining FROM admin_recovery_codes WHERE admin_id = $1 AND used_at IS NULL', [admin.id]);
  await recordAudit(tx, { businessId: admin.businessId, actorType: 'admin', actorId: admin.id, action: 'admin.recovery_code_used', targetType: 'admin', targetId: admin.id, details: { remaining } });
  return 'recovery_code';
}

/**
 * Runs a code check in a transaction of its own. A wrong code counts as a failed login (the
 * same lockout as wrong passwords) and is audited as admin.two_factor_failed (and admin.locked
 * when it locks); that commits, and then `wrong` is thrown. A locked account is refused (423)
 * before the code is looked at, and so is anything `refuse` objects to (given the business's
 * policy, read FOR SHARE so that a concurrent policy change waits or is seen; locked before the
 * admin, as logins do, so the two cannot deadlock).
 */
async function withCode<T>(
  k: Kartu,
  session: AdminSession,
  code: string,
  o: { ip?: string; wrong: () => KartuError; refuse?: (policy: SecurityPolicy) => KartuError | undefined },
  onValid: (tx: EntityManager, admin: Admin, method: CodeMethod) => Promise<T>,
): Promise<T> {
  const outcome = await inTransaction(k.db, async (tx): Promise<{ value: T } | { error: KartuError }> => {
    const [business]: Array<{ require_two_factor: boolean }> = await tx.query('SELECT require_two_factor FROM businesses WHERE id = $1 FOR SHARE', [session.businessId]);
    const refused = o.refuse?.({ requireTwoFactor: business?.require_two_factor ?? false });
    if (refused) return { error: refused };
    const admin = await lockAdmin(tx, session.adminId);
    if (!admin.totpSecretEnc) return { error: new Conflict('Two-factor authentication is not enabled for this admin') };
    const now = k.clock.now();
    if (admin.lockedUntil && admin.lockedUntil > now) return { error: new AccountLocked(admin.lockedUntil) };
    const method = await useCode(k, tx, admin, code);
    if (method) return { value: await onValid(tx, admin, method) };
    const locked = await countFailedLogin(tx, admin.id, now);
    const audit = { businessId: admin.businessId, actorType: 'admin' as const, actorId: admin.id, targetType: 'admin', targetId: admin.id, ip: o.ip };
    await recordAudit(tx, { ...audit, action: 'admin.two_factor_failed' });
    if (locked) await recordAudit(tx, { ...audit, action: 'admin.locked', details: { after: 'two_factor_failed' } });
    return { error: o.wrong() };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.value;
}

/** The second step of a login: a valid code completes it (failure count reset) and the session becomes `verified` under a new token. */
export async function verifyLoginCode(k: Kartu, sessionToken: string, session: AdminSession, code: string, ip?: string): Promise<{ sessionToken: string; session: AdminSession }> {
  return withCode(k, session, code, { ip, wrong: () => new Unauthorized('Invalid two-factor code') }, async (tx, admin, method) => {
    await tx.update(Admin, { id: admin.id }, { failedAttempts: 0, lockedUntil: null, lastLoginAt: k.clock.now() });
    const upgraded = await upgradeSession(k, tx, sessionToken, session, 'verified');
    await recordAudit(tx, { businessId: admin.businessId, actorType: 'admin', actorId: admin.id, action: 'admin.two_factor_verified', targetType: 'admin', targetId: admin.id, details: { method }, ip });
    return upgraded;
  });
}

/**
 * Turns 2FA off with a valid code (TOTP or recovery; a wrong one counts towards the lockout).
 * Refused (403xx01) while the business requires 2FA. The secret and recovery codes are deleted;
 * the admin's verified sessions stay full (`none`), the ones waiting for a code end.
 */
export async function disableTwoFactor(k: Kartu, session: AdminSession, code: string, ip?: string): Promise<void> {
  const refuse = (policy: SecurityPolicy) =>
    policy.requireTwoFactor ? new FeatureNotAllowed('The business requires two-factor authentication; an owner must turn that off first') : undefined;
  await withCode(k, session, code, { ip, wrong: () => new InvalidCode(), refuse }, async (tx, admin) => {
    await tx.update(Admin, { id: admin.id }, { totpSecretEnc: null, totpPendingSecretEnc: null, totpLastStep: null, twoFactorEnabledAt: null });
    await tx.query('DELETE FROM admin_recovery_codes WHERE admin_id = $1', [admin.id]);
    await tx.query("UPDATE admin_sessions SET two_factor = 'none' WHERE admin_id = $1 AND two_factor = 'verified'", [admin.id]);
    await tx.query("DELETE FROM admin_sessions WHERE admin_id = $1 AND two_factor = 'required'", [admin.id]);
    await recordAudit(tx, { businessId: admin.businessId, actorType: 'admin', actorId: admin.id, action: 'admin.two_factor_disabled', targetType: 'admin', targetId: admin.id, ip });
  });
}

export interface SecurityPolicy {
  requireTwoFactor: boolean;
}

export async function securityPolicy(k: Kartu, businessId: string): Promise<SecurityPolicy> {
  const [row]: Array<{ require_two_factor: boolean }> = await k.db.query('SELECT require_two_factor FROM businesses WHERE id = $1', [businessId]);
  return { requireTwoFactor: row?.require_two_factor ?? false };
}

/**
 * Sets the business's 2FA policy (the route allows owners only). Turning it on needs the owner's
 * own session to be `verified` (409xx00 otherwise), so nobody requires what they have not set up
 * and proved. Turning it on restricts every full session of the business that gave no code: an
 * admin with 2FA must now give one (`required`), one without must enrol (`enrolment_required`);
 * either way the session then has RESTRICTED_SESSION_SECONDS left. Nothing is ended or restricted
 * when it is turned off (restricted sessions stay restricted until they complete or end).
 */
export async function setSecurityPolicy(k: Kartu, sessionToken: string, session: AdminSession, policy: SecurityPolicy, ip?: string): Promise<SecurityPolicy> {
  return inTransaction(k.db, async (tx) => {
    const [business]: Array<{ require_two_factor: boolean }> = await tx.query('SELECT require_two_factor FROM businesses WHERE id = $1 FOR UPDATE', [session.businessId]);
    if (!business) throw new Unauthorized('Log in first');
    if (policy.requireTwoFactor) {
      const [own]: Array<{ two_factor: string }> = await tx.query('SELECT two_factor FROM admin_sessions WHERE session_hash = $1', [sha256Hex(sessionToken)]);
      if (own?.two_factor !== 'verified') {
        throw new Conflict(
          session.twoFactorEnabled
            ? 'Sign in again with your two-factor code before requiring two-factor authentication for the business'
            : 'Enable two-factor authentication for yourself before requiring it for the business',
        );
      }
    }
    if (business.require_two_factor === policy.requireTwoFactor) return policy;
    await tx.query('UPDATE businesses SET require_two_factor = $2 WHERE id = $1', [session.businessId, policy.requireTwoFactor]);
    let restrictedSessions = 0;
    if (policy.requireTwoFactor) {
      const until = new Date(k.clock.now().getTime() + RESTRICTED_SESSION_SECONDS * 1000);
      const [, count]: [unknown[], number] = await tx.query(
        `UPDATE admin_sessions s
            SET two_factor = CASE WHEN a.totp_secret_enc IS NULL THEN 'enrolment_required' ELSE 'required' END,
                expires_at = LEAST(s.expires_at, $2), idle_expires_at = LEAST(s.idle_expires_at, $2)
           FROM admins a
          WHERE a.id = s.admin_id AND s.business_id = $1 AND s.two_factor = 'none'`,
        [session.businessId, until],
      );
      restrictedSessions = count;
    }
    await recordAudit(tx, {
      businessId: session.businessId,
      actorType: 'admin',
      actorId: session.adminId,
      action: 'business.two_factor_policy_changed',
      targetType: 'business',
      targetId: session.businessId,
      details: { requireTwoFactor: policy.requireTwoFactor, restrictedSessions },
      ip,
    });
    return policy;
  });
}

/**
 * After a master-key rotation: re-encrypts every TOTP secret (active or pending) still under an
 * older key (`kartu keys rotate`). Idempotent.
 */
export async function rekeyTwoFactorSecrets(k: Kartu): Promise<number> {
  const active = k.secrets.activeKeyId;
  const stale = (envelope: string | null) => envelope !== null && k.secrets.keyIdOf(envelope) !== active;
  const rekey = (envelope: string | null, aad: string) => (envelope === null ? null : k.secrets.encrypt(k.secrets.decrypt(envelope, aad), aad));
  return inTransaction(k.db, async (tx) => {
    let count = 0;
    const admins = await tx.query('SELECT id FROM admins WHERE totp_secret_enc IS NOT NULL OR totp_pending_secret_enc IS NOT NULL FOR UPDATE');
    for (const { id } of admins as Array<{ id: string }>) {
      const admin = (await tx.findOneBy(Admin, { id }))!;
      if (!stale(admin.totpSecretEnc) && !stale(admin.totpPendingSecretEnc)) continue;
      const aad = totpSecretAad(id);
      await tx.update(Admin, { id }, { totpSecretEnc: rekey(admin.totpSecretEnc, aad), totpPendingSecretEnc: rekey(admin.totpPendingSecretEnc, aad) });
      count++;
    }
    if (count > 0) await recordAudit(tx, { businessId: null, actorType: 'operator', action: 'keys.two_factor_secrets_rekeyed', details: { admins: count, keyId: active } });
    return count;
  });
}

/**
 * The operator's way back for an admin who lost both the authenticator and the recovery codes
 * (`kartu admins reset-two-factor`): removes the secret and the recovery codes, ends every session
 * of the admin and clears its lockout. Their next login is `none`, or `enrolment_required` where
 * the business requires 2FA. Audited as the operator's act.
 */
export async function resetTwoFactor(k: Kartu, email: string): Promise<{ adminId: string; email: string; sessionsEnded: number }> {
  const normalized = email.trim().toLowerCase();
  return inTransaction(k.db, async (tx) => {
    const [admin]: Array<{ id: string; business_id: string }> = await tx.query('SELECT id, business_id FROM admins WHERE email = $1 FOR UPDATE', [normalized]);
    if (!admin) throw new Error(`no admin with email ${normalized}`);
    await tx.update(Admin, { id: admin.id }, { totpSecretEnc: null, totpPendingSecretEnc: null, totpLastStep: null, twoFactorEnabledAt: null, failedAttempts: 0, lockedUntil: null });
    await tx.query('DELETE FROM admin_recovery_codes WHERE admin_id = $1', [admin.id]);
    const [, sessionsEnded]: [unknown, number] = await tx.query('DELETE FROM admin_sessions WHERE admin_id = $1', [admin.id]);
    await recordAudit(tx, { businessId: admin.business_id, actorType: 'operator', action: 'admin.two_factor_reset', targetType: 'admin', targetId: admin.id, details: { sessionsEnded } });
    return { adminId: admin.id, email: normalized, sessionsEnded };
  });
}
