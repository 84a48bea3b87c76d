import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { ExampleCells } from './example-cells';
import { post } from '../../api';
import { FormError } from '../../components/field';
import { DateTime } from '../../components/money';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useLang } from '../../i18n';
import { policyPath, usePolicyChanged, useShadowResults, type Policy, type ShadowExample, type ShadowResults } from './policies-api';

/**
 * The shadow version on live traffic (GET /policies/{id}/shadow-results): what it would have
 * declined or reviewed since it started, with the newest examples and what was decided for real;
 * then promote it (POST …/versions/{id}/promote: its rules become the enforced version).
 */
export function ShadowPanel({ policy, editable }: { policy: Policy; editable: boolean }) {
  const { t } = useLang();
  const shadow = policy.shadowVersion;
  const results = useShadowResults(policy.id, shadow !== null);
  const changed = usePolicyChanged();
  const [promoted, setPromoted] = useState<number | null>(null);
  const promote = useMutation({
    mutationFn: (versionId: string) => post<{ policy: Policy }>(`${policyPath(policy.id)}/versions/${encodeURIComponent(versionId)}/promote`),
    onSuccess: ({ policy: updated }) => {
      changed(updated);
      setPromoted(updated.activeVersion?.number ?? null);
    },
  });
  return (
    <section className="panel" aria-labelledby="shadow-title">
      <h2 id="shadow-title">{t('policies.shadow.title')}</h2>
      {promoted !== null && (
        <p className="notice" role="status">
          {t('policies.shadow.promoted', { n: promoted })}
        </p>
      )}
      {!shadow ? (
        <Empty>{t('policies.shadow.none')}</Empty>
      ) : results.isPending ? (
        <Loading />
      ) : !results.data ? (
        <ErrorState error={results.error} onRetry={() => void results.refetch()} />
      ) : !results.data.shadowResults ? (
        <Empty>{t('policies.shadow.none')}</Empty>
      ) : (
        <ShadowResultsView results={results.data.shadowResults} editable={editable} promoting={promote.isPending} onPromote={(id) => promote.mutate(id)} />
      )}
      <FormError error={promote.error} />
    </section>
  );
}

function ShadowResultsView({ results: r, editable, promoting, onPromote }: { results: ShadowResults; editable: boolean; promoting: boolean; onPromote(versionId: string): void }) {
  const { t } = useLang();
  return (
    <>
      <p>
        {t('policies.shadow.since', { n: r.versionNumber })} <DateTime iso={r.since} />
      </p>
      <dl className="grid policy-counts">
        <div>
          <dt className="stat-label">{t('policies.shadow.wouldDecline')}</dt>
          <dd className="stat">{r.counts.declines}</dd>
        </div>
        <div>
          <dt className="stat-label">{t('policies.shadow.wouldReview')}</dt>
          <dd className="stat">{r.counts.reviews}</dd>
        </div>
        <div>
          <dt className="stat-label">{t('policies.shadow.declinedAnyway')}</dt>
          <dd className="stat">{r.counts.declinedAnyway}</dd>
        </div>
      </dl>
      {r.examples.length === 0 ? <Empty>{t('policies.shadow.noExamples')}</Empty> : <ShadowExamples examples={r.examples} />}
      {editable && (
        <div className="form-actions">
          <button type="button" className="primary" disabled={promoting} onClick={() => onPromote(r.versionId)}>
            {t('policies.shadow.promote', { n: r.versionNumber })}
          </button>
          <span className="muted">{t('policies.shadow.promoteHint')}</span>
        </div>
      )}
    </>
  );
}

function ShadowExamples({ examples }: { examples: ShadowExample[] }) {
  const { t } = useLang();
  return (
    <div className="table-wrap">
      <table>
        <caption>{t('policies.shadow.examples')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('policies.examples.time')}</th>
            <th scope="col">{t('policies.examples.amount')}</th>
            <th scope="col">{t('policies.examples.merchant')}</th>
            <th scope="col">{t('policies.examples.enforced')}</th>
            <th scope="col">{t('policies.examples.shadow')}</th>
          </tr>
        </thead>
        <tbody>
          {examples.map((e) => (
            <tr key={e.authorizationId}>
              <ExampleCells example={e} />
              <td>
                <span className={`decision-${e.enforced.decision}`}>{t(`decision.${e.enforced.decision}`)}</span>
                <div className="code">
                  {e.enforced.responseCode} · {e.enforced.reason}
                </div>
              </td>
              <td>
                {e.shadow.map((s) => (
                  <div key={`${s.type}-${s.rule}`}>
                    {t(`policies.event.${s.type}`)} · {s.rule}
                    <div className="code">
                      {s.responseCode ? `${s.responseCode} · ` : ''}
                      {s.reason}
                    </div>
                  </div>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
