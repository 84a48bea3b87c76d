import { useId } from 'react';
import { useTimeZone } from '../../components/money';
import { Empty, QueryView } from '../../components/states';
import { categoryName } from '../../decline-reasons';
import { formatDateTime, formatMoney } from '../../format';
import { useLang } from '../../i18n';
import type { LimitUsage } from './card-types';
import { useLimitUsage } from './cards-api';

/**
 * GET /cards/{id}/limit-usage: for every spending and count limit, how much of its current window
 * is used, what remains, and when the window resets (the business's midnight, in its time zone).
 */
export function LimitUsagePanel({ cardId }: { cardId: string }) {
  const { t } = useLang();
  const usage = useLimitUsage(cardId);
  return (
    <section className="panel" aria-labelledby="usage-title">
      <h2 id="usage-title">{t('cards.usage.title')}</h2>
      <QueryView query={usage}>
        {({ limits }) =>
          limits.length === 0 ? (
            <Empty>{t('cards.usage.none')}</Empty>
          ) : (
            <ul className="usage-list">
              {limits.map((limit, i) => (
                <UsageItem key={i} limit={limit} />
              ))}
            </ul>
          )
        }
      </QueryView>
    </section>
  );
}

function UsageItem({ limit }: { limit: LimitUsage }) {
  const { t, lang } = useLang();
  const timeZone = useTimeZone();
  const meterId = useId();
  const scope = limit.categories.length ? limit.categories.map((c) => categoryName(c, t)).join(', ') : t('cards.usage.allPurchases');
  const title = `${t(`cards.interval.${limit.interval}`)} · ${scope}`;
  const resets = limit.resetsAt ? t('cards.usage.resets', { at: formatDateTime(limit.resetsAt, timeZone, lang) }) : t('cards.usage.neverResets');

  if (limit.kind === 'amount' && limit.used === null) {
    return (
      <li className="usage-item">
        <p className="usage-title">{title}</p>
        <p className="usage-text">{t('cards.usage.perPurchase', { limit: formatMoney(limit.limit, lang) })}</p>
      </li>
    );
  }
  const [used, max, text] =
    limit.kind === 'count'
      ? [limit.used, limit.limit, t('cards.usage.countUsed', { used: limit.used, limit: limit.limit, remaining: limit.remaining })]
      : [
          Number(limit.used!.value),
          Number(limit.limit.value),
          t('cards.usage.amountUsed', { used: formatMoney(limit.used!, lang), limit: formatMoney(limit.limit, lang), remaining: formatMoney(limit.remaining, lang) }),
        ];
  return (
    <li className="usage-item">
      <label htmlFor={meterId} className="usage-title">
        {title}
      </label>
      <meter id={meterId} className="bar" min={0} max={max} value={used} high={max * 0.8} optimum={0} />
      <p className="usage-text">
        {text} · {resets}
      </p>
    </li>
  );
}
