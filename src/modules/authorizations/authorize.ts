import { randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Kartu } from '../../context';
import { databaseUnavailable, hotQuery, retryingLostConnections, sqlState } from '../../platform/db';
import { Conflict } from '../../platform/errors';
import { authorizationBatchSize, policyReviews } from '../../platform/metrics';
import { bodySha256Hex } from '../access/snap-signature';
import { vaultOf } from '../cards/pan-vault';
import { mccGroupsOf } from '../controls/mcc-groups';
import { billingOf, needsRates, type Billing } from '../fx/billing';
import { fxRatesOf } from '../fx/fx.service';
import { normaliseSpendControls, type SpendControls } from '../controls/spend-controls';
import { buildPolicyFacts, PolicyRuntime, type PolicyFacts, type PolicyOutcome, type PolicyScope } from '../policies/policy-runtime';
import { loadVelocityFacts, type VelocityInput } from '../policies/velocity';
import type { authorizationRequest, authorizationResponse } from './authorizations.schemas';
import { cardRefusal, decide, type CardFacts, type Decision } from './decision';

type AuthorizationBody = z.infer<typeof authorizationRequest>;
type AuthorizationResponse = z.infer<typeof authorizationResponse>;

/** The most decisions written by one statement; more wait for the next batch. */
const MAX_BATCH = 200;
/**
 * A batch that would start beside another in flight waits until it has FOLLOWER_MIN authorizations
 * or for FOLLOWER_WAIT_MS: started at once it was often a single authorization paying a whole
 * batch's round trips and statements (batches of 1, 1, 31, 1, 1, 31… under 32 callers).
 */
const FOLLOWER_MIN = 8;
const FOLLOWER_WAIT_MS = 1;
const TRAVEL_GROUPS = new Set(['lodging', 'car_rental', 'travel']);
/** The largest amount a message may carry (authorizationRequest); a conversion past it is declined 13. */
const MAX_AMOUNT = 1_000_000_000_000_000n;

interface CardRow {
  id: string;
  pan_fingerprint: string;
  business_id: string;
  type: 'VIRTUAL' | 'PHYSICAL' | 'SINGLE_USE' | 'MERCHANT_LOCKED';
  status: 'INACTIVE' | 'ACTIVE' | 'FROZEN' | 'TERMINATED';
  expiry_month: number;
  expiry_year: number;
  currency: string;
  spend_controls: SpendControls;
  locked_merchant_id: string | null;
  spend_root_id: string;
  cvv_key_id: string;
  cardholder_id: string;
  created_at: string;
  cardholder_status: string;
  cardholder_created_at: string;
  cardholder_metadata: Record<string, string> | null;
  business_status: string;
  time_zone: string;
  funding_id: string | null;
  settlement_id: string | null;
  available: string | null;
  used: boolean;
  usage: Record<string, string>;
}

export interface StoredAuthorization {
  id: string;
  network_message_id: string;
  request_hash: string;
  decision: AuthorizationResponse['decision'];
  response_code: string;
  approved_amount: string;
  authorization_code: string | null;
  reason: string;
  /** The billing amount and currency (the card's; the request's when no card was found). */
  amount: string;
  currency: string;
}

export const STORED_AUTHORIZATION =
  'SELECT id, network_id, network_message_id, request_hash, decision, response_code, approved_amount::text, authorization_code, reason, amount::text, currency FROM authorizations';

/**
 * The read of a whole batch, in one round trip (kartu_read_authorizations, migrations): earlier
 * answers to the same network ids (retries), the cards behind the numbers (found by fingerprint:
 * nothing is decrypted) with everything a decision needs — cardholder and business states, the
 * funding account's available balance, the spend-limit usage of the current windows — and the open
 * originals of incremental authorizations.
 */
const BATCH_READ = 'SELECT kartu_read_authorizations($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[], $6::date) AS read';

interface BatchRead {
  replays: Array<StoredAuthorization & { network_id: string }>;
  cards: CardRow[];
  originals: Array<{ network_id: string; network_message_id: string; id: string; original_id: string | null; card_id: string }>;
}

/** One authorization waiting for its batch. */
interface Pending {
  networkId: string;
  body: AuthorizationBody;
  requestHash: string;
  fingerprints: string[];
  started: bigint;
  resolve(answer: AuthorizationResponse): void;
  reject(err: unknown): void;
}

/** What one decided authorization sends to kartu_record_authorizations, and the answer it gets. */
interface Decided {
  pending: Pending;
  stored: StoredAuthorization;
  item: Record<string, unknown>;
}

interface WriteResult {
  duplicates: string[];
  lost: Record<string, { responseCode: string; reason: string }>;
}

/** The decision's facts of a card read by kartu_read_authorizations. */
function cardFactsOf(k: Kartu, card: CardRow, input: { number: string; cvv?: string }, state: { lockedMerchantId: string | null; used: boolean }): CardFacts {
  return {
    type: card.type,
    status: card.status,
    expiryMonth: card.expiry_month,
    expiryYear: card.expiry_year,
    currency: card.currency,
    spendControls: normaliseSpendControls(card.spend_controls),
    lockedMerchantId: state.lockedMerchantId,
    cardholderStatus: card.cardholder_status,
    businessStatus: card.business_status,
    timeZone: card.time_zone,
    used: state.used,
    expectedCvv: input.cvv !== undefined ? vaultOf(k).cvv(input.number, card.expiry_month, card.expiry_year, card.cvv_key_id) : undefined,
  };
}

/**
 * A balance inquiry's card check: the card read as an authorization reads it (the same
 * kartu_read_authorizations) and the same card checks (`cardRefusal`); nothing is recorded. The
 * decline an authorization would get (14 for an unknown card), or the funding account's available
 * balance and currency.
 */
export async function inquireBalance(
  k: Kartu,
  input: { number: string; expiry?: string; cvv?: string },
): Promise<{ responseCode: string } | { responseCode: '00'; available: bigint; currency: string }> {
  const now = k.clock.now();
  const fingerprints = vaultOf(k).fingerprintCandidates(input.number);
  const [{ read }] = (await hotQuery<{ read: BatchRead }>(k.db, 'kartu_authorization_batch_read', BATCH_READ, [
    [],
    [],
    fingerprints,
    [],
    [],
    new Date(now.getTime() - 370 * 86400_000).toISOString().slice(0, 10),
  ])) as [{ read: BatchRead }];
  const card = read.cards.find((c) => fingerprints.includes(c.pan_fingerprint));
  if (!card) return { responseCode: '14' };
  const refused = cardRefusal(input, cardFactsOf(k, card, input, { lockedMerchantId: card.locked_merchant_id, used: card.used }), now);
  if (refused) return { responseCode: refused.responseCode };
  return { responseCode: '00', available: card.available === null ? 0n : BigInt(card.available), currency: card.currency };
}

const key = (networkId: string, messageId: string) => `${networkId}|${messageId}`;

const runtimes = new WeakMap<Kartu, Promise<PolicyRuntime>>();

/** The process's compiled spend policies, loaded on first use and kept fresh by the runtime. */
export function policiesOf(k: Kartu): Promise<PolicyRuntime> {
  let runtime = runtimes.get(k);
  if (!runtime) {
    runtime = PolicyRuntime.start(k);
    runtime.catch(() => runtimes.delete(k));
    runtimes.set(k, runtime);
  }
  return runtime;
}

/**
 * An authorization of the batch that is not a retry: its card (if the number is one), what the card
 * is charged (null: in a foreign currency with no fresh rate) and its MCC groups.
 */
interface ToDecide {
  p: Pending;
  card: CardRow | undefined;
  billing: Billing | null;
  merchantGroups: string[];
}

/** What the policies in scope said of one authorization, and the facts they saw. */
interface PolicyCheck {
  scope: PolicyScope;
  facts: PolicyFacts;
  outcome?: PolicyOutcome;
}

function holdExpiry(k: Kartu, merchantGroups: string[], now: Date): Date {
  const days = merchantGroups.some((g) => TRAVEL_GROUPS.has(g)) ? k.config.holdDaysTravel : k.config.holdDays;
  return new Date(now.getTime() + days * 86400_000);
}

/** Six hex digits from three random bytes, drawn from a pool refilled 1,536 bytes at a time (one call to the CSPRNG, not one per approval). */
let codeBytes = Buffer.alloc(0);
let codeAt = 0;
function authorizationCode(): string {
  if (codeAt + 3 > codeBytes.length) {
    codeBytes = randomBytes(1536);
    codeAt = 0;
  }
  codeAt += 3;
  return codeBytes.toString('hex', codeAt - 3, codeAt).toUpperCase();
}

export const toResponse = (a: StoredAuthorization): AuthorizationResponse => ({
  id: a.network_message_id,
  authorizationId: a.id,
  decision: a.decision,
  responseCode: a.response_code,
  approvedAmount: Number(a.approved_amount),
  billingAmount: Number(a.amount),
  billingCurrency: a.currency,
  authorizationCode: a.authorization_code,
  reason: a.reason,
});

export function replayed(a: StoredAuthorization, requestHash: string): AuthorizationResponse {
  if (a.request_hash !== requestHash) throw new Conflict('Conflict. This id was already used with a different body');
  return toResponse(a);
}

/**
 * Decides authorizations in micro-batches and makes each durable before it is answered. Every
 * authorization that arrives while a batch is being written waits for the next one; a batch costs
 * two round trips and one commit whatever its size (one read, the decisions in memory, one write:
 * kartu_record_authorizations). With no load a batch is a single authorization and starts at once;
 * only a batch that would start beside another in flight waits a little (FOLLOWER_MIN). Decisions in
 * a batch see each other (funds, limits, single use, merchant lock); the write re-checks each
 * approval against the database, so a race lost to another process becomes the decline it would
 * have been.
 */
class AuthorizationBatcher {
  private readonly waiting: Pending[] = [];
  private inFlight = 0;
  private followerTimer: NodeJS.Timeout | undefined;
  private drained: Array<() => void> = [];

  constructor(private readonly k: Kartu) {}

  /** Resolves once every submitted authorization is settled (written or failed). */
  idle(): Promise<void> {
    if (this.inFlight === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.drained.push(resolve));
  }

  submit(networkId: string, body: AuthorizationBody, rawBody: Buffer): Promise<AuthorizationResponse> {
    return new Promise((resolve, reject) => {
      this.waiting.push({
        networkId,
        body,
        requestHash: bodySha256Hex(rawBody),
        fingerprints: vaultOf(this.k).fingerprintCandidates(body.card.number),
        started: process.hrtime.bigint(),
        resolve,
        reject,
      });
      this.pump();
    });
  }

  private pump(force = false): void {
    while (this.inFlight < this.k.config.authorizationBatchesInFlight && this.waiting.length > 0) {
      // Alone, a batch starts at once. Beside one in flight it waits to be worth its round trips:
      // FOLLOWER_MIN authorizations, or FOLLOWER_WAIT_MS after the pump found it too small.
      if (this.inFlight > 0 && this.waiting.length < FOLLOWER_MIN && !force) {
        this.followerTimer ??= setTimeout(() => {
          this.followerTimer = undefined;
          this.pump(true);
        }, FOLLOWER_WAIT_MS);
        return;
      }
      force = false;
      if (this.followerTimer) {
        clearTimeout(this.followerTimer);
        this.followerTimer = undefined;
      }
      const batch = this.waiting.splice(0, MAX_BATCH);
      authorizationBatchSize.observe(batch.length);
      this.inFlight++;
      void this.run(batch)
        .catch((err: unknown) => {
          for (const p of batch) p.reject(err);
        })
        .finally(() => {
          this.inFlight--;
          this.pump();
          if (this.inFlight === 0 && this.waiting.length === 0) for (const resolve of this.drained.splice(0)) resolve();
        });
    }
  }

  /** Settles every authorization of the batch (answers or errors); throws only if it could settle none. */
  private async run(batch: Pending[]): Promise<void> {
    // A retry inside the same batch waits for the first of its id.
    const firsts = new Map<string, Pending>();
    const followers: Array<{ pending: Pending; first: Pending }> = [];
    for (const p of batch) {
      const first = firsts.get(key(p.networkId, p.body.id));
      if (first) followers.push({ pending: p, first });
      else firsts.set(key(p.networkId, p.body.id), p);
    }
    const answers = new Map<Pending, Promise<StoredAuthorization>>();
    // The read and the decisions write nothing: a connection lost under them, they run again.
    const decided = await retryingLostConnections(() => this.decideAll([...firsts.values()], answers));
    if (decided.length > 0) {
      const written = this.write(decided);
      for (const d of decided) {
        answers.set(
          d.pending,
          written.then((results) => {
            const r = results.get(d)!;
            if (r instanceof Error) throw r;
            return r;
          }),
        );
      }
    }
    for (const [p, answer] of answers) {
      answer.then((stored) => p.resolve(replayed(stored, p.requestHash))).catch((err: unknown) => p.reject(err));
    }
    for (const { pending, first } of followers) {
      const answer = answers.get(first)!;
      answer.then((stored) => pending.resolve(replayed(stored, pending.requestHash))).catch((err: unknown) => pending.reject(err));
    }
    await Promise.allSettled(answers.values());
  }

  /** Reads the batch and decides each authorization in arrival order; replays are answered from the read. */
  private async decideAll(batch: Pending[], answers: Map<Pending, Promise<StoredAuthorization>>): Promise<Decided[]> {
    const k = this.k;
    const now = k.clock.now();
    const increments = batch.filter((p) => p.body.originalId);
    const [{ read }] = (await hotQuery<{ read: BatchRead }>(k.db, 'kartu_authorization_batch_read', BATCH_READ, [
      batch.map((p) => p.networkId),
      batch.map((p) => p.body.id),
      batch.flatMap((p) => p.fingerprints),
      increments.map((p) => p.networkId),
      increments.map((p) => p.body.originalId),
      new Date(now.getTime() - 370 * 86400_000).toISOString().slice(0, 10),
    ])) as [{ read: BatchRead }];
    const replays = new Map(read.replays.map((r) => [key(r.network_id, r.network_message_id), r]));
    const cards = new Map(read.cards.map((c) => [c.pan_fingerprint, c]));
    const originals = new Map(read.originals.map((o) => [key(o.network_id, o.network_message_id), o]));

    // Each authorization once: a retry is answered from the read, the rest get their card, billing
    // amount and MCC groups. The rates are read (in memory) only for a batch with a conversion to make.
    const fresh: ToDecide[] = [];
    const withCards: Array<{ p: Pending; card: CardRow | undefined }> = [];
    for (const p of batch) {
      const replay = replays.get(key(p.networkId, p.body.id));
      if (replay) answers.set(p, Promise.resolve(replay));
      else withCards.push({ p, card: p.fingerprints.map((f) => cards.get(f)).find(Boolean) });
    }
    const rates = withCards.some(({ p, card }) => card && needsRates(p.body, card.currency)) ? await fxRatesOf(k) : undefined;
    for (const { p, card } of withCards) {
      fresh.push({ p, card, billing: card ? billingOf(p.body, card.currency, rates, now) : null, merchantGroups: mccGroupsOf(p.body.merchant.mcc) });
    }
    const checks = await this.policyChecks(fresh, now);

    // What earlier decisions of this batch took: funds, limit usage, single use, merchant locks.
    const available = new Map<string, bigint>();
    const usage = new Map<string, Map<string, bigint>>();
    const used = new Set<string>();
    const lockedMerchant = new Map<string, string | null>();

    const out: Decided[] = [];
    for (const { p, card, billing, merchantGroups } of fresh) {
      const body = p.body;
      let decision: Decision;
      let originalId: string | null = null;
      if (!card) {
        decision = { decision: 'declined', responseCode: '14', reason: 'no such card', approvedAmount: 0n, counters: [] };
      } else if (!billing) {
        decision = { decision: 'declined', responseCode: '05', reason: `no exchange rate ${body.currency}/${card.currency}`, approvedAmount: 0n, counters: [] };
      } else if (billing.amount > MAX_AMOUNT) {
        decision = { decision: 'declined', responseCode: '13', reason: 'billing amount too large', approvedAmount: 0n, counters: [] };
      } else {
        if (card.funding_id && !available.has(card.funding_id)) available.set(card.funding_id, card.available === null ? 0n : BigInt(card.available));
        if (!usage.has(card.spend_root_id)) usage.set(card.spend_root_id, new Map(Object.entries(card.usage).map(([u, v]) => [u, BigInt(v)])));
        if (card.used) used.add(card.id);
        if (!lockedMerchant.has(card.id)) lockedMerchant.set(card.id, card.locked_merchant_id);
        decision = decide(
          { amount: billing.amount, currency: billing.currency, expiry: body.card.expiry, cvv: body.card.cvv, merchant: body.merchant, partialAllowed: Boolean(body.partialAllowed) },
          cardFactsOf(k, card, body.card, { lockedMerchantId: lockedMerchant.get(card.id) ?? null, used: used.has(card.id) && !body.originalId }),
          usage.get(card.spend_root_id)!,
          card.funding_id ? available.get(card.funding_id)! : 0n,
          now,
          checks.get(p)?.outcome?.decline,
        );
        if (body.originalId && decision.decision !== 'declined') {
          const original = originals.get(key(p.networkId, body.originalId));
          if (!original || original.card_id !== card.id) {
            decision = { decision: 'declined', responseCode: '05', reason: 'original authorization not open on this card', approvedAmount: 0n, counters: [] };
          } else {
            // Every increment hangs off the first authorization, so one lookup finds the whole chain.
            originalId = original.original_id ?? original.id;
          }
        }
        if (decision.decision !== 'declined') {
          const approved = decision.approvedAmount;
          if (card.funding_id) available.set(card.funding_id, available.get(card.funding_id)! - approved);
          const cardUsage = usage.get(card.spend_root_id)!;
          for (const c of decision.counters) {
            const u = `${c.limitKey}|${c.windowStart}`;
            cardUsage.set(u, (cardUsage.get(u) ?? 0n) + (c.kind === 'count' ? 1n : approved));
          }
          if (card.type === 'SINGLE_USE' && !body.originalId) used.add(card.id);
          if (card.type === 'MERCHANT_LOCKED' && lockedMerchant.get(card.id) === null) lockedMerchant.set(card.id, body.merchant.id);
        }
      }
      out.push(this.item(p, card, billing, decision, originalId, merchantGroups, now, checks.get(p)));
    }
    return out;
  }

  /**
   * Evaluates the spend policies in scope of each authorization with a card (compiled closures, no
   * I/O); velocity facts are read — one query for the whole batch — only for the authorizations
   * whose outcome hangs on them, and only the facts the rules concerned read.
   */
  private async policyChecks(fresh: ToDecide[], now: Date): Promise<Map<Pending, PolicyCheck>> {
    const policies = await policiesOf(this.k);
    const checks = new Map<Pending, PolicyCheck>();
    const inScope: PolicyCheck[] = [];
    const needing: Array<{ check: PolicyCheck; input: VelocityInput }> = [];
    for (const { p, card, billing, merchantGroups } of fresh) {
      if (!card || !billing) continue;
      const scope = { businessId: card.business_id, cardholderId: card.cardholder_id, cardId: card.id };
      const facts = buildPolicyFacts({
        amount: billing.amount,
        currency: billing.currency,
        merchantAmount: p.body.amount,
        merchantCurrency: p.body.currency,
        pos: p.body.pos,
        merchant: p.body.merchant,
        merchantGroups,
        card: { type: card.type, status: card.status, createdAt: card.created_at },
        cardholder: { createdAt: card.cardholder_created_at, metadata: card.cardholder_metadata },
        timeZone: card.time_zone,
        now,
      });
      const check: PolicyCheck = { scope, facts };
      checks.set(p, check);
      if (!policies.hasPolicies(scope)) continue;
      inScope.push(check);
      const velocity = policies.velocityNeeded(scope, facts);
      if (velocity !== 0) {
        needing.push({ check, input: { cardId: card.id, merchantId: p.body.merchant.id, country: p.body.merchant.country, amount: billing.amount, facts: velocity } });
      }
    }
    if (needing.length > 0) {
      const history = await loadVelocityFacts(this.k, needing.map((n) => n.input), now);
      needing.forEach((n, i) => (n.check.facts.velocity = history[i]));
    }
    for (const check of inScope) check.outcome = policies.evaluate(check.scope, check.facts);
    return checks;
  }

  private item(p: Pending, card: CardRow | undefined, billing: Billing | null, d: Decision, originalId: string | null, merchantGroups: string[], now: Date, check?: PolicyCheck): Decided {
    const body = p.body;
    const approved = d.decision !== 'declined';
    // The row's amount is what the card is charged; a card not found (or no rate) keeps the request's.
    const amount = billing?.amount.toString() ?? String(body.amount);
    const currency = billing?.currency ?? body.currency;
    const foreign = billing?.foreign;
    const stored: StoredAuthorization = {
      id: randomUUID(),
      network_message_id: body.id,
      request_hash: p.requestHash,
      decision: d.decision,
      response_code: d.responseCode,
      approved_amount: d.approvedAmount.toString(),
      authorization_code: approved ? authorizationCode() : null,
      reason: d.reason,
      amount,
      currency,
    };
    return {
      pending: p,
      stored,
      item: {
        id: stored.id,
        networkId: p.networkId,
        messageId: body.id,
        requestHash: p.requestHash,
        businessId: card?.business_id ?? null,
        cardId: card?.id ?? null,
        cardType: card?.type ?? null,
        spendRootId: card?.spend_root_id ?? null,
        fundingId: card?.funding_id ?? null,
        settlementId: card?.settlement_id ?? null,
        originalId,
        // Numbers, as the authorization.created event carries them (at most 1e15: the decision declines more).
        amount: Number(amount),
        currency,
        ...(foreign
          ? {
              merchantAmount: Number(foreign.merchantAmount),
              merchantCurrency: foreign.merchantCurrency,
              fxRate: foreign.rate,
              fxRateSource: foreign.source,
              fxRateAt: foreign.at.toISOString(),
            }
          : {}),
        approvedAmount: stored.approved_amount,
        decision: d.decision,
        responseCode: d.responseCode,
        reason: d.reason,
        authorizationCode: stored.authorization_code,
        merchant: body.merchant,
        pos: body.pos ?? {},
        // What the decision saw beyond the request (amount, currency, merchant and pos are columns).
        facts: {
          merchantGroups,
          partialAllowed: Boolean(body.partialAllowed),
          cardFound: Boolean(card),
          available: card?.available ?? null,
          usage: card?.usage ?? {},
          ...(check ? { policy: check.facts } : {}),
        },
        policy: check?.outcome ?? null,
        // A review approves and raises a fraud alert (written only if the approval stands).
        alert:
          approved && check?.outcome && check.outcome.reviews.length > 0
            ? { authorizationId: stored.id, cardId: card?.id ?? null, amount: Number(amount), currency, merchant: body.merchant, reviews: check.outcome.reviews }
            : null,
        holdId: approved ? randomUUID() : null,
        holdExpiresAt: approved ? holdExpiry(this.k, merchantGroups, now).toISOString() : null,
        counters: d.counters.map((c) => ({ limitKey: c.limitKey, windowStart: c.windowStart, limit: c.limit.toString(), kind: c.kind })),
        latencyUs: Number((process.hrtime.bigint() - p.started) / 1000n),
        // The authorization.created event is built from these fields by kartu_record_authorizations.
        networkOriginalId: body.originalId ?? null,
      },
    };
  }

  /**
   * Writes the decided authorizations in one statement and returns what each became: its decision,
   * a lost race's decline, for an id a concurrent retry wrote first that first answer — or, when the
   * batch cannot be written, the error of each one written alone (one bad write fails only itself).
   * With the database unreachable every one fails as it is (503, safe to send again): alone they
   * would only wait for it longer.
   */
  private async write(decided: Decided[]): Promise<Map<Decided, StoredAuthorization | Error>> {
    try {
      return await this.writeRetrying(decided);
    } catch (err) {
      if (decided.length === 1 || databaseUnavailable(err)) return new Map(decided.map((d) => [d, err as Error]));
      const out = new Map<Decided, StoredAuthorization | Error>();
      for (const d of decided) {
        try {
          out.set(d, (await this.writeRetrying([d])).get(d)!);
        } catch (alone) {
          out.set(d, alone as Error);
        }
      }
      return out;
    }
  }

  /**
   * The batch write, again when it can be: after a deadlock or serialization failure (rolled back),
   * and after a lost connection — the write claims each network id once, so when the lost attempt
   * had committed its authorizations come back as duplicates, answered below with what was stored
   * (the decision as written, or the decline a lost race made of it), never decided a second time.
   */
  private async writeRetrying(decided: Decided[]): Promise<Map<Decided, StoredAuthorization | Error>> {
    let result: WriteResult;
    try {
      result = await retryingLostConnections(() => this.writeOnce(decided));
    } catch (err) {
      // A deadlock or serialization failure rolled the whole batch back: it can run again once.
      if (sqlState(err) !== '40P01' && sqlState(err) !== '40001') throw err;
      result = await retryingLostConnections(() => this.writeOnce(decided));
    }
    const duplicates = decided.filter((d) => result.duplicates.includes(d.stored.id));
    const firstAnswers: Array<StoredAuthorization & { network_id: string }> =
      duplicates.length === 0
        ? []
        : await retryingLostConnections(() =>
            this.k.db.query(`${STORED_AUTHORIZATION} WHERE (network_id, network_message_id) IN (SELECT * FROM unnest($1::uuid[], $2::text[]))`, [
              duplicates.map((d) => d.pending.networkId),
              duplicates.map((d) => d.stored.network_message_id),
            ]),
          );
    const out = new Map<Decided, StoredAuthorization | Error>();
    for (const d of decided) {
      const lost = result.lost[d.stored.id];
      if (duplicates.includes(d)) {
        const first = firstAnswers.find((a) => a.network_id === d.pending.networkId && a.network_message_id === d.stored.network_message_id);
        out.set(d, first ?? new Error(`authorization ${d.stored.network_message_id} was written by another request but cannot be read`));
      } else if (lost) {
        out.set(d, { ...d.stored, decision: 'declined', response_code: lost.responseCode, reason: lost.reason, approved_amount: '0', authorization_code: null });
      } else {
        out.set(d, d.stored);
        const alert = d.item.alert as { reviews: unknown[] } | null;
        if (alert) policyReviews.inc(alert.reviews.length);
      }
    }
    return out;
  }

  private async writeOnce(decided: Decided[]): Promise<WriteResult> {
    const [row] = await hotQuery<{ result: WriteResult }>(this.k.db, 'kartu_authorization_batch_write', 'SELECT kartu_record_authorizations($1::jsonb) AS result', [
      JSON.stringify(decided.map((d) => d.item)),
    ]);
    return row!.result;
  }
}

const batchers = new WeakMap<Kartu, AuthorizationBatcher>();

/**
 * Decides an authorization and makes it durable before answering (see AuthorizationBatcher). The
 * same network id again returns the first answer; a different body under it is refused with 409.
 */
export function authorize(k: Kartu, networkId: string, body: AuthorizationBody, rawBody: Buffer): Promise<AuthorizationResponse> {
  let batcher = batchers.get(k);
  if (!batcher) {
    batcher = new AuthorizationBatcher(k);
    batchers.set(k, batcher);
  }
  return batcher.submit(networkId, body, rawBody);
}

/**
 * Resolves once the authorizations already submitted are settled: a shutdown waits for it before it
 * closes the pool, so a decision whose caller hung up is still written (or fails) on a live pool.
 */
export function authorizationsSettled(k: Kartu): Promise<void> {
  return batchers.get(k)?.idle() ?? Promise.resolve();
}
