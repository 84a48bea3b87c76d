import { isIP } from 'node:net';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { randomToken } from '../../platform/crypto';
import { inTransaction } from '../../platform/db';
import { InvalidFieldFormat, NotFound, NotPermitted } from '../../platform/errors';
import { recordAudit } from '../access/audit';
import { commitSafeRange, formatEventCursor, parseEventCursor } from '../events/event-cursor';
import type { Caller } from '../access/caller';
import { webhookSecretAad } from './notification-key';
import { assertPublicHost, isPublicAddress, urlHost } from './ssrf';
import type { deliveryListQuery, deliveryView, endpointCreate, endpointListQuery, endpointUpdate, endpointView, eventListQuery, eventView, redeliverInput } from './webhooks.schemas';

type EndpointView = z.infer<typeof endpointView>;
type DeliveryView = z.infer<typeof deliveryView>;
type EventView = z.infer<typeof eventView>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface EndpointRow {
  id: string;
  business_id: string;
  url: string;
  event_types: string[];
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const ENDPOINT_COLUMNS = 'id, business_id, url, event_types, enabled, created_at, updated_at';

function present(r: EndpointRow): EndpointView {
  return { id: r.id, url: r.url, eventTypes: r.event_types, enabled: r.enabled, createdAt: new Date(r.created_at).toISOString(), updatedAt: new Date(r.updated_at).toISOString() };
}

/**
 * Refuses a webhook URL that points inside Kartu's network (SSRF): outside sandbox every address
 * its host resolves to must be public. Sandbox allows any host (local receivers while developing).
 */
export async function checkWebhookUrl(k: Kartu, raw: string): Promise<void> {
  if (k.config.env === 'sandbox') return;
  const host = urlHost(new URL(raw));
  if (isIP(host)) {
    if (!isPublicAddress(host)) throw new InvalidFieldFormat('url', 'must not point to a private, loopback or link-local address');
    return;
  }
  try {
    await assertPublicHost(host);
  } catch (err) {
    if ((err as Error).name === 'BlockedAddress') throw new InvalidFieldFormat('url', 'must not point to a private, loopback or link-local address');
    throw new InvalidFieldFormat('url', `the host ${host} does not resolve`);
  }
}

async function endpointOrNotFound(tx: EntityManager, businessId: string, id: string, lock = false): Promise<EndpointRow> {
  if (!UUID.test(id)) throw new NotFound('Webhook Endpoint Not Found');
  const [row] = await tx.query(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE id = $1 AND business_id = $2 AND deleted_at IS NULL${lock ? ' FOR UPDATE' : ''}`,
    [id, businessId],
  );
  if (!row) throw new NotFound('Webhook Endpoint Not Found');
  return row;
}

function audit(tx: EntityManager, caller: Caller, action: string, endpointId: string, details: Record<string, unknown> = {}) {
  return recordAudit(tx, { businessId: caller.businessId, actorType: caller.actorType, actorId: caller.actorId, action, targetType: 'webhook_endpoint', targetId: endpointId, details, ip: caller.ip });
}

/** Creates an endpoint; its signing secret is returned here once and stored encrypted. */
export async function createEndpoint(k: Kartu, caller: Caller, input: z.infer<typeof endpointCreate>): Promise<EndpointView & { secret: string }> {
  await checkWebhookUrl(k, input.url);
  const secret = `whsec_${randomToken(32)}`;
  const now = k.clock.now();
  return inTransaction(k.db, async (tx) => {
    const [{ id }] = await tx.query('SELECT gen_random_uuid() AS id');
    const [row] = await tx.query(
      `INSERT INTO webhook_endpoints (id, business_id, url, event_types, secret_enc, enabled, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${ENDPOINT_COLUMNS}`,
      [id, caller.businessId, input.url, input.eventTypes, k.secrets.encrypt(secret, webhookSecretAad(id)), input.enabled ?? true, now],
    );
    await audit(tx, caller, 'webhook_endpoint.created', id, { url: input.url, eventTypes: input.eventTypes });
    return { ...present(row), secret };
  });
}

export async function listEndpoints(k: Kartu, businessId: string, q: z.infer<typeof endpointListQuery>) {
  const rows: EndpointRow[] = await k.db.query(
    `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE business_id = $1 AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3`,
    [businessId, q.pageSize, q.pageNumber * q.pageSize],
  );
  const [{ count }] = await k.db.query('SELECT count(*)::int AS count FROM webhook_endpoints WHERE business_id = $1 AND deleted_at IS NULL', [businessId]);
  return { webhookEndpoints: rows.map(present), pageNumber: q.pageNumber, pageSize: q.pageSize, totalCount: count as number };
}

export async function getEndpoint(k: Kartu, businessId: string, id: string): Promise<EndpointView> {
  return present(await endpointOrNotFound(k.db.manager, businessId, id));
}

/** Enables or disables an endpoint, or changes its URL or event types. */
export async function updateEndpoint(k: Kartu, caller: Caller, id: string, input: z.infer<typeof endpointUpdate>): Promise<EndpointView> {
  if (input.url !== undefined) await checkWebhookUrl(k, input.url);
  return inTransaction(k.db, async (tx) => {
    const current = await endpointOrNotFound(tx, caller.businessId, id, true);
    // UPDATE answers [rows, affected count].
    const [[row]] = await tx.query(
      `UPDATE webhook_endpoints SET url = $2, event_types = $3, enabled = $4, updated_at = $5 WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, input.url ?? current.url, input.eventTypes ?? current.event_types, input.enabled ?? current.enabled, k.clock.now()],
    );
    await audit(tx, caller, 'webhook_endpoint.updated', id, { ...input });
    return present(row);
  });
}

/** Deletes an endpoint: nothing more is delivered to it (pending deliveries are cancelled); its delivery history stays. */
export async function deleteEndpoint(k: Kartu, caller: Caller, id: string): Promise<EndpointView> {
  const now = k.clock.now();
  return inTransaction(k.db, async (tx) => {
    await endpointOrNotFound(tx, caller.businessId, id, true);
    const [[row]] = await tx.query(
      `UPDATE webhook_endpoints SET deleted_at = $2, enabled = false, updated_at = $2 WHERE id = $1 RETURNING ${ENDPOINT_COLUMNS}`,
      [id, now],
    );
    await tx.query("UPDATE webhook_deliveries SET status = 'cancelled', next_attempt_at = NULL, updated_at = $2 WHERE endpoint_id = $1 AND status = 'pending'", [id, now]);
    await audit(tx, caller, 'webhook_endpoint.deleted', id);
    return present(row);
  });
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryView['status'];
  attempt_count: number;
  last_attempt_at: Date | null;
  next_attempt_at: Date | null;
  last_http_status: number | null;
  last_error: string | null;
  succeeded_at: Date | null;
  created_at: Date;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** An endpoint's deliveries, newest first, each with its attempts (status, latency, response excerpt). */
export async function listDeliveries(k: Kartu, businessId: string, endpointId: string, q: z.infer<typeof deliveryListQuery>) {
  await endpointOrNotFound(k.db.manager, businessId, endpointId);
  const where = ['d.endpoint_id = $1', 'd.business_id = $2'];
  const params: unknown[] = [endpointId, businessId];
  if (q.status) where.push(`d.status = $${params.push(q.status)}`);
  if (q.eventId) where.push(`d.event_id = $${params.push(q.eventId)}`);
  const rows: DeliveryRow[] = await k.db.query(
    `SELECT d.id, d.endpoint_id, d.event_id, e.type AS event_type, d.status, d.attempt_count, d.last_attempt_at, d.next_attempt_at,
            d.last_http_status, d.last_error, d.succeeded_at, d.created_at
       FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
      WHERE ${where.join(' AND ')}
      ORDER BY d.created_at DESC, d.id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, q.pageSize, q.pageNumber * q.pageSize],
  );
  const [{ count }] = await k.db.query(`SELECT count(*)::int AS count FROM webhook_deliveries d WHERE ${where.join(' AND ')}`, params);
  const attempts: Array<{ delivery_id: string; attempted_at: Date; outcome: 'succeeded' | 'failed'; http_status: number | null; latency_ms: number; error: string | null; response_excerpt: string | null }> =
    rows.length === 0
      ? []
      : await k.db.query(
          'SELECT delivery_id, attempted_at, outcome, http_status, latency_ms, error, response_excerpt FROM webhook_attempts WHERE delivery_id = ANY($1::uuid[]) AND business_id = $2 ORDER BY id',
          [rows.map((r) => r.id), businessId],
        );
  const deliveries: DeliveryView[] = rows.map((r) => ({
    id: r.id,
    endpointId: r.endpoint_id,
    eventId: r.event_id,
    eventType: r.event_type,
    status: r.status,
    attemptCount: r.attempt_count,
    lastAttemptAt: iso(r.last_attempt_at),
    nextAttemptAt: iso(r.next_attempt_at),
    lastHttpStatus: r.last_http_status,
    lastError: r.last_error,
    succeededAt: iso(r.succeeded_at),
    createdAt: new Date(r.created_at).toISOString(),
    attempts: attempts
      .filter((a) => a.delivery_id === r.id)
      .map((a) => ({ attemptedAt: new Date(a.attempted_at).toISOString(), outcome: a.outcome, httpStatus: a.http_status, latencyMs: a.latency_ms, error: a.error, responseExcerpt: a.response_excerpt })),
  }));
  return { deliveries, pageNumber: q.pageNumber, pageSize: q.pageSize, totalCount: count as number };
}

/**
 * Queues deliveries again with a fresh retry budget: one event (delivered or not, created if it
 * was never delivered to this endpoint), or every dead or cancelled delivery created since a time.
 * Only PostgreSQL is written; the worker's delivery relay hands them to BullMQ.
 */
export async function redeliver(k: Kartu, caller: Caller, endpointId: string, input: z.infer<typeof redeliverInput>): Promise<{ redelivered: number }> {
  const now = k.clock.now();
  return inTransaction(k.db, async (tx) => {
    const endpoint = await endpointOrNotFound(tx, caller.businessId, endpointId, true);
    if (!endpoint.enabled) throw new NotPermitted('Webhook endpoint is disabled; enable it first');
    let redelivered: number;
    if (input.eventId !== undefined) {
      const [event] = await tx.query('SELECT id FROM outbox_events WHERE id = $1 AND business_id = $2', [input.eventId, caller.businessId]);
      if (!event) throw new NotFound('Event Not Found');
      await tx.query(
        `INSERT INTO webhook_deliveries (business_id, endpoint_id, event_id, status, next_attempt_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'pending', $4, $4, $4)
         ON CONFLICT (endpoint_id, event_id) DO UPDATE
           SET status = 'pending', generation = webhook_deliveries.generation + 1, queued_at = NULL, next_attempt_at = $4, updated_at = $4`,
        [caller.businessId, endpointId, input.eventId, now],
      );
      redelivered = 1;
    } else {
      const [, count] = await tx.query(
        `UPDATE webhook_deliveries SET status = 'pending', generation = generation + 1, queued_at = NULL, next_attempt_at = $3, updated_at = $3
          WHERE endpoint_id = $1 AND business_id = $2 AND status IN ('dead', 'cancelled') AND created_at >= $4
`,
        [endpointId, caller.businessId, now, new Date(input.since!)],
      );
      redelivered = count;
    }
    await audit(tx, caller, 'webhook_endpoint.redelivered', endpointId, { ...input, redelivered });
    return { redelivered };
  });
}

function presentEvent(r: { id: string; type: string; created_at: Date; data: Record<string, unknown> }): EventView {
  return { id: r.id, type: r.type, createdAt: new Date(r.created_at).toISOString(), data: r.data };
}

/**
 * The business's events, oldest first, so a receiver that missed deliveries can catch up: by time
 * (`from`/`to`, page numbers), or by cursor (`after`: `start`, then each `nextCursor`). The cursor
 * pages by (transaction id, event id) and shows only events of transactions older than every one
 * still running, so an event whose transaction commits late is never skipped.
 */
export async function listEvents(k: Kartu, businessId: string, q: z.infer<typeof eventListQuery>) {
  const where = ['business_id = $1'];
  const params: unknown[] = [businessId];
  if (q.type) where.push(`type = $${params.push(q.type)}`);
  if (q.from) where.push(`created_at >= $${params.push(new Date(q.from))}`);
  if (q.to) where.push(`created_at < $${params.push(new Date(q.to))}`);
  const byCursor = q.after !== undefined;
  if (byCursor) where.push(...commitSafeRange(params, { after: q.after === 'start' ? undefined : parseEventCursor(q.after!) }));
  // The column, not the text it is selected as: xid 10 comes after xid 9.
  const order = byCursor ? 'outbox_events.xid, id' : 'created_at, id';
  const offset = byCursor ? 0 : q.pageNumber * q.pageSize;
  const rows: Array<{ id: string; type: string; created_at: Date; data: Record<string, unknown>; xid: string }> = await k.db.query(
    `SELECT id, type, created_at, data, xid::text AS xid FROM outbox_events WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, q.pageSize, offset],
  );
  const [{ count }] = await k.db.query(`SELECT count(*)::int AS count FROM outbox_events WHERE ${where.join(' AND ')}`, params);
  const last = rows.at(-1);
  return {
    events: rows.map(presentEvent),
    pageNumber: byCursor ? 0 : q.pageNumber,
    pageSize: q.pageSize,
    totalCount: count as number,
    nextCursor: byCursor ? (last ? formatEventCursor(last) : q.after!) : null,
  };
}

export async function getEvent(k: Kartu, businessId: string, id: string): Promise<EventView> {
  if (!UUID.test(id)) throw new NotFound('Event Not Found');
  const [row] = await k.db.query('SELECT id, type, created_at, data FROM outbox_events WHERE id = $1 AND business_id = $2', [id, businessId]);
  if (!row) throw new NotFound('Event Not Found');
  return presentEvent(row);
}
