import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import { totpCode } from '../../src/modules/access/totp';
import type { Harness } from './harness';

/** The `kartu_session=…` pair a response set, to send back as a Cookie header. */
export function sessionCookieOf(res: { headers: Record<string, unknown> }): string {
  const cookie = ([] as string[]).concat((res.headers['set-cookie'] as string[] | string | undefined) ?? []).find((c) => c.startsWith('kartu_session='));
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0]!;
}

/** An admin of the business (without 2FA), logged in: the `Cookie` header value its calls send. */
export async function adminSession(h: Harness, businessId: string, role: AdminRole = 'owner'): Promise<string> {
  const admin = await createAdmin(h.kartu, { businessId, email: `${role}.${randomBytes(4).toString('hex')}@example.com`, role });
  const login = await h.http().post('/admin/v1/login').send({ email: admin.email, password: admin.password });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  return sessionCookieOf(login);
}

/**
 * Turns on 2FA for the admin behind `cookie` (a full or enrolment_required session): enrols, then
 * confirms with the code of h.clock's time step. Answers the secret (codes for later steps come
 * from totpCode), the recovery codes and the Cookie of the upgraded (`verified`) session — the old
 * one no longer works. The confirming code's step is used up: advance h.clock 30 s before the next code.
 */
export async function enrolTwoFactor(h: Harness, cookie: string): Promise<{ secret: string; recoveryCodes: string[]; cookie: string }> {
  const enrolment = await h.http().post('/admin/v1/two-factor/enrolment').set('Cookie', cookie);
  expect(enrolment.status, JSON.stringify(enrolment.body)).toBe(200);
  const secret: string = enrolment.body.enrolment.secret;
  const confirm = await h.http().post('/admin/v1/two-factor/enrolment/confirm').set('Cookie', cookie).send({ code: totpCode(secret, h.clock.now()) });
  expect(confirm.status, JSON.stringify(confirm.body)).toBe(200);
  return { secret, recoveryCodes: confirm.body.recoveryCodes, cookie: sessionCookieOf(confirm) };
}
