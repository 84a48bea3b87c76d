import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { amountToInput, exampleAmount, parseAmount } from '../../../web/src/components/controls/amount-input';
import { minorToValue, type Lang } from '../../../web/src/format';
import {
  COUNT_INTERVALS,
  controlsToForm,
  emptyControlsForm,
  entryProblem,
  formToControls,
  issuesAt,
  newCountLimit,
  newSpendingLimit,
  normaliseEntry,
  relocaliseForm,
  sameControls,
  SPENDING_INTERVALS,
  type ControlsForm,
  type SpendControlsView,
} from '../../../web/src/components/controls/controls-model';

/**
 * The server's own validation, to hold the form's against. It is Node code (it reads
 * rules/mcc-groups.json with fs), outside web/tsconfig.json's program, so it is imported by a
 * path the type checker does not follow, typed here by the little this test uses.
 */
const SERVER_CONTROLS = '../../../src/modules/controls/spend-controls';
const SERVER_GROUPS = '../../../src/modules/controls/mcc-groups';
const { spendControlsInput, toSpendControls } = (await import(SERVER_CONTROLS)) as {
  spendControlsInput: { safeParse(input: unknown): { success: true; data: unknown } | { success: false; error: { issues: Array<{ path: PropertyKey[] }> } } };
  toSpendControls(input: unknown, currency: string): unknown;
};
const { MCC_GROUP_NAMES } = (await import(SERVER_GROUPS)) as { MCC_GROUP_NAMES: readonly string[] };

describe('typed amounts', () => {
  it.each<[string, string, Lang, string]>([
    ['150000', 'IDR', 'id', '150000.00'],
    ['150.000', 'IDR', 'id', '150000.00'],
    ['1.500.000,5', 'IDR', 'id', '1500000.50'],
    ['150000,50', 'IDR', 'id', '150000.50'],
    ['150,000.50', 'IDR', 'en', '150000.50'],
    ['150000.5', 'IDR', 'en', '150000.50'],
    ['Rp 150.000', 'IDR', 'id', '150000.00'],
    ['0,01', 'IDR', 'id', '0.01'],
    ['007', 'IDR', 'en', '7.00'],
    ['1500', 'JPY', 'en', '1500'],
    ['1.005', 'KWD', 'en', '1.005'],
    ['12,50', 'USD', 'id', '12.50'],
  ])('%j in %s (%s) is %s', (text, currency, lang, value) => {
    expect(parseAmount(text, currency, lang)).toEqual({ ok: true, value });
  });

  it.each<[string, string, Lang, string]>([
    ['', 'IDR', 'id', 'required'],
    ['   ', 'IDR', 'id', 'required'],
    ['abc', 'IDR', 'id', 'amount_format'],
    ['-5', 'IDR', 'en', 'amount_format'],
    ['1.5.0', 'IDR', 'en', 'amount_format'],
    // The English reading of "150000,5" would be a misplaced thousands separator: refused, not guessed.
    ['150000,5', 'IDR', 'en', 'amount_format'],
    // In Indonesian "." groups thousands, so "150000.00" is malformed rather than 150000.
    ['150000.00', 'IDR', 'id', 'amount_format'],
    ['1.50', 'IDR', 'id', 'amount_format'],
    ['150000,505', 'IDR', 'id', 'amount_decimals'],
    ['1500.5', 'JPY', 'en', 'amount_decimals'],
    ['0', 'IDR', 'en', 'amount_positive'],
    ['0,00', 'IDR', 'id', 'amount_positive'],
    ['123456789012345', 'IDR', 'en', 'amount_too_large'],
  ])('%j in %s (%s) is refused: %s', (text, currency, lang, code) => {
    const parsed = parseAmount(text, currency, lang);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.problem.code).toBe(code);
  });

  it('writes an amount back for editing without grouping and without zero decimals', () => {
    expect(amountToInput('150000.00', 'IDR', 'id')).toBe('150000');
    expect(amountToInput('150000.50', 'IDR', 'id')).toBe('150000,50');
    expect(amountToInput('150000.50', 'IDR', 'en')).toBe('150000.50');
    expect(amountToInput('1500.00', 'JPY', 'en')).toBe('1500');
    expect(exampleAmount('IDR', 'id')).toBe('150.000,00');
    expect(exampleAmount('JPY', 'en')).toBe('150,000');
  });

  it('reads back what it writes, in both languages', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 14n - 1n }), fc.constantFrom('IDR', 'JPY', 'KWD'), fc.constantFrom<Lang>('id', 'en'), (minor, currency, lang) => {
        const value = minorToValue(minor, currency);
        if (value.split('.')[0]!.length > 14) return;
        expect(parseAmount(amountToInput(value, currency, lang), currency, lang)).toEqual({ ok: true, value });
      }),
    );
  });
});

describe('list entries', () => {
  it('tidies categories and countries as the API writes them, keeps merchant ids as typed', () => {
    expect(normaliseEntry('category', ' Gambling ')).toBe('gambling');
    expect(normaliseEntry('country', ' id')).toBe('ID');
    expect(normaliseEntry('merchantId', 'M-1')).toBe('M-1');
  });

  it('accepts a 4-digit MCC or a known group name', () => {
    expect(entryProblem('category', '7995', MCC_GROUP_NAMES)).toBeUndefined();
    expect(entryProblem('category', 'gambling', MCC_GROUP_NAMES)).toBeUndefined();
    expect(entryProblem('category', 'casinos', MCC_GROUP_NAMES)).toEqual({ code: 'unknown_category', params: { value: 'casinos' } });
    expect(entryProblem('category', '799', MCC_GROUP_NAMES)?.code).toBe('unknown_category');
    // Before the group names have loaded, a well-formed name is left to the server.
    expect(entryProblem('category', 'casinos')).toBeUndefined();
    expect(entryProblem('category', 'Casinos!')?.code).toBe('unknown_category');
  });

  it('checks countries and merchant ids', () => {
    expect(entryProblem('country', 'ID')).toBeUndefined();
    expect(entryProblem('country', 'IDN')?.code).toBe('country_format');
    expect(entryProblem('merchantId', ' M-1')?.code).toBe('merchant_id_format');
    expect(entryProblem('merchantId', 'x'.repeat(65))?.code).toBe('merchant_id_format');
  });
});

const CARD_CONTROLS: SpendControlsView = {
  spendingLimits: [
    { amount: { value: '500000.00', currency: 'IDR' }, interval: 'daily', categories: ['restaurants'] },
    { amount: { value: '5000000.50', currency: 'IDR' }, interval: 'monthly' },
  ],
  countLimits: [{ count: 10, interval: 'daily' }],
  allowedCategories: ['5812', 'travel'],
  blockedCategories: ['airlines'],
  allowedCountries: ['ID'],
  blockedCountries: [],
  allowedMerchantIds: [],
  blockedMerchantIds: ['M-123'],
};

describe('the form and the API shape', () => {
  it("reads a card's controls into the form and writes the same controls back, in both languages", () => {
    for (const language of ['id', 'en'] as const) {
      const form = controlsToForm(CARD_CONTROLS, 'IDR', language);
      expect(form.spendingLimits.map((l) => l.amount)).toEqual(language === 'id' ? ['500000', '5000000,50'] : ['500000', '5000000.50']);
      const back = formToControls(form, language, MCC_GROUP_NAMES);
      expect(back).toEqual({ ok: true, controls: CARD_CONTROLS });
    }
  });

  it('gives every row its own key', () => {
    const form = controlsToForm(CARD_CONTROLS, 'IDR', 'en');
    const keys = [...form.spendingLimits, ...form.countLimits, newSpendingLimit(), newCountLimit()].map((r) => r.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('sends every list and leaves categories out of a limit that has none', () => {
    const form: ControlsForm = { ...emptyControlsForm('IDR'), spendingLimits: [{ ...newSpendingLimit('daily'), amount: '150.000' }] };
    expect(formToControls(form, 'id', MCC_GROUP_NAMES)).toEqual({
      ok: true,
      controls: {
        spendingLimits: [{ amount: { value: '150000.00', currency: 'IDR' }, interval: 'daily' }],
        countLimits: [],
        allowedCategories: [],
        blockedCategories: [],
        allowedCountries: [],
        blockedCountries: [],
        allowedMerchantIds: [],
        blockedMerchantIds: [],
      },
    });
  });

  it('names each problem where the server would', () => {
    const form: ControlsForm = {
      ...emptyControlsForm('IDR'),
      spendingLimits: [
        { ...newSpendingLimit('daily'), amount: '100000' },
        { ...newSpendingLimit('weekly'), amount: '0', categories: ['gambling', 'casinos'] },
      ],
      countLimits: [{ ...newCountLimit('monthly'), count: '0' }, { ...newCountLimit('daily'), count: '' }],
      allowedCategories: ['travel', 'gambling'],
      blockedCategories: ['gambling', '7995', '7995'],
      allowedCountries: ['ID'],
      blockedCountries: ['SG'],
    };
    const result = formToControls(form, 'en', MCC_GROUP_NAMES);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues.map((i) => [i.field, i.code])).toEqual([
      ['spendControls.spendingLimits.1.amount.value', 'amount_positive'],
      ['spendControls.spendingLimits.1.categories.1', 'unknown_category'],
      ['spendControls.countLimits.0.count', 'count_range'],
      ['spendControls.countLimits.1.count', 'required'],
      ['spendControls.blockedCategories.2', 'duplicate'],
      ['spendControls.allowedCountries', 'allowed_and_blocked'],
      ['spendControls.allowedCategories.1', 'in_both_lists'],
    ]);
    expect(issuesAt(result.issues, 'spendControls.blockedCategories').map((i) => i.field)).toEqual(['spendControls.blockedCategories.2']);
    expect(issuesAt(result.issues, 'spendControls.spendingLimits.1').length).toBe(2);
  });

  it('refuses more than 20 limits and more than 200 entries in a list', () => {
    const form: ControlsForm = {
      ...emptyControlsForm('IDR'),
      spendingLimits: Array.from({ length: 21 }, () => ({ ...newSpendingLimit(), amount: '1' })),
      blockedCountries: Array.from({ length: 201 }, (_, i) => `${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`),
    };
    const result = formToControls(form, 'en', MCC_GROUP_NAMES);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.issues.map((i) => i.field)).toEqual(['spendControls.spendingLimits', 'spendControls.blockedCountries']);
    }
  });

  it('rewrites the amounts when the language changes, leaving what does not read as typed', () => {
    const form: ControlsForm = {
      ...emptyControlsForm('IDR'),
      spendingLimits: [
        { ...newSpendingLimit(), amount: '1.500.000,50' },
        { ...newSpendingLimit(), amount: 'abc' },
      ],
    };
    const english = relocaliseForm(form, 'id', 'en');
    expect(english.spendingLimits.map((l) => l.amount)).toEqual(['1500000.50', 'abc']);
    expect(english.spendingLimits.map((l) => l.key)).toEqual(form.spendingLimits.map((l) => l.key));
    expect(relocaliseForm(english, 'en', 'id').spendingLimits[0]!.amount).toBe('1500000,50');
    expect(relocaliseForm(form, 'id', 'id')).toBe(form);
  });

  it('tells when two sets of controls say the same', () => {
    const same = { ...CARD_CONTROLS, spendingLimits: CARD_CONTROLS.spendingLimits.map((l) => ({ ...l, amount: { ...l.amount, value: l.amount.value.replace(/\.00$/, '') } })) };
    expect(sameControls(CARD_CONTROLS, same)).toBe(true);
    expect(sameControls(CARD_CONTROLS, { ...CARD_CONTROLS, blockedCategories: [] })).toBe(false);
  });
});

/**
 * The form's validation mirrors the server's: for random forms, it accepts exactly what the
 * server's own schema (spendControlsInput + toSpendControls) accepts, and every problem the server
 * reports is one the form reports at the same path.
 */
describe('the same validation as the server', () => {
  const category = fc.constantFrom('5812', '7995', '0000', 'gambling', 'travel', 'airlines', 'restaurants', 'Travel', 'casinos', '123', '');
  const country = fc.constantFrom('ID', 'SG', 'US', 'JP', 'id', 'IDN', '1D', '');
  const merchantId = fc.constantFrom('M-1', 'M-2', 'toko 7', ' M-3', 'M-4 ', '', 'x'.repeat(64), 'x'.repeat(65));
  // Amounts as an English user types them, without grouping or leading zeros (the server has no
  // language, so these are the texts both sides read alike). The form is stricter in one way it
  // need not mirror: it refuses decimals beyond the currency's even when they are zeros
  // ("150000.500" IDR), which the server lets through.
  const amount = fc.oneof(
    fc.constantFrom('0', '0.00', '0.001', '1', '150000', '150000.5', '150000.50', '150000.505', '99999999999999', '100000000000000', '', 'abc', '1,5'),
    fc.bigInt({ min: 1n, max: 10n ** 12n }).map((n) => `${n / 100n || 1n}.${(n % 100n).toString().padStart(2, '0')}`),
  );
  const categories = fc.array(category, { maxLength: 3 });
  const form = fc.record({
    currency: fc.constantFrom('IDR', 'JPY', 'KWD'),
    spendingLimits: fc.array(fc.record({ amount, interval: fc.constantFrom(...SPENDING_INTERVALS), categories }), { maxLength: 3 }),
    countLimits: fc.array(fc.record({ count: fc.oneof(fc.integer({ min: -2, max: 100_002 }), fc.constantFrom(1, 100_000, 100_001)), interval: fc.constantFrom(...COUNT_INTERVALS), categories }), { maxLength: 2 }),
    allowedCategories: fc.array(category, { maxLength: 3 }),
    blockedCategories: fc.array(category, { maxLength: 3 }),
    allowedCountries: fc.array(country, { maxLength: 2 }),
    blockedCountries: fc.array(country, { maxLength: 2 }),
    allowedMerchantIds: fc.array(merchantId, { maxLength: 2 }),
    blockedMerchantIds: fc.array(merchantId, { maxLength: 2 }),
  });

  it('accepts what the server accepts and names what it refuses', () => {
    fc.assert(
      fc.property(form, (raw) => {
        const asForm: ControlsForm = {
          ...raw,
          spendingLimits: raw.spendingLimits.map((l) => ({ ...newSpendingLimit(l.interval), amount: l.amount, categories: l.categories })),
          countLimits: raw.countLimits.map((l) => ({ ...newCountLimit(l.interval), count: String(l.count), categories: l.categories })),
        };
        const client = formToControls(asForm, 'en', MCC_GROUP_NAMES);
        // What the server would be sent had the form not checked anything.
        const sent = {
          ...raw,
          currency: undefined,
          spendingLimits: raw.spendingLimits.map((l) => ({ amount: { value: l.amount, currency: raw.currency }, interval: l.interval, ...(l.categories.length ? { categories: l.categories } : {}) })),
          countLimits: raw.countLimits.map((l) => ({ count: l.count, interval: l.interval, ...(l.categories.length ? { categories: l.categories } : {}) })),
        };
        delete sent.currency;
        const server = serverIssues(sent, raw.currency);
        if (client.ok) {
          expect(server).toEqual([]);
          expect(serverIssues(client.controls, raw.currency)).toEqual([]);
        } else {
          expect(server.length).toBeGreaterThan(0);
          const clientFields = client.issues.map((i) => i.field);
          for (const field of server) expect(clientFields).toContain(field);
        }
      }),
      { numRuns: 2000 },
    );
  });

  function serverIssues(input: unknown, currency: string): string[] {
    const parsed = spendControlsInput.safeParse(input);
    if (!parsed.success) return parsed.error.issues.map((i) => ['spendControls', ...i.path.map(String)].join('.'));
    try {
      toSpendControls(parsed.data, currency);
      return [];
    } catch (err) {
      return [(err as { field: string }).field];
    }
  }
});
