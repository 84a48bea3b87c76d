import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidFieldFormat, MissingMandatoryField } from '../../src/platform/errors';
import { parseInput } from '../../src/platform/validation';

const schema = z.strictObject({ name: z.string(), metadata: z.strictObject({ team: z.string() }).optional() });

function refusal(input: unknown): InvalidFieldFormat | MissingMandatoryField {
  try {
    parseInput(schema, input);
  } catch (err) {
    if (err instanceof InvalidFieldFormat || err instanceof MissingMandatoryField) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('parseInput names the field of the first problem', () => {
  it('a missing field, a wrong type, a nested unknown field', () => {
    expect(refusal({})).toMatchObject({ field: 'name' });
    expect(refusal({})).toBeInstanceOf(MissingMandatoryField);
    expect(refusal({ name: 1 })).toMatchObject({ field: 'name' });
    expect(refusal({ name: 'a', metadata: { team: 'x', boss: 'y' } })).toMatchObject({ field: 'metadata.boss', message: 'Invalid Field Format metadata.boss (unknown field)' });
  });

  it('several unknown fields: the message names them all, field the first', () => {
    expect(refusal({ name: 'a', x: 1, y: 2 })).toMatchObject({ field: 'x', message: 'Invalid Field Format x, y (unknown field)' });
  });

  it('the empty key is named "" rather than nothing', () => {
    expect(refusal({ name: 'a', '': null })).toMatchObject({ field: '""', message: 'Invalid Field Format "" (unknown field)' });
    expect(refusal({ name: 'a', metadata: { team: 'x', '': 1 } })).toMatchObject({ field: 'metadata.""' });
  });
});
