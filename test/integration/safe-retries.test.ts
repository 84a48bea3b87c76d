import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TestPartner, type Harness } from '../support/harness';
import { business, issueCard, MERCHANT, nid, type Biz } from '../support/partner-fixtures';

let h: Harness;
let a: Biz;
let b: Biz;
beforeAll(async () => {
  h = await startHarness();
  a = await business(h);
  b = await business(h);
});
afterAll(() => h.close());

const newId = () => randomUUID().replaceAll('-', '');
const cardBody = (biz: Biz, ref: string) => JSON.stringify({ partnerReferenceNo: ref, cardholderId: biz.holderId, type: 'VIRTUAL' });
const count = async (sql: string, params: unknown[]) => Number((await h.kartu.db.query(sql, params))[0].n);
const cardsNamed = (ref: string) => count('SELECT count(*) AS n FROM cards WHERE partner_reference_no = $1', [ref]);
const fundings = (biz: Biz) => count("SELECT count(*) AS n FROM ledger_transfers WHERE business_id = $1 AND kind = 'funding'", [biz.businessId]);

describe('X-EXTERNAL-ID: a retry of the same request gets the original answer', () => {
  it('the same card issue sent twice: one card, the same status and body, marked as a replay', async () => {
    const externalId = newId();
    const ref = nid('retry');
    const first = await a.partner.call('POST', '/snap/v1.0/cards', cardBody(a, ref), { externalId });
    expect(first.status).toBe(200);
    expect(first.headers['x-idempotent-replay']).toBeUndefined();
    const again = await a.partner.call('POST', '/snap/v1.0/cards', cardBody(a, ref), { externalId });
    expect(again.status).toBe(200);
    expect(again.headers['x-idempotent-replay']).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(await cardsNamed(ref)).toBe(1);
  });

  it('the same funding sent twice credits once', async () => {
    const externalId = newId();
    const body = JSON.stringify({ amount: { value: '10.00', currency: 'IDR' } });
    const before = await fundings(a);
    const first = await a.partner.call('POST', '/snap/v1.0/simulate/funding', body, { externalId });
    const again = await a.partner.call('POST', '/snap/v1.0/simulate/funding', body, { externalId });
    expect(first.status).toBe(200);
    expect([again.status, again.body]).toEqual([first.status, first.body]);
    expect(await fundings(a)).toBe(before + 1);
  });

  it('replays a 4xx answer too (the request was decided)', async () => {
    const externalId = newId();
    const body = JSON.stringify({ partnerReferenceNo: nid('r'), cardholderId: randomUUID(), type: 'VIRTUAL' });
    const first = await a.partner.call('POST', '/snap/v1.0/cards', body, { externalId });
    expect(first.status).toBe(404);
    const again = await a.partner.call('POST', '/snap/v1.0/cards', body, { externalId });
    expect([again.status, again.body, again.headers['x-idempotent-replay']]).toEqual([first.status, first.body, 'true']);
  });

  it('another body, path or method with the id stays 409xx00, with nothing done', async () => {
    const externalId = newId();
    const ref = nid('diff');
    expect((await a.partner.call('POST', '/snap/v1.0/cards', cardBody(a, ref), { externalId })).status).toBe(200);
    const other = nid('diff');
    const changedBody = await a.partner.call('POST', '/snap/v1.0/cards', cardBody(a, other), { externalId });
    expect([changedBody.status, changedBody.body.responseCode]).toEqual([409, '4099000']);
    expect(changedBody.body.responseMessage).toMatch(/another request/);
    // The same JSON, spaced differently, is another raw body.
    const spaced = await a.partner.call('POST', '/snap/v1.0/cards', JSON.stringify(JSON.parse(cardBody(a, ref)), null, 1), { externalId });
    expect(spaced.body.responseCode).toBe('4099000');
    const otherPath = await a.partner.call('GET', '/snap/v1.0/cards?pageSize=1', '', { externalId });
    expect(otherPath.body.responseCode).toBe('4099100');
    expect(await cardsNamed(other)).toBe(0);
  });

  it('two at once with the same id: one card; the other is a replay or 409 in flight', async () => {
    const externalId = newId();
    const ref = nid('race');
    const answers = await Promise.all([1, 2, 3].map(() => a.partner.call('POST', '/snap/v1.0/cards', cardBody(a, ref), { externalId })));
    expect(await cardsNamed(ref)).toBe(1);
    const performed = answers.filter((r) => r.status === 200 && r.headers['x-idempotent-replay'] === undefined);
    expect(performed).toHaveLength(1);
    for (const r of answers.filter((x) => x !== performed[0])) {
      if (r.status === 200) expect(r.body).toEqual(performed[0]!.body);
      else expect([r.status, r.body.responseCode, r.body.responseMessage]).toEqual([409, '4099000', expect.stringMatching(/still in flight/)]);
    }
  });

  it('a 5xx answer is not kept: the id is released and the retry is performed', async () => {
    const externalId = newId();
    const ref = nid('fail');
    // Break the card insert for this business for one call: the transaction rolls back with a 500.
    await h.kartu.db.query(`CREATE OR REPLACE FUNCTION test_fail_card() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$`);
    await h.kartu.db.query(`CREATE TRIGGER test_fail_card BEFORE INSERT ON cards FOR EACH ROW WHEN (NEW.partner_reference_no = '${ref}') EXECUTE FUNCTION test_fail_card()`);
    const failed = await a.partner.call('POST', '/snap/v1.0/cards', cardBody(a, ref), { externalId });
    await h.kartu.db.query('DROP TRIGGER test_fail_card ON cards; DROP FUNCTION test_fail_card()');
    expect(failed.status).toBe(500);
    const retried = await a.partner.call('POST', '/snap/v1.0/cards', cardBody(a, ref), { externalId });
    expect(retried.status).toBe(200);
    expect(retried.headers['x-idempotent-replay']).toBeUndefined();
    expect(await cardsNamed(ref)).toBe(1);
  });

  it('an answer that cannot be kept is not sent: 503 with Retry-After, and the id is released', async () => {
    const externalId = newId();
    await h.kartu.db.query(`CREATE OR REPLACE FUNCTION test_fail_keep() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$`);
    await h.kartu.db.query(`CREATE TRIGGER test_fail_keep BEFORE UPDATE ON external_ids FOR EACH ROW WHEN (NEW.external_id = '${externalId}') EXECUTE FUNCTION test_fail_keep()`);
    try {
      const res = await a.partner.call('POST', '/snap/v1.0/balance-inquiry', '{}', { externalId });
      expect([res.status, res.body.responseCode, res.headers['retry-after']]).toEqual([503, '5031100', '1']);
      expect(res.body.accountInfos).toBeUndefined();
    } finally {
      await h.kartu.db.query('DROP TRIGGER test_fail_keep ON external_ids; DROP FUNCTION test_fail_keep()');
    }
    // Released before the 503 was sent: a retry runs afresh.
    expect(await h.kartu.db.query('SELECT 1 FROM external_ids WHERE external_id = $1', [externalId])).toEqual([]);
    const retried = await a.partner.call('POST', '/snap/v1.0/balance-inquiry', '{}', { externalId });
    expect([retried.status, retried.headers['x-idempotent-replay']]).toEqual([200, undefined]);
  });

  it('a revealed card number is not kept: its retry answers 409xx00 and no PAN is stored', async () => {
    const card = await issueCard(a);
    const externalId = newId();
    const path = `/snap/v1.0/cards/${card.id}/reveal`;
    const first = await a.partner.call('POST', path, '', { externalId });
    expect(first.status).toBe(200);
    const again = await a.partner.call('POST', path, '', { externalId });
    expect([again.status, again.body.responseCode]).toEqual([409, '4099300']);
    const kept = await h.kartu.db.query('SELECT status, body FROM external_ids WHERE external_id = $1', [externalId]);
    expect(kept).toEqual([{ status: 200, body: null }]);
    expect(JSON.stringify(await h.kartu.db.query('SELECT body FROM external_ids WHERE body IS NOT NULL'))).not.toContain(card.number);
  });

  it("a webhook endpoint's secret (shown once) is not kept either: its retry answers 409xx00 and no secret is stored", async () => {
    const externalId = newId();
    const body = JSON.stringify({ url: 'https://example.com/kept-secret', eventTypes: ['*'] });
    const first = await a.partner.call('POST', '/snap/v1.0/webhook-endpoints', body, { externalId });
    expect([first.status, first.body.responseCode]).toEqual([200, '2009700']);
    const secret: string = first.body.webhookEndpoint.secret;
    expect(secret.length).toBeGreaterThan(10);
    const again = await a.partner.call('POST', '/snap/v1.0/webhook-endpoints', body, { externalId });
    expect([again.status, again.body.responseCode]).toEqual([409, '4099700']);
    expect(await h.kartu.db.query('SELECT status, body FROM external_ids WHERE external_id = $1', [externalId])).toEqual([{ status: 200, body: null }]);
    expect(JSON.stringify(await h.kartu.db.query('SELECT body FROM external_ids WHERE body IS NOT NULL'))).not.toContain(secret);
  });
});

describe('partnerReferenceNo is the business key of a card', () => {
  it('a duplicate (with a new X-EXTERNAL-ID, as on another day) answers 4099001 with the existing card', async () => {
    const ref = nid('dup');
    const first = await a.partner.call('POST', '/snap/v1.0/cards', cardBody(a, ref));
    const dup = await a.partner.call('POST', '/snap/v1.0/cards', cardBody(a, ref));
    expect([dup.status, dup.body.responseCode]).toEqual([409, '4099001']);
    expect(dup.body.card).toEqual(first.body.card);
    expect(await cardsNamed(ref)).toBe(1);
  });

  it('GET /snap/v1.0/cards?partnerReferenceNo= finds it, and only in its own business', async () => {
    const card = await issueCard(a);
    const ref = (await h.kartu.db.query('SELECT partner_reference_no AS ref FROM cards WHERE id = $1', [card.id]))[0].ref;
    const found = await a.partner.call('GET', `/snap/v1.0/cards?partnerReferenceNo=${ref}`);
    expect(found.body.cards.map((c: { id: string }) => c.id)).toEqual([card.id]);
    expect(found.body.totalCount).toBe(1);
    const elsewhere = await b.partner.call('GET', `/snap/v1.0/cards?partnerReferenceNo=${ref}`);
    expect([elsewhere.status, elsewhere.body.cards, elsewhere.body.totalCount]).toEqual([200, [], 0]);
    // The same reference in another business is another card, not a duplicate.
    const theirs = await b.partner.call('POST', '/snap/v1.0/cards', cardBody(b, ref));
    expect(theirs.status).toBe(200);
    expect(theirs.body.card.id).not.toBe(card.id);
    expect((await a.partner.call('GET', `/snap/v1.0/cards?partnerReferenceNo=${'x'.repeat(65)}`)).body.responseCode).toBe('4009101');
  });
});

describe('POST /snap/v1.0/simulate/authorizations/{authorizationId}/clear|reverse|refund', () => {
  const idr = (value: string) => ({ value, currency: 'IDR' });
  const purchase = async (value: string, cardId: string) => {
    const res = await a.partner.call('POST', '/snap/v1.0/simulate/authorizations', JSON.stringify({ cardId, amount: idr(value), merchant: MERCHANT }));
    expect(res.body.authorization.decision).toBe('approved');
    return res.body.authorization.authorizationId as string;
  };
  // The manual clock stands still while the database stamps rows with its own now(): bring it to now.
  const list = () => {
    h.clock.set(new Date());
    return a.partner.call('POST', '/snap/v1.0/transaction-history-list', JSON.stringify({ pageSize: 50 }));
  };
  const history = async (referenceNo: string) => {
    const res = await list();
    return res.body.detailData.filter((d: { referenceNo: string }) => d.referenceNo === referenceNo);
  };
  const act = (id: string, action: string, body: object = {}, partner = a.partner) =>
    partner.call('POST', `/snap/v1.0/simulate/authorizations/${id}/${action}`, JSON.stringify(body));

  it('clear moves history from INIT to SUCCESS; refund adds a REFUND line', async () => {
    const card = await issueCard(a);
    const id = await purchase('50.00', card.id);
    expect((await history(id))[0]).toMatchObject({ status: 'INIT' });
    const cleared = await act(id, 'clear');
    expect([cleared.status, cleared.body.responseCode]).toEqual([200, '2009600']);
    expect(cleared.body.clearing).toMatchObject({ authorizationId: id, amount: 5_000 });
    expect((await history(id))[0]).toMatchObject({ status: 'SUCCESS', amount: idr('50.00') });
    const refunded = await act(id, 'refund', { amount: idr('20.00') });
    expect(refunded.status).toBe(200);
    const all = await list();
    expect(all.body.detailData).toContainEqual(expect.objectContaining({ type: 'REFUND', status: 'SUCCESS', amount: idr('20.00') }));
    expect((await act(id, 'refund', { amount: idr('40.00') })).body.responseCode).toBe('4009601');
    expect((await act(id, 'clear')).body.responseCode).toBe('4039615');
  });

  it('reverse cancels it', async () => {
    const card = await issueCard(a);
    const id = await purchase('30.00', card.id);
    const reversed = await act(id, 'reverse');
    expect([reversed.status, reversed.body.reversal.authorizationId]).toEqual([200, id]);
    expect((await history(id))[0]).toMatchObject({ status: 'CANCELLED' });
    expect((await act(id, 'refund')).body.responseCode).toBe('4039615');
  });

  it("bad input and another business's authorization: 400/404, nothing changes", async () => {
    const card = await issueCard(a);
    const id = await purchase('10.00', card.id);
    expect((await act(id, 'clear', {}, b.partner)).body.responseCode).toBe('4049601');
    expect((await act('not-a-uuid', 'clear')).body.responseCode).toBe('4049601');
    expect((await act(randomUUID(), 'reverse')).body.responseCode).toBe('4049601');
    const unknown = await act(id, 'clear', { tip: 1 });
    expect([unknown.body.responseCode, unknown.body.field]).toEqual(['4009601', 'tip']);
    expect((await act(id, 'clear', { amount: { value: 5, currency: 'IDR' } })).body.responseCode).toBe('4009601');
    expect((await act(id, 'clear', { amount: { value: '5.00', currency: 'USD' } })).body.field).toBe('amount.currency');
    expect((await history(id))[0]).toMatchObject({ status: 'INIT' });
  });

  it('answers 4039601 in production', async () => {
    const prod = await startHarness({ KARTU_ENV: 'production', KARTU_MASTER_KEY: randomBytes(32).toString('base64') });
    try {
      const partner = await TestPartner.create(prod);
      const res = await partner.call('POST', `/snap/v1.0/simulate/authorizations/${randomUUID()}/clear`, '{}');
      expect([res.status, res.body.responseCode]).toEqual([403, '4039601']);
    } finally {
      await prod.close();
    }
  });
});
