import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * An ISO 8583 field specification, kept as data (rules/iso8583/<name>.json): the message types a
 * network sends and each data element's type, length kind, length and encoding. A network's
 * variant is a new spec file, not new code. A file is read and validated when loaded; a missing
 * or malformed one throws an Iso8583SpecError naming the file and every problem, so a bad spec
 * stops startup instead of the first message.
 */

const FIELD_TYPES = ['n', 'an', 'ans', 'z', 'b'] as const;
/** n: digits; an: letters, digits and space; ans: printable ASCII; z: track 2 (digits, '=' and 'D'); b: bytes. */
export type FieldType = (typeof FIELD_TYPES)[number];

/** Largest length each variable kind's prefix can carry. */
const VARIABLE_LENGTH_LIMIT = { LLVAR: 99, LLLVAR: 999 } as const;

const fieldName = z.string().min(1);
const fieldNumber = z.int().min(1).max(128);
const characterEncoding = z.literal('ascii');
/** b fields: 'ascii-hex' sends each byte as two ASCII hex characters, 'binary' as the byte itself. */
const binaryEncoding = z.enum(['ascii-hex', 'binary']);

const characterField = z.strictObject({
  number: fieldNumber,
  name: fieldName,
  type: z.enum(['n', 'an', 'ans', 'z']),
  encoding: characterEncoding,
});
const binaryField = z.strictObject({
  number: fieldNumber,
  name: fieldName,
  type: z.literal('b'),
  encoding: binaryEncoding,
});
const fixedLength = z.strictObject({ length: z.literal('fixed'), size: z.int().min(1).max(999) });
const llvarLength = z.strictObject({ length: z.literal('LLVAR'), max: z.int().min(1).max(VARIABLE_LENGTH_LIMIT.LLVAR) });
const lllvarLength = z.strictObject({ length: z.literal('LLLVAR'), max: z.int().min(1).max(VARIABLE_LENGTH_LIMIT.LLLVAR) });

/** One element: its kind and its length are two halves checked together (strict: no unknown keys). */
const fieldSpec = z.unknown().transform((raw, ctx) => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    ctx.addIssue({ code: 'custom', message: 'a field is an object' });
    return z.NEVER;
  }
  const { length, size, max, ...kind } = raw as Record<string, unknown>;
  if (!FIELD_TYPES.includes(kind.type as FieldType)) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: `the type is one of ${FIELD_TYPES.join(', ')}` });
    return z.NEVER;
  }
  const lengthPart = { length, ...(size !== undefined && { size }), ...(max !== undefined && { max }) };
  const kindResult = (kind.type === 'b' ? binaryField : characterField).safeParse(kind);
  const lengthResult = z.discriminatedUnion('length', [fixedLength, llvarLength, lllvarLength]).safeParse(lengthPart);
  for (const result of [kindResult, lengthResult]) {
    if (!result.success) for (const issue of result.error.issues) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
  if (!kindResult.success || !lengthResult.success) return z.NEVER;
  return { ...kindResult.data, ...lengthResult.data } as FieldSpec;
});

const specFile = z
  .strictObject({
    version: z.literal(1),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a spec name is lowercase letters, digits and dashes'),
    about: z.string().optional(),
    /** 'ascii-hex': each bitmap is 16 ASCII hex characters; 'binary': 8 bytes. */
    bitmapEncoding: binaryEncoding,
    messageTypes: z.array(z.string().regex(/^\d{4}$/, 'an MTI is 4 digits')).min(1),
    fields: z.array(fieldSpec).min(1),
  })
  .superRefine((spec, ctx) => {
    const seen = new Set<number>();
    spec.fields.forEach((field, i) => {
      if (seen.has(field.number)) ctx.addIssue({ code: 'custom', path: ['fields', i, 'number'], message: `DE${field.number} is defined twice` });
      seen.add(field.number);
    });
    const duplicateMti = spec.messageTypes.find((mti, i) => spec.messageTypes.indexOf(mti) !== i);
    if (duplicateMti) ctx.addIssue({ code: 'custom', path: ['messageTypes'], message: `${duplicateMti} is listed twice` });
    const secondary = spec.fields.findIndex((field) => field.number === 1);
    if (secondary >= 0) {
      const field = spec.fields[secondary]!;
      if (field.type !== 'b' || field.length !== 'fixed' || field.size !== 8 || field.encoding !== spec.bitmapEncoding) {
        ctx.addIssue({ code: 'custom', path: ['fields', secondary], message: `DE1 is the secondary bitmap: type b, fixed, size 8, encoding ${spec.bitmapEncoding} (the bitmapEncoding)` });
      }
    } else {
      const high = spec.fields.findIndex((field) => field.number > 64);
      if (high >= 0) ctx.addIssue({ code: 'custom', path: ['fields', high], message: `DE${spec.fields[high]!.number} needs DE1, the secondary bitmap` });
    }
  });

export type FieldSpec = { number: number; name: string } & (
  | { type: Exclude<FieldType, 'b'>; encoding: 'ascii' }
  | { type: 'b'; encoding: 'ascii-hex' | 'binary' }
) &
  ({ length: 'fixed'; size: number } | { length: 'LLVAR' | 'LLLVAR'; max: number });

export interface Iso8583Spec {
  readonly name: string;
  readonly bitmapEncoding: 'ascii-hex' | 'binary';
  readonly messageTypes: ReadonlySet<string>;
  /** Data elements by number, DE1 (the secondary bitmap) included when the spec has one. */
  readonly fields: ReadonlyMap<number, FieldSpec>;
}

export class Iso8583SpecError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
  ) {
    super(`ISO 8583 spec ${source} is invalid:\n  ${problems.join('\n  ')}`);
    this.name = 'Iso8583SpecError';
  }
}

/** Validates a parsed spec file; `source` names it in errors. */
export function parseIso8583Spec(raw: unknown, source: string): Iso8583Spec {
  const result = specFile.safeParse(raw);
  if (!result.success) {
    throw new Iso8583SpecError(
      source,
      result.error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(file)'}: ${issue.message}`),
    );
  }
  const spec = result.data;
  return {
    name: spec.name,
    bitmapEncoding: spec.bitmapEncoding,
    messageTypes: new Set(spec.messageTypes),
    fields: new Map([...spec.fields].sort((a, b) => a.number - b.number).map((field) => [field.number, field])),
  };
}

/** Reads and validates a spec file. */
export function loadIso8583Spec(file: string): Iso8583Spec {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Iso8583SpecError(file, [(err as Error).message]);
  }
  return parseIso8583Spec(raw, file);
}

/** rules/iso8583/<name>.json, found walking up from this directory to the repository root. */
export function findIso8583SpecFile(name: string, startDir: string = __dirname): string {
  const relative = path.join('rules', 'iso8583', `${name}.json`);
  let dir = path.resolve(startDir);
  for (;;) {
    const candidate = path.join(dir, relative);
    if (fs.existsSync(candidate)) return candidate;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Iso8583SpecError(relative, [`not found in ${startDir} or any directory above it`]);
    dir = parent;
  }
}
