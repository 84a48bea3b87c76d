import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildMccGroupIndex,
  categoryMatches,
  findMccGroupsFile,
  isKnownCategory,
  MCC_GROUP_NAMES,
  mccGroupsOf,
  mccsOfGroup,
} from '../../src/modules/controls/mcc-groups';

const repoRoot = path.resolve(__dirname, '../..');
const rulesFile = path.join(repoRoot, 'rules', 'mcc-groups.json');
const rawFile = JSON.parse(fs.readFileSync(rulesFile, 'utf8')) as { version: number; about: string; groups: Record<string, unknown> };
const mccArb = fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0'));

describe('rules/mcc-groups.json', () => {
  it('is version 1, says where the codes come from and that groups overlap', () => {
    expect(rawFile.version).toBe(1);
    expect(rawFile.about).toMatch(/ISO 18245/);
    expect(rawFile.about).toMatch(/overlap/);
  });

  it('exports every group, in file order, with lowercase snake_case names', () => {
    expect(MCC_GROUP_NAMES).toEqual(Object.keys(rawFile.groups));
    for (const name of MCC_GROUP_NAMES) expect(name).toMatch(/^[a-z][a-z0-9]*(_[a-z0-9]+)*$/);
  });

  it('has at least the groups spend controls and hold expiry rely on', () => {
    for (const name of [
      'airlines', 'lodging', 'car_rental', 'travel', 'restaurants', 'fast_food', 'fuel', 'groceries', 'gambling', 'cash',
      'quasi_cash', 'digital_goods', 'software', 'telecom', 'office_supplies', 'advertising', 'utilities', 'healthcare',
      'education', 'transportation', 'shipping', 'government', 'charity', 'adult', 'pawn', 'crypto', 'subscriptions',
    ]) {
      expect(MCC_GROUP_NAMES).toContain(name);
    }
  });

  it('every group is non-empty and holds only valid 4-digit codes', () => {
    for (const name of MCC_GROUP_NAMES) {
      const mccs = mccsOfGroup(name)!;
      expect(mccs.length, name).toBeGreaterThan(0);
      for (const code of mccs) expect(code, name).toMatch(/^\d{4}$/);
      expect(new Set(mccs).size).toBe(mccs.length);
    }
  });
});

describe('memberships', () => {
  it.each([
    ['5812', 'restaurants'],
    ['5813', 'restaurants'],
    ['5814', 'restaurants'],
    ['5814', 'fast_food'],
    ['3000', 'airlines'],
    ['3000', 'travel'],
    ['3350', 'airlines'],
    ['4511', 'airlines'],
    ['4511', 'travel'],
    ['3351', 'car_rental'],
    ['3500', 'car_rental'],
    ['7512', 'car_rental'],
    ['7512', 'travel'],
    ['3501', 'lodging'],
    ['3999', 'lodging'],
    ['7011', 'lodging'],
    ['7011', 'travel'],
    ['4722', 'travel'],
    ['4411', 'travel'],
    ['7995', 'gambling'],
    ['7801', 'gambling'],
    ['6010', 'cash'],
    ['6011', 'cash'],
    ['6051', 'quasi_cash'],
    ['6051', 'crypto'],
    ['6540', 'quasi_cash'],
    ['4829', 'quasi_cash'],
    ['5541', 'fuel'],
    ['5552', 'fuel'],
    ['5411', 'groceries'],
    ['5816', 'digital_goods'],
    ['5734', 'software'],
    ['4814', 'telecom'],
    ['8062', 'healthcare'],
    ['5912', 'healthcare'],
    ['8220', 'education'],
    ['9311', 'government'],
    ['8398', 'charity'],
    ['5933', 'pawn'],
    ['5968', 'subscriptions'],
  ])('%s is in %s', (mcc, group) => {
    expect(mccGroupsOf(mcc)).toContain(group);
    expect(categoryMatches(group, mcc)).toBe(true);
  });

  it.each([
    ['3351', 'airlines'],
    ['3350', 'car_rental'],
    ['3501', 'car_rental'],
    ['5812', 'fast_food'],
    ['6011', 'quasi_cash'],
    ['5812', 'gambling'],
    ['7995', 'travel'],
  ])('%s is not in %s', (mcc, group) => {
    expect(mccGroupsOf(mcc)).not.toContain(group);
    expect(categoryMatches(group, mcc)).toBe(false);
  });

  it('gives all overlapping groups of an MCC, and none for a code in no group', () => {
    expect(mccGroupsOf('5814')).toEqual(expect.arrayContaining(['restaurants', 'fast_food']));
    expect(mccGroupsOf('3000')).toEqual(expect.arrayContaining(['airlines', 'travel']));
    expect(mccGroupsOf('0001')).toEqual([]);
    expect(mccGroupsOf('not an mcc')).toEqual([]);
  });

  it('hands out copies: changing a result changes nothing', () => {
    mccGroupsOf('5812').push('gambling');
    expect(mccGroupsOf('5812')).not.toContain('gambling');
  });

  it('travel contains all of airlines, lodging and car rental', () => {
    const travel = new Set(mccsOfGroup('travel'));
    for (const g of ['airlines', 'lodging', 'car_rental']) for (const code of mccsOfGroup(g)!) expect(travel.has(code), `${g} ${code}`).toBe(true);
  });

  it('mccGroupsOf and categoryMatches agree for every group and any MCC', () => {
    fc.assert(
      fc.property(mccArb, (mcc) => {
        const groups = mccGroupsOf(mcc);
        for (const g of MCC_GROUP_NAMES) expect(categoryMatches(g, mcc)).toBe(groups.includes(g));
      }),
    );
  });
});

describe('categories', () => {
  it('knows every 4-digit MCC and every group name', () => {
    for (const c of ['0000', '5812', '9999', '0742', ...MCC_GROUP_NAMES]) expect(isKnownCategory(c), c).toBe(true);
    fc.assert(fc.property(mccArb, (mcc) => isKnownCategory(mcc)));
  });

  it.each(['', '581', '58120', '５８１２', ' 5812', '5812 ', 'Restaurants', 'restaurant', 'RESTAURANTS', 'travel ', 'toString', '__proto__', 'constructor', 'hasOwnProperty'])(
    'refuses %j',
    (c) => {
      expect(isKnownCategory(c)).toBe(false);
      expect(categoryMatches(c, '5812')).toBe(false);
    },
  );

  it('an MCC category matches only the same MCC', () => {
    expect(categoryMatches('5812', '5812')).toBe(true);
    expect(categoryMatches('5812', '5813')).toBe(false);
    fc.assert(fc.property(mccArb, mccArb, (a, b) => categoryMatches(a, b) === (a === b)));
  });
});

describe('loading', () => {
  it('finds rules/ at the repository root from src/ and from the build output dist/src/', () => {
    expect(findMccGroupsFile(path.join(repoRoot, 'src', 'modules', 'controls'))).toBe(rulesFile);
    expect(findMccGroupsFile(path.join(repoRoot, 'dist', 'src', 'modules', 'controls'))).toBe(rulesFile);
  });

  it('fails clearly when there is no rules file above the start directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kartu-mcc-'));
    try {
      expect(() => findMccGroupsFile(dir)).toThrow(/rules\/mcc-groups\.json not found/);
    } finally {
      fs.rmSync(dir, { recursive: true });
    }
  });

  const file = (groups: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ version: 1, groups, ...extra });

  it('expands ranges and includes', () => {
    const index = buildMccGroupIndex(
      file({ a: { description: 'a', ranges: [['0998', '1001']] }, b: { description: 'b', mccs: ['5812'], includes: ['a'] } }),
    );
    expect([...index.members.get('a')!]).toEqual(['0998', '0999', '1000', '1001']);
    expect([...index.members.get('b')!].sort()).toEqual(['0998', '0999', '1000', '1001', '5812']);
    expect(index.groupsByMcc.get('0999')).toEqual(['a', 'b']);
  });

  it.each([
    ['a wrong version', { version: 2, groups: {} }, /version/],
    ['an unknown field', file({}, { extra: true }), /extra|Unrecognized/i],
    ['a 3-digit code', file({ a: { description: 'a', mccs: ['581'] } }), /4 digits/],
    ['a numeric code', file({ a: { description: 'a', mccs: [5812] } }), /groups\.a\.mccs\.0/],
    ['a reversed range', file({ a: { description: 'a', ranges: [['3350', '3000']] } }), /reversed/],
    ['an upper-case name', file({ Travel: { description: 'a', mccs: ['5812'] } }), /snake_case/],
    ['a name that looks like an MCC', file({ '5812': { description: 'a', mccs: ['5812'] } }), /snake_case/],
    ['an empty group', file({ a: { description: 'a', mccs: [] } }), /needs mccs/],
    ['an unknown field in a group', file({ a: { description: 'a', mccs: ['5812'], mcc: ['1'] } }), /mcc|Unrecognized/i],
    ['a missing description', file({ a: { mccs: ['5812'] } }), /description/],
    ['an unknown include', file({ a: { description: 'a', includes: ['nope'] } }), /unknown group "nope"/],
    ['an include cycle', file({ a: { description: 'a', includes: ['b'] }, b: { description: 'b', includes: ['a'] } }), /cycle/],
  ])('refuses a file with %s', (_what, raw, message) => {
    expect(() => buildMccGroupIndex(raw, 'test.json')).toThrow(message);
  });
});
