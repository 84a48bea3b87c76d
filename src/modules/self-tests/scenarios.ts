/**
 * What a self-test run asks of a partner: the scenarios (the request to make, what to alter in it,
 * the answer Kartu expects) and how an observed call is told to be an attempt at one of them.
 * Pure: no database, no clock of its own.
 */

/** Every service a run can include: SNAP's 11–13 and Kartu's 90–99 (API.md). */
export const SELF_TEST_SERVICES = ['11', '12', '13', '90', '91', '92', '93', '94', '95', '96', '97', '98', '99'] as const;

/** The self-test routes are sandbox tooling: they answer as service 96, as the simulation routes do. */
export const SELF_TEST_SERVICE = '96';

export const TOKEN_PATH = '/snap/v1.0/access-token/b2b';

export interface ScenarioRequest {
  method: string;
  path: string;
  /** Headers to send differently from a correct call, and how (a correct call is the default). */
  alter: Record<string, string>;
  body?: unknown;
  note?: string;
}

export interface ScenarioSpec {
  id: string;
  /** The service whose readiness it is part of; null: part of every service's. */
  service: string | null;
  title: string;
  request: ScenarioRequest;
  expected: { httpStatus: number; responseCode: string | null };
}

interface HappyPath {
  title: string;
  method: string;
  path: string;
  /** Which observed paths count (ids in the path vary). */
  matches: RegExp;
  body?: (c: RunContext) => unknown;
  note?: string;
}

const HAPPY_PATHS: Record<(typeof SELF_TEST_SERVICES)[number], HappyPath> = {
  '11': { title: 'Balance inquiry', method: 'POST', path: '/snap/v1.0/balance-inquiry', matches: /^\/snap\/v1\.0\/balance-inquiry$/, body: () => ({}) },
  '12': { title: 'Transaction history list', method: 'POST', path: '/snap/v1.0/transaction-history-list', matches: /^\/snap\/v1\.0\/transaction-history-list$/, body: () => ({ pageSize: 10 }) },
  '13': {
    title: 'Transaction history detail',
    method: 'POST',
    path: '/snap/v1.0/transaction-history-detail',
    matches: /^\/snap\/v1\.0\/transaction-history-detail$/,
    body: () => ({ originalPartnerReferenceNo: '<a referenceNo from the transaction history list>' }),
    note: 'Use the referenceNo of a record the history list (12) gave you, e.g. the funding of the sandbox scenario (96).',
  },
  '90': {
    title: 'Card issue',
    method: 'POST',
    path: '/snap/v1.0/cards',
    matches: /^\/snap\/v1\.0\/cards$/,
    body: (c) => ({ partnerReferenceNo: `self-test-${c.runId.slice(0, 8)}`, cardholderId: c.cardholderId, type: 'VIRTUAL' }),
    note: 'The run created the cardholder for you; any partnerReferenceNo not used before works.',
  },
  '91': { title: 'Card inquiry', method: 'GET', path: '/snap/v1.0/cards?pageSize=10', matches: /^\/snap\/v1\.0\/cards(\/[^/]+)?$/, note: 'GET /snap/v1.0/cards/{cardId} counts too.' },
  '92': {
    title: 'Card update',
    method: 'PATCH',
    path: '/snap/v1.0/cards/{cardId}',
    matches: /^\/snap\/v1\.0\/cards\/[^/]+$/,
    body: () => ({ metadata: { selfTest: 'true' } }),
    note: 'Any card of yours, e.g. the one of the card-issue scenario (90).',
  },
  '93': { title: 'Card reveal', method: 'POST', path: '/snap/v1.0/cards/{cardId}/reveal', matches: /^\/snap\/v1\.0\/cards\/[^/]+\/reveal$/, note: 'Any card of yours.' },
  '94': {
    title: 'Cardholder create',
    method: 'POST',
    path: '/snap/v1.0/cardholders',
    matches: /^\/snap\/v1\.0\/cardholders$/,
    body: (c) => ({ name: 'Self Test', email: `self-test-${c.runId.slice(0, 8)}@example.com` }),
  },
  '95': { title: 'Spend policy list', method: 'GET', path: '/snap/v1.0/policies', matches: /^\/snap\/v1\.0\/policies$/ },
  '96': {
    title: 'Sandbox funding',
    method: 'POST',
    path: '/snap/v1.0/simulate/funding',
    matches: /^\/snap\/v1\.0\/simulate\/funding$/,
    body: (c) => ({ amount: { value: '100000.00', currency: c.currency } }),
    note: 'Amounts are in the business currency, with its minor-unit digits.',
  },
  '97': { title: 'Webhook endpoint list', method: 'GET', path: '/snap/v1.0/webhook-endpoints', matches: /^\/snap\/v1\.0\/webhook-endpoints$/ },
  '98': { title: 'Rewards balance', method: 'GET', path: '/snap/v1.0/rewards/balance', matches: /^\/snap\/v1\.0\/rewards\/balance$/ },
  '99': { title: 'Report list', method: 'GET', path: '/snap/v1.0/reports', matches: /^\/snap\/v1\.0\/reports$/ },
};

export interface RunContext {
  runId: string;
  services: string[];
  cardholderId: string;
  currency: string;
  /** A token of this client that expired before the run began (for the expired-token scenario). */
  expiredToken: string;
  /** Asymmetric clients sign each call with their RSA key and use no token: no token scenarios. */
  signatureMode: 'symmetric' | 'asymmetric';
}

/** The path the header scenarios are sent to: the run itself, which every client of a run may call. */
export const probePath = (runId: string) => `/snap/v1.0/self-tests/${runId}`;

const code = (status: number, service: string, caseCode: string) => `${status}${service}${caseCode}`;

/** A run's scenarios, in the order a partner would best go through them. */
export function buildScenarios(c: RunContext): ScenarioSpec[] {
  const probe = { method: 'GET', path: probePath(c.runId) };
  const s = SELF_TEST_SERVICE;
  const header = (id: string, title: string, alter: Record<string, string>, status: number, caseCode: string): ScenarioSpec => ({
    id,
    service: null,
    title,
    request: { ...probe, alter },
    expected: { httpStatus: status, responseCode: code(status, s, caseCode) },
  });
  const symmetric = c.signatureMode === 'symmetric';
  const tokenBody = { grantType: 'client_credentials' };
  const scenarios: ScenarioSpec[] = [
    ...(symmetric
      ? [
          {
            id: 'token-valid-signature',
            service: null,
            title: 'Access token with a valid signature',
            request: { method: 'POST', path: TOKEN_PATH, alter: {}, body: tokenBody },
            expected: { httpStatus: 200, responseCode: '2007300' },
          },
          {
            id: 'token-invalid-signature',
            service: null,
            title: 'Access token with an invalid signature',
            request: { method: 'POST', path: TOKEN_PATH, alter: { 'X-SIGNATURE': 'sign anything but X-CLIENT-KEY|X-TIMESTAMP with your key (e.g. a wrong timestamp)' }, body: tokenBody },
            expected: { httpStatus: 401, responseCode: '4017300' },
          },
        ]
      : []),
    symmetric
      ? header('wrong-hmac', 'Transaction call with a wrong HMAC signature', { 'X-SIGNATURE': 'an HMAC-SHA512 that does not match (e.g. signed with another secret)' }, 401, '00')
      : header('wrong-hmac', 'Transaction call with a wrong signature', { 'X-SIGNATURE': 'a SHA256withRSA signature that does not verify (e.g. over another path)' }, 401, '00'),
    header('stale-timestamp', 'Transaction call with a stale X-TIMESTAMP', { 'X-TIMESTAMP': 'more than 5 minutes in the past (well formed, and signed)' }, 401, '00'),
    header('missing-mandatory-header', 'Transaction call without a mandatory header', { 'X-PARTNER-ID': 'leave it out (any of the mandatory headers)' }, 400, '02'),
    header('invalid-field-format', 'Transaction call with a malformed field', { 'X-TIMESTAMP': 'not in yyyy-MM-ddTHH:mm:ssTZD, e.g. "yesterday"' }, 400, '01'),
    header('reused-external-id', 'Transaction call reusing an X-EXTERNAL-ID', { 'X-EXTERNAL-ID': 'an id you already sent today on another call (another path or body)' }, 409, '00'),
  ];
  if (symmetric) {
    const alter = { Authorization: `Bearer ${c.expiredToken}` };
    scenarios.push({
      ...header('expired-token', 'Transaction call with an expired access token', alter, 401, '01'),
      request: { ...probe, alter, note: 'This token belongs to your client and expired before the run began.' },
    });
  }
  for (const service of c.services) {
    const p = HAPPY_PATHS[service as keyof typeof HAPPY_PATHS];
    const body = p.body?.(c);
    scenarios.push({
      id: `service-${service}`,
      service,
      title: `${p.title} (service ${service})`,
      request: { method: p.method, path: p.path, alter: {}, ...(body === undefined ? {} : { body }), ...(p.note ? { note: p.note } : {}) },
      expected: { httpStatus: 200, responseCode: code(200, service, '00') },
    });
  }
  scenarios.push({
    id: 'webhook',
    service: null,
    title: 'Receive and acknowledge a self_test.webhook event',
    request: { method: 'POST', path: '<your webhook URL>', alter: {}, note: 'Kartu sends it when the run starts; answer 2xx (after checking Kartu-Signature).' },
    expected: { httpStatus: 200, responseCode: null },
  });
  return scenarios;
}

/** What the observer saw of one call, and what it could tell about it. */
export interface ObservedCall {
  method: string;
  path: string;
  responseCode: string;
  /** A mandatory header was absent. */
  missingHeader: boolean;
  /** X-TIMESTAMP present but not a SNAP timestamp. */
  malformedTimestamp: boolean;
  /** X-TIMESTAMP well formed but outside the allowed skew. */
  staleTimestamp: boolean;
  /** The bearer token is the run's expired one. */
  expiredToken: boolean;
  /** X-EXTERNAL-ID was already reserved today by another call (another method or path). */
  reusedExternalId: boolean;
  /** Token calls: the X-SIGNATURE verifies with the client's public key. */
  tokenSignatureValid?: boolean;
}

/** The scenario an observed call is an attempt at, if any. */
export function scenarioOf(call: ObservedCall, run: { id: string; services: string[] }): string | undefined {
  if (call.method === 'POST' && call.path === TOKEN_PATH) return call.tokenSignatureValid ? 'token-valid-signature' : 'token-invalid-signature';
  if (call.method === 'GET' && call.path === probePath(run.id)) {
    // The guard's order: headers present, their format, the token, then timestamp, signature, X-EXTERNAL-ID.
    if (call.missingHeader) return 'missing-mandatory-header';
    if (call.malformedTimestamp) return 'invalid-field-format';
    if (call.expiredToken) return 'expired-token';
    if (call.staleTimestamp) return 'stale-timestamp';
    if (call.reusedExternalId) return 'reused-external-id';
    if (call.responseCode.startsWith('401') && call.responseCode.endsWith('00')) return 'wrong-hmac';
    return undefined;
  }
  for (const service of run.services) {
    const p = HAPPY_PATHS[service as keyof typeof HAPPY_PATHS];
    if (p.method === call.method && p.matches.test(call.path)) return `service-${service}`;
  }
  return undefined;
}
