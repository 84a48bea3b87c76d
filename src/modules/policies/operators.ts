import { categoryMatches } from '../controls/mcc-groups';

/**
 * The operators a rule may use and the one path syntax, shared by both evaluators. The built-in
 * ones restate json-rules-engine's defaults (callback and fact-value validator, as in its
 * engine-default-operators.js); the differential property test holds the compiled evaluator to the
 * engine's own. Operator decorators (`not:`, `someFact:`, …) are not offered.
 */

export interface OperatorDef {
  /** Both evaluators call exactly this: validator first, then the callback. */
  cb: (factValue: any, jsonValue: any) => boolean;
  validator?: (factValue: unknown) => boolean;
  /** What rule validation requires: the fact's type, the value's shape. */
  factKind: 'scalar' | 'number' | 'array' | 'mcc' | 'country';
  valueKind: 'same' | 'list' | 'element' | 'number' | 'categories' | 'countries';
}

/**
 * json-rules-engine's `Number.parseFloat(v).toString() !== 'NaN'`, with the same answers: a number
 * (what facts hold) is checked as it is, without parseFloat turning it into text and back; anything
 * else is parsed.
 */
const numberValidator = (factValue: unknown) =>
  typeof factValue === 'number' ? !Number.isNaN(factValue) : !Number.isNaN(Number.parseFloat(factValue as string));
const isString = (v: unknown) => typeof v === 'string';

export const OPERATORS: Record<string, OperatorDef> = {
  equal: { cb: (a, b) => a === b, factKind: 'scalar', valueKind: 'same' },
  notEqual: { cb: (a, b) => a !== b, factKind: 'scalar', valueKind: 'same' },
  in: { cb: (a, b) => b.indexOf(a) > -1, factKind: 'scalar', valueKind: 'list' },
  notIn: { cb: (a, b) => b.indexOf(a) === -1, factKind: 'scalar', valueKind: 'list' },
  contains: { cb: (a, b) => a.indexOf(b) > -1, validator: Array.isArray, factKind: 'array', valueKind: 'element' },
  doesNotContain: { cb: (a, b) => a.indexOf(b) === -1, validator: Array.isArray, factKind: 'array', valueKind: 'element' },
  lessThan: { cb: (a, b) => a < b, validator: numberValidator, factKind: 'number', valueKind: 'number' },
  lessThanInclusive: { cb: (a, b) => a <= b, validator: numberValidator, factKind: 'number', valueKind: 'number' },
  greaterThan: { cb: (a, b) => a > b, validator: numberValidator, factKind: 'number', valueKind: 'number' },
  greaterThanInclusive: { cb: (a, b) => a >= b, validator: numberValidator, factKind: 'number', valueKind: 'number' },
  /** The MCC is one of the categories (4-digit MCCs or group names of rules/mcc-groups.json). */
  inMccGroup: { cb: (a: string, b: string[]) => b.some((c) => categoryMatches(c, a)), validator: isString, factKind: 'mcc', valueKind: 'categories' },
  notInMccGroup: { cb: (a: string, b: string[]) => !b.some((c) => categoryMatches(c, a)), validator: isString, factKind: 'mcc', valueKind: 'categories' },
  /** The country is one of the listed ISO 3166-1 alpha-2 codes. */
  inCountries: { cb: (a: string, b: string[]) => b.indexOf(a) > -1, validator: isString, factKind: 'country', valueKind: 'countries' },
};

/** The json-rules-engine built-ins; the rest are registered on every reference Engine. */
export const BUILT_IN_OPERATORS = new Set(['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);
export const CUSTOM_OPERATORS = Object.keys(OPERATORS).filter((name) => !BUILT_IN_OPERATORS.has(name));

export function applyOperator(op: OperatorDef, factValue: unknown, jsonValue: unknown): boolean {
  return (op.validator ? op.validator(factValue) : true) && op.cb(factValue, jsonValue);
}

const DOLLAR_PATH = /^\$(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const DOTTED_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * A condition `path` is plain property access only: `$.a.b` or `a.b`. Anything else (JSONPath
 * filters, wildcards, recursive descent, script expressions, indexes) is refused — undefined here.
 */
export function parsePath(path: string): string[] | undefined {
  if (path.length > 200) return undefined;
  if (DOLLAR_PATH.test(path)) return path.slice(2).split('.');
  if (DOTTED_PATH.test(path)) return path.split('.');
  return undefined;
}

/** Own properties only (never the prototype chain); a missing step is undefined. */
export function resolvePath(value: unknown, segments: readonly string[]): unknown {
  let v = value;
  for (const segment of segments) {
    if (v !== null && typeof v === 'object' && Object.hasOwn(v, segment)) v = (v as Record<string, unknown>)[segment];
    else return undefined;
  }
  return v;
}

/** json-rules-engine's pathResolver option, replacing its JSONPath default. */
export function pathResolver(value: object, path: string): unknown {
  const segments = parsePath(path);
  return segments ? resolvePath(value, segments) : undefined;
}
