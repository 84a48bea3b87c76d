import i18n from 'i18next';
import { initReactI18next, useTranslation } from 'react-i18next';
import type { Translate } from './decline-reasons';
import { LANGS, type Lang } from './format';

/** The language someone chose, kept across visits. */
export const LANG_STORAGE_KEY = 'kartu.lang';

export function storedLang(): Lang | undefined {
  try {
    const value = window.localStorage.getItem(LANG_STORAGE_KEY);
    return LANGS.includes(value as Lang) ? (value as Lang) : undefined;
  } catch {
    return undefined;
  }
}

/** Before the business is known (the sign-in page): the browser's language if it is Indonesian. */
function browserLang(): Lang {
  return navigator.language.toLowerCase().startsWith('id') ? 'id' : 'en';
}

/** Without a stored choice: Indonesian for an IDR business, English otherwise. */
export function defaultLangFor(currency: string): Lang {
  return currency === 'IDR' ? 'id' : 'en';
}

type Strings = { default: Record<string, unknown> };

/**
 * Each language's strings are a chunk of their own, fetched when first used: the shared ones in
 * locales/<lang>.json, and each area's in locales/<area>/<lang>.json under the key <area>.
 */
const BUNDLES: Record<Lang, () => Promise<Strings>> = {
  en: () => import('../locales/en.json'),
  id: () => import('../locales/id.json'),
};
const AREA_BUNDLES = import.meta.glob<Strings>('../locales/*/*.json');

export async function loadLang(lang: Lang): Promise<void> {
  if (i18n.hasResourceBundle(lang, 'translation')) return;
  const areas = Object.entries(AREA_BUNDLES).filter(([path]) => path.endsWith(`/${lang}.json`));
  const [shared, ...parts] = await Promise.all([BUNDLES[lang](), ...areas.map(([, load]) => load())]);
  const strings: Record<string, unknown> = { ...shared.default };
  areas.forEach(([path], i) => {
    strings[path.split('/').at(-2)!] = parts[i].default;
  });
  i18n.addResourceBundle(lang, 'translation', strings);
}

export function applyLang(lang: Lang): void {
  void loadLang(lang).then(() => {
    document.documentElement.lang = lang;
    if (i18n.language !== lang) void i18n.changeLanguage(lang);
  });
}

export function chooseLang(lang: Lang): void {
  try {
    window.localStorage.setItem(LANG_STORAGE_KEY, lang);
  } catch {
    // Private mode without storage: the choice lasts for this page only.
  }
  applyLang(lang);
}

void i18n.use(initReactI18next).init({
  resources: {},
  partialBundledLanguages: true,
  lng: storedLang() ?? browserLang(),
  fallbackLng: false,
  supportedLngs: [...LANGS],
  interpolation: { escapeValue: false },
  returnNull: false,
  initAsync: false,
});
document.documentElement.lang = i18n.language;

export { i18n };

/** The current language and a plain translate function (for format.ts / decline-reasons.ts). */
export function useLang(): { lang: Lang; t: Translate } {
  const { t, i18n: instance } = useTranslation();
  const lang = (LANGS.includes(instance.language as Lang) ? instance.language : 'en') as Lang;
  return { lang, t: (key, values) => t(key, values ?? {}) as string };
}
