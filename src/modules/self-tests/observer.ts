import type { Request, RequestHandler } from 'express';
import type { DataSource } from 'typeorm';
import type { Kartu } from '../../context';
import { jakartaDay } from '../../platform/clock';
import { sha256Hex } from '../../platform/crypto';
import { parseSnapTimestamp, withinSkew } from '../../platform/snap-time';
import { parseRsaPublicKey, verifyAccessTokenRequest } from '../access/snap-signature';
import { scenarioOf, TOKEN_PATH, type ObservedCall } from './scenarios';
import { settleScenario } from './self-tests.service';

interface OpenRun {
  id: string;
  clientId: string;
  clientKey: string;
  services: string[];
  expiredTokenHash: string;
}

interface ObserverState {
  /** Open runs by client id, as of `loadedAt`. */
  runs: Map<string, OpenRun>;
  loadedAt: number;
  loading?: Promise<void>;
  /** Bearer token hash → client id, for tokens seen while runs were open. */
  tokenClients: Map<string, string | null>;
  /** Recordings, one after the other: a later attempt is judged after an earlier one. */
  chain: Promise<void>;
}

const REFRESH_MS = 1000;
const TOKEN_CACHE_SIZE = 10_000;
const MANDATORY = ['x-timestamp', 'x-signature', 'x-partner-id', 'x-external-id', 'channel-id'];
/** Headers whose shape (present, length) is recorded; never their values. */
const SHAPED = ['authorization', 'x-client-key', 'x-timestamp', 'x-signature', 'x-partner-id', 'x-external-id', 'channel-id', 'content-type'];

const states = new WeakMap<DataSource, ObserverState>();

function stateOf(k: Kartu): ObserverState {
  let s = states.get(k.db);
  if (!s) states.set(k.db, (s = { runs: new Map(), loadedAt: 0, tokenClients: new Map(), chain: Promise.resolve() }));
  return s;
}

/** A run was opened here: the next call reloads the open runs instead of waiting out the second. */
export function openRunsChanged(k: Kartu): void {
  stateOf(k).loadedAt = 0;
}

/** Resolves once every call observed so far is recorded (the run's views read after them). */
export function observedCallsSettled(k: Kartu): Promise<void> {
  return stateOf(k).chain;
}

async function openRuns(k: Kartu, s: ObserverState): Promise<Map<string, OpenRun>> {
  if (Date.now() - s.loadedAt < REFRESH_MS) return s.runs;
  s.loading ??= (async () => {
    const rows: Array<{ id: string; client_id: string; client_key: string; services: string[]; expired_token_hash: string }> = await k.db.query(
      `SELECT r.id, r.client_id, c.client_key, r.services::text[] AS services, r.expired_token_hash
         FROM self_test_runs r JOIN api_clients c ON c.id = r.client_id
        WHERE r.status = 'open' AND r.expires_at > $1 ORDER BY r.started_at`,
      [k.clock.now()],
    );
    // A client's newest run is the one its calls count for.
    s.runs = new Map(rows.map((r) => [r.client_id, { id: r.id, clientId: r.client_id, clientKey: r.client_key, services: r.services, expiredTokenHash: r.expired_token_hash }]));
    s.loadedAt = Date.now();
    if (s.runs.size === 0) s.tokenClients.clear();
  })().finally(() => (s.loading = undefined));
  await s.loading;
  return s.runs;
}

/**
 * Watches partner calls for clients with an open self-test run. With no run open (the usual case)
 * it costs a map lookup; the open runs are reloaded at most once a second. Everything else —
 * knowing the client, judging the call, writing it — happens after the answer has left.
 */
export function selfTestObserver(k: Kartu): RequestHandler {
  return (req, res, next) => {
    const s = stateOf(k);
    const ready = Date.now() - s.loadedAt < REFRESH_MS ? undefined : openRuns(k, s);
    const watch = () => {
      if (s.runs.size === 0) return next();
      const seen = snapshot(req, k);
      res.on('finish', () => {
        const answered = { httpStatus: res.statusCode, responseCode: String(res.locals.responseCode ?? ''), requestId: String(res.getHeader('x-request-id') ?? '') };
        s.chain = s.chain.then(() => record(k, s, seen, answered)).catch((err) => k.logger.warn({ err }, 'self-test call not recorded'));
      });
      next();
    };
    if (ready) ready.then(watch, next);
    else watch();
  };
}

interface Seen {
  method: string;
  /** Full path (no query) and the path inside /snap/v1.0, as the X-EXTERNAL-ID guard keeps it. */
  path: string;
  innerPath: string;
  at: Date;
  headers: Record<string, string | undefined>;
}

function snapshot(req: Request, k: Kartu): Seen {
  const headers: Record<string, string | undefined> = {};
  for (const h of SHAPED) headers[h] = req.get(h);
  return { method: req.method, path: req.originalUrl.split('?')[0]!, innerPath: req.path, at: k.clock.now(), headers };
}

async function clientOf(k: Kartu, s: ObserverState, seen: Seen): Promise<OpenRun | undefined> {
  const key = seen.headers['x-client-key'];
  if (key) return [...s.runs.values()].find((r) => r.clientKey === key);
  const bearer = /^Bearer (\S+)$/.exec(seen.headers.authorization ?? '')?.[1];
  if (!bearer) return undefined;
  const hash = sha256Hex(bearer);
  // The run's expired token is known without a look-up (and even once a sweep has deleted it).
  const byExpiredToken = [...s.runs.values()].find((r) => r.expiredTokenHash === hash);
  if (byExpiredToken) return byExpiredToken;
  let clientId = s.tokenClients.get(hash);
  if (clientId === undefined) {
    const [row]: Array<{ client_id: string }> = await k.db.query('SELECT client_id FROM access_tokens WHERE token_hash = $1', [hash]);
    clientId = row?.client_id ?? null;
    if (s.tokenClients.size >= TOKEN_CACHE_SIZE) s.tokenClients.clear();
    s.tokenClients.set(hash, clientId);
  }
  return clientId ? s.runs.get(clientId) : undefined;
}

async function record(k: Kartu, s: ObserverState, seen: Seen, answered: { httpStatus: number; responseCode: string; requestId: string }): Promise<void> {
  const run = await clientOf(k, s, seen);
  if (!run) return;
  const h = seen.headers;
  const signedAt = h['x-timestamp'] ? parseSnapTimestamp(h['x-timestamp']) : undefined;
  const bearer = /^Bearer (\S+)$/.exec(h.authorization ?? '')?.[1];
  const call: ObservedCall = {
    method: seen.method,
    path: seen.path,
    responseCode: answered.responseCode,
    missingHeader: MANDATORY.some((m) => !h[m]) || (!h.authorization && !h['x-client-key']),
    malformedTimestamp: Boolean(h['x-timestamp']) && !signedAt,
    staleTimestamp: Boolean(signedAt) && !withinSkew(signedAt!, seen.at, k.config.clockSkewSeconds),
    expiredToken: Boolean(bearer) && sha256Hex(bearer!) === run.expiredTokenHash,
    reusedExternalId: answered.responseCode.startsWith('409') || (await reservedElsewhere(k, run.clientId, seen)),
    ...(seen.method === 'POST' && seen.path === TOKEN_PATH ? { tokenSignatureValid: await tokenSignatureValid(k, run, h) } : {}),
  };
  const scenarioId = scenarioOf(call, run);
  await k.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO self_test_calls (run_id, method, path, http_status, response_code, request_id, external_id, headers, scenario_id, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [run.id, seen.method, seen.path, answered.httpStatus, answered.responseCode, answered.requestId, h['x-external-id'] ?? null, JSON.stringify(shapeOf(h)), scenarioId ?? null, seen.at],
    );
    if (!scenarioId) return;
    const [expected]: Array<{ expected_code: string }> = await tx.query('SELECT expected_code FROM self_test_scenarios WHERE run_id = $1 AND id = $2', [run.id, scenarioId]);
    const passed = expected?.expected_code === answered.responseCode;
    await settleScenario(k, run.id, scenarioId, passed, { httpStatus: answered.httpStatus, responseCode: answered.responseCode }, answered.requestId, tx);
  });
}

/** Whether the call's X-EXTERNAL-ID was reserved today by a call to another method or path. */
async function reservedElsewhere(k: Kartu, clientId: string, seen: Seen): Promise<boolean> {
  const externalId = seen.headers['x-external-id'];
  if (!externalId) return false;
  const [row]: Array<{ method: string; path: string }> = await k.db.query('SELECT method, path FROM external_ids WHERE client_id = $1 AND day = $2 AND external_id = $3', [
    clientId,
    jakartaDay(seen.at),
    externalId,
  ]);
  return Boolean(row) && (row!.method !== seen.method || row!.path !== seen.innerPath);
}

async function tokenSignatureValid(k: Kartu, run: OpenRun, h: Seen['headers']): Promise<boolean> {
  if (!h['x-signature'] || !h['x-timestamp']) return false;
  const [row]: Array<{ public_key_pem: string }> = await k.db.query('SELECT public_key_pem FROM api_clients WHERE id = $1', [run.clientId]);
  return Boolean(row) && verifyAccessTokenRequest(parseRsaPublicKey(row!.public_key_pem), run.clientKey, h['x-timestamp'], h['x-signature']);
}

/** What the report may show of the headers: present or not, how long, and the timestamp (no secret). */
function shapeOf(h: Seen['headers']): Record<string, string> {
  const shape: Record<string, string> = {};
  for (const name of SHAPED) {
    const v = h[name];
    shape[name] = v === undefined ? 'absent' : name === 'x-timestamp' || name === 'content-type' ? v.slice(0, 64) : name === 'authorization' ? `${v.split(' ')[0]} (${v.length} chars)` : `${v.length} chars`;
  }
  return shape;
}
