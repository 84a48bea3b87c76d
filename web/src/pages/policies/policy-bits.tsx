import { Link } from 'react-router';
import { useLang } from '../../i18n';
import type { Policy, PolicyVersion } from './policies-api';

/** How a policy runs now: enforcing, shadow only, both, or nothing (disabled or no version). */
export function policyMode(p: Policy): 'enforce' | 'shadow' | 'enforceAndShadow' | 'none' {
  if (p.status === 'DISABLED') return 'none';
  if (p.activeVersion && p.shadowVersion) return 'enforceAndShadow';
  if (p.activeVersion) return 'enforce';
  if (p.shadowVersion) return 'shadow';
  return 'none';
}

export function PolicyStatusBadge({ status }: { status: Policy['status'] }) {
  const { t } = useLang();
  return <span className={`badge policy-status policy-status-${status.toLowerCase()}`}>{t(`policies.status.${status}`)}</span>;
}

/** A version as "v3", or a dash when there is none. */
export function VersionLabel({ version }: { version: PolicyVersion | null }) {
  const { t } = useLang();
  if (!version) return <span className="muted">—</span>;
  return <span>{t('policies.versionN', { n: version.number })}</span>;
}

/** What the policy applies to: the business, a cardholder or a card (linked), or every business. */
export function ScopeTarget({ policy }: { policy: Policy }) {
  const { t } = useLang();
  const { type, id } = policy.scope;
  if (type === 'cardholder' && id) return <Link to={`/cardholders/${id}`}>{t('policies.scope.cardholderLink')}</Link>;
  if (type === 'card' && id) return <Link to={`/cards/${id}`}>{t('policies.scope.cardLink')}</Link>;
  return <span>{t(`policies.scope.${type}`)}</span>;
}
