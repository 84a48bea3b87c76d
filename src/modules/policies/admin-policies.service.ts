import type { z } from 'zod';
import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { Conflict } from '../../platform/errors';
import type { Caller } from '../access/caller';
import type { backtestListQuery, policyActivityView, shadowResultsQuery, shadowResultsView } from './admin-policies.schemas';
import { presentBacktest, type BacktestRow } from './backtest';
import type { backtestView, policyView } from './policies.schemas';
import { appendVersion, auditPolicy, findPolicy, findVersion, present, updateReturning, type PolicyRow } from './policies.service';

/**
 * What the dashboard's policy pages read beside the policy API (docs/policies.md, "Dashboard"):
 * what each policy did to live traffic, enforced and in shadow, and promoting a shadow version.
 * The reads go through `authorizations_policy_hits` (migration 1766000000000), a partial index of
 * the authorizations a policy acted on; POLICY_HIT repeats its predicate so the planner uses it.
 */
export const POLICY_HIT = `a.policy @? '$ ? (exists(@.decline) || exists(@.reviews[*]) || exists(@.shadow[*].events[*] ? (@.type == "decline" || @.type == "review")))'`;

const DAY_MS = 86_400_000;
/** Examples of a shadow version's results, newest first. */
export const SHADOW_EXAMPLES = 10;

type PolicyActivity = z.infer<typeof policyActivityView>;

/**
 * For every policy that acted in the last 24 h: the authorizations it declined (its decline was the
 * answer: an earlier step such as a frozen card or a spend control did not decide first), the
 * approvals it put under review, and what its shadow version would have declined or reviewed.
 * Policies missing from the answer did nothing in the window.
 */
export async function policyActivity(k: Kartu, businessId: string): Promise<{ from: string; to: string; policies: PolicyActivity[] }> {
  // The database's clock: it stamps authorizations' created_at.
  const [{ to }]: Array<{ to: Date }> = await k.db.query('SELECT now() AS to');
  const from = new Date(to.getTime() - DAY_MS);
  const rows: Array<{ policy_id: string; kind: 'decline' | 'review' | 'shadowDecline' | 'shadowReview'; count: number }> = await k.db.query(
    `SELECT x.policy_id, x.kind, count(DISTINCT a.id)::int AS count
       FROM authorizations a
      CROSS JOIN LATERAL (
        SELECT a.policy->'decline'->>'policyId', 'decline'
         WHERE a.decision = 'declined' AND a.response_code = a.policy->'decline'->>'responseCode' AND a.reason = a.policy->'decline'->>'reason'
        UNION ALL
        SELECT r->>'policyId', 'review' FROM jsonb_array_elements(coalesce(a.policy->'reviews', '[]')) r WHERE a.decision <> 'declined'
        UNION ALL
        SELECT s->>'policyId', 'shadowDecline' FROM jsonb_array_elements(coalesce(a.policy->'shadow', '[]')) s WHERE s->'events' @> '[{"type": "decline"}]'
        UNION ALL
        SELECT s->>'policyId', 'shadowReview' FROM jsonb_array_elements(coalesce(a.policy->'shadow', '[]')) s WHERE s->'events' @> '[{"type": "review"}]'
      ) x(policy_id, kind)
      WHERE a.business_id = $1 AND a.created_at > $2 AND a.created_at <= $3 AND ${POLICY_HIT}
      GROUP BY x.policy_id, x.kind`,
    [businessId, from, to],
  );
  const byPolicy = new Map<string, PolicyActivity>();
  for (const row of rows) {
    let entry = byPolicy.get(row.policy_id);
    if (!entry) byPolicy.set(row.policy_id, (entry = { policyId: row.policy_id, declines: 0, reviews: 0, shadowDeclines: 0, shadowReviews: 0 }));
    if (row.kind === 'decline') entry.declines = row.count;
    else if (row.kind === 'review') entry.reviews = row.count;
    else if (row.kind === 'shadowDecline') entry.shadowDeclines = row.count;
    else entry.shadowReviews = row.count;
  }
  return { from: from.toISOString(), to: to.toISOString(), policies: [...byPolicy.values()] };
}

type ShadowResults = z.infer<typeof shadowResultsView>;

interface ShadowRow {
  id: string;
  created_at: Date;
  amount: string;
  currency: string;
  decision: 'approved' | 'partial' | 'declined';
  response_code: string;
  reason: string;
  merchant: { id?: string; name?: string; mcc?: string; country?: string } | null;
  card_id: string;
  events: Array<{ type: 'decline' | 'review' | 'approve'; rule: string; reason: string; responseCode?: string }>;
}

/**
 * What a shadow version (the policy's current one unless `versionId` names another of its
 * versions) would have declined or reviewed on live traffic since it was created: counts, and
 * the newest examples with what was decided for real. Null when the policy has no shadow version
 * and none is named.
 */
export async function shadowResults(k: Kartu, businessId: string, policyId: string, q: z.infer<typeof shadowResultsQuery>): Promise<ShadowResults | null> {
  const tx = k.db.manager;
  const policy = await findPolicy(tx, businessId, policyId);
  const versionId = q.versionId ?? policy.shadow_version_id;
  if (!versionId) return null;
  const version = await findVersion(tx, policy, versionId);
  const [{ to }]: Array<{ to: Date }> = await tx.query('SELECT now() AS to');
  // One element of the authorization's shadow results per shadow version: this version's.
  const params = [businessId, version.created_at, to, JSON.stringify([{ policyId: policy.id, versionId: version.id }]), version.id];
  const from = `FROM authorizations a
      CROSS JOIN LATERAL jsonb_array_elements(a.policy->'shadow') s
      WHERE a.business_id = $1 AND a.created_at >= $2 AND a.created_at <= $3 AND ${POLICY_HIT}
        AND a.policy->'shadow' @> $4::jsonb AND s->>'versionId' = $5
        AND s->'events' @? '$[*] ? (@.type == "decline" || @.type == "review")'`;
  const [counts]: Array<{ declines: number; reviews: number; declined_anyway: number }> = await tx.query(
    `SELECT count(*) FILTER (WHERE s->'events' @> '[{"type": "decline"}]')::int AS declines,
            count(*) FILTER (WHERE s->'events' @> '[{"type": "review"}]')::int AS reviews,
            count(*) FILTER (WHERE s->'events' @> '[{"type": "decline"}]' AND a.decision = 'declined')::int AS declined_anyway
       ${from}`,
    params,
  );
  const rows: ShadowRow[] = await tx.query(
    `SELECT a.id, a.created_at, a.amount::text AS amount, a.currency, a.decision, a.response_code, a.reason, a.merchant, a.card_id, s->'events' AS events
       ${from}
      ORDER BY a.created_at DESC, a.id DESC LIMIT ${SHADOW_EXAMPLES}`,
    params,
  );
  return {
    policyId: policy.id,
    versionId: version.id,
    versionNumber: version.number,
    current: policy.shadow_version_id === version.id,
    since: version.created_at.toISOString(),
    until: to.toISOString(),
    counts: { declines: counts!.declines, reviews: counts!.reviews, declinedAnyway: counts!.declined_anyway },
    examples: rows.map((r) => ({
      authorizationId: r.id,
      createdAt: r.created_at.toISOString(),
      cardId: r.card_id,
      amount: r.amount,
      currency: r.currency,
      merchant: { id: r.merchant?.id ?? null, name: r.merchant?.name ?? null, mcc: r.merchant?.mcc ?? null, country: r.merchant?.country ?? null },
      enforced: { decision: r.decision, responseCode: r.response_code, reason: r.reason },
      shadow: r.events.flatMap((e) => (e.type === 'approve' ? [] : [{ type: e.type, rule: e.rule, reason: e.reason, responseCode: e.responseCode ?? null }])),
    })),
  };
}

/**
 * Promotes a shadow version: its rules become a new enforce version (versions are immutable, so
 * the enforced one is a new version with the same rules, noted as promoted from it) and the shadow
 * slot is emptied, in one transaction, audited as `policy.version.promoted`. Only the policy's
 * current shadow version is promoted: anything else is 409xx00 (it was stopped, replaced or is
 * not a shadow version), so what was watched is what becomes enforced.
 */
export async function promoteShadowVersion(k: Kartu, caller: Caller, policyId: string, versionId: string): Promise<z.infer<typeof policyView>> {
  return inTransaction(k.db, async (tx) => {
    const current = await findPolicy(tx, caller.businessId, policyId, { lock: true, write: true });
    const shadow = await findVersion(tx, current, versionId);
    if (shadow.mode !== 'shadow' || current.shadow_version_id !== shadow.id) {
      throw new Conflict(`version ${shadow.number} is not the policy's shadow version: only the current shadow version is promoted`);
    }
    const { policy, version } = await appendVersion(tx, current, {
      mode: 'enforce',
      rules: shadow.rules,
      note: `Promoted from shadow version ${shadow.number}`,
      author: { type: caller.actorType, id: caller.actorId },
    });
    const [updated] = await updateReturning<PolicyRow>(tx, 'UPDATE policies SET shadow_version_id = NULL WHERE id = $1 RETURNING *', [policy.id]);
    await auditPolicy(tx, caller, 'policy.version.promoted', policy.id, {
      shadowVersionId: shadow.id,
      shadowNumber: shadow.number,
      versionId: version.id,
      number: version.number,
      replaced: current.active_version_id,
    });
    return (await present(tx, [updated!]))[0]!;
  });
}

/** The policy's backtests, newest first (index policy_backtests_policy). */
export async function policyBacktests(k: Kartu, businessId: string, policyId: string, q: z.infer<typeof backtestListQuery>): Promise<Array<z.infer<typeof backtestView>>> {
  const policy = await findPolicy(k.db.manager, businessId, policyId);
  const rows: BacktestRow[] = await k.db.query('SELECT * FROM policy_backtests WHERE policy_id = $1 AND business_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3', [
    policy.id,
    businessId,
    q.pageSize,
  ]);
  return rows.map(presentBacktest);
}
