import { z } from 'zod';

/**
 * A position in a business's outbox in commit-safe order: `<xid>.<event id>`, the writing
 * transaction's id (`outbox_events.xid`, xid8) and the event's. Events are read in (xid, id) order
 * and only up to the oldest transaction still running (`pg_snapshot_xmin`), so an event whose
 * transaction commits late still comes after every cursor handed out before it was visible: a
 * reader that goes on from its last cursor never skips one and never sees one twice. The webhooks'
 * `GET /events?after=` and the admin live stream share it (index outbox_events_business_xid).
 */
export interface EventCursor {
  xid: string;
  id: string;
}

const XID8_MAX = 2n ** 64n - 1n;
const CURSOR = /^(\d{1,20})\.([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
/** Below every event id: `<xid>.NIL` stands before the first event of transaction xid. */
const NIL_UUID = '00000000-0000-0000-0000-000000000000';

/** True for a cursor's text (a transaction id that fits xid8, a dot, an event id). */
export function isEventCursor(text: string): boolean {
  const m = CURSOR.exec(text);
  return m !== null && BigInt(m[1]!) <= XID8_MAX;
}

/** A cursor as a client sends it back. */
export const eventCursorText = z.string().refine(isEventCursor, { message: 'must be an event id of this stream' });

export function parseEventCursor(text: string): EventCursor {
  const [, xid, id] = CURSOR.exec(text)!;
  return { xid: xid!, id: id! };
}

export function formatEventCursor(c: EventCursor): string {
  return `${c.xid}.${c.id}`;
}

/** a > b in commit order. */
export function cursorAfter(a: EventCursor, b: EventCursor): boolean {
  const ax = BigInt(a.xid);
  const bx = BigInt(b.xid);
  return ax !== bx ? ax > bx : a.id > b.id;
}

/**
 * The SQL conditions (on outbox_events) for the events after `after` (all, without it) up to
 * `upTo` (inclusive), or, without `upTo`, up to what is safe to read now: every transaction older
 * than the oldest still running has ended, so no event can appear below it later. Parameters are
 * pushed onto `params`.
 */
export function commitSafeRange(params: unknown[], o: { after?: EventCursor; upTo?: EventCursor }): string[] {
  const where: string[] = [];
  if (o.after) where.push(`(xid, id) > ($${params.push(o.after.xid)}::xid8, $${params.push(o.after.id)}::uuid)`);
  if (o.upTo) where.push(`(xid, id) <= ($${params.push(o.upTo.xid)}::xid8, $${params.push(o.upTo.id)}::uuid)`);
  else where.push('xid < pg_snapshot_xmin(pg_current_snapshot())');
  return where;
}

/**
 * Where everything safe to read ends now: just before the oldest transaction still running. Every
 * event after it in commit order either is not committed yet or committed after that transaction
 * began.
 */
export async function safeCursor(db: { query(sql: string): Promise<Array<{ xmin: string }>> }): Promise<EventCursor> {
  const [row] = await db.query('SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin');
  return { xid: row!.xmin, id: NIL_UUID };
}
