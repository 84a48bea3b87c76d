import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jakartaDay, ManualClock } from '../../src/platform/clock';
import { formatSnapTimestamp, parseSnapTimestamp, withinSkew } from '../../src/platform/snap-time';

const iso = (value: string) => parseSnapTimestamp(value)?.toISOString();

describe('parseSnapTimestamp', () => {
  it('accepts the SNAP example with a +07:00 offset', () => {
    expect(iso('2020-12-17T10:55:00+07:00')).toBe('2020-12-17T03:55:00.000Z');
  });

  it('accepts Z and other offsets, including negative and half-hour ones', () => {
    expect(iso('2020-12-17T03:55:00Z')).toBe('2020-12-17T03:55:00.000Z');
    expect(iso('2020-12-17T03:55:00+00:00')).toBe('2020-12-17T03:55:00.000Z');
    expect(iso('2020-12-16T22:55:00-05:00')).toBe('2020-12-17T03:55:00.000Z');
    expect(iso('2020-12-17T09:25:00+05:30')).toBe('2020-12-17T03:55:00.000Z');
    expect(iso('2020-12-17T17:55:00+14:00')).toBe('2020-12-17T03:55:00.000Z');
  });

  it('accepts fractional seconds of 1 to 9 digits', () => {
    expect(iso('2020-12-17T10:55:00.5+07:00')).toBe('2020-12-17T03:55:00.500Z');
    expect(iso('2020-12-17T10:55:00.123+07:00')).toBe('2020-12-17T03:55:00.123Z');
    expect(iso('2020-12-17T03:55:00.123Z')).toBe('2020-12-17T03:55:00.123Z');
    expect(parseSnapTimestamp('2020-12-17T10:55:00.123456+07:00')?.getTime()).toBe(Date.UTC(2020, 11, 17, 3, 55, 0, 123));
    expect(parseSnapTimestamp('2020-12-17T10:55:00.123456789Z')?.getTime()).toBe(Date.UTC(2020, 11, 17, 10, 55, 0, 123));
  });

  it('accepts the leap day of a leap year and dates whose UTC instant falls on another day', () => {
    expect(iso('2024-02-29T12:00:00+07:00')).toBe('2024-02-29T05:00:00.000Z');
    expect(iso('2024-03-01T00:30:00+07:00')).toBe('2024-02-29T17:30:00.000Z');
    expect(iso('2024-02-29T23:00:00-05:00')).toBe('2024-03-01T04:00:00.000Z');
    expect(iso('2024-12-31T23:59:59+07:00')).toBe('2024-12-31T16:59:59.000Z');
    expect(iso('2025-01-01T00:00:00+07:00')).toBe('2024-12-31T17:00:00.000Z');
  });

  it.each([
    ['missing offset', '2020-12-17T10:55:00'],
    ['missing offset with fraction', '2020-12-17T10:55:00.123'],
    ['offset without colon', '2020-12-17T10:55:00+0700'],
    ['hour-only offset', '2020-12-17T10:55:00+07'],
    ['lower-case z', '2020-12-17T10:55:00z'],
    ['space instead of T', '2020-12-17 10:55:00+07:00'],
    ['no seconds', '2020-12-17T10:55+07:00'],
    ['date only', '2020-12-17'],
    ['February 31st', '2024-02-31T10:00:00+07:00'],
    ['February 30th', '2024-02-30T10:00:00+07:00'],
    ['February 29th in a common year', '2023-02-29T10:00:00+07:00'],
    ['April 31st', '2024-04-31T10:00:00+07:00'],
    ['month 13', '2024-13-01T10:00:00+07:00'],
    ['month 00', '2024-00-10T10:00:00+07:00'],
    ['day 00', '2024-01-00T10:00:00+07:00'],
    ['day 32', '2024-01-32T10:00:00+07:00'],
    ['hour 24', '2024-01-01T24:00:00+07:00'],
    ['minute 60', '2024-01-01T10:60:00+07:00'],
    ['second 60', '2024-01-01T10:00:60+07:00'],
    ['offset hour 15', '2024-01-01T10:00:00+15:00'],
    ['offset minute 60', '2024-01-01T10:00:00+07:60'],
    ['a fraction without digits', '2024-01-01T10:00:00.+07:00'],
    ['ten fraction digits', '2024-01-01T10:00:00.1234567890+07:00'],
    ['dd-MM-yyyy', '17-12-2020T10:55:00+07:00'],
    ['unix seconds', '1608177300'],
    ['RFC 2822', 'Thu, 17 Dec 2020 10:55:00 +0700'],
    ['empty', ''],
    ['garbage', 'not a timestamp'],
    ['trailing text', '2020-12-17T10:55:00+07:00x'],
    ['leading space', ' 2020-12-17T10:55:00+07:00'],
    ['trailing newline', '2020-12-17T10:55:00+07:00\n'],
    ['non-ASCII digits', '٢٠٢٠-12-17T10:55:00+07:00'],
  ])('rejects %s', (_what, value) => {
    expect(parseSnapTimestamp(value)).toBeUndefined();
  });

  it('never throws and returns either undefined or a valid date for arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary-ascii', maxLength: 40 }), (s) => {
        const d = parseSnapTimestamp(s);
        return d === undefined || !Number.isNaN(d.getTime());
      }),
    );
  });
});

describe('formatSnapTimestamp', () => {
  it('formats in Jakarta time with a +07:00 offset and whole seconds', () => {
    expect(formatSnapTimestamp(new Date('2020-12-17T03:55:00.999Z'))).toBe('2020-12-17T10:55:00+07:00');
  });

  it('moves to the next Jakarta day from 17:00 UTC', () => {
    expect(formatSnapTimestamp(new Date('2020-12-31T16:59:59Z'))).toBe('2020-12-31T23:59:59+07:00');
    expect(formatSnapTimestamp(new Date('2020-12-31T17:00:00Z'))).toBe('2021-01-01T00:00:00+07:00');
  });

  it('parses back to the same instant (to the second) for any date', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        const text = formatSnapTimestamp(d);
        expect(text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+07:00$/);
        expect(parseSnapTimestamp(text)?.getTime()).toBe(Math.floor(d.getTime() / 1000) * 1000);
      }),
    );
  });
});

describe('withinSkew', () => {
  const now = new Date('2024-06-01T12:00:00.000Z');
  const at = (offsetMs: number) => new Date(now.getTime() + offsetMs);

  it('accepts exactly ±skew and everything between', () => {
    expect(withinSkew(at(0), now, 300)).toBe(true);
    expect(withinSkew(at(300_000), now, 300)).toBe(true);
    expect(withinSkew(at(-300_000), now, 300)).toBe(true);
    expect(withinSkew(at(299_999), now, 300)).toBe(true);
  });

  it('rejects one millisecond beyond the window, in the past and in the future', () => {
    expect(withinSkew(at(300_001), now, 300)).toBe(false);
    expect(withinSkew(at(-300_001), now, 300)).toBe(false);
    expect(withinSkew(at(-86_400_000), now, 300)).toBe(false);
  });

  it('honours the configured window', () => {
    expect(withinSkew(at(-30_000), now, 30)).toBe(true);
    expect(withinSkew(at(-30_001), now, 30)).toBe(false);
  });
});

describe('jakartaDay (SNAP "same day" for X-EXTERNAL-ID)', () => {
  it('changes at 17:00 UTC, midnight in Jakarta', () => {
    expect(jakartaDay(new Date('2024-01-01T16:59:59.999Z'))).toBe('2024-01-01');
    expect(jakartaDay(new Date('2024-01-01T17:00:00.000Z'))).toBe('2024-01-02');
    expect(jakartaDay(new Date('2024-01-02T00:00:00.000Z'))).toBe('2024-01-02');
    expect(jakartaDay(new Date('2024-01-02T16:59:59.999Z'))).toBe('2024-01-02');
  });

  it('crosses month and year ends in Jakarta time', () => {
    expect(jakartaDay(new Date('2024-02-29T17:00:00Z'))).toBe('2024-03-01');
    expect(jakartaDay(new Date('2024-12-31T16:59:59Z'))).toBe('2024-12-31');
    expect(jakartaDay(new Date('2024-12-31T17:00:00Z'))).toBe('2025-01-01');
  });

  it('agrees with the date part of formatSnapTimestamp', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2199-12-31T00:00:00Z'), noInvalidDate: true }), (d) => {
        expect(jakartaDay(d)).toBe(formatSnapTimestamp(d).slice(0, 10));
      }),
    );
  });

  it('follows a ManualClock across the boundary', () => {
    const clock = new ManualClock(new Date('2024-05-10T16:59:00Z'));
    expect(jakartaDay(clock.now())).toBe('2024-05-10');
    clock.advance(60_000);
    expect(jakartaDay(clock.now())).toBe('2024-05-11');
    clock.set(new Date('2024-05-10T00:00:00Z'));
    expect(jakartaDay(clock.now())).toBe('2024-05-10');
  });
});
