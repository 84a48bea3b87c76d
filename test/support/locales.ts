import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The dashboard's strings per language as the app assembles them (web/src/i18n.ts): the shared
 * web/locales/<lang>.json, and each area's web/locales/<area>/<lang>.json under the key <area>.
 */
export type Tree = { [key: string]: string | Tree };
export type Locale = 'id' | 'en';

const DIR = join(__dirname, '../../web/locales');

function read(path: string): Tree {
  return JSON.parse(readFileSync(path, 'utf8')) as Tree;
}

function tree(lang: Locale): Tree {
  const out = read(join(DIR, `${lang}.json`));
  for (const area of readdirSync(DIR)) {
    if (!statSync(join(DIR, area)).isDirectory()) continue;
    if (area in out) throw new Error(`web/locales/${area}/ clashes with the key ${area} of ${lang}.json`);
    out[area] = read(join(DIR, area, `${lang}.json`));
  }
  return out;
}

export const LOCALES: Record<Locale, Tree> = { en: tree('en'), id: tree('id') };
