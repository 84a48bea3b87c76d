import { describe, expect, it } from 'vitest';
import { LOCALES, type Tree } from '../support/locales';

function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') out.set(prefix + key, value);
    else for (const [k, v] of leaves(value, `${prefix}${key}.`)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/{{\s*(\w+)\s*}}/g)].map((m) => m[1]).sort();

describe('locales (shared and per area)', () => {
  const idKeys = leaves(LOCALES.id);
  const enKeys = leaves(LOCALES.en);

  it('id.json and en.json have exactly the same keys', () => {
    expect([...idKeys.keys()].filter((k) => !enKeys.has(k))).toEqual([]);
    expect([...enKeys.keys()].filter((k) => !idKeys.has(k))).toEqual([]);
  });

  it('every string is translated and uses the same placeholders in both languages', () => {
    for (const [key, text] of enKeys) {
      expect(text.trim(), key).not.toBe('');
      expect(idKeys.get(key)?.trim(), key).not.toBe('');
      expect(placeholders(idKeys.get(key) ?? ''), key).toEqual(placeholders(text));
    }
  });
});
