import { randomBytes, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness, type CreatedBusiness } from '../../src/modules/access/access.service';
import { startHarness, TestPartner, type Harness } from '../support/harness';

/**
 * Cards, SNAP services 90 (issue), 91 (inquiry), 92 (update, activate, PIN), 93 (reveal) and the
 * sandbox shipping simulator (96), through the signed partner API against a real database.
 */

let h: Harness;
let partner: TestPartner;
let other: TestPartner;
let holderId: string;
let otherHolderId: string;

const CARDS = '/snap/v1.0/cards';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHIPPING = {
  name: 'Budi Santoso',
  address: { line1: 'Jl. Jend. Sudirman Kav. 52-53', city: 'Jakarta Selatan', postalCode: '12190', country: 'ID' },
};
const SPEND_CONTROLS = {
  spendingLimits: [
    { amount: { value: '500000.00', currency: 'IDR' }, interval: 'daily', categories: ['restaurants'] },
    { amount: { value: '5000000', currency: 'IDR' }, interval: 'monthly' },
  ],
  allowedCategories: ['5812', 'travel'],
  allowedCountries: ['ID'],
  blockedCountries: [],
};

type Card = Record<string, unknown> & { id: string; status: string; last4: string; expiryMonth: number; expiryYear: number; shipping: Record<string, unknown> | null };
type Res = Awaited<ReturnType<TestPartner['call']>>;

beforeAll(async () => {
  h = await startHarness();
  partner = await TestPartner.create(h, { name: 'Acme' });
  other = await TestPartner.create(h, { name: 'Other Co' });
  holderId = await newHolder(partner);
  otherHolderId = await newHolder(other);
});
afterAll(() => h.close());

// ---- helpers ----------------------------------------------------------------------------------

let seq = 0;
const ref = () => `ref-${++seq}-${randomUUID().slice(0, 8)}`;

async function newHolder(p: TestPartner, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await p.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Siti Rahayu', email: `siti.${randomUUID().slice(0, 8)}@example.com`, ...extra }));
  expect(res.body.responseCode, JSON.stringify(res.body)).toBe('2009400');
  return res.body.cardholder.id;
}

const issue = (p: TestPartner, body: unknown, o: { externalId?: string } = {}) => p.call('POST', CARDS, JSON.stringify(body), o);
const getCard = (p: TestPartner, id: string) => p.call('GET', `${CARDS}/${id}`);
const patchCard = (p: TestPartner, id: string, body: unknown) => p.call('PATCH', `${CARDS}/${id}`, JSON.stringify(body));
const activate = (p: TestPartner, id: string) => p.call('POST', `${CARDS}/${id}/activate`);
const reveal = (p: TestPartner, id: string) => p.call('POST', `${CARDS}/${id}/reveal`);
const setPin = (p: TestPartner, id: string, body: unknown) => p.call('POST', `${CARDS}/${id}/pin`, JSON.stringify(body));
const ship = (p: TestPartner, id: string, body: unknown) => p.call('POST', `/snap/v1.0/simulate/cards/${id}/shipping`, JSON.stringify(body));
const listCards = (p: TestPartner, query = '') => p.call('GET', `${CARDS}${query ? `?${query}` : ''}`);

async function issueOk(p: TestPartner, body: Record<string, unknown> & { cardholderId: string }): Promise<Card> {
  const res = await issue(p, { partnerReferenceNo: ref(), type: 'VIRTUAL', ...body });
  expect(res.body.responseCode, JSON.stringify(res.body)).toBe('2009000');
  return res.body.card;
}
const virtual = (extra: Record<string, unknown> = {}) => issueOk(partner, { cardholderId: holderId, type: 'VIRTUAL', ...extra });
const physical = (extra: Record<string, unknown> = {}) => issueOk(partner, { cardholderId: holderId, type: 'PHYSICAL', shipping: SHIPPING, ...extra });

function expectCode(res: Res, code: string): void {
  expect(res.body.responseCode, JSON.stringify(res.body)).toBe(code);
  expect(res.status).toBe(Number(code.slice(0, 3)));
}

const count = async (sql: string, params: unknown[]) => Number((await h.kartu.db.query(sql, params))[0].count);
const cardsOf = (businessId: string) => count('SELECT count(*) FROM cards WHERE business_id = $1', [businessId]);

/** Everything a refused request on a card must leave alone: its row and its audit and outbox trail. */
async function cardState(id: string) {
  const [row] = await h.kartu.db.query(
    'SELECT status, updated_at, activated_at, terminated_at, spend_controls, metadata, shipping, pin_hash, pin_failed_attempts FROM cards WHERE id = $1',
    [id],
  );
  return {
    row,
    audit: await count('SELECT count(*) FROM audit_log WHERE target_id = $1', [id]),
    outbox: await count("SELECT count(*) FROM outbox_events WHERE data->>'id' = $1", [id]),
  };
}

/** Sends a request that must be refused with `code` and checks that the card did not change at all. */
async function expectRefused(id: string, code: string, send: () => Promise<Res>): Promise<Res> {
  const before = await cardState(id);
  const res = await send();
  expectCode(res, code);
  expect(await cardState(id)).toEqual(before);
  return res;
}

async function statusOf(id: string, p: TestPartner = partner): Promise<string> {
  const res = await getCard(p, id);
  expectCode(res, '2009100');
  return res.body.card.status;
}

/** An independent Luhn check (not the vault's). */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The calendar month in Jakarta (UTC+7), plus `months`. */
function jakartaMonthPlus(at: Date, months: number): { month: number; year: number } {
  const j = new Date(at.getTime() + 7 * 3600_000);
  const total = j.getUTCFullYear() * 12 + j.getUTCMonth() + months;
  return { year: Math.floor(total / 12), month: (total % 12) + 1 };
}

/** A card object never carries a number, CVV, PAN envelope, fingerprint or PIN. */
function expectNoSecrets(card: object): void {
  // Ids are UUIDs, whose last group can happen to be all digits: leave them out of the digit search.
  const text = JSON.stringify(card).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>');
  expect(text).not.toMatch(/"(number|cvv|cvv2|pan|panEnc|pan_enc|panFingerprint|pan_fingerprint|pin|pinHash|pin_hash)"\s*:/i);
  expect(text).not.toMatch(/\d{12,}/);
}

/** Runs `fn` with the harness clock at `at`, with fresh tokens, and puts the clock (and tokens) back. */
async function atTime<T>(at: Date, fn: () => Promise<T>): Promise<T> {
  const base = h.clock.now();
  h.clock.set(at);
  try {
    await partner.token();
    return await fn();
  } finally {
    h.clock.set(base);
    await partner.token();
  }
}

// ---- issuance ---------------------------------------------------------------------------------

describe('issue (90)', () => {
  it('a VIRTUAL card starts ACTIVE, in the business currency, with last4 and expiry but no number or CVV', async () => {
    const partnerReferenceNo = ref();
    const res = await issue(partner, { partnerReferenceNo, cardholderId: holderId, type: 'VIRTUAL', metadata: { costCenter: 'CC-1' } });
    expect(res.status).toBe(200);
    expect(res.body.responseCode).toBe('2009000');
    expect(res.body.responseMessage).toBe('Successful');
    const card = res.body.card;
    expect(card).toMatchObject({
      cardholderId: holderId,
      partnerReferenceNo,
      type: 'VIRTUAL',
      status: 'ACTIVE',
      currency: 'IDR',
      shipping: null,
      metadata: { costCenter: 'CC-1' },
      replacementFor: null,
      replacementReason: null,
      pinSet: false,
    });
    expect(card.id).toMatch(UUID);
    expect(card.last4).toMatch(/^\d{4}$/);
    expect(card.spendControls).toEqual({
      spendingLimits: [],
      countLimits: [],
      allowedCategories: [],
      blockedCategories: [],
      allowedCountries: [],
      blockedCountries: [],
      allowedMerchantIds: [],
      blockedMerchantIds: [],
    });
    expect(new Date(card.createdAt).toString()).not.toBe('Invalid Date');
    expectNoSecrets(res.body);
    expect((await getCard(partner, card.id)).body.card).toEqual(card);
  });

  it('expiry is 48 months ahead (Jakarta calendar), valid through the end of that month', async () => {
    const card = await virtual();
    const expected = jakartaMonthPlus(h.clock.now(), 48);
    expect({ month: card.expiryMonth, year: card.expiryYear }).toEqual(expected);
  });

  it.each(['SINGLE_USE', 'MERCHANT_LOCKED'])('a %s card starts ACTIVE', async (type) => {
    const card = await issueOk(partner, { cardholderId: holderId, type });
    expect(card).toMatchObject({ type, status: 'ACTIVE', shipping: null, currency: 'IDR' });
    expectNoSecrets(card);
  });

  it('a PHYSICAL card starts INACTIVE with a pending shipping record', async () => {
    const card = await physical();
    expect(card.status).toBe('INACTIVE');
    expect(card.shipping).toMatchObject({
      ...SHIPPING,
      status: 'pending',
      carrier: null,
      trackingNumber: null,
      history: [{ status: 'pending', at: expect.any(String) }],
    });
    expectNoSecrets(card);
  });

  it("currency defaults to the business's, and spend-limit amounts must be in the card currency", async () => {
    const created = (await createBusiness(h.kartu, { name: 'Dollar Co', currency: 'USD' })) as CreatedBusiness & { privateKeyPem: string };
    const usd = new TestPartner(h, created);
    const usdHolder = await newHolder(usd);
    const card = await issueOk(usd, { cardholderId: usdHolder });
    expect(card.currency).toBe('USD');
    const idrCard = await issueOk(usd, { cardholderId: usdHolder, currency: 'IDR' });
    expect(idrCard.currency).toBe('IDR');

    const before = await cardsOf(created.businessId);
    const idrLimit = await issue(usd, {
      partnerReferenceNo: ref(),
      cardholderId: usdHolder,
      type: 'VIRTUAL',
      spendControls: { spendingLimits: [{ amount: { value: '100000', currency: 'IDR' }, interval: 'daily' }] },
    });
    expectCode(idrLimit, '4009001');
    expect(idrLimit.body.responseMessage).toContain('spendControls.spendingLimits.0.amount.currency');
    const usdLimit = await issueOk(usd, {
      cardholderId: usdHolder,
      spendControls: { spendingLimits: [{ amount: { value: '250.50', currency: 'USD' }, interval: 'weekly' }] },
    });
    expect(usdLimit.spendControls).toMatchObject({ spendingLimits: [{ amount: { value: '250.50', currency: 'USD' }, interval: 'weekly' }] });
    expect(await cardsOf(created.businessId)).toBe(before + 1);
  });

  it('stores and presents valid spend controls', async () => {
    const card = await virtual({ spendControls: SPEND_CONTROLS });
    expect(card.spendControls).toEqual({
      spendingLimits: [
        { amount: { value: '500000.00', currency: 'IDR' }, interval: 'daily', categories: ['restaurants'] },
        { amount: { value: '5000000.00', currency: 'IDR' }, interval: 'monthly' },
      ],
      countLimits: [],
      allowedCategories: ['5812', 'travel'],
      blockedCategories: [],
      allowedCountries: ['ID'],
      blockedCountries: [],
      allowedMerchantIds: [],
      blockedMerchantIds: [],
    });
  });

  it('every issued PAN is distinct (compared by fingerprint)', async () => {
    const rows = await h.kartu.db.query('SELECT count(*) AS n, count(DISTINCT pan_fingerprint) AS d FROM cards');
    expect(Number(rows[0].n)).toBeGreaterThan(3);
    expect(rows[0].d).toBe(rows[0].n);
  });
});

describe('partnerReferenceNo and X-EXTERNAL-ID', () => {
  it('a repeated partnerReferenceNo → 4099001 and no second card; another business may use it', async () => {
    const partnerReferenceNo = ref();
    await issueOk(partner, { partnerReferenceNo, cardholderId: holderId });
    const before = await cardsOf(partner.creds.businessId);
    for (const body of [
      { partnerReferenceNo, cardholderId: holderId, type: 'VIRTUAL' },
      { partnerReferenceNo, cardholderId: holderId, type: 'PHYSICAL', shipping: SHIPPING },
    ]) {
      const dup = await issue(partner, body);
      expectCode(dup, '4099001');
      expect(dup.body.responseMessage).toContain('partnerReferenceNo');
    }
    expect(await cardsOf(partner.creds.businessId)).toBe(before);
    expect(await count('SELECT count(*) FROM cards WHERE business_id = $1 AND partner_reference_no = $2', [partner.creds.businessId, partnerReferenceNo])).toBe(1);

    const theirs = await issueOk(other, { partnerReferenceNo, cardholderId: otherHolderId });
    expect(theirs.partnerReferenceNo).toBe(partnerReferenceNo);
  });

  it('five concurrent issues with the same partnerReferenceNo (different X-EXTERNAL-IDs) create exactly one card', async () => {
    const partnerReferenceNo = ref();
    const body = { partnerReferenceNo, cardholderId: holderId, type: 'VIRTUAL' };
    const results = await Promise.all(Array.from({ length: 5 }, () => issue(partner, body)));
    const codes = results.map((r) => r.body.responseCode).sort();
    expect(codes).toEqual(['2009000', '4099001', '4099001', '4099001', '4099001']);
    expect(await count('SELECT count(*) FROM cards WHERE business_id = $1 AND partner_reference_no = $2', [partner.creds.businessId, partnerReferenceNo])).toBe(1);
    const id = results.find((r) => r.body.responseCode === '2009000')!.body.card.id;
    expect(await count("SELECT count(*) FROM outbox_events WHERE type = 'card.created' AND data->>'id' = $1", [id])).toBe(1);
    expect(await count("SELECT count(*) FROM outbox_events WHERE type = 'card.created' AND data->>'partnerReferenceNo' = $1", [partnerReferenceNo])).toBe(1);
  });

  it('a reused X-EXTERNAL-ID: another partnerReferenceNo → 4099000, the same request → its first answer; no second card', async () => {
    const externalId = `ext-${randomUUID().slice(0, 12)}`;
    const body = { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL' };
    const first = await issue(partner, body, { externalId });
    expectCode(first, '2009000');
    const before = await cardsOf(partner.creds.businessId);
    const replay = await issue(partner, { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL' }, { externalId });
    expectCode(replay, '4099000');
    const same = await issue(partner, body, { externalId });
    expectCode(same, '2009000');
    expect([same.headers['x-idempotent-replay'], same.body.card]).toEqual(['true', first.body.card]);
    expect(await cardsOf(partner.creds.businessId)).toBe(before);
  });
});

describe('issue validation', () => {
  const base = () => ({ partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL' });

  async function refusedIssue(code: string, body: unknown, field?: string): Promise<Res> {
    const before = await cardsOf(partner.creds.businessId);
    const res = await issue(partner, body);
    expectCode(res, code);
    if (field) expect(res.body.responseMessage).toContain(field);
    expect(await cardsOf(partner.creds.businessId)).toBe(before);
    return res;
  }

  it('PHYSICAL without shipping → 4009002 naming shipping', async () => {
    await refusedIssue('4009002', { ...base(), type: 'PHYSICAL' }, 'shipping');
  });

  it.each(['VIRTUAL', 'SINGLE_USE', 'MERCHANT_LOCKED'])('%s with shipping → 4009001 naming shipping', async (type) => {
    await refusedIssue('4009001', { ...base(), type, shipping: SHIPPING }, 'shipping');
  });

  it('a bad shipping address → 4009001 naming the path', async () => {
    await refusedIssue('4009001', { ...base(), type: 'PHYSICAL', shipping: { ...SHIPPING, address: { ...SHIPPING.address, country: 'Indonesia' } } }, 'shipping.address.country');
    await refusedIssue('4009002', { ...base(), type: 'PHYSICAL', shipping: { name: 'X' } }, 'shipping.address');
  });

  it('missing mandatory fields → 4009002 naming them', async () => {
    await refusedIssue('4009002', { cardholderId: holderId, type: 'VIRTUAL' }, 'partnerReferenceNo');
    await refusedIssue('4009002', { partnerReferenceNo: ref(), type: 'VIRTUAL' }, 'cardholderId');
    await refusedIssue('4009002', { partnerReferenceNo: ref(), cardholderId: holderId }, 'type');
  });

  it('bad formats → 4009001 naming the field', async () => {
    await refusedIssue('4009001', { ...base(), type: 'PLASTIC' }, 'type');
    await refusedIssue('4009001', { ...base(), cardholderId: 'holder-1' }, 'cardholderId');
    await refusedIssue('4009001', { ...base(), currency: 'XYZ' }, 'currency');
    await refusedIssue('4009001', { ...base(), partnerReferenceNo: 'r'.repeat(65) }, 'partnerReferenceNo');
    await refusedIssue('4009001', { ...base(), metadata: { ['k'.repeat(41)]: 'v' } }, 'metadata');
  });

  it('an unknown top-level field → 4009001 naming it', async () => {
    await refusedIssue('4009001', { ...base(), number: '4000001234567899' }, 'number');
    await refusedIssue('4009001', { ...base(), status: 'FROZEN' }, 'status');
  });

  it("an unknown cardholder, or another business's → 4049011", async () => {
    await refusedIssue('4049011', { ...base(), cardholderId: randomUUID() }, 'cardholderId');
    await refusedIssue('4049011', { ...base(), cardholderId: otherHolderId }, 'cardholderId');
  });

  it('a cardholder that is not ACTIVE (INACTIVE or BLOCKED) → 4039018', async () => {
    for (const status of ['INACTIVE', 'BLOCKED']) {
      const id = await newHolder(partner);
      const patched = await partner.call('PATCH', `/snap/v1.0/cardholders/${id}`, JSON.stringify({ status }));
      expect(patched.body.responseCode).toBe('2009400');
      const res = await refusedIssue('4039018', { ...base(), cardholderId: id });
      expect(res.body.responseMessage).toContain(status);
    }
  });

  it.each([
    ['an unknown category', { allowedCategories: ['casinos'] }, 'spendControls.allowedCategories.0'],
    ['a 3-digit MCC', { blockedCategories: ['581'] }, 'spendControls.blockedCategories.0'],
    ['both allowed and blocked countries', { allowedCountries: ['ID'], blockedCountries: ['SG'] }, 'spendControls.allowedCountries'],
    ['an unknown country', { allowedCountries: ['XX'] }, 'spendControls.allowedCountries.0'],
    ['a lower-case country', { blockedCountries: ['id'] }, 'spendControls.blockedCountries.0'],
    ['a limit in another currency', { spendingLimits: [{ amount: { value: '10.00', currency: 'USD' }, interval: 'daily' }] }, 'spendControls.spendingLimits.0.amount.currency'],
    ['a bad interval', { spendingLimits: [{ amount: { value: '10000', currency: 'IDR' }, interval: 'hourly' }] }, 'spendControls.spendingLimits.0.interval'],
    ['a zero amount', { spendingLimits: [{ amount: { value: '0', currency: 'IDR' }, interval: 'daily' }] }, 'spendControls.spendingLimits.0.amount.value'],
    ['a negative amount', { spendingLimits: [{ amount: { value: '-5', currency: 'IDR' }, interval: 'daily' }] }, 'spendControls.spendingLimits.0.amount.value'],
    ['a numeric amount', { spendingLimits: [{ amount: { value: 10000, currency: 'IDR' }, interval: 'daily' }] }, 'spendControls.spendingLimits.0.amount.value'],
    ['an unknown key', { maxAmount: 5 }, 'spendControls.maxAmount'],
  ])('spendControls with %s → 4009001 naming the path', async (_what, spendControls, path) => {
    await refusedIssue('4009001', { ...base(), spendControls }, path);
  });

  it('refused issues write no audit entry and no outbox event', async () => {
    const before = {
      audit: await count("SELECT count(*) FROM audit_log WHERE business_id = $1 AND action LIKE 'card.%'", [partner.creds.businessId]),
      outbox: await count("SELECT count(*) FROM outbox_events WHERE business_id = $1 AND type LIKE 'card.%'", [partner.creds.businessId]),
    };
    await refusedIssue('4009002', { ...base(), type: 'PHYSICAL' });
    await refusedIssue('4049011', { ...base(), cardholderId: randomUUID() });
    await refusedIssue('4009001', { ...base(), spendControls: { allowedCategories: ['nope'] } });
    expect(await count("SELECT count(*) FROM audit_log WHERE business_id = $1 AND action LIKE 'card.%'", [partner.creds.businessId])).toBe(before.audit);
    expect(await count("SELECT count(*) FROM outbox_events WHERE business_id = $1 AND type LIKE 'card.%'", [partner.creds.businessId])).toBe(before.outbox);
  });
});

// ---- lifecycle --------------------------------------------------------------------------------

describe('state transitions (92)', () => {
  it('INACTIVE → ACTIVE only through activate: PATCH ACTIVE or FROZEN on an INACTIVE card is refused', async () => {
    const card = await physical();
    const patchActive = await expectRefused(card.id, '4039215', () => patchCard(partner, card.id, { status: 'ACTIVE' }));
    expect(patchActive.body.responseMessage).toContain('INACTIVE');
    await expectRefused(card.id, '4039215', () => patchCard(partner, card.id, { status: 'FROZEN' }));
    expect(await statusOf(card.id)).toBe('INACTIVE');

    const before = await cardState(card.id);
    const res = await activate(partner, card.id);
    expectCode(res, '2009200');
    expect(res.body.card.status).toBe('ACTIVE');
    expect(await statusOf(card.id)).toBe('ACTIVE');
    const after = await cardState(card.id);
    expect(after.audit).toBe(before.audit + 1);
    expect(after.outbox).toBe(before.outbox + 1);
    expect(after.row.activated_at).not.toBeNull();
  });

  it('ACTIVE → FROZEN → ACTIVE, each audited with a card.updated event', async () => {
    const card = await virtual();
    for (const status of ['FROZEN', 'ACTIVE', 'FROZEN', 'ACTIVE']) {
      const before = await cardState(card.id);
      const res = await patchCard(partner, card.id, { status });
      expectCode(res, '2009200');
      expect(res.body.card.status).toBe(status);
      expect(await statusOf(card.id)).toBe(status);
      const after = await cardState(card.id);
      expect(after.audit).toBe(before.audit + 1);
      expect(after.outbox).toBe(before.outbox + 1);
      const [event] = await h.kartu.db.query("SELECT type, data FROM outbox_events WHERE data->>'id' = $1 ORDER BY created_at DESC, id DESC LIMIT 1", [card.id]);
      expect(event).toMatchObject({ type: 'card.updated', data: { id: card.id, status, changed: ['status'] } });
    }
  });

  it('refuses no-op and out-of-order transitions: ACTIVE→ACTIVE, FROZEN→FROZEN, activate on ACTIVE or FROZEN', async () => {
    const card = await virtual();
    await expectRefused(card.id, '4039215', () => patchCard(partner, card.id, { status: 'ACTIVE' }));
    const act = await expectRefused(card.id, '4039215', () => activate(partner, card.id));
    expect(act.body.responseMessage).toContain('ACTIVE');
    expectCode(await patchCard(partner, card.id, { status: 'FROZEN' }), '2009200');
    await expectRefused(card.id, '4039215', () => patchCard(partner, card.id, { status: 'FROZEN' }));
    await expectRefused(card.id, '4039215', () => activate(partner, card.id));
    expect(await statusOf(card.id)).toBe('FROZEN');
  });

  it('any of INACTIVE, ACTIVE, FROZEN → TERMINATED', async () => {
    const inactive = await physical();
    const active = await virtual();
    const frozen = await virtual();
    expectCode(await patchCard(partner, frozen.id, { status: 'FROZEN' }), '2009200');
    for (const card of [inactive, active, frozen]) {
      const res = await patchCard(partner, card.id, { status: 'TERMINATED' });
      expectCode(res, '2009200');
      expect(res.body.card.status).toBe('TERMINATED');
      expect(await statusOf(card.id)).toBe('TERMINATED');
      expect((await cardState(card.id)).row.terminated_at).not.toBeNull();
    }
  });

  it('TERMINATED is final: every status change, activate, metadata, spend controls, PIN and reveal are refused', async () => {
    const card = await physical();
    expectCode(await patchCard(partner, card.id, { status: 'TERMINATED' }), '2009200');
    for (const status of ['ACTIVE', 'FROZEN', 'TERMINATED']) {
      const res = await expectRefused(card.id, '4039215', () => patchCard(partner, card.id, { status }));
      expect(res.body.responseMessage).toContain('TERMINATED');
    }
    await expectRefused(card.id, '4039215', () => activate(partner, card.id));
    await expectRefused(card.id, '4039215', () => patchCard(partner, card.id, { metadata: { a: 'b' } }));
    await expectRefused(card.id, '4039215', () => patchCard(partner, card.id, { spendControls: { allowedCountries: ['ID'] } }));
    await expectRefused(card.id, '4039215', () => setPin(partner, card.id, { pin: '1234' }));
    await expectRefused(card.id, '4039315', () => reveal(partner, card.id));
    expect(await statusOf(card.id)).toBe('TERMINATED');
  });

  it('PATCH validates its body: unknown status values (INACTIVE, EXPIRED), unknown fields → 4009201', async () => {
    const card = await virtual();
    for (const body of [{ status: 'INACTIVE' }, { status: 'EXPIRED' }, { status: 'frozen' }, { type: 'PHYSICAL' }, { currency: 'USD' }]) {
      const res = await expectRefused(card.id, '4009201', () => patchCard(partner, card.id, body));
      expect(res.body.responseMessage).toContain(Object.keys(body)[0]!);
    }
  });

  it('an empty PATCH is refused (4009202), never a silent no-op', async () => {
    const card = await virtual();
    await expectRefused(card.id, '4009202', () => patchCard(partner, card.id, {}));
  });

  it('PATCH spendControls and metadata; bad spend controls → 4009201 naming the path and nothing changes', async () => {
    const card = await virtual();
    const res = await patchCard(partner, card.id, { spendControls: SPEND_CONTROLS, metadata: { team: 'ops' } });
    expectCode(res, '2009200');
    expect(res.body.card).toMatchObject({ status: 'ACTIVE', metadata: { team: 'ops' }, spendControls: { allowedCategories: ['5812', 'travel'], allowedCountries: ['ID'] } });
    const bad = await expectRefused(card.id, '4009201', () =>
      patchCard(partner, card.id, { spendControls: { spendingLimits: [{ amount: { value: '1', currency: 'IDR' }, interval: 'fortnightly' }] } }),
    );
    expect(bad.body.responseMessage).toContain('spendControls.spendingLimits.0.interval');
    const usd = await expectRefused(card.id, '4009201', () =>
      patchCard(partner, card.id, { spendControls: { spendingLimits: [{ amount: { value: '1.00', currency: 'USD' }, interval: 'daily' }] } }),
    );
    expect(usd.body.responseMessage).toContain('spendControls.spendingLimits.0.amount.currency');
    await expectRefused(card.id, '4009201', () => patchCard(partner, card.id, { spendControls: { allowedCountries: ['ID'], blockedCountries: ['MY'] } }));
  });

  it('a card past its expiry month reads EXPIRED (GET and list), and can only be terminated', async () => {
    const card = await virtual();
    const inactive = await physical();
    const frozen = await virtual();
    expectCode(await patchCard(partner, frozen.id, { status: 'FROZEN' }), '2009200');
    const { expiryMonth, expiryYear } = card;
    const lastDay = new Date(Date.UTC(expiryYear, expiryMonth, 0)).getUTCDate();
    // 23:59:30 on the last day of the expiry month in Jakarta is 16:59:30 UTC: still valid.
    await atTime(new Date(Date.UTC(expiryYear, expiryMonth - 1, lastDay, 16, 59, 30)), async () => {
      expect(await statusOf(card.id)).toBe('ACTIVE');
      expect(await statusOf(inactive.id)).toBe('INACTIVE');
      const expired = await listCards(partner, 'status=EXPIRED&pageSize=100');
      expect(expired.body.cards.map((c: Card) => c.id)).not.toContain(card.id);
    });
    // 00:00:30 on the first day of the next month in Jakarta: expired.
    await atTime(new Date(Date.UTC(expiryYear, expiryMonth - 1, lastDay, 17, 0, 30)), async () => {
      for (const c of [card, inactive, frozen]) expect(await statusOf(c.id)).toBe('EXPIRED');
      const expired = await listCards(partner, 'status=EXPIRED&pageSize=100');
      expectCode(expired, '2009100');
      const ids = expired.body.cards.map((c: Card) => c.id);
      expect(ids).toEqual(expect.arrayContaining([card.id, inactive.id, frozen.id]));
      expect(expired.body.cards.every((c: Card) => c.status === 'EXPIRED')).toBe(true);
      expect(expired.body.totalCount).toBe(ids.length);
      const active = await listCards(partner, 'status=ACTIVE&pageSize=100');
      expect(active.body.cards.map((c: Card) => c.id)).not.toContain(card.id);

      for (const status of ['ACTIVE', 'FROZEN']) {
        const res = await expectRefused(card.id, '4039215', () => patchCard(partner, card.id, { status }));
        expect(res.body.responseMessage).toContain('EXPIRED');
      }
      await expectRefused(frozen.id, '4039215', () => patchCard(partner, frozen.id, { status: 'ACTIVE' }));
      await expectRefused(card.id, '4039215', () => activate(partner, card.id));
      await expectRefused(inactive.id, '4039215', () => activate(partner, inactive.id));
      await expectRefused(card.id, '4039215', () => patchCard(partner, card.id, { spendControls: { allowedCountries: ['ID'] } }));
      await expectRefused(card.id, '4039215', () => setPin(partner, card.id, { pin: '1234' }));

      for (const c of [card, inactive, frozen]) {
        const res = await patchCard(partner, c.id, { status: 'TERMINATED' });
        expectCode(res, '2009200');
        expect(res.body.card.status).toBe('TERMINATED');
      }
      const after = await listCards(partner, 'status=EXPIRED&pageSize=100');
      expect(after.body.cards.map((c: Card) => c.id)).not.toContain(card.id);
      const terminated = await listCards(partner, 'status=TERMINATED&pageSize=100');
      expect(terminated.body.cards.map((c: Card) => c.id)).toEqual(expect.arrayContaining([card.id, inactive.id, frozen.id]));
    });
    // Back to now: the terminated cards stay TERMINATED.
    expect(await statusOf(card.id)).toBe('TERMINATED');
  });

  it('property: any sequence of status changes follows INACTIVE → ACTIVE ↔ FROZEN → TERMINATED and refuses the rest without side effects', async () => {
    type Action = 'PATCH ACTIVE' | 'PATCH FROZEN' | 'PATCH TERMINATED' | 'activate';
    // The model, written independently of src/modules/cards/card-state.ts.
    const model: Record<string, Partial<Record<Action, string>>> = {
      INACTIVE: { activate: 'ACTIVE', 'PATCH TERMINATED': 'TERMINATED' },
      ACTIVE: { 'PATCH FROZEN': 'FROZEN', 'PATCH TERMINATED': 'TERMINATED' },
      FROZEN: { 'PATCH ACTIVE': 'ACTIVE', 'PATCH TERMINATED': 'TERMINATED' },
      TERMINATED: {},
    };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('VIRTUAL', 'PHYSICAL'),
        fc.array(fc.constantFrom<Action>('PATCH ACTIVE', 'PATCH FROZEN', 'PATCH TERMINATED', 'activate'), { minLength: 1, maxLength: 7 }),
        async (type, actions) => {
          const card = type === 'PHYSICAL' ? await physical() : await virtual();
          let status = card.status;
          for (const action of actions) {
            const before = await cardState(card.id);
            const res = action === 'activate' ? await activate(partner, card.id) : await patchCard(partner, card.id, { status: action.slice(6) });
            const next = model[status]![action];
            const after = await cardState(card.id);
            if (next) {
              expectCode(res, '2009200');
              expect(res.body.card.status).toBe(next);
              expect(after.audit).toBe(before.audit + 1);
              expect(after.outbox).toBe(before.outbox + 1);
              status = next;
            } else {
              expectCode(res, '4039215');
              expect(after).toEqual(before);
            }
            expect(after.row.status).toBe(status);
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});

// ---- replacement ------------------------------------------------------------------------------

describe('replacement', () => {
  const spendRoot = async (id: string) => (await h.kartu.db.query('SELECT spend_root_id FROM cards WHERE id = $1', [id]))[0].spend_root_id as string;

  it.each(['lost', 'stolen'])('%s: the original is terminated at once; the replacement inherits spend controls and the spend root', async (reason) => {
    const original = await virtual({ spendControls: SPEND_CONTROLS });
    const before = await cardState(original.id);
    const replacement = await virtual({ replacementFor: original.id, replacementReason: reason });
    expect(replacement).toMatchObject({ status: 'ACTIVE', replacementFor: original.id, replacementReason: reason, cardholderId: holderId });
    expect(replacement.spendControls).toEqual(original.spendControls);
    expect(replacement.last4 === original.last4 && replacement.id === original.id).toBe(false);
    expect(await statusOf(original.id)).toBe('TERMINATED');
    expect(await spendRoot(replacement.id)).toBe(await spendRoot(original.id));
    expect(await spendRoot(original.id)).toBe(original.id);
    const after = await cardState(original.id);
    expect(after.audit).toBe(before.audit + 1);
    expect(after.outbox).toBe(before.outbox + 1);
  });

  it('stolen, replaced by a PHYSICAL card: the original is terminated before the new card is activated', async () => {
    const original = await virtual();
    const replacement = await physical({ replacementFor: original.id, replacementReason: 'stolen' });
    expect(replacement.status).toBe('INACTIVE');
    expect(await statusOf(original.id)).toBe('TERMINATED');
  });

  it('damaged, replaced by a PHYSICAL card: the original stays ACTIVE until the replacement is activated', async () => {
    const original = await physical();
    expectCode(await activate(partner, original.id), '2009200');
    const replacement = await physical({ replacementFor: original.id, replacementReason: 'damaged' });
    expect(replacement.status).toBe('INACTIVE');
    expect(await statusOf(original.id)).toBe('ACTIVE');
    expectCode(await ship(partner, replacement.id, { status: 'shipped' }), '2009600');
    expect(await statusOf(original.id)).toBe('ACTIVE');

    const res = await activate(partner, replacement.id);
    expectCode(res, '2009200');
    expect(res.body.card.status).toBe('ACTIVE');
    expect(await statusOf(original.id)).toBe('TERMINATED');
    expect(await statusOf(replacement.id)).toBe('ACTIVE');
    expect(await spendRoot(replacement.id)).toBe(original.id);
  });

  it('a replacement with its own spend controls uses them; the spend root follows the whole chain', async () => {
    const first = await virtual({ spendControls: SPEND_CONTROLS });
    const second = await virtual({ replacementFor: first.id, replacementReason: 'lost', spendControls: { blockedCategories: ['gambling'] } });
    expect(second.spendControls).toMatchObject({ spendingLimits: [], blockedCategories: ['gambling'], allowedCategories: [] });
    const third = await virtual({ replacementFor: second.id, replacementReason: 'stolen' });
    expect(third.spendControls).toEqual(second.spendControls);
    expect(await spendRoot(third.id)).toBe(first.id);
    expect(await spendRoot(second.id)).toBe(first.id);
    expect(await statusOf(second.id)).toBe('TERMINATED');
  });

  it('replacing the same card twice → 4039015 and no second replacement', async () => {
    const original = await physical();
    expectCode(await activate(partner, original.id), '2009200');
    await physical({ replacementFor: original.id, replacementReason: 'damaged' });
    const before = await cardsOf(partner.creds.businessId);
    for (const reason of ['damaged', 'lost']) {
      const again = await issue(partner, { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL', replacementFor: original.id, replacementReason: reason });
      expectCode(again, '4039015');
    }
    expect(await cardsOf(partner.creds.businessId)).toBe(before);
    expect(await count('SELECT count(*) FROM cards WHERE replacement_for = $1', [original.id])).toBe(1);
    expect(await statusOf(original.id)).toBe('ACTIVE');

    const lost = await virtual();
    await virtual({ replacementFor: lost.id, replacementReason: 'lost' });
    expectCode(await issue(partner, { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL', replacementFor: lost.id, replacementReason: 'lost' }), '4039015');
    expect(await count('SELECT count(*) FROM cards WHERE replacement_for = $1', [lost.id])).toBe(1);
  });

  it('concurrent replacements of one card: exactly one succeeds', async () => {
    const original = await virtual();
    const results = await Promise.all(
      ['lost', 'stolen', 'damaged', 'lost'].map((replacementReason) =>
        issue(partner, { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL', replacementFor: original.id, replacementReason }),
      ),
    );
    expect(results.map((r) => r.body.responseCode).sort()).toEqual(['2009000', '4039015', '4039015', '4039015']);
    expect(await count('SELECT count(*) FROM cards WHERE replacement_for = $1', [original.id])).toBe(1);
    expect(await statusOf(original.id)).toBe('TERMINATED');
  });

  it('a replacement keeps the currency of the chain (it shares spend-limit usage): another currency → 4009001', async () => {
    const original = await virtual({ spendControls: SPEND_CONTROLS });
    const before = await cardsOf(partner.creds.businessId);
    const inherited = await issue(partner, { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL', currency: 'USD', replacementFor: original.id, replacementReason: 'lost' });
    expectCode(inherited, '4009001');
    expect(inherited.body.responseMessage).toContain('currency');
    const own = await issue(partner, {
      partnerReferenceNo: ref(),
      cardholderId: holderId,
      type: 'VIRTUAL',
      currency: 'USD',
      replacementFor: original.id,
      replacementReason: 'lost',
      spendControls: { spendingLimits: [{ amount: { value: '100.00', currency: 'USD' }, interval: 'daily' }] },
    });
    expectCode(own, '4009001');
    expect(own.body.responseMessage).toContain('currency');
    expect(await cardsOf(partner.creds.businessId)).toBe(before);
    expect(await statusOf(original.id)).toBe('ACTIVE');
    // The same currency, given or not, is fine.
    const same = await virtual({ currency: 'IDR', replacementFor: original.id, replacementReason: 'lost' });
    expect(same).toMatchObject({ currency: 'IDR', spendControls: original.spendControls });
  });

  it("replacementFor a card of another cardholder → 4009001; another business's card → 4049011; nothing changes", async () => {
    const otherHolder = await newHolder(partner);
    const original = await issueOk(partner, { cardholderId: otherHolder });
    const before = await cardsOf(partner.creds.businessId);
    const res = await issue(partner, { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL', replacementFor: original.id, replacementReason: 'lost' });
    expectCode(res, '4009001');
    expect(res.body.responseMessage).toContain('replacementFor');
    expect(await statusOf(original.id)).toBe('ACTIVE');

    const theirs = await issueOk(other, { cardholderId: otherHolderId });
    const cross = await issue(partner, { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL', replacementFor: theirs.id, replacementReason: 'stolen' });
    expectCode(cross, '4049011');
    expect(await statusOf(theirs.id, other)).toBe('ACTIVE');
    expect(await cardsOf(partner.creds.businessId)).toBe(before);
  });

  it('replacementReason without replacementFor → 4009002 naming replacementFor (and the reverse naming replacementReason)', async () => {
    const original = await virtual();
    const before = await cardsOf(partner.creds.businessId);
    const noFor = await issue(partner, { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL', replacementReason: 'lost' });
    expectCode(noFor, '4009002');
    expect(noFor.body.responseMessage).toContain('replacementFor');
    const noReason = await issue(partner, { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL', replacementFor: original.id });
    expectCode(noReason, '4009002');
    expect(noReason.body.responseMessage).toContain('replacementReason');
    const badReason = await issue(partner, { partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL', replacementFor: original.id, replacementReason: 'broken' });
    expectCode(badReason, '4009001');
    expect(badReason.body.responseMessage).toContain('replacementReason');
    expect(await cardsOf(partner.creds.businessId)).toBe(before);
    expect(await statusOf(original.id)).toBe('ACTIVE');
  });
});

// ---- shipping ---------------------------------------------------------------------------------

describe('shipping simulator (96, sandbox)', () => {
  it('pending → shipped (carrier, tracking number) → delivered, then the card can be activated', async () => {
    const card = await physical();
    const shipped = await ship(partner, card.id, { status: 'shipped', carrier: 'JNE', trackingNumber: 'JNE0012345678' });
    expectCode(shipped, '2009600');
    expect(shipped.body.card.shipping).toMatchObject({ status: 'shipped', carrier: 'JNE', trackingNumber: 'JNE0012345678' });
    expect(shipped.body.card.status).toBe('INACTIVE');
    const delivered = await ship(partner, card.id, { status: 'delivered' });
    expectCode(delivered, '2009600');
    expect(delivered.body.card.shipping).toMatchObject({ status: 'delivered', carrier: 'JNE', trackingNumber: 'JNE0012345678' });
    expect(delivered.body.card.shipping.history.map((e: { status: string }) => e.status)).toEqual(['pending', 'shipped', 'delivered']);
    expect((await getCard(partner, card.id)).body.card.shipping).toEqual(delivered.body.card.shipping);
    const events = await h.kartu.db.query("SELECT data FROM outbox_events WHERE type = 'card.updated' AND data->>'id' = $1", [card.id]);
    expect(events).toHaveLength(2);
    expectCode(await activate(partner, card.id), '2009200');
  });

  it('refuses invalid jumps → 4039615, changing nothing', async () => {
    const card = await physical();
    for (const status of ['delivered', 'returned']) {
      const res = await expectRefused(card.id, '4039615', () => ship(partner, card.id, { status }));
      expect(res.body.responseMessage).toContain('pending');
    }
    expectCode(await ship(partner, card.id, { status: 'shipped' }), '2009600');
    await expectRefused(card.id, '4039615', () => ship(partner, card.id, { status: 'shipped' }));
    expectCode(await ship(partner, card.id, { status: 'delivered' }), '2009600');
    for (const status of ['shipped', 'delivered', 'returned', 'failure']) {
      await expectRefused(card.id, '4039615', () => ship(partner, card.id, { status }));
    }
  });

  it('an unknown shipping status or field → 4009601', async () => {
    const card = await physical();
    await expectRefused(card.id, '4009601', () => ship(partner, card.id, { status: 'pending' }));
    await expectRefused(card.id, '4009601', () => ship(partner, card.id, { status: 'lost' }));
    await expectRefused(card.id, '4009601', () => ship(partner, card.id, { status: 'shipped', eta: 'tomorrow' }));
  });

  it('a VIRTUAL card does not ship → 4039615', async () => {
    const card = await virtual();
    await expectRefused(card.id, '4039615', () => ship(partner, card.id, { status: 'shipped' }));
  });

  it("another business's card → 4049601", async () => {
    const card = await physical();
    await expectRefused(card.id, '4049601', () => ship(other, card.id, { status: 'shipped' }));
  });

  it.each([
    ['returned', ['shipped', 'returned']],
    ['failure', ['failure']],
  ])('activate is refused after %s (4039215) and the card stays INACTIVE', async (final, steps) => {
    const card = await physical();
    for (const status of steps) expectCode(await ship(partner, card.id, { status }), '2009600');
    const res = await expectRefused(card.id, '4039215', () => activate(partner, card.id));
    expect(res.body.responseMessage).toContain(final);
    expect(await statusOf(card.id)).toBe('INACTIVE');
  });

  it('in production the simulator answers 4039601 and changes nothing', async () => {
    const prod = await startHarness({ KARTU_ENV: 'production', KARTU_MASTER_KEY: randomBytes(32).toString('base64') });
    try {
      expect(prod.kartu.config.env).toBe('production');
      const p = await TestPartner.create(prod, { name: 'Prod Co' });
      const holder = (await p.call('POST', '/snap/v1.0/cardholders', JSON.stringify({ name: 'Prod Person', email: 'prod@example.com' }))).body.cardholder.id;
      const issued = await p.call('POST', CARDS, JSON.stringify({ partnerReferenceNo: 'prod-1', cardholderId: holder, type: 'PHYSICAL', shipping: SHIPPING }));
      expectCode(issued, '2009000');
      const res = await p.call('POST', `/snap/v1.0/simulate/cards/${issued.body.card.id}/shipping`, JSON.stringify({ status: 'shipped' }));
      expectCode(res, '4039601');
      const [row] = await prod.kartu.db.query('SELECT shipping FROM cards WHERE id = $1', [issued.body.card.id]);
      expect(row.shipping.status).toBe('pending');
    } finally {
      await prod.close();
    }
  });
});

// ---- PIN --------------------------------------------------------------------------------------

describe('PIN (92)', () => {
  const pinRow = async (id: string) => (await h.kartu.db.query('SELECT pin_hash, pin_failed_attempts FROM cards WHERE id = $1', [id]))[0] as { pin_hash: string | null; pin_failed_attempts: number };

  it('sets a 4–6 digit PIN, stored as argon2id; pinSet becomes true', async () => {
    for (const pin of ['1234', '12345', '987654']) {
      const card = await virtual();
      expect(card.pinSet).toBe(false);
      const res = await setPin(partner, card.id, { pin });
      expectCode(res, '2009200');
      expect(res.body.card.pinSet).toBe(true);
      expectNoSecrets(res.body);
      expect((await getCard(partner, card.id)).body.card.pinSet).toBe(true);
      const row = await pinRow(card.id);
      expect(row.pin_hash).toMatch(/^\$argon2id\$/);
      expect(row.pin_failed_attempts).toBe(0);
    }
  });

  it('a PIN that is not 4–6 digits → 4009201 naming pin', async () => {
    const card = await virtual();
    for (const pin of ['123', '1234567', 'abcd', '12 34', 1234]) {
      const res = await expectRefused(card.id, '4009201', () => setPin(partner, card.id, { pin }));
      expect(res.body.responseMessage).toContain('pin');
    }
    await expectRefused(card.id, '4009202', () => setPin(partner, card.id, {}));
  });

  it('changing needs currentPin: missing → 4009202, wrong → 4009201 (attempt counted), right → changed', async () => {
    const card = await virtual();
    expectCode(await setPin(partner, card.id, { pin: '1234' }), '2009200');
    const firstHash = (await pinRow(card.id)).pin_hash;

    const missing = await setPin(partner, card.id, { pin: '5678' });
    expectCode(missing, '4009202');
    expect(missing.body.responseMessage).toContain('currentPin');
    expect(await pinRow(card.id)).toEqual({ pin_hash: firstHash, pin_failed_attempts: 0 });

    const wrong = await setPin(partner, card.id, { pin: '5678', currentPin: '0000' });
    expectCode(wrong, '4009201');
    expect(wrong.body.responseMessage).toContain('currentPin');
    expect(await pinRow(card.id)).toEqual({ pin_hash: firstHash, pin_failed_attempts: 1 });
    expectCode(await setPin(partner, card.id, { pin: '5678', currentPin: '4321' }), '4009201');
    expect((await pinRow(card.id)).pin_failed_attempts).toBe(2);

    const right = await setPin(partner, card.id, { pin: '5678', currentPin: '1234' });
    expectCode(right, '2009200');
    const changed = await pinRow(card.id);
    expect(changed.pin_hash).toMatch(/^\$argon2id\$/);
    expect(changed.pin_hash).not.toBe(firstHash);
    expect(changed.pin_failed_attempts).toBe(0);
    expect(await count("SELECT count(*) FROM audit_log WHERE target_id = $1 AND action IN ('card.pin_set', 'card.pin_changed')", [card.id])).toBe(2);

    // The old PIN no longer works; the new one does.
    expectCode(await setPin(partner, card.id, { pin: '1111', currentPin: '1234' }), '4009201');
    expectCode(await setPin(partner, card.id, { pin: '1111', currentPin: '5678' }), '2009200');
  });

  it('parallel wrong guesses cannot get past the limit: at most 5 are checked, the rest → 4039204', async () => {
    const card = await virtual();
    expectCode(await setPin(partner, card.id, { pin: '8642' }), '2009200');
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => setPin(partner, card.id, { pin: '1357', currentPin: String(1000 + i) })));
    const codes = results.map((r) => r.body.responseCode);
    expect(codes.filter((c) => c === '4009201')).toHaveLength(5);
    expect(codes.filter((c) => c === '4039204')).toHaveLength(5);
    expect((await pinRow(card.id)).pin_failed_attempts).toBe(5);
    expectCode(await setPin(partner, card.id, { pin: '1357', currentPin: '8642' }), '4039204');
  });

  it('after 5 wrong current PINs even the right one is refused (4039204)', async () => {
    const card = await virtual();
    expectCode(await setPin(partner, card.id, { pin: '2468' }), '2009200');
    for (let i = 1; i <= 5; i++) {
      expectCode(await setPin(partner, card.id, { pin: '1357', currentPin: '0000' }), '4009201');
      expect((await pinRow(card.id)).pin_failed_attempts).toBe(i);
    }
    await expectRefused(card.id, '4039204', () => setPin(partner, card.id, { pin: '1357', currentPin: '2468' }));
  });

  it('neither PIN nor hash appears in audit entries or outbox events', async () => {
    const card = await virtual();
    expectCode(await setPin(partner, card.id, { pin: '918273' }), '2009200');
    const hash = (await pinRow(card.id)).pin_hash!;
    const trail = JSON.stringify([
      await h.kartu.db.query('SELECT details FROM audit_log WHERE target_id = $1', [card.id]),
      await h.kartu.db.query("SELECT data FROM outbox_events WHERE data->>'id' = $1", [card.id]),
    ]);
    expect(trail).not.toContain('918273');
    expect(trail).not.toContain(hash);
    expect(h.logs.join('\n')).not.toContain('918273');
  });
});

// ---- reveal -----------------------------------------------------------------------------------

describe('reveal (93)', () => {
  it('returns a 16-digit Luhn-valid number under the BIN ending in last4, a stable 3-digit CVV and MMYY expiry; each reveal is audited', async () => {
    const card = await virtual();
    const logsBefore = h.logs.length;
    const first = await reveal(partner, card.id);
    expectCode(first, '2009300');
    const r = first.body.card;
    expect(r.id).toBe(card.id);
    expect(r.number).toMatch(/^\d{16}$/);
    expect(r.number.startsWith('400000')).toBe(true);
    expect(r.number.endsWith(card.last4)).toBe(true);
    expect(r.last4).toBe(card.last4);
    expect(luhnValid(r.number)).toBe(true);
    expect(r.cvv).toMatch(/^\d{3}$/);
    expect(r.expiry).toBe(String(card.expiryMonth).padStart(2, '0') + String(card.expiryYear % 100).padStart(2, '0'));

    const second = await reveal(partner, card.id);
    expectCode(second, '2009300');
    expect(second.body.card).toEqual(r);

    const audits = await h.kartu.db.query("SELECT actor_type, details FROM audit_log WHERE target_id = $1 AND action = 'card.revealed'", [card.id]);
    expect(audits).toHaveLength(2);
    expect(audits[0].actor_type).toBe('partner');
    expect(JSON.stringify(audits)).not.toContain(r.number);

    const newLogs = h.logs.slice(logsBefore).join('\n');
    expect(newLogs).toContain('"responseCode":"2009300"');
    expect(newLogs).not.toContain(r.number);
    expect(newLogs).not.toMatch(/"cvv"/i);
    expect(h.logs.join('\n')).not.toContain(r.number);
  });

  it('numbers are distinct across cards; the database holds no clear PAN anywhere', async () => {
    const cards = [await virtual(), await physical(), await issueOk(partner, { cardholderId: holderId, type: 'SINGLE_USE' })];
    const numbers: string[] = [];
    for (const c of cards) {
      const res = await reveal(partner, c.id);
      expectCode(res, '2009300');
      numbers.push(res.body.card.number);
    }
    expect(new Set(numbers).size).toBe(numbers.length);
    const tables: Array<{ tablename: string }> = await h.kartu.db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
    for (const { tablename } of tables) {
      const dump = JSON.stringify(await h.kartu.db.query(`SELECT row_to_json(t) AS r FROM "${tablename}" t`));
      for (const number of numbers) expect(dump, tablename).not.toContain(number);
    }
  });

  it('works on an INACTIVE physical card and a FROZEN card; refused on a TERMINATED one (4039315)', async () => {
    const inactive = await physical();
    expectCode(await reveal(partner, inactive.id), '2009300');
    const frozen = await virtual();
    expectCode(await patchCard(partner, frozen.id, { status: 'FROZEN' }), '2009200');
    expectCode(await reveal(partner, frozen.id), '2009300');
    const terminated = await virtual();
    expectCode(await patchCard(partner, terminated.id, { status: 'TERMINATED' }), '2009200');
    const res = await expectRefused(terminated.id, '4039315', () => reveal(partner, terminated.id));
    expect(res.body).toEqual({ responseCode: '4039315', responseMessage: expect.stringContaining('TERMINATED') });
  });

  it('a body on reveal is refused as an unknown field (4009301)', async () => {
    const card = await virtual();
    await expectRefused(card.id, '4009301', () => partner.call('POST', `${CARDS}/${card.id}/reveal`, '{"full":true}'));
  });
});

// ---- list and tenancy -------------------------------------------------------------------------

describe('list (91) and tenancy', () => {
  let lister: TestPartner;
  let h1: string;
  let h2: string;
  const made: Card[] = [];

  beforeAll(async () => {
    lister = await TestPartner.create(h, { name: 'Lister' });
    h1 = await newHolder(lister);
    h2 = await newHolder(lister);
    made.push(await issueOk(lister, { cardholderId: h1, type: 'VIRTUAL' }));
    made.push(await issueOk(lister, { cardholderId: h1, type: 'PHYSICAL', shipping: SHIPPING }));
    made.push(await issueOk(lister, { cardholderId: h1, type: 'SINGLE_USE' }));
    made.push(await issueOk(lister, { cardholderId: h2, type: 'VIRTUAL' }));
    made.push(await issueOk(lister, { cardholderId: h2, type: 'MERCHANT_LOCKED' }));
    expectCode(await patchCard(lister, made[3]!.id, { status: 'FROZEN' }), '2009200');
  });

  const ids = (res: Res) => res.body.cards.map((c: Card) => c.id);
  const newestFirst = (cards: Card[]) => [...cards].reverse().map((c) => c.id);

  it('lists newest first under `cards` with pageNumber, pageSize and totalCount; no numbers', async () => {
    const res = await listCards(lister);
    expectCode(res, '2009100');
    expect(res.body).toMatchObject({ pageNumber: 0, pageSize: 10, totalCount: 5 });
    expect(ids(res)).toEqual(newestFirst(made));
    expectNoSecrets(res.body);
  });

  it('pages through everything exactly once', async () => {
    const seen: string[] = [];
    for (const pageNumber of [0, 1, 2, 3]) {
      const res = await listCards(lister, `pageSize=2&pageNumber=${pageNumber}`);
      expectCode(res, '2009100');
      expect(res.body).toMatchObject({ pageNumber, pageSize: 2, totalCount: 5 });
      expect(res.body.cards).toHaveLength([2, 2, 1, 0][pageNumber]!);
      seen.push(...ids(res));
    }
    expect(seen).toEqual(newestFirst(made));
  });

  it('filters by cardholderId, status and type, alone and together', async () => {
    expect(ids(await listCards(lister, `cardholderId=${h1}`))).toEqual(newestFirst(made.slice(0, 3)));
    expect(ids(await listCards(lister, `cardholderId=${h2}`))).toEqual(newestFirst(made.slice(3)));
    expect(ids(await listCards(lister, 'status=FROZEN'))).toEqual([made[3]!.id]);
    expect(ids(await listCards(lister, 'status=INACTIVE'))).toEqual([made[1]!.id]);
    expect(ids(await listCards(lister, 'status=ACTIVE'))).toEqual(newestFirst([made[0]!, made[2]!, made[4]!]));
    expect((await listCards(lister, 'status=TERMINATED')).body).toMatchObject({ totalCount: 0, cards: [] });
    expect(ids(await listCards(lister, 'type=VIRTUAL'))).toEqual(newestFirst([made[0]!, made[3]!]));
    expect(ids(await listCards(lister, 'type=MERCHANT_LOCKED'))).toEqual([made[4]!.id]);
    expect(ids(await listCards(lister, `cardholderId=${h2}&type=VIRTUAL&status=FROZEN`))).toEqual([made[3]!.id]);
    const none = await listCards(lister, `cardholderId=${h1}&status=FROZEN`);
    expect(none.body).toMatchObject({ totalCount: 0, cards: [] });
    const paged = await listCards(lister, `cardholderId=${h1}&pageSize=1&pageNumber=1`);
    expect(paged.body).toMatchObject({ totalCount: 3, pageSize: 1, pageNumber: 1 });
    expect(ids(paged)).toEqual([made[1]!.id]);
  });

  it('bad list parameters → 4009101 naming them', async () => {
    for (const [query, field] of [
      ['pageSize=101', 'pageSize'],
      ['pageSize=0', 'pageSize'],
      ['pageNumber=-1', 'pageNumber'],
      ['status=LOST', 'status'],
      ['type=PLASTIC', 'type'],
      ['cardholderId=abc', 'cardholderId'],
      ['sort=asc', 'sort'],
    ]) {
      const res = await listCards(lister, query);
      expectCode(res, '4009101');
      expect(res.body.responseMessage, query).toContain(field);
    }
    const max = await listCards(lister, 'pageSize=100');
    expectCode(max, '2009100');
    expect(max.body.pageSize).toBe(100);
  });

  it("another business's cards are never listed, even filtered by their cardholder", async () => {
    const mine = new Set(made.map((c) => c.id));
    const theirs = await listCards(partner, 'pageSize=100');
    expectCode(theirs, '2009100');
    expect(theirs.body.totalCount).toBeGreaterThan(0);
    for (const id of ids(theirs)) expect(mine.has(id)).toBe(false);
    expect((await listCards(partner, `cardholderId=${h1}`)).body).toMatchObject({ totalCount: 0, cards: [] });
    const own = await listCards(lister, 'pageSize=100');
    expect(new Set(ids(own))).toEqual(mine);
  });

  it("another business's card: GET → 4049101, PATCH → 4049201, activate → 4049201, PIN → 4049201, reveal → 4049301", async () => {
    const card = made[1]!; // PHYSICAL, INACTIVE
    const get = await getCard(partner, card.id);
    expectCode(get, '4049101');
    expect(JSON.stringify(get.body)).not.toContain(card.last4);
    await expectRefused(card.id, '4049201', () => patchCard(partner, card.id, { status: 'TERMINATED' }));
    await expectRefused(card.id, '4049201', () => activate(partner, card.id));
    await expectRefused(card.id, '4049201', () => setPin(partner, card.id, { pin: '1234' }));
    await expectRefused(card.id, '4049301', () => reveal(partner, card.id));
    expect(await statusOf(card.id, lister)).toBe('INACTIVE');
  });

  it('unknown and malformed card ids are not found', async () => {
    for (const id of [randomUUID(), 'not-a-uuid', '1']) {
      expectCode(await getCard(partner, id), '4049101');
      expectCode(await patchCard(partner, id, { status: 'FROZEN' }), '4049201');
      expectCode(await activate(partner, id), '4049201');
      expectCode(await reveal(partner, id), '4049301');
    }
  });
});

// ---- outbox -----------------------------------------------------------------------------------

describe('audit and outbox', () => {
  it('card.created and card.updated for each successful change, none holding the PAN or CVV', async () => {
    const card = await physical({ spendControls: SPEND_CONTROLS });
    const events = async () =>
      (await h.kartu.db.query("SELECT type, data FROM outbox_events WHERE data->>'id' = $1 ORDER BY created_at, id", [card.id])) as Array<{
        type: string;
        data: Record<string, unknown>;
      }>;
    expect((await events()).map((e) => e.type)).toEqual(['card.created']);
    expect((await events())[0]!.data).toMatchObject({ id: card.id, status: 'INACTIVE', type: 'PHYSICAL', last4: card.last4 });

    expectCode(await ship(partner, card.id, { status: 'shipped', carrier: 'SiCepat', trackingNumber: 'SC-1' }), '2009600');
    expectCode(await activate(partner, card.id), '2009200');
    expectCode(await patchCard(partner, card.id, { status: 'FROZEN' }), '2009200');
    expectCode(await patchCard(partner, card.id, { status: 'ACTIVE', metadata: { x: 'y' } }), '2009200');
    expectCode(await setPin(partner, card.id, { pin: '4455' }), '2009200');
    const revealed = await reveal(partner, card.id);
    expectCode(revealed, '2009300');
    const { number, cvv } = revealed.body.card;
    expectCode(await patchCard(partner, card.id, { status: 'TERMINATED' }), '2009200');

    const all = await events();
    expect(all.map((e) => e.type)).toEqual(['card.created', ...Array(6).fill('card.updated')]);
    expect(all.map((e) => e.data.status)).toEqual(['INACTIVE', 'INACTIVE', 'ACTIVE', 'FROZEN', 'ACTIVE', 'ACTIVE', 'TERMINATED']);
    const actions = (await h.kartu.db.query('SELECT action FROM audit_log WHERE target_id = $1 ORDER BY id', [card.id])).map((r: { action: string }) => r.action);
    expect(actions).toEqual(['card.created', 'card.shipping_updated', 'card.activated', 'card.updated', 'card.updated', 'card.pin_set', 'card.revealed', 'card.updated']);

    for (const e of all) {
      expect(Object.keys(e.data)).not.toEqual(expect.arrayContaining(['number']));
      expect(Object.keys(e.data)).not.toEqual(expect.arrayContaining(['cvv']));
    }
    const outboxHits = await count('SELECT count(*) FROM outbox_events WHERE position($1 in data::text) > 0', [number]);
    const auditHits = await count('SELECT count(*) FROM audit_log WHERE position($1 in details::text) > 0', [number]);
    expect(outboxHits).toBe(0);
    expect(auditHits).toBe(0);
    // The search itself works: the card's last4 is present in its events.
    expect(await count("SELECT count(*) FROM outbox_events WHERE data->>'id' = $1 AND position($2 in data::text) > 0", [card.id, card.last4])).toBe(7);
    expect(JSON.stringify(all)).not.toMatch(new RegExp(`"cvv"\\s*:\\s*"${cvv}"`));
  });
});
