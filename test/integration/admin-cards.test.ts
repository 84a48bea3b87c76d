import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminRole } from '../../src/modules/access/admin.entity';
import { createAdmin } from '../../src/modules/access/admins.service';
import { isLuhnValid } from '../../src/modules/cards/pan-vault';
import { startHarness, TestPartner, type Harness } from '../support/harness';

let h: Harness;

// POST /admin/v1/login is limited per client IP; every login comes from an address of its own.
let ipCounter = 0;
const nextIp = () => `198.51.100.${(ipCounter++ % 250) + 1}`;
let emailCounter = 0;

interface Admin {
  adminId: string;
  email: string;
  password: string;
  cookie: string;
}

async function adminWithSession(businessId: string, role: AdminRole): Promise<Admin> {
  const created = await createAdmin(h.kartu, { businessId, email: `${role}.${++emailCounter}.${Date.now().toString(36)}@example.com`, role });
  const res = await h.http().post('/admin/v1/login').set('X-Forwarded-For', nextIp()).send({ email: created.email, password: created.password });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const setCookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('kartu_session='));
  if (!setCookie) throw new Error('no session cookie');
  return { ...created, cookie: setCookie.split(';')[0]! };
}

const as = (a: Admin | undefined) => ({
  get: (path: string) => (a ? h.http().get(`/admin/v1${path}`).set('Cookie', a.cookie) : h.http().get(`/admin/v1${path}`)),
  post: (path: string, body?: object) => {
    const req = a ? h.http().post(`/admin/v1${path}`).set('Cookie', a.cookie) : h.http().post(`/admin/v1${path}`);
    return body ? req.send(body) : req;
  },
  patch: (path: string, body: object) => (a ? h.http().patch(`/admin/v1${path}`).set('Cookie', a.cookie) : h.http().patch(`/admin/v1${path}`)).send(body),
});

async function auditRows(targetId: string): Promise<Array<{ action: string; actor_type: string; actor_id: string | null; business_id: string }>> {
  return h.kartu.db.query('SELECT action, actor_type, actor_id, business_id FROM audit_log WHERE target_id = $1 ORDER BY id', [targetId]);
}

let partnerA: TestPartner;
let businessA: string;
let businessB: string;
let financeA: Admin;
let ownerA: Admin;
let viewerA: Admin;
let ownerB: Admin;
let financeB: Admin;

beforeAll(async () => {
  h = await startHarness();
  partnerA = await TestPartner.create(h, { name: 'Alpha' });
  businessA = partnerA.creds.businessId;
  businessB = (await TestPartner.create(h, { name: 'Beta' })).creds.businessId;
  financeA = await adminWithSession(businessA, 'finance_admin');
  ownerA = await adminWithSession(businessA, 'owner');
  viewerA = await adminWithSession(businessA, 'viewer');
  ownerB = await adminWithSession(businessB, 'owner');
  financeB = await adminWithSession(businessB, 'finance_admin');
});
afterAll(() => h.close());

describe('a finance_admin manages cards through /admin/v1', () => {
  let cardholderId: string;
  let cardId: string;
  let revealed: { number: string; cvv: string; expiry: string; last4: string };

  it('creates a cardholder (audited as the admin)', async () => {
    const res = await as(financeA).post('/cardholders', { name: 'Budi Santoso', email: 'Budi@Example.com', employeeId: 'EMP-001' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ responseCode: '2009400', cardholder: { name: 'Budi Santoso', email: 'budi@example.com', employeeId: 'EMP-001', status: 'ACTIVE' } });
    cardholderId = res.body.cardholder.id;
    expect(await auditRows(cardholderId)).toEqual([{ action: 'cardholder.created', actor_type: 'admin', actor_id: financeA.adminId, business_id: businessA }]);
  });

  it('issues a card in the business currency (audited as the admin)', async () => {
    const res = await as(financeA).post('/cards', { partnerReferenceNo: 'admin-card-1', cardholderId, type: 'VIRTUAL' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ responseCode: '2009000', card: { cardholderId, type: 'VIRTUAL', status: 'ACTIVE', currency: 'IDR', partnerReferenceNo: 'admin-card-1' } });
    expect(res.body.card.last4).toMatch(/^\d{4}$/);
    expect(res.body.card).not.toHaveProperty('number');
    expect(res.body.card).not.toHaveProperty('cvv');
    cardId = res.body.card.id;
    const rows: Array<{ business_id: string }> = await h.kartu.db.query('SELECT business_id FROM cards WHERE id = $1', [cardId]);
    expect(rows).toEqual([{ business_id: businessA }]);
  });

  it('freezes it', async () => {
    const res = await as(financeA).patch(`/cards/${cardId}`, { status: 'FROZEN' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ responseCode: '2009200', card: { id: cardId, status: 'FROZEN' } });
    expect((await as(financeA).get(`/cards/${cardId}`)).body.card.status).toBe('FROZEN');
    // Freezing a frozen card is refused, not a silent no-op.
    const again = await as(financeA).patch(`/cards/${cardId}`, { status: 'FROZEN' });
    expect(again.status).toBe(403);
    expect(again.body.responseCode).toBe('4039215');
  });

  it('reveals it to an owner: number, CVV and expiry, audited as the admin', async () => {
    const res = await as(ownerA).post(`/cards/${cardId}/reveal`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.responseCode).toBe('2009300');
    revealed = res.body.card;
    expect(res.body.card.id).toBe(cardId);
    expect(revealed.number).toMatch(/^\d{16}$/);
    expect(isLuhnValid(revealed.number)).toBe(true);
    expect(revealed.number.slice(-4)).toBe(revealed.last4);
    expect(revealed.cvv).toMatch(/^\d{3}$/);
    expect(revealed.expiry).toMatch(/^(0[1-9]|1[0-2])\d{2}$/);

    const rows = await auditRows(cardId);
    expect(rows.map((r) => r.action)).toEqual(['card.created', 'card.updated', 'card.revealed']);
    expect(rows.map((r) => r.actor_id)).toEqual([financeA.adminId, financeA.adminId, ownerA.adminId]);
    for (const r of rows) expect(r).toMatchObject({ actor_type: 'admin', business_id: businessA });
  });

  it('a finance_admin may not reveal on the admin API (owners only): 4039301, nothing audited', async () => {
    const res = await as(financeA).post(`/cards/${cardId}/reveal`);
    expect(res.status).toBe(403);
    expect(res.body.responseCode).toBe('4039301');
    expect(res.body).not.toHaveProperty('card');
    const reveals = (await auditRows(cardId)).filter((r) => r.action === 'card.revealed');
    expect(reveals.map((r) => r.actor_id)).toEqual([ownerA.adminId]);
  });

  it('the admin-issued card is the same card the partner API sees (and the partner reveals the same PAN)', async () => {
    const res = await partnerA.call('GET', `/snap/v1.0/cards/${cardId}`);
    expect(res.status).toBe(200);
    expect(res.body.card).toMatchObject({ id: cardId, status: 'FROZEN', last4: revealed.last4 });
    const partnerReveal = await partnerA.call('POST', `/snap/v1.0/cards/${cardId}/reveal`);
    expect(partnerReveal.status).toBe(200);
    expect(partnerReveal.body.card).toEqual({ id: cardId, ...revealed });
  });

  it('no admin log line carries the PAN or the CVV', () => {
    const text = h.logs.join('\n');
    expect(text).not.toContain(revealed.number);
    expect(text).not.toMatch(new RegExp(`cvv2?\\W{0,4}${revealed.cvv}\\b`, 'i'));
  });
});

describe('a viewer reads but cannot write or reveal', () => {
  let cardholderId: string;
  let cardId: string;

  beforeAll(async () => {
    cardholderId = (await as(financeA).post('/cardholders', { name: 'Viewer Target', email: 'vt@example.com' })).body.cardholder.id;
    const card = await as(financeA).post('/cards', { partnerReferenceNo: 'viewer-target', cardholderId, type: 'PHYSICAL', shipping: { name: 'Viewer Target', address: { line1: 'Jl. Thamrin 2', city: 'Jakarta', postalCode: '10350', country: 'ID' } } });
    expect(card.status, JSON.stringify(card.body)).toBe(200);
    cardId = card.body.card.id;
  });

  it('lists and gets cards and cardholders', async () => {
    const cards = await as(viewerA).get('/cards?pageSize=100');
    expect(cards.status).toBe(200);
    expect(cards.body.responseCode).toBe('2009100');
    expect(cards.body.cards.map((c: { id: string }) => c.id)).toContain(cardId);
    const card = await as(viewerA).get(`/cards/${cardId}`);
    expect(card.status).toBe(200);
    expect(card.body.card).toMatchObject({ id: cardId, type: 'PHYSICAL', status: 'INACTIVE' });
    const holders = await as(viewerA).get('/cardholders?pageSize=100');
    expect(holders.status).toBe(200);
    expect(holders.body.cardholders.map((c: { id: string }) => c.id)).toContain(cardholderId);
    const holder = await as(viewerA).get(`/cardholders/${cardholderId}`);
    expect(holder.status).toBe(200);
    expect(holder.body.cardholder).toMatchObject({ id: cardholderId, name: 'Viewer Target' });
    const filtered = await as(viewerA).get(`/cards?cardholderId=${cardholderId}&status=INACTIVE&type=PHYSICAL`);
    expect(filtered.status).toBe(200);
    expect(filtered.body.cards.map((c: { id: string }) => c.id)).toEqual([cardId]);
  });

  it('is refused issuing (4039001), updating (4039201), activating and PIN (4039201), revealing (4039301) and cardholder writes (4039401)', async () => {
    const [{ before }]: Array<{ before: number }> = await h.kartu.db.query('SELECT count(*)::int AS before FROM cards WHERE business_id = $1', [businessA]);
    const auditBefore = (await auditRows(cardId)).length;

    const attempts: Array<[string, Promise<{ status: number; body: Record<string, unknown> }>, string]> = [
      ['issue', as(viewerA).post('/cards', { partnerReferenceNo: 'viewer-issue', cardholderId, type: 'VIRTUAL' }), '4039001'],
      ['freeze', as(viewerA).patch(`/cards/${cardId}`, { status: 'TERMINATED' }), '4039201'],
      ['activate', as(viewerA).post(`/cards/${cardId}/activate`), '4039201'],
      ['pin', as(viewerA).post(`/cards/${cardId}/pin`, { pin: '1234' }), '4039201'],
      ['reveal', as(viewerA).post(`/cards/${cardId}/reveal`), '4039301'],
      ['create cardholder', as(viewerA).post('/cardholders', { name: 'Nope', email: 'nope@example.com' }), '4039401'],
      ['update cardholder', as(viewerA).patch(`/cardholders/${cardholderId}`, { status: 'BLOCKED' }), '4039401'],
    ];
    for (const [what, pending, code] of attempts) {
      const res = await pending;
      expect(res.status, what).toBe(403);
      expect(res.body.responseCode, what).toBe(code);
      expect(String(res.body.responseMessage), what).toMatch(what === 'reveal' ? /Requires role owner$/ : /owner or finance_admin/);
      expect(res.body, what).not.toHaveProperty('card');
    }

    const [{ after }]: Array<{ after: number }> = await h.kartu.db.query('SELECT count(*)::int AS after FROM cards WHERE business_id = $1', [businessA]);
    expect(after).toBe(before);
    expect((await auditRows(cardId)).length).toBe(auditBefore);
    expect((await as(viewerA).get(`/cards/${cardId}`)).body.card).toMatchObject({ status: 'INACTIVE', pinSet: false });
    expect((await as(viewerA).get(`/cardholders/${cardholderId}`)).body.cardholder.status).toBe('ACTIVE');
    const viewerAudit: unknown[] = await h.kartu.db.query("SELECT 1 FROM audit_log WHERE actor_id = $1 AND action LIKE 'card%'", [viewerA.adminId]);
    expect(viewerAudit).toEqual([]);
  });
});

describe('business scoping', () => {
  let cardholderA: string;
  let cardA: string;
  let cardB: string;

  beforeAll(async () => {
    cardholderA = (await as(financeA).post('/cardholders', { name: 'Alpha Person', email: 'ap@example.com' })).body.cardholder.id;
    cardA = (await as(financeA).post('/cards', { partnerReferenceNo: 'scoped-a', cardholderId: cardholderA, type: 'VIRTUAL' })).body.card.id;
    const holderB = (await as(financeB).post('/cardholders', { name: 'Beta Person', email: 'bp@example.com' })).body.cardholder.id;
    const issuedB = await as(financeB).post('/cards', { partnerReferenceNo: 'scoped-a', cardholderId: holderB, type: 'VIRTUAL' });
    // partnerReferenceNo is unique per business, not globally.
    expect(issuedB.status, JSON.stringify(issuedB.body)).toBe(200);
    cardB = issuedB.body.card.id;
  });

  it("admins of business B never see business A's cards or cardholders (404)", async () => {
    for (const admin of [ownerB, financeB]) {
      const card = await as(admin).get(`/cards/${cardA}`);
      expect(card.status).toBe(404);
      expect(card.body.responseCode).toBe('4049101');
      expect(card.body).not.toHaveProperty('card');
      const holder = await as(admin).get(`/cardholders/${cardholderA}`);
      expect(holder.status).toBe(404);
      expect(holder.body.responseCode).toBe('4049401');

      const list = await as(admin).get('/cards?pageSize=100');
      expect(list.status).toBe(200);
      expect(list.body.cards.map((c: { id: string }) => c.id)).toEqual([cardB]);
      expect(list.body.totalCount).toBe(1);
      const byHolder = await as(admin).get(`/cards?cardholderId=${cardholderA}`);
      expect(byHolder.body.cards).toEqual([]);
      const holders = await as(admin).get('/cardholders?pageSize=100');
      expect(holders.body.cardholders.map((c: { id: string }) => c.id)).not.toContain(cardholderA);
    }
  });

  it("business B's owner cannot change, reveal or issue against business A's card or cardholder", async () => {
    const patch = await as(ownerB).patch(`/cards/${cardA}`, { status: 'TERMINATED' });
    expect(patch.status).toBe(404);
    expect(patch.body.responseCode).toBe('4049201');
    const reveal = await as(ownerB).post(`/cards/${cardA}/reveal`);
    expect(reveal.status).toBe(404);
    expect(reveal.body.responseCode).toBe('4049301');
    expect(reveal.body).not.toHaveProperty('card');
    const holderPatch = await as(ownerB).patch(`/cardholders/${cardholderA}`, { status: 'BLOCKED' });
    expect(holderPatch.status).toBe(404);
    expect(holderPatch.body.responseCode).toBe('4049401');
    const issue = await as(ownerB).post('/cards', { partnerReferenceNo: 'steal', cardholderId: cardholderA, type: 'VIRTUAL' });
    expect(issue.status).toBe(404);
    expect(issue.body.responseCode).toBe('4049011');
    const replace = await as(ownerB).post('/cards', { partnerReferenceNo: 'steal-2', cardholderId: cardholderA, type: 'VIRTUAL', replacementFor: cardA, replacementReason: 'lost' });
    expect(replace.status).toBe(404);

    // Business A's card and cardholder are untouched, and nothing of business B's touched them.
    expect((await as(financeA).get(`/cards/${cardA}`)).body.card.status).toBe('ACTIVE');
    expect((await as(financeA).get(`/cardholders/${cardholderA}`)).body.cardholder.status).toBe('ACTIVE');
    const foreign: unknown[] = await h.kartu.db.query('SELECT 1 FROM audit_log WHERE target_id IN ($1, $2) AND business_id <> $3', [cardA, cardholderA, businessA]);
    expect(foreign).toEqual([]);
    const stolen: unknown[] = await h.kartu.db.query("SELECT 1 FROM cards WHERE partner_reference_no IN ('steal', 'steal-2')");
    expect(stolen).toEqual([]);
  });

  it("business A's admins do not see business B's card either", async () => {
    const res = await as(ownerA).get(`/cards/${cardB}`);
    expect(res.status).toBe(404);
    expect(res.body.responseCode).toBe('4049101');
    expect((await as(ownerA).post(`/cards/${cardB}/reveal`)).status).toBe(404);
  });
});

describe('without a session', () => {
  let cardId: string;

  beforeAll(async () => {
    const holder = (await as(financeA).post('/cardholders', { name: 'No Session', email: 'ns@example.com' })).body.cardholder.id;
    cardId = (await as(financeA).post('/cards', { partnerReferenceNo: 'no-session', cardholderId: holder, type: 'VIRTUAL' })).body.card.id;
  });

  it("every card and cardholder route answers 401 (401xx00 with the route's service code) and reveals nothing", async () => {
    const forged: Admin = { adminId: '', email: '', password: '', cookie: `kartu_session=${'A'.repeat(43)}` };
    for (const who of [undefined, forged]) {
      const calls: Array<[string, Promise<{ status: number; body: Record<string, unknown> }>, string]> = [
        ['list cards', as(who).get('/cards'), '4019100'],
        ['get card', as(who).get(`/cards/${cardId}`), '4019100'],
        ['issue', as(who).post('/cards', { partnerReferenceNo: 'anon', cardholderId: cardId, type: 'VIRTUAL' }), '4019000'],
        ['patch', as(who).patch(`/cards/${cardId}`, { status: 'FROZEN' }), '4019200'],
        ['reveal', as(who).post(`/cards/${cardId}/reveal`), '4019300'],
        ['list cardholders', as(who).get('/cardholders'), '4019400'],
        ['create cardholder', as(who).post('/cardholders', { name: 'Anon', email: 'anon@example.com' }), '4019400'],
      ];
      for (const [what, pending, code] of calls) {
        const res = await pending;
        expect(res.status, what).toBe(401);
        expect(res.body.responseCode, what).toBe(code);
        expect(res.body, what).not.toHaveProperty('card');
        expect(res.body, what).not.toHaveProperty('cards');
      }
    }
    expect((await as(financeA).get(`/cards/${cardId}`)).body.card.status).toBe('ACTIVE');
  });

  it('a logged-out session no longer works', async () => {
    const temp = await adminWithSession(businessA, 'finance_admin');
    expect((await as(temp).get(`/cards/${cardId}`)).status).toBe(200);
    expect((await as(temp).post('/logout')).status).toBe(200);
    const res = await as(temp).post(`/cards/${cardId}/reveal`);
    expect(res.status).toBe(401);
    expect(res.body.responseCode).toBe('4019300');
  });
});
