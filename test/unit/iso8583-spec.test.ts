import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findIso8583SpecFile, Iso8583SpecError, loadIso8583Spec, parseIso8583Spec } from '../../src/modules/iso8583/iso8583-spec';

const file = findIso8583SpecFile('kartu-1987-ascii');
const raw = JSON.parse(fs.readFileSync(file, 'utf8')) as { fields: Record<string, unknown>[] } & Record<string, unknown>;

/** The problems an invalid spec is refused with. */
function problemsOf(spec: unknown): string[] {
  try {
    parseIso8583Spec(spec, 'test spec');
  } catch (err) {
    if (err instanceof Iso8583SpecError) return [...err.problems];
    throw err;
  }
  throw new Error('the spec was accepted');
}
const withFields = (...fields: Record<string, unknown>[]) => ({ ...raw, fields });
const pan = { number: 2, name: 'PAN', type: 'n', length: 'LLVAR', max: 19, encoding: 'ascii' };

describe('rules/iso8583/kartu-1987-ascii.json', () => {
  const spec = loadIso8583Spec(file);

  it('defines every element the gateway reads or answers, DE1 as the secondary bitmap, and no MAC', () => {
    for (const n of [1, 2, 3, 4, 6, 7, 10, 11, 12, 13, 14, 18, 22, 32, 33, 37, 38, 39, 41, 42, 43, 49, 51, 52, 70, 90]) {
      expect(spec.fields.has(n), `DE${n}`).toBe(true);
    }
    expect(spec.fields.get(1)).toMatchObject({ type: 'b', length: 'fixed', size: 8, encoding: 'ascii-hex' });
    expect(spec.fields.has(128)).toBe(false);
    expect(spec.bitmapEncoding).toBe('ascii-hex');
  });

  it('knows the message types of the 1987 gateway', () => {
    expect([...spec.messageTypes]).toEqual(['0100', '0110', '0120', '0130', '0200', '0210', '0400', '0410', '0420', '0430', '0800', '0810']);
  });

  it('is kept in element order', () => {
    const numbers = raw.fields.map((field) => field.number as number);
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
  });
});

describe('a bad spec is refused with every problem named', () => {
  it('names the file when it is not JSON or missing', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iso8583-spec-'));
    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{ "version": 1, ');
    expect(() => loadIso8583Spec(broken)).toThrow(Iso8583SpecError);
    expect(() => loadIso8583Spec(broken)).toThrow(broken);
    expect(() => loadIso8583Spec(path.join(dir, 'missing.json'))).toThrow(Iso8583SpecError);
    expect(() => findIso8583SpecFile('no-such-network', dir)).toThrow(/rules\/iso8583\/no-such-network\.json/);
    fs.rmSync(dir, { recursive: true });
  });

  it.each([
    ['an unknown type', withFields({ ...pan, type: 'x' }), /fields\.0\.type/],
    ['an unknown length kind', withFields({ ...pan, length: 'LLLLVAR' }), /fields\.0\.length/],
    ['an LLVAR longer than 99', withFields({ ...pan, max: 100 }), /fields\.0\.max/],
    ['an LLLVAR longer than 999', withFields({ ...pan, length: 'LLLVAR', max: 1000 }), /fields\.0\.max/],
    ['a fixed element without a size', withFields({ ...pan, length: 'fixed', max: undefined }), /fields\.0\.size/],
    ['a variable element with a size', withFields({ ...pan, size: 19 }), /fields\.0/],
    ['a character element not in ascii', withFields({ ...pan, encoding: 'ascii-hex' }), /fields\.0\.encoding/],
    ['a b element in ascii', withFields({ ...pan, type: 'b', encoding: 'ascii' }), /fields\.0\.encoding/],
    ['an unknown key', withFields({ ...pan, padding: 'left' }), /fields\.0/],
    ['an element numbered 129', withFields({ ...pan, number: 129 }), /fields\.0\.number/],
    ['an element defined twice', withFields(pan, pan), /DE2 is defined twice/],
    ['an element above 64 without DE1', withFields(pan, { ...pan, number: 70, length: 'fixed', size: 3, max: undefined }), /DE70 needs DE1/],
    ['a DE1 that is not an 8-byte bitmap', withFields({ ...pan, number: 1 }), /DE1 is the secondary bitmap/],
    ['a DE1 in another encoding than the bitmaps', withFields({ number: 1, name: 'Secondary bitmap', type: 'b', length: 'fixed', size: 8, encoding: 'binary' }), /DE1 is the secondary bitmap/],
    ['an MTI that is not 4 digits', { ...raw, messageTypes: ['100'] }, /messageTypes\.0/],
    ['an unknown bitmap encoding', { ...raw, bitmapEncoding: 'ebcdic' }, /bitmapEncoding/],
    ['another version', { ...raw, version: 2 }, /version/],
  ])('refuses %s', (_title, spec, problem) => {
    const problems = problemsOf(JSON.parse(JSON.stringify(spec)));
    expect(problems.join('\n')).toMatch(problem);
  });
});
