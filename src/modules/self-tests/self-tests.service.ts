import { randomBytes } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Kartu } from '../../context';
import { randomToken, sha256Hex } from '../../platform/crypto';
import { inTransaction } from '../../platform/db';
import { FeatureNotAllowed, InvalidFieldFormat, NotFound } from '../../platform/errors';
import type { Caller } from '../access/caller';
import { createCardholderIn } from '../cards/cardholders.service';
import { buildScenarios, SELF_TEST_SERVICES, type ScenarioRequest } from './scenarios';
import { registeredTargets, sendSelfTestWebhook, type WebhookTarget } from './self-test-webhook';

/** How long a run watches the partner's calls. */
export const RUN_HOURS = 24;

export interface StartInput {
  clientId: string;
  services?: string[];
  webhookUrl?: string;
}

export interface Received {
  httpStatus?: number;
  responseCode?: string | null;
  error?: string;
  url?: string;
}

export interface ScenarioView {
  id: string;
  service: string | null;
  title: string;
  request: ScenarioRequest;
  expected: { httpStatus: number; responseCode: string | null };
  result: 'pending' | 'passed' | 'failed';
  received: Received | null;
  requestId: string | null;
  attemptedAt: string | null;
}

export interface RunView {
  id: string;
  businessId: string;
  clientKey: string;
  status: 'open' | 'passed' | 'expired';
  services: string[];
  startedAt: string;
  expiresAt: string;
  finishedAt: string | null;
  scenarios: ScenarioView[];
  /** Per service of the run: shown ready for production (by this run or an earlier one). */
  readiness: Array<{ service: string; readyForProduction: boolean; readyAt: string | null }>;
}

/**
 * Starts a run for an API client: checks the services (known, enabled for the client; by default
 * every enabled one), creates what the scenarios need (a cardholder to issue a card to, an access
 * token that has already expired) and the scenarios, in one transaction; then sends the webhook.
 * `onOpened` runs after the commit (the observer's cache is told there).
 */
export async function startRun(k: Kartu, input: StartInput, onOpened: () => void): Promise<{ run: RunView; webhookSecret?: string; webhook: Promise<void> }> {
  if (k.config.env === 'production') throw new FeatureNotAllowed('Self-tests run in the sandbox only');
  const [client]: Array<{ id: string; business_id: string; enabled_services: string[] | null; signature_mode: 'symmetric' | 'asymmetric'; currency: string }> = await k.db.query(
    `SELECT c.id, c.business_id, c.enabled_services::text[] AS enabled_services, c.signature_mode, b.currency
       FROM api_clients c JOIN businesses b ON b.id = c.business_id WHERE c.id = $1`,
    [input.clientId],
  );
  if (!client) throw new NotFound('API client not found');
  const enabled = client.enabled_services ?? [...SELF_TEST_SERVICES];
  const services = input.services ? [...new Set(input.services)] : SELF_TEST_SERVICES.filter((s) => enabled.includes(s));
  for (const s of services) {
    if (!(SELF_TEST_SERVICES as readonly string[]).includes(s)) throw new InvalidFieldFormat('services', `"${s}" is not a Kartu service (${SELF_TEST_SERVICES.join(', ')})`);
    if (!enabled.includes(s)) throw new InvalidFieldFormat('services', `service ${s} is not enabled for this client`);
  }
  if (services.length === 0) throw new InvalidFieldFormat('services', 'no service is enabled for this client');
  if (input.webhookUrl) checkWebhookUrl(input.webhookUrl);

  const now = k.clock.now();
  const expiredToken = randomToken(32);
  const caller: Caller = { businessId: client.business_id, actorType: 'partner', actorId: client.id };
  const runId = await inTransaction(k.db, async (tx) => {
    const [run]: Array<{ id: string }> = await tx.query(
      `INSERT INTO self_test_runs (business_id, client_id, services, status, webhook_url, expired_token_hash, started_at, expires_at)
       VALUES ($1, $2, $3, 'open', $4, $5, $6, $7) RETURNING id`,
      [client.business_id, client.id, services, input.webhookUrl ?? null, sha256Hex(expiredToken), now, new Date(now.getTime() + RUN_HOURS * 3600_000)],
    );
    await tx.query('INSERT INTO access_tokens (token_hash, client_id, business_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $4)', [
      sha256Hex(expiredToken),
      client.id,
      client.business_id,
      new Date(now.getTime() - 1000),
    ]);
    const holder = services.includes('90')
      ? await createCardholderIn(tx, caller, { name: 'Self Test Cardholder', email: `self-test-${randomBytes(4).toString('hex')}@example.com` })
      : undefined;
    const scenarios = buildScenarios({ runId: run!.id, services, cardholderId: holder?.id ?? '', currency: client.currency, expiredToken, signatureMode: client.signature_mode });
    for (const [position, s] of scenarios.entries()) {
      await tx.query(
        `INSERT INTO self_test_scenarios (run_id, id, position, service, title, request, expected_status, expected_code) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [run!.id, s.id, position, s.service, s.title, JSON.stringify(s.request), s.expected.httpStatus, s.expected.responseCode],
      );
    }
    return run!.id;
  });
  onOpened();

  const webhookSecret = input.webhookUrl ? randomToken(24) : undefined;
  const targets: WebhookTarget[] = input.webhookUrl ? [{ url: input.webhookUrl, secret: webhookSecret! }] : await registeredTargets(k, client.business_id);
  const webhook = sendSelfTestWebhook(k, runId, targets)
    .then((o) => settleScenario(k, runId, 'webhook', o.acknowledged, { ...(o.httpStatus ? { httpStatus: o.httpStatus } : {}), ...(o.error ? { error: o.error } : {}), ...(o.url ? { url: o.url } : {}) }, null))
    .catch((err) => k.logger.warn({ err, runId }, 'self-test webhook could not be recorded'));
  return { run: await loadRun(k, runId), ...(webhookSecret ? { webhookSecret } : {}), webhook };
}

function checkWebhookUrl(raw: string): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidFieldFormat('webhookUrl', 'not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidFieldFormat('webhookUrl', 'http or https only');
  if (url.username || url.password) throw new InvalidFieldFormat('webhookUrl', 'no credentials in the URL');
}

/**
 * Records an attempt at a scenario: a pass is final; a failure replaces an earlier failure (the
 * latest attempt is what the report shows) until a correct attempt passes it. Then the services
 * whose scenarios have all passed are marked ready for production, and a run all passed closes.
 */
export async function settleScenario(k: Kartu, runId: string, scenarioId: string, passed: boolean, received: Received, requestId: string | null, tx?: EntityManager): Promise<void> {
  const work = async (m: EntityManager) => {
    const now = k.clock.now();
    const updated: unknown[] = await m.query(
      `UPDATE self_test_scenarios SET result = $3, received = $4, request_id = $5, attempted_at = $6
        WHERE run_id = $1 AND id = $2 AND result <> 'passed' RETURNING 1`,
      [runId, scenarioId, passed ? 'passed' : 'failed', JSON.stringify(received), requestId, now],
    );
    if (!passed || updated.length === 0) return;
    const rows: Array<{ service: string | null; result: string; client_id: string }> = await m.query(
      'SELECT s.service, s.result, r.client_id FROM self_test_scenarios s JOIN self_test_runs r ON r.id = s.run_id WHERE s.run_id = $1',
      [runId],
    );
    const common = rows.filter((r) => r.service === null).every((r) => r.result === 'passed');
    if (!common) return;
    for (const r of rows) {
      if (r.service === null || r.result !== 'passed') continue;
      await m.query(
        `INSERT INTO self_test_readiness (client_id, service, run_id, ready_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (client_id, service) DO NOTHING`,
        [r.client_id, r.service, runId, now],
      );
    }
    if (rows.every((r) => r.result === 'passed')) {
      await m.query("UPDATE self_test_runs SET status = 'passed', finished_at = $2 WHERE id = $1 AND status = 'open'", [runId, now]);
    }
  };
  if (tx) await work(tx);
  else await inTransaction(k.db, work);
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** A run as its business sees it; another business's run (or no such run) → 404xx01. */
export async function getRun(k: Kartu, businessId: string, id: string): Promise<RunView> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw new NotFound('Self-test not found');
  const [owned]: unknown[] = await k.db.query('SELECT 1 FROM self_test_runs WHERE id = $1 AND business_id = $2', [id, businessId]);
  if (!owned) throw new NotFound('Self-test not found');
  return loadRun(k, id);
}

/** A run by id, for the operator (CLI): no business scope. */
export async function loadRun(k: Kartu, id: string): Promise<RunView> {
  const [run]: Array<{
    id: string;
    business_id: string;
    client_id: string;
    client_key: string;
    services: string[];
    status: 'open' | 'passed';
    started_at: Date;
    expires_at: Date;
    finished_at: Date | null;
  }> = await k.db.query(
    `SELECT r.id, r.business_id, r.client_id, c.client_key, r.services::text[] AS services, r.status, r.started_at, r.expires_at, r.finished_at
       FROM self_test_runs r JOIN api_clients c ON c.id = r.client_id WHERE r.id = $1`,
    [id],
  );
  if (!run) throw new NotFound('Self-test not found');
  const scenarios: Array<{
    id: string;
    service: string | null;
    title: string;
    request: ScenarioRequest;
    expected_status: number;
    expected_code: string | null;
    result: ScenarioView['result'];
    received: Received | null;
    request_id: string | null;
    attempted_at: Date | null;
  }> = await k.db.query('SELECT * FROM self_test_scenarios WHERE run_id = $1 ORDER BY position', [id]);
  const ready: Array<{ service: string; ready_at: Date }> = await k.db.query('SELECT service, ready_at FROM self_test_readiness WHERE client_id = $1', [run.client_id]);
  const readyAt = new Map(ready.map((r) => [r.service, r.ready_at]));
  const expired = run.status === 'open' && run.expires_at <= k.clock.now();
  return {
    id: run.id,
    businessId: run.business_id,
    clientKey: run.client_key,
    status: expired ? 'expired' : run.status,
    services: run.services,
    startedAt: iso(run.started_at)!,
    expiresAt: iso(run.expires_at)!,
    finishedAt: iso(run.finished_at),
    scenarios: scenarios.map((s) => ({
      id: s.id,
      service: s.service,
      title: s.title,
      request: s.request,
      expected: { httpStatus: s.expected_status, responseCode: s.expected_code },
      result: s.result,
      received: s.received,
      requestId: s.request_id,
      attemptedAt: iso(s.attempted_at),
    })),
    readiness: run.services.map((service) => ({ service, readyForProduction: readyAt.has(service), readyAt: iso(readyAt.get(service) ?? null) })),
  };
}

/** The API client with this client key (the CLI names clients by key). */
export async function clientIdByKey(k: Kartu, clientKey: string): Promise<string> {
  const [row]: Array<{ id: string }> = await k.db.query('SELECT id FROM api_clients WHERE client_key = $1', [clientKey]);
  if (!row) throw new NotFound(`No API client ${clientKey}`);
  return row.id;
}
