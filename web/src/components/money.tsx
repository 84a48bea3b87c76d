import type { Money as MoneyValue } from '../api-types';
import { formatDate, formatDateTime, formatMoney } from '../format';
import { useLang } from '../i18n';
import { useMe } from '../me';

export function Money({ value, className }: { value: MoneyValue | null | undefined; className?: string }) {
  const { lang } = useLang();
  if (!value) return <span className={className}>—</span>;
  return <span className={`money${className ? ` ${className}` : ''}`}>{formatMoney(value, lang)}</span>;
}

/** The business's time zone (UTC until /me has answered). */
export function useTimeZone(): string {
  return useMe().data?.business.timeZone ?? 'UTC';
}

/** An instant in the business's time zone. */
export function DateTime({ iso, dateOnly = false }: { iso: string | null | undefined; dateOnly?: boolean }) {
  const { lang } = useLang();
  const timeZone = useTimeZone();
  if (!iso) return <span>—</span>;
  return <time dateTime={iso}>{dateOnly ? formatDate(iso, timeZone, lang) : formatDateTime(iso, timeZone, lang)}</time>;
}
