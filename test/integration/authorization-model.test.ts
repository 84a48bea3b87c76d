import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireHolds } from '../../src/modules/authorizations/authorizations.service';
import { windowStart } from '../../src/modules/authorizations/decision';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkLedgerInvariants, checkAuthorizationInvariants } from '../support/invariants';
import { balances, business, fund, issueCard, nid, type Biz, type IssuedCard } from '../support/partner-fixtures';
import { snapAmount } from '../../src/platform/money';

/**
 * A model test of the authorization engine (issue 4): random interleavings of authorizations,
 * incremental authorizations, clearings (partial, exact, over-capture within the tolerance, beyond
 * it, forced by card), reversals (partial, full), refunds, hold expiry and duplicate deliveries, sent
 * as a card network would (signed HTTP on /network/v1) against the real PostgreSQL. A model predicts
 * every answer, the funding account's balances, each authorization's open amount and status, and
 * the daily usage of each card; after every step the balance inquiry (SNAP), the ledger's SQL
 * invariants, the authorizations and the spend counters are compared with it.
 *
 * 10 runs of up to 20 commands by default; for a longer hunt: MODEL_RUNS=200 MODEL_TIMEOUT_MS=900000
 * (and MODEL_SEED to replay a run).
 */

let h: Harness;
let net: TestNetwork;
/** The harness clock never moves on its own: every request of this file is signed and decided at T0. */
let T0: Date;

beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
  T0 = h.clock.now();
});
afterAll(() => h.close());

const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => h.kartu.db.query(sql, params);

// ---- partner side (SNAP) ------------------------------------------------------------------------


const KOPI = { id: 'M-KOPI-1', name: 'Kopi Kenangan', mcc: '5814', city: 'Jakarta', country: 'ID' };
/** Lodging: its holds live 31 days instead of 7. */
const HOTEL = { id: 'M-HOTEL-1', name: 'Hotel Indonesia', mcc: '7011', city: 'Jakarta', country: 'ID' };
const MERCHANTS = [KOPI, HOTEL] as const;
const HOLD_DAYS = [7, 31] as const;



/** An IDR limit of `minor` minor units, as SNAP writes it. */
const idr = (minor: number) => snapAmount(BigInt(minor), 'IDR');

async function newCard(b: Biz, spec: CardSpec): Promise<IssuedCard> {
  const spendControls = {
    ...(spec.daily !== undefined ? { spendingLimits: [{ amount: idr(spec.daily), interval: 'daily' }] } : {}),
    ...(spec.count !== undefined ? { countLimits: [{ count: spec.count, interval: 'daily' }] } : {}),
  };
  return issueCard(b, Object.keys(spendControls).length ? { spendControls } : {});
}


// ---- the model ----------------------------------------------------------------------------------

interface CardSpec {
  /** A daily amount limit, in IDR. */
  daily?: number;
  /** A daily count limit. */
  count?: number;
}

interface Auth {
  msgId: string;
  /** Kartu's id, from the answer. */
  authorizationId: string;
  card: number;
  approved: bigint;
  /** What is still held. */
  open: bigint;
  holdDays: number;
  /** Index in `auths` of the first authorization of its chain (itself unless an approved increment). */
  root: number;
  status: 'pending' | 'closed' | 'declined';
}

interface Sent {
  path: string;
  body: Record<string, unknown>;
  status: number;
  response: Record<string, unknown>;
}

interface Model {
  ledger: bigint;
  cards: CardSpec[];
  /** Amount counted against each card's daily limit, and approvals counted against its count limit. */
  usage: bigint[];
  counts: number[];
  auths: Auth[];
  sent: Sent[];
  /** A forced post or an over-capture happened: only they may take available below zero. */
  overdrawn: boolean;
}

interface Real {
  biz: Biz;
  cards: IssuedCard[];
}

const held = (m: Model) => m.auths.reduce((s, a) => s + a.open, 0n);
const available = (m: Model) => m.ledger - held(m);

/** The authorization (or increment) and, for a first authorization, its approved increments, oldest first. */
function chainOf(m: Model, ref: Auth): Auth[] {
  const refIdx = m.auths.indexOf(ref);
  return m.auths.filter((a, i) => a.status !== 'declined' && (i === refIdx || a.root === refIdx));
}
const chainOpen = (m: Model, ref: Auth) => chainOf(m, ref).reduce((s, a) => s + a.open, 0n);

/** Gives released spend back to the card's daily amount limit (count limits keep the approval). */
function release(m: Model, a: Auth, amount: bigint): void {
  a.open -= amount;
  if (m.cards[a.card]!.daily !== undefined) m.usage[a.card]! -= amount;
}

/** The decision of decision.ts, over the model: limits (61), counts (65), funds (51), partial (10). */
function predict(m: Model, card: number, amount: bigint, partialAllowed: boolean): { code: string; approved: bigint } {
  const spec = m.cards[card]!;
  let approvable = amount;
  if (spec.daily !== undefined) {
    const remaining = BigInt(spec.daily) - m.usage[card]!;
    if (remaining < approvable) approvable = remaining > 0n ? remaining : 0n;
  }
  if (approvable === 0n || (approvable < amount && !partialAllowed)) return { code: '61', approved: 0n };
  if (spec.count !== undefined && m.counts[card]! + 1 > spec.count) return { code: '65', approved: 0n };
  const avail = available(m);
  if (avail < approvable) {
    if (!partialAllowed || avail <= 0n) return { code: '51', approved: 0n };
    approvable = avail;
  }
  return { code: approvable < amount ? '10' : '00', approved: approvable };
}

/** Picks an authorization: with `preferOpen`, a first authorization whose chain still holds something. */
function pickAuth(m: Model, pick: number, preferOpen: boolean): Auth {
  const open = m.auths.filter((a, i) => a.status !== 'declined' && a.root === i && chainOpen(m, a) > 0n);
  const from = preferOpen && open.length > 0 ? open : m.auths;
  return from[pick % from.length]!;
}

type Cmd = fc.AsyncCommand<Model, Real>;

async function send(path: string, body: Record<string, unknown>) {
  const res = await net.send(path, body);
  expect(res.status, `${path} ${JSON.stringify(body)} → ${JSON.stringify(res.body)}`).not.toBe(500);
  return res;
}

function remember(m: Model, path: string, body: Record<string, unknown>, res: { status: number; body: Record<string, unknown> }): void {
  m.sent.push({ path, body, status: res.status, response: res.body });
}

function expectAccepted(res: { status: number; body: Record<string, unknown> }, body: Record<string, unknown>, amount: bigint, authorizationId: string | null) {
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toMatchObject({ id: body.id, status: 'accepted', authorizationId, amount: Number(amount) });
}

// ---- commands -----------------------------------------------------------------------------------

/** An authorization, or with `original` an incremental one (originalId) on the original's card (or, with `otherCard`, on another). */
async function sendAuthorization(
  m: Model,
  r: Real,
  o: { card: number; amount: number; partialAllowed: boolean; merchant: number; original?: Auth },
): Promise<void> {
  const card = r.cards[o.card]!;
  const body = {
    id: nid(o.original ? 'inc' : 'auth'),
    card: { number: card.number, expiry: card.expiry, cvv: card.cvv },
    amount: o.amount,
    currency: 'IDR',
    merchant: MERCHANTS[o.merchant]!,
    pos: { entryMode: 'contactless', cardPresent: true },
    partialAllowed: o.partialAllowed,
    ...(o.original ? { originalId: o.original.msgId } : {}),
  };
  let expected = predict(m, o.card, BigInt(o.amount), o.partialAllowed);
  if (o.original && expected.approved > 0n && !(o.original.status === 'pending' && o.original.card === o.card)) {
    expected = { code: '05', approved: 0n };
  }
  const res = await send('/authorizations', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  const a = res.body;
  expect(a, `expected ${expected.code} ${expected.approved}`).toMatchObject({
    id: body.id,
    responseCode: expected.code,
    approvedAmount: Number(expected.approved),
    decision: expected.code === '00' ? 'approved' : expected.code === '10' ? 'partial' : 'declined',
  });
  expect(a.authorizationId).toMatch(/^[0-9a-f-]{36}$/);
  if (expected.approved > 0n) expect(a.authorizationCode).toMatch(/^[0-9A-F]{6}$/);
  else expect(a.authorizationCode).toBeNull();
  remember(m, '/authorizations', body, res);

  const index = m.auths.length;
  const approved = expected.approved > 0n;
  m.auths.push({
    msgId: body.id,
    authorizationId: a.authorizationId,
    card: o.card,
    approved: expected.approved,
    open: expected.approved,
    holdDays: HOLD_DAYS[o.merchant]!,
    root: approved && o.original ? o.original.root : index,
    status: approved ? 'pending' : 'declined',
  });
  if (approved) {
    if (m.cards[o.card]!.daily !== undefined) m.usage[o.card]! += expected.approved;
    if (m.cards[o.card]!.count !== undefined) m.counts[o.card]! += 1;
  }
}

class Authorize implements Cmd {
  constructor(
    readonly card: number,
    readonly amount: number,
    readonly partialAllowed: boolean,
    readonly merchant: number,
  ) {}
  check = () => true;
  run = (m: Model, r: Real) => sendAuthorization(m, r, { card: this.card % m.cards.length, amount: this.amount, partialAllowed: this.partialAllowed, merchant: this.merchant });
  toString = () => `authorize(card ${this.card}, ${this.amount}${this.partialAllowed ? ', partial' : ''}, ${MERCHANTS[this.merchant]!.mcc})`;
}

class Increment implements Cmd {
  constructor(
    readonly pick: number,
    readonly preferOpen: boolean,
    readonly otherCard: boolean,
    readonly amount: number,
    readonly partialAllowed: boolean,
    readonly merchant: number,
  ) {}
  check = (m: Readonly<Model>) => m.auths.length > 0;
  run = (m: Model, r: Real) => {
    const original = pickAuth(m, this.pick, this.preferOpen);
    const card = this.otherCard ? (original.card + 1) % m.cards.length : original.card;
    return sendAuthorization(m, r, { card, amount: this.amount, partialAllowed: this.partialAllowed, merchant: this.merchant, original });
  };
  toString = () => `increment(${this.pick}${this.preferOpen ? ', open' : ''}${this.otherCard ? ', other card' : ''}, ${this.amount}${this.partialAllowed ? ', partial' : ''}, ${MERCHANTS[this.merchant]!.mcc})`;
}

type ClearMode = 'partial' | 'exact' | 'over' | 'beyond' | 'card';

class Clear implements Cmd {
  constructor(
    readonly pick: number,
    readonly preferOpen: boolean,
    readonly mode: ClearMode,
    readonly ratio: number,
    readonly byKartuId: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.auths.length > 0;
  async run(m: Model, r: Real) {
    if (this.mode === 'card') return this.forcedByCard(m, r);
    const ref = pickAuth(m, this.pick, this.preferOpen);
    const open = chainOpen(m, ref);
    const tolerance = (open * BigInt(100 + h.kartu.config.overcapturePercent)) / 100n;
    const r01 = BigInt(Math.floor(this.ratio * 1_000_000));
    let amount: bigint;
    if (open === 0n) amount = 1_000n + (r01 * 50_000n) / 1_000_000n;
    else if (this.mode === 'partial') amount = (open * (50_000n + (r01 * 9n) / 10n)) / 1_000_000n || 1n;
    else if (this.mode === 'exact' || tolerance === open) amount = open;
    else if (this.mode === 'over') amount = open + 1n + ((tolerance - open - 1n) * r01) / 1_000_000n;
    else amount = tolerance + 1n + (r01 * 10_000n) / 1_000_000n;
    const body = { id: nid('clr'), authorizationId: this.byKartuId ? ref.authorizationId : ref.msgId, amount: Number(amount), currency: 'IDR', merchant: MERCHANTS[0] };
    const res = await send('/clearings', body);
    remember(m, '/clearings', body, res);
    if (ref.status === 'declined') {
      expect(res.status, JSON.stringify(res.body)).toBe(404);
      expect(res.body.responseCode).toBe('4040001');
      return;
    }
    // Post the open holds oldest first up to the amount; the rest of each is released; each closes.
    let remaining = amount;
    for (const a of chainOf(m, ref)) {
      if (a.open === 0n) continue;
      const part = remaining < a.open ? remaining : a.open;
      release(m, a, a.open - part);
      a.open = 0n;
      a.status = 'closed';
      remaining -= part;
    }
    m.ledger -= amount;
    expectAccepted(res, body, amount, ref.authorizationId);
    if (remaining === 0n) {
      expect(res.body.transferId).toBeNull();
    } else {
      // Beyond the holds: an over-capture within the tolerance of what was open, else a forced post.
      m.overdrawn = true;
      const kind = open > 0n && amount <= tolerance ? 'over_capture' : 'force_post';
      expect(await q('SELECT kind, amount::text FROM ledger_transfers WHERE id = $1', [res.body.transferId])).toEqual([{ kind, amount: String(remaining) }]);
    }
  }
  private async forcedByCard(m: Model, r: Real) {
    const card = this.pick % m.cards.length;
    const amount = 1_000n + BigInt(Math.floor(this.ratio * 30_000));
    const body = { id: nid('clr'), card: { number: r.cards[card]!.number }, amount: Number(amount), currency: 'IDR', merchant: MERCHANTS[0] };
    const res = await send('/clearings', body);
    remember(m, '/clearings', body, res);
    expectAccepted(res, body, amount, null);
    expect(await q('SELECT kind, amount::text FROM ledger_transfers WHERE id = $1', [res.body.transferId])).toEqual([{ kind: 'force_post', amount: String(amount) }]);
    m.ledger -= amount;
    m.overdrawn = true;
  }
  toString = () => `clear(${this.pick}${this.preferOpen ? ', open' : ''}, ${this.mode}, ${this.ratio.toFixed(3)}${this.byKartuId ? ', by Kartu id' : ''})`;
}

class Reverse implements Cmd {
  constructor(
    readonly pick: number,
    readonly preferOpen: boolean,
    readonly full: boolean,
    readonly ratio: number,
    readonly byKartuId: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.auths.length > 0;
  async run(m: Model) {
    const ref = pickAuth(m, this.pick, this.preferOpen);
    const open = chainOpen(m, ref);
    // 5 % … 130 % of what is open: more than that releases only what is open.
    const amount = open === 0n ? 1_000n : (open * BigInt(Math.floor((0.05 + 1.25 * this.ratio) * 1_000_000))) / 1_000_000n || 1n;
    const body = { id: nid('rev'), authorizationId: this.byKartuId ? ref.authorizationId : ref.msgId, ...(this.full ? {} : { amount: Number(amount) }) };
    const res = await send('/reversals', body);
    remember(m, '/reversals', body, res);
    if (ref.status === 'declined') {
      expect(res.status, JSON.stringify(res.body)).toBe(404);
      expect(res.body.responseCode).toBe('4040001');
      return;
    }
    if (open === 0n) {
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.responseCode).toBe('4090000');
      return;
    }
    // Newest increment first.
    let remaining = this.full ? open : amount;
    let released = 0n;
    for (const a of chainOf(m, ref).reverse()) {
      if (a.open === 0n || remaining === 0n) continue;
      const part = remaining < a.open ? remaining : a.open;
      release(m, a, part);
      if (a.open === 0n) a.status = 'closed';
      released += part;
      remaining -= part;
    }
    expectAccepted(res, body, released, ref.authorizationId);
    expect(res.body.transferId).toBeNull();
  }
  toString = () => `reverse(${this.pick}${this.preferOpen ? ', open' : ''}, ${this.full ? 'full' : this.ratio.toFixed(3)}${this.byKartuId ? ', by Kartu id' : ''})`;
}

class Refund implements Cmd {
  constructor(
    readonly card: number,
    readonly amount: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const body = { id: nid('ref'), card: { number: r.cards[this.card % m.cards.length]!.number }, amount: this.amount, currency: 'IDR', merchant: KOPI };
    const res = await send('/refunds', body);
    remember(m, '/refunds', body, res);
    expectAccepted(res, body, BigInt(this.amount), null);
    m.ledger += BigInt(this.amount);
  }
  toString = () => `refund(card ${this.card}, ${this.amount})`;
}

class Fund implements Cmd {
  constructor(readonly amount: number) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await fund(r.biz, BigInt(this.amount));
    m.ledger += BigInt(this.amount);
  }
  toString = () => `fund(${this.amount})`;
}

/**
 * The expiry job, run directly with the clock moved 8 days (7-day holds expire, lodging's 31-day ones
 * stay) or 32 days (all expire) — then the clock goes back, so signed requests stay within ±5 min.
 */
class Expire implements Cmd {
  constructor(readonly days: 8 | 32) {}
  check = () => true;
  async run(m: Model) {
    let due = 0;
    h.clock.set(new Date(T0.getTime() + this.days * 86400_000));
    try {
      const expired = await expireHolds(h.kartu);
      for (const a of m.auths) {
        if (a.open > 0n && a.holdDays <= this.days) {
          release(m, a, a.open);
          a.status = 'closed';
          due++;
        }
      }
      // Other runs' businesses may have holds due as well.
      expect(expired).toBeGreaterThanOrEqual(due);
    } finally {
      h.clock.set(T0);
    }
  }
  toString = () => `expire(+${this.days} days)`;
}

/** An earlier message again with the same id and body: the first answer, nothing changes. With `tamper`, another body: 409. */
class Duplicate implements Cmd {
  constructor(
    readonly pick: number,
    readonly tamper: boolean,
  ) {}
  check = (m: Readonly<Model>) => m.sent.length > 0;
  async run(m: Model) {
    const first = m.sent[this.pick % m.sent.length]!;
    // Only answered (stored) messages have a body to conflict with; a refused one is simply refused again.
    if (this.tamper && first.status === 200) {
      const body = { ...first.body, amount: Number(first.body.amount ?? 0) + 1 };
      const res = await send(first.path, body);
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.responseCode).toBe('4090000');
      return;
    }
    const res = await send(first.path, first.body);
    expect(res.status, JSON.stringify(res.body)).toBe(first.status);
    if (first.status === 200) expect(res.body).toEqual(first.response);
    else expect(res.body.responseCode).toBe(first.response.responseCode);
  }
  toString = () => `duplicate(${this.pick}${this.tamper ? ', tampered' : ''})`;
}

// ---- checks after every step --------------------------------------------------------------------

async function checkAgainstModel(m: Model, r: Real): Promise<void> {
  const b = await balances(r.biz);
  expect(b, 'balance inquiry').toEqual({ ledger: m.ledger, hold: held(m), available: available(m) });
  if (!m.overdrawn) expect(b.available >= 0n, `available ${b.available} without a forced post or over-capture`).toBe(true);
  await checkLedgerInvariants(h.kartu.db.manager);
  await checkAuthorizationInvariants(h.kartu.db.manager);

  // Every authorization of the business, as the model has it (a duplicate adds none).
  const rows = await q<Record<string, unknown>>(
    `SELECT a.network_message_id AS "msgId", a.id AS "authorizationId", a.card_id AS "cardId", a.status, a.approved_amount::text AS approved,
            t.open_amount::text AS open, a.original_id AS "originalId"
       FROM authorizations a LEFT JOIN ledger_transfers t ON t.id = a.hold_id
      WHERE a.business_id = $1 ORDER BY a.network_message_id`,
    [r.biz.businessId],
  );
  const expected = m.auths
    .map((a, i) => ({
      msgId: a.msgId,
      authorizationId: a.authorizationId,
      cardId: r.cards[a.card]!.id,
      status: a.status,
      approved: String(a.approved),
      open: a.status === 'declined' ? null : String(a.open),
      originalId: a.status !== 'declined' && a.root !== i ? m.auths[a.root]!.authorizationId : null,
    }))
    .sort((x, y) => (x.msgId < y.msgId ? -1 : x.msgId > y.msgId ? 1 : 0));
  expect(rows).toEqual(expected);

  // Spend counters: the daily window's usage equals the model's and never exceeds the limit.
  const day = windowStart('daily', T0, 'Asia/Jakarta');
  for (const [i, spec] of m.cards.entries()) {
    const counters = await q<{ limit_key: string; window_start: string; amount: string; count: number }>(
      `SELECT sc.limit_key, to_char(sc.window_start, 'YYYY-MM-DD') AS window_start, sc.amount::text, sc.count
         FROM spend_counters sc JOIN cards c ON c.spend_root_id = sc.spend_root_id WHERE c.id = $1`,
      [r.cards[i]!.id],
    );
    const keys = [...(spec.daily !== undefined ? ['daily:'] : []), ...(spec.count !== undefined ? ['count:daily:'] : [])];
    for (const c of counters) {
      expect(keys).toContain(c.limit_key);
      expect(c.window_start).toBe(day);
    }
    const amountRow = counters.find((c) => c.limit_key === 'daily:');
    const countRow = counters.find((c) => c.limit_key === 'count:daily:');
    if (spec.daily !== undefined) {
      const used = BigInt(amountRow?.amount ?? '0');
      expect(used, `card ${i} daily usage`).toBe(m.usage[i]);
      expect(used <= BigInt(spec.daily), `card ${i}: ${used} counted against a limit of ${spec.daily}`).toBe(true);
    }
    if (spec.count !== undefined) {
      const count = countRow?.count ?? 0;
      expect(count, `card ${i} daily approvals`).toBe(m.counts[i]);
      expect(count).toBeLessThanOrEqual(spec.count);
    }
  }
}

function checked(cmd: Cmd): Cmd {
  return {
    check: (m) => cmd.check(m),
    async run(m, r) {
      await cmd.run(m, r);
      await checkAgainstModel(m, r);
    },
    toString: () => cmd.toString(),
  };
}

// ---- the property -------------------------------------------------------------------------------

const amountArb = fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1_000, max: 80_000 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 999 }) });
const ratio = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const merchant = fc.integer({ min: 0, max: MERCHANTS.length - 1 });
const dailyArb = fc.integer({ min: 20_000, max: 150_000 });
const countArb = fc.integer({ min: 1, max: 5 });
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });

/** 2–3 cards: the first with a daily limit, the second with a count limit, either possibly with both; the third anything. */
const cardsArb = fc
  .tuple(
    fc.record({ daily: dailyArb, count: maybe(countArb) }),
    fc.record({ daily: maybe(dailyArb), count: countArb }),
    fc.option(fc.record({ daily: maybe(dailyArb), count: maybe(countArb) }), { nil: undefined }),
  )
  .map(([a, b, c]) => [a, b, ...(c ? [c] : [])] as CardSpec[]);

const commands = fc.commands(
  [
    fc.tuple(fc.nat(), amountArb, fc.boolean(), merchant).map(([c, a, p, mc]) => new Authorize(c, a, p, mc)),
    fc.tuple(fc.nat(), amountArb, fc.boolean(), merchant).map(([c, a, p, mc]) => new Authorize(c, a, p, mc)),
    fc.tuple(fc.nat(), amountArb, fc.boolean(), merchant).map(([c, a, p, mc]) => new Authorize(c, a, p, mc)),
    fc
      .tuple(fc.nat(), fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 9 }), amountArb, fc.boolean(), merchant)
      .map(([pick, open, other, a, p, mc]) => new Increment(pick, open > 0, other === 0, a, p, mc)),
    fc
      .tuple(fc.nat(), fc.integer({ min: 0, max: 4 }), fc.constantFrom<ClearMode>('partial', 'exact', 'over', 'beyond', 'card'), ratio, fc.boolean())
      .map(([pick, open, mode, x, byId]) => new Clear(pick, open > 0, mode, x, byId)),
    fc
      .tuple(fc.nat(), fc.integer({ min: 0, max: 4 }), fc.constantFrom<ClearMode>('partial', 'exact', 'over', 'beyond'), ratio, fc.boolean())
      .map(([pick, open, mode, x, byId]) => new Clear(pick, open > 0, mode, x, byId)),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 4 }), fc.boolean(), ratio, fc.boolean()).map(([pick, open, full, x, byId]) => new Reverse(pick, open > 0, full, x, byId)),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 4 }), fc.boolean(), ratio, fc.boolean()).map(([pick, open, full, x, byId]) => new Reverse(pick, open > 0, full, x, byId)),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 30_000 })).map(([c, a]) => new Refund(c, a)),
    fc.integer({ min: 1_000, max: 100_000 }).map((a) => new Fund(a)),
    fc.constantFrom<8 | 32>(8, 32).map((d) => new Expire(d)),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 })).map(([pick, t]) => new Duplicate(pick, t === 0)),
    fc.tuple(fc.nat(), fc.integer({ min: 0, max: 3 })).map(([pick, t]) => new Duplicate(pick, t === 0)),
  ],
  { maxCommands: 20, size: 'max' },
);

describe('authorization engine (model-based, HTTP network API against PostgreSQL)', () => {
  it(
    'random authorizations, increments, clearings, reversals, refunds, expiries and duplicate deliveries agree with the model after every step',
    async () => {
      await fc.assert(
        fc.asyncProperty(cardsArb, fc.integer({ min: 20_000, max: 300_000 }), commands, async (specs, funding, cmds) => {
          h.clock.set(T0);
          const biz = await business(h, 0n);
          await fund(biz, BigInt(funding));
          const cards: IssuedCard[] = [];
          for (const spec of specs) cards.push(await newCard(biz, spec));
          const model: Model = {
            ledger: BigInt(funding),
            cards: specs,
            usage: specs.map(() => 0n),
            counts: specs.map(() => 0),
            auths: [],
            sent: [],
            overdrawn: false,
          };
          const real: Real = { biz, cards };
          await checkAgainstModel(model, real);
          await fc.asyncModelRun(() => ({ model, real }), [...cmds].map(checked));
        }),
        { numRuns: Number(process.env.MODEL_RUNS ?? 10), ...(process.env.MODEL_SEED ? { seed: Number(process.env.MODEL_SEED) } : {}) },
      );
    },
    Number(process.env.MODEL_TIMEOUT_MS ?? 120_000),
  );
});
