import { Link, useParams } from 'react-router';
import { ApiError } from '../../api';
import { DateTime } from '../../components/money';
import { ErrorState, Loading } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import { BacktestPanel } from './backtest-panel';
import { usePolicy } from './policies-api';
import { policyMode, PolicyStatusBadge, ScopeTarget, VersionLabel } from './policy-bits';
import { PolicySettings } from './policy-settings';
import { ShadowPanel } from './shadow-panel';
import { VersionsPanel } from './versions-panel';

/**
 * One policy: what it is, its settings (rename, disable, stop the shadow), the shadow version's
 * results on live traffic with promotion, its versions with a diff of any two and rollback, and
 * backtests. Keyed by the policy, so going to another one starts afresh.
 */
export default function PolicyPage() {
  const { policyId = '' } = useParams();
  return <PolicyView key={policyId} policyId={policyId} />;
}

function PolicyView({ policyId }: { policyId: string }) {
  const { t } = useLang();
  const query = usePolicy(policyId);
  const canWrite = useCan('write');
  if (query.isPending) return <Loading />;
  if (!query.data) {
    const missing = query.error instanceof ApiError && query.error.status === 404;
    return (
      <div className="policies-page">
        <p className="breadcrumbs">
          <Link to="/policies">{t('policies.title')}</Link>
        </p>
        {missing ? <p className="state">{t('policies.policy.notFound')}</p> : <ErrorState error={query.error} onRetry={() => void query.refetch()} />}
      </div>
    );
  }
  const p = query.data.policy;
  const platform = p.scope.type === 'platform';
  const editable = canWrite && !platform;
  const from = p.activeVersionId ?? p.shadowVersionId;
  return (
    <div className="policies-page">
      <p className="breadcrumbs">
        <Link to="/policies">{t('policies.title')}</Link>
      </p>
      <div className="page-head">
        <h1>{p.name}</h1>
        <PolicyStatusBadge status={p.status} />
        {editable && from && (
          <Link className="button primary" to={`/policies/${p.id}/versions/new?from=${from}`}>
            {t('policies.policy.newVersion')}
          </Link>
        )}
      </div>
      {platform && <p className="notice">{t('policies.policy.platformReadOnly')}</p>}

      <div className="policy-layout">
        <section className="panel" aria-labelledby="policy-details-title">
          <h2 id="policy-details-title">{t('policies.policy.details')}</h2>
          <dl className="facts">
            <dt>{t('policies.list.appliesTo')}</dt>
            <dd>
              <ScopeTarget policy={p} />
            </dd>
            <dt>{t('policies.list.mode')}</dt>
            <dd>{t(`policies.mode.${policyMode(p)}`)}</dd>
            <dt>{t('policies.list.enforced')}</dt>
            <dd>
              <VersionLabel version={p.activeVersion} />
            </dd>
            <dt>{t('policies.list.shadow')}</dt>
            <dd>
              <VersionLabel version={p.shadowVersion} />
            </dd>
            <dt>{t('policies.policy.versions')}</dt>
            <dd>{p.versionCount}</dd>
            <dt>{t('policies.policy.updated')}</dt>
            <dd>
              <DateTime iso={p.updatedAt} />
            </dd>
          </dl>
        </section>
        {editable && <PolicySettings policy={p} />}
      </div>

      <ShadowPanel policy={p} editable={editable} />
      <VersionsPanel policy={p} editable={editable} />
      <BacktestPanel policy={p} editable={canWrite} />
    </div>
  );
}
