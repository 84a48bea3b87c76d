import { Link } from 'react-router';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useLang } from '../../i18n';
import { useCan } from '../../me';
import { POLICY_PAGE, POLICY_SCOPES, usePolicies, usePolicyActivity, type PolicyActivity, type PolicyScopeType } from './policies-api';
import { policyMode, PolicyStatusBadge, ScopeTarget, VersionLabel } from './policy-bits';

/**
 * The business's policies by scope (business, cardholder, card) and the platform baseline
 * (read-only), each with its enforced and shadow version, mode, status, and what it declined and
 * reviewed in the last 24 hours (GET /policy-activity).
 */
export default function PoliciesListPage() {
  const { t } = useLang();
  const canWrite = useCan('write');
  const activity = usePolicyActivity();
  return (
    <div className="policies-page">
      <div className="page-head">
        <h1>{t('policies.title')}</h1>
        {canWrite && (
          <Link className="button primary" to="/policies/new">
            {t('policies.list.new')}
          </Link>
        )}
      </div>
      <p className="muted">{t('policies.list.intro')}</p>
      {activity.isError && <ErrorState error={activity.error} onRetry={() => void activity.refetch()} />}
      {POLICY_SCOPES.map((scope) => (
        <ScopeSection key={scope} scope={scope} activity={activity.data} />
      ))}
    </div>
  );
}

function Count({ n }: { n: number | undefined }) {
  return <span className="num">{n ?? '…'}</span>;
}

function ScopeSection({ scope, activity }: { scope: PolicyScopeType; activity: Map<string, PolicyActivity> | undefined }) {
  const { t } = useLang();
  const list = usePolicies(scope);
  const headingId = `policies-scope-${scope}`;
  const none: PolicyActivity = { policyId: '', declines: 0, reviews: 0, shadowDeclines: 0, shadowReviews: 0 };
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>{t(`policies.list.scope.${scope}`)}</h2>
      {scope === 'platform' && <p className="muted">{t('policies.list.platformNote')}</p>}
      {list.isPending ? (
        <Loading />
      ) : !list.data ? (
        <ErrorState error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.policies.length === 0 ? (
        <Empty>{t('policies.list.none')}</Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('policies.list.caption', { scope: t(`policies.list.scope.${scope}`), count: list.data.totalCount })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('policies.list.name')}</th>
                <th scope="col">{t('policies.list.appliesTo')}</th>
                <th scope="col">{t('policies.list.status')}</th>
                <th scope="col">{t('policies.list.mode')}</th>
                <th scope="col">{t('policies.list.enforced')}</th>
                <th scope="col">{t('policies.list.shadow')}</th>
                <th scope="col">{t('policies.list.declines24h')}</th>
                <th scope="col">{t('policies.list.reviews24h')}</th>
                <th scope="col">{t('policies.list.shadow24h')}</th>
              </tr>
            </thead>
            <tbody>
              {list.data.policies.map((p) => {
                const a = activity ? (activity.get(p.id) ?? none) : undefined;
                return (
                  <tr key={p.id}>
                    <td>
                      <Link to={`/policies/${p.id}`}>{p.name}</Link>
                    </td>
                    <td>
                      <ScopeTarget policy={p} />
                    </td>
                    <td>
                      <PolicyStatusBadge status={p.status} />
                    </td>
                    <td>{t(`policies.mode.${policyMode(p)}`)}</td>
                    <td>
                      <VersionLabel version={p.activeVersion} />
                    </td>
                    <td>
                      <VersionLabel version={p.shadowVersion} />
                    </td>
                    <td>
                      <Count n={a?.declines} />
                    </td>
                    <td>
                      <Count n={a?.reviews} />
                    </td>
                    <td>{a ? t('policies.list.shadowCounts', { declines: a.shadowDeclines, reviews: a.shadowReviews }) : '…'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {list.data.totalCount > POLICY_PAGE && <p className="muted">{t('policies.list.firstOnly', { shown: POLICY_PAGE, total: list.data.totalCount })}</p>}
        </div>
      )}
    </section>
  );
}
