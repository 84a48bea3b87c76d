import { Iso8583FormatError } from './iso8583-errors';
import type { FieldSpec, FieldType, Iso8583Spec } from './iso8583-spec';

/**
 * ISO 8583:1987 encoder and decoder, driven by a field specification (iso8583-spec.ts). A message
 * is its MTI (4 ASCII digits), the primary bitmap, the secondary bitmap when any element above 64
 * is present (DE1's bit, set by the encoder), then the elements in number order, each as its spec
 * says. Bitmaps are 16 ASCII hex characters each by default (the spec's bitmapEncoding; 'binary'
 * sends 8 bytes). LLVAR/LLLVAR prefixes are 2/3 ASCII digits counting characters, or bytes for b
 * elements. Input is the message without its 2-byte length prefix (see iso8583-framer.ts).
 *
 * decodeIso8583 throws only Iso8583FormatError, whatever the bytes. encodeIso8583 throws the same
 * error for a message its spec does not allow (an unknown MTI, an undefined element, a value of
 * the wrong characters or length): values are encoded as given, never padded or cut.
 */

/** A character element (n, an, ans, z) is a string; a b element is bytes. */
export type FieldValue = string | Uint8Array;

export interface Iso8583Message {
  mti: string;
  /** Data elements by number, DE2 to DE128; never DE1 (the secondary bitmap is the codec's). */
  fields: Map<number, FieldValue>;
}

const CHARACTERS: Record<Exclude<FieldType, 'b'>, RegExp> = {
  n: /^[0-9]*$/,
  an: /^[A-Za-z0-9 ]*$/,
  ans: /^[\x20-\x7e]*$/,
  z: /^[0-9=D]*$/,
};
const CHARACTERS_NAME: Record<Exclude<FieldType, 'b'>, string> = {
  n: 'digits',
  an: 'letters, digits and spaces',
  ans: 'printable ASCII',
  z: "digits, '=' and 'D'",
};
const HEX = /^[0-9A-Fa-f]*$/;
const MTI = /^\d{4}$/;

/** The response to a request (function digit 0) or an advice (2): 0100 → 0110, 0420 → 0430; null for anything else. */
export function responseMtiOf(mti: string): string | null {
  if (!MTI.test(mti)) return null;
  const fn = mti[2];
  if (fn !== '0' && fn !== '2') return null;
  return `${mti.slice(0, 2)}${Number(fn) + 1}${mti[3]}`;
}

export function encodeIso8583(spec: Iso8583Spec, message: Iso8583Message): Buffer {
  const { mti } = message;
  if (!MTI.test(mti)) throw new Iso8583FormatError('bad_mti', null, null, 0, `MTI ${JSON.stringify(mti)} is not 4 digits`);
  if (!spec.messageTypes.has(mti)) throw new Iso8583FormatError('unknown_mti', null, mti, 0, `MTI ${mti} is not a message type of spec ${spec.name}`);
  const numbers = [...message.fields.keys()].sort((a, b) => a - b);
  const bitmap = Buffer.alloc(16);
  for (const number of numbers) {
    if (!Number.isInteger(number) || number < 2 || number > 128) {
      throw new Iso8583FormatError('bad_value', number, mti, 0, 'data elements are numbered 2 to 128 (DE1, the secondary bitmap, is set by the encoder)');
    }
    if (!spec.fields.has(number)) throw new Iso8583FormatError('undefined_field', number, mti, 0, `DE${number} is not defined by spec ${spec.name}`);
    setBit(bitmap, number);
  }
  // A spec defining an element above 64 always defines DE1 (iso8583-spec.ts checks it).
  const secondary = numbers.some((number) => number > 64);
  if (secondary) setBit(bitmap, 1);
  const parts: Buffer[] = [Buffer.from(mti, 'ascii'), encodeBytes(bitmap.subarray(0, 8), spec.bitmapEncoding)];
  if (secondary) parts.push(encodeBytes(bitmap.subarray(8, 16), spec.bitmapEncoding));
  let offset = parts.reduce((total, part) => total + part.length, 0);
  for (const number of numbers) {
    const part = encodeField(spec.fields.get(number)!, message.fields.get(number)!, (detail) => {
      throw new Iso8583FormatError('bad_value', number, mti, offset, detail);
    });
    parts.push(part);
    offset += part.length;
  }
  return Buffer.concat(parts);
}

function setBit(bitmap: Buffer, number: number): void {
  const bit = number - 1;
  bitmap[bit >> 3]! |= 0x80 >> (bit & 7);
}

function encodeBytes(bytes: Uint8Array, encoding: 'ascii-hex' | 'binary'): Buffer {
  return encoding === 'binary' ? Buffer.from(bytes) : Buffer.from(Buffer.from(bytes).toString('hex').toUpperCase(), 'ascii');
}

function encodeField(field: FieldSpec, value: FieldValue, refuse: (detail: string) => never): Buffer {
  let body: Buffer;
  let length: number;
  if (field.type === 'b') {
    if (!(value instanceof Uint8Array)) return refuse('a b element is bytes (a Uint8Array)');
    body = encodeBytes(value, field.encoding);
    length = value.length;
  } else {
    if (typeof value !== 'string') return refuse(`a ${field.type} element is a string`);
    if (!CHARACTERS[field.type].test(value)) return refuse(`a ${field.type} element holds only ${CHARACTERS_NAME[field.type]}`);
    body = Buffer.from(value, 'ascii');
    length = value.length;
  }
  const unit = field.type === 'b' ? 'bytes' : 'characters';
  if (field.length === 'fixed') {
    if (length !== field.size) refuse(`is ${length} ${unit}, the spec fixes ${field.size}`);
    return body;
  }
  if (length > field.max) refuse(`is ${length} ${unit}, the spec allows at most ${field.max}`);
  const prefix = String(length).padStart(field.length === 'LLVAR' ? 2 : 3, '0');
  return Buffer.concat([Buffer.from(prefix, 'ascii'), body]);
}

/** Decodes one message (without its length prefix). */
export function decodeIso8583(spec: Iso8583Spec, frame: Uint8Array): Iso8583Message {
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  let offset = 0;
  let mti: string | null = null;
  const fail = (reason: Iso8583FormatError['reason'], field: number | null, detail: string): never => {
    throw new Iso8583FormatError(reason, field, mti, offset, detail);
  };
  /** The next `count` bytes, or a truncation error naming what was being read. */
  const take = (count: number, field: number | null, what: string): Buffer => {
    if (offset + count > bytes.length) fail('truncated', field, `the message ends inside ${what} (${count} bytes needed at offset ${offset}, ${bytes.length - offset} left)`);
    const part = bytes.subarray(offset, offset + count);
    offset += count;
    return part;
  };

  if (bytes.length < 4) fail('truncated', null, `the message ends inside the MTI (${bytes.length} bytes)`);
  const mtiText = bytes.toString('latin1', 0, 4);
  if (!MTI.test(mtiText)) fail('bad_mti', null, `MTI ${JSON.stringify(mtiText)} is not 4 digits`);
  mti = mtiText;
  if (!spec.messageTypes.has(mtiText)) fail('unknown_mti', null, `MTI ${mtiText} is not a message type of spec ${spec.name}`);
  offset = 4;

  const readBitmap = (field: number | null, what: string): Buffer => {
    if (spec.bitmapEncoding === 'binary') return take(8, field, what);
    const start = offset;
    const text = take(16, field, what).toString('latin1');
    if (!HEX.test(text)) {
      offset = start;
      fail('bad_bitmap', field, `${what} ${JSON.stringify(text)} is not 16 hex characters`);
    }
    return Buffer.from(text, 'hex');
  };
  const primary = readBitmap(null, 'the primary bitmap');
  const hasSecondary = (primary[0]! & 0x80) !== 0;
  if (hasSecondary && !spec.fields.has(1)) fail('undefined_field', 1, `the secondary bitmap is announced but spec ${spec.name} does not define DE1`);
  const bitmap = hasSecondary ? Buffer.concat([primary, readBitmap(1, 'the secondary bitmap')]) : primary;

  const fields = new Map<number, FieldValue>();
  for (let number = 2; number <= bitmap.length * 8; number++) {
    const bit = number - 1;
    if ((bitmap[bit >> 3]! & (0x80 >> (bit & 7))) === 0) continue;
    const field = spec.fields.get(number);
    if (!field) fail('undefined_field', number, `bit ${number} is set but spec ${spec.name} does not define DE${number}`);
    fields.set(number, decodeField(field!));
  }
  if (offset !== bytes.length) fail('trailing_bytes', null, `${bytes.length - offset} bytes after the last data element`);
  return { mti: mtiText, fields };

  function decodeField(field: FieldSpec): FieldValue {
    const number = field.number;
    let length: number;
    if (field.length === 'fixed') {
      length = field.size;
    } else {
      const digits = field.length === 'LLVAR' ? 2 : 3;
      const start = offset;
      const prefix = take(digits, number, 'a length prefix').toString('latin1');
      if (!/^\d+$/.test(prefix)) {
        offset = start;
        fail('bad_length_prefix', number, `length prefix ${JSON.stringify(prefix)} is not ${digits} digits`);
      }
      length = Number(prefix);
      if (length > field.max) {
        offset = start;
        fail('length_above_maximum', number, `length ${length} is above the maximum of ${field.max}`);
      }
      const wireLength = field.type === 'b' && field.encoding === 'ascii-hex' ? length * 2 : length;
      if (offset + wireLength > bytes.length) {
        fail('length_beyond_frame', number, `length ${length} runs past the end of the message (${bytes.length - offset} bytes left)`);
      }
    }
    const start = offset;
    if (field.type === 'b') {
      if (field.encoding === 'binary') return Buffer.from(take(length, number, `DE${number}`));
      const text = take(length * 2, number, `DE${number}`).toString('latin1');
      if (!HEX.test(text)) {
        offset = start;
        fail('bad_characters', number, `a b element sent as ASCII hex holds only hex characters`);
      }
      return Buffer.from(text, 'hex');
    }
    const text = take(length, number, `DE${number}`).toString('latin1');
    if (!CHARACTERS[field.type].test(text)) {
      // The position and code of the first bad character only: the value may be a PAN, never logged.
      const position = [...text].findIndex((character) => !CHARACTERS[field.type].test(character));
      offset = start + position;
      fail('bad_characters', number, `a ${field.type} element holds only ${CHARACTERS_NAME[field.type]} (byte 0x${text.charCodeAt(position).toString(16).padStart(2, '0')} at position ${position})`);
    }
    return text;
  }
}
