import { useMemo, type ReactNode } from 'react';
import { Money } from '../../components/money';
import { Empty } from '../../components/states';
import { formatDate } from '../../format';
import { useLang } from '../../i18n';
import { MoneyChart } from './chart';
import { minorOf } from './report-model';
import type { Figures, Spend } from './reports-api';

/** The words of a spend category (an MCC group, "other" or "uncategorized"). */
export function useCategoryName(): (category: string) => string {
  const { t } = useLang();
  return (category) =>
    category === 'other' || category === 'uncategorized' ? t(`reports.category.${category}`) : (t(`mccGroups.${category}`, { defaultValue: category }) as string);
}

export function Totals({ spend }: { spend: Spend }) {
  const { t } = useLang();
  const stat = (label: string, value: ReactNode) => (
    <div className="panel">
      <p className="stat-label">{label}</p>
      <p className="stat">{value}</p>
    </div>
  );
  return (
    <div className="report-totals">
      {stat(t('reports.totals.spend'), <Money value={spend.totals.spend} />)}
      {stat(t('reports.totals.refunded'), <Money value={spend.totals.refunded} />)}
      {stat(t('reports.totals.net'), <Money value={spend.totals.net} />)}
      {stat(t('reports.totals.purchases'), spend.totals.purchases)}
    </div>
  );
}

export function DailyPanel({ spend }: { spend: Spend }) {
  const { t, lang } = useLang();
  // The day of the month, or month-day when the period spans more than one month.
  const labels = useMemo(() => spend.daily.map((d) => (spend.fromDate.slice(0, 7) === spend.toDate.slice(0, 7) ? d.date.slice(8) : d.date.slice(5))), [spend]);
  const values = useMemo(() => spend.daily.map((d) => minorOf(d.spend)), [spend]);
  return (
    <section className="panel" aria-labelledby="report-daily">
      <h2 id="report-daily">{t('reports.daily.title')}</h2>
      <MoneyChart label={t('reports.daily.chart', { from: formatDate(spend.fromDate, spend.timeZone, lang), to: formatDate(spend.toDate, spend.timeZone, lang) })} labels={labels} values={values} currency={spend.currency} kind="line" />
      <details className="report-numbers">
        <summary>{t('reports.daily.numbers')}</summary>
        <div className="table-wrap" tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('reports.daily.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('reports.daily.date')}</th>
                <th scope="col" className="num">{t('reports.col.spend')}</th>
                <th scope="col" className="num">{t('reports.col.refunded')}</th>
              </tr>
            </thead>
            <tbody>
              {spend.daily.map((d) => (
                <tr key={d.date}>
                  <th scope="row">{formatDate(d.date, spend.timeZone, lang)}</th>
                  <td className="num"><Money value={d.spend} /></td>
                  <td className="num"><Money value={d.refunded} /></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </section>
  );
}

interface Column<T> {
  title: string;
  cell: (row: T) => ReactNode;
}

/** A grouping (category, cardholder, merchant, card): a bar chart of its spend and the table of its figures. */
export function GroupPanel<T>({ id, title, rows, rowCount, name, columns, currency }: { id: string; title: string; rows: Array<T & Figures>; rowCount: number; name: (row: T) => string; columns: Array<Column<T>>; currency: string }) {
  const { t } = useLang();
  const charted = rows.slice(0, 12);
  const labels = useMemo(() => charted.map((r) => name(r)), [rows]); // eslint-disable-line react-hooks/exhaustive-deps
  const values = useMemo(() => charted.map((r) => minorOf(r.spend)), [rows]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <section className="panel" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {rows.length === 0 ? (
        <Empty>{t('reports.noSpend')}</Empty>
      ) : (
        <div className="report-group">
          <MoneyChart label={t('reports.groupChart', { title })} labels={labels} values={values} currency={currency} kind="bars" />
          <div className="table-wrap" tabIndex={0}>
            <table>
              <caption className="visually-hidden">{title}</caption>
              <thead>
                <tr>
                  {columns.map((c) => (
                    <th key={c.title} scope="col">{c.title}</th>
                  ))}
                  <th scope="col" className="num">{t('reports.col.purchases')}</th>
                  <th scope="col" className="num">{t('reports.col.spend')}</th>
                  <th scope="col" className="num">{t('reports.col.refunded')}</th>
                  <th scope="col" className="num">{t('reports.col.net')}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r, i) => (
                  <tr key={i}>
                    {columns.map((c, j) => (j === 0 ? <th key={c.title} scope="row">{c.cell(r)}</th> : <td key={c.title}>{c.cell(r)}</td>))}
                    <td className="num">{r.purchases}</td>
                    <td className="num"><Money value={r.spend} /></td>
                    <td className="num"><Money value={r.refunded} /></td>
                    <td className="num"><Money value={r.net} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {rowCount > rows.length && <p className="field-hint">{t('reports.moreRows', { shown: rows.length, count: rowCount })}</p>}
        </div>
      )}
    </section>
  );
}
