// Money and time, formatted in one place. Currency exponents come from Kartu's ISO 4217 table
// (src/platform/iso-4217.json), never from Intl; Intl only groups digits and names time zones.
import iso4217 from '../../src/platform/iso-4217.json';

export type Lang = 'id' | 'en';
export const LANGS: readonly Lang[] = ['id', 'en'];

const LOCALES: Record<Lang, string> = { id: 'id-ID', en: 'en-US' };
const currencies: Record<string, { minorUnits: number; name: string }> = iso4217.currencies;

export interface MoneyValue {
  value: string;
  currency: string;
}

/** The number of minor-unit digits of a currency (IDR 2, JPY 0, KWD 3). */
export function minorUnits(currency: string): number {
  const entry = currencies[currency];
  if (!entry) throw new Error(`${currency} is not in the ISO 4217 table`);
  return entry.minorUnits;
}

/** Minor units (an integer) as the SNAP decimal string of the currency: 45000000 IDR → "450000.00". */
export function minorToValue(amountMinor: bigint | number | string, currency: string): string {
  const digits = minorUnits(currency);
  const n = BigInt(amountMinor);
  const negative = n < 0n;
  const abs = (negative ? -n : n).toString().padStart(digits + 1, '0');
  const whole = abs.slice(0, abs.length - digits);
  const fraction = digits > 0 ? `.${abs.slice(abs.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;
const numberFormats = new Map<string, Intl.NumberFormat>();

function numberFormat(lang: Lang, digits: number): Intl.NumberFormat {
  const key = `${lang}:${digits}`;
  let f = numberFormats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(LOCALES[lang], { useGrouping: true, minimumFractionDigits: digits, maximumFractionDigits: digits });
    numberFormats.set(key, f);
  }
  return f;
}

/** Groups a non-negative decimal string's whole part and joins the fraction with the locale's separator. */
function groupDecimal(whole: string, fraction: string, lang: Lang): string {
  const grouped = numberFormat(lang, 0).format(BigInt(whole));
  if (!fraction) return grouped;
  const separator = numberFormat(lang, 1).formatToParts(0.5).find((p) => p.type === 'decimal')?.value ?? '.';
  return grouped + separator + fraction;
}

/**
 * A SNAP money value for people: id → "Rp 450.000", en → "IDR 450,000". The fraction is shown
 * with all of the currency's digits when it is not zero ("Rp 450.000,50") and left out when it is.
 */
export function formatMoney(money: MoneyValue, lang: Lang): string {
  const digits = minorUnits(money.currency);
  const m = DECIMAL.exec(money.value.trim());
  if (!m) return `${money.currency} ${money.value}`;
  const [, sign, whole, given = ''] = m;
  if (given.length > digits && /[^0]/.test(given.slice(digits))) return `${money.currency} ${money.value}`;
  const fraction = given.slice(0, digits).padEnd(digits, '0');
  const shown = /^0*$/.test(fraction) ? '' : fraction;
  const number = groupDecimal(whole!.replace(/^0+(?=\d)/, ''), shown, lang);
  const isZero = /^0+$/.test(whole!) && shown === '';
  const prefix = lang === 'id' && money.currency === 'IDR' ? 'Rp' : money.currency;
  return `${sign && !isZero ? '-' : ''}${prefix} ${number}`;
}

export function formatMinor(amountMinor: bigint | number | string, currency: string, lang: Lang): string {
  return formatMoney({ value: minorToValue(amountMinor, currency), currency }, lang);
}

/**
 * What someone typed into an amount field, as the SNAP decimal string of the currency, or
 * undefined when it is not an amount of that currency. The decimal mark is "," in id and "." in
 * en; the other mark may group thousands ("450.000" in id, "450,000" in en), in groups of three.
 */
export function parseAmountInput(text: string, currency: string, lang: Lang): string | undefined {
  const digits = minorUnits(currency);
  const [group, decimal] = lang === 'id' ? ['.', ','] : [',', '.'];
  const s = text.trim().replace(/^(Rp|[A-Z]{3})\s*/i, '');
  const parts = s.split(decimal);
  if (parts.length > 2) return undefined;
  const [written, fraction = ''] = parts as [string, string?];
  if (parts.length === 2 && !/^\d+$/.test(fraction)) return undefined;
  if (fraction.length > digits) return undefined;
  const grouped = written.includes(group);
  if (grouped ? !new RegExp(`^\\d{1,3}(\\${group}\\d{3})+$`).test(written) : !/^\d+$/.test(written)) return undefined;
  const whole = written.split(group).join('').replace(/^0+(?=\d)/, '');
  return digits === 0 ? whole : `${whole}.${fraction.padEnd(digits, '0')}`;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(lang: Lang, timeZone: string, options: Intl.DateTimeFormatOptions, name: string): Intl.DateTimeFormat {
  const key = `${lang}:${timeZone}:${name}`;
  let f = dateFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALES[lang], { ...options, timeZone });
    dateFormats.set(key, f);
  }
  return f;
}

/** "3 Des 2026, 17.05.09" (id) / "Dec 3, 2026, 5:05:09 PM" (en), in the business time zone. */
export function formatDateTime(iso: string, timeZone: string, lang: Lang): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat(lang, timeZone, { dateStyle: 'medium', timeStyle: 'medium' }, 'datetime').format(date);
}

export function formatDate(iso: string, timeZone: string, lang: Lang): string {
  const date = new Date(iso.length === 10 ? `${iso}T12:00:00Z` : iso);
  if (Number.isNaN(date.getTime())) return iso;
  return dateFormat(lang, iso.length === 10 ? 'UTC' : timeZone, { dateStyle: 'medium' }, 'date').format(date);
}

/** The UTC offset of a time zone at an instant, in minutes east of UTC (Asia/Jakarta: 420). */
export function timeZoneOffsetMinutes(at: Date, timeZone: string): number {
  const name = dateFormat('en', timeZone, { timeZoneName: 'longOffset' }, 'offset')
    .formatToParts(at)
    .find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT(?:([+-])(\d{2}):?(\d{2})?)?/.exec(name ?? '');
  if (!m || !m[1]) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? 0));
}

function offsetText(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/**
 * A wall-clock time of a datetime-local field ("2026-12-03T09:30"), read in the business time
 * zone, as an ISO-8601 date-time with that zone's offset ("2026-12-03T09:30:00+07:00").
 */
export function wallTimeToIso(wall: string, timeZone: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s = '00'] = m.slice(1) as [string, string, string, string, string, string?];
  const asUtc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  let offset = timeZoneOffsetMinutes(new Date(asUtc), timeZone);
  offset = timeZoneOffsetMinutes(new Date(asUtc - offset * 60_000), timeZone);
  return `${y}-${mo}-${d}T${h}:${mi}:${s}${offsetText(offset)}`;
}

/** The inverse of wallTimeToIso: an instant as the business zone's "YYYY-MM-DDTHH:mm" for a datetime-local field. */
export function isoToWallTime(iso: string, timeZone: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const local = new Date(date.getTime() + timeZoneOffsetMinutes(date, timeZone) * 60_000);
  return local.toISOString().slice(0, 16);
}
