import fc from 'fast-check';

/**
 * Generators of bad request bodies for the HTTP fuzz suite (test/fuzz/http-fuzz.test.ts): a valid
 * body of a route, mutated — a value replaced by one of the wrong type, out of range, huge, deeply
 * nested or not storable; a field dropped or an unknown one added; a key repeated; the text cut
 * short, a byte flipped, not JSON at all; the wrong Content-Type. Each case says what it did, so a
 * failure reads as a sentence before it is replayed from its seed.
 */

/** One body to send: the bytes exactly, the Content-Type header (none when undefined), and what was done. */
export interface FuzzBody {
  raw: Buffer;
  contentType: string | undefined;
  what: string;
}

/** JSON text spliced in as it is (numbers JSON.stringify cannot write, deep nesting, bad escapes). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** An object written with these entries in order, repeated keys and all. */
export class Entries {
  constructor(readonly entries: Array<[string, unknown]>) {}
}

type Path = Array<string | number>;

/** JSON.stringify, with RawJson spliced in and Entries written as given. */
export function writeJson(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (value instanceof Entries) return `{${value.entries.map(([k, v]) => `${JSON.stringify(k)}:${writeJson(v)}`).join(',')}}`;
  if (Array.isArray(value)) return `[${value.map(writeJson).join(',')}]`;
  if (value !== null && typeof value === 'object') return writeJson(new Entries(Object.entries(value)));
  return JSON.stringify(value) ?? 'null';
}

/** Every path into the body's objects and arrays (the body itself is []). */
function pathsOf(value: unknown, at: Path = [], out: Path[] = []): Path[] {
  out.push(at);
  if (Array.isArray(value)) value.forEach((v, i) => pathsOf(v, [...at, i], out));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) pathsOf(v, [...at, k], out);
  return out;
}

/** A copy of `body` with the value at `path` replaced (`undefined` deletes it). */
function replaceAt(body: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(body)) {
    const copy = [...body];
    if (value === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = replaceAt(copy[head as number], rest, value);
    return copy;
  }
  const copy = { ...(body as Record<string, unknown>) };
  if (value === undefined && rest.length === 0) delete copy[head as string];
  else copy[head as string] = replaceAt(copy[head as string], rest, value);
  return copy;
}

const label = (path: Path) => (path.length ? path.join('.') : 'body');

const deepArrays = (n: number) => new RawJson('['.repeat(n) + ']'.repeat(n));
const deepObjects = (n: number) => new RawJson('{"a":'.repeat(n) + '0' + '}'.repeat(n));

/** Values no field should take as they are: each wrong for most fields, some wrong for all. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  // Wrong types and edge values
  fc.constantFrom<unknown>(null, true, false, 0, -1, '', ' ', [], {}, [null], { '': '' }, '0', 'true', 'null', '[]', '{}'),
  // Numbers at and past the edges (written as text: JSON.stringify would turn some into null)
  fc.constantFrom(
    ...['1e309', '-1e309', '-0', '0.0', '1e-400', '9223372036854775808', '9223372036854775807', '-9223372036854775809', '18446744073709551616', '9007199254740993', '1e15', '1e16', '123456789012345678901234567890', '0.1', '1.5e3', '-1', '4294967296', '2.5', '1E2'].map(
      (t) => new RawJson(t),
    ),
  ),
  fc.double().map((d) => new RawJson(Number.isFinite(d) ? String(d) : '1e999')),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((b) => new RawJson(String(b))),
  // Strings: unstorable, odd, long, look-alikes
  fc.constantFrom(
    'a\u0000b',
    '\u0000',
    '\ud800',
    'x\udfffy',
    '\ud83d\ude00',
    '\u202e\u200b',
    '0000-01-01',
    '2026-02-30',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59+99:99',
    'IDR',
    'idr',
    'ACTIVE',
    '4000000000000002',
    '../../etc/passwd',
    "'; DROP TABLE cards; --",
    '%00',
    '${jndi:x}',
    '__proto__',
    'NaN',
    'Infinity',
    '1e309',
    '00000000-0000-0000-0000-000000000000',
    'not-a-uuid',
  ),
  fc.constantFrom(new RawJson('"\\u0000"'), new RawJson('"\\ud800"'), new RawJson('"\\udc00\\ud800"'), new RawJson('"\\uZZZZ"'), new RawJson('"\\x41"')),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 5_000 }).map((n) => 'é'.repeat(n)),
  // Containers: nesting around the limit and far past it, long arrays, prototype keys
  fc.integer({ min: 1, max: 70 }).map(deepArrays),
  fc.integer({ min: 1, max: 70 }).map(deepObjects),
  fc.constantFrom(deepArrays(50_000), deepObjects(50_000), deepArrays(250_000)),
  fc.integer({ min: 100, max: 60_000 }).map((n) => new RawJson(`[${Array(n).fill('0').join(',')}]`)),
  fc.constantFrom(new RawJson('{"__proto__":{"polluted":1}}'), new RawJson('{"constructor":{"prototype":{"x":1}}}'), new Entries([['a', 1], ['a', 2]])),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 4 }),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 4 }),
);

/** Keys a schema does not know, some of them odd. */
const unknownKey = fc.oneof(
  fc.constantFrom('extra', '', '__proto__', 'constructor', 'prototype', 'toString', 'a\u0000b', '\ud800', 'x'.repeat(10_000), 'ID', 'Id', ' id'),
  fc.string({ minLength: 1, maxLength: 12 }),
);

/** Text that is not (quite) JSON. */
const notJson = fc.constantFrom(
  '{',
  '}',
  '[',
  '{"a":}',
  '{"a":1,}',
  "{'a':1}",
  '{a:1}',
  '{"a":1}{"b":2}',
  '{"a":1} trailing',
  '/* c */{}',
  'NaN',
  '\ufeff{}',
  '\u0000',
  'null',
  'true',
  '"just a string"',
  '12',
  '[]',
  '[1,2,3]',
  ' ',
  '\n\t',
  '{"a":"\\u00"}',
  '{"a":"unterminated}',
  '{"a" 1}',
  '{"a":01}',
  '{"a":.5}',
  '{"a":1e}',
  '{"a":-}',
  '{"a":+1}',
  '{"a":0x10}',
  '{"a":undefined}',
  'a=1&b=2',
  '<xml/>',
  '\u00ff\u00fe',
);

const contentTypes = fc.constantFrom<string | undefined>(
  undefined,
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/jsonx',
  'application/json-patch+json',
  'application/octet-stream',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'APPLICATION/JSON',
  'application/json;',
  'application/json; boundary=',
  '',
  '*/*',
);

const json = (text: string): Buffer => Buffer.from(text, 'utf8');
const APPLICATION_JSON = 'application/json';

/** A FuzzBody that fast-check prints as what was done (not as its bytes, up to a megabyte of them). */
export function fuzzBody(raw: Buffer, contentType: string | undefined, what: string): FuzzBody {
  return Object.assign({ raw, contentType, what }, { [fc.toStringMethod]: () => `${what} (${raw.length} bytes, Content-Type ${contentType ?? 'none'})` });
}

/**
 * Mutations of one valid body. The structural ones pick paths by index into the body's paths, so
 * fast-check shrinks them towards the body's first fields.
 */
export function mutatedBody(valid: unknown): fc.Arbitrary<FuzzBody> {
  const paths = pathsOf(valid);
  const fields = paths.filter((p) => p.length > 0);
  const containers = paths.filter((p) => {
    const v = p.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], valid);
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  });
  const pick = <T>(list: T[]) => fc.nat({ max: Math.max(0, list.length - 1) }).map((i) => list[i]!);
  const asIs = (body: unknown, what: string): FuzzBody => fuzzBody(json(writeJson(body)), APPLICATION_JSON, what);

  const empty = fc.constantFrom(fuzzBody(Buffer.alloc(0), APPLICATION_JSON, 'empty body'), fuzzBody(Buffer.alloc(0), undefined, 'no body'));
  const replaced = fc.array(fc.tuple(pick(fields.length ? fields : [[]]), nastyValue), { minLength: 1, maxLength: 3 }).map((changes) => {
    let body = valid;
    for (const [path, value] of changes) body = replaceAt(body, path, value);
    return asIs(body, `replaced ${changes.map(([p, v]) => `${label(p)} with ${describe(v)}`).join(', ')}`);
  });
  const dropped = !fields.length ? empty : fc.subarray(fields, { minLength: Math.min(1, fields.length), maxLength: Math.min(4, fields.length) }).map((gone) => {
    let body = valid;
    // Deepest first, so an index removed from an array does not move the next one.
    for (const path of [...gone].sort((a, b) => b.length - a.length)) body = replaceAt(body, path, undefined);
    return asIs(body, `dropped ${gone.map(label).join(', ')}`);
  });
  const added = fc.tuple(pick(containers.length ? containers : [[]]), unknownKey, nastyValue).map(([path, key, value]) => {
    const at = path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], valid) as Record<string, unknown>;
    return asIs(replaceAt(valid, path, new Entries([...Object.entries(at ?? {}), [key, value]])), `added ${label([...path, key.slice(0, 20)])} = ${describe(value)}`);
  });
  const duplicated = fc.tuple(pick(fields.filter((p) => p.length === 1).concat(fields.length ? [] : [['id']])), nastyValue).map(([path, value]) => {
    const top = (valid ?? {}) as Record<string, unknown>;
    const key = String(path[0]);
    return asIs(new Entries([...Object.entries(top), [key, value]]), `repeated key ${key} with ${describe(value)}`);
  });
  const text = writeJson(valid);
  const truncated = fc.nat({ max: Math.max(0, text.length - 1) }).map((n) => fuzzBody(json(text.slice(0, n)), APPLICATION_JSON, `cut to ${n} of ${text.length} characters`));
  const flipped = fc.tuple(fc.nat({ max: Math.max(0, text.length - 1) }), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => {
    const raw = json(text);
    raw[at % raw.length] = byte;
    return fuzzBody(raw, APPLICATION_JSON, `byte ${at} set to 0x${byte.toString(16)}`);
  });
  const malformed = notJson.map((t) => fuzzBody(json(t), APPLICATION_JSON, `sent ${JSON.stringify(t)}`));
  const wrapped = fc.constantFrom('array', 'string', 'number').map((how) => {
    const raw = how === 'array' ? `[${text}]` : how === 'string' ? JSON.stringify(text) : '42';
    return fuzzBody(json(raw), APPLICATION_JSON, `body as a ${how}`);
  });
  const retyped = contentTypes.map((contentType) => fuzzBody(json(text), contentType, `valid body with Content-Type ${contentType ?? '(none)'}`));
  const oversized = fc.integer({ min: 1024 * 1024 - 64, max: 1024 * 1024 + 4096 }).map((n) => {
    const raw = json(`{"pad":"${'x'.repeat(n)}"}`);
    return fuzzBody(raw, APPLICATION_JSON, `a ${raw.length}-byte body`);
  });
  const invalidUtf8 = fc.constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from('{"a":"\xc3"}', 'latin1'), Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])).map((raw) => fuzzBody(raw, APPLICATION_JSON, `invalid UTF-8 ${raw.toString('hex')}`));

  return fc.oneof(
    { arbitrary: replaced, weight: 8 },
    { arbitrary: dropped, weight: 2 },
    { arbitrary: added, weight: 3 },
    { arbitrary: duplicated, weight: 1 },
    { arbitrary: truncated, weight: 2 },
    { arbitrary: flipped, weight: 2 },
    { arbitrary: malformed, weight: 2 },
    { arbitrary: wrapped, weight: 1 },
    { arbitrary: retyped, weight: 1 },
    { arbitrary: oversized, weight: 1 },
    { arbitrary: invalidUtf8, weight: 1 },
    { arbitrary: empty, weight: 1 },
  );
}

/** A short account of a value for a failure message. */
function describe(v: unknown): string {
  const text = v instanceof RawJson ? v.text : v instanceof Entries ? writeJson(v) : (JSON.stringify(v) ?? String(v));
  return text.length > 60 ? `${text.slice(0, 40)}… (${text.length} chars)` : text;
}

/** Path segments a route's id may be replaced with (the route's own id most of the time). */
export const nastyPathSegment = fc.constantFrom(
  'not-a-uuid',
  '00000000-0000-0000-0000-000000000000',
  '%00',
  '%FF',
  '%E0%A4%A',
  "'",
  'x'.repeat(2000),
  '..',
  '%2e%2e',
  '123',
  '-1',
  'null',
  '%7B%7D',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
);

/** Query strings for list routes: repeated, out of range, wrong types, encoded oddities. */
export const nastyQuery = fc.constantFrom(
  '',
  '?pageSize=0',
  '?pageSize=-1',
  '?pageSize=1e309',
  '?pageSize=9223372036854775808',
  '?pageSize=abc',
  '?pageSize=1&pageSize=2',
  '?pageNumber=1e5',
  '?pageNumber=99999999999999999999',
  '?status=%00',
  '?status=ACTIVE&status=FROZEN',
  '?cardholderId=not-a-uuid',
  '?cardholderId[]=x',
  '?cardholderId[a]=b',
  '?unknown=1',
  '?%ZZ=1',
  '?a=%E0%A4%A',
  `?email=${'x'.repeat(3000)}`,
  '?__proto__[x]=1',
  '?type=VIRTUAL&type[x]=1',
);

/** The seed and run count of this fuzz run: KARTU_FUZZ_SEED / KARTU_FUZZ_RUNS, else a random seed and `defaultRuns`. */
export function fuzzSettings(defaultRuns: number): { seed: number; runs: number } {
  const seed = process.env.KARTU_FUZZ_SEED ? Number(process.env.KARTU_FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
  const runs = process.env.KARTU_FUZZ_RUNS ? Number(process.env.KARTU_FUZZ_RUNS) : defaultRuns;
  if (!Number.isInteger(seed) || !Number.isInteger(runs) || runs < 1) throw new Error('KARTU_FUZZ_SEED and KARTU_FUZZ_RUNS are integers (runs ≥ 1)');
  return { seed, runs };
}
