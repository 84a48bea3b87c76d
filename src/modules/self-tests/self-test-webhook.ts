import { randomUUID } from 'node:crypto';
import type { Kartu } from '../../context';
import { deliveryBody } from '../webhooks/delivery';
import { postWebhook } from '../webhooks/http-post';
import { notificationKey, webhookSecretAad } from '../webhooks/notification-key';
import { deliveryHeaders } from '../webhooks/signatures';

export const SELF_TEST_EVENT_TYPE = 'self_test.webhook';

/** Where a run's webhook goes: the URL given at start (with a secret of the run's own), or each registered endpoint. */
export interface WebhookTarget {
  url: string;
  secret: string;
  endpointId?: string;
}

/** The business's enabled webhook endpoints, with their secrets. */
export async function registeredTargets(k: Kartu, businessId: string): Promise<WebhookTarget[]> {
  const rows: Array<{ id: string; url: string; secret_enc: string }> = await k.db.query(
    'SELECT id, url, secret_enc FROM webhook_endpoints WHERE business_id = $1 AND enabled AND deleted_at IS NULL ORDER BY created_at',
    [businessId],
  );
  return rows.map((r) => ({ url: r.url, secret: k.secrets.decrypt(r.secret_enc, webhookSecretAad(r.id)), endpointId: r.id }));
}

export interface WebhookOutcome {
  acknowledged: boolean;
  url?: string;
  httpStatus?: number;
  error?: string;
}

/** Pauses between the attempts at one target (a receiver starting up gets a few seconds). */
const RETRY_DELAYS_MS = [0, 1000, 3000];

/**
 * Sends the run's `self_test.webhook` event (payload `{selfTestId, scenarioId, nonce}`), signed as
 * every delivery is (Kartu-Signature and the SNAP X-SIGNATURE, docs/webhooks.md), to each target
 * until one acknowledges it with a 2xx. The same SSRF rule as deliveries: private addresses only
 * in sandbox (where self-tests run). Not a queued delivery: it belongs to the run, not the outbox.
 */
export async function sendSelfTestWebhook(k: Kartu, runId: string, targets: WebhookTarget[]): Promise<WebhookOutcome> {
  if (targets.length === 0) return { acknowledged: false, error: 'no webhook endpoint registered and no webhookUrl given' };
  const event = { id: randomUUID(), type: SELF_TEST_EVENT_TYPE, createdAt: k.clock.now(), data: { selfTestId: runId, scenarioId: 'webhook', nonce: randomUUID() } };
  const body = deliveryBody(event);
  const key = (await notificationKey(k)).privateKey;
  let last: WebhookOutcome = { acknowledged: false };
  for (const delay of RETRY_DELAYS_MS) {
    if (delay) await new Promise((r) => setTimeout(r, delay));
    for (const t of targets) {
      const url = new URL(t.url);
      const headers = deliveryHeaders({ secret: t.secret, notificationKey: key, pathWithQuery: `${url.pathname}${url.search}`, body, now: k.clock.now() });
      const r = await postWebhook(url, body, { ...headers, 'Kartu-Event-Id': event.id, 'Kartu-Event-Type': event.type }, { timeoutMs: k.config.webhookTimeoutMs, publicOnly: k.config.env !== 'sandbox' });
      const acknowledged = r.status !== undefined && r.status >= 200 && r.status < 300;
      last = { acknowledged, url: t.url, ...(r.status !== undefined ? { httpStatus: r.status } : {}), ...(r.error ? { error: r.error } : {}) };
      if (acknowledged) return last;
    }
  }
  return last;
}
