import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness } from '../../src/modules/access/access.service';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import { sha256Hex } from '../../src/platform/crypto';
import { enrolTwoFactor, sessionCookieOf } from '../support/admin-session';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

// Logins and the invitation routes are limited per client IP (in Redis, real time): each call comes
// from an address of its own (the app trusts X-Forwarded-For from loopback).
let ipCounter = 0;
const nextIp = () => `198.18.${(ipCounter >> 8) % 250}.${(ipCounter++ % 250) + 1}`;
const email = (label: string) => `${label}.${randomBytes(4).toString('hex')}@example.com`;

interface Member {
  adminId: string;
  email: string;
  password: string;
  cookie: string;
}

async function newBusiness(o: { requireTwoFactor?: boolean } = {}): Promise<string> {
  const { businessId } = await createBusiness(h.kartu, { name: `Team ${randomBytes(3).toString('hex')}` });
  if (o.requireTwoFactor) await h.kartu.db.query('UPDATE businesses SET require_two_factor = true WHERE id = $1', [businessId]);
  return businessId;
}

const login = (e: string, password: string) => h.http().post('/admin/v1/login').set('X-Forwarded-For', nextIp()).send({ email: e, password });

async function member(businessId: string, role: AdminRole): Promise<Member> {
  const created = await createAdmin(h.kartu, { businessId, email: email(role), role });
  const res = await login(created.email, created.password);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { ...created, cookie: sessionCookieOf(res) };
}

const call = (cookie: string, method: 'get' | 'post' | 'patch', path: string, body?: object) => {
  const req = h.http()[method](`/admin/v1${path}`).set('Cookie', cookie);
  return body === undefined ? req : req.send(body);
};
const me = (cookie: string) => h.http().get('/admin/v1/me').set('Cookie', cookie);
const preview = (token: string) => h.http().post('/admin/v1/invitations/preview').set('X-Forwarded-For', nextIp()).send({ token });
const accept = (token: string, password = 'a long enough password') =>
  h.http().post('/admin/v1/invitations/accept').set('X-Forwarded-For', nextIp()).send({ token, password });
const tokenOf = (acceptPath: string) => acceptPath.slice('/dashboard/invitations/'.length);

async function inviteAs(owner: Member, e: string, role: AdminRole = 'finance_admin') {
  const res = await call(owner.cookie, 'post', '/team/invitations', { email: e, role });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { id: res.body.invitation.id as string, token: tokenOf(res.body.acceptPath) };
}

async function auditOf(businessId: string, action: string) {
  return h.kartu.db.query('SELECT actor_type, actor_id, target_type, target_id, details FROM audit_log WHERE business_id = $1 AND action = $2 ORDER BY id', [businessId, action]);
}

const NOT_VALID = { status: 404, responseCode: '4040001' };
const expectCode = (res: { status: number; body: { responseCode: string } }, status: number, code: string) => {
  expect({ status: res.status, responseCode: res.body.responseCode }, JSON.stringify(res.body)).toEqual({ status, responseCode: code });
};

describe('invitations', () => {
  let businessId: string;
  let owner: Member;
  beforeAll(async () => {
    businessId = await newBusiness();
    owner = await member(businessId, 'owner');
  });

  it('an owner invites; the link (shown once, only its hash stored) opens the invitation, sets the password and signs the new admin in', async () => {
    const invited = email('new');
    const res = await call(owner.cookie, 'post', '/team/invitations', { email: invited.toUpperCase(), role: 'finance_admin' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.invitation).toMatchObject({ email: invited, role: 'finance_admin', status: 'pending', invitedBy: owner.email, expiresAt: new Date(h.clock.now().getTime() + 72 * 3600_000).toISOString() });
    expect(res.body.acceptPath).toMatch(/^\/dashboard\/invitations\/[A-Za-z0-9_-]{43}$/);
    const token = tokenOf(res.body.acceptPath);
    const [row] = await h.kartu.db.query('SELECT * FROM admin_invitations WHERE id = $1', [res.body.invitation.id]);
    expect(row.token_hash).toBe(sha256Hex(token));
    expect(JSON.stringify(row)).not.toContain(token);

    const listed = await call(owner.cookie, 'get', '/team/invitations');
    expect(listed.body.invitations.map((i: { email: string }) => i.email)).toContain(invited);
    expect(JSON.stringify(listed.body)).not.toContain(token);

    const seen = await preview(token);
    expect(seen.status, JSON.stringify(seen.body)).toBe(200);
    expect(seen.body.invitation).toMatchObject({ email: invited, role: 'finance_admin', businessName: expect.stringMatching(/^Team /) });

    const accepted = await accept(token);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    expect(accepted.body).toMatchObject({ admin: { email: invited, role: 'finance_admin', businessId }, twoFactor: 'none' });
    const cookie = sessionCookieOf(accepted);
    expect((await me(cookie)).body.admin.email).toBe(invited);
    // The password works for signing in, hashed with argon2id.
    expect((await login(invited, 'a long enough password')).status).toBe(200);
    const [created] = await h.kartu.db.query('SELECT password_hash FROM admins WHERE email = $1', [invited]);
    expect(created.password_hash).toMatch(/^\$argon2id\$/);

    // Used: the same answer as any unusable token; the invitation left the list.
    expect(await preview(token).then((r) => ({ status: r.status, responseCode: r.body.responseCode }))).toEqual(NOT_VALID);
    expect(await accept(token).then((r) => ({ status: r.status, responseCode: r.body.responseCode }))).toEqual(NOT_VALID);
    expect((await call(owner.cookie, 'get', '/team/invitations')).body.invitations.map((i: { email: string }) => i.email)).not.toContain(invited);

    const [audit] = await auditOf(businessId, 'admin.invitation_accepted');
    expect(audit).toMatchObject({ actor_type: 'admin', actor_id: accepted.body.admin.id, target_id: accepted.body.admin.id, details: { email: invited, role: 'finance_admin' } });
    expect(await auditOf(businessId, 'admin.invited')).toEqual([expect.objectContaining({ actor_id: owner.adminId, target_type: 'invitation', target_id: res.body.invitation.id })]);
  });

  it('works for 72 hours and not a second longer (the harness clock)', async () => {
    const { token } = await inviteAs(owner, email('late'));
    h.clock.advance(72 * 3600_000 - 1000);
    expect((await preview(token)).status).toBe(200);
    h.clock.advance(1000);
    const late = await accept(token);
    expectCode(late, 404, '4040001');
    expect(await preview(token).then((r) => r.body.responseMessage)).toBe(late.body.responseMessage);
    // 72 hours also ended the owner's session: sign in again.
    owner.cookie = sessionCookieOf(await login(owner.email, owner.password));
    const listed = await call(owner.cookie, 'get', '/team/invitations');
    expect(listed.body.invitations.find((i: { status: string }) => i.status === 'expired')).toBeDefined();
  });

  it('unknown, expired, revoked and reissued-away tokens all answer the same 404xx01 and create nobody', async () => {
    const revoked = await inviteAs(owner, email('revoked'));
    expect((await call(owner.cookie, 'post', `/team/invitations/${revoked.id}/revoke`)).status).toBe(200);
    const reissued = await inviteAs(owner, email('reissued'));
    const again = await call(owner.cookie, 'post', `/team/invitations/${reissued.id}/reissue`);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const expired = await inviteAs(owner, email('expired'));
    await h.kartu.db.query("UPDATE admin_invitations SET expires_at = $2 WHERE id = $1", [expired.id, new Date(h.clock.now().getTime() - 1)]);
    const answers = await Promise.all([randomBytes(32).toString('base64url'), revoked.token, reissued.token, expired.token, 'x'].map((t) => accept(t)));
    const messages = new Set(answers.map((a) => a.body.responseMessage));
    expect(answers.map((a) => [a.status, a.body.responseCode])).toEqual(Array(5).fill([404, '4040001']));
    expect(messages.size).toBe(1);
    expect([...messages][0]).toMatch(/not valid/);
    const [{ count }] = await h.kartu.db.query('SELECT count(*)::int AS count FROM admins WHERE business_id = $1', [businessId]);
    expect(count).toBe(2); // the owner and the one who accepted in the first test
    // The reissued link works; revoking twice, or an accepted invitation, is 404.
    expect((await accept(tokenOf(again.body.acceptPath))).status).toBe(200);
    expectCode(await call(owner.cookie, 'post', `/team/invitations/${revoked.id}/revoke`), 404, '4040001');
    expectCode(await call(owner.cookie, 'post', `/team/invitations/${reissued.id}/reissue`), 404, '4040001');
  });

  it('refuses an email that already has an admin, or an open invitation (409xx00)', async () => {
    const taken = await call(owner.cookie, 'post', '/team/invitations', { email: owner.email, role: 'viewer' });
    expectCode(taken, 409, '4090000');
    expect(taken.body.responseMessage).toMatch(/already exists/);
    const e = email('twice');
    await inviteAs(owner, e);
    const twice = await call(owner.cookie, 'post', '/team/invitations', { email: e, role: 'viewer' });
    expectCode(twice, 409, '4090000');
    expect(twice.body.responseMessage).toMatch(/open invitation/);
    // An account created meanwhile (by the operator) makes the link refuse with 409, once.
    const late = email('meanwhile');
    const { token } = await inviteAs(owner, late);
    await createAdmin(h.kartu, { businessId, email: late, role: 'viewer' });
    expectCode(await accept(token), 409, '4090000');
  });

  it('the password follows the rule (12 to 1024 characters); a refused accept leaves the link usable', async () => {
    const { token } = await inviteAs(owner, email('short'));
    const short = await accept(token, 'elevenchars');
    expectCode(short, 400, '4000001');
    expect(short.body.field).toBe('password');
    expectCode(await accept(token, 'x'.repeat(1025)), 400, '4000001');
    expect((await accept(token, 'twelve chars')).status).toBe(200);
  });

  it('bad input: unknown fields, wrong types, bad emails and roles are 400xx01 naming the field', async () => {
    const cases: Array<[string, object, string]> = [
      ['/team/invitations', { email: 'not an email', role: 'viewer' }, 'email'],
      ['/team/invitations', { email: email('r'), role: 'admin' }, 'role'],
      ['/team/invitations', { email: email('u'), role: 'viewer', note: 'hi' }, 'note'],
      ['/team/invitations', { email: 5, role: 'viewer' }, 'email'],
      ['/invitations/accept', { token: 'abc', password: 12345678901234 }, 'password'],
      ['/invitations/accept', { token: 'abc', password: 'long enough password', extra: true }, 'extra'],
      ['/invitations/preview', { token: ['abc'] }, 'token'],
    ];
    for (const [path, body, field] of cases) {
      const req = h.http().post(`/admin/v1${path}`).set('X-Forwarded-For', nextIp()).set('Cookie', owner.cookie).send(body);
      const res = await req;
      expectCode(res, 400, '4000001');
      expect(res.body.field, `${path} ${JSON.stringify(body)}`).toBe(field);
    }
    const [{ count }] = await h.kartu.db.query("SELECT count(*)::int AS count FROM admin_invitations WHERE business_id = $1 AND email LIKE 'r.%'", [businessId]);
    expect(count).toBe(0);
  });

  it('the business requires 2FA: accepting opens an enrolment_required session', async () => {
    const strict = await newBusiness({ requireTwoFactor: true });
    const strictOwner = await createAdmin(h.kartu, { businessId: strict, email: email('strict'), role: 'owner' });
    const ownerLogin = await login(strictOwner.email, strictOwner.password);
    const ownerCookie = (await enrolTwoFactor(h, sessionCookieOf(ownerLogin))).cookie;
    const { token } = await inviteAs({ ...strictOwner, cookie: ownerCookie }, email('enrol'), 'viewer');
    const res = await accept(token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.twoFactor).toBe('enrolment_required');
    expect((await me(sessionCookieOf(res))).body.session.twoFactor).toBe('enrolment_required');
  });

  it('two accepts of one link at once create one admin; the other gets the same 404', async () => {
    const e = email('twice-accepted');
    const { token } = await inviteAs(owner, e);
    const answers = await Promise.all([accept(token), accept(token)]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 404]);
    expect(await h.kartu.db.query('SELECT 1 FROM admins WHERE email = $1', [e])).toHaveLength(1);
  });

  it('the invitation routes are rate-limited per client IP (429xx00), like login', async () => {
    const ip = '198.19.0.1';
    const answers = await Promise.all(Array.from({ length: 14 }, () => h.http().post('/admin/v1/invitations/preview').set('X-Forwarded-For', ip).send({ token: 'unknown' })));
    const codes = answers.map((a) => a.body.responseCode);
    expect(codes).toContain('4290000');
    expect(codes.filter((c) => c !== '4290000').every((c) => c === '4040001')).toBe(true);
  });

  it('the access log keeps the invitation page, not its token', async () => {
    const { token } = await inviteAs(owner, email('logged'));
    await h.http().get(`/dashboard/invitations/${token}`);
    expect(h.logs.some((l) => l.includes('/dashboard/invitations/[REDACTED]'))).toBe(true);
    expect(h.logs.some((l) => l.includes(token))).toBe(false);
  });
});

describe('roles, accounts and 2FA', () => {
  it('every role reads the team; only owners change it (403xx01, nothing changes)', async () => {
    const businessId = await newBusiness();
    const owner = await member(businessId, 'owner');
    const finance = await member(businessId, 'finance_admin');
    const viewer = await member(businessId, 'viewer');
    for (const m of [owner, finance, viewer]) {
      const list = await call(m.cookie, 'get', '/team/admins');
      expect(list.status).toBe(200);
      expect(list.body.admins.map((a: { email: string }) => a.email)).toEqual([owner.email, finance.email, viewer.email]);
      expect(list.body.admins[0]).toEqual({ id: owner.adminId, email: owner.email, role: 'owner', status: 'active', twoFactorEnabled: false, lastLoginAt: expect.any(String), disabledAt: null, createdAt: expect.any(String) });
      expect((await call(m.cookie, 'get', '/team/invitations')).status).toBe(200);
    }
    for (const m of [finance, viewer]) {
      const writes = [
        call(m.cookie, 'post', '/team/invitations', { email: email('x'), role: 'owner' }),
        call(m.cookie, 'patch', `/team/admins/${viewer.adminId}`, { role: 'owner' }),
        call(m.cookie, 'post', `/team/admins/${owner.adminId}/disable`),
        call(m.cookie, 'post', `/team/admins/${owner.adminId}/enable`),
        call(m.cookie, 'post', `/team/admins/${owner.adminId}/two-factor/reset`),
      ];
      for (const res of await Promise.all(writes)) expectCode(res, 403, '4030001');
    }
    const roles = await h.kartu.db.query('SELECT role, status FROM admins WHERE business_id = $1 ORDER BY role', [businessId]);
    expect(roles).toEqual([{ role: 'finance_admin', status: 'active' }, { role: 'owner', status: 'active' }, { role: 'viewer', status: 'active' }]);
    const [{ count }] = await h.kartu.db.query('SELECT count(*)::int AS count FROM admin_invitations WHERE business_id = $1', [businessId]);
    expect(count).toBe(0);
  });

  it("another business's admin or invitation is 404xx01 and nothing changes", async () => {
    const mine = await newBusiness();
    const theirs = await newBusiness();
    const owner = await member(mine, 'owner');
    const theirOwner = await member(theirs, 'owner');
    const theirViewer = await member(theirs, 'viewer');
    const theirInvitation = await inviteAs(theirOwner, email('theirs'));
    const attempts = [
      call(owner.cookie, 'patch', `/team/admins/${theirViewer.adminId}`, { role: 'owner' }),
      call(owner.cookie, 'post', `/team/admins/${theirViewer.adminId}/disable`),
      call(owner.cookie, 'post', `/team/admins/${theirViewer.adminId}/enable`),
      call(owner.cookie, 'post', `/team/admins/${theirViewer.adminId}/two-factor/reset`),
      call(owner.cookie, 'post', `/team/invitations/${theirInvitation.id}/reissue`),
      call(owner.cookie, 'post', `/team/invitations/${theirInvitation.id}/revoke`),
      call(owner.cookie, 'post', '/team/admins/not-a-uuid/disable'),
      call(owner.cookie, 'post', '/team/invitations/not-a-uuid/revoke'),
    ];
    for (const res of await Promise.all(attempts)) expectCode(res, 404, '4040001');
    expect(await h.kartu.db.query('SELECT role, status FROM admins WHERE id = $1', [theirViewer.adminId])).toEqual([{ role: 'viewer', status: 'active' }]);
    expect((await me(theirViewer.cookie)).status).toBe(200);
    expect((await preview(theirInvitation.token)).status).toBe(200);
    expect((await call(owner.cookie, 'get', '/team/admins')).body.admins.map((a: { id: string }) => a.id)).toEqual([owner.adminId]);
    expect((await call(owner.cookie, 'get', '/team/invitations')).body.invitations).toEqual([]);
  });

  it('changes a role (effective on the next request), audited with before and after', async () => {
    const businessId = await newBusiness();
    const owner = await member(businessId, 'owner');
    const finance = await member(businessId, 'finance_admin');
    expect((await call(finance.cookie, 'get', '/team/admins')).status).toBe(200);
    const res = await call(owner.cookie, 'patch', `/team/admins/${finance.adminId}`, { role: 'viewer' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.admin).toMatchObject({ id: finance.adminId, role: 'viewer' });
    expect((await me(finance.cookie)).body.admin.role).toBe('viewer');
    expectCode(await call(finance.cookie, 'post', '/cardholders', { name: 'A', email: 'a@example.com' }), 403, '4039401');
    expect(await auditOf(businessId, 'admin.role_changed')).toEqual([
      { actor_type: 'admin', actor_id: owner.adminId, target_type: 'admin', target_id: finance.adminId, details: { email: finance.email, before: 'finance_admin', after: 'viewer' } },
    ]);
    expectCode(await call(owner.cookie, 'patch', `/team/admins/${finance.adminId}`, { role: 'boss' }), 400, '4000001');
    expectCode(await call(owner.cookie, 'patch', `/team/admins/${finance.adminId}`, { role: 'owner', status: 'disabled' }), 400, '4000001');
  });

  it('disabling ends the sessions at once and refuses login after the right password; enabling lets them in again', async () => {
    const businessId = await newBusiness();
    const owner = await member(businessId, 'owner');
    const viewer = await member(businessId, 'viewer');
    const disabled = await call(owner.cookie, 'post', `/team/admins/${viewer.adminId}/disable`);
    expect(disabled.status, JSON.stringify(disabled.body)).toBe(200);
    expect(disabled.body.admin).toMatchObject({ status: 'disabled', disabledAt: h.clock.now().toISOString() });
    expectCode(await me(viewer.cookie), 401, '4010000');
    expect(await h.kartu.db.query('SELECT 1 FROM admin_sessions WHERE admin_id = $1', [viewer.adminId])).toEqual([]);
    // A wrong password is the usual 401 (nothing revealed); the right one is refused in words.
    expectCode(await login(viewer.email, 'wrong password'), 401, '4010000');
    const refused = await login(viewer.email, viewer.password);
    expectCode(refused, 403, '4030001');
    expect(refused.body.responseMessage).toMatch(/disabled/);
    expect(refused.headers['set-cookie']).toBeUndefined();
    expect(await auditOf(businessId, 'admin.disabled')).toEqual([expect.objectContaining({ actor_id: owner.adminId, target_id: viewer.adminId, details: { email: viewer.email, role: 'viewer', sessionsEnded: 1 } })]);

    // A session that resolves while the row says disabled is refused even if not deleted.
    const again = await call(owner.cookie, 'post', `/team/admins/${viewer.adminId}/enable`);
    expect(again.body.admin).toMatchObject({ status: 'active', disabledAt: null });
    const back = await login(viewer.email, viewer.password);
    expect(back.status).toBe(200);
    await h.kartu.db.query("UPDATE admins SET status = 'disabled', disabled_at = now() WHERE id = $1", [viewer.adminId]);
    expectCode(await me(sessionCookieOf(back)), 401, '4010000');
    expect((await auditOf(businessId, 'admin.enabled')).length).toBe(1);
  });

  it('keeps at least one active owner: demoting or disabling the last one (yourself included) is 409xx00', async () => {
    const businessId = await newBusiness();
    const owner = await member(businessId, 'owner');
    for (const res of [
      await call(owner.cookie, 'patch', `/team/admins/${owner.adminId}`, { role: 'finance_admin' }),
      await call(owner.cookie, 'post', `/team/admins/${owner.adminId}/disable`),
    ]) {
      expectCode(res, 409, '4090000');
      expect(res.body.responseMessage).toMatch(/at least one active owner/);
    }
    // A disabled second owner does not count.
    const second = await member(businessId, 'owner');
    await call(owner.cookie, 'post', `/team/admins/${second.adminId}/disable`);
    expectCode(await call(owner.cookie, 'patch', `/team/admins/${owner.adminId}`, { role: 'viewer' }), 409, '4090000');
    // With another active owner, demoting yourself is allowed (and takes the right away at once).
    await call(owner.cookie, 'post', `/team/admins/${second.adminId}/enable`);
    const demoted = await call(owner.cookie, 'patch', `/team/admins/${owner.adminId}`, { role: 'viewer' });
    expect(demoted.status, JSON.stringify(demoted.body)).toBe(200);
    expectCode(await call(owner.cookie, 'post', `/team/admins/${second.adminId}/disable`), 403, '4030001');
    expect(await h.kartu.db.query("SELECT id FROM admins WHERE business_id = $1 AND role = 'owner' AND status = 'active'", [businessId])).toEqual([{ id: second.adminId }]);
  });

  it('two owners demoting each other at once: exactly one succeeds, an active owner is left', async () => {
    for (let round = 0; round < 3; round++) {
      const businessId = await newBusiness();
      const a = await member(businessId, 'owner');
      const b = await member(businessId, 'owner');
      const results = await Promise.all([
        call(a.cookie, 'patch', `/team/admins/${b.adminId}`, { role: 'viewer' }),
        call(b.cookie, 'patch', `/team/admins/${a.adminId}`, { role: 'viewer' }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 403]);
      const [{ count }] = await h.kartu.db.query("SELECT count(*)::int AS count FROM admins WHERE business_id = $1 AND role = 'owner' AND status = 'active'", [businessId]);
      expect(count).toBe(1);
    }
  });

  it('one owner demoting both owners at once: exactly one succeeds, the other is the last-owner 409', async () => {
    for (let round = 0; round < 3; round++) {
      const businessId = await newBusiness();
      const a = await member(businessId, 'owner');
      const b = await member(businessId, 'owner');
      const results = await Promise.all([
        call(a.cookie, 'post', `/team/admins/${b.adminId}/disable`),
        call(a.cookie, 'patch', `/team/admins/${a.adminId}`, { role: 'finance_admin' }),
      ]);
      const statuses = results.map((r) => r.status);
      // Whichever runs second finds a single active owner (409) — or, once demoted, no owner acting (403).
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409 || s === 403)).toHaveLength(1);
      const [{ count }] = await h.kartu.db.query("SELECT count(*)::int AS count FROM admins WHERE business_id = $1 AND role = 'owner' AND status = 'active'", [businessId]);
      expect(count).toBe(1);
    }
  });

  it("resets another admin's 2FA: secret and recovery codes cleared, sessions ended, next login without a code; not one's own", async () => {
    const businessId = await newBusiness();
    const owner = await member(businessId, 'owner');
    const finance = await member(businessId, 'finance_admin');
    const enrolled = await enrolTwoFactor(h, finance.cookie);
    expect((await call(owner.cookie, 'get', '/team/admins')).body.admins.find((a: { id: string }) => a.id === finance.adminId).twoFactorEnabled).toBe(true);
    const res = await call(owner.cookie, 'post', `/team/admins/${finance.adminId}/two-factor/reset`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.admin.twoFactorEnabled).toBe(false);
    expectCode(await me(enrolled.cookie), 401, '4010000');
    expect(await h.kartu.db.query('SELECT 1 FROM admin_recovery_codes WHERE admin_id = $1', [finance.adminId])).toEqual([]);
    const [row] = await h.kartu.db.query('SELECT totp_secret_enc, totp_pending_secret_enc, two_factor_enabled_at FROM admins WHERE id = $1', [finance.adminId]);
    expect(row).toEqual({ totp_secret_enc: null, totp_pending_secret_enc: null, two_factor_enabled_at: null });
    expect((await login(finance.email, finance.password)).body.twoFactor).toBe('none');
    expect(await auditOf(businessId, 'admin.two_factor_reset')).toEqual([expect.objectContaining({ actor_type: 'admin', actor_id: owner.adminId, target_id: finance.adminId, details: { email: finance.email, sessionsEnded: 1 } })]);
    // Nothing left to reset: 409; one's own: 403.
    expectCode(await call(owner.cookie, 'post', `/team/admins/${finance.adminId}/two-factor/reset`), 409, '4090000');
    expectCode(await call(owner.cookie, 'post', `/team/admins/${owner.adminId}/two-factor/reset`), 403, '4030001');
  });
});
