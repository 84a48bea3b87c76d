import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { post } from '../../api';
import { FormError, SelectField } from '../../components/field';
import { DateTime } from '../../components/money';
import { Empty, QueryView } from '../../components/states';
import { formatDate } from '../../format';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import type { Period } from './report-model';
import { isPending, REPORT_FORMATS, REPORT_TYPES, useReportProgress, useReports, useStatements, type Report, type ReportFormat, type ReportType } from './reports-api';

function useRequestReport() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { type: ReportType; format: ReportFormat; fromDate: string; toDate: string }) => post<{ report: Report }>('/reports', body),
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: ['reports'] });
      void queryClient.invalidateQueries({ queryKey: ['statements'] });
    },
  });
}

/** Owners and finance admins request a report of the page's period. */
export function RequestReportForm({ period }: { period: Period }) {
  const { t, lang } = useLang();
  const [type, setType] = useState<ReportType>('spend_by_category');
  const [format, setFormat] = useState<ReportFormat>('csv');
  const request = useRequestReport();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    request.mutate({ type, format, ...period });
  };
  return (
    <form className="report-request" onSubmit={submit} aria-labelledby="report-request">
      <h3 id="report-request">{t('reports.jobs.request')}</h3>
      <p>{t('reports.jobs.period', { from: formatDate(period.fromDate, 'UTC', lang), to: formatDate(period.toDate, 'UTC', lang) })}</p>
      <div className="report-request-fields">
        <SelectField label={t('reports.jobs.type')} name="type" value={type} error={request.error} onChange={(e) => setType(e.target.value as ReportType)}>
          {REPORT_TYPES.map((r) => (
            <option key={r} value={r}>{t(`reports.type.${r}`)}</option>
          ))}
        </SelectField>
        <SelectField label={t('reports.jobs.format')} name="format" value={format} error={request.error} onChange={(e) => setFormat(e.target.value as ReportFormat)}>
          {REPORT_FORMATS.map((f) => (
            <option key={f} value={f}>{f.toUpperCase()}</option>
          ))}
        </SelectField>
        <div className="form-actions">
          <button type="submit" className="primary" disabled={request.isPending}>
            {t('reports.jobs.submit')}
          </button>
        </div>
      </div>
      <FormError error={request.error} fields={['type', 'format']} />
      {request.isSuccess && <p className="notice-inline" role="status">{t('reports.jobs.queued')}</p>}
    </form>
  );
}

/** A report's status: its progress while it is made (asked every second), then the link to its file. */
function ReportState({ report: given }: { report: Report }) {
  const { t } = useLang();
  const queryClient = useQueryClient();
  const polled = useReportProgress(given).data?.report;
  // The list's answer wins once it says the report is finished (the polled copy may be older).
  const report = isPending(given) ? (polled ?? given) : given;
  const finished = !isPending(report);
  useEffect(() => {
    if (finished && isPending(given)) {
      void queryClient.invalidateQueries({ queryKey: ['reports'] });
      void queryClient.invalidateQueries({ queryKey: ['statements'] });
    }
  }, [finished, given, queryClient]);
  if (report.status === 'done' && report.file)
    return (
      <a href={report.file.url} download={report.file.fileName} className="report-download">
        {t('reports.jobs.download', { format: report.format.toUpperCase() })}
        <span className="visually-hidden"> {report.file.fileName}</span>
      </a>
    );
  if (report.status === 'failed') return <span className="report-failed">{t('reports.status.failed')}</span>;
  return (
    <span className="report-progress">
      <span>{t(`reports.status.${report.status}`)}</span>
      <progress max={100} value={report.progress} aria-label={t('reports.jobs.progress', { name: t(`reports.type.${report.type}`) })}>
        {report.progress}%
      </progress>
      <span>{report.progress}%</span>
    </span>
  );
}

export function ReportList() {
  const { t, lang } = useLang();
  const reports = useReports();
  return (
    <QueryView query={reports}>
      {(data) =>
        data.reports.length === 0 ? (
          <Empty>{t('reports.jobs.none')}</Empty>
        ) : (
          <div className="table-wrap" tabIndex={0}>
            <table>
              <caption className="visually-hidden">{t('reports.jobs.list')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('reports.jobs.type')}</th>
                  <th scope="col">{t('reports.jobs.format')}</th>
                  <th scope="col">{t('reports.jobs.covers')}</th>
                  <th scope="col">{t('reports.jobs.requested')}</th>
                  <th scope="col">{t('reports.jobs.status')}</th>
                </tr>
              </thead>
              <tbody>
                {data.reports.map((r) => (
                  <tr key={r.id}>
                    <th scope="row">{t(`reports.type.${r.type}`)}</th>
                    <td>{r.format.toUpperCase()}</td>
                    <td>{t('reports.jobs.range', { from: formatDate(r.fromDate, 'UTC', lang), to: formatDate(r.toDate, 'UTC', lang) })}</td>
                    <td>
                      <DateTime iso={r.createdAt} />
                    </td>
                    <td>
                      <ReportState key={`${r.id}:${r.status}`} report={r} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )
      }
    </QueryView>
  );
}

/** Each month with its statement: the file once made; owners and finance admins can have one made. */
export function StatementList() {
  const { t, lang } = useLang();
  const canWrite = useCan('write');
  const statements = useStatements();
  const request = useRequestReport();
  return (
    <QueryView query={statements}>
      {(data) =>
        data.statements.length === 0 ? (
          <Empty />
        ) : (
          <>
            <div className="table-wrap" tabIndex={0}>
              <table>
                <caption className="visually-hidden">{t('reports.statements.title')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('reports.statements.month')}</th>
                    <th scope="col">{t('reports.jobs.status')}</th>
                  </tr>
                </thead>
                <tbody>
                  {data.statements.map((s) => (
                    <tr key={s.month}>
                      <th scope="row">
                        {t('reports.jobs.range', { from: formatDate(s.fromDate, 'UTC', lang), to: formatDate(s.toDate, 'UTC', lang) })}
                        {!s.complete && <span className="report-note"> {t('reports.statements.current')}</span>}
                      </th>
                      <td>
                        {s.report ? (
                          <ReportState key={`${s.report.id}:${s.report.status}`} report={s.report} />
                        ) : canWrite ? (
                          <button type="button" disabled={request.isPending} onClick={() => request.mutate({ type: 'monthly_statement', format: 'pdf', fromDate: s.fromDate, toDate: s.toDate })}>
                            {t('reports.statements.make')}
                            <span className="visually-hidden"> {s.month}</span>
                          </button>
                        ) : (
                          t('reports.statements.none')
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <FormError error={request.error} />
          </>
        )
      }
    </QueryView>
  );
}
