import type { Kartu } from '../../context';
import { compileRules, type CompiledRules, type Facts, type PolicyEvent } from './compile';
import type { PolicyFacts, VelocityMask } from './facts';
import { ensurePlatformDefaults } from './policies.service';
import type { RuleJson } from './rule-validation';

export { buildPolicyFacts, type PolicyFacts, type PolicyFactsInput, type VelocityFacts } from './facts';

/**
 * The policies of the hot path, in memory. Every version is compiled once (versions are
 * immutable, so the cache never goes stale) and `evaluate` is synchronous: no I/O, no promises.
 *
 * Freshness: every policy change bumps `policy_generation` in its transaction (in commit order);
 * each process polls that one row every POLL_MS and reloads the policies changed since the
 * generation it has, so a new or activated version applies everywhere within a second.
 *
 * Precedence (docs/policies.md): platform → business → cardholder → card; within a scope the
 * oldest policy first; within a version by rule priority (highest first), then as written. The
 * first enforced decline in that order is the decline; every enforced review is reported; shadow
 * versions are evaluated and reported, never decide.
 */

export interface PolicyScope {
  businessId: string;
  cardholderId: string;
  cardId: string;
}

export interface PolicyOutcome {
  decline?: { responseCode: string; reason: string; policyId: string; versionId: string; rule: string };
  reviews: Array<{ policyId: string; versionId: string; rule: string; reason: string }>;
  shadow: Array<{ policyId: string; versionId: string; events: Array<{ type: 'decline' | 'review' | 'approve'; rule: string; reason: string; responseCode?: string }> }>;
}

export const POLL_MS = 500;

interface CompiledVersion {
  versionId: string;
  rules: CompiledRules;
}

interface Entry {
  policyId: string;
  businessId: string | null;
  bucket: string;
  createdAt: number;
  enforce?: CompiledVersion;
  shadow?: CompiledVersion;
}

interface Bucket {
  entries: Map<string, Entry>;
  /** Sorted oldest first; rebuilt when the bucket changes. */
  list: Entry[];
  /** The velocity properties its policies' rules read (0: none). */
  velocity: VelocityMask;
}

interface LoadedRow {
  id: string;
  business_id: string | null;
  scope_type: string;
  scope_id: string | null;
  status: string;
  created_at: Date;
  generation: string;
  active_version_id: string | null;
  active_rules: RuleJson[] | null;
  shadow_version_id: string | null;
  shadow_rules: RuleJson[] | null;
}

const EMPTY: Entry[] = [];

function bucketKey(scopeType: string, id: string | null): string {
  return `${scopeType}:${id ?? ''}`;
}

export class PolicyRuntime {
  private generation = -1n;
  private readonly compiled = new Map<string, CompiledRules>();
  private readonly byPolicy = new Map<string, Entry>();
  private readonly buckets = new Map<string, Bucket>();
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private queued?: Promise<void>;
  private failing = false;
  private closed = false;

  private constructor(private readonly k: Kartu) {}

  /** Loads the platform default (writing a new version when rules/platform-policy.json changed) and every active policy, then keeps them fresh. */
  static async start(k: Kartu, o: { pollMs?: number; loadDefaults?: boolean } = {}): Promise<PolicyRuntime> {
    if (o.loadDefaults !== false) await ensurePlatformDefaults(k);
    const runtime = new PolicyRuntime(k);
    await runtime.refresh();
    const poll = o.pollMs ?? POLL_MS;
    if (poll > 0) {
      runtime.timer = setInterval(() => void runtime.refresh().catch(() => undefined), poll);
      runtime.timer.unref();
    }
    return runtime;
  }

  /**
   * A runtime over the given policies only, with no database and no refresh (bench/policies.ts;
   * the same indexing and evaluation code as a started runtime).
   */
  static fromPolicies(
    k: Pick<Kartu, 'logger'>,
    policies: Array<{ id: string; businessId: string | null; scope: { type: 'platform' | 'business' | 'cardholder' | 'card'; id?: string }; enforce?: RuleJson[]; shadow?: RuleJson[] }>,
  ): PolicyRuntime {
    const runtime = new PolicyRuntime(k as Kartu);
    const touched = new Set<string>();
    policies.forEach((p, i) =>
      runtime.apply(
        {
          id: p.id,
          business_id: p.businessId,
          scope_type: p.scope.type,
          scope_id: p.scope.id ?? null,
          status: 'ACTIVE',
          created_at: new Date(i),
          generation: '0',
          active_version_id: p.enforce ? `${p.id}:enforce` : null,
          active_rules: p.enforce ?? null,
          shadow_version_id: p.shadow ? `${p.id}:shadow` : null,
          shadow_rules: p.shadow ?? null,
        },
        touched,
      ),
    );
    for (const key of touched) runtime.rebuild(key);
    runtime.closed = true;
    return runtime;
  }

  /** Reads the generation and applies what changed since the last refresh (also on demand, e.g. in tests). */
  refresh(): Promise<void> {
    // A reload under way may have read before the caller's change: queue one more after it.
    if (this.refreshing) {
      this.queued ??= this.refreshing
        .catch(() => undefined)
        .then(() => {
          this.queued = undefined;
          return this.refresh();
        });
      return this.queued;
    }
    this.refreshing = this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    if (this.closed) return;
    if (!this.k.db.isInitialized) {
      // The process let go of its database (shutdown, a test's end): nothing left to keep fresh.
      this.closed = true;
      clearInterval(this.timer);
      return;
    }
    try {
      const [state]: Array<{ generation: string }> = await this.k.db.query('SELECT generation FROM policy_generation');
      const current = BigInt(state?.generation ?? '0');
      if (current <= this.generation) return;
      const rows: LoadedRow[] = await this.k.db.query(
        `SELECT p.id, p.business_id, p.scope_type, p.scope_id, p.status, p.created_at, p.generation::text,
                p.active_version_id, av.rules AS active_rules, p.shadow_version_id, sv.rules AS shadow_rules
           FROM policies p
           LEFT JOIN policy_versions av ON av.id = p.active_version_id
           LEFT JOIN policy_versions sv ON sv.id = p.shadow_version_id
          WHERE p.generation > $1 AND p.generation <= $2`,
        [this.generation.toString(), current.toString()],
      );
      const touched = new Set<string>();
      for (const row of rows) this.apply(row, touched);
      for (const key of touched) this.rebuild(key);
      if (rows.length > 0) this.forgetUnused();
      this.generation = current;
      if (this.failing) this.k.logger.info('policies: reloading works again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.k.logger.error({ err: (err as Error).message }, 'policies: reload failed; evaluating the policies loaded before');
      this.failing = true;
      throw err;
    }
  }

  private compile(versionId: string | null, rules: RuleJson[] | null): CompiledVersion | undefined {
    if (!versionId || !rules) return undefined;
    let c = this.compiled.get(versionId);
    if (!c) {
      try {
        c = compileRules(rules);
      } catch (err) {
        // Validated on write; a rule that no longer compiles (code changed under it) is left out, loudly.
        this.k.logger.error({ versionId, err: (err as Error).message }, 'policies: a version does not compile; it is not evaluated');
        return undefined;
      }
      this.compiled.set(versionId, c);
    }
    return { versionId, rules: c };
  }

  /** Drops the compiled versions no policy uses any more (superseded, rolled back, disabled). */
  private forgetUnused(): void {
    const used = new Set<string>();
    for (const e of this.byPolicy.values()) {
      if (e.enforce) used.add(e.enforce.versionId);
      if (e.shadow) used.add(e.shadow.versionId);
    }
    for (const versionId of this.compiled.keys()) if (!used.has(versionId)) this.compiled.delete(versionId);
  }

  /** The versions compiled and kept in memory: exactly those an active policy enforces or shadows. */
  compiledVersionIds(): string[] {
    return [...this.compiled.keys()];
  }

  private apply(row: LoadedRow, touched: Set<string>): void {
    const old = this.byPolicy.get(row.id);
    if (old) {
      this.buckets.get(old.bucket)?.entries.delete(row.id);
      this.byPolicy.delete(row.id);
      touched.add(old.bucket);
    }
    if (row.status !== 'ACTIVE') return;
    const entry: Entry = {
      policyId: row.id,
      businessId: row.business_id,
      bucket: bucketKey(row.scope_type, row.scope_type === 'business' ? row.business_id : row.scope_id),
      createdAt: new Date(row.created_at).getTime(),
      enforce: this.compile(row.active_version_id, row.active_rules),
      shadow: this.compile(row.shadow_version_id, row.shadow_rules),
    };
    if (!entry.enforce && !entry.shadow) return;
    this.byPolicy.set(row.id, entry);
    let bucket = this.buckets.get(entry.bucket);
    if (!bucket) {
      bucket = { entries: new Map(), list: EMPTY, velocity: 0 };
      this.buckets.set(entry.bucket, bucket);
    }
    bucket.entries.set(row.id, entry);
    touched.add(entry.bucket);
  }

  private rebuild(key: string): void {
    const bucket = this.buckets.get(key);
    if (!bucket) return;
    if (bucket.entries.size === 0) {
      this.buckets.delete(key);
      return;
    }
    bucket.list = [...bucket.entries.values()].sort((a, b) => a.createdAt - b.createdAt || (a.policyId < b.policyId ? -1 : 1));
    bucket.velocity = bucket.list.reduce((m, e) => m | (e.enforce?.rules.velocity ?? 0) | (e.shadow?.rules.velocity ?? 0), 0);
  }

  /** The lists in precedence order; cardholder and card policies only of the scope's own business. */
  private lists(scope: PolicyScope): [Entry[], Entry[], Entry[], Entry[]] {
    return [
      this.buckets.get('platform:')?.list ?? EMPTY,
      this.buckets.get(bucketKey('business', scope.businessId))?.list ?? EMPTY,
      this.buckets.get(bucketKey('cardholder', scope.cardholderId))?.list ?? EMPTY,
      this.buckets.get(bucketKey('card', scope.cardId))?.list ?? EMPTY,
    ];
  }

  hasPolicies(scope: PolicyScope): boolean {
    for (const list of this.lists(scope)) for (const e of list) if (e.businessId === null || e.businessId === scope.businessId) return true;
    return false;
  }

  /**
   * The velocity properties the rules in scope read (0: none, so no history is read). Given the
   * other facts (without velocity), only those of the rules whose outcome still hangs on velocity:
   * a rule `amount ≥ 50M and isNewCountry` needs no history for a small amount. Enforced and
   * shadow versions alike: shadow decisions are recorded with the facts they used.
   */
  velocityNeeded(scope: PolicyScope, facts?: Omit<PolicyFacts, 'velocity'>): VelocityMask {
    const lists = this.lists(scope);
    const keys = ['platform:', bucketKey('business', scope.businessId), bucketKey('cardholder', scope.cardholderId), bucketKey('card', scope.cardId)];
    let needed = 0;
    for (let i = 0; i < 4; i++) {
      if (!this.buckets.get(keys[i]!)?.velocity) continue;
      for (const e of lists[i]!) {
        if (e.businessId !== null && e.businessId !== scope.businessId) continue;
        for (const v of [e.enforce, e.shadow]) {
          if (!v?.rules.velocity) continue;
          needed |= facts ? v.rules.velocityNeeded(facts as unknown as Facts) : v.rules.velocity;
        }
      }
    }
    return needed;
  }

  /** Synchronous, compiled closures only, no I/O. */
  evaluate(scope: PolicyScope, facts: PolicyFacts): PolicyOutcome {
    const outcome: PolicyOutcome = { reviews: [], shadow: [] };
    const f = facts as unknown as Facts;
    for (const list of this.lists(scope)) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i]!;
        if (e.businessId !== null && e.businessId !== scope.businessId) continue;
        if (e.enforce) {
          const events = e.enforce.rules.evaluate(f);
          for (let j = 0; j < events.length; j++) {
            const ev = events[j]!;
            if (ev.type === 'decline') {
              outcome.decline ??= { responseCode: ev.responseCode!, reason: ev.reason, policyId: e.policyId, versionId: e.enforce.versionId, rule: ev.rule };
            } else if (ev.type === 'review') {
              outcome.reviews.push({ policyId: e.policyId, versionId: e.enforce.versionId, rule: ev.rule, reason: ev.reason });
            }
          }
        }
        if (e.shadow) {
          const events: PolicyEvent[] = e.shadow.rules.evaluate(f);
          outcome.shadow.push({ policyId: e.policyId, versionId: e.shadow.versionId, events: events.map((ev) => ({ ...ev })) });
        }
      }
    }
    return outcome;
  }

  /** How many policies are loaded (for metrics and tests). */
  get size(): number {
    return this.byPolicy.size;
  }

  /** The generation the in-memory policies reflect. */
  get loadedGeneration(): bigint {
    return this.generation;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.refreshing?.catch(() => undefined);
  }
}
