import client from 'prom-client';
import { ISO_8583_CODES } from './error-catalogue';

/** One registry per process (tests build several apps; metrics are shared, not duplicated). */
export const metricsRegistry = new client.Registry();
client.collectDefaultMetrics({ register: metricsRegistry });

export const httpRequests = new client.Counter({
  name: 'kartu_http_requests_total',
  help: 'HTTP requests by method, route and status',
  labelNames: ['method', 'route', 'status', 'response_code'] as const,
  registers: [metricsRegistry],
});

export const httpDuration = new client.Histogram({
  name: 'kartu_http_request_duration_seconds',
  help: 'HTTP request latency by method, route and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

/** Outbox relay (src/modules/events/relay.ts): how far behind the relay is, and what it moved. */
export const outboxRelayLag = new client.Gauge({
  name: 'kartu_outbox_relay_lag_seconds',
  help: 'Age of the oldest outbox event not yet relayed to the queue (0 when none wait)',
  registers: [metricsRegistry],
});

export const outboxPending = new client.Gauge({
  name: 'kartu_outbox_pending_events',
  help: 'Outbox events waiting to be relayed',
  registers: [metricsRegistry],
});

export const outboxRelayed = new client.Counter({
  name: 'kartu_outbox_relayed_total',
  help: 'Outbox events relayed to the queue',
  registers: [metricsRegistry],
});

export const webhookAttempts = new client.Counter({
  name: 'kartu_webhook_attempts_total',
  help: 'Webhook delivery attempts by outcome (succeeded, failed) and final state (dead when the retry budget ran out)',
  labelNames: ['outcome'] as const,
  registers: [metricsRegistry],
});

export const policyReviews = new client.Counter({
  name: 'kartu_policy_reviews_total',
  help: 'Policy review events on approved authorizations (each also raises a fraud.alert event)',
  registers: [metricsRegistry],
});

export const authorizationBatchSize = new client.Histogram({
  name: 'kartu_authorization_batch_size',
  help: 'Authorizations decided and written together in one batch (one read, one write, one commit)',
  buckets: [1, 2, 4, 8, 16, 32, 64, 128, 200],
  registers: [metricsRegistry],
});

/**
 * Tallies of the card networks' authorizations by decision and response code, kept as plain
 * numbers: the hot path adds 1 to a slot found by two Map lookups (no label hashing or validation,
 * which a prom-client child's inc() does on every call); the counter reads them at scrape time.
 * The slots of every code the network API decides with exist from the start (so each shows at 0).
 */
const authorizationTallies = new Map<string, Map<string, { n: number }>>();

function tallyOf(decision: string, responseCode: string): { n: number } {
  let byCode = authorizationTallies.get(decision);
  if (!byCode) authorizationTallies.set(decision, (byCode = new Map()));
  let slot = byCode.get(responseCode);
  if (!slot) byCode.set(responseCode, (slot = { n: 0 }));
  return slot;
}
// Every code the network API can answer starts at 0 (a series that exists from the first scrape).
const DECISION_OF: Record<string, string> = { '00': 'approved', '10': 'partial', '91': 'unavailable' };
for (const { code } of ISO_8583_CODES) tallyOf(DECISION_OF[code] ?? 'declined', code);

/** One answered network authorization: its decision and ISO 8583 code, or `refused` / `unavailable` with the code answered. */
export function countNetworkAuthorization(decision: string, responseCode: string): void {
  tallyOf(decision, responseCode).n++;
}

/**
 * The card networks' authorizations by decision and ISO 8583 response code (an answer that is no
 * decision, e.g. a refused signature, counts as `refused` with its SNAP responseCode).
 */
export const networkAuthorizations = new client.Counter({
  name: 'kartu_network_authorizations_total',
  help: 'Network authorizations answered, by decision (approved, partial, declined, unavailable, refused) and response code (ISO 8583; SNAP when refused)',
  labelNames: ['decision', 'response_code'] as const,
  registers: [metricsRegistry],
  collect() {
    this.reset();
    for (const [decision, byCode] of authorizationTallies) for (const [code, slot] of byCode) this.inc({ decision, response_code: code }, slot.n);
  },
});

/** Reversals, clearings and refunds from the networks, by outcome (accepted, or the responseCode refusing them). */
export const networkMessages = new client.Counter({
  name: 'kartu_network_messages_total',
  help: 'Network reversals, clearings and refunds answered, by message and outcome (accepted, or the responseCode of the refusal)',
  labelNames: ['message', 'outcome'] as const,
  registers: [metricsRegistry],
});
