import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { ExampleCells } from './example-cells';
import { post } from '../../api';
import { Field, FormError, SelectField } from '../../components/field';
import { DateTime, useTimeZone } from '../../components/money';
import { Empty, ErrorState, Loading } from '../../components/states';
import { isoToWallTime, wallTimeToIso } from '../../format';
import { useLang } from '../../i18n';
import { policyKeys, policyPath, useBacktest, useBacktests, useVersions, type Backtest, type BacktestExample, type BacktestReport, type Policy } from './policies-api';

const WEEK_MS = 7 * 86_400_000;

/**
 * Backtests (POST /policies/{id}/backtest, GET …/backtests/{id}): replay a date range of recorded
 * authorizations (read in the business time zone) against a version, a progress bar while it
 * runs, then its report; and the policy's earlier backtests.
 */
export function BacktestPanel({ policy, editable }: { policy: Policy; editable: boolean }) {
  const { t } = useLang();
  const timeZone = useTimeZone();
  const versions = useVersions(policy.id);
  const earlier = useBacktests(policy.id);
  const queryClient = useQueryClient();
  const [now] = useState(() => Date.now());
  const [form, setForm] = useState(() => ({
    versionId: policy.shadowVersionId ?? policy.activeVersionId ?? '',
    from: isoToWallTime(new Date(now - WEEK_MS).toISOString(), timeZone),
    to: isoToWallTime(new Date(now + 60_000).toISOString(), timeZone),
  }));
  const [shownId, setShownId] = useState<string | undefined>(undefined);
  const [invalid, setInvalid] = useState<{ from?: string; to?: string }>({});
  const request = useMutation({
    mutationFn: (body: { versionId: string; fromDateTime: string; toDateTime: string }) => post<{ backtest: Backtest }>(`${policyPath(policy.id)}/backtest`, body),
    onSuccess: ({ backtest }) => {
      setShownId(backtest.id);
      void queryClient.invalidateQueries({ queryKey: policyKeys.backtests(policy.id) });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const fromDateTime = wallTimeToIso(form.from, timeZone);
    const toDateTime = wallTimeToIso(form.to, timeZone);
    const problems = { from: fromDateTime ? undefined : t('policies.backtest.badTime'), to: toDateTime ? undefined : t('policies.backtest.badTime') };
    setInvalid(problems);
    if (!fromDateTime || !toDateTime) return;
    request.mutate({ versionId: form.versionId, fromDateTime, toDateTime });
  };
  const shown = shownId ?? earlier.data?.backtests[0]?.id;

  return (
    <section className="panel" aria-labelledby="backtest-title">
      <h2 id="backtest-title">{t('policies.backtest.title')}</h2>
      <p className="muted">{t('policies.backtest.intro', { timeZone })}</p>
      {editable && (
        <form className="form-inline" onSubmit={submit} noValidate aria-label={t('policies.backtest.form')}>
          <SelectField label={t('policies.backtest.version')} name="versionId" value={form.versionId} error={request.error} onChange={(e) => setForm({ ...form, versionId: e.target.value })}>
            {(versions.data?.versions ?? []).map((v) => (
              <option key={v.id} value={v.id}>
                {t('policies.diff.option', { n: v.number, mode: t(`policies.versionMode.${v.mode}`) })}
              </option>
            ))}
          </SelectField>
          <Field label={t('policies.backtest.from')} name="fromDateTime" type="datetime-local" value={form.from} error={request.error} message={invalid.from} onChange={(e) => setForm({ ...form, from: e.target.value })} />
          <Field label={t('policies.backtest.to')} name="toDateTime" type="datetime-local" value={form.to} error={request.error} message={invalid.to} onChange={(e) => setForm({ ...form, to: e.target.value })} />
          <button type="submit" className="primary" disabled={request.isPending || !form.versionId}>
            {t('policies.backtest.run')}
          </button>
        </form>
      )}
      <FormError error={request.error} fields={['versionId', 'fromDateTime', 'toDateTime']} />
      {shown && <BacktestView policyId={policy.id} backtestId={shown} />}
      <h3>{t('policies.backtest.earlier')}</h3>
      {earlier.isPending ? (
        <Loading />
      ) : !earlier.data ? (
        <ErrorState error={earlier.error} onRetry={() => void earlier.refetch()} />
      ) : earlier.data.backtests.length === 0 ? (
        <Empty>{t('policies.backtest.none')}</Empty>
      ) : (
        <ul className="backtest-list">
          {earlier.data.backtests.map((b) => (
            <li key={b.id}>
              <button type="button" className="link-button" aria-pressed={b.id === shown} onClick={() => setShownId(b.id)}>
                {t('policies.backtest.item', { n: versionNumber(versions.data?.versions, b.versionId), status: t(`policies.backtest.status.${b.status}`) })}
              </button>{' '}
              <DateTime iso={b.fromDateTime} /> – <DateTime iso={b.toDateTime} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function versionNumber(versions: Array<{ id: string; number: number }> | undefined, id: string): string {
  return String(versions?.find((v) => v.id === id)?.number ?? '?');
}

/** One backtest: a progress bar, polled, until it is done; then its report. */
function BacktestView({ policyId, backtestId }: { policyId: string; backtestId: string }) {
  const { t } = useLang();
  const query = useBacktest(policyId, backtestId);
  const progressId = useId();
  const queryClient = useQueryClient();
  const status = query.data?.backtest.status;
  // The list of earlier backtests shows each one's status: refresh it when this one ends.
  useEffect(() => {
    if (status === 'completed' || status === 'failed') void queryClient.invalidateQueries({ queryKey: policyKeys.backtests(policyId) });
  }, [status, policyId, queryClient]);
  if (query.isPending) return <Loading />;
  if (!query.data) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  const b = query.data.backtest;
  const { processed, total } = b.progress;
  return (
    <div className="backtest" role="region" aria-labelledby={`${progressId}-title`}>
      <h3 id={`${progressId}-title`}>
        {t('policies.backtest.shown')} <DateTime iso={b.fromDateTime} /> – <DateTime iso={b.toDateTime} />
      </h3>
      {(b.status === 'queued' || b.status === 'running') && (
        <div className="backtest-progress">
          <label htmlFor={progressId}>{total === null ? t('policies.backtest.queued') : t('policies.backtest.progress', { processed, total })}</label>
          {total === null ? <progress id={progressId} /> : <progress id={progressId} value={processed} max={Math.max(total, 1)} />}
        </div>
      )}
      {b.status === 'failed' && (
        <p className="form-error" role="alert">
          {b.error ?? t('policies.backtest.status.failed')}
        </p>
      )}
      {b.status === 'completed' && b.report && <Report report={b.report} />}
    </div>
  );
}

function Report({ report }: { report: BacktestReport }) {
  const { t } = useLang();
  const totals = report.totals;
  const shownTotals = ['authorizations', 'replayed', 'skipped', 'recordedApproved', 'recordedDeclined', 'wouldDecline', 'wouldReview', 'approveToDecline', 'declineToApprove', 'unchanged'] as const;
  return (
    <div className="backtest-report">
      <p role="status">{t('policies.backtest.done', { n: report.versionNumber })}</p>
      <dl className="grid policy-counts">
        {shownTotals.map((k) => (
          <div key={k}>
            <dt className="stat-label">{t(`policies.backtest.totals.${k}`)}</dt>
            <dd className="stat">{totals[k]}</dd>
          </div>
        ))}
      </dl>
      <h4>{t('policies.backtest.approveToDecline', { count: report.changes.approveToDecline.count })}</h4>
      <Examples examples={report.changes.approveToDecline.examples} caption={t('policies.backtest.approveToDeclineExamples')} />
      {report.changes.declineToApprove.count > 0 && (
        <>
          <h4>{t('policies.backtest.declineToApprove', { count: report.changes.declineToApprove.count })}</h4>
          <Examples examples={report.changes.declineToApprove.examples} caption={t('policies.backtest.declineToApproveExamples')} />
        </>
      )}
      <div className="table-wrap">
        <table>
          <caption>{t('policies.backtest.byRule')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('policies.backtest.rule')}</th>
              <th scope="col">{t('policies.backtest.matched')}</th>
              <th scope="col">{t('policies.backtest.declines')}</th>
              <th scope="col">{t('policies.backtest.reviews')}</th>
              <th scope="col">{t('policies.backtest.approves')}</th>
              <th scope="col">{t('policies.backtest.totals.approveToDecline')}</th>
            </tr>
          </thead>
          <tbody>
            {report.byRule.map((r) => (
              <tr key={r.rule}>
                <th scope="row">{r.rule}</th>
                <td className="num">{r.matched}</td>
                <td className="num">{r.declines}</td>
                <td className="num">{r.reviews}</td>
                <td className="num">{r.approves}</td>
                <td className="num">{r.approveToDecline}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Examples({ examples, caption }: { examples: BacktestExample[]; caption: string }) {
  const { t } = useLang();
  if (examples.length === 0) return <Empty>{t('policies.backtest.noExamples')}</Empty>;
  return (
    <div className="table-wrap">
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('policies.examples.time')}</th>
            <th scope="col">{t('policies.examples.amount')}</th>
            <th scope="col">{t('policies.examples.merchant')}</th>
            <th scope="col">{t('policies.backtest.recorded')}</th>
            <th scope="col">{t('policies.backtest.replayed')}</th>
          </tr>
        </thead>
        <tbody>
          {examples.map((e) => (
            <tr key={e.authorizationId}>
              <ExampleCells example={e} />
              <td>
                {t(`decision.${e.recorded.decision}`)}
                <div className="code">
                  {e.recorded.responseCode} · {e.recorded.reason}
                </div>
              </td>
              <td>
                {t(`decision.${e.replayed.decision}`)}
                {e.replayed.rule && (
                  <div className="code">
                    {e.replayed.responseCode ? `${e.replayed.responseCode} · ` : ''}
                    {e.replayed.rule}
                  </div>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
