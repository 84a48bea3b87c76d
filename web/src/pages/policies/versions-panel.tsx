import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { post } from '../../api';
import { SelectField, FormError } from '../../components/field';
import { DateTime } from '../../components/money';
import { Empty, ErrorState, Loading } from '../../components/states';
import { useLang } from '../../i18n';
import { diffLines, rulesLines, sideBySide, type DiffCell } from './line-diff';
import { policyPath, usePolicyChanged, useVersions, type Policy, type PolicyVersion } from './policies-api';

/**
 * A policy's versions, newest first: which one is enforced and which shadows, a one-click
 * rollback (activate an older version: POST …/versions/{id}/activate, audited), a new version
 * starting from any of them, and a side-by-side diff of any two.
 */
export function VersionsPanel({ policy, editable }: { policy: Policy; editable: boolean }) {
  const { t } = useLang();
  const versions = useVersions(policy.id);
  const changed = usePolicyChanged();
  const [activated, setActivated] = useState<PolicyVersion | null>(null);
  const activate = useMutation({
    mutationFn: (v: PolicyVersion) => post<{ policy: Policy }>(`${policyPath(policy.id)}/versions/${encodeURIComponent(v.id)}/activate`),
    onMutate: () => setActivated(null),
    onSuccess: ({ policy: updated }, v) => {
      changed(updated);
      setActivated(v);
    },
  });
  const active = policy.activeVersion?.number ?? 0;
  const label = (v: PolicyVersion) =>
    v.mode === 'shadow' ? t('policies.versions.shadowAgain', { n: v.number }) : v.number < active ? t('policies.versions.rollBack', { n: v.number }) : t('policies.versions.activate', { n: v.number });

  return (
    <section className="panel" aria-labelledby="versions-title">
      <h2 id="versions-title">{t('policies.versions.title')}</h2>
      {activated && (
        <p className="notice" role="status">
          {t(activated.mode === 'shadow' ? 'policies.versions.shadowing' : 'policies.versions.enforcing', { n: activated.number })}
        </p>
      )}
      <FormError error={activate.error} />
      {versions.isPending ? (
        <Loading />
      ) : !versions.data ? (
        <ErrorState error={versions.error} onRetry={() => void versions.refetch()} />
      ) : versions.data.versions.length === 0 ? (
        <Empty />
      ) : (
        <>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">{t('policies.versions.caption', { count: versions.data.totalCount })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('policies.versions.version')}</th>
                  <th scope="col">{t('policies.versions.mode')}</th>
                  <th scope="col">{t('policies.versions.state')}</th>
                  <th scope="col">{t('policies.versions.created')}</th>
                  <th scope="col">{t('policies.versions.note')}</th>
                  <th scope="col">{t('policies.versions.rules')}</th>
                  {editable && <th scope="col">{t('policies.versions.actions')}</th>}
                </tr>
              </thead>
              <tbody>
                {versions.data.versions.map((v) => {
                  const current = v.id === policy.activeVersionId || v.id === policy.shadowVersionId;
                  return (
                    <tr key={v.id}>
                      <th scope="row">{t('policies.versionN', { n: v.number })}</th>
                      <td>{t(`policies.versionMode.${v.mode}`)}</td>
                      <td>{v.id === policy.activeVersionId ? t('policies.versions.isEnforced') : v.id === policy.shadowVersionId ? t('policies.versions.isShadow') : t('policies.versions.notInUse')}</td>
                      <td>
                        <DateTime iso={v.createdAt} />
                      </td>
                      <td>{v.note ?? '—'}</td>
                      <td>{t('policies.versions.ruleCount', { count: v.rules.length })}</td>
                      {editable && (
                        <td className="row-actions">
                          {!current && (
                            <button type="button" disabled={activate.isPending} onClick={() => activate.mutate(v)}>
                              {label(v)}
                            </button>
                          )}
                          <Link to={`/policies/${policy.id}/versions/new?from=${v.id}`}>{t('policies.versions.newFrom', { n: v.number })}</Link>
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <VersionDiff versions={versions.data.versions} />
        </>
      )}
    </section>
  );
}

/** Two versions' rules (pretty-printed JSON) side by side, line by line, changes marked in words. */
function VersionDiff({ versions }: { versions: PolicyVersion[] }) {
  const { t } = useLang();
  // Until one is chosen: the newest version against the one before it (also once a new one arrives).
  const [leftId, setLeftId] = useState<string | undefined>(undefined);
  const [rightId, setRightId] = useState<string | undefined>(undefined);
  const left = versions.find((v) => v.id === leftId) ?? versions[1] ?? versions[0]!;
  const right = versions.find((v) => v.id === rightId) ?? versions[0]!;
  const rows = sideBySide(diffLines(rulesLines(left.rules), rulesLines(right.rules)));
  const changes = rows.filter((r) => r.left?.kind !== 'same').length;
  const options = versions.map((v) => (
    <option key={v.id} value={v.id}>
      {t('policies.diff.option', { n: v.number, mode: t(`policies.versionMode.${v.mode}`) })}
    </option>
  ));
  return (
    <div className="policy-diff" role="region" aria-labelledby="diff-title">
      <h3 id="diff-title">{t('policies.diff.title')}</h3>
      <div className="form-inline">
        <SelectField label={t('policies.diff.left')} name="left" value={left.id} onChange={(e) => setLeftId(e.target.value)}>
          {options}
        </SelectField>
        <SelectField label={t('policies.diff.right')} name="right" value={right.id} onChange={(e) => setRightId(e.target.value)}>
          {options}
        </SelectField>
      </div>
      <p role="status">{changes === 0 ? t('policies.diff.same') : t('policies.diff.summary', { count: changes, left: left.number, right: right.number })}</p>
      <div className="table-wrap">
        <table className="diff-table">
          <caption className="visually-hidden">{t('policies.diff.caption', { left: left.number, right: right.number })}</caption>
          <thead>
            <tr>
              <th scope="col">{t('policies.diff.line')}</th>
              <th scope="col">{t('policies.diff.change')}</th>
              <th scope="col">{t('policies.versionN', { n: left.number })}</th>
              <th scope="col">{t('policies.diff.line')}</th>
              <th scope="col">{t('policies.diff.change')}</th>
              <th scope="col">{t('policies.versionN', { n: right.number })}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r, i) => (
              <tr key={i}>
                <Cell cell={r.left} />
                <Cell cell={r.right} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function Cell({ cell }: { cell: DiffCell | null }) {
  const { t } = useLang();
  if (!cell) {
    return (
      <>
        <td className="diff-num" />
        <td className="diff-mark" />
        <td className="diff-text diff-empty" />
      </>
    );
  }
  return (
    <>
      <td className="diff-num">{cell.line}</td>
      <td className={`diff-mark diff-${cell.kind}`}>{cell.kind === 'same' ? '' : t(`policies.diff.${cell.kind}`)}</td>
      <td className={`diff-text diff-${cell.kind}`}>
        <code>{cell.text}</code>
      </td>
    </>
  );
}
