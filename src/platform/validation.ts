import { z } from 'zod';
import { InvalidFieldFormat, MissingMandatoryField } from './errors';

/**
 * Parses input with a zod schema and turns the first problem into the SNAP error that names the
 * field: a missing value is `400xx02` (also a refinement raised with `params: { missing: true }`), anything else (wrong type, bad format, unknown field) `400xx01`.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(segmentName).join('.') || 'body';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => (issue.path.length ? `${field}.${segmentName(k)}` : segmentName(k)));
    throw new InvalidFieldFormat(keys[0]!, 'unknown field', keys.join(', '));
  }
  // zod reports a missing enum as invalid_value and a missing field as invalid_type, both without input.
  const missing =
    ((issue.code === 'invalid_type' || issue.code === 'invalid_value') && issue.input === undefined) ||
    (issue.code === 'custom' && issue.params?.missing === true);
  if (missing) throw new MissingMandatoryField(field);
  throw new InvalidFieldFormat(field, issue.message);
}

/** A key as a field name: the empty key is written `""`, so the error still names something. */
function segmentName(key: PropertyKey): string {
  const name = String(key);
  return name === '' ? '""' : name;
}

/** ISO dates and date-times allow year 0000; PostgreSQL (and the calendar) have no year 0. */
const notYearZero = (v: string) => !v.startsWith('0000');
const YEAR_ZERO = { message: 'the year must be 0001 or later' };

/** A calendar date, YYYY-MM-DD, that PostgreSQL can store. */
export const isoDate = z.iso.date().refine(notYearZero, YEAR_ZERO).meta({ example: '2026-11-21' });

/** An ISO-8601 date-time with its offset, that PostgreSQL can store. */
export const isoDateTime = z.iso.datetime({ offset: true }).refine(notYearZero, YEAR_ZERO).meta({ example: '2026-11-21T10:55:00+07:00' });
