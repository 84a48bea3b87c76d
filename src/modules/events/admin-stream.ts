import type { Response } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { InvalidFieldFormat } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import { ADMIN_ROLES } from '../access/admin.entity';
import { requireAdmin } from '../access/admin.routes';
import { commitSafeRange, cursorAfter, eventCursorText, formatEventCursor, isEventCursor, parseEventCursor, safeCursor, type EventCursor } from './event-cursor';
import { STREAM_EVENT_FAMILIES } from './event-types';

/**
 * GET /admin/v1/stream: the admin's business's outbox events (authorizations, cards, cardholders,
 * transactions, funding) as Server-Sent Events, read from PostgreSQL in commit-safe order
 * (event-cursor.ts), so a reconnect with Last-Event-ID misses nothing and repeats nothing.
 *
 * One poller per process (AdminStream) serves every open stream: each interval it reads, in one
 * indexed query, the new events of the businesses that have a stream open, and hands each to that
 * business's streams. Open streams therefore cost PostgreSQL one query per interval whatever their
 * number, and none while no stream is open; nothing is added to the transactions that write the
 * events (the authorization hot path included). A stream that resumes from an older cursor first
 * reads what it missed itself, up to where the poller stands, then follows the poller.
 */

export interface StreamTimings {
  /** Poll interval: a new event is on the wire within about this long of committing. */
  pollMs: number;
  /** After a failed poll (database unreachable), the wait before the next. */
  pollRetryMs: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /**
   * A stream ends after this long and the client reconnects (with Last-Event-ID, so nothing is
   * lost): the session is checked again then, so a stream does not outlive a logout or an expired
   * session by more than this (give or take a heartbeat).
   */
  lifetimeMs: number;
}

export const STREAM_TIMINGS: StreamTimings = { pollMs: 250, pollRetryMs: 2_000, heartbeatMs: 15_000, lifetimeMs: 5 * 60_000 };
/** What the browser's EventSource waits before reconnecting (the `retry:` hint). */
const RECONNECT_MS = 1_000;
/** Rows per query: the poller's per interval, a resuming stream's per page. */
const PAGE_ROWS = 500;
/**
 * A client this far behind in reading gets no more on this connection: the stream ends once what is
 * written has reached it, and it reconnects and catches up from the database.
 */
const MAX_UNREAD_BYTES = 1 << 20;

interface OutboxRow {
  business_id: string;
  id: string;
  type: string;
  created_at: Date;
  data: Record<string, unknown>;
  xid: string;
}

/** One open stream. */
class Subscriber {
  /** The last event written (or where the stream started): everything up to it is the client's. */
  cursor: EventCursor = { xid: '0', id: '' };
  /** Following the poller; until then, what it hands over waits in `pending`. */
  live = false;
  private pending: OutboxRow[] = [];
  private ended = false;
  readonly openedAt = Date.now();

  constructor(
    readonly businessId: string,
    private readonly res: Response,
  ) {}

  get open(): boolean {
    return !this.ended;
  }

  /** An event from the poller. */
  offer(row: OutboxRow): void {
    if (this.live) this.send(row);
    else this.pending.push(row);
  }

  /** Caught up: write what the poller handed over meanwhile, then follow it. */
  goLive(): void {
    for (const row of this.pending.splice(0)) this.send(row);
    this.live = true;
  }

  /** Writes the event unless the client has it already (it is at or before the cursor). */
  send(row: OutboxRow): void {
    const at = { xid: row.xid, id: row.id };
    if (!cursorAfter(at, this.cursor)) return;
    this.cursor = at;
    const data = JSON.stringify({ id: row.id, type: row.type, createdAt: new Date(row.created_at).toISOString(), data: row.data });
    this.write(`id: ${formatEventCursor(at)}\nevent: ${row.type}\ndata: ${data}\n\n`);
  }

  write(text: string): void {
    if (this.ended) return;
    this.res.write(text);
    if (this.res.writableLength > MAX_UNREAD_BYTES) this.end();
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.res.end();
  }
}

export interface AdminStreamStats {
  /** Streams open (caught up or catching up). */
  streams: number;
  /** Whether the poller runs (it stops when the last stream closes). */
  polling: boolean;
}

/** The process's live-stream poller and its open streams. */
export class AdminStream {
  private readonly subscribers = new Set<Subscriber>();
  /** The same streams by business, for the fan-out. */
  private readonly byBusiness = new Map<string, Set<Subscriber>>();
  /** Streams waiting to be admitted at the poller's position (between two polls). */
  private joining: Array<{ sub: Subscriber; admitted: (at: EventCursor) => void; refused: (err: Error) => void }> = [];
  /** Every event up to here, of the businesses with a stream open, has been handed over. */
  private position?: EventCursor;
  private timer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private inFlight = false;
  private closed = false;

  constructor(
    private readonly k: Kartu,
    private readonly timings: StreamTimings = STREAM_TIMINGS,
  ) {}

  stats(): AdminStreamStats {
    return { streams: this.subscribers.size + this.joining.length, polling: this.timer !== undefined || this.inFlight };
  }

  /** Ends every open stream and stops polling (shutdown: open streams would hold the server open). */
  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearInterval(this.heartbeat);
    this.timer = this.heartbeat = undefined;
    for (const j of this.joining.splice(0)) j.refused(new Error('the server is shutting down'));
    for (const sub of this.subscribers) sub.end();
    this.subscribers.clear();
    this.byBusiness.clear();
  }

  /** Serves one stream on `res` from after `from` (or from now) until the client or the server ends it. */
  async serve(res: Response, businessId: string, from: EventCursor | undefined): Promise<void> {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Accel-Buffering', 'no');
    // The connection is the stream's alone: when the stream ends, so does it (a shutdown waits for it).
    res.setHeader('Connection', 'close');
    res.flushHeaders();
    const sub = new Subscriber(businessId, res);
    sub.write(`retry: ${RECONNECT_MS}\n\n`);
    res.on('close', () => this.leave(sub));
    if (this.closed) return sub.end();
    try {
      const at = await this.join(sub);
      if (from) {
        sub.cursor = from;
        await this.catchUp(sub, at);
      } else {
        sub.cursor = at;
        // An id with no data: the browser's EventSource keeps it as the Last-Event-ID of its reconnect.
        sub.write(`id: ${formatEventCursor(at)}\n\n`);
      }
      sub.goLive();
    } catch (err) {
      this.k.logger.warn({ err: (err as Error).message, businessId }, 'live stream could not start; the client reconnects');
      this.leave(sub);
    }
  }

  /** Admits the stream at the poller's position; the poller hands it everything after that. */
  private join(sub: Subscriber): Promise<EventCursor> {
    return new Promise((admitted, refused) => {
      this.joining.push({ sub, admitted, refused });
      if (!this.inFlight && this.position) this.admit();
      else this.schedule(0);
    });
  }

  private admit(): void {
    for (const { sub, admitted } of this.joining.splice(0)) {
      if (!sub.open) continue;
      this.subscribers.add(sub);
      const ofBusiness = this.byBusiness.get(sub.businessId) ?? new Set();
      this.byBusiness.set(sub.businessId, ofBusiness.add(sub));
      admitted(this.position!);
    }
    if (this.subscribers.size > 0 && !this.heartbeat) {
      this.heartbeat = setInterval(() => this.beat(), this.timings.heartbeatMs);
      this.heartbeat.unref();
    }
    this.schedule(this.timings.pollMs);
  }

  private leave(sub: Subscriber): void {
    sub.end();
    if (this.subscribers.delete(sub)) {
      const ofBusiness = this.byBusiness.get(sub.businessId)!;
      ofBusiness.delete(sub);
      if (ofBusiness.size === 0) this.byBusiness.delete(sub.businessId);
    }
    this.joining = this.joining.filter((j) => j.sub !== sub);
    if (this.subscribers.size === 0 && this.joining.length === 0) {
      clearTimeout(this.timer);
      clearInterval(this.heartbeat);
      this.timer = this.heartbeat = undefined;
      // Idle: the next stream starts the poller again from what is safe then.
      if (!this.inFlight) this.position = undefined;
    }
  }

  /** A comment line keeps proxies from closing an idle stream; old streams end so their session is checked again. */
  private beat(): void {
    const now = Date.now();
    for (const sub of this.subscribers) {
      if (now - sub.openedAt >= this.timings.lifetimeMs) this.leave(sub);
      else sub.write(': heartbeat\n\n');
    }
  }

  private schedule(delayMs: number): void {
    if (this.closed || this.inFlight) return;
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delayMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    this.timer = undefined;
    if (this.subscribers.size === 0 && this.joining.length === 0) {
      this.position = undefined;
      return;
    }
    this.inFlight = true;
    let next = this.timings.pollMs;
    try {
      this.position ??= await safeCursor(this.k.db);
      if (this.subscribers.size > 0) {
        const upTo = await safeCursor(this.k.db);
        const rows = await this.events([...this.byBusiness.keys()], this.position, upTo);
        // Streams that closed while the query ran are gone from the map; new ones joined after it.
        for (const row of rows) for (const sub of this.byBusiness.get(row.business_id) ?? []) sub.offer(row);
        // A full page: more may be waiting below upTo; read on at once from the last row.
        if (rows.length === PAGE_ROWS) {
          this.position = { xid: rows.at(-1)!.xid, id: rows.at(-1)!.id };
          next = 0;
        } else this.position = upTo;
      }
    } catch (err) {
      this.k.logger.warn({ err: (err as Error).message }, 'live stream poll failed; trying again');
      next = this.timings.pollRetryMs;
    } finally {
      this.inFlight = false;
    }
    if (this.closed) return;
    if (this.position && this.joining.length > 0) this.admit();
    if (this.subscribers.size === 0 && this.joining.length === 0) {
      this.position = undefined;
      return;
    }
    this.schedule(next);
  }

  /** A resuming stream reads what it missed, after its cursor up to where it was admitted, page by page. */
  private async catchUp(sub: Subscriber, upTo: EventCursor): Promise<void> {
    for (;;) {
      if (!sub.open) return;
      const rows = await this.events([sub.businessId], sub.cursor, upTo);
      for (const row of rows) sub.send(row);
      if (rows.length < PAGE_ROWS) return;
    }
  }

  /** In commit-safe order: by the xid8 column, not the text it is selected as (xid 10 after xid 9). */
  private events(businesses: string[], after: EventCursor, upTo: EventCursor): Promise<OutboxRow[]> {
    const params: unknown[] = [businesses, STREAM_EVENT_FAMILIES];
    const where = ['business_id = ANY($1::uuid[])', "split_part(type, '.', 1) = ANY($2::text[])", ...commitSafeRange(params, { after, upTo })];
    return this.k.db.query(
      `SELECT business_id, id, type, created_at, data, xid::text AS xid FROM outbox_events WHERE ${where.join(' AND ')} ORDER BY outbox_events.xid, id LIMIT $${params.push(PAGE_ROWS)}`,
      params,
    );
  }
}

const streamQuery = z.strictObject({
  lastEventId: eventCursorText.optional().meta({ description: 'Where to resume, for clients that cannot send the Last-Event-ID header (the header wins)' }),
});

export function adminStreamRoutes(k: Kartu, admin: ApiRouter, stream: AdminStream): void {
  admin.route({
    method: 'get',
    path: '/stream',
    operationId: 'streamEvents',
    description:
      "Server-sent events for the dashboard's live views; the connection stays open until it reaches its lifetime, then reconnect with Last-Event-ID.",
    service: '97',
    tag: 'Events',
    summary:
      "Live feed (text/event-stream) of the business's authorization, card, cardholder, transaction and funding events: `id:` a cursor, `event:` the type, `data:` {id, type, createdAt, data}. Reconnect with Last-Event-ID to resume with no gap and no repeat; without one the stream starts now",
    security: ['adminSession'],
    // A stream reconnects every few minutes by itself: that is no use of the session, so it does not
    // keep an idle one alive (the next reconnect after the idle timeout is refused).
    guards: [requireAdmin(k, ADMIN_ROLES, { touch: false })],
    headers: z.object({ 'last-event-id': eventCursorText.optional().meta({ description: 'The id of the last event received: resume after it' }) }),
    query: streamQuery,
    handler: async ({ req, res, query }) => {
      // Browsers send the header on every reconnect with the latest id; the query keeps the first one.
      const header = req.get('last-event-id') || undefined;
      if (header !== undefined && !isEventCursor(header)) throw new InvalidFieldFormat('Last-Event-ID', 'must be an event id of this stream');
      const from = header ?? query.lastEventId;
      await stream.serve(res, req.caller.businessId, from === undefined ? undefined : parseEventCursor(from));
      return {};
    },
  });
}
