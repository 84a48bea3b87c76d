import client from 'prom-client';

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
