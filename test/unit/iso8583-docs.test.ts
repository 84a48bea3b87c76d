import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeIso8583, encodeIso8583 } from '../../src/modules/iso8583/iso8583-codec';
import { frameIso8583 } from '../../src/modules/iso8583/iso8583-framer';
import { findIso8583SpecFile, loadIso8583Spec } from '../../src/modules/iso8583/iso8583-spec';

const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/iso8583.md'), 'utf8');
const spec = loadIso8583Spec(findIso8583SpecFile('kartu-1987-ascii'));

function between(name: string): string {
  const start = doc.indexOf(`<!-- ${name}:start -->`);
  const end = doc.indexOf(`<!-- ${name}:end -->`);
  expect(start, `docs/iso8583.md has the ${name} markers`).toBeGreaterThanOrEqual(0);
  return doc.slice(start + `<!-- ${name}:start -->`.length, end).trim();
}

describe('docs/iso8583.md', () => {
  it('says first what of the gateway is built and what is not', () => {
    const opening = doc.slice(0, doc.indexOf('| file | what it is |'));
    expect(opening).toMatch(/Built: the listener/);
    expect(opening).toMatch(/Not built yet/);
    for (const named of ['0120 advice', 'DE52', 'kartu simulate --iso8583', 'npm run bench']) expect(opening).toContain(named);
  });

  it("has the spec file's field table", () => {
    const rows = [...spec.fields.values()].map(
      (field) => `| ${field.number} | ${field.name} | ${field.type} | ${field.length === 'fixed' ? `fixed ${field.size}` : `${field.length} ..${field.max}`} | ${field.encoding} |`,
    );
    expect(between('field-table')).toBe(['| DE | name | type | length | encoding |', '|---:|---|---|---|---|', ...rows].join('\n'));
  });

  it('annotates a message that decodes with the spec, as its hex dump shows', () => {
    const dump = between('example:hex').replace(/^```text\n|\n```$/g, '');
    const frame = Buffer.from(dump.split('\n').map((line) => line.slice(6, 53).replace(/ /g, '')).join(''), 'hex');
    expect(frame.readUInt16BE(0)).toBe(frame.length - 2);
    const message = decodeIso8583(spec, frame.subarray(2));
    expect(message.mti).toBe('0100');
    expect(message.fields.get(4)).toBe('000000012550');
    expect(message.fields.get(43)).toBe('KOPI KENANGAN SUDIRMAN   JAKARTA      ID');
    expect(frameIso8583(encodeIso8583(spec, message))).toEqual(frame);
    // the annotation table names every element of the message, at its offset
    for (const [number, value] of message.fields) {
      const row = doc.split('\n').find((line) => line.match(new RegExp(`^\\| \\d+ \\| DE${number} \\|`)));
      expect(row, `DE${number} is annotated`).toBeDefined();
      const offset = Number(row!.split('|')[1]);
      expect(frame.subarray(offset).toString('latin1')).toMatch(new RegExp(`^(\\d{2,3})?${String(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    }
  });
});
