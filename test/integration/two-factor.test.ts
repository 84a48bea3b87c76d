import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/modules/access/access.service';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import { rekeyTwoFactorSecrets, resetTwoFactor, totpSecretAad } from '../../src/modules/access/two-factor.service';
import { totpCode } from '../../src/modules/access/totp';
import { SecretBox } from '../../src/platform/crypto';
import { enrolTwoFactor, sessionCookieOf } from '../support/admin-session';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

// Logins and code checks are limited per client IP (in Redis, real time): each call comes from an
// address of its own (the app trusts X-Forwarded-For from loopback).
let ipCounter = 0;
const nextIp = () => `192.0.2.${(ipCounter++ % 250) + 1}`;
let emailCounter = 0;

interface TestAdmin {
  adminId: string;
  email: string;
  password: string;
}

async function newBusiness(name: string): Promise<string> {
  return (await createBusiness(h.kartu, { name })).businessId;
}

async function newAdmin(businessId: string, role: AdminRole = 'owner'): Promise<TestAdmin> {
  return createAdmin(h.kartu, { businessId, email: `${role}.${++emailCounter}.${randomBytes(3).toString('hex')}@example.com`, role });
}

const login = (a: TestAdmin, password = a.password) => h.http().post('/admin/v1/login').set('X-Forwarded-For', nextIp()).send({ email: a.email, password });

async function loggedIn(a: TestAdmin): Promise<{ cookie: string; twoFactor: string }> {
  const res = await login(a);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { cookie: sessionCookieOf(res), twoFactor: res.body.twoFactor };
}

const as = (cookie: string) => ({
  get: (path: string) => h.http().get(`/admin/v1${path}`).set('Cookie', cookie).set('X-Forwarded-For', nextIp()),
  post: (path: string, body?: object) => {
    const req = h.http().post(`/admin/v1${path}`).set('Cookie', cookie).set('X-Forwarded-For', nextIp());
    return body ? req.send(body) : req;
  },
  patch: (path: string, body: object) => h.http().patch(`/admin/v1${path}`).set('Cookie', cookie).set('X-Forwarded-For', nextIp()).send(body),
});

/** The code of the next time step: h.clock moves on 30 s first, so no test replays a step another used. */
function nextCode(secret: string): string {
  h.clock.advance(30_000);
  return totpCode(secret, h.clock.now());
}

/** A 6-digit code that is none of the accepted ones (current step ± 1). */
function wrongCode(secret: string): string {
  const now = h.clock.now().getTime();
  const valid = new Set([-30_000, 0, 30_000].map((d) => totpCode(secret, new Date(now + d))));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

async function adminRow(adminId: string) {
  const [row]: Array<{ failed_attempts: number; locked_until: Date | null; totp_secret_enc: string | null; totp_pending_secret_enc: string | null; totp_last_step: string | null }> =
    await h.kartu.db.query('SELECT failed_attempts, locked_until, totp_secret_enc, totp_pending_secret_enc, totp_last_step FROM admins WHERE id = $1', [adminId]);
  return row!;
}

async function auditActions(adminId: string): Promise<string[]> {
  const rows: Array<{ action: string }> = await h.kartu.db.query('SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id', [adminId]);
  return rows.map((r) => r.action);
}

function expectCode(res: { status: number; body: { responseCode: string; responseMessage: string } }, responseCode: string, message?: RegExp) {
  expect(res.status, JSON.stringify(res.body)).toBe(Number(responseCode.slice(0, 3)));
  expect(res.body.responseCode).toBe(responseCode);
  if (message) expect(res.body.responseMessage).toMatch(message);
}

describe('enrolment', () => {
  let businessId: string;
  let admin: TestAdmin;
  let cookie: string;

  beforeAll(async () => {
    businessId = await newBusiness('Enrol Co');
    admin = await newAdmin(businessId, 'finance_admin');
    cookie = (await loggedIn(admin)).cookie;
  });

  it('POST /two-factor/enrolment answers a new secret and its otpauth URL, kept encrypted and not yet active', async () => {
    const res = await as(cookie).post('/two-factor/enrolment');
    expectCode(res, '2000000');
    expect(res.headers['cache-control']).toBe('no-store');
    const { secret, otpauthUrl } = res.body.enrolment;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUrl).toBe(`otpauth://totp/Kartu:${encodeURIComponent(admin.email)}?secret=${secret}&issuer=Kartu&algorithm=SHA1&digits=6&period=30`);
    const row = await adminRow(admin.adminId);
    expect(row.totp_secret_enc).toBeNull();
    expect(row.totp_pending_secret_enc).toMatch(/^v1\./);
    expect(row.totp_pending_secret_enc).not.toContain(secret);
    expect((await as(cookie).get('/me')).body.admin.twoFactorEnabled).toBe(false);

    // A second enrolment replaces the pending secret: the first one's codes no longer confirm.
    const again = await as(cookie).post('/two-factor/enrolment');
    expect(again.body.enrolment.secret).not.toBe(secret);
    expectCode(await as(cookie).post('/two-factor/enrolment/confirm', { code: totpCode(secret, h.clock.now()) }), '4000001', /code/);
  });

  it('confirming refuses malformed bodies and wrong codes, and changes nothing', async () => {
    const { secret } = (await as(cookie).post('/two-factor/enrolment')).body.enrolment;
    const code = totpCode(secret, h.clock.now());
    expectCode(await as(cookie).post('/two-factor/enrolment/confirm', { code, remember: true }), '4000001', /remember/);
    expectCode(await as(cookie).post('/two-factor/enrolment/confirm', { code: code.slice(1) }), '4000001', /code/);
    expectCode(await as(cookie).post('/two-factor/enrolment/confirm', { code: 123456 }), '4000001', /code/);
    expectCode(await as(cookie).post('/two-factor/enrolment/confirm', {}), '4000002', /code/);
    expectCode(await as(cookie).post('/two-factor/enrolment/confirm', { code: wrongCode(secret) }), '4000001', /not a valid code/);
    expect((await adminRow(admin.adminId)).totp_secret_enc).toBeNull();
    expect((await as(cookie).get('/me')).status).toBe(200);
  });

  it('confirming with a code turns 2FA on, answers 10 recovery codes once and rotates the session', async () => {
    const { secret } = (await as(cookie).post('/two-factor/enrolment')).body.enrolment;
    const res = await as(cookie).post('/two-factor/enrolment/confirm', { code: totpCode(secret, h.clock.now()) });
    expectCode(res, '2000000');
    expect(res.headers['cache-control']).toBe('no-store');
    const codes: string[] = res.body.recoveryCodes;
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{6}-[a-z2-7]{6}$/);
    expect(new Set(codes).size).toBe(10);
    expect(res.body.session.twoFactor).toBe('verified');

    const upgraded = sessionCookieOf(res);
    expect(upgraded).not.toBe(cookie);
    expectCode(await as(cookie).get('/me'), '4010000');
    const me = await as(upgraded).get('/me');
    expect(me.body.admin.twoFactorEnabled).toBe(true);
    expect(me.body.session.twoFactor).toBe('verified');
    expect((await as(upgraded).get('/cards')).status).toBe(200);
    expect(await auditActions(admin.adminId)).toContain('admin.two_factor_enrolled');

    // Enrolling again needs disabling first.
    expectCode(await as(upgraded).post('/two-factor/enrolment'), '4090000', /already enabled/);
    expectCode(await as(upgraded).post('/two-factor/enrolment/confirm', { code: nextCode(secret) }), '4090000', /already enabled/);
    cookie = upgraded;

    // Neither the secret nor a recovery code is stored or logged in clear.
    const row = await adminRow(admin.adminId);
    expect(row.totp_secret_enc).toMatch(/^v1\./);
    expect(row.totp_pending_secret_enc).toBeNull();
    expect(h.kartu.secrets.decrypt(row.totp_secret_enc!, totpSecretAad(admin.adminId))).toBe(secret);
    const stored: Array<{ code_hash: string }> = await h.kartu.db.query('SELECT code_hash FROM admin_recovery_codes WHERE admin_id = $1', [admin.adminId]);
    expect(stored).toHaveLength(10);
    const everything = JSON.stringify([
      await h.kartu.db.query('SELECT * FROM admins'),
      await h.kartu.db.query('SELECT * FROM admin_recovery_codes'),
      await h.kartu.db.query('SELECT * FROM audit_log'),
      await h.kartu.db.query('SELECT * FROM admin_sessions'),
    ]);
    const logs = h.logs.join('\n');
    for (const text of [secret, secret.toLowerCase(), ...codes, ...codes.map((c) => c.replace('-', ''))]) {
      expect(everything).not.toContain(text);
      expect(logs).not.toContain(text);
    }
  });
});

describe('two-step login', () => {
  let businessId: string;
  let admin: TestAdmin;
  let secret: string;
  let recoveryCodes: string[];

  beforeAll(async () => {
    businessId = await newBusiness('Two Step Co');
    admin = await newAdmin(businessId, 'finance_admin');
    ({ secret, recoveryCodes } = await enrolTwoFactor(h, (await loggedIn(admin)).cookie));
  });

  it('after logout, login answers twoFactor: required with a 5-minute pending session', async () => {
    const res = await login(admin);
    expectCode(res, '2000000');
    expect(res.body).toMatchObject({ admin: { id: admin.adminId, twoFactorEnabled: true }, twoFactor: 'required' });
    expect(Date.parse(res.body.expiresAt)).toBe(h.clock.now().getTime() + 5 * 60_000);
    const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c: string) => c.startsWith('kartu_session='))!;
    expect(setCookie).toContain('Max-Age=300');
    const pending = sessionCookieOf(res);
    const me = await as(pending).get('/me');
    expectCode(me, '2000000');
    expect(me.body.session).toEqual({ twoFactor: 'required', expiresAt: res.body.expiresAt });
    const [stored]: Array<{ two_factor: string }> = await h.kartu.db.query("SELECT two_factor FROM admin_sessions WHERE admin_id = $1 AND two_factor = 'required'", [admin.adminId]);
    expect(stored).toBeDefined();

    // 5 minutes later it is gone.
    h.clock.advance(5 * 60_000);
    expectCode(await as(pending).get('/me'), '4010000');
    expectCode(await as(pending).post('/login/two-factor', { code: totpCode(secret, h.clock.now()) }), '4010000', /log in first/i);
  });

  it('a pending session is refused everywhere but /login/two-factor, /me and /logout', async () => {
    const { cookie: pending } = await loggedIn(admin);
    // 401 with each route's service code: cards 91, cardholders 94, policies 95, admin 00.
    for (const [method, path, code] of [
      ['get', '/cards', '4019100'],
      ['get', '/cardholders/00000000-0000-4000-8000-000000000000', '4019400'],
      ['get', '/policies', '4019500'],
      ['get', '/audit-log', '4010000'],
      ['get', '/business/security', '4010000'],
      ['post', '/two-factor/enrolment', '4010000'],
      ['post', '/two-factor/disable', '4010000'],
    ] as const) {
      const res = method === 'get' ? await as(pending).get(path) : await as(pending).post(path, { code: '123456' });
      expectCode(res, code, /two-factor code is needed/);
    }
    // The refusal comes before the body is looked at, and counts no failed attempt.
    expect((await adminRow(admin.adminId)).failed_attempts).toBe(0);
    const out = await as(pending).post('/logout');
    expectCode(out, '2000000');
    expectCode(await as(pending).get('/me'), '4010000');
  });

  it('the right code upgrades the session under a new cookie; a replayed code is refused', async () => {
    const { cookie: pending } = await loggedIn(admin);
    const code = nextCode(secret);
    const res = await as(pending).post('/login/two-factor', { code });
    expectCode(res, '2000000');
    expect(res.body).toMatchObject({ admin: { id: admin.adminId }, twoFactor: 'verified' });
    expect(Date.parse(res.body.expiresAt)).toBe(h.clock.now().getTime() + 8 * 3600_000);
    const full = sessionCookieOf(res);
    expect(full).not.toBe(pending);
    expectCode(await as(pending).get('/me'), '4010000');
    expect((await as(full).get('/cards')).status).toBe(200);
    expect((await as(full).get('/me')).body.session.twoFactor).toBe('verified');
    // A verified session has nothing more to give.
    expectCode(await as(full).post('/login/two-factor', { code: totpCode(secret, h.clock.now()) }), '4090000', /already signed in/);

    // The same code again, in the same 30 s step, with a new pending session: refused.
    const { cookie: second } = await loggedIn(admin);
    expectCode(await as(second).post('/login/two-factor', { code }), '4010000', /invalid two-factor code/i);
    // So is the previous step's code (the drift window does not reopen used steps).
    expectCode(await as(second).post('/login/two-factor', { code: totpCode(secret, new Date(h.clock.now().getTime() - 30_000)) }), '4010000');
    // The next step's code works.
    expectCode(await as(second).post('/login/two-factor', { code: nextCode(secret) }), '2000000');
    const actions = await auditActions(admin.adminId);
    expect(actions).toContain('admin.two_factor_verified');
    expect(actions.filter((a) => a === 'admin.two_factor_failed')).toHaveLength(2);
    expect((await adminRow(admin.adminId)).failed_attempts).toBe(0);
  });

  it('accepts a code one step early or late (clock drift), not two', async () => {
    h.clock.advance(120_000);
    const at = h.clock.now().getTime();
    const { cookie: a } = await loggedIn(admin);
    expectCode(await as(a).post('/login/two-factor', { code: totpCode(secret, new Date(at - 60_000)) }), '4010000');
    expectCode(await as(a).post('/login/two-factor', { code: totpCode(secret, new Date(at + 60_000)) }), '4010000');
    expectCode(await as(a).post('/login/two-factor', { code: totpCode(secret, new Date(at - 30_000)) }), '2000000');
    const { cookie: b } = await loggedIn(admin);
    expectCode(await as(b).post('/login/two-factor', { code: totpCode(secret, new Date(at + 30_000)) }), '2000000');
    // Two failures above, then a success: the count is back to zero.
    expect((await adminRow(admin.adminId)).failed_attempts).toBe(0);
  });

  it('refuses malformed codes with 400 before counting anything', async () => {
    const { cookie: pending } = await loggedIn(admin);
    for (const body of [{ code: '12345' }, { code: '1234567' }, { code: 'abcdef' }, { code: 'abcde-abcde' }, { code: 123456 }, { code: '123456', trust: true }]) {
      expectCode(await as(pending).post('/login/two-factor', body), '4000001');
    }
    expectCode(await as(pending).post('/login/two-factor', {}), '4000002');
    expect((await adminRow(admin.adminId)).failed_attempts).toBe(0);
  });

  it('a recovery code works once, in any case', async () => {
    const { cookie: pending } = await loggedIn(admin);
    const res = await as(pending).post('/login/two-factor', { code: recoveryCodes[0]!.toUpperCase() });
    expectCode(res, '2000000');
    expect(res.body.twoFactor).toBe('verified');
    const [entry]: Array<{ details: { remaining: number } }> = await h.kartu.db.query(
      "SELECT details FROM audit_log WHERE target_id = $1 AND action = 'admin.recovery_code_used' ORDER BY id DESC LIMIT 1",
      [admin.adminId],
    );
    expect(entry!.details).toEqual({ remaining: 9 });
    expect(await auditActions(admin.adminId)).toContain('admin.recovery_code_used');

    const { cookie: again } = await loggedIn(admin);
    expectCode(await as(again).post('/login/two-factor', { code: recoveryCodes[0] }), '4010000', /invalid two-factor code/i);
    expectCode(await as(again).post('/login/two-factor', { code: 'aaaaaa-aaaaaa' }), '4010000');
    expectCode(await as(again).post('/login/two-factor', { code: recoveryCodes[1] }), '2000000');
    const [{ unused }]: Array<{ unused: number }> = await h.kartu.db.query('SELECT count(*)::int AS unused FROM admin_recovery_codes WHERE admin_id = $1 AND used_at IS NULL', [
      admin.adminId,
    ]);
    expect(unused).toBe(8);
  });
});

describe('lockout', () => {
  it('5 wrong codes lock the account for 15 minutes: the right code, and the password, are then refused with 423', async () => {
    const admin = await newAdmin(await newBusiness('Code Lock Co'), 'viewer');
    const { secret } = await enrolTwoFactor(h, (await loggedIn(admin)).cookie);
    h.clock.advance(30_000);
    const { cookie: pending, twoFactor } = await loggedIn(admin);
    expect(twoFactor).toBe('required');
    for (let i = 1; i <= 5; i++) expectCode(await as(pending).post('/login/two-factor', { code: wrongCode(secret) }), '4010000', /invalid two-factor code/i);
    const locked = await adminRow(admin.adminId);
    expect(locked.failed_attempts).toBe(5);
    expect(locked.locked_until?.getTime()).toBe(h.clock.now().getTime() + 15 * 60_000);

    const right = await as(pending).post('/login/two-factor', { code: totpCode(secret, h.clock.now()) });
    expectCode(right, '4230000', /locked/);
    expect(right.headers['set-cookie']).toBeUndefined();
    expectCode(await login(admin), '4230000');

    const actions = await auditActions(admin.adminId);
    expect(actions.filter((a) => a === 'admin.two_factor_failed')).toHaveLength(5);
    expect(actions.filter((a) => a === 'admin.locked')).toHaveLength(1);

    // After the lock: the pending session has long expired; a new login and the right code work.
    h.clock.advance(15 * 60_000);
    expectCode(await as(pending).post('/login/two-factor', { code: totpCode(secret, h.clock.now()) }), '4010000', /log in first/i);
    const { cookie: fresh } = await loggedIn(admin);
    expectCode(await as(fresh).post('/login/two-factor', { code: totpCode(secret, h.clock.now()) }), '2000000');
    expect((await adminRow(admin.adminId)).failed_attempts).toBe(0);
  });

  it('giving the right password again does not reset the count of wrong codes', async () => {
    const admin = await newAdmin(await newBusiness('No Reset Co'), 'owner');
    const { secret } = await enrolTwoFactor(h, (await loggedIn(admin)).cookie);
    for (let i = 0; i < 4; i++) {
      const { cookie } = await loggedIn(admin);
      expectCode(await as(cookie).post('/login/two-factor', { code: wrongCode(secret) }), '4010000');
    }
    // Wrong passwords and wrong codes share the count.
    expectCode(await login(admin, 'not-the-password'), '4010000');
    expect((await adminRow(admin.adminId)).locked_until).not.toBeNull();
    expectCode(await login(admin), '4230000');
  });

  it('wrong codes to POST /two-factor/disable count too', async () => {
    const admin = await newAdmin(await newBusiness('Disable Lock Co'), 'owner');
    const { secret, cookie } = await enrolTwoFactor(h, (await loggedIn(admin)).cookie);
    for (let i = 0; i < 5; i++) expectCode(await as(cookie).post('/two-factor/disable', { code: wrongCode(secret) }), '4000001', /code/);
    expectCode(await as(cookie).post('/two-factor/disable', { code: nextCode(secret) }), '4230000');
    expect((await adminRow(admin.adminId)).totp_secret_enc).not.toBeNull();
  });
});

describe('disabling', () => {
  it('a valid code turns 2FA off: secret and recovery codes deleted, the next login needs no code', async () => {
    const admin = await newAdmin(await newBusiness('Disable Co'), 'finance_admin');
    const { secret, cookie } = await enrolTwoFactor(h, (await loggedIn(admin)).cookie);
    const { cookie: pending } = await loggedIn(admin);
    expectCode(await as(cookie).post('/two-factor/disable', { code: '12345' }), '4000001');
    expectCode(await as(cookie).post('/two-factor/disable', { code: nextCode(secret), extra: 1 }), '4000001', /extra/);
    const res = await as(cookie).post('/two-factor/disable', { code: totpCode(secret, h.clock.now()) });
    expectCode(res, '2000000');

    const row = await adminRow(admin.adminId);
    expect(row).toMatchObject({ totp_secret_enc: null, totp_pending_secret_enc: null, totp_last_step: null });
    const [{ count }]: Array<{ count: number }> = await h.kartu.db.query('SELECT count(*)::int AS count FROM admin_recovery_codes WHERE admin_id = $1', [admin.adminId]);
    expect(count).toBe(0);
    expect(await auditActions(admin.adminId)).toContain('admin.two_factor_disabled');
    // The session that disabled it stays full; a session still waiting for a code is ended.
    const me = await as(cookie).get('/me');
    expect(me.body.admin.twoFactorEnabled).toBe(false);
    expect(me.body.session.twoFactor).toBe('none');
    expectCode(await as(pending).get('/me'), '4010000');
    expect((await loggedIn(admin)).twoFactor).toBe('none');
    expectCode(await as(cookie).post('/two-factor/disable', { code: nextCode(secret) }), '4090000', /not enabled/);
  });
});

describe('business two-factor policy', () => {
  let businessId: string;
  let owner: TestAdmin;
  let finance: TestAdmin;
  let viewer: TestAdmin;
  let ownerCookie: string;
  let ownerSecret: string;

  beforeAll(async () => {
    businessId = await newBusiness('Policy Co');
    owner = await newAdmin(businessId, 'owner');
    finance = await newAdmin(businessId, 'finance_admin');
    viewer = await newAdmin(businessId, 'viewer');
    ownerCookie = (await loggedIn(owner)).cookie;
  });

  it('every admin reads it; viewers and finance admins cannot change it', async () => {
    for (const a of [viewer, finance]) {
      const { cookie } = await loggedIn(a);
      const read = await as(cookie).get('/business/security');
      expectCode(read, '2000000');
      expect(read.body.security).toEqual({ requireTwoFactor: false });
      expectCode(await as(cookie).patch('/business/security', { requireTwoFactor: true }), '4030001', /owner/);
    }
    expect((await as(ownerCookie).get('/business/security')).body.security).toEqual({ requireTwoFactor: false });
  });

  it('refuses bad bodies with 400', async () => {
    expectCode(await as(ownerCookie).patch('/business/security', { requireTwoFactor: 'yes' }), '4000001', /requireTwoFactor/);
    expectCode(await as(ownerCookie).patch('/business/security', { requireTwoFactor: false, sessionMinutes: 5 }), '4000001', /sessionMinutes/);
    expectCode(await as(ownerCookie).patch('/business/security', {}), '4000002', /requireTwoFactor/);
  });

  it('an owner without 2FA cannot require it (409)', async () => {
    expectCode(await as(ownerCookie).patch('/business/security', { requireTwoFactor: true }), '4090000', /enable two-factor authentication for yourself/i);
    expect((await as(ownerCookie).get('/business/security')).body.security.requireTwoFactor).toBe(false);
  });

  it('an owner with 2FA requires it: sessions that gave no code are restricted, other businesses are untouched', async () => {
    const financeCookie = (await loggedIn(finance)).cookie;
    const ownerOld = (await loggedIn(owner)).cookie; // full, from before the owner enrolled
    const other = (await loggedIn(await newAdmin(await newBusiness('Elsewhere Co'), 'owner'))).cookie;
    ({ secret: ownerSecret, cookie: ownerCookie } = await enrolTwoFactor(h, ownerCookie));

    const res = await as(ownerCookie).patch('/business/security', { requireTwoFactor: true });
    expectCode(res, '2000000');
    expect(res.body.security).toEqual({ requireTwoFactor: true });
    const [entry]: Array<{ details: object; actor_id: string }> = await h.kartu.db.query(
      "SELECT details, actor_id FROM audit_log WHERE business_id = $1 AND action = 'business.two_factor_policy_changed'",
      [businessId],
    );
    expect(entry).toMatchObject({ actor_id: owner.adminId, details: { requireTwoFactor: true } });

    // The finance admin (no 2FA) must enrol, within 5 minutes; the owner's older session must give a code.
    const financeMe = await as(financeCookie).get('/me');
    expect(financeMe.body.session.twoFactor).toBe('enrolment_required');
    expect(financeMe.body.business.requireTwoFactor).toBe(true);
    expect(Date.parse(financeMe.body.session.expiresAt)).toBe(h.clock.now().getTime() + 5 * 60_000);
    expectCode(await as(financeCookie).get('/cards'), '4019100', /enrol/);
    expect((await as(ownerOld).get('/me')).body.session.twoFactor).toBe('required');
    expectCode(await as(ownerOld).get('/cards'), '4019100', /two-factor code is needed/);
    // The owner who changed it, and another business, carry on.
    expect((await as(ownerCookie).get('/cards')).status).toBe(200);
    expect((await as(other).get('/cards')).status).toBe(200);
    expect((await as(other).get('/business/security')).body.security.requireTwoFactor).toBe(false);
  });

  it('an admin without 2FA then logs in to enrolment_required: only enrolment, /me and /logout', async () => {
    const { cookie, twoFactor } = await loggedIn(viewer);
    expect(twoFactor).toBe('enrolment_required');
    expect((await as(cookie).get('/me')).body.session.twoFactor).toBe('enrolment_required');
    for (const [path, code] of [['/cards', '4019100'], ['/business/security', '4010000'], ['/policies', '4019500']]) expectCode(await as(cookie).get(path!), code!, /enrol/);
    expectCode(await as(cookie).post('/login/two-factor', { code: '123456' }), '4010000', /enrol/);
    expectCode(await as(cookie).post('/two-factor/disable', { code: '123456' }), '4010000', /enrol/);

    const enrolled = await enrolTwoFactor(h, cookie);
    const me = await as(enrolled.cookie).get('/me');
    expect(me.body.session.twoFactor).toBe('verified');
    expect(Date.parse(me.body.session.expiresAt)).toBe(h.clock.now().getTime() + 8 * 3600_000);
    expect((await as(enrolled.cookie).get('/cards')).status).toBe(200);
    expectCode(await as(cookie).get('/me'), '4010000');
    // From now on this admin logs in with a code.
    expect((await loggedIn(viewer)).twoFactor).toBe('required');
  });

  it('while it is required, 2FA cannot be disabled', async () => {
    const res = await as(ownerCookie).post('/two-factor/disable', { code: nextCode(ownerSecret) });
    expectCode(res, '4030001', /requires two-factor/);
    expect((await adminRow(owner.adminId)).totp_secret_enc).not.toBeNull();
    expect((await adminRow(owner.adminId)).failed_attempts).toBe(0);
  });

  it('turning it off is audited and lets admins without 2FA log in fully again', async () => {
    expectCode(await as(ownerCookie).patch('/business/security', { requireTwoFactor: false }), '2000000');
    const changes: Array<{ details: { requireTwoFactor: boolean } }> = await h.kartu.db.query(
      "SELECT details FROM audit_log WHERE business_id = $1 AND action = 'business.two_factor_policy_changed' ORDER BY id",
      [businessId],
    );
    expect(changes.map((c) => c.details.requireTwoFactor)).toEqual([true, false]);
    expect((await loggedIn(finance)).twoFactor).toBe('none');
    // Setting what is already set changes nothing and audits nothing.
    expectCode(await as(ownerCookie).patch('/business/security', { requireTwoFactor: false }), '2000000');
    const [{ count }]: Array<{ count: number }> = await h.kartu.db.query(
      "SELECT count(*)::int AS count FROM audit_log WHERE business_id = $1 AND action = 'business.two_factor_policy_changed'",
      [businessId],
    );
    expect(count).toBe(2);
  });
});

describe('operator reset (kartu admins reset-two-factor)', () => {
  it('removes the factor and the recovery codes, ends every session and the lockout; audited', async () => {
    const businessId = await newBusiness('Lost Phone Co');
    const admin = await newAdmin(businessId, 'finance_admin');
    const { cookie } = await enrolTwoFactor(h, (await loggedIn(admin)).cookie);
    const pending = await loggedIn(admin);
    expect(pending.twoFactor).toBe('required');
    for (let i = 0; i < 5; i++) await as(pending.cookie).post('/login/two-factor', { code: '000000' });
    expect((await login(admin)).status).toBe(423);

    const out = await resetTwoFactor(h.kartu, ` ${admin.email.toUpperCase()} `);
    expect(out).toEqual({ adminId: admin.adminId, email: admin.email, sessionsEnded: 2 });
    expect((await as(cookie).get('/me')).status).toBe(401);
    const [row]: Array<{ totp_secret_enc: string | null; failed_attempts: number; locked_until: Date | null; codes: number }> = await h.kartu.db.query(
      'SELECT totp_secret_enc, failed_attempts, locked_until, (SELECT count(*)::int FROM admin_recovery_codes WHERE admin_id = a.id) AS codes FROM admins a WHERE id = $1',
      [admin.adminId],
    );
    expect(row).toEqual({ totp_secret_enc: null, failed_attempts: 0, locked_until: null, codes: 0 });
    const [entry]: Array<{ actor_type: string; details: object }> = await h.kartu.db.query(
      "SELECT actor_type, details FROM audit_log WHERE business_id = $1 AND action = 'admin.two_factor_reset' AND target_id = $2",
      [businessId, admin.adminId],
    );
    expect(entry).toEqual({ actor_type: 'operator', details: { sessionsEnded: 2 } });

    const again = await loggedIn(admin);
    expect(again.twoFactor).toBe('none');
    expect((await as(again.cookie).get('/me')).body.admin.twoFactorEnabled).toBe(false);
  });

  it('an unknown email changes nothing', async () => {
    await expect(resetTwoFactor(h.kartu, 'nobody@example.com')).rejects.toThrow(/no admin with email nobody@example.com/);
  });
});

describe('master key rotation', () => {
  it('rekeyTwoFactorSecrets re-encrypts TOTP secrets under the new master key', async () => {
    const admin = await newAdmin(await newBusiness('Rekey Co'), 'owner');
    const { secret } = await enrolTwoFactor(h, (await loggedIn(admin)).cookie);
    const fresh = randomBytes(32);
    const k2 = { ...h.kartu, secrets: new SecretBox([fresh, ...h.kartu.config.masterKeys], 'secrets') };
    expect(await rekeyTwoFactorSecrets(k2)).toBeGreaterThanOrEqual(1);
    expect(await rekeyTwoFactorSecrets(k2)).toBe(0);
    const row = await adminRow(admin.adminId);
    expect(new SecretBox([fresh], 'secrets').decrypt(row.totp_secret_enc!, totpSecretAad(admin.adminId))).toBe(secret);
    // The envelope is bound to its admin: under another admin's AAD it does not decrypt.
    expect(() => k2.secrets.decrypt(row.totp_secret_enc!, totpSecretAad(randomBytes(16).toString('hex')))).toThrow();
  });
});

describe('OpenAPI', () => {
  it('documents the two-factor routes with their schemas', async () => {
    const res = await h.http().get('/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    for (const [path, method] of [
      ['/admin/v1/login/two-factor', 'post'],
      ['/admin/v1/two-factor/enrolment', 'post'],
      ['/admin/v1/two-factor/enrolment/confirm', 'post'],
      ['/admin/v1/two-factor/disable', 'post'],
      ['/admin/v1/business/security', 'get'],
      ['/admin/v1/business/security', 'patch'],
      ['/admin/v1/me', 'get'],
    ]) {
      expect(paths[path!]?.[method!], `${method} ${path}`).toBeDefined();
    }
    expect(JSON.stringify(paths['/admin/v1/login/two-factor'])).toContain('xxxxxx-xxxxxx');
  });
});
