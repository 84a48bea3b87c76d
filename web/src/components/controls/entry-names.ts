import { categoryName } from '../../decline-reasons';
import { useLang } from '../../i18n';
import type { ListKind } from './controls-model';

const regionNames = new Map<string, Intl.DisplayNames>();
function regions(lang: string): Intl.DisplayNames {
  let names = regionNames.get(lang);
  if (!names) {
    names = new Intl.DisplayNames([lang], { type: 'region', fallback: 'none' });
    regionNames.set(lang, names);
  }
  return names;
}

/** A list entry as people read it: a category group's name or "MCC 7995", a country's name with its code, a merchant id as it is. */
export function useEntryName(): (kind: ListKind, value: string) => string {
  const { t, lang } = useLang();
  return (kind, value) => {
    if (kind === 'category') return categoryName(value, t);
    if (kind === 'country') {
      const country = regions(lang).of(value);
      return country ? `${country} (${value})` : value;
    }
    return value;
  };
}
