import type { Request, RequestHandler, Response } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { FeatureNotAllowed, Unauthorized } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import type { RateLimits } from '../../platform/rate-limit';
import { ADMIN_ROLES, type AdminRole } from './admin.entity';
import { login, logout, resolveSession, type AdminSession } from './admins.service';
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

/**
 * Admin session guard. The cookie is SameSite=Strict and HttpOnly; state-changing calls must also
 * come from Kartu's own origin when the browser says where they come from (defence in depth).
 */
export function requireAdmin(k: Kartu, roles: readonly AdminRole[] = ADMIN_ROLES): RequestHandler {
  return async (req, _res, next) => {
    const token = sessionCookie(req);
    const session = token ? await resolveSession(k, token) : undefined;
    if (!session || !token) throw new Unauthorized('Log in first');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const origin = req.get('origin');
      if (origin && origin !== `${req.protocol}://${req.get('host')}`) throw new FeatureNotAllowed('Cross-origin request refused');
    }
    if (!roles.includes(session.role)) throw new FeatureNotAllowed(`Requires role ${roles.join(' or ')}`);
    req.admin = session;
    req.adminSessionToken = token;
    req.caller = { businessId: session.businessId, actorType: 'admin', actorId: session.adminId, role: session.role, ip: req.ip };
    next();
  };
}

const adminView = z.object({ id: z.string(), businessId: z.string(), email: z.string(), role: z.enum(ADMIN_ROLES) });
const toView = (s: AdminSession) => ({ id: s.adminId, businessId: s.businessId, email: s.email, role: s.role });

export function adminRoutes(k: Kartu, admin: ApiRouter, limits: RateLimits): void {
  admin.route({
    method: 'post',
    path: '/login',
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary: 'Log in with email and password; sets an HttpOnly, SameSite=Strict session cookie',
    body: z.strictObject({ email: z.email().max(254), password: z.string().min(1).max(1024) }),
    response: z.object({ admin: adminView, expiresAt: z.string() }),
    handler: async ({ req, res, body }) => {
      await limits.consume(`login-ip:${req.ip}`, 10);
      const result = await login(k, { email: body.email, password: body.password, ip: req.ip });
      setSessionCookie(k, res, result.sessionToken, k.config.sessionTtlSeconds);
      return { admin: toView(result.session), expiresAt: result.expiresAt.toISOString() };
    },
  });

  admin.route({
    method: 'post',
    path: '/logout',
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary: 'End the current session',
    security: ['adminSession'],
    guards: [requireAdmin(k)],
    handler: async ({ req, res }) => {
      await logout(k, req.adminSessionToken, req.admin);
      setSessionCookie(k, res, '', 0);
      return {};
    },
  });

  admin.route({
    method: 'get',
    path: '/me',
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary: 'The logged-in admin',
    security: ['adminSession'],
    guards: [requireAdmin(k)],
    response: z.object({ admin: adminView }),
    handler: ({ req }) => ({ admin: toView(req.admin) }),
  });

  const auditQuery = z.strictObject({
    pageSize: z.coerce.number().int().min(1).max(100).default(20),
    pageNumber: z.coerce.number().int().min(0).default(0),
  });
  admin.route({
    method: 'get',
    path: '/audit-log',
    service: ADMIN_SERVICE,
    tag: 'Admin',
    summary: "The business's audit log, newest first (owners)",
    security: ['adminSession'],
    guards: [requireAdmin(k, ['owner'])],
    query: auditQuery,
    response: z.object({ auditEntries: z.array(z.record(z.string(), z.unknown())), pageNumber: z.number(), pageSize: z.number(), totalCount: z.number() }),
    handler: async ({ req, query }) => {
      const [rows, [{ count }]] = await Promise.all([
        k.db.query(
          `SELECT id::text, actor_type AS "actorType", actor_id AS "actorId", action, target_type AS "targetType", target_id AS "targetId",
                  details, request_id AS "requestId", created_at AS "createdAt"
             FROM audit_log WHERE business_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3`,
          [req.admin.businessId, query.pageSize, query.pageNumber * query.pageSize],
        ),
        k.db.query('SELECT count(*)::int AS count FROM audit_log WHERE business_id = $1', [req.admin.businessId]),
      ]);
      return { auditEntries: rows, pageNumber: query.pageNumber, pageSize: query.pageSize, totalCount: count };
    },
  });
}
