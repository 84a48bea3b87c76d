import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import { recordAudit } from '../../src/modules/access/audit';
import { startHarness, TestPartner, type Harness } from '../support/harness';

/**
 * GET /admin/v1/audit-log's filters: actor (admin id or email, actor type), action (exact or a
 * prefix), object, time range; validation, tenant scope and the owner-only rule.
 */

let h: Harness;
let ipCounter = 0;

interface Admin {
  id: string;
  email: string;
  cookie: string;
}

async function session(businessId: string, role: AdminRole): Promise<Admin> {
  const created = await createAdmin(h.kartu, { businessId, email: `${role}.${randomUUID().slice(0, 8)}@example.com`, role });
  const res = await h.http().post('/admin/v1/login').set('X-Forwarded-For', `198.51.100.${(ipCounter++ % 250) + 1}`).send({ email: created.email, password: created.password });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('kartu_session='))!;
  return { id: created.adminId, email: created.email, cookie: cookie.split(';')[0]! };
}

let businessA: string;
let businessB: string;
let ownerA: Admin;
let financeA: Admin;
let viewerA: Admin;
let ownerB: Admin;
const cardId = randomUUID();
const otherCardId = randomUUID();

const log = (a: Admin, query = '') => h.http().get(`/admin/v1/audit-log${query ? `?${query}` : ''}`).set('Cookie', a.cookie);
const actions = (res: { body: { auditEntries: Array<{ action: string }> } }) => res.body.auditEntries.map((e) => e.action);

beforeAll(async () => {
  h = await startHarness();
  [businessA, businessB] = await Promise.all([TestPartner.create(h, { name: 'Alpha' }), TestPartner.create(h, { name: 'Beta' })]).then((ps) => ps.map((p) => p.creds.businessId));
  [ownerA, financeA, viewerA, ownerB] = await Promise.all([session(businessA, 'owner'), session(businessA, 'finance_admin'), session(businessA, 'viewer'), session(businessB, 'owner')]);
  // Entries at known times, written as the routes write them.
  const db = h.kartu.db.manager;
  const entry = async (businessId: string, at: string, e: Omit<Parameters<typeof recordAudit>[1], 'businessId'>) => {
    await recordAudit(db, { businessId, ...e });
    await db.query('UPDATE audit_log SET created_at = $1 WHERE id = (SELECT max(id) FROM audit_log)', [at]);
  };
  await entry(businessA, '2026-11-01T03:00:00Z', { actorType: 'admin', actorId: financeA.id, action: 'card.frozen', targetType: 'card', targetId: cardId });
  await entry(businessA, '2026-11-02T03:00:00Z', { actorType: 'admin', actorId: financeA.id, action: 'card.unfrozen', targetType: 'card', targetId: cardId });
  await entry(businessA, '2026-11-03T03:00:00Z', { actorType: 'partner', actorId: 'client-1', action: 'card.issued', targetType: 'card', targetId: otherCardId });
  await entry(businessA, '2026-11-04T03:00:00Z', { actorType: 'admin', actorId: ownerA.id, action: 'cardholder.updated', targetType: 'cardholder', targetId: randomUUID() });
  await entry(businessA, '2026-11-05T03:00:00Z', { actorType: 'admin', actorId: ownerA.id, action: 'policy_version.created', targetType: 'policy', targetId: randomUUID() });
  await entry(businessB, '2026-11-02T03:00:00Z', { actorType: 'admin', actorId: ownerB.id, action: 'card.frozen', targetType: 'card', targetId: cardId });
});
afterAll(() => h.close());

describe('GET /admin/v1/audit-log filters', () => {
  it('by action, exactly or by a prefix ending in a dot', async () => {
    const exact = await log(ownerA, 'action=card.frozen');
    expect(exact.status, JSON.stringify(exact.body)).toBe(200);
    expect(actions(exact)).toEqual(['card.frozen']);
    const cards = await log(ownerA, 'action=card.');
    expect(cards.status, JSON.stringify(cards.body)).toBe(200);
    expect(actions(cards)).toEqual(['card.issued', 'card.unfrozen', 'card.frozen']);
    expect(cards.body.totalCount).toBe(3);
    // `card.` is not `cardholder.`, and `_` is no LIKE wildcard.
    expect(actions(await log(ownerA, 'action=policy_version.'))).toEqual(['policy_version.created']);
    expect(actions(await log(ownerA, 'action=policyxversion.'))).toEqual([]);
  });

  it('by actor: an admin id or email (with the email in the answer), or the actor type', async () => {
    const byId = await log(ownerA, `actor=${financeA.id}`);
    // Their login is an entry too (the newest written, the oldest id).
    expect(actions(byId)).toEqual(['card.unfrozen', 'card.frozen', 'admin.login']);
    expect(byId.body.auditEntries[0]).toMatchObject({ actorType: 'admin', actorId: financeA.id, actorEmail: financeA.email, targetType: 'card', targetId: cardId });
    expect(actions(await log(ownerA, `actor=${encodeURIComponent(financeA.email.toUpperCase())}`))).toEqual(['card.unfrozen', 'card.frozen', 'admin.login']);
    expect(actions(await log(ownerA, 'actorType=partner'))).toEqual(['card.issued']);
    expect((await log(ownerA, 'actorType=partner')).body.auditEntries[0].actorEmail).toBeNull();
    // Another business's admin, by email or id: nothing.
    expect(actions(await log(ownerA, `actor=${encodeURIComponent(ownerB.email)}`))).toEqual([]);
    expect(actions(await log(ownerA, `actor=${ownerB.id}`))).toEqual([]);
  });

  it('by object and by time range (inclusive), combined with the others', async () => {
    expect(actions(await log(ownerA, `targetType=card&targetId=${cardId}`))).toEqual(['card.unfrozen', 'card.frozen']);
    expect(actions(await log(ownerA, 'targetType=cardholder'))).toEqual(['cardholder.updated']);
    expect(actions(await log(ownerA, `from=${encodeURIComponent('2026-11-02T10:00:00+07:00')}&to=${encodeURIComponent('2026-11-04T10:00:00+07:00')}`))).toEqual([
      'cardholder.updated',
      'card.issued',
      'card.unfrozen',
    ]);
    expect(actions(await log(ownerA, `action=card.&from=${encodeURIComponent('2026-11-02T00:00:00Z')}&actorType=admin`))).toEqual(['card.unfrozen']);
  });

  it('never shows another business’s entries', async () => {
    const b = await log(ownerB, `targetId=${cardId}`);
    expect(b.body.auditEntries).toEqual([expect.objectContaining({ action: 'card.frozen', actorId: ownerB.id })]);
    expect(b.body.totalCount).toBe(1);
    expect(actions(await log(ownerB, `targetId=${otherCardId}`))).toEqual([]);
  });

  it('refuses bad input with 400xx01 naming the field', async () => {
    for (const [query, field] of [
      ['from=yesterday', 'from'],
      ['to=2026-11-02', 'to'],
      ['from=2026-11-02T25:00:00Z', 'from'],
      [`from=${encodeURIComponent('2026-11-03T00:00:00Z')}&to=${encodeURIComponent('2026-11-02T00:00:00Z')}`, 'to'],
      ['actor=someone', 'actor'],
      ['actorType=robot', 'actorType'],
      ['action=CARD%25', 'action'],
      ['action=card..frozen', 'action'],
      ['targetType=card%20OR%201%3D1', 'targetType'],
      ['pageSize=500', 'pageSize'],
      ['who=me', 'who'],
    ]) {
      const res = await log(ownerA, query);
      expect(res.status, query).toBe(400);
      expect(res.body, query).toMatchObject({ responseCode: '4000001', field });
    }
  });

  it('is for owners only: finance admins and viewers get 403xx01', async () => {
    for (const a of [financeA, viewerA]) {
      const res = await log(a, 'action=card.');
      expect(res.status).toBe(403);
      expect(res.body.responseCode).toBe('4030001');
    }
  });
});
