import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KartuApiError, KartuNetworkError, type Kartu } from '../../sdk/src/index';
import { recordingFetch, sdkPartner, startSdkServer, type SdkServer } from './sdk-server';

/** The SDK against a real Kartu over HTTP: every endpoint family, with a business of its own. */
let s: SdkServer;
let kartu: Kartu;
let holderId: string;
const MERCHANT = { id: 'M-KOPI-1', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' };
const idr = (value: string) => ({ value, currency: 'IDR' as const });
const ref = () => `sdk-${randomUUID().slice(0, 12)}`;

beforeAll(async () => {
  s = await startSdkServer();
  ({ kartu } = await sdkPartner(s));
  holderId = (await kartu.cardholders.create({ name: 'Siti Rahayu', email: `siti.${randomUUID().slice(0, 8)}@example.com` })).cardholder.id;
});
afterAll(() => s?.close());

describe('the SDK against a running Kartu', () => {
  it('cardholders: create, get, list, update', async () => {
    const created = await kartu.cardholders.create({ name: 'Budi Santoso', email: `budi.${randomUUID().slice(0, 8)}@example.com`, employeeId: 'E-7' });
    expect(created.responseCode).toBe('2009400');
    const id = created.cardholder.id;
    expect((await kartu.cardholders.get(id)).cardholder).toMatchObject({ id, name: 'Budi Santoso' });
    expect((await kartu.cardholders.list({ employeeId: 'E-7' })).cardholders.map((c) => c.id)).toEqual([id]);
    expect((await kartu.cardholders.update(id, { name: 'Budi S.' })).cardholder.name).toBe('Budi S.');
  });

  it('cards and their controls: issue, get, list, update, spend controls, activate, PIN, reveal, shipping', async () => {
    const issued = await kartu.cards.issue({ partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL' });
    expect(issued.responseCode).toBe('2009000');
    const id = issued.card.id;
    expect((await kartu.cards.get(id)).card).toMatchObject({ id, cardholderId: holderId, type: 'VIRTUAL' });
    expect((await kartu.cards.list({ cardholderId: holderId })).cards.map((c) => c.id)).toContain(id);
    const limits = { spendingLimits: [{ amount: idr('500000.00'), interval: 'daily' as const }], allowedCountries: ['ID'] };
    await kartu.controls.set(id, limits);
    expect(await kartu.controls.get(id)).toMatchObject(limits);
    expect((await kartu.cards.update(id, { status: 'FROZEN' })).card.status).toBe('FROZEN');
    const revealed = await kartu.cards.reveal(id);
    expect(revealed.card.number).toMatch(/^\d{16}$/);
    const physical = await kartu.cards.issue({ partnerReferenceNo: ref(), cardholderId: holderId, type: 'PHYSICAL', shipping: { name: 'Siti', address: { line1: 'Jl. Sudirman 1', city: 'Jakarta', postalCode: '10220', country: 'ID' } } });
    expect(physical.card.status).toBe('INACTIVE');
    await kartu.sandbox.shipCard(physical.card.id, { status: 'shipped' });
    await kartu.sandbox.shipCard(physical.card.id, { status: 'delivered' });
    expect((await kartu.cards.activate(physical.card.id)).card.status).toBe('ACTIVE');
    expect((await kartu.cards.setPin(physical.card.id, { pin: '4821' })).card.pinSet).toBe(true);
  });

  it('sandbox money, balance and history: fund, authorize, balance inquiry, history list and detail', async () => {
    expect((await kartu.sandbox.fund({ amount: idr('1000000.00') })).responseCode).toBe('2009600');
    const card = await kartu.cards.issue({ partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL' });
    const auth = await kartu.sandbox.authorize({ cardId: card.card.id, amount: idr('25000.00'), merchant: MERCHANT });
    expect(auth.authorization.decision).toBe('approved');
    const balance = await kartu.balance.inquiry();
    expect(balance.responseCode).toBe('2001100');
    expect(balance.accountInfos[0]!.holdAmount).toEqual(idr('25000.00'));
    // The rows carry the database's now(); the history's window ends at the clock's.
    s.h.clock.set(new Date());
    const list = await kartu.transactions.list({ pageSize: 10 });
    const purchase = list.detailData.find((d) => d.additionalInfo.authorizationId === auth.authorization.authorizationId);
    expect(purchase).toMatchObject({ status: 'INIT', type: 'PAYMENT', amount: idr('25000.00') });
    const detail = await kartu.transactions.detail({ originalPartnerReferenceNo: purchase!.referenceNo });
    expect(detail.responseCode).toBe('2001300');
  });

  it('policies: create, get, list, update, test, versions, activate, backtest', async () => {
    const rule = { name: 'big', conditions: { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 1_000_000 }] }, event: { type: 'decline', params: { reason: 'big fired' } } };
    const created = await kartu.policies.create({ name: 'Big spend', scope: { type: 'business' }, rules: [rule] });
    const id = created.policy.id;
    expect((await kartu.policies.get(id)).policy.name).toBe('Big spend');
    expect((await kartu.policies.list()).policies.map((p) => p.id)).toContain(id);
    expect((await kartu.policies.update(id, { name: 'Renamed' })).policy.name).toBe('Renamed');
    const tried = await kartu.policies.test({ rules: [rule], facts: { transaction: { amount: 2_000_000, currency: 'IDR', hour: 3, cardPresent: false }, merchant: { mcc: '5814', country: 'ID' } } });
    expect(tried.responseCode).toBe('2009500');
    const v2 = await kartu.policies.versions.create(id, { rules: [rule], mode: 'shadow' });
    const versionId = v2.version.id;
    expect((await kartu.policies.versions.list(id)).versions.length).toBe(2);
    expect((await kartu.policies.versions.get(id, versionId)).version.id).toBe(versionId);
    await kartu.policies.versions.activate(id, versionId);
    const now = s.h.clock.now();
    const backtest = await kartu.policies.backtest(id, { versionId, fromDateTime: new Date(now.getTime() - 86_400_000).toISOString(), toDateTime: now.toISOString() });
    expect((await kartu.policies.getBacktest(id, backtest.backtest.id)).backtest.id).toBe(backtest.backtest.id);
  });

  it('webhooks and events: endpoints, deliveries, redelivery, notification key, events list and get', async () => {
    const created = await kartu.webhooks.create({ url: 'https://example.com/kartu', eventTypes: ['card.*'] });
    expect(created.webhookEndpoint.secret).toMatch(/^whsec_/);
    const id = created.webhookEndpoint.id;
    expect((await kartu.webhooks.get(id)).webhookEndpoint.url).toBe('https://example.com/kartu');
    expect((await kartu.webhooks.list()).webhookEndpoints.map((e) => e.id)).toContain(id);
    expect((await kartu.webhooks.update(id, { enabled: false })).webhookEndpoint.enabled).toBe(false);
    expect((await kartu.webhooks.deliveries(id)).deliveries).toEqual([]);
    const events = await kartu.events.list({ after: 'start', pageSize: 50 });
    expect(events.events.length).toBeGreaterThan(0);
    const first = events.events[0]!;
    expect((await kartu.events.get(first.id)).event.id).toBe(first.id);
    await kartu.webhooks.update(id, { enabled: true });
    expect((await kartu.webhooks.redeliver(id, { eventId: first.id })).responseCode).toBe('2009700');
    expect((await kartu.webhooks.delete(id)).responseCode).toBe('2009700');
    expect((await kartu.webhooks.notificationPublicKey()).publicKey).toMatch(/BEGIN PUBLIC KEY/);
  });

  it('rewards: program, balance, history, redeem', async () => {
    const program = await kartu.rewards.setProgram({ earnRate: { points: 1, per: idr('1000.00') }, pointValue: idr('10.00') });
    expect(program.program.version).toBe(1);
    expect((await kartu.rewards.getProgram()).program.version).toBe(1);
    expect((await kartu.rewards.balance({ cardholderId: holderId })).balance).toMatchObject({ cardholderId: holderId });
    expect((await kartu.rewards.history({ cardholderId: holderId })).entries).toEqual([]);
    const refused = await kartu.rewards.redeem({ cardholderId: holderId, points: 10 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(KartuApiError);
    expect(refused).toMatchObject({ status: 403, responseCode: '4039814' });
  });

  it('reports: create, get, list, summary', async () => {
    const today = s.h.clock.now().toISOString().slice(0, 10);
    const report = await kartu.reports.create({ type: 'spend_by_card', fromDate: today, toDate: today });
    const id = report.report.id;
    expect((await kartu.reports.get(id)).report.id).toBe(id);
    expect((await kartu.reports.list()).reports.map((r) => r.id)).toContain(id);
    expect((await kartu.reports.summary()).responseCode).toMatch(/^200/);
  });

  it('the raw escape hatch signs any path with its query', async () => {
    const res = await kartu.request<{ cards: unknown[] }>('GET', '/snap/v1.0/cards', undefined, { query: { cardholderId: holderId, pageSize: 1 } });
    expect(res.cards).toHaveLength(1);
  });
});

describe('SDK errors', () => {
  it('bad input is a KartuApiError with the responseCode, message, status, field and request id', async () => {
    const err = await kartu.cards.issue({ partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL', colour: 'red' } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KartuApiError);
    const e = err as KartuApiError;
    expect(e).toMatchObject({ status: 400, responseCode: '4009001', field: 'colour' });
    expect(e.responseMessage).toMatch(/colour/);
    expect(e.requestId).toMatch(/.+/);
    expect(e.message).toBe(`4009001 ${e.responseMessage}`);
  });

  it("another business's card is 404xx01", async () => {
    const other = await sdkPartner(s);
    const card = await kartu.cards.issue({ partnerReferenceNo: ref(), cardholderId: holderId, type: 'VIRTUAL' });
    await expect(other.kartu.cards.get(card.card.id)).rejects.toMatchObject({ status: 404, responseCode: '4049101' });
  });

  it('no answer at all is a KartuNetworkError naming the URL, after the retries', async () => {
    const log: Array<{ method: string; path: string }> = [];
    const dead = await sdkPartner(s, { baseUrl: 'http://127.0.0.1:1', retries: 2, fetch: recordingFetch(log) });
    const err = await dead.kartu.balance.inquiry().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KartuNetworkError);
    expect((err as KartuNetworkError).message).toContain('http://127.0.0.1:1/snap/v1.0/access-token/b2b');
    expect((err as KartuNetworkError).timedOut).toBe(false);
    expect(log).toHaveLength(3);
  });

  it('an answer that does not come within timeoutMs is a KartuNetworkError with timedOut', async () => {
    const hanging: typeof fetch = (_input, init) => new Promise((_resolve, reject) => init!.signal!.addEventListener('abort', () => reject(new Error('aborted'))));
    const slow = await sdkPartner(s, { fetch: hanging, timeoutMs: 50, retries: 0 });
    await expect(slow.kartu.balance.inquiry()).rejects.toMatchObject({ name: 'KartuNetworkError', timedOut: true });
  });
});
