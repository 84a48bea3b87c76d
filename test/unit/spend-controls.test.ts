import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MCC_GROUP_NAMES } from '../../src/modules/controls/mcc-groups';
import {
  EMPTY_SPEND_CONTROLS,
  ISO_COUNTRY_CODES,
  MAX_LIST_ENTRIES,
  MAX_SPENDING_LIMITS,
  normaliseSpendControls,
  presentSpendControls,
  SPENDING_INTERVALS,
  spendControlsInput,
  toSpendControls,
  type SpendControls,
  type SpendControlsInput,
  type SpendControlsView,
} from '../../src/modules/controls/spend-controls';
import { InvalidFieldFormat, KartuError, MissingMandatoryField } from '../../src/platform/errors';
import { currencyExponent, formatSnapValue, parseSnapValue, SUPPORTED_CURRENCIES } from '../../src/platform/money';
import { parseInput } from '../../src/platform/validation';

/** Runs fn and returns the KartuError it throws. */
function caught(fn: () => unknown): KartuError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KartuError) return err;
    throw err;
  }
  throw new Error('expected a KartuError, nothing was thrown');
}

const parse = (input: unknown) => parseInput(spendControlsInput, input);
const parseError = (input: unknown) => caught(() => parse(input));
const idr = (value: string) => ({ value, currency: 'IDR' });
const daily = (value = '500000.00', extra: Record<string, unknown> = {}) => ({ amount: idr(value), interval: 'daily', ...extra });

function expectInvalid(input: unknown, field: string, message?: RegExp) {
  const err = parseError(input);
  expect(err).toBeInstanceOf(InvalidFieldFormat);
  expect((err as InvalidFieldFormat).field).toBe(field);
  expect(err.status).toBe(400);
  expect(err.caseCode).toBe('01');
  if (message) expect(err.message).toMatch(message);
}

function expectMissing(input: unknown, field: string) {
  const err = parseError(input);
  expect(err).toBeInstanceOf(MissingMandatoryField);
  expect((err as MissingMandatoryField).field).toBe(field);
  expect(err.caseCode).toBe('02');
}

describe('parseSnapValue', () => {
  it.each([
    ['10000.00', 'IDR', 1000000n],
    ['10000', 'IDR', 1000000n],
    ['10000.000', 'IDR', 1000000n],
    ['10000.5', 'IDR', 1000050n],
    ['1.050', 'KWD', 1050n],
    ['10.50', 'USD', 1050n],
    ['10.5', 'USD', 1050n],
    ['10', 'USD', 1000n],
    ['1.050', 'USD', 105n],
    ['0.01', 'USD', 1n],
    ['0.00', 'USD', 0n],
    ['-3', 'USD', -300n],
    ['-0.07', 'EUR', -7n],
    ['007.10', 'SGD', 710n],
    ['150', 'JPY', 150n],
    ['99999999999999999999.99', 'USD', 9999999999999999999999n],
  ])('%s %s → %s', (value, currency, minor) => {
    expect(parseSnapValue(value, currency)).toBe(minor);
  });

  it.each([
    ['10000.505', 'IDR', /more than 2 decimal places for IDR/],
    ['100.50', 'JPY', /more than 0 decimal places for JPY/],
    ['1.0005', 'KWD', /more than 3 decimal places for KWD/],
    ['10000.01', 'VND', /more than 0 decimal places/],
    ['1.005', 'USD', /more than 2 decimal places for USD/],
    ['1.0001', 'USD', /more than 2/],
    ['', 'USD', /not a decimal/],
    ['1.', 'USD', /not a decimal/],
    ['.5', 'USD', /not a decimal/],
    ['1e3', 'USD', /not a decimal/],
    [' 1', 'USD', /not a decimal/],
    ['1,000', 'USD', /not a decimal/],
    ['+1', 'USD', /not a decimal/],
    ['0x10', 'USD', /not a decimal/],
  ])('refuses %j %s', (value, currency, message) => {
    const err = caught(() => parseSnapValue(value, currency));
    expect(err).toBeInstanceOf(InvalidFieldFormat);
    expect((err as InvalidFieldFormat).field).toBe('amount.value');
    expect(err.message).toMatch(message);
  });

  it('names the given path, and the currency for an unsupported one', () => {
    expect((caught(() => parseSnapValue('1.001', 'USD', 'limits.0.amount')) as InvalidFieldFormat).field).toBe('limits.0.amount.value');
    for (const currency of ['XXX', 'usd', 'toString', '__proto__', '']) {
      expect((caught(() => parseSnapValue('1', currency)) as InvalidFieldFormat).field).toBe('amount.currency');
    }
  });

  it('round-trips formatSnapValue for any minor amount in every supported currency', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SUPPORTED_CURRENCIES), fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n }), fc.nat({ max: 4 }), (currency, minor, zeros) => {
        const value = formatSnapValue(minor, currency);
        expect(parseSnapValue(value, currency)).toBe(minor);
        expect(parseSnapValue(value + '0'.repeat(zeros), currency)).toBe(minor);
      }),
      { numRuns: 500 },
    );
  });

  it('formatSnapValue ∘ parseSnapValue normalises any valid value', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SUPPORTED_CURRENCIES), fc.bigInt({ min: 0n, max: 10n ** 20n }), (currency, minor) => {
        const exp = currencyExponent(currency);
        const plain = exp ? `${minor / 10n ** BigInt(exp)}.${(minor % 10n ** BigInt(exp)).toString().padStart(exp, '0')}` : `${minor}`;
        expect(formatSnapValue(parseSnapValue(plain, currency), currency)).toBe(formatSnapValue(minor, currency));
      }),
    );
  });
});

describe('spendControlsInput', () => {
  const valid = {
    spendingLimits: [daily('500000.00', { categories: ['restaurants'] }), { amount: idr('5000000'), interval: 'monthly' }],
    allowedCategories: ['5812', 'travel'],
    allowedCountries: ['ID'],
    blockedCountries: [],
    allowedMerchantIds: [],
  };

  it('accepts the API shape, each interval, and an empty object', () => {
    expect(parse(valid)).toEqual(valid);
    expect(parse({})).toEqual({});
    for (const interval of SPENDING_INTERVALS) expect(parse({ spendingLimits: [daily('1', { interval })] }).spendingLimits![0]!.interval).toBe(interval);
  });

  it('refuses a non-object', () => {
    expectInvalid([], 'body');
    expectInvalid('x', 'body');
  });

  it('refuses unknown fields, naming them', () => {
    expectInvalid({ ...valid, maxAmount: 1 }, 'maxAmount', /unknown field/);
    expectInvalid({ spendingLimits: [daily('1', { currency: 'IDR' })] }, 'spendingLimits.0.currency', /unknown field/);
    expectInvalid({ spendingLimits: [daily('1', { amount: { ...idr('1'), exponent: 0 } })] }, 'spendingLimits.0.amount.exponent', /unknown field/);
  });

  describe('spending limits', () => {
    it('names the field of a bad or missing interval', () => {
      expectInvalid({ spendingLimits: [daily(), daily('1', { interval: 'hourly' })] }, 'spendingLimits.1.interval');
      expectInvalid({ spendingLimits: [daily('1', { interval: 'DAILY' })] }, 'spendingLimits.0.interval');
      expectMissing({ spendingLimits: [{ amount: idr('1') }] }, 'spendingLimits.0.interval');
    });

    it('names the field of a missing or malformed amount', () => {
      expectMissing({ spendingLimits: [{ interval: 'daily' }] }, 'spendingLimits.0.amount');
      expectMissing({ spendingLimits: [daily('1', { amount: { currency: 'IDR' } })] }, 'spendingLimits.0.amount.value');
      expectMissing({ spendingLimits: [daily('1', { amount: { value: '1' } })] }, 'spendingLimits.0.amount.currency');
      expectInvalid({ spendingLimits: [daily('1', { amount: { value: 1000, currency: 'IDR' } })] }, 'spendingLimits.0.amount.value');
      expectInvalid({ spendingLimits: [daily('1', { amount: { value: '1', currency: 'XXX' } })] }, 'spendingLimits.0.amount.currency');
      expectInvalid({ spendingLimits: [daily('1', { amount: { value: '1', currency: 'idr' } })] }, 'spendingLimits.0.amount.currency');
    });

    it.each(['-1.00', '1e6', '01.00', '1.', '.5', '', ' 1', '1,000.00', '1 000', 'NaN', 'Infinity', '1000000000000000'])('refuses the value %j', (value) => {
      expectInvalid({ spendingLimits: [daily(value)] }, 'spendingLimits.0.amount.value');
    });

    it('refuses more decimals than the currency has, unless they are zeros', () => {
      expectInvalid({ spendingLimits: [daily('10000.505')] }, 'spendingLimits.0.amount.value', /IDR amounts have at most 2 decimal places/);
      expectInvalid({ spendingLimits: [daily('1', { amount: { value: '100.5', currency: 'JPY' } })] }, 'spendingLimits.0.amount.value', /JPY amounts have at most 0 decimal places/);
      expect(parse({ spendingLimits: [daily('10000.50')] })).toBeTruthy();
      expectInvalid({ spendingLimits: [daily('1', { amount: { value: '1.005', currency: 'USD' } })] }, 'spendingLimits.0.amount.value', /at most 2/);
      expect(parse({ spendingLimits: [daily('10000.000')] })).toBeTruthy();
      expect(parse({ spendingLimits: [daily('1', { amount: { value: '1.050', currency: 'USD' } })] })).toBeTruthy();
    });

    it('refuses a zero amount', () => {
      for (const value of ['0', '0.00', '0.000']) expectInvalid({ spendingLimits: [daily(value)] }, 'spendingLimits.0.amount.value', /greater than zero/);
    });

    it(`allows at most ${MAX_SPENDING_LIMITS}`, () => {
      expect(parse({ spendingLimits: Array.from({ length: MAX_SPENDING_LIMITS }, () => daily()) }).spendingLimits).toHaveLength(MAX_SPENDING_LIMITS);
      expectInvalid({ spendingLimits: Array.from({ length: MAX_SPENDING_LIMITS + 1 }, () => daily()) }, 'spendingLimits', /at most 20/);
    });

    it('checks limit categories like the lists', () => {
      expectInvalid({ spendingLimits: [daily('1', { categories: ['restaurants', 'bars'] })] }, 'spendingLimits.0.categories.1', /unknown category "bars"/);
      expectInvalid({ spendingLimits: [daily('1', { categories: ['5812', '5812'] })] }, 'spendingLimits.0.categories.1', /duplicate/);
      expectInvalid({ spendingLimits: [daily('1', { categories: [] })] }, 'spendingLimits.0.categories', /leave categories out/);
    });
  });

  describe('categories', () => {
    it('accepts 4-digit MCCs and group names', () => {
      expect(parse({ blockedCategories: ['0000', '9999', ...MCC_GROUP_NAMES] }).blockedCategories).toHaveLength(MCC_GROUP_NAMES.length + 2);
    });

    it.each(['581', '58120', 'Restaurants', 'bars', '', 'toString'])('refuses %j, naming it and its index', (c) => {
      expectInvalid({ allowedCategories: ['5812', c] }, 'allowedCategories.1', new RegExp(`unknown category "${c}"`));
    });

    it('refuses a non-string category', () => {
      expectInvalid({ blockedCategories: [5812] }, 'blockedCategories.0');
    });
  });

  describe('countries', () => {
    it('has the 249 assigned ISO 3166-1 alpha-2 codes', () => {
      expect(ISO_COUNTRY_CODES).toHaveLength(249);
      expect(new Set(ISO_COUNTRY_CODES).size).toBe(249);
      for (const c of ISO_COUNTRY_CODES) expect(c).toMatch(/^[A-Z]{2}$/);
      // Every code is one the ICU region database knows by name.
      const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
      for (const c of ISO_COUNTRY_CODES) expect(names.of(c), c).toBeTruthy();
    });

    it('accepts assigned codes', () => {
      expect(parse({ allowedCountries: ['ID', 'SG', 'GB', 'US', 'SS', 'CW', 'AX'] })).toBeTruthy();
    });

    it.each(['id', 'IDN', 'UK', 'EU', 'XK', 'ZZ', 'AA', 'QO', 'YU', '', '36'])('refuses %j', (c) => {
      expectInvalid({ blockedCountries: ['MY', c] }, 'blockedCountries.1', /ISO 3166-1 alpha-2/);
    });
  });

  describe('merchant ids', () => {
    it('accepts ordinary ids', () => {
      expect(parse({ allowedMerchantIds: ['M1', 'merchant 42', 'x'.repeat(64)] })).toBeTruthy();
    });

    it.each(['', ' M1', 'M1 ', 'M\n1', 'x'.repeat(65)])('refuses %j', (id) => {
      expectInvalid({ blockedMerchantIds: [id] }, 'blockedMerchantIds.0');
    });
  });

  describe('lists', () => {
    it.each([
      ['allowedCategories', ['5812', 'travel', '5812']],
      ['blockedCountries', ['ID', 'MY', 'ID']],
      ['allowedMerchantIds', ['M1', 'M2', 'M1']],
    ])('refuse duplicates in %s at the repeated index', (key, values) => {
      expectInvalid({ [key]: values }, `${key}.2`, /duplicate/);
    });

    it(`hold at most ${MAX_LIST_ENTRIES} entries`, () => {
      const ids = (n: number) => Array.from({ length: n }, (_, i) => `M${i}`);
      expect(parse({ blockedMerchantIds: ids(MAX_LIST_ENTRIES) }).blockedMerchantIds).toHaveLength(MAX_LIST_ENTRIES);
      expectInvalid({ blockedMerchantIds: ids(MAX_LIST_ENTRIES + 1) }, 'blockedMerchantIds', /at most 200/);
    });

    it('must be arrays', () => {
      expectInvalid({ allowedCountries: 'ID' }, 'allowedCountries');
      expectInvalid({ allowedCountries: null }, 'allowedCountries');
    });

    it.each([
      ['Countries', ['ID'], ['SG']],
      ['MerchantIds', ['M1'], ['M2']],
    ])('refuse non-empty allowed%s and blocked%s together, naming the allowed list', (kind, allowed, blocked) => {
      expectInvalid({ [`allowed${kind}`]: allowed, [`blocked${kind}`]: blocked }, `allowed${kind}`, new RegExp(`blocked${kind}`));
    });

    it('accept an allowed list beside an empty blocked list of the same kind (an empty list is no restriction)', () => {
      expect(parse({ allowedCountries: ['ID'], blockedCountries: [], allowedCategories: [], blockedCategories: ['gambling'] })).toBeTruthy();
    });

    it("accept API.md's example: categories nest, so allowed and blocked categories may both be given", () => {
      const example = {
        spendingLimits: [daily('500000.00', { categories: ['restaurants'] })],
        allowedCategories: ['5812', 'travel'],
        blockedCategories: ['gambling'],
        allowedCountries: ['ID'],
        blockedCountries: [],
        allowedMerchantIds: [],
      };
      expect(parse(example)).toEqual(example);
    });

    it('refuse a category that is both allowed and blocked, naming its place in the allowed list', () => {
      expectInvalid({ allowedCategories: ['travel', 'airlines'], blockedCategories: ['airlines'] }, 'allowedCategories.1', /blockedCategories/);
    });
  });

  it('carries an OpenAPI description and a valid example', () => {
    const meta = spendControlsInput.meta() as { description: string; example: unknown };
    expect(meta.description).toMatch(/rules\/mcc-groups\.json/);
    expect(parse(meta.example)).toEqual(meta.example);
    const registry = new OpenAPIRegistry();
    registry.registerPath({
      method: 'post',
      path: '/x',
      request: { body: { content: { 'application/json': { schema: z.object({ spendControls: spendControlsInput.optional() }) } } } },
      responses: { 200: { description: 'ok' } },
    });
    const doc = JSON.stringify(new OpenApiGeneratorV31(registry.definitions).generateDocument({ openapi: '3.1.0', info: { title: 't', version: '1' } }));
    expect(doc).toContain('per_authorization');
    expect(doc).toContain('mcc-groups.json');
  });
});

describe('toSpendControls', () => {
  it('converts amounts to minor units of the card currency and fills absent lists', () => {
    const internal = toSpendControls(
      parse({ spendingLimits: [daily('10000.00', { categories: ['restaurants', '5411'] }), { amount: idr('2500000'), interval: 'all_time' }], blockedCountries: ['KP'] }),
      'IDR',
    );
    expect(internal).toEqual({
      spendingLimits: [
        { amountMinor: '1000000', currency: 'IDR', interval: 'daily', categories: ['restaurants', '5411'] },
        { amountMinor: '250000000', currency: 'IDR', interval: 'all_time', categories: [] },
      ],
      countLimits: [],
      allowedCategories: [],
      blockedCategories: [],
      allowedCountries: [],
      blockedCountries: ['KP'],
      allowedMerchantIds: [],
      blockedMerchantIds: [],
    } satisfies SpendControls);
    expect(JSON.parse(JSON.stringify(internal))).toEqual(internal);
    expect(toSpendControls(parse({ spendingLimits: [{ amount: { value: '10.5', currency: 'USD' }, interval: 'weekly' }] }), 'USD').spendingLimits[0]!.amountMinor).toBe('1050');
  });

  it('refuses a limit in another currency than the card, naming the exact path', () => {
    const input = parse({ spendingLimits: [daily(), { amount: { value: '10.00', currency: 'USD' }, interval: 'daily' }] });
    const err = caught(() => toSpendControls(input, 'IDR'));
    expect(err).toBeInstanceOf(InvalidFieldFormat);
    expect((err as InvalidFieldFormat).field).toBe('spendControls.spendingLimits.1.amount.currency');
    expect(err.message).toMatch(/card currency IDR/);
    expect((caught(() => toSpendControls(input, 'IDR', 'controls')) as InvalidFieldFormat).field).toBe('controls.spendingLimits.1.amount.currency');
  });

  it('refuses a zero amount, naming the exact path (also when the schema was bypassed)', () => {
    for (const value of ['0', '0.00']) {
      const input: SpendControlsInput = { spendingLimits: [{ amount: idr('1'), interval: 'daily' }, { amount: idr(value), interval: 'monthly' }] };
      const err = caught(() => toSpendControls(input, 'IDR'));
      expect(err).toBeInstanceOf(InvalidFieldFormat);
      expect((err as InvalidFieldFormat).field).toBe('spendControls.spendingLimits.1.amount.value');
      expect(err.message).toMatch(/greater than zero/);
    }
  });

  it('refuses an over-precise amount with the path when the schema was bypassed', () => {
    const err = caught(() => toSpendControls({ spendingLimits: [{ amount: idr('10.505'), interval: 'daily' }] }, 'IDR'));
    expect((err as InvalidFieldFormat).field).toBe('spendControls.spendingLimits.0.amount.value');
  });

  it('gives fresh empty controls for absent input; EMPTY_SPEND_CONTROLS is frozen', () => {
    const empty = toSpendControls(undefined, 'IDR');
    expect(empty).toEqual(EMPTY_SPEND_CONTROLS);
    expect(empty).not.toBe(EMPTY_SPEND_CONTROLS);
    empty.allowedCountries.push('ID');
    expect(EMPTY_SPEND_CONTROLS.allowedCountries).toEqual([]);
    expect(Object.isFrozen(EMPTY_SPEND_CONTROLS)).toBe(true);
    expect(() => EMPTY_SPEND_CONTROLS.spendingLimits.push({ amountMinor: '1', currency: 'IDR', interval: 'daily', categories: [] })).toThrow(TypeError);
    expect(toSpendControls({}, 'IDR')).toEqual(EMPTY_SPEND_CONTROLS);
  });

  it('does not share arrays with its input', () => {
    const input = parse({ allowedCountries: ['ID'], spendingLimits: [daily('1', { categories: ['fuel'] })] });
    const internal = toSpendControls(input, 'IDR');
    input.allowedCountries!.push('MY');
    input.spendingLimits![0]!.categories!.push('cash');
    expect(internal.allowedCountries).toEqual(['ID']);
    expect(internal.spendingLimits[0]!.categories).toEqual(['fuel']);
  });
});

describe('presentSpendControls', () => {
  it('formats amounts as SNAP values and presents every list', () => {
    const view = presentSpendControls({
      ...EMPTY_SPEND_CONTROLS,
      spendingLimits: [
        { amountMinor: '50000000', currency: 'IDR', interval: 'daily', categories: ['restaurants'] },
        { amountMinor: '1050', currency: 'USD', interval: 'per_authorization', categories: [] },
      ],
      allowedCountries: ['ID'],
    });
    expect(view).toEqual({
      spendingLimits: [
        { amount: { value: '500000.00', currency: 'IDR' }, interval: 'daily', categories: ['restaurants'] },
        { amount: { value: '10.50', currency: 'USD' }, interval: 'per_authorization' },
      ],
      countLimits: [],
      allowedCategories: [],
      blockedCategories: [],
      allowedCountries: ['ID'],
      blockedCountries: [],
      allowedMerchantIds: [],
      blockedMerchantIds: [],
    } satisfies SpendControlsView);
  });

  it('keeps count limits: stored as given, presented back, categories only when given', () => {
    const input = parse({ countLimits: [{ count: 5, interval: 'daily' }, { count: 2, interval: 'weekly', categories: ['fuel'] }] });
    const internal = toSpendControls(input, 'IDR');
    expect(internal.countLimits).toEqual([
      { count: 5, interval: 'daily', categories: [] },
      { count: 2, interval: 'weekly', categories: ['fuel'] },
    ]);
    expect(presentSpendControls(internal).countLimits).toEqual([{ count: 5, interval: 'daily' }, { count: 2, interval: 'weekly', categories: ['fuel'] }]);
    expectInvalid({ countLimits: [{ count: 0, interval: 'daily' }] }, 'countLimits.0.count');
    expectInvalid({ countLimits: [{ count: 1, interval: 'per_authorization' }] }, 'countLimits.0.interval');
  });

  it('normaliseSpendControls completes stored controls', () => {
    expect(normaliseSpendControls(null)).toEqual(EMPTY_SPEND_CONTROLS);
    expect(normaliseSpendControls({ blockedCountries: ['KP'] })).toEqual({ ...EMPTY_SPEND_CONTROLS, blockedCountries: ['KP'] });
  });
});

describe('round trip (property)', () => {
  const mcc = fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0'));
  const categories = fc.uniqueArray(fc.oneof(fc.constantFrom(...MCC_GROUP_NAMES), mcc), { maxLength: 6 });
  const countries = fc.uniqueArray(fc.constantFrom(...ISO_COUNTRY_CODES), { maxLength: 6 });
  const merchantIds = fc.uniqueArray(
    fc.string({ unit: fc.constantFrom(...'ABCxyz0189-_.:/'), minLength: 1, maxLength: 20 }),
    { maxLength: 6 },
  );

  /** Absent, an allowed list, a blocked list, or one of them beside an empty list of the other; never two non-empty lists. */
  function pair<K extends string>(kind: K, list: fc.Arbitrary<string[]>) {
    const nonEmpty = list.filter((l) => l.length > 0);
    return fc.oneof(
      fc.constant({}),
      nonEmpty.map((l) => ({ [`allowed${kind}`]: l })),
      nonEmpty.map((l) => ({ [`blocked${kind}`]: l })),
      list.map((l) => ({ [`allowed${kind}`]: l, [`blocked${kind}`]: [] })),
      list.map((l) => ({ [`allowed${kind}`]: [], [`blocked${kind}`]: l })),
    );
  }

  /** A value written in one of the ways a client may: "10000.00", "10000", "10000.000", "10.5". */
  function writeValue(minor: bigint, currency: string, style: number): string {
    const formatted = formatSnapValue(minor, currency);
    switch (style) {
      case 0:
        return formatted;
      case 1:
        return formatted.replace(/0+$/, '').replace(/\.$/, '');
      default:
        return formatted + '0'.repeat(style - 1);
    }
  }

  const generated = fc.constantFrom(...SUPPORTED_CURRENCIES).chain((currency) => {
    const exp = currencyExponent(currency);
    const limit = fc.record(
      {
        minor: fc.bigInt({ min: 1n, max: 10n ** BigInt(14 + exp) - 1n }),
        style: fc.integer({ min: 0, max: 3 }),
        interval: fc.constantFrom(...SPENDING_INTERVALS),
        categories: categories.filter((c) => c.length > 0),
      },
      { requiredKeys: ['minor', 'style', 'interval'] },
    );
    return fc
      .record({
        limits: fc.option(fc.array(limit, { maxLength: MAX_SPENDING_LIMITS }), { nil: undefined }),
        categories: pair('Categories', categories),
        countries: pair('Countries', countries),
        merchants: pair('MerchantIds', merchantIds),
      })
      .map(({ limits, categories, countries, merchants }) => {
        const input: Record<string, unknown> = { ...categories, ...countries, ...merchants };
        if (limits) {
          input.spendingLimits = limits.map((l) => ({
            amount: { value: writeValue(l.minor, currency, l.style), currency },
            interval: l.interval,
            ...(l.categories ? { categories: l.categories } : {}),
          }));
        }
        const list = (key: string) => (input[key] as string[] | undefined) ?? [];
        const expected: SpendControlsView = {
          spendingLimits: (limits ?? []).map((l) => ({
            amount: { value: formatSnapValue(l.minor, currency), currency },
            interval: l.interval,
            ...(l.categories ? { categories: l.categories } : {}),
          })),
          countLimits: [],
          allowedCategories: list('allowedCategories'),
          blockedCategories: list('blockedCategories'),
          allowedCountries: list('allowedCountries'),
          blockedCountries: list('blockedCountries'),
          allowedMerchantIds: list('allowedMerchantIds'),
          blockedMerchantIds: list('blockedMerchantIds'),
        };
        return { currency, input, expected };
      });
  });

  it('validates generated inputs and presents them back as they were sent (values normalised)', () => {
    fc.assert(
      fc.property(generated, ({ currency, input, expected }) => {
        const internal = toSpendControls(parse(input), currency);
        const stored = JSON.parse(JSON.stringify(internal)) as SpendControls;
        const view = presentSpendControls(stored);
        expect(view).toEqual(expected);
        // The presented form is itself valid input, and converts to the same stored form.
        expect(toSpendControls(parse(view), currency)).toEqual(internal);
      }),
      { numRuns: 300 },
    );
  });
});
