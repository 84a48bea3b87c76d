import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { Conflict, FeatureNotAllowed, InvalidFieldFormat, type KartuError, Unauthorized } from '../../platform/errors';
import { isoDateTime } from '../../platform/validation';
import type { ApiRouter } from '../../platform/http';
import type { RateLimits } from '../../platform/rate-limit';
import { ADMIN_ROLES, type AdminRole } from './admin.entity';
import type { ActorType } from './audit-entry.entity';
import { FULL_SESSION_STAGES, login, logout, resolveSession, SESSION_STAGES, type AdminSession, type SessionStage } from './admins.service';
import { confirmEnrolment, disableTwoFactor, RECOVERY_CODE, securityPolicy, setSecurityPolicy, startEnrolment, TOTP_CODE, verifyLoginCode } from './two-factor.service';
import './caller';

export const SESSION_COOKIE = 'kartu_session';
const ADMIN_SERVICE = '00';

declare module 'express-serve-static-core' {
  interface Request {
    admin: AdminSession;
    adminSessionToken: string;
  }
}

function sessionCookie(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) return rest.join('=');
  }
  return undefined;
}

function setSessionCookie(k: Kartu, res: Response, value: string, maxAgeSeconds: number): void {
  const secure = k.config.env === 'production' ? '; Secure' : '';
  res.append('Set-Cookie', `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`);
}

export interface AdminGuardOptions {
  /**
   * The session stages this route accepts: the full ones (`none`, `verified`) unless it names
   * others. The restricted stages (`required`, `enrolment_required`) pass only where listed.
   */
  stages?: readonly SessionStage[];
  /**
   * `false`: the session is checked without sliding its idle expiry, for requests that are no sign
   * of the admin's use (the live stream's reconnects), so they do not keep an idle session alive.
   */
  touch?: boolean;
}

/** Why a session at `stage` cannot use a route that does not accept it. */
function refusedStage(stage: SessionStage): KartuError {
  if (stage === 'required') return new Unauthorized('A two-factor code is needed: POST /admin/v1/login/two-factor');
  if (stage === 'enrolment_required') return new Unauthorized('The business requires two-factor authentication: enrol first (POST /admin/v1/two-factor/enrolment)');
  return new Conflict('This session is already signed in');
}

/**
 * Admin session guard. The cookie is SameSite=Strict and HttpOnly; state-changing calls must also
 * come from Kartu's own origin when the browser says where they come from (defence in depth).
 * Only full sessions pass unless `o.stages` says otherwise (a session waiting for its two-factor
 * code or enrolment gets 401xx00 saying what it needs).
 */
export function requireAdmin(k: Kartu, roles: readonly AdminRole[] = ADMIN_ROLES, o: AdminGuardOptions = {}): RequestHandler {
  const stages = o.stages ?? FULL_SESSION_STAGES;
  return async (req, _res, next) => {
    const token = sessionCookie(req);
    const session = token ? await resolveSession(k, token, { touch: o.touch }) : undefined;
    if (!session || !token) throw new Unauthorized('Log in first');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.get('origin');
      if (origin && origin !== `${req.protocol}://${req.get('host')}`) throw new FeatureNotAllowed('Cross-origin request refused');
    }
    if (!stages.includes(session.twoFactor)) throw refusedStage(session.twoFactor);
    if (!roles.includes(session.role)) throw new FeatureNotAllowed(`Requires role ${roles.join(' or ')}`);
    req.admin = session;
    req.adminSessionToken = token;
    req.caller = { businessId: session.businessId, actorType: 'admin', actorId: session.adminId, role: session.role, ip: req.ip };
    next();
  };
}

const adminView = z.object({ id: z.string(), businessId: z.string(), email: z.string(), role: z.enum(ADMIN_ROLES), twoFactorEnabled: z.boolean() });
const toView = (s: AdminSession) => ({ id: s.adminId, businessId: s.businessId, email: s.email, role: s.role, twoFactorEnabled: s.twoFactorEnabled });
const sessionView = z.object({ twoFactor: z.enum(SESSION_STAGES), expiresAt: z.string() });
export const loginAnswer = z.object({ admin: adminView, expiresAt: z.string(), twoFactor: z.enum(SESSION_STAGES) });
const securityView = z.object({ security: z.object({ requireTwoFactor: z.boolean() }) });
const totpCode = z.string().regex(TOTP_CODE, 'a 6-digit code from the authenticator app').meta({ description: 'The 6-digit code the authenticator app shows for the new secret', example: '492039' });
const loginCode = z
  .string()
  .regex(new RegExp(`${TOTP_CODE.source}|${RECOVERY_CODE.source}`), 'a 6-digit code from the authenticator app or a recovery code (xxxxxx-xxxxxx)')
  .meta({ description: 'The 6-digit code the authenticator app shows, or an unused recovery code (xxxxxx-xxxxxx, any case)', example: '492039' });

/** The session cookie lives as long as the session: a restricted one for minutes, a full one for the session TTL. */
export function sendSession(k: Kartu, res: Response, opened: { sessionToken: string; session: AdminSession }) {
  setSessionCookie(k, res, opened.sessionToken, Math.max(0, Math.round((opened.session.expiresAt.getTime() - k.clock.now().getTime()) / 1000)));
  return { admin: toView(opened.session), expiresAt: opened.session.expiresAt.toISOString(), twoFactor: opened.session.twoFactor };
}

/** Enrolment secrets and recovery codes are shown once: no cache may keep them. */
function noStore(res: Response): void {
  res.setHeader('Cache-Control', 'no-store');
}

export function adminRoutes(k: Kartu, admin: ApiRouter, limits: RateLimits): void {
  const anyStage = { stages: SESSION_STAGES };
  const enrolling = { stages: [...FULL_SESSION_STAGES, 'enrolment_required'] as const };

  admin.route({
    method: 'post',
    path: '/login',
    operationId: 'login',
    description:
      'Starts an admin session. A wrong email or password is 401xx00; five failures in a row lock the account for 15 minutes (423xx00); too many attempts from one address, 429xx00.',
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary:
      'Log in with email and password; sets an HttpOnly, SameSite=Strict session cookie. `twoFactor` says what the session is: `none` (full), `required` (give the code to POST /login/two-factor) or `enrolment_required` (the business requires 2FA: enrol first)',
    body: z.strictObject({ email: z.email().max(254), password: z.string().min(1).max(1024) }),
    response: loginAnswer,
    handler: async ({ req, res, body }) => {
      await limits.consume(`login-ip:${req.ip}`, 10);
      return sendSession(k, res, await login(k, { email: body.email, password: body.password, ip: req.ip }));
    },
  });

  admin.route({
    method: 'post',
    path: '/login/two-factor',
    operationId: 'verifyLoginTwoFactor',
    description:
      'Completes a login that requires a second factor. A wrong code is 401xx00 and counts towards the lockout (423xx00).',
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary:
      'Second step of a login with 2FA: a TOTP code or a recovery code (each works once). Upgrades the session under a new cookie. Wrong codes count towards the same lockout as wrong passwords (5 → 423 for 15 minutes)',
    security: ['adminSession'],
    guards: [requireAdmin(k, ADMIN_ROLES, { stages: ['required'] })],
    body: z.strictObject({ code: loginCode }),
    response: loginAnswer,
    handler: async ({ req, res, body }) => {
      await limits.consume(`login-two-factor-ip:${req.ip}`, 10);
      return sendSession(k, res, await verifyLoginCode(k, req.adminSessionToken, req.admin, body.code, req.ip));
    },
  });

  admin.route({
    method: 'post',
    path: '/logout',
    operationId: 'logout',
    description:
      'Ends the current session; its cookie stops working at once.',
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary: 'End the current session',
    security: ['adminSession'],
    guards: [requireAdmin(k, ADMIN_ROLES, anyStage)],
    handler: async ({ req, res }) => {
      await logout(k, req.adminSessionToken, req.admin);
      setSessionCookie(k, res, '', 0);
      return {};
    },
  });

  admin.route({
    method: 'get',
    path: '/me',
    operationId: 'getMe',
    description:
      "Who is logged in and what the session still needs (a second factor or enrolment), for the dashboard's first screen.",
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary: 'The logged-in admin, their business and the session (any stage: the dashboard reads what a restricted session still needs here)',
    security: ['adminSession'],
    guards: [requireAdmin(k, ADMIN_ROLES, anyStage)],
    response: z.object({
      admin: adminView,
      business: z.object({
        id: z.string(),
        name: z.string(),
        currency: z.string(),
        timeZone: z.string(),
        environment: z.enum(['sandbox', 'production']),
        requireTwoFactor: z.boolean(),
      }),
      session: sessionView,
    }),
    handler: async ({ req }) => {
      const [business]: Array<{ id: string; name: string; currency: string; time_zone: string; require_two_factor: boolean }> = await k.db.query(
        'SELECT id, name, currency, time_zone, require_two_factor FROM businesses WHERE id = $1',
        [req.admin.businessId],
      );
      if (!business) throw new Unauthorized('Log in first');
      return {
        admin: toView(req.admin),
        business: { id: business.id, name: business.name, currency: business.currency, timeZone: business.time_zone, environment: k.config.env, requireTwoFactor: business.require_two_factor },
        session: { twoFactor: req.admin.twoFactor, expiresAt: req.admin.expiresAt.toISOString() },
      };
    },
  });

  admin.route({
    method: 'post',
    path: '/two-factor/enrolment',
    operationId: 'startTwoFactorEnrolment',
    description:
      "Begins adding an authenticator app to the admin's account; confirm it with a code to turn 2FA on. 409xx00 while 2FA is already on.",
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary:
      'Start enrolling an authenticator: a new TOTP secret (SHA-1, 6 digits, 30 s) and its otpauth:// URL for a QR code, not active until confirmed. Restarting replaces the pending secret; refused (409) while 2FA is on',
    security: ['adminSession'],
    guards: [requireAdmin(k, ADMIN_ROLES, enrolling)],
    response: z.object({ enrolment: z.object({ secret: z.string(), otpauthUrl: z.string() }) }),
    handler: async ({ req, res }) => {
      noStore(res);
      return { enrolment: await startEnrolment(k, req.admin) };
    },
  });

  admin.route({
    method: 'post',
    path: '/two-factor/enrolment/confirm',
    operationId: 'confirmTwoFactorEnrolment',
    description:
      'Turns 2FA on once a code from the new authenticator checks out. A wrong code is 401xx00; no pending enrolment is 409xx00.',
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary: 'Activate the pending secret with a code from it: answers 10 single-use recovery codes (shown only here) and upgrades the session to `verified` under a new cookie',
    security: ['adminSession'],
    guards: [requireAdmin(k, ADMIN_ROLES, enrolling)],
    body: z.strictObject({ code: totpCode }),
    response: z.object({ recoveryCodes: z.array(z.string()), session: sessionView }),
    handler: async ({ req, res, body }) => {
      await limits.consume(`two-factor-ip:${req.ip}`, 10);
      noStore(res);
      const confirmed = await confirmEnrolment(k, req.adminSessionToken, req.admin, body.code, req.ip);
      sendSession(k, res, confirmed);
      return { recoveryCodes: confirmed.recoveryCodes, session: { twoFactor: confirmed.session.twoFactor, expiresAt: confirmed.session.expiresAt.toISOString() } };
    },
  });

  admin.route({
    method: 'post',
    path: '/two-factor/disable',
    operationId: 'disableTwoFactor',
    description:
      "Turns the admin's own 2FA off. A wrong code is 401xx00; 403xx01 while the business requires 2FA.",
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary: 'Turn 2FA off with a TOTP or recovery code (wrong codes count towards the lockout); refused with 403 while the business requires 2FA',
    security: ['adminSession'],
    guards: [requireAdmin(k)],
    body: z.strictObject({ code: loginCode }),
    handler: async ({ req, body }) => {
      await limits.consume(`two-factor-ip:${req.ip}`, 10);
      await disableTwoFactor(k, req.admin, body.code, req.ip);
      return {};
    },
  });

  admin.route({
    method: 'get',
    path: '/business/security',
    operationId: 'getSecurityPolicy',
    description:
      'Whether the business requires 2FA of its admins, and since when.',
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary: "The business's security policy",
    security: ['adminSession'],
    guards: [requireAdmin(k)],
    response: securityView,
    handler: async ({ req }) => ({ security: await securityPolicy(k, req.admin.businessId) }),
  });

  admin.route({
    method: 'patch',
    path: '/business/security',
    operationId: 'updateSecurityPolicy',
    description:
      "Changes the business's security policy, e.g. to require 2FA of every admin. Owners only (403xx01 otherwise); requiring 2FA without having given a code in this session is 409xx00.",
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary:
      "Set the business's security policy (owners). Requiring 2FA needs the owner's own session to have given a code (409 otherwise); it restricts every session of the business that has not: they must give a code or enrol within 5 minutes",
    security: ['adminSession'],
    guards: [requireAdmin(k, ['owner'])],
    body: z.strictObject({ requireTwoFactor: z.boolean() }),
    response: securityView,
    handler: async ({ req, body }) => ({ security: await setSecurityPolicy(k, req.adminSessionToken, req.admin, body, req.ip) }),
  });

  const ACTOR_TYPES = ['operator', 'partner', 'admin', 'network', 'system'] as const satisfies readonly ActorType[];
  const auditQuery = z.strictObject({
    actor: z
      .union([z.uuid(), z.email().max(254)])
      .optional()
      .meta({ description: "Entries made by this admin: an admin id, or an admin's email (of the business)", example: 'owner@example.com' }),
    actorType: z.enum(ACTOR_TYPES).optional().meta({ description: 'Entries made by this kind of actor' }),
    action: z
      .string()
      .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*\.?$/, 'an action such as card.frozen, or a prefix ending in a dot such as card.')
      .max(100)
      .optional()
      .meta({ description: 'An exact action (`card.frozen`), or a prefix ending in a dot (`card.`): every action it starts', example: 'card.' }),
    targetType: z
      .string()
      .regex(/^[a-z_]+$/, 'an object type such as card or cardholder')
      .max(50)
      .optional()
      .meta({ description: 'The kind of object the entry is about (`card`, `cardholder`, `policy`, `admin`, …)', example: 'card' }),
    targetId: z.string().min(1).max(200).optional().meta({ description: "The object's id (with targetType, or alone)" }),
    from: isoDateTime.optional().meta({ description: 'Entries at or after this instant' }),
    to: isoDateTime.optional().meta({ description: 'Entries at or before this instant' }),
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
    pageNumber: z.coerce.number().int().min(0).max(100_000).default(0),
  });
  const auditEntryView = z.object({
    id: z.string(),
    actorType: z.enum(ACTOR_TYPES),
    actorId: z.string().nullable(),
    actorEmail: z.string().nullable().meta({ description: "The admin's email when the actor is an admin of the business" }),
    action: z.string(),
    targetType: z.string().nullable(),
    targetId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    requestId: z.string().nullable(),
    createdAt: z.string(),
  });
  admin.route({
    method: 'get',
    path: '/audit-log',
    operationId: 'listAuditLog',
    description:
      'Who did what in the business (logins, reveals, policy and card changes), newest first, filtered by actor, action, object and time. A `to` before `from` is 400xx01. Owners only (403xx01 otherwise).',
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary: "The business's audit log, newest first, filtered by actor (admin id or email, or actor type), action (exact or a prefix such as `card.`), object (targetType, targetId) and time (from, to, inclusive) (owners)",
    security: ['adminSession'],
    guards: [requireAdmin(k, ['owner'])],
    query: auditQuery,
    response: z.object({ auditEntries: z.array(auditEntryView), pageNumber: z.number(), pageSize: z.number(), totalCount: z.number() }),
    handler: async ({ req, query }) => {
      if (query.from && query.to && Date.parse(query.to) < Date.parse(query.from)) throw new InvalidFieldFormat('to', 'before from');
      const params: unknown[] = [req.admin.businessId];
      const where = ['a.business_id = $1'];
      const add = (sql: (p: string) => string, value: unknown) => {
        params.push(value);
        where.push(sql(`$${params.length}`));
      };
      if (query.actor?.includes('@')) add((p) => `a.actor_type = 'admin' AND a.actor_id IN (SELECT id::text FROM admins WHERE business_id = $1 AND email = lower(${p}))`, query.actor);
      else if (query.actor) add((p) => `a.actor_id = ${p}`, query.actor);
      if (query.actorType) add((p) => `a.actor_type = ${p}`, query.actorType);
      // The action's characters are letters, digits, `_` and `.`: only `_` needs escaping in LIKE.
      if (query.action?.endsWith('.')) add((p) => `a.action LIKE ${p}`, `${query.action.replaceAll('_', '\\_')}%`);
      else if (query.action) add((p) => `a.action = ${p}`, query.action);
      if (query.targetType) add((p) => `a.target_type = ${p}`, query.targetType);
      if (query.targetId) add((p) => `a.target_id = ${p}`, query.targetId);
      if (query.from) add((p) => `a.created_at >= ${p}`, query.from);
      if (query.to) add((p) => `a.created_at <= ${p}`, query.to);
      const filter = where.join(' AND ');
      const [rows, [{ count }]] = await Promise.all([
        k.db.query(
          `SELECT a.id::text, a.actor_type AS "actorType", a.actor_id AS "actorId", ad.email AS "actorEmail", a.action, a.target_type AS "targetType",
                  a.target_id AS "targetId", a.details, a.request_id AS "requestId", a.created_at AS "createdAt"
             FROM audit_log a
             LEFT JOIN admins ad ON a.actor_type = 'admin' AND ad.id::text = a.actor_id AND ad.business_id = a.business_id
            WHERE ${filter} ORDER BY a.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
          [...params, query.pageSize, query.pageNumber * query.pageSize],
        ),
        k.db.query(`SELECT count(*)::int AS count FROM audit_log a WHERE ${filter}`, params),
      ]);
      return {
        auditEntries: rows.map((r: { createdAt: Date }) => ({ ...r, createdAt: r.createdAt.toISOString() })),
        pageNumber: query.pageNumber,
        pageSize: query.pageSize,
        totalCount: count,
      };
    },
  });
}
