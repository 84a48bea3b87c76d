import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import type { Harness } from './harness';

/** An admin of the business, logged in: the `Cookie` header value its calls send. */
export async function adminSession(h: Harness, businessId: string, role: AdminRole = 'owner'): Promise<string> {
  const admin = await createAdmin(h.kartu, { businessId, email: `${role}.${randomBytes(4).toString('hex')}@example.com`, role });
  const login = await h.http().post('/admin/v1/login').send({ email: admin.email, password: admin.password });
  expect(login.status, JSON.stringify(login.body)).toBe(200);
  const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).find((c) => c.startsWith('kartu_session='));
  if (!cookie) throw new Error('no session cookie');
  return cookie.split(';')[0]!;
}
