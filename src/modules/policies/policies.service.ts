import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { EntityManager } from 'typeorm';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { FeatureNotAllowed, InvalidAccount, NotFound } from '../../platform/errors';
import { recordAudit } from '../access/audit';
import { Business } from '../access/business.entity';
import type { Caller } from '../access/caller';
import { findCardholder } from '../cards/cardholders.service';
import { getCard } from '../cards/cards.service';
import { findMccGroupsFile, mccGroupsOf } from '../controls/mcc-groups';
import { compileRules } from './compile';
import { localHourAndWeekday, type PolicyFacts, type VelocityFacts } from './facts';
import type { policyCreate, policyListQuery, policyTest, policyUpdate, policyView, sampleFacts, testResult, versionCreate, versionListQuery, versionView } from './policies.schemas';
import { prepareReferenceRules, referenceEvaluate } from './reference-engine';
import { validateRules, type RuleJson } from './rule-validation';

type PolicyView = z.infer<typeof policyView>;
type VersionView = z.infer<typeof versionView>;
type Mode = 'enforce' | 'shadow';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The platform baseline policy (rules/platform-policy.json) has this fixed id everywhere. */
export const PLATFORM_POLICY_ID = '00000000-0000-4000-8000-000000000001';
const PLATFORM_FILE = 'platform-policy.json';

export interface PolicyRow {
  id: string;
  business_id: string | null;
  scope_type: 'platform' | 'business' | 'cardholder' | 'card';
  scope_id: string | null;
  name: string;
  status: 'ACTIVE' | 'DISABLED';
  active_version_id: string | null;
  shadow_version_id: string | null;
  version_count: number;
  created_at: Date;
  updated_at: Date;
}

export interface VersionRow {
  id: string;
  policy_id: string;
  business_id: string | null;
  number: number;
  mode: Mode;
  rules: RuleJson[];
  note: string | null;
  author_type: string;
  author_id: string | null;
  source_sha256: string | null;
  created_at: Date;
}

export function presentVersion(v: VersionRow, p: Pick<PolicyRow, 'active_version_id' | 'shadow_version_id'>): VersionView {
  return {
    id: v.id,
    policyId: v.policy_id,
    number: v.number,
    mode: v.mode,
    rules: v.rules,
    note: v.note,
    author: { type: v.author_type, id: v.author_id },
    createdAt: v.created_at.toISOString(),
    active: p.active_version_id === v.id,
    shadow: p.shadow_version_id === v.id,
  };
}

function presentPolicy(p: PolicyRow, versions: ReadonlyMap<string, VersionRow>): PolicyView {
  const active = p.active_version_id ? versions.get(p.active_version_id) : undefined;
  const shadow = p.shadow_version_id ? versions.get(p.shadow_version_id) : undefined;
  return {
    id: p.id,
    name: p.name,
    scope: { type: p.scope_type, id: p.scope_id },
    status: p.status,
    activeVersionId: p.active_version_id,
    shadowVersionId: p.shadow_version_id,
    activeVersion: active ? presentVersion(active, p) : null,
    shadowVersion: shadow ? presentVersion(shadow, p) : null,
    versionCount: p.version_count,
    createdAt: p.created_at.toISOString(),
    updatedAt: p.updated_at.toISOString(),
  };
}

export async function present(tx: EntityManager, policies: PolicyRow[]): Promise<PolicyView[]> {
  const ids = policies.flatMap((p) => [p.active_version_id, p.shadow_version_id]).filter((id): id is string => id !== null);
  const rows: VersionRow[] = ids.length ? await tx.query('SELECT * FROM policy_versions WHERE id = ANY($1)', [ids]) : [];
  const versions = new Map(rows.map((v) => [v.id, v]));
  return policies.map((p) => presentPolicy(p, versions));
}

/**
 * A policy the business may read: its own, or the platform's. Another business's id (or a
 * malformed one) is not found. `write` refuses the platform policy: it changes with its file.
 */
export async function findPolicy(tx: EntityManager, businessId: string, id: string, o: { lock?: boolean; write?: boolean } = {}): Promise<PolicyRow> {
  if (!UUID.test(id)) throw new NotFound('Policy Not Found');
  const [row]: PolicyRow[] = await tx.query(
    `SELECT * FROM policies WHERE id = $1 AND (business_id = $2 OR business_id IS NULL)${o.lock ? ' FOR UPDATE' : ''}`,
    [id, businessId],
  );
  if (!row) throw new NotFound('Policy Not Found');
  if (o.write && row.business_id === null) throw new FeatureNotAllowed('The platform policy changes only with rules/platform-policy.json');
  return row;
}

export async function findVersion(tx: EntityManager, policy: PolicyRow, versionId: string): Promise<VersionRow> {
  if (!UUID.test(versionId)) throw new NotFound('Policy Version Not Found');
  const [row]: VersionRow[] = await tx.query('SELECT * FROM policy_versions WHERE id = $1 AND policy_id = $2', [versionId, policy.id]);
  if (!row) throw new NotFound('Policy Version Not Found');
  return row;
}

/** Rows of an UPDATE … RETURNING (TypeORM answers those with [rows, affected count]). */
export async function updateReturning<T>(tx: Pick<EntityManager, 'query'>, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await tx.query(sql, params);
  return Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? (result[0] as T[]) : (result as T[]);
}

/**
 * The next value of the platform-wide policy generation. The row lock it takes is held to commit,
 * so generations are handed out in commit order (PolicyRuntime reads "changed since N" safely).
 */
async function nextGeneration(tx: EntityManager): Promise<string> {
  const [row] = await updateReturning<{ generation: string }>(tx, 'UPDATE policy_generation SET generation = generation + 1 RETURNING generation');
  return row!.generation;
}

interface Author {
  type: string;
  id: string | null;
}

/** Appends a version and points the policy's enforced or shadow slot at it. */
export async function appendVersion(tx: EntityManager, policy: PolicyRow, input: { mode: Mode; rules: RuleJson[]; note?: string | null; author: Author; sha256?: string }): Promise<{ policy: PolicyRow; version: VersionRow }> {
  const number = policy.version_count + 1;
  const [version]: VersionRow[] = await tx.query(
    `INSERT INTO policy_versions (policy_id, business_id, number, mode, rules, note, author_type, author_id, source_sha256)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
    [policy.id, policy.business_id, number, input.mode, JSON.stringify(input.rules), input.note ?? null, input.author.type, input.author.id, input.sha256 ?? null],
  );
  const slot = input.mode === 'enforce' ? 'active_version_id' : 'shadow_version_id';
  const generation = await nextGeneration(tx);
  const [updated] = await updateReturning<PolicyRow>(
    tx,
    `UPDATE policies SET ${slot} = $2, version_count = $3, generation = $4, updated_at = now() WHERE id = $1 RETURNING *`,
    [policy.id, version!.id, number, generation],
  );
  return { policy: updated!, version: version! };
}

export function auditPolicy(tx: EntityManager, caller: Caller, action: string, policyId: string, details: Record<string, unknown>) {
  return recordAudit(tx, { businessId: caller.businessId, actorType: caller.actorType, actorId: caller.actorId, action, targetType: 'policy', targetId: policyId, details, ip: caller.ip });
}

async function checkScope(tx: EntityManager, k: Kartu, businessId: string, scope: { type: string; id?: string }): Promise<void> {
  if (scope.type === 'cardholder' && !(await findCardholder(tx, businessId, scope.id!))) throw new InvalidAccount('scope.id');
  if (scope.type === 'card') {
    try {
      await getCard(k, businessId, scope.id!);
    } catch (err) {
      if (err instanceof NotFound) throw new InvalidAccount('scope.id');
      throw err;
    }
  }
}

export async function createPolicy(k: Kartu, caller: Caller, input: z.infer<typeof policyCreate>): Promise<PolicyView> {
  const rules = validateRules(input.rules).map((r) => r.rule);
  return inTransaction(k.db, async (tx) => {
    await checkScope(tx, k, caller.businessId, input.scope);
    const generation = await nextGeneration(tx);
    const [created]: PolicyRow[] = await tx.query(
      `INSERT INTO policies (business_id, scope_type, scope_id, name, generation) VALUES ($1, $2, $3, $4, $5) RETURNING *`,
      [caller.businessId, input.scope.type, input.scope.id ?? null, input.name, generation],
    );
    const { policy, version } = await appendVersion(tx, created!, { mode: input.mode, rules, note: input.note, author: { type: caller.actorType, id: caller.actorId } });
    await auditPolicy(tx, caller, 'policy.created', policy.id, { name: policy.name, scope: input.scope, versionId: version.id, number: version.number, mode: version.mode });
    return (await present(tx, [policy]))[0]!;
  });
}

export async function getPolicy(k: Kartu, businessId: string, id: string): Promise<PolicyView> {
  const tx = k.db.manager;
  return (await present(tx, [await findPolicy(tx, businessId, id)]))[0]!;
}

export async function listPolicies(k: Kartu, businessId: string, q: z.infer<typeof policyListQuery>) {
  const where = ['(business_id = $1 OR business_id IS NULL)'];
  const params: unknown[] = [businessId];
  if (q.scopeType) where.push(`scope_type = $${params.push(q.scopeType)}`);
  if (q.scopeId) where.push(`scope_id = $${params.push(q.scopeId)}`);
  if (q.status) where.push(`status = $${params.push(q.status)}`);
  const tx = k.db.manager;
  const [{ count }]: Array<{ count: number }> = await tx.query(`SELECT count(*)::int AS count FROM policies WHERE ${where.join(' AND ')}`, params);
  const rows: PolicyRow[] = await tx.query(
    `SELECT * FROM policies WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
    [...params, q.pageSize, q.pageSize * q.pageNumber],
  );
  return { policies: await present(tx, rows), pageNumber: q.pageNumber, pageSize: q.pageSize, totalCount: count };
}

export async function updatePolicy(k: Kartu, caller: Caller, id: string, input: z.infer<typeof policyUpdate>): Promise<PolicyView> {
  return inTransaction(k.db, async (tx) => {
    const policy = await findPolicy(tx, caller.businessId, id, { lock: true, write: true });
    const changed: Record<string, unknown> = {};
    if (input.name !== undefined && input.name !== policy.name) changed.name = input.name;
    if (input.status !== undefined && input.status !== policy.status) changed.status = input.status;
    if (input.shadowVersionId === null && policy.shadow_version_id !== null) changed.shadowVersionId = null;
    if (Object.keys(changed).length === 0) return (await present(tx, [policy]))[0]!;
    const generation = await nextGeneration(tx);
    const [updated] = await updateReturning<PolicyRow>(
      tx,
      `UPDATE policies SET name = $2, status = $3, shadow_version_id = $4, generation = $5, updated_at = now() WHERE id = $1 RETURNING *`,
      [policy.id, input.name ?? policy.name, input.status ?? policy.status, 'shadowVersionId' in changed ? null : policy.shadow_version_id, generation],
    );
    await auditPolicy(tx, caller, 'policy.updated', policy.id, { changed, previous: { name: policy.name, status: policy.status, shadowVersionId: policy.shadow_version_id } });
    return (await present(tx, [updated!]))[0]!;
  });
}

export async function createVersion(k: Kartu, caller: Caller, policyId: string, input: z.infer<typeof versionCreate>): Promise<VersionView> {
  const rules = validateRules(input.rules).map((r) => r.rule);
  return inTransaction(k.db, async (tx) => {
    const current = await findPolicy(tx, caller.businessId, policyId, { lock: true, write: true });
    const { policy, version } = await appendVersion(tx, current, { mode: input.mode, rules, note: input.note, author: { type: caller.actorType, id: caller.actorId } });
    await auditPolicy(tx, caller, 'policy.version.created', policy.id, {
      versionId: version.id,
      number: version.number,
      mode: version.mode,
      replaced: input.mode === 'enforce' ? current.active_version_id : current.shadow_version_id,
    });
    return presentVersion(version, policy);
  });
}

export async function listVersions(k: Kartu, businessId: string, policyId: string, q: z.infer<typeof versionListQuery>) {
  const tx = k.db.manager;
  const policy = await findPolicy(tx, businessId, policyId);
  const rows: VersionRow[] = await tx.query('SELECT * FROM policy_versions WHERE policy_id = $1 ORDER BY number DESC LIMIT $2 OFFSET $3', [
    policy.id,
    q.pageSize,
    q.pageSize * q.pageNumber,
  ]);
  return { versions: rows.map((v) => presentVersion(v, policy)), pageNumber: q.pageNumber, pageSize: q.pageSize, totalCount: policy.version_count };
}

export async function getVersion(k: Kartu, businessId: string, policyId: string, versionId: string): Promise<VersionView> {
  const tx = k.db.manager;
  const policy = await findPolicy(tx, businessId, policyId);
  return presentVersion(await findVersion(tx, policy, versionId), policy);
}

/**
 * Makes a stored version current again: an enforce version becomes the enforced one (a rollback
 * when it is older), a shadow version the shadow one. Nothing about the version itself changes.
 */
export async function activateVersion(k: Kartu, caller: Caller, policyId: string, versionId: string): Promise<PolicyView> {
  return inTransaction(k.db, async (tx) => {
    const policy = await findPolicy(tx, caller.businessId, policyId, { lock: true, write: true });
    const version = await findVersion(tx, policy, versionId);
    const slot = version.mode === 'enforce' ? 'active_version_id' : 'shadow_version_id';
    const previous = policy[slot];
    if (previous === version.id) return (await present(tx, [policy]))[0]!;
    const generation = await nextGeneration(tx);
    const [updated] = await updateReturning<PolicyRow>(tx, `UPDATE policies SET ${slot} = $2, generation = $3, updated_at = now() WHERE id = $1 RETURNING *`, [
      policy.id,
      version.id,
      generation,
    ]);
    await auditPolicy(tx, caller, 'policy.version.activated', policy.id, { versionId: version.id, number: version.number, mode: version.mode, previousVersionId: previous });
    return (await present(tx, [updated!]))[0]!;
  });
}

/** The versions a test or backtest may name: the policy's own, readable by the caller. */
export async function readableVersion(k: Kartu, businessId: string, policyId: string, versionId?: string): Promise<{ policy: PolicyRow; version: VersionRow }> {
  const tx = k.db.manager;
  const policy = await findPolicy(tx, businessId, policyId);
  const id = versionId ?? policy.active_version_id ?? policy.shadow_version_id;
  if (!id) throw new NotFound('Policy Version Not Found');
  return { policy, version: await findVersion(tx, policy, id) };
}

const QUIET_VELOCITY: VelocityFacts = {
  approvedCount15m: 0,
  approvedAmount15m: 0,
  approvedCount1h: 0,
  approvedAmount1h: 0,
  approvedCount24h: 0,
  approvedAmount24h: 0,
  declinedCount1h: 0,
  distinctCountries24h: 0,
  isNewMerchant: false,
  isNewCountry: false,
  amountZScore: null,
  secondsSinceLastTransaction: null,
};

/** A sample's missing facts take quiet defaults; hour and weekday default to now in the business time zone. */
export function completeSampleFacts(s: z.infer<typeof sampleFacts>, now: Date, timeZone: string, currency: string): PolicyFacts {
  const clock = localHourAndWeekday(now, timeZone);
  const t = s.transaction;
  return {
    transaction: {
      amount: t.amount,
      currency: t.currency ?? currency,
      billingAmount: t.amount,
      billingCurrency: t.currency ?? currency,
      merchantAmount: t.merchantAmount ?? t.amount,
      merchantCurrency: t.merchantCurrency ?? t.currency ?? currency,
      entryMode: t.entryMode ?? null,
      cardPresent: t.cardPresent ?? false,
      hour: t.hour ?? clock.hour,
      weekday: t.weekday ?? clock.weekday,
    },
    merchant: {
      id: s.merchant.id ?? 'sample-merchant',
      name: s.merchant.name ?? 'Sample merchant',
      mcc: s.merchant.mcc,
      mccGroups: s.merchant.mccGroups ?? mccGroupsOf(s.merchant.mcc),
      city: s.merchant.city ?? null,
      country: s.merchant.country,
    },
    card: { type: s.card?.type ?? 'VIRTUAL', ageDays: s.card?.ageDays ?? 30, status: s.card?.status ?? 'ACTIVE' },
    cardholder: { relationshipDays: s.cardholder?.relationshipDays ?? 365, tags: s.cardholder?.tags ?? [] },
    velocity: { ...QUIET_VELOCITY, ...s.velocity },
  };
}

/**
 * Evaluates rules (given, or a stored version) against a sample with json-rules-engine and returns
 * the decision, the trace (each rule, each condition evaluated, the fact values compared) and
 * whether the compiled evaluator agrees.
 */
export async function testPolicy(k: Kartu, caller: Caller, input: z.infer<typeof policyTest>): Promise<z.infer<typeof testResult>> {
  let rules: RuleJson[];
  let mode: Mode = 'enforce';
  let version: VersionView | null = null;
  if (input.rules) rules = validateRules(input.rules).map((r) => r.rule);
  else {
    const stored = await readableVersion(k, caller.businessId, input.policyId!, input.versionId);
    rules = stored.version.rules;
    mode = stored.version.mode;
    version = presentVersion(stored.version, stored.policy);
  }
  const business = await k.db.manager.findOneByOrFail(Business, { id: caller.businessId });
  const facts = completeSampleFacts(input.facts, k.clock.now(), business.timeZone, business.currency);
  const reference = await referenceEvaluate(prepareReferenceRules(rules), facts as unknown as Record<string, unknown>);
  const compiled = compileRules(rules).evaluate(facts as unknown as Record<string, unknown>);
  const events = reference.events;
  const decisive = events.find((e) => e.type === 'decline') ?? events.find((e) => e.type === 'review') ?? events.find((e) => e.type === 'approve');
  return {
    decision: { type: decisive?.type ?? 'none', responseCode: decisive?.responseCode ?? null, reason: decisive?.reason ?? null, rule: decisive?.rule ?? null },
    mode,
    events,
    trace: reference.trace as unknown as Array<Record<string, unknown>>,
    facts: facts as unknown as Record<string, unknown>,
    compiledAgrees: JSON.stringify(compiled) === JSON.stringify(events),
    version,
  };
}

/** rules/<name>, found like rules/mcc-groups.json (walking up from here to the repository root). */
function rulesFile(name: string): string {
  return path.join(path.dirname(findMccGroupsFile()), name);
}

interface PlatformFile {
  name: string;
  mode: Mode;
  rules: unknown;
}

/**
 * Loads the shipped defaults into the database, versioned like the rest: the platform policy
 * (rules/platform-policy.json) gets a new version when the file's content differs from its last
 * file-sourced version, and each distinct content of the rule files (the platform policy and
 * rules/mcc-groups.json) is recorded in policy_rule_files. Idempotent and safe when several
 * processes start at once (an advisory lock). An invalid platform file fails loudly.
 */
export async function ensurePlatformDefaults(k: Kartu): Promise<void> {
  const files = [PLATFORM_FILE, 'mcc-groups.json'].map((name) => {
    const text = fs.readFileSync(rulesFile(name), 'utf8');
    return { name, text, sha256: createHash('sha256').update(text).digest('hex'), json: JSON.parse(text) as unknown };
  });
  const platform = files[0]!;
  const parsed = platform.json as PlatformFile;
  let rules: RuleJson[];
  try {
    rules = validateRules(parsed.rules).map((r) => r.rule);
  } catch (err) {
    throw new Error(`rules/${PLATFORM_FILE}: ${(err as Error).message}`);
  }
  const mode: Mode = parsed.mode === 'shadow' ? 'shadow' : 'enforce';
  await inTransaction(k.db, async (tx) => {
    await tx.query("SELECT pg_advisory_xact_lock(hashtext('kartu:policies:platform-defaults'))");
    for (const f of files) {
      const [inserted] = await tx.query(
        'INSERT INTO policy_rule_files (name, sha256, content) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING sha256',
        [f.name, f.sha256, f.text],
      );
      if (inserted) {
        await recordAudit(tx, { businessId: null, actorType: 'system', actorId: 'system', action: 'policy.rule-file.loaded', targetType: 'rule-file', targetId: f.name, details: { sha256: f.sha256 } });
      }
    }
    let [policy]: PolicyRow[] = await tx.query('SELECT * FROM policies WHERE id = $1 FOR UPDATE', [PLATFORM_POLICY_ID]);
    if (!policy) {
      const generation = await nextGeneration(tx);
      [policy] = await tx.query(
        `INSERT INTO policies (id, business_id, scope_type, scope_id, name, generation) VALUES ($1, NULL, 'platform', NULL, $2, $3) RETURNING *`,
        [PLATFORM_POLICY_ID, String(parsed.name ?? 'Platform baseline policy').slice(0, 100), generation],
      );
    }
    const [last]: Array<{ source_sha256: string | null }> = await tx.query(
      'SELECT source_sha256 FROM policy_versions WHERE policy_id = $1 AND source_sha256 IS NOT NULL ORDER BY number DESC LIMIT 1',
      [PLATFORM_POLICY_ID],
    );
    if (last?.source_sha256 === platform.sha256) return;
    const { version } = await appendVersion(tx, policy!, { mode, rules, note: `rules/${PLATFORM_FILE} (sha256 ${platform.sha256.slice(0, 12)})`, author: { type: 'system', id: `rules/${PLATFORM_FILE}` }, sha256: platform.sha256 });
    await recordAudit(tx, { businessId: null, actorType: 'system', actorId: 'system', action: 'policy.version.created', targetType: 'policy', targetId: PLATFORM_POLICY_ID, details: { versionId: version.id, number: version.number, mode, source: `rules/${PLATFORM_FILE}`, sha256: platform.sha256 } });
  });
}
