import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/modules/access/access.service';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import { sha256Hex } from '../../src/platform/crypto';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

// POST /admin/v1/login is limited to 10 per second per client IP (in Redis, real time). Each login
// here comes from an address of its own (the app trusts X-Forwarded-For from loopback), so no test
// depends on how fast the previous ones ran.
let ipCounter = 0;
const nextIp = () => `203.0.113.${(ipCounter++ % 250) + 1}`;

let emailCounter = 0;
const uniqueEmail = (label: string) => `${label}.${++emailCounter}.${Date.now().toString(36)}@example.com`;

async function newBusiness(name: string): Promise<string> {
  return (await createBusiness(h.kartu, { name })).businessId;
}

async function newAdmin(businessId: string, role: AdminRole = 'owner', label: string = role) {
  return createAdmin(h.kartu, { businessId, email: uniqueEmail(label), role });
}

function login(email: string, password: string) {
  return h.http().post('/admin/v1/login').set('X-Forwarded-For', nextIp()).send({ email, password });
}

/** The kartu_session Set-Cookie header of a response. */
function sessionSetCookie(res: { headers: Record<string, unknown> }): string {
  const all = ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []);
  const cookie = all.find((c) => c.startsWith('kartu_session='));
  if (!cookie) throw new Error(`no kartu_session cookie in ${JSON.stringify(all)}`);
  return cookie;
}

/** Logs in and returns the `kartu_session=…` pair to send back as a Cookie header. */
async function session(email: string, password: string): Promise<string> {
  const res = await login(email, password);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return sessionSetCookie(res).split(';')[0]!;
}

const me = (cookie?: string) => {
  const req = h.http().get('/admin/v1/me');
  return cookie ? req.set('Cookie', cookie) : req;
};

const auditLog = (cookie: string) => h.http().get('/admin/v1/audit-log?pageSize=100').set('Cookie', cookie);

describe('admin login and session cookie', () => {
  let businessId: string;
  let owner: { adminId: string; email: string; password: string };

  beforeAll(async () => {
    businessId = await newBusiness('Login Co');
    owner = await newAdmin(businessId, 'owner');
  });

  it('POST /admin/v1/login sets an HttpOnly, SameSite=Strict, Path=/ session cookie and returns the admin', async () => {
    const res = await login(owner.email, owner.password);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      responseCode: '2000000',
      responseMessage: 'Successful',
      admin: { id: owner.adminId, businessId, email: owner.email, role: 'owner' },
    });
    expect(Date.parse(res.body.expiresAt)).toBe(h.clock.now().getTime() + 8 * 3600_000);

    const cookie = sessionSetCookie(res);
    const attributes = cookie.split(';').map((p) => p.trim());
    const [pair, ...flags] = attributes;
    const value = pair!.slice('kartu_session='.length);
    expect(value).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(flags).toContain('HttpOnly');
    expect(flags).toContain('SameSite=Strict');
    expect(flags).toContain('Path=/');
    expect(flags).toContain(`Max-Age=${8 * 3600}`);
    // Sandbox serves plain HTTP locally; production adds Secure (not asserted here).
    // The token is in the cookie only, never in the body, and is stored only as a hash.
    expect(JSON.stringify(res.body)).not.toContain(value);
    const rows: Array<{ session_hash: string }> = await h.kartu.db.query('SELECT session_hash FROM admin_sessions WHERE admin_id = $1', [owner.adminId]);
    expect(rows.map((r) => r.session_hash)).toContain(sha256Hex(value));
    expect(JSON.stringify(rows)).not.toContain(value);
  });

  it('the email is matched case-insensitively', async () => {
    const res = await login(owner.email.toUpperCase(), owner.password);
    expect(res.status).toBe(200);
    expect(res.body.admin.email).toBe(owner.email);
  });

  it('GET /admin/v1/me answers with the session, and 4010000 without one', async () => {
    const cookie = await session(owner.email, owner.password);
    const ok = await me(cookie);
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({
      responseCode: '2000000',
      responseMessage: 'Successful',
      admin: { id: owner.adminId, businessId, email: owner.email, role: 'owner', twoFactorEnabled: false },
      business: { id: businessId, name: 'Login Co', currency: 'IDR', timeZone: 'Asia/Jakarta', environment: 'sandbox', requireTwoFactor: false },
      session: { twoFactor: 'none', expiresAt: new Date(h.clock.now().getTime() + 8 * 3600_000).toISOString() },
    });

    const none = await me();
    expect(none.status).toBe(401);
    expect(none.body.responseCode).toBe('4010000');

    const forged = await me('kartu_session=' + 'A'.repeat(43));
    expect(forged.status).toBe(401);
    expect(forged.body.responseCode).toBe('4010000');

    const otherCookie = await me(cookie.replace('kartu_session=', 'other_cookie='));
    expect(otherCookie.status).toBe(401);
  });

  it('finds the session cookie among other cookies', async () => {
    const cookie = await session(owner.email, owner.password);
    const res = await me(`theme=dark; ${cookie}; lang=id`);
    expect(res.status).toBe(200);
  });

  it('a wrong password and an unknown email get the same 401 answer', async () => {
    const wrong = await login(owner.email, owner.password + 'x');
    const unknown = await login(uniqueEmail('nobody'), owner.password);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body.responseCode).toBe('4010000');
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.responseMessage).toMatch(/invalid email or password/i);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    expect(unknown.headers['set-cookie']).toBeUndefined();
    // The account is usable again right away (one failure does not lock).
    expect((await login(owner.email, owner.password)).status).toBe(200);
  });

  it('a malformed login body is refused before any password check', async () => {
    const res = await h.http().post('/admin/v1/login').set('X-Forwarded-For', nextIp()).send({ email: owner.email, password: owner.password, remember: true });
    expect(res.status).toBe(400);
    expect(res.body.responseCode).toBe('4000001');
    const missing = await h.http().post('/admin/v1/login').set('X-Forwarded-For', nextIp()).send({ email: owner.email });
    expect(missing.status).toBe(400);
  });

  it('stores the password only as an argon2id hash', async () => {
    const [row]: Array<{ password_hash: string }> = await h.kartu.db.query('SELECT password_hash FROM admins WHERE id = $1', [owner.adminId]);
    expect(row!.password_hash.startsWith('$argon2id$')).toBe(true);
    expect(row!.password_hash).not.toContain(owner.password);
    const everything = JSON.stringify([
      await h.kartu.db.query('SELECT * FROM admins'),
      await h.kartu.db.query('SELECT * FROM audit_log'),
      await h.kartu.db.query('SELECT * FROM admin_sessions'),
    ]);
    expect(everything).not.toContain(owner.password);
    expect(h.logs.join('\n')).not.toContain(owner.password);
  });

  it('logout ends the session and clears the cookie', async () => {
    const cookie = await session(owner.email, owner.password);
    const other = await session(owner.email, owner.password);
    expect((await me(cookie)).status).toBe(200);

    const out = await h.http().post('/admin/v1/logout').set('Cookie', cookie);
    expect(out.status).toBe(200);
    expect(out.body.responseCode).toBe('2000000');
    const cleared = sessionSetCookie(out);
    expect(cleared).toMatch(/^kartu_session=;/);
    expect(cleared).toContain('Max-Age=0');

    const after = await me(cookie);
    expect(after.status).toBe(401);
    expect(after.body.responseCode).toBe('4010000');
    expect((await h.http().post('/admin/v1/logout').set('Cookie', cookie)).status).toBe(401);
    // Only that session ended.
    expect((await me(other)).status).toBe(200);
  });
});

describe('lockout after repeated failures', () => {
  it('5 wrong passwords lock the account for 15 minutes; the right one then works and resets the count', async () => {
    const businessId = await newBusiness('Lockout Co');
    const admin = await newAdmin(businessId, 'finance_admin');
    const state = async () => {
      const [row]: Array<{ failed_attempts: number; locked_until: Date | null }> = await h.kartu.db.query(
        'SELECT failed_attempts, locked_until FROM admins WHERE id = $1',
        [admin.adminId],
      );
      return row!;
    };

    for (let i = 1; i <= 5; i++) {
      const res = await login(admin.email, `wrong-${i}`);
      expect(res.status, `attempt ${i}`).toBe(401);
      expect(res.body.responseCode).toBe('4010000');
    }
    const locked = await state();
    expect(locked.failed_attempts).toBe(5);
    expect(locked.locked_until?.getTime()).toBe(h.clock.now().getTime() + 15 * 60_000);

    const sixth = await login(admin.email, admin.password);
    expect(sixth.status).toBe(423);
    expect(sixth.body.responseCode).toBe('4230000');
    expect(sixth.headers['set-cookie']).toBeUndefined();
    // Still locked a moment before the 15 minutes are up, whatever the password.
    h.clock.advance(15 * 60_000 - 1000);
    expect((await login(admin.email, admin.password)).status).toBe(423);
    expect((await login(admin.email, 'wrong-again')).status).toBe(423);

    h.clock.advance(1000);
    const back = await login(admin.email, admin.password);
    expect(back.status).toBe(200);
    const reset = await state();
    expect(reset.failed_attempts).toBe(0);
    expect(reset.locked_until).toBeNull();

    // The count starts again from zero: four more failures do not lock.
    for (let i = 1; i <= 4; i++) expect((await login(admin.email, `wrong-after-${i}`)).status).toBe(401);
    expect((await state()).failed_attempts).toBe(4);
    expect((await login(admin.email, admin.password)).status).toBe(200);
    expect((await state()).failed_attempts).toBe(0);
  });

  it('failures after a lock has expired count from one again', async () => {
    const businessId = await newBusiness('Relock Co');
    const admin = await newAdmin(businessId, 'viewer');
    for (let i = 0; i < 5; i++) await login(admin.email, 'nope');
    h.clock.advance(16 * 60_000);
    const res = await login(admin.email, 'still-nope');
    expect(res.status).toBe(401);
    const [row]: Array<{ failed_attempts: number; locked_until: Date | null }> = await h.kartu.db.query(
      'SELECT failed_attempts, locked_until FROM admins WHERE id = $1',
      [admin.adminId],
    );
    expect(row).toEqual({ failed_attempts: 1, locked_until: null });
    expect((await login(admin.email, admin.password)).status).toBe(200);
  });
});

describe('session expiry', () => {
  let owner: { email: string; password: string };

  beforeAll(async () => {
    owner = await newAdmin(await newBusiness('Expiry Co'), 'owner');
  });

  it('expires after KARTU_SESSION_IDLE_SECONDS (1800) without use', async () => {
    expect(h.kartu.config.sessionIdleSeconds).toBe(1800);
    const cookie = await session(owner.email, owner.password);
    h.clock.advance(1800 * 1000 - 1000);
    expect((await me(cookie)).status).toBe(200);
    // That call slid the idle window: another 29 minutes 59 seconds later it still works.
    h.clock.advance(1800 * 1000 - 1000);
    expect((await me(cookie)).status).toBe(200);
    h.clock.advance(1800 * 1000 + 1000);
    const res = await me(cookie);
    expect(res.status).toBe(401);
    expect(res.body.responseCode).toBe('4010000');
    // A call after expiry does not slide the window again: it stays expired.
    h.clock.advance(1000);
    expect((await me(cookie)).status).toBe(401);
    // Logging in again opens a new session.
    expect((await me(await session(owner.email, owner.password))).status).toBe(200);
  });

  it('ends 8 hours after login even when used constantly', async () => {
    const cookie = await session(owner.email, owner.password);
    for (let minutes = 25; minutes <= 475; minutes += 25) {
      h.clock.advance(25 * 60_000);
      expect((await me(cookie)).status, `after ${minutes} minutes`).toBe(200);
    }
    h.clock.advance(10 * 60_000);
    expect((await me(cookie)).status).toBe(401);
  });
});

describe('roles, audit log and business scoping', () => {
  let businessA: string;
  let businessB: string;
  let ownerA: { adminId: string; email: string; password: string };
  let viewerA: { adminId: string; email: string; password: string };
  let ownerB: { adminId: string; email: string; password: string };

  beforeAll(async () => {
    businessA = await newBusiness('Alpha');
    businessB = await newBusiness('Beta');
    ownerA = await newAdmin(businessA, 'owner', 'owner-a');
    viewerA = await newAdmin(businessA, 'viewer', 'viewer-a');
    ownerB = await newAdmin(businessB, 'owner', 'owner-b');
  });

  it('a viewer is refused the audit log with 4030001', async () => {
    const cookie = await session(viewerA.email, viewerA.password);
    const res = await auditLog(cookie);
    expect(res.status).toBe(403);
    expect(res.body.responseCode).toBe('4030001');
    expect(res.body).not.toHaveProperty('auditEntries');
  });

  it("an owner sees their business's logins and failed logins, newest first, and nothing of another business", async () => {
    expect((await login(viewerA.email, 'wrong-password')).status).toBe(401);
    expect((await login(ownerB.email, 'wrong-password')).status).toBe(401);
    const cookieB = await session(ownerB.email, ownerB.password);
    const cookieA = await session(ownerA.email, ownerA.password);

    const res = await auditLog(cookieA);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ responseCode: '2000000', pageNumber: 0, pageSize: 100 });
    const entries = res.body.auditEntries as Array<{ id: string; action: string; actorId: string | null; targetId: string | null; createdAt: string }>;
    const actions = entries.map((e) => e.action);
    expect(actions).toContain('admin.login');
    expect(actions).toContain('admin.login_failed');
    expect(actions).toContain('admin.created');
    expect(entries.find((e) => e.action === 'admin.login_failed')).toMatchObject({ actorId: viewerA.adminId, targetId: viewerA.adminId });
    expect(entries[0]).toMatchObject({ action: 'admin.login', actorId: ownerA.adminId });
    const ids = entries.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    // Nothing from business B, and exactly as many entries as business A has.
    const [{ count }]: Array<{ count: number }> = await h.kartu.db.query('SELECT count(*)::int AS count FROM audit_log WHERE business_id = $1', [businessA]);
    expect(res.body.totalCount).toBe(count);
    expect(entries).toHaveLength(count);
    const serialized = JSON.stringify(entries);
    expect(serialized).not.toContain(ownerB.adminId);
    expect(serialized).not.toContain(ownerB.email);
    expect(serialized).not.toContain(businessB);

    // And the other way round.
    const resB = await auditLog(cookieB);
    expect(resB.status).toBe(200);
    const entriesB = resB.body.auditEntries as Array<{ action: string; actorId: string | null }>;
    expect(entriesB.map((e) => e.action)).toEqual(expect.arrayContaining(['admin.login', 'admin.login_failed']));
    const serializedB = JSON.stringify(entriesB);
    expect(serializedB).not.toContain(ownerA.adminId);
    expect(serializedB).not.toContain(viewerA.adminId);
  });

  it('records the lock as admin.locked', async () => {
    const businessId = await newBusiness('Audit Lock Co');
    const owner = await newAdmin(businessId, 'owner');
    const victim = await newAdmin(businessId, 'viewer');
    for (let i = 0; i < 5; i++) await login(victim.email, 'bad');
    const cookie = await session(owner.email, owner.password);
    const actions = ((await auditLog(cookie)).body.auditEntries as Array<{ action: string; targetId: string }>)
      .filter((e) => e.targetId === victim.adminId)
      .map((e) => e.action);
    expect(actions.filter((a) => a === 'admin.login_failed')).toHaveLength(4);
    expect(actions.filter((a) => a === 'admin.locked')).toHaveLength(1);
  });

  it('pages the audit log', async () => {
    const cookie = await session(ownerA.email, ownerA.password);
    const all = (await auditLog(cookie)).body;
    const page = await h.http().get('/admin/v1/audit-log?pageSize=2&pageNumber=1').set('Cookie', cookie);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ pageNumber: 1, pageSize: 2, totalCount: all.totalCount });
    expect(page.body.auditEntries.map((e: { id: string }) => e.id)).toEqual(all.auditEntries.slice(2, 4).map((e: { id: string }) => e.id));
  });

  it('a state-changing call with a foreign Origin is refused with 403, and the session survives', async () => {
    const cookie = await session(ownerA.email, ownerA.password);
    const foreign = await h.http().post('/admin/v1/logout').set('Host', 'kartu.example').set('Origin', 'https://evil.example').set('Cookie', cookie);
    expect(foreign.status).toBe(403);
    expect(foreign.body.responseCode).toBe('4030001');
    expect((await me(cookie)).status).toBe(200);

    // A lookalike of the right origin on another scheme or port is foreign too.
    for (const origin of ['https://kartu.example', 'http://kartu.example:8080', 'http://kartu.example.evil.example', 'null']) {
      const res = await h.http().post('/admin/v1/logout').set('Host', 'kartu.example').set('Origin', origin).set('Cookie', cookie);
      expect(res.status, origin).toBe(403);
    }
    expect((await me(cookie)).status).toBe(200);

    // The same origin (and a call without Origin, e.g. from a CLI) is allowed.
    const same = await h.http().post('/admin/v1/logout').set('Host', 'kartu.example').set('Origin', 'http://kartu.example').set('Cookie', cookie);
    expect(same.status).toBe(200);
    expect((await me(cookie)).status).toBe(401);
  });
});
