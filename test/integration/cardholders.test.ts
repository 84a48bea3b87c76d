import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminSession } from '../support/admin-session';
import { startHarness, TestPartner, type Harness } from '../support/harness';

/** Cardholders, SNAP service 94: create, get, update, list; validation, duplicates, tenancy, audit and outbox. */

let h: Harness;
let partner: TestPartner;
let other: TestPartner;
const HOLDERS = '/snap/v1.0/cardholders';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  h = await startHarness();
  partner = await TestPartner.create(h, { name: 'Acme' });
  other = await TestPartner.create(h, { name: 'Other Co' });
});
afterAll(() => h.close());

const create = (p: TestPartner, body: unknown) => p.call('POST', HOLDERS, JSON.stringify(body));
const patch = (p: TestPartner, id: string, body: unknown) => p.call('PATCH', `${HOLDERS}/${id}`, JSON.stringify(body));
const get = (p: TestPartner, id: string) => p.call('GET', `${HOLDERS}/${id}`);
const list = (p: TestPartner, query = '') => p.call('GET', `${HOLDERS}${query ? `?${query}` : ''}`);

let n = 0;
const uniqueEmail = () => `person${++n}.${randomUUID().slice(0, 8)}@example.com`;

async function createOk(p: TestPartner, body: Record<string, unknown> = {}) {
  const res = await create(p, { name: 'Siti Rahayu', email: uniqueEmail(), ...body });
  expect(res.body.responseCode, JSON.stringify(res.body)).toBe('2009400');
  return res.body.cardholder as Record<string, unknown> & { id: string };
}

const count = async (sql: string, params: unknown[]) => Number((await h.kartu.db.query(sql, params))[0].count);

/** Audit rows and outbox events about cardholders of a business, plus its cardholder rows. */
async function sideEffects(businessId: string) {
  return {
    audit: await count("SELECT count(*) FROM audit_log WHERE business_id = $1 AND action LIKE 'cardholder.%'", [businessId]),
    outbox: await count("SELECT count(*) FROM outbox_events WHERE business_id = $1 AND type LIKE 'cardholder.%'", [businessId]),
    rows: await count('SELECT count(*) FROM cardholders WHERE business_id = $1', [businessId]),
    latestUpdate: String((await h.kartu.db.query('SELECT max(updated_at) AS m FROM cardholders WHERE business_id = $1', [businessId]))[0].m),
  };
}

/** Sends a request that must be refused with `code`, and checks that it changed nothing. */
async function expectRefused(p: TestPartner, code: string, send: () => ReturnType<TestPartner['call']>) {
  const before = await sideEffects(p.creds.businessId);
  const res = await send();
  expect(res.body.responseCode, JSON.stringify(res.body)).toBe(code);
  expect(res.status).toBe(Number(code.slice(0, 3)));
  expect(await sideEffects(p.creds.businessId)).toEqual(before);
  return res;
}

describe('create and get (94)', () => {
  it('creates a cardholder with every field, wrapped under `cardholder`, with an audit entry and a cardholder.created event', async () => {
    const email = uniqueEmail();
    const body = {
      name: 'Budi Santoso',
      email,
      phoneNo: '6281234567890',
      employeeId: 'EMP-001',
      dateOfBirth: '1990-04-17',
      metadata: { costCenter: 'CC-12', team: 'finance' },
    };
    const res = await create(partner, body);
    expect(res.status).toBe(200);
    expect(res.body.responseCode).toBe('2009400');
    expect(res.body.responseMessage).toBe('Successful');
    const holder = res.body.cardholder;
    expect(holder).toMatchObject({ ...body, status: 'ACTIVE' });
    expect(holder.id).toMatch(UUID);
    expect(new Date(holder.createdAt).toString()).not.toBe('Invalid Date');
    expect(new Date(holder.updatedAt).toString()).not.toBe('Invalid Date');

    const audit = await h.kartu.db.query('SELECT actor_type, actor_id, action, target_type FROM audit_log WHERE business_id = $1 AND target_id = $2', [
      partner.creds.businessId,
      holder.id,
    ]);
    expect(audit).toEqual([{ actor_type: 'partner', actor_id: expect.any(String), action: 'cardholder.created', target_type: 'cardholder' }]);
    const events = await h.kartu.db.query("SELECT type, business_id, data FROM outbox_events WHERE data->>'id' = $1", [holder.id]);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'cardholder.created', business_id: partner.creds.businessId, data: { id: holder.id, name: 'Budi Santoso', email } });

    const fetched = await get(partner, holder.id);
    expect(fetched.status).toBe(200);
    expect(fetched.body.responseCode).toBe('2009400');
    expect(fetched.body.cardholder).toEqual(holder);
  });

  it('only name and email are mandatory; the rest reads as null or empty', async () => {
    const email = uniqueEmail();
    const res = await create(partner, { name: 'Dewi', email });
    expect(res.body.responseCode).toBe('2009400');
    expect(res.body.cardholder).toMatchObject({ name: 'Dewi', email, phoneNo: null, employeeId: null, dateOfBirth: null, status: 'ACTIVE', metadata: {} });
  });

  it('accepts exactly 50 metadata keys and a 40-character key', async () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, `v${i}`]));
    expect((await createOk(partner, { metadata: fifty })).metadata).toEqual(fifty);
    const key40 = 'k'.repeat(40);
    expect((await createOk(partner, { metadata: { [key40]: 'x' } })).metadata).toEqual({ [key40]: 'x' });
  });
});

describe('validation errors name the field and create nothing', () => {
  const valid = () => ({ name: 'Rina', email: uniqueEmail() });

  it.each([
    ['name', { email: 'a@example.com' }],
    ['email', { name: 'Rina' }],
  ])('a missing %s → 4009402', async (field, body) => {
    const res = await expectRefused(partner, '4009402', () => create(partner, body));
    expect(res.body.responseMessage).toBe(`Invalid Mandatory Field ${field}`);
  });

  it.each([
    ['email', { email: 'not-an-email' }],
    ['email', { email: 'a@' }],
    ['name', { name: '' }],
    ['name', { name: 42 }],
    ['phoneNo', { phoneNo: '081234567890' }],
    ['phoneNo', { phoneNo: '+6281234567890' }],
    ['phoneNo', { phoneNo: '6281' }],
    ['phoneNo', { phoneNo: '6281234abc' }],
    ['dateOfBirth', { dateOfBirth: '17/04/1990' }],
    ['dateOfBirth', { dateOfBirth: '1990-02-30' }],
    ['dateOfBirth', { dateOfBirth: '1990-13-01' }],
    ['dateOfBirth', { dateOfBirth: '1990-04-17T00:00:00Z' }],
  ])('a bad %s (%j) → 4009401 naming it', async (field, override) => {
    const res = await expectRefused(partner, '4009401', () => create(partner, { ...valid(), ...override }));
    expect(res.body.responseMessage).toContain(`Invalid Field Format ${field}`);
  });

  it('an unknown field → 4009401 naming it', async () => {
    const res = await expectRefused(partner, '4009401', () => create(partner, { ...valid(), nickname: 'R' }));
    expect(res.body.responseMessage).toContain('nickname');
    expect(res.body.responseMessage).toContain('unknown field');
  });

  it('a status cannot be given at creation (unknown field) → 4009401', async () => {
    const res = await expectRefused(partner, '4009401', () => create(partner, { ...valid(), status: 'BLOCKED' }));
    expect(res.body.responseMessage).toContain('status');
  });

  it('metadata with more than 50 keys → 4009401 naming metadata', async () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    const res = await expectRefused(partner, '4009401', () => create(partner, { ...valid(), metadata: many }));
    expect(res.body.responseMessage).toContain('metadata');
  });

  it('a metadata key of 41 characters → 4009401 naming metadata', async () => {
    const res = await expectRefused(partner, '4009401', () => create(partner, { ...valid(), metadata: { ['k'.repeat(41)]: 'v' } }));
    expect(res.body.responseMessage).toContain('metadata');
  });

  it('a non-string metadata value, or one over 500 characters → 4009401 naming metadata', async () => {
    const number = await expectRefused(partner, '4009401', () => create(partner, { ...valid(), metadata: { a: 1 } }));
    expect(number.body.responseMessage).toContain('metadata');
    const long = await expectRefused(partner, '4009401', () => create(partner, { ...valid(), metadata: { a: 'x'.repeat(501) } }));
    expect(long.body.responseMessage).toContain('metadata');
  });

  it('a body that is not an object → 4009401', async () => {
    await expectRefused(partner, '4009401', () => partner.call('POST', HOLDERS, '[]'));
  });

  it('PATCH validates the same way: bad email, phone, dateOfBirth, status, unknown field, metadata', async () => {
    const holder = await createOk(partner);
    const cases: Array<[string, Record<string, unknown>]> = [
      ['email', { email: 'nope' }],
      ['phoneNo', { phoneNo: '0812345678' }],
      ['dateOfBirth', { dateOfBirth: '2001-02-29' }],
      ['status', { status: 'DELETED' }],
      ['status', { status: 'active' }],
      ['name', { name: '' }],
      ['foo', { foo: 'bar' }],
      ['metadata', { metadata: { ['m'.repeat(41)]: 'v' } }],
      ['metadata', { metadata: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v'])) }],
    ];
    for (const [field, body] of cases) {
      const res = await expectRefused(partner, '4009401', () => patch(partner, holder.id, body));
      expect(res.body.responseMessage, JSON.stringify(body)).toContain(field);
    }
    expect((await get(partner, holder.id)).body.cardholder).toEqual(holder);
  });
});

describe('update (PATCH)', () => {
  it('changes name, email, phoneNo, status and metadata; each change is audited and emits cardholder.updated', async () => {
    const holder = await createOk(partner, { phoneNo: '628111111111', metadata: { a: '1' } });
    const steps: Array<Record<string, unknown>> = [
      { name: 'Siti R. Wijaya' },
      { email: 'siti.wijaya@example.com' },
      { phoneNo: '6289876543210' },
      { status: 'INACTIVE' },
      { status: 'BLOCKED' },
      { status: 'ACTIVE' },
      { metadata: { costCenter: 'CC-99' } },
      { phoneNo: null, employeeId: 'E-77', dateOfBirth: '1985-12-31' },
    ];
    let expected: Record<string, unknown> = { ...holder };
    for (const [i, step] of steps.entries()) {
      const res = await patch(partner, holder.id, step);
      expect(res.status).toBe(200);
      expect(res.body.responseCode).toBe('2009400');
      expected = { ...expected, ...step };
      expect(res.body.cardholder).toMatchObject({ ...expected, updatedAt: expect.any(String) });
      expect((await get(partner, holder.id)).body.cardholder).toEqual(res.body.cardholder);

      const audits = await h.kartu.db.query("SELECT details FROM audit_log WHERE target_id = $1 AND action = 'cardholder.updated' ORDER BY id", [holder.id]);
      expect(audits).toHaveLength(i + 1);
      expect(audits[i].details.changed.sort()).toEqual(Object.keys(step).sort());
      const events = await h.kartu.db.query("SELECT data FROM outbox_events WHERE type = 'cardholder.updated' AND data->>'id' = $1 ORDER BY created_at, id", [
        holder.id,
      ]);
      expect(events).toHaveLength(i + 1);
      const latest = events[i].data as Record<string, unknown> & { changed: string[] };
      expect([...latest.changed].sort()).toEqual(Object.keys(step).sort());
      expect(latest).toMatchObject(step);
    }
    // metadata is replaced, not merged
    expect(expected.metadata).toEqual({ costCenter: 'CC-99' });
    expect((await get(partner, holder.id)).body.cardholder.metadata).toEqual({ costCenter: 'CC-99' });
  });

  it('an empty PATCH is refused (4009402) and writes nothing', async () => {
    const holder = await createOk(partner);
    await expectRefused(partner, '4009402', () => patch(partner, holder.id, {}));
    expect((await get(partner, holder.id)).body.cardholder).toEqual(holder);
  });

  it('the cardholder.updated event carries the new state', async () => {
    const holder = await createOk(partner);
    await patch(partner, holder.id, { status: 'BLOCKED' });
    const [event] = await h.kartu.db.query("SELECT business_id, data FROM outbox_events WHERE type = 'cardholder.updated' AND data->>'id' = $1", [holder.id]);
    expect(event.business_id).toBe(partner.creds.businessId);
    expect(event.data).toMatchObject({ id: holder.id, status: 'BLOCKED', changed: ['status'] });
  });

  it('a malformed, unknown or another business\'s id → 4049401 on GET and PATCH, and nothing changes', async () => {
    const theirs = await createOk(other, { name: 'Their Person' });
    for (const id of ['not-a-uuid', '123', randomUUID(), theirs.id]) {
      const read = await get(partner, id);
      expect(read.status, id).toBe(404);
      expect(read.body.responseCode, id).toBe('4049401');
      await expectRefused(partner, '4049401', () => patch(partner, id, { name: 'Hijacked' }));
    }
    await expectRefused(partner, '4049401', () => patch(partner, theirs.id, { status: 'BLOCKED' }));
    const still = await get(other, theirs.id);
    expect(still.body.cardholder).toEqual(theirs);
    expect(await count("SELECT count(*) FROM outbox_events WHERE type = 'cardholder.updated' AND data->>'id' = $1", [theirs.id])).toBe(0);
  });
});

describe('employeeId is unique per business', () => {
  it('a duplicate employeeId in the same business → 4099401 and no second cardholder; another business may use it', async () => {
    const employeeId = `EMP-${randomUUID().slice(0, 8)}`;
    const first = await createOk(partner, { employeeId });
    const dup = await expectRefused(partner, '4099401', () => create(partner, { name: 'Someone Else', email: uniqueEmail(), employeeId }));
    expect(dup.body.responseMessage).toContain('employeeId');
    expect(await count('SELECT count(*) FROM cardholders WHERE business_id = $1 AND employee_id = $2', [partner.creds.businessId, employeeId])).toBe(1);

    const theirs = await createOk(other, { employeeId });
    expect(theirs.employeeId).toBe(employeeId);
    expect(theirs.id).not.toBe(first.id);
  });

  it('PATCH to an employeeId already taken in the business → 4099401 and no change', async () => {
    const employeeId = `EMP-${randomUUID().slice(0, 8)}`;
    await createOk(partner, { employeeId });
    const second = await createOk(partner, { employeeId: `${employeeId}-b` });
    await expectRefused(partner, '4099401', () => patch(partner, second.id, { employeeId }));
    expect((await get(partner, second.id)).body.cardholder.employeeId).toBe(`${employeeId}-b`);
  });

  it('cardholders without an employeeId never collide', async () => {
    await createOk(partner);
    await createOk(partner);
  });
});

describe('list', () => {
  let lister: TestPartner;
  const created: Array<Record<string, unknown> & { id: string }> = [];

  beforeAll(async () => {
    lister = await TestPartner.create(h, { name: 'Lister' });
    for (let i = 0; i < 12; i++) {
      created.push(await createOk(lister, { name: `Person ${i}`, employeeId: `L-${i}` }));
    }
    await patch(lister, created[2]!.id, { status: 'BLOCKED' });
    await patch(lister, created[5]!.id, { status: 'BLOCKED' });
    await patch(lister, created[7]!.id, { status: 'INACTIVE' });
  });

  it('lists newest first under `cardholders`, with pageNumber, pageSize and totalCount', async () => {
    const res = await list(lister, 'pageSize=100');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ responseCode: '2009400', pageNumber: 0, pageSize: 100, totalCount: 12 });
    expect(res.body.cardholders.map((c: { id: string }) => c.id)).toEqual([...created].reverse().map((c) => c.id));
  });

  it('defaults to page 0 of 10', async () => {
    const res = await list(lister);
    expect(res.body).toMatchObject({ responseCode: '2009400', pageNumber: 0, pageSize: 10, totalCount: 12 });
    expect(res.body.cardholders).toHaveLength(10);
  });

  it('pages through everything exactly once', async () => {
    const seen: string[] = [];
    for (const pageNumber of [0, 1, 2, 3]) {
      const res = await list(lister, `pageSize=5&pageNumber=${pageNumber}`);
      expect(res.body).toMatchObject({ pageNumber, pageSize: 5, totalCount: 12 });
      expect(res.body.cardholders).toHaveLength([5, 5, 2, 0][pageNumber]!);
      seen.push(...res.body.cardholders.map((c: { id: string }) => c.id));
    }
    expect(seen).toEqual([...created].reverse().map((c) => c.id));
  });

  it('filters by status, email and employeeId', async () => {
    const blocked = await list(lister, 'status=BLOCKED');
    expect(blocked.body.totalCount).toBe(2);
    expect(blocked.body.cardholders.map((c: { id: string }) => c.id)).toEqual([created[5]!.id, created[2]!.id]);
    expect(blocked.body.cardholders.every((c: { status: string }) => c.status === 'BLOCKED')).toBe(true);

    const inactive = await list(lister, 'status=INACTIVE');
    expect(inactive.body.cardholders.map((c: { id: string }) => c.id)).toEqual([created[7]!.id]);
    expect((await list(lister, 'status=ACTIVE')).body.totalCount).toBe(9);

    const byEmail = await list(lister, `email=${encodeURIComponent(String(created[3]!.email))}`);
    expect(byEmail.body.totalCount).toBe(1);
    expect(byEmail.body.cardholders[0].id).toBe(created[3]!.id);

    const byEmployee = await list(lister, 'employeeId=L-9');
    expect(byEmployee.body.cardholders.map((c: { id: string }) => c.id)).toEqual([created[9]!.id]);

    const both = await list(lister, 'employeeId=L-2&status=ACTIVE');
    expect(both.body).toMatchObject({ totalCount: 0, cardholders: [] });
    expect((await list(lister, 'employeeId=nobody')).body).toMatchObject({ totalCount: 0, cardholders: [] });
  });

  it('pageSize above 100, below 1 or not a number, a bad status or an unknown filter → 4009401 naming it', async () => {
    for (const [query, field] of [
      ['pageSize=101', 'pageSize'],
      ['pageSize=0', 'pageSize'],
      ['pageSize=ten', 'pageSize'],
      ['pageNumber=-1', 'pageNumber'],
      ['status=DELETED', 'status'],
      ['colour=red', 'colour'],
    ]) {
      const res = await list(lister, query);
      expect(res.status, query).toBe(400);
      expect(res.body.responseCode, query).toBe('4009401');
      expect(res.body.responseMessage, query).toContain(field);
    }
  });

  it("another business's cardholders are never listed, even when filtered for", async () => {
    const mine = await list(lister, 'pageSize=100');
    const theirs = await list(partner, 'pageSize=100');
    const mineIds = new Set(mine.body.cardholders.map((c: { id: string }) => c.id));
    expect(theirs.body.totalCount).toBeGreaterThan(0);
    for (const c of theirs.body.cardholders) expect(mineIds.has(c.id)).toBe(false);
    expect((await list(partner, 'employeeId=L-1')).body).toMatchObject({ totalCount: 0, cardholders: [] });
    expect((await list(partner, `email=${encodeURIComponent(String(created[1]!.email))}`)).body).toMatchObject({ totalCount: 0, cardholders: [] });
  });
});

describe('search (q)', () => {
  let searcher: TestPartner;
  let neighbour: TestPartner;
  const by: Record<string, { id: string }> = {};
  const ids = (res: { body: { cardholders: Array<{ id: string }> } }) => res.body.cardholders.map((c) => c.id);
  const search = (p: TestPartner, q: string, extra = '') => list(p, `q=${encodeURIComponent(q)}&pageSize=100${extra}`);

  beforeAll(async () => {
    searcher = await TestPartner.create(h, { name: 'Searcher' });
    neighbour = await TestPartner.create(h, { name: 'Neighbour' });
    const holders: Array<[string, string, string]> = [
      ['siti', 'Siti Rahayu', `siti.${randomUUID().slice(0, 8)}@example.com`],
      ['bambang', 'Bambang Wijaya', `b.rahayu.${randomUUID().slice(0, 8)}@example.com`],
      ['underscore', 'Budi Santoso', `budi_s.${randomUUID().slice(0, 8)}@kantor.example.com`],
      ['lookalike', 'Budi Xantoso', `budixs.${randomUUID().slice(0, 8)}@kantor.example.com`],
      ['percent', 'Rina 100% Setia', `rina.${randomUUID().slice(0, 8)}@example.com`],
      ['backslash', 'Agus \\ Pratama', `agus.${randomUUID().slice(0, 8)}@example.com`],
    ];
    for (const [key, name, email] of holders) by[key] = await createOk(searcher, { name, email });
    await patch(searcher, by.bambang!.id, { status: 'BLOCKED' });
    // Another business's namesake: never found from here.
    await createOk(neighbour, { name: 'Siti Rahayu', email: `siti.rahayu.${randomUUID().slice(0, 8)}@example.com` });
  });

  it('finds a case-insensitive substring of the name or the email, newest first, with the count of matches', async () => {
    const rahayu = await search(searcher, 'RAHAYU');
    expect(rahayu.body).toMatchObject({ responseCode: '2009400', totalCount: 2 });
    expect(ids(rahayu)).toEqual([by.bambang!.id, by.siti!.id]);
    expect(ids(await search(searcher, 'siti r'))).toEqual([by.siti!.id]);
    expect(ids(await search(searcher, 'kantor.EXAMPLE'))).toEqual([by.lookalike!.id, by.underscore!.id]);
    // Surrounding blanks are trimmed.
    expect(ids(await search(searcher, '  wijaya '))).toEqual([by.bambang!.id]);
    expect((await search(searcher, 'nobody-here')).body).toMatchObject({ responseCode: '2009400', totalCount: 0, cardholders: [] });
  });

  it('takes %, _ and \\ literally', async () => {
    expect(ids(await search(searcher, 'budi_s'))).toEqual([by.underscore!.id]);
    expect(ids(await search(searcher, '_'))).toEqual([by.underscore!.id]);
    expect(ids(await search(searcher, '%'))).toEqual([by.percent!.id]);
    expect(ids(await search(searcher, '0% s'))).toEqual([by.percent!.id]);
    expect(ids(await search(searcher, '\\'))).toEqual([by.backslash!.id]);
    expect(ids(await search(searcher, 'agus \\ p'))).toEqual([by.backslash!.id]);
  });

  it('combines with the other filters and pages', async () => {
    expect(ids(await search(searcher, 'rahayu', '&status=BLOCKED'))).toEqual([by.bambang!.id]);
    expect(ids(await search(searcher, 'rahayu', '&status=ACTIVE'))).toEqual([by.siti!.id]);
    const page1 = await list(searcher, 'q=rahayu&pageSize=1&pageNumber=1');
    expect(page1.body).toMatchObject({ pageNumber: 1, pageSize: 1, totalCount: 2 });
    expect(ids(page1)).toEqual([by.siti!.id]);
  });

  it("never matches another business's cardholders", async () => {
    const mine = new Set(ids(await search(searcher, 'siti')));
    expect(mine).toEqual(new Set([by.siti!.id]));
    const theirs = await search(neighbour, 'siti rahayu');
    expect(theirs.body.totalCount).toBe(1);
    expect(mine.has(theirs.body.cardholders[0].id)).toBe(false);
    expect((await search(neighbour, 'budi_s')).body).toMatchObject({ totalCount: 0, cardholders: [] });
  });

  it('answers the same on the admin API', async () => {
    const cookie = await adminSession(h, searcher.creds.businessId, 'viewer');
    const res = await h.http().get('/admin/v1/cardholders?q=rahayu').set('Cookie', cookie);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(ids(res)).toEqual([by.bambang!.id, by.siti!.id]);
  });

  it('an empty or blank q, or one over 100 characters → 4009401 naming q', async () => {
    for (const query of ['q=', `q=${encodeURIComponent('   ')}`, `q=${'a'.repeat(101)}`]) {
      const res = await list(searcher, query);
      expect(res.status, query).toBe(400);
      expect(res.body.responseCode, query).toBe('4009401');
      expect(res.body.responseMessage, query).toMatch(/Invalid Field Format q\b/);
    }
    expect((await list(searcher, `q=${'a'.repeat(100)}`)).body).toMatchObject({ responseCode: '2009400', totalCount: 0 });
  });
});

describe('audit and outbox', () => {
  it('each successful change writes exactly one audit row and one outbox row; refused requests write neither', async () => {
    const before = await sideEffects(partner.creds.businessId);
    const holder = await createOk(partner);
    await patch(partner, holder.id, { name: 'Renamed' });
    const after = await sideEffects(partner.creds.businessId);
    expect(after.audit - before.audit).toBe(2);
    expect(after.outbox - before.outbox).toBe(2);
    expect(after.rows - before.rows).toBe(1);

    await expectRefused(partner, '4009402', () => create(partner, { email: uniqueEmail() }));
    await expectRefused(partner, '4009401', () => patch(partner, holder.id, { email: 'x' }));
    await expectRefused(partner, '4049401', () => patch(partner, randomUUID(), { name: 'Nobody' }));
  });

  it('reads (GET and list) write neither', async () => {
    const holder = await createOk(partner);
    const before = await sideEffects(partner.creds.businessId);
    await get(partner, holder.id);
    await list(partner);
    expect(await sideEffects(partner.creds.businessId)).toEqual(before);
  });
});
