import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeIso8583, encodeIso8583, responseMtiOf, type FieldValue, type Iso8583Message } from '../../src/modules/iso8583/iso8583-codec';
import { Iso8583FormatError, Iso8583FrameTooLong } from '../../src/modules/iso8583/iso8583-errors';
import { frameIso8583, Iso8583Framer } from '../../src/modules/iso8583/iso8583-framer';
import { findIso8583SpecFile, loadIso8583Spec, parseIso8583Spec, type FieldSpec, type Iso8583Spec } from '../../src/modules/iso8583/iso8583-spec';

/**
 * The ISO 8583:1987 ASCII codec against rules/iso8583/kartu-1987-ascii.json. The vectors below are
 * written by hand from the spec file (bitmaps worked out bit by bit in the comments), not taken
 * from another implementation.
 */

const spec = loadIso8583Spec(findIso8583SpecFile('kartu-1987-ascii'));
const ascii = (text: string) => Buffer.from(text, 'ascii');
const message = (mti: string, fields: Record<number, FieldValue>): Iso8583Message => ({
  mti,
  fields: new Map(Object.entries(fields).map(([number, value]) => [Number(number), value])),
});
/** Comparable form of a message: b values as bytes whatever their Uint8Array subclass. */
const comparable = (m: Iso8583Message) => ({
  mti: m.mti,
  fields: [...m.fields].sort(([a], [b]) => a - b).map(([number, value]) => [number, typeof value === 'string' ? value : { bytes: Buffer.from(value).toString('hex') }]),
});
const formatErrorOf = (frame: Uint8Array, on: Iso8583Spec = spec): Iso8583FormatError => {
  try {
    decodeIso8583(on, frame);
  } catch (err) {
    if (err instanceof Iso8583FormatError) return err;
    throw err;
  }
  throw new Error('decoded without an error');
};

// 0800 sign-on: DE7, DE11, DE70 = 001. DE70 is above 64, so bit 1 announces the secondary bitmap.
// primary:   bit 1 (0x80) + bit 7 (0x02) = 0x82 | bit 11 = 0x20 in byte 2 → 82 20 00 00 00 00 00 00
// secondary: bit 70 is bit 6 of the secondary's first byte (65 is its bit 1) = 0x04 → 04 00 … 00
const SIGN_ON = message('0800', { 7: '1204040000', 11: '000001', 70: '001' });
const SIGN_ON_WIRE = '0800' + '8220000000000000' + '0400000000000000' + '1204040000' + '000001' + '001';

// 0100 authorization, no secondary bitmap:
// byte 1 (DE1-8):   2 3 4 7        = 0x40+0x20+0x10+0x02 = 0x72
// byte 2 (DE9-16):  11 12 13 14    = 0x20+0x10+0x08+0x04 = 0x3C
// byte 3 (DE17-24): 18 22          = 0x40+0x04           = 0x44
// byte 4 (DE25-32): 32             = 0x01
// byte 5 (DE33-40): 37             = 0x08
// byte 6 (DE41-48): 41 42 43       = 0x80+0x40+0x20      = 0xE0
// byte 7 (DE49-56): 49             = 0x80
// byte 8 (DE57-64): none           = 0x00
const MERCHANT_NAME_LOCATION = 'KOPI KENANGAN SUDIRMAN   ' + 'JAKARTA      ' + 'ID'; // 25 + 13 + 2
const AUTHORIZATION = message('0100', {
  2: '4111111111111111',
  3: '000000',
  4: '000000012550',
  7: '1204040510',
  11: '123456',
  12: '110510',
  13: '1204',
  14: '2812',
  18: '5812',
  22: '051',
  32: '400123',
  37: '633812123456',
  41: 'TERM0001',
  42: 'MERCHANT0000001',
  43: MERCHANT_NAME_LOCATION,
  49: '360',
});
const AUTHORIZATION_WIRE =
  '0100' + '723C440108E08000' + '16' + '4111111111111111' + '000000' + '000000012550' + '1204040510' + '123456' + '110510' + '1204' + '2812' +
  '5812' + '051' + '06' + '400123' + '633812123456' + 'TERM0001' + 'MERCHANT0000001' + MERCHANT_NAME_LOCATION + '360';

// 0110 approval: byte 1: 2 3 4 7 = 0x72 | byte 2: 11 = 0x20 | byte 5: 37 38 39 = 0x08+0x04+0x02 = 0x0E
// byte 6: 41 42 = 0xC0 | byte 7: 49 = 0x80
const APPROVAL = message('0110', {
  2: '4111111111111111',
  3: '000000',
  4: '000000012550',
  7: '1204040510',
  11: '123456',
  37: '633812123456',
  38: 'A1B2C3',
  39: '00',
  41: 'TERM0001',
  42: 'MERCHANT0000001',
  49: '360',
});
const APPROVAL_WIRE =
  '0110' + '722000000EC08000' + '16' + '4111111111111111' + '000000' + '000000012550' + '1204040510' + '123456' + '633812123456' + 'A1B2C3' + '00' +
  'TERM0001' + 'MERCHANT0000001' + '360';

describe('test vectors (kartu-1987-ascii)', () => {
  for (const [title, msg, wire] of [
    ['0800 sign-on, with a secondary bitmap', SIGN_ON, SIGN_ON_WIRE],
    ['0100 authorization with PAN, amount, STAN, RRN and merchant fields', AUTHORIZATION, AUTHORIZATION_WIRE],
    ['0110 approval with DE38 and DE39', APPROVAL, APPROVAL_WIRE],
  ] as const) {
    it(`encodes and decodes the ${title}`, () => {
      expect(encodeIso8583(spec, msg).toString('ascii')).toBe(wire);
      expect(comparable(decodeIso8583(spec, ascii(wire)))).toEqual(comparable(msg));
    });
  }

  it('sends a PIN block (b, 8 bytes) as 16 ASCII hex characters', () => {
    // byte 7 (DE49-56): 52 = 0x10
    const withPin = message('0100', { 52: Buffer.from('0123456789abcdef', 'hex') });
    expect(encodeIso8583(spec, withPin).toString('ascii')).toBe('0100' + '0000000000001000' + '0123456789ABCDEF');
    expect(comparable(decodeIso8583(spec, ascii('0100' + '0000000000001000' + '0123456789abcdef')))).toEqual(comparable(withPin));
  });

  it('writes LLLVAR prefixes as 3 digits', () => {
    // byte 6 (DE41-48): 48 = 0x01
    expect(encodeIso8583(spec, message('0100', { 48: 'AB' })).toString('ascii')).toBe('0100' + '0000000000010000' + '002AB');
  });

  it('answers requests and advices with the next function digit', () => {
    expect(['0100', '0120', '0200', '0400', '0420', '0800'].map(responseMtiOf)).toEqual(['0110', '0130', '0210', '0410', '0430', '0810']);
    expect(['0110', '0810', '0140', '08x0', '010'].map(responseMtiOf)).toEqual([null, null, null, null, null]);
  });
});

describe('format errors', () => {
  const cases: { title: string; wire: string; reason: Iso8583FormatError['reason']; field: number | null; mti: string | null }[] = [
    { title: 'a message shorter than its MTI', wire: '08', reason: 'truncated', field: null, mti: null },
    { title: 'a non-numeric MTI', wire: '08X0' + '8220000000000000', reason: 'bad_mti', field: null, mti: null },
    { title: 'an MTI the spec does not know', wire: '0300' + '0000000000000000', reason: 'unknown_mti', field: null, mti: '0300' },
    { title: 'a primary bitmap with non-hex characters', wire: '0800' + '82200000000000G0', reason: 'bad_bitmap', field: null, mti: '0800' },
    { title: 'a message ending inside the primary bitmap', wire: '0800' + '82200', reason: 'truncated', field: null, mti: '0800' },
    { title: 'a secondary bitmap with non-hex characters', wire: '0800' + '8220000000000000' + '04000000000000Z0', reason: 'bad_bitmap', field: 1, mti: '0800' },
    { title: 'a bit for an element the spec does not define (DE5)', wire: '0100' + '0800000000000000' + '000000012550', reason: 'undefined_field', field: 5, mti: '0100' },
    { title: 'a MAC (DE128), which the spec does not define', wire: '0800' + '8000000000000000' + '0000000000000001' + '0123456789ABCDEF', reason: 'undefined_field', field: 128, mti: '0800' },
    { title: 'non-numeric where numeric (DE4)', wire: '0100' + '1000000000000000' + '0000000125O0', reason: 'bad_characters', field: 4, mti: '0100' },
    { title: 'a fixed element cut short (DE4)', wire: '0100' + '1000000000000000' + '00000001', reason: 'truncated', field: 4, mti: '0100' },
    { title: 'an LLVAR prefix that is not digits (DE2)', wire: '0100' + '4000000000000000' + '1A' + '4111111111111111', reason: 'bad_length_prefix', field: 2, mti: '0100' },
    { title: 'an LLVAR length above the maximum (DE2, 20 > 19)', wire: '0100' + '4000000000000000' + '20' + '41111111111111111111', reason: 'length_above_maximum', field: 2, mti: '0100' },
    { title: 'an LLVAR length beyond the frame (DE2)', wire: '0100' + '4000000000000000' + '16' + '41111111', reason: 'length_beyond_frame', field: 2, mti: '0100' },
    { title: 'a PIN block with non-hex characters (DE52)', wire: '0100' + '0000000000001000' + '0123456789ABCDEX', reason: 'bad_characters', field: 52, mti: '0100' },
    { title: 'bytes after the last element', wire: SIGN_ON_WIRE + '00', reason: 'trailing_bytes', field: null, mti: '0800' },
  ];
  for (const c of cases) {
    it(`refuses ${c.title}`, () => {
      const err = formatErrorOf(ascii(c.wire));
      expect({ reason: err.reason, field: err.field, mti: err.mti }).toEqual({ reason: c.reason, field: c.field, mti: c.mti });
    });
  }

  it('never puts an element value in the message (a PAN is never logged)', () => {
    const err = formatErrorOf(ascii('0100' + '4000000000000000' + '16' + '411111111111X111'));
    expect(err.reason).toBe('bad_characters');
    expect(err.message).not.toContain('4111');
    expect(err.offset).toBe(4 + 16 + 2 + 12);
  });

  it('refuses to encode what the spec does not allow', () => {
    const refusal = (m: Iso8583Message) => {
      try {
        encodeIso8583(spec, m);
      } catch (err) {
        if (err instanceof Iso8583FormatError) return { reason: err.reason, field: err.field };
        throw err;
      }
      return null;
    };
    const offsetOfRefusal = (m: Iso8583Message) => {
      try {
        encodeIso8583(spec, m);
      } catch (err) {
        if (err instanceof Iso8583FormatError) return err.offset;
      }
      return null;
    };
    // MTI 4 + bitmap 16 + DE2 (2 + 16) + DE3 6: DE4 would start at byte 44
    expect(offsetOfRefusal(message('0100', { 2: '4111111111111111', 3: '000000', 4: '1' }))).toBe(44);
    expect(refusal(message('0300', {}))).toEqual({ reason: 'unknown_mti', field: null });
    expect(refusal(message('01', {}))).toEqual({ reason: 'bad_mti', field: null });
    expect(refusal(message('0100', { 5: '000000000001' }))).toEqual({ reason: 'undefined_field', field: 5 });
    expect(refusal(message('0800', { 1: Buffer.alloc(8) }))).toEqual({ reason: 'bad_value', field: 1 });
    expect(refusal(message('0100', { 4: '12550' }))).toEqual({ reason: 'bad_value', field: 4 });
    expect(refusal(message('0100', { 4: '0000000125.0' }))).toEqual({ reason: 'bad_value', field: 4 });
    expect(refusal(message('0100', { 2: '41111111111111111111' }))).toEqual({ reason: 'bad_value', field: 2 });
    expect(refusal(message('0100', { 52: '0123456789ABCDEF' }))).toEqual({ reason: 'bad_value', field: 52 });
    expect(refusal(message('0100', { 39: Buffer.from('00') }))).toEqual({ reason: 'bad_value', field: 39 });
  });
});

// ---- properties -------------------------------------------------------------------------------

const CHARACTER_SETS: Record<Exclude<FieldSpec['type'], 'b'>, string> = {
  n: '0123456789',
  an: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 ',
  ans: Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join(''),
  z: '0123456789=D',
};

function valueOf(field: FieldSpec): fc.Arbitrary<FieldValue> {
  const [minLength, maxLength] = field.length === 'fixed' ? [field.size, field.size] : [0, field.max];
  if (field.type === 'b') return fc.uint8Array({ minLength, maxLength });
  return fc.string({ unit: fc.constantFrom(...CHARACTER_SETS[field.type]), minLength, maxLength });
}

function messageOf(on: Iso8583Spec): fc.Arbitrary<Iso8583Message> {
  const elements = [...on.fields.values()].filter((field) => field.number !== 1);
  return fc.record({
    mti: fc.constantFrom(...on.messageTypes),
    chosen: fc.subarray(elements),
  }).chain(({ mti, chosen }) =>
    fc.tuple(...chosen.map(valueOf)).map((values) => ({ mti, fields: new Map(chosen.map((field, i) => [field.number, values[i]!])) })),
  );
}

/** Random spec files: every type, every length kind, both binary encodings, both bitmap encodings. */
const specArb: fc.Arbitrary<Iso8583Spec> = fc
  .record({
    bitmapEncoding: fc.constantFrom('ascii-hex' as const, 'binary' as const),
    numbers: fc.uniqueArray(fc.integer({ min: 2, max: 128 }), { minLength: 1, maxLength: 12 }),
    messageTypes: fc.uniqueArray(fc.stringMatching(/^\d{4}$/), { minLength: 1, maxLength: 3 }),
  })
  .chain(({ bitmapEncoding, numbers, messageTypes }) =>
    fc
      .tuple(
        ...numbers.map((number) =>
          fc
            .tuple(
              fc.oneof(
                fc.record({ type: fc.constantFrom('n', 'an', 'ans', 'z'), encoding: fc.constant('ascii') }),
                fc.record({ type: fc.constant('b'), encoding: fc.constantFrom('ascii-hex', 'binary') }),
              ),
              fc.oneof(
                fc.record({ length: fc.constant('fixed'), size: fc.integer({ min: 1, max: 30 }) }),
                fc.record({ length: fc.constant('LLVAR'), max: fc.integer({ min: 1, max: 99 }) }),
                fc.record({ length: fc.constant('LLLVAR'), max: fc.integer({ min: 1, max: 999 }) }),
              ),
            )
            .map(([kind, length]) => ({ number, name: `Element ${number}`, ...kind, ...length })),
        ),
      )
      .map((fields) =>
        parseIso8583Spec(
          {
            version: 1,
            name: 'random',
            bitmapEncoding,
            messageTypes,
            fields: [{ number: 1, name: 'Secondary bitmap', type: 'b', length: 'fixed', size: 8, encoding: bitmapEncoding }, ...fields],
          },
          'random spec',
        ),
      ),
  );

/** Decodes, and fails the property on anything thrown but an Iso8583FormatError. */
function decodesOrRefuses(on: Iso8583Spec, frame: Uint8Array): void {
  let decoded: Iso8583Message;
  try {
    decoded = decodeIso8583(on, frame);
  } catch (err) {
    if (!(err instanceof Iso8583FormatError)) throw err;
    expect(err.offset).toBeGreaterThanOrEqual(0);
    expect(err.offset).toBeLessThanOrEqual(frame.length);
    return;
  }
  // whatever decodes is a message the spec allows: it encodes, and decodes back the same
  expect(comparable(decodeIso8583(on, encodeIso8583(on, decoded)))).toEqual(comparable(decoded));
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(...Buffer.from('0123456789ABCDEF F')) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), byte: fc.constant(0) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), byte: fc.constant(0) }),
);
function mutate(frame: Buffer, mutations: { kind: 'set' | 'insert' | 'delete' | 'truncate'; at: number; byte: number }[]): Buffer {
  let bytes = [...frame];
  for (const { kind, at, byte } of mutations) {
    const i = bytes.length === 0 ? 0 : at % bytes.length;
    if (kind === 'set' && bytes.length > 0) bytes[i] = byte;
    if (kind === 'insert') bytes.splice(i, 0, byte);
    if (kind === 'delete') bytes.splice(i, 1);
    if (kind === 'truncate') bytes = bytes.slice(0, i);
  }
  return Buffer.from(bytes);
}

describe('properties', () => {
  it('decode(encode(m)) is m for random messages of the shipped spec', () => {
    fc.assert(
      fc.property(messageOf(spec), (m) => {
        expect(comparable(decodeIso8583(spec, encodeIso8583(spec, m)))).toEqual(comparable(m));
      }),
      { numRuns: 500 },
    );
  });

  it('decode(encode(m)) is m for random specs: every field type, length kind and encoding', () => {
    fc.assert(
      fc.property(specArb.chain((on) => fc.tuple(fc.constant(on), messageOf(on))), ([on, m]) => {
        expect(comparable(decodeIso8583(on, encodeIso8583(on, m)))).toEqual(comparable(m));
      }),
      { numRuns: 500 },
    );
  });

  it('random bytes decode or fail with an Iso8583FormatError, nothing else', () => {
    const mti = fc.constantFrom(...spec.messageTypes).map(ascii);
    const hexBitmap = fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'), minLength: 16, maxLength: 16 }).map(ascii);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          // past the MTI and the bitmaps, so the elements' decoding is reached
          fc.tuple(mti, hexBitmap, hexBitmap, fc.uint8Array({ maxLength: 200 })).map((parts) => Buffer.concat(parts)),
          fc.tuple(mti, hexBitmap, fc.string({ unit: fc.constantFrom(...'0123456789 AZaz=D'), maxLength: 200 }).map(ascii)).map((parts) => Buffer.concat(parts)),
        ),
        (frame) => decodesOrRefuses(spec, frame),
      ),
      { numRuns: 3000 },
    );
  });

  it('mutated valid frames decode or fail with an Iso8583FormatError, on the shipped and random specs', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constant(spec), specArb).chain((on) => fc.tuple(fc.constant(on), messageOf(on), fc.array(mutation, { minLength: 1, maxLength: 4 }))),
        ([on, m, mutations]) => decodesOrRefuses(on, mutate(encodeIso8583(on, m), mutations)),
      ),
      { numRuns: 2000 },
    );
  });
});

describe('framing (2-byte big-endian length prefix)', () => {
  it('prefixes a message with its length', () => {
    expect(frameIso8583(ascii(SIGN_ON_WIRE)).subarray(0, 2)).toEqual(Buffer.from([0x00, SIGN_ON_WIRE.length]));
    expect(new Iso8583Framer().push(frameIso8583(ascii(SIGN_ON_WIRE)))).toEqual([ascii(SIGN_ON_WIRE)]);
  });

  it('reassembles frames split at random points, keeping partial frames until complete', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, cuts) => {
          const stream = Buffer.concat(messages.map((m) => frameIso8583(m)));
          const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
          const framer = new Iso8583Framer(300);
          const received: Buffer[] = [];
          let from = 0;
          for (const to of [...points, stream.length]) {
            received.push(...framer.push(stream.subarray(from, to)));
            from = to;
          }
          expect(received).toEqual(messages.map((m) => Buffer.from(m)));
          expect(framer.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('holds a partial frame, prefix split included', () => {
    const framer = new Iso8583Framer();
    const framed = frameIso8583(ascii(APPROVAL_WIRE));
    expect(framer.push(framed.subarray(0, 1))).toEqual([]);
    expect(framer.push(framed.subarray(1, 10))).toEqual([]);
    expect(framer.pendingBytes).toBe(10);
    expect(framer.push(Buffer.concat([framed.subarray(10), framed.subarray(0, 3)]))).toEqual([ascii(APPROVAL_WIRE)]);
    expect(framer.pendingBytes).toBe(3);
  });

  it('refuses a frame announced longer than the maximum, on every later push too', () => {
    const framer = new Iso8583Framer(1000);
    expect(framer.push(frameIso8583(ascii(SIGN_ON_WIRE)))).toHaveLength(1);
    expect(() => framer.push(Buffer.from([0x03, 0xe9]))).toThrow(Iso8583FrameTooLong);
    expect(() => framer.push(Buffer.from('0800'))).toThrow(Iso8583FrameTooLong);
    expect(() => frameIso8583(Buffer.alloc(1001), 1000)).toThrow(Iso8583FrameTooLong);
    expect(() => frameIso8583(Buffer.alloc(0x10000))).toThrow(Iso8583FrameTooLong);
  });
});

describe('DE54 additional amounts', () => {
  it('encodes a balance answer by hand: LLLVAR 020, account 00, amount type 02, IDR 360, C, 12 digits', () => {
    // Bitmap: DE39 is bit 7 of byte 5 (0x02), DE54 bit 6 of byte 7 (0x04).
    const wire = ascii('0110' + '0000000002000400' + '00' + '020' + '0002360C000000987450');
    const m: Iso8583Message = { mti: '0110', fields: new Map([[39, '00'], [54, '0002360C000000987450']]) };
    expect(encodeIso8583(spec, m).toString('ascii')).toBe(wire.toString('ascii'));
    expect(decodeIso8583(spec, wire)).toEqual(m);
  });

  it('refuses a DE54 longer than 120', () => {
    expect(() => encodeIso8583(spec, { mti: '0110', fields: new Map([[54, 'x'.repeat(121)]]) })).toThrow();
  });
});
