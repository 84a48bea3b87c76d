/**
 * SNAP timestamps: `yyyy-MM-ddTHH:mm:ss` with optional fractional seconds and a `Z` or `±HH:mm`
 * offset. Parsed strictly (no Date.parse leniency), formatted in Jakarta time (+07:00).
 */
const SNAP_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function parseSnapTimestamp(value: string): Date | undefined {
  const m = SNAP_TIMESTAMP.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, , tz] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return undefined;
  if (tz !== 'Z' && (Number(tz!.slice(1, 3)) > 14 || Number(tz!.slice(4, 6)) > 59)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  // Reject rolled-over dates such as 2024-02-31 (Date.parse would move them into March).
  const offsetMin = tz === 'Z' ? 0 : (tz!.startsWith('-') ? -1 : 1) * (Number(tz!.slice(1, 3)) * 60 + Number(tz!.slice(4, 6)));
  const local = new Date(ms + offsetMin * 60_000);
  if (local.getUTCFullYear() !== Number(y) || local.getUTCMonth() + 1 !== month || local.getUTCDate() !== day) return undefined;
  return new Date(ms);
}

export function formatSnapTimestamp(at: Date): string {
  return new Date(at.getTime() + 7 * 3600_000).toISOString().slice(0, 19) + '+07:00';
}

/** True when `at` lies within ±skewSeconds of now. */
export function withinSkew(at: Date, now: Date, skewSeconds: number): boolean {
  return Math.abs(now.getTime() - at.getTime()) <= skewSeconds * 1000;
}
