import { createPublicKey, randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/modules/access/admins.service';
import { signAccessTokenRequest, signSymmetric, symmetricStringToSign } from '../../src/modules/access/snap-signature';
import { authorizationResponse, messageResponse } from '../../src/modules/authorizations/authorizations.schemas';
import { networkSignature } from '../../src/modules/authorizations/network-auth';
import { formatSnapTimestamp } from '../../src/platform/snap-time';
import { adminSession } from '../support/admin-session';
import { fuzzBody, fuzzSettings, mutatedBody, nastyPathSegment, nastyQuery, type FuzzBody } from '../support/fuzz-bodies';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkAuthorizationInvariants, checkLedgerInvariants } from '../support/invariants';
import { authorizationBody, business, expectSnap, issueCard, MERCHANT, nid, type Biz, type IssuedCard } from '../support/partner-fixtures';
import { rawServer, type RawAnswer } from '../support/raw-http';
import { changedTables, snapshotter, type StateSnapshot } from '../support/state-snapshot';

/**
 * HTTP fuzzing of every route family against a real Kartu (PostgreSQL, Redis): correctly signed or
 * authenticated calls whose bodies (and some path ids and query strings) are mutated
 * (test/support/fuzz-bodies.ts). Every answer must be below 500, JSON, in the documented envelope
 * (API.md: `responseCode` = status + service + case, `responseMessage`; the network API's own
 * shapes on success), and a refused call (4xx) must leave every table as it was.
 *
 * Seeded: KARTU_FUZZ_SEED replays a run, KARTU_FUZZ_RUNS sets the number of calls (split over the
 * families); both are printed. `npm run fuzz` is the long run.
 */

const { seed, runs } = fuzzSettings(2_400);
const share = { network: 0.3, snap: 0.45, admin: 0.25 };
const runsOf = (family: keyof typeof share) => Math.max(1, Math.round(runs * share[family]));

/**
 * Tables a refused call may still write, by design: the partner's X-EXTERNAL-ID is reserved once
 * the signature holds, before the body's schema is checked (docs/snap-security.md, step 9); an
 * admin session's last use moves on every authenticated call.
 */
// A self-test run watches its client's calls, refused ones too: what it records of them (and the
// scenarios they fail or pass) is observation, like an access log, not a write by the call.
const WRITTEN_BY_REFUSED_CALLS = ['external_ids', 'admin_sessions', 'self_test_calls', 'self_test_scenarios', 'self_test_runs', 'self_test_readiness'];

type Family = 'network' | 'snap' | 'admin';
interface Route {
  family: Family;
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** With `{id}` where a path id goes (replaced by a fixture's id, or a mutated segment). */
  path: string;
  /** The SNAP service code of its answers. */
  service: string;
  /** A valid body, mutated by the fuzzer; undefined: the route takes none (an empty body is its valid one). */
  body?: unknown;
  /** The fixture id `{id}` stands for. */
  id?: () => string;
  /** Answers a file on success (not JSON). */
  file?: boolean;
  /** The access-token route: RSA-signed headers, no bearer token. */
  token?: boolean;
  /** An unauthenticated route (admin login, sandbox utilities). */
  open?: boolean;
}

let h: Harness;
let net: TestNetwork;
let biz: Biz;
let card: IssuedCard;
let physical: string;
let cookie: string;
let server: Awaited<ReturnType<typeof rawServer>>;
const ids: Record<string, string> = {};
let snapshot: StateSnapshot;
let takeSnapshot: () => Promise<StateSnapshot>;
const stats = { calls: 0, byStatus: {} as Record<string, number>, started: 0, snapshotMs: 0 };

beforeAll(async () => {
  console.log(`[http-fuzz] seed=${seed} runs=${runs} (replay: KARTU_FUZZ_SEED=${seed} KARTU_FUZZ_RUNS=${runs} npx vitest run test/fuzz)`);
  h = await startHarness();
  net = await TestNetwork.create(h);
  biz = await business(h, 50_000_000n);
  card = await issueCard(biz);
  physical = (await issueCard(biz, { type: 'PHYSICAL', shipping: { name: 'Siti', address: { line1: 'Jl. Sudirman 1', city: 'Jakarta', postalCode: '10220', country: 'ID' } } })).id;
  cookie = await adminSession(h, biz.businessId);
  // The team routes act on a second admin (the fuzzing owner stays the one active owner: it cannot demote or disable itself).
  ids.teamAdmin = (await createAdmin(h.kartu, { businessId: biz.businessId, email: `team.${randomUUID()}@example.com`, role: 'finance_admin' })).adminId;
  const invitation = await h.http().post('/admin/v1/team/invitations').set('Cookie', cookie).send({ email: `invited.${randomUUID()}@example.com`, role: 'viewer' });
  expect(invitation.status, JSON.stringify(invitation.body)).toBe(200);
  ids.invitation = invitation.body.invitation.id;
  const auth = await net.send('/authorizations', authorization());
  expect(auth.status, JSON.stringify(auth.body)).toBe(200);
  ids.authorization = auth.body.id;
  const policy = await biz.partner.call('POST', '/snap/v1.0/policies', JSON.stringify(policyBody()));
  expectSnap(policy, '2009500');
  ids.policy = policy.body.policy.id;
  const versions = await biz.partner.call('GET', `/snap/v1.0/policies/${ids.policy}/versions`);
  expectSnap(versions, '2009500');
  ids.version = versions.body.versions[0].id;
  const hook = await biz.partner.call('POST', '/snap/v1.0/webhook-endpoints', JSON.stringify({ url: 'https://example.com/hooks', eventTypes: ['*'] }));
  expectSnap(hook, '2009700');
  ids.webhook = hook.body.webhookEndpoint.id;
  expectSnap(await biz.partner.call('PUT', '/snap/v1.0/rewards/program', JSON.stringify(rewardsProgram())), '2009800');
  const report = await biz.partner.call('POST', '/snap/v1.0/reports', JSON.stringify(reportBody()));
  expectSnap(report, '2009900');
  ids.report = report.body.report.id;
  const selfTest = await biz.partner.call('POST', '/snap/v1.0/self-tests', JSON.stringify({ services: ['11'] }));
  expectSnap(selfTest, '2009600');
  ids.selfTest = selfTest.body.selfTest.id;
  server = await rawServer(h.app);
  takeSnapshot = await snapshotter(h.kartu.db, WRITTEN_BY_REFUSED_CALLS);
  snapshot = await takeSnapshot();
  stats.started = Date.now();
}, 120_000);

afterAll(async () => {
  console.log(`[http-fuzz] seed=${seed}: ${stats.calls} calls in ${((Date.now() - stats.started) / 1000).toFixed(1)} s, by status ${JSON.stringify(stats.byStatus)}, ${(stats.snapshotMs / 1000).toFixed(1)} s of it comparing the tables`);
  await server?.close();
  await h?.close();
});

// ---- valid bodies ------------------------------------------------------------------------------

const idr = (value: string) => ({ value, currency: 'IDR' });
const jakartaNow = () => formatSnapTimestamp(h.clock.now());
const today = () => h.clock.now().toISOString().slice(0, 10);
const spendControls = () => ({ spendingLimits: [{ amount: idr('500000.00'), interval: 'daily', categories: ['restaurants'] }], allowedCountries: ['ID'], blockedCategories: ['gambling'] });
const rule = () => ({ name: 'big', conditions: { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 1_000_000 }] }, event: { type: 'review', params: { reason: 'big' } } });
const policyBody = () => ({ name: 'Fuzz policy', scope: { type: 'business' }, mode: 'shadow', rules: [rule()], note: 'fuzz' });
const rewardsProgram = () => ({ earnRate: { points: 1, per: idr('1000.00') }, pointValue: idr('10.00'), categoryMultipliers: [{ categories: ['restaurants'], multiplier: '2' }] });
const reportBody = () => ({ type: 'spend_by_category', fromDate: today(), toDate: today(), format: 'csv' });

const authorization = () => authorizationBody(card);

function routes(): Route[] {
  const snap = (method: Route['method'], path: string, service: string, o: Partial<Route> = {}): Route => ({ family: 'snap', method, path: `/snap/v1.0${path}`, service, ...o });
  const admin = (method: Route['method'], path: string, service: string, o: Partial<Route> = {}): Route => ({ family: 'admin', method, path: `/admin/v1${path}`, service, ...o });
  const network = (path: string, body: unknown): Route => ({ family: 'network', method: 'POST', path: `/network/v1${path}`, service: '00', body });
  const cardId = () => card.id;
  const holderId = () => biz.holderId;
  const policyId = () => ids.policy!;
  const webhookId = () => ids.webhook!;
  // The same card, cardholder, policy and webhook routes are served to partners and to admins.
  const shared = (r: typeof snap): Route[] => [
    r('POST', '/cardholders', '94', { body: { name: 'Budi Santoso', email: 'budi@example.com', phoneNo: '6281234567890', employeeId: 'E-1', dateOfBirth: '1990-04-17', metadata: { team: 'ops' } } }),
    r('GET', '/cardholders', '94'),
    r('GET', '/cardholders/{id}', '94', { id: holderId }),
    r('PATCH', '/cardholders/{id}', '94', { id: holderId, body: { name: 'Siti Rahayu', metadata: { team: 'ops' } } }),
    r('POST', '/cards', '90', { body: { partnerReferenceNo: 'fuzz-ref-1', cardholderId: biz.holderId, type: 'VIRTUAL', currency: 'IDR', spendControls: spendControls(), metadata: { costCenter: 'CC-12' } } }),
    r('GET', '/cards', '91'),
    r('GET', '/cards/{id}', '91', { id: cardId }),
    r('PATCH', '/cards/{id}', '92', { id: cardId, body: { status: 'ACTIVE', spendControls: spendControls(), metadata: { costCenter: 'CC-12' } } }),
    r('POST', '/cards/{id}/activate', '92', { id: () => physical }),
    r('POST', '/cards/{id}/pin', '92', { id: cardId, body: { pin: '1234' } }),
    r('POST', '/cards/{id}/reveal', '93', { id: cardId }),
    r('POST', '/policies', '95', { body: policyBody() }),
    r('GET', '/policies', '95'),
    r('GET', '/policies/{id}', '95', { id: policyId }),
    r('PATCH', '/policies/{id}', '95', { id: policyId, body: { name: 'Fuzz policy' } }),
    r('POST', '/policies/{id}/versions', '95', { id: policyId, body: { mode: 'shadow', rules: [rule()], note: 'v' } }),
    r('GET', '/policies/{id}/versions', '95', { id: policyId }),
    r('GET', `/policies/{id}/versions/${ids.version}`, '95', { id: policyId }),
    r('POST', `/policies/{id}/versions/${ids.version}/activate`, '95', { id: policyId }),
    r('POST', '/policies/test', '95', { body: { rules: [rule()], facts: { transaction: { amount: 2_000_000, currency: 'IDR', cardPresent: true, hour: 10 }, merchant: { mcc: '5814', country: 'ID', city: 'Jakarta' } } } }),
    r('POST', '/policies/{id}/backtest', '95', { id: policyId, body: { versionId: ids.version, fromDateTime: '2026-01-01T00:00:00+07:00', toDateTime: '2026-02-01T00:00:00+07:00' } }),
    r('GET', `/policies/{id}/backtests/${randomUUID()}`, '95', { id: policyId }),
    r('POST', '/webhook-endpoints', '97', { body: { url: 'https://example.com/other', eventTypes: ['authorization.created', 'card.*'], enabled: true } }),
    r('GET', '/webhook-endpoints', '97'),
    r('GET', '/webhook-endpoints/{id}', '97', { id: webhookId }),
    r('PATCH', '/webhook-endpoints/{id}', '97', { id: webhookId, body: { enabled: true, eventTypes: ['*'] } }),
    r('GET', '/webhook-endpoints/{id}/deliveries', '97', { id: webhookId }),
    r('POST', '/webhook-endpoints/{id}/redeliver', '97', { id: webhookId, body: { since: '2026-01-01T00:00:00+07:00' } }),
    r('GET', '/events', '97'),
    r('GET', `/events/{id}`, '97', { id: () => randomUUID() }),
  ];
  const all: Route[] = [
    network('/authorizations', authorization()),
    network('/reversals', { id: nid('rev'), authorizationId: ids.authorization, amount: 100 }),
    network('/clearings', { id: nid('clr'), authorizationId: ids.authorization, amount: 5_000, currency: 'IDR', merchant: MERCHANT }),
    network('/clearings', { id: nid('frc'), card: { number: card.number }, amount: 5_000, currency: 'IDR', merchant: MERCHANT }),
    network('/refunds', { id: nid('ref'), card: { number: card.number }, amount: 1_000, currency: 'IDR', merchant: MERCHANT }),

    snap('POST', '/access-token/b2b', '73', { token: true, body: { grantType: 'client_credentials' } }),
    snap('POST', '/utilities/signature-auth', '00', { open: true, body: { clientKey: biz.partner.creds.clientKey, timestamp: '2026-11-21T10:55:00+07:00', privateKey: '-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----' } }),
    snap('POST', '/utilities/signature-service', '00', { open: true, body: { method: 'POST', path: '/snap/v1.0/balance-inquiry', accessToken: 'abc', timestamp: '2026-11-21T10:55:00+07:00', clientSecret: 'secret', body: '{}' } }),
    snap('POST', '/balance-inquiry', '11', { body: { partnerReferenceNo: 'ref-1', accountNo: biz.businessId, balanceTypes: ['Cash'], additionalInfo: { channel: 'web' } } }),
    snap('POST', '/transaction-history-list', '12', { body: { fromDateTime: '2026-11-01T00:00:00+07:00', toDateTime: '2026-11-21T00:00:00+07:00', pageSize: 10, pageNumber: 0 } }),
    snap('POST', '/transaction-history-detail', '13', { body: { originalPartnerReferenceNo: ids.authorization } }),
    ...shared(snap),
    snap('GET', '/notification-public-key', '97'),
    snap('POST', '/simulate/funding', '96', { body: { amount: idr('100.00') } }),
    snap('POST', '/simulate/authorizations', '96', { body: { cardId: card.id, amount: idr('1.00'), merchant: MERCHANT } }),
    snap('POST', '/simulate/authorizations/{id}/clear', '96', { id: () => ids.authorization!, body: { amount: idr('1.00') } }),
    snap('POST', '/simulate/authorizations/{id}/reverse', '96', { id: () => ids.authorization!, body: { amount: idr('1.00') } }),
    snap('POST', '/simulate/authorizations/{id}/refund', '96', { id: () => ids.authorization!, body: { amount: idr('1.00') } }),
    snap('POST', '/self-tests', '96', { body: { services: ['11'] } }),
    snap('GET', '/self-tests/{id}', '96', { id: () => ids.selfTest! }),
    snap('GET', '/self-tests/{id}/report', '96', { id: () => ids.selfTest! }),
    snap('GET', '/self-tests/{id}/report.pdf', '96', { id: () => ids.selfTest!, file: true }),
    snap('POST', '/simulate/cards/{id}/shipping', '96', { id: () => physical, body: { status: 'shipped', carrier: 'JNE', trackingNumber: 'T-1' } }),
    snap('PUT', '/rewards/program', '98', { body: rewardsProgram() }),
    snap('GET', '/rewards/program', '98'),
    snap('GET', '/rewards/balance', '98'),
    snap('GET', '/rewards/history', '98'),
    snap('POST', '/rewards/redeem', '98', { body: { partnerReferenceNo: 'rdm-1', cardholderId: biz.holderId, points: 1 } }),
    snap('POST', '/reports', '99', { body: reportBody() }),
    snap('GET', '/reports', '99'),
    snap('GET', '/reports/summary', '99'),
    snap('GET', '/reports/{id}', '99', { id: () => ids.report! }),
    snap('GET', '/reports/{id}/file', '99', { id: () => ids.report!, file: true }),

    admin('POST', '/login', '00', { open: true, body: { email: 'nobody@example.com', password: 'wrong password' } }),
    admin('GET', '/me', '00'),
    admin('GET', '/audit-log', '00'),
    admin('POST', '/two-factor/enrolment', '00'),
    admin('GET', '/business/security', '00'),
    admin('PATCH', '/business/security', '00', { body: { requireTwoFactor: false } }),
    admin('GET', '/team/admins', '00'),
    admin('PATCH', '/team/admins/{id}', '00', { id: () => ids.teamAdmin!, body: { role: 'viewer' } }),
    admin('POST', '/team/admins/{id}/disable', '00', { id: () => ids.teamAdmin! }),
    admin('POST', '/team/admins/{id}/enable', '00', { id: () => ids.teamAdmin! }),
    admin('POST', '/team/admins/{id}/two-factor/reset', '00', { id: () => ids.teamAdmin! }),
    admin('GET', '/team/invitations', '00'),
    admin('POST', '/team/invitations', '00', { body: { email: 'invited@example.com', role: 'viewer' } }),
    admin('POST', '/team/invitations/{id}/reissue', '00', { id: () => ids.invitation! }),
    admin('POST', '/team/invitations/{id}/revoke', '00', { id: () => ids.invitation! }),
    admin('POST', '/invitations/preview', '00', { open: true, body: { token: 'not-a-token' } }),
    admin('POST', '/invitations/accept', '00', { open: true, body: { token: 'not-a-token', password: 'a long enough password' } }),
    admin('GET', '/balance', '11'),
    admin('GET', '/overview', '11'),
    admin('GET', '/authorizations', '12'),
    admin('GET', '/authorizations/{id}', '13', { id: () => ids.authorization! }),
    admin('GET', '/transactions', '12'),
    admin('GET', '/cards/{id}/limit-usage', '91', { id: cardId }),
    admin('GET', '/mcc-groups', '91'),
    admin('GET', '/policy-activity', '95'),
    admin('GET', '/policies/{id}/shadow-results', '95', { id: policyId }),
    admin('GET', '/policies/{id}/backtests', '95', { id: policyId }),
    admin('POST', `/policies/{id}/versions/${ids.version}/promote`, '95', { id: policyId }),
    admin('POST', '/sandbox/authorizations', '96', { body: { cardId: card.id, amount: idr('1.00'), merchant: MERCHANT } }),
    admin('POST', '/sandbox/authorizations/{id}/clear', '96', { id: () => ids.authorization!, body: { amount: idr('1.00') } }),
    admin('POST', '/sandbox/authorizations/{id}/reverse', '96', { id: () => ids.authorization!, body: { amount: idr('1.00') } }),
    admin('POST', '/sandbox/authorizations/{id}/refund', '96', { id: () => ids.authorization!, body: { amount: idr('1.00') } }),
    admin('POST', '/sandbox/funding', '96', { body: { amount: idr('100.00') } }),
    admin('POST', '/sandbox/cards/{id}/shipping', '96', { id: () => physical, body: { status: 'shipped', carrier: 'JNE', trackingNumber: 'T-1' } }),
    admin('GET', '/developers', '00'),
    admin('GET', '/developers/event-types', '00'),
    admin('GET', '/notification-public-key', '97'),
    // The partner's own key again: a valid call changes nothing the snap family relies on. Secret
    // rotation and PATCH /developers/access are left out: a valid mutation (a rotation, a rate limit
    // of 1, an allowlist) would lock the snap family's calls out.
    admin('PUT', '/developers/public-key', '00', { body: { publicKeyPem: createPublicKey(biz.partner.creds.privateKeyPem).export({ type: 'spki', format: 'pem' }).toString() } }),
    admin('POST', '/reports', '99', { body: reportBody() }),
    admin('GET', '/reports', '99'),
    admin('GET', '/reports/{id}', '99', { id: () => ids.report! }),
    admin('GET', '/reports/{id}/file', '99', { id: () => ids.report!, file: true }),
    admin('GET', `/spend?fromDate=${today()}&toDate=${today()}`, '99'),
    admin('GET', '/statements', '99'),
    admin('GET', `/accounting-export?fromDate=${today()}&toDate=${today()}`, '99', { file: true }),
    // The partner API's rewards routes, mounted for admins too, and the admin-only balances list.
    admin('PUT', '/rewards/program', '98', { body: rewardsProgram() }),
    admin('GET', '/rewards/program', '98'),
    admin('GET', '/rewards/balance', '98'),
    admin('GET', '/rewards/balances', '98'),
    admin('GET', '/rewards/history', '98'),
    admin('POST', '/rewards/redeem', '98', { body: { partnerReferenceNo: 'rdm-admin-1', cardholderId: biz.holderId, points: 1 } }),
    ...shared(admin),
  ];
  // fast-check prints a failing case's route as its method and path.
  return all.map((r) => Object.assign(r, { [fc.toStringMethod]: () => `${r.method} ${r.path}` }));
}

// ---- calls -------------------------------------------------------------------------------------

interface Case {
  route: Route;
  body: FuzzBody;
  /** Replaces the route's `{id}`. */
  segment: string | null;
  query: string;
}

function caseOf(route: Route): fc.Arbitrary<Case> {
  const valid = route.body ?? {};
  const noBody = fuzzBody(Buffer.alloc(0), undefined, 'no body');
  // A route without a body is called mostly without one (its query or id mutated), else with a body it refuses.
  const body = route.body === undefined ? fc.oneof({ arbitrary: fc.constant(noBody), weight: 2 }, { arbitrary: mutatedBody(valid), weight: 1 }) : mutatedBody(valid);
  return fc.record({
    route: fc.constant(route),
    body,
    segment: route.id ? fc.option(nastyPathSegment, { freq: 6 }) : fc.constant(null),
    query: route.method === 'GET' ? nastyQuery : fc.constant(''),
  });
}

function headersFor(c: Case, path: string): Record<string, string> {
  const { route, body } = c;
  const headers: Record<string, string> = body.contentType === undefined ? {} : { 'Content-Type': body.contentType };
  if (route.family === 'network') {
    const timestamp = h.clock.now().toISOString();
    return { ...headers, 'X-Network-Id': net.networkId, 'X-Timestamp': timestamp, 'X-Signature': networkSignature(net.secret, timestamp, body.raw) };
  }
  if (route.family === 'admin') return route.open ? { ...headers, 'X-Forwarded-For': `198.51.${stats.calls % 250}.${(stats.calls >> 8) % 250}` } : { ...headers, Cookie: cookie };
  if (route.open) return headers;
  const timestamp = jakartaNow();
  const { clientKey, clientSecret, partnerId, channelId, privateKeyPem } = biz.partner.creds;
  if (route.token) return { ...headers, 'X-CLIENT-KEY': clientKey, 'X-TIMESTAMP': timestamp, 'X-SIGNATURE': signAccessTokenRequest(privateKeyPem, clientKey, timestamp) };
  const token = biz.partner.accessToken!;
  return {
    ...headers,
    Authorization: `Bearer ${token}`,
    'X-TIMESTAMP': timestamp,
    'X-SIGNATURE': signSymmetric(clientSecret, symmetricStringToSign(route.method, path, token, body.raw, timestamp)),
    'X-PARTNER-ID': partnerId,
    'X-EXTERNAL-ID': randomUUID().replaceAll('-', ''),
    'CHANNEL-ID': channelId,
  };
}

/** What is wrong with an answer (never a 5xx, JSON, the documented envelope), or undefined. */
function problemWith(c: Case, a: RawAnswer): string | undefined {
  if (a.status >= 500) return `a ${a.status}`;
  if (c.route.file && a.status === 200) return undefined;
  if (!/^application\/json/.test(String(a.headers['content-type']))) return `Content-Type ${a.headers['content-type']}`;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(a.body.toString('utf8'));
  } catch {
    return 'a body that is not JSON';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'a body that is not an object';
  if (c.route.family === 'network' && a.status === 200) {
    const schema = c.route.path.endsWith('/authorizations') ? authorizationResponse : messageResponse;
    const parsed = schema.safeParse(body);
    return parsed.success ? undefined : `a network answer off its schema: ${parsed.error.issues[0]?.message}`;
  }
  const { responseCode, responseMessage } = body;
  if (typeof responseCode !== 'string' || !/^\d{7}$/.test(responseCode)) return 'no 7-digit responseCode';
  if (typeof responseMessage !== 'string' || responseMessage === '') return 'no responseMessage';
  if (responseCode.slice(0, 3) !== String(a.status)) return `responseCode ${responseCode} under HTTP ${a.status}`;
  const service = responseCode.slice(3, 5);
  // A mutated path id may match no route (4040000) or not decode (4000001): the router answers before any route's service code is known.
  const pathRefused = c.segment !== null && (responseCode === '4040000' || responseCode === '4000001');
  if (service !== c.route.service && !pathRefused) return `service code ${service}, not ${c.route.service}`;
  // A validation error (400xx01 / 400xx02) also names its field, a duplicate card reference (4099001) the card; no other error carries more.
  const fieldError = /^400\d\d0[12]$/.test(responseCode);
  if (fieldError && (typeof body.field !== 'string' || body.field === '')) return `a ${responseCode} without its field`;
  const duplicateCard = responseCode === '4099001';
  if (duplicateCard && typeof (body.card as { id?: unknown } | undefined)?.id !== 'string') return 'a 4099001 without the existing card';
  const keys = Object.keys(body).filter((key) => !(fieldError && key === 'field') && !(duplicateCard && key === 'card'));
  if (a.status >= 400 && keys.length !== 2) return `an error with more than responseCode and responseMessage: ${Object.keys(body).join(', ')}`;
  return undefined;
}

async function call(c: Case): Promise<void> {
  const id = c.route.id?.() ?? '';
  const path = c.route.path.replace('{id}', c.segment ?? id) + c.query;
  const a = await server.send(c.route.method, path, headersFor(c, path), c.body.raw);
  stats.calls++;
  stats.byStatus[a.status] = (stats.byStatus[a.status] ?? 0) + 1;
  const where = `${c.route.method} ${path.slice(0, 120)} with ${c.body.what}`;
  const problem = problemWith(c, a);
  expect(problem, `${where} → ${a.status} ${a.body.toString('utf8').slice(0, 300)}`).toBeUndefined();
  const t = Date.now();
  const after = await takeSnapshot();
  stats.snapshotMs += Date.now() - t;
  if (a.status >= 400) expect(changedTables(snapshot, after), `${where} → ${a.status} ${a.body.toString('utf8').slice(0, 200)} changed rows`).toEqual([]);
  snapshot = after;
}

async function fuzz(family: Family): Promise<void> {
  const cases = routes().filter((r) => r.family === family).map(caseOf);
  // The partner's token, fetched once (the calls sign with it).
  if (!biz.partner.accessToken) await biz.partner.token();
  await fc.assert(
    fc.asyncProperty(fc.oneof(...cases), call),
    { seed, numRuns: runsOf(family), verbose: 1 },
  );
  await checkLedgerInvariants(h.kartu.db.manager);
  await checkAuthorizationInvariants(h.kartu.db.manager);
}

const timeout = (family: keyof typeof share) => 120_000 + runsOf(family) * 100;

describe(`HTTP fuzz (seed ${seed}, ${runs} calls)`, () => {
  it('the table snapshot sees a change: a card update and a funding call (not a refused call) change their tables', async () => {
    const before = await takeSnapshot();
    expectSnap(await biz.partner.call('POST', '/snap/v1.0/balance-inquiry', '{"unknown":1}'), '4001101');
    expect(changedTables(before, await takeSnapshot())).toEqual([]);
    expectSnap(await biz.partner.call('PATCH', `/snap/v1.0/cards/${card.id}`, JSON.stringify({ metadata: { n: String(Date.now()) } })), '2009200');
    expect(changedTables(before, await takeSnapshot())).toContain('cards');
    expectSnap(await biz.partner.call('POST', '/snap/v1.0/simulate/funding', JSON.stringify({ amount: idr('1.00') })), '2009600');
    expect(changedTables(before, await takeSnapshot())).toEqual(expect.arrayContaining(['cards', 'ledger_accounts', 'ledger_transfers']));
    snapshot = await takeSnapshot();
  });
  it(`network API: signed authorizations, reversals, clearings, refunds with mutated bodies (${runsOf('network')} calls)`, () => fuzz('network'), timeout('network'));
  it(`SNAP partner API: every route, signed, with mutated bodies, ids and queries (${runsOf('snap')} calls)`, () => fuzz('snap'), timeout('snap'));
  it(`admin API: a logged-in owner on every route, with mutated bodies, ids and queries (${runsOf('admin')} calls)`, () => fuzz('admin'), timeout('admin'));
});
