import { useEffect, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { Field } from '../../components/field';
import { useTimeZone } from '../../components/money';
import { ErrorState, Loading } from '../../components/states';
import { formatDate } from '../../format';
import { useLang } from '../../i18n';
import { useCan, useMe } from '../../me';
import { periodFromParams, periodProblem, type Period } from './report-model';
import { RequestReportForm, ReportList, StatementList } from './report-jobs';
import { accountingExportUrl, useSpend } from './reports-api';
import { DailyPanel, GroupPanel, Totals, useCategoryName } from './spend-panels';
import './reports.css';

/**
 * Reports: the spend of a period (this month by default, in the business's time zone) as charts and
 * tables by day, category, cardholder, merchant and card; the accounting export of the period;
 * report jobs with their progress and files; the monthly statements.
 */
export default function ReportsPage() {
  const { t, lang } = useLang();
  const me = useMe().data;
  const timeZone = useTimeZone();
  const canWrite = useCan('write');
  const [params, setParams] = useSearchParams();
  const applied = periodFromParams(params, timeZone);
  const [draft, setDraft] = useState<Period>(applied);
  useEffect(() => setDraft(applied), [applied.fromDate, applied.toDate]); // eslint-disable-line react-hooks/exhaustive-deps
  const [shownProblem, setShownProblem] = useState<ReturnType<typeof periodProblem>>();
  const appliedProblem = periodProblem(applied);
  const spend = useSpend(me && !appliedProblem ? applied : undefined);
  const categoryName = useCategoryName();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const problem = periodProblem(draft);
    setShownProblem(problem);
    if (!problem) setParams({ from: draft.fromDate, to: draft.toDate });
  };
  const problem = shownProblem ?? appliedProblem;
  const message = (field: 'fromDate' | 'toDate') => (problem?.field === field ? t(`reports.period.${problem.problem}`) : undefined);
  const noCard = t('reports.noCard');

  return (
    <div className="reports-page">
      <h1>{t('reports.title')}</h1>
      <form className="panel report-period" onSubmit={submit} aria-label={t('reports.period.title')} noValidate>
        <Field label={t('reports.period.from')} name="fromDate" type="date" value={draft.fromDate} message={message('fromDate')} error={spend.error} onChange={(e) => setDraft({ ...draft, fromDate: e.target.value })} required />
        <Field label={t('reports.period.to')} name="toDate" type="date" value={draft.toDate} message={message('toDate')} error={spend.error} onChange={(e) => setDraft({ ...draft, toDate: e.target.value })} required />
        <div className="form-actions">
          <button type="submit" className="primary">
            {t('reports.period.show')}
          </button>
        </div>
        <p className="field-hint report-zone">{t('reports.period.zone', { timeZone })}</p>
      </form>

      {appliedProblem ? null : spend.isPending ? (
        <Loading />
      ) : !spend.data ? (
        <ErrorState error={spend.error} onRetry={() => void spend.refetch()} />
      ) : (
        <>
          <Totals spend={spend.data.spend} />
          <section className="panel" aria-labelledby="report-export">
            <h2 id="report-export">{t('reports.export.title')}</h2>
            <p>{t('reports.export.text', { from: formatDate(applied.fromDate, 'UTC', lang), to: formatDate(applied.toDate, 'UTC', lang) })}</p>
            <a className="report-download" href={accountingExportUrl(applied)} download>
              {t('reports.export.download')}
            </a>
          </section>
          <DailyPanel spend={spend.data.spend} />
          <GroupPanel
            id="report-category"
            title={t('reports.by.category')}
            currency={spend.data.spend.currency}
            {...spend.data.spend.byCategory}
            name={(r) => categoryName(r.category)}
            columns={[{ title: t('reports.col.category'), cell: (r) => categoryName(r.category) }]}
          />
          <GroupPanel
            id="report-cardholder"
            title={t('reports.by.cardholder')}
            currency={spend.data.spend.currency}
            {...spend.data.spend.byCardholder}
            name={(r) => r.cardholderName ?? noCard}
            columns={[{ title: t('reports.col.cardholder'), cell: (r) => r.cardholderName ?? noCard }]}
          />
          <GroupPanel
            id="report-merchant"
            title={t('reports.by.merchant')}
            currency={spend.data.spend.currency}
            {...spend.data.spend.byMerchant}
            name={(r) => r.merchantName ?? t('reports.category.uncategorized')}
            columns={[
              { title: t('reports.col.merchant'), cell: (r) => r.merchantName ?? t('reports.category.uncategorized') },
              { title: t('reports.col.mcc'), cell: (r) => r.mcc ?? '—' },
              { title: t('reports.col.category'), cell: (r) => categoryName(r.category) },
            ]}
          />
          <GroupPanel
            id="report-card"
            title={t('reports.by.card')}
            currency={spend.data.spend.currency}
            {...spend.data.spend.byCard}
            name={(r) => (r.last4 ? `•••• ${r.last4}` : noCard)}
            columns={[
              { title: t('reports.col.card'), cell: (r) => (r.last4 ? `•••• ${r.last4}` : noCard) },
              { title: t('reports.col.cardholder'), cell: (r) => r.cardholderName ?? '—' },
            ]}
          />
        </>
      )}

      <section className="panel" aria-labelledby="report-jobs">
        <h2 id="report-jobs">{t('reports.jobs.title')}</h2>
        {canWrite && !appliedProblem && <RequestReportForm period={applied} />}
        <ReportList />
      </section>
      <section className="panel" aria-labelledby="report-statements">
        <h2 id="report-statements">{t('reports.statements.title')}</h2>
        <p>{t('reports.statements.text')}</p>
        <StatementList />
      </section>
    </div>
  );
}
