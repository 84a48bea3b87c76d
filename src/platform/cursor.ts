import { InvalidFieldFormat } from './errors';

/**
 * Keyset cursors of the newest-first lists: the (time, id) of the last row of a page, opaque to
 * clients (base64url of JSON). The time is PostgreSQL's own text of a timestamptz in UTC with
 * microseconds (a JavaScript Date would drop them and skip or repeat rows at a page boundary).
 */
export interface Keyset {
  /** `YYYY-MM-DDTHH:MM:SS.ffffffZ`, as `KEYSET_TIME` selects it. */
  at: string;
  id: string;
}

/** The SQL expression of a timestamptz column as a cursor's `at`. */
export const KEYSET_TIME = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(k: Keyset): string {
  return Buffer.from(JSON.stringify([k.at, k.id])).toString('base64url');
}

/** A cursor back into its keyset; anything that is not one of ours is 400xx01 naming `field`. */
export function decodeCursor(cursor: string, field = 'cursor'): Keyset {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2 || typeof parsed[0] !== 'string' || typeof parsed[1] !== 'string' || !AT.test(parsed[0]) || !UUID.test(parsed[1]) || Number.isNaN(Date.parse(parsed[0]))) {
    throw new InvalidFieldFormat(field, 'not a cursor this list returned');
  }
  return { at: parsed[0], id: parsed[1] };
}
