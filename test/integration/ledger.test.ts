import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountId, fundingBalances, postHold, postTransfer, TransferConflict, voidHold } from '../../src/modules/ledger/ledger.service';
import { inTransaction } from '../../src/platform/db';
import { startHarness, TestNetwork, type Harness } from '../support/harness';
import { checkLedgerInvariants } from '../support/invariants';
import { business, issueCard, nid, type IssuedCard } from '../support/partner-fixtures';

let h: Harness;
let net: TestNetwork;
beforeAll(async () => {
  h = await startHarness();
  net = await TestNetwork.create(h);
});
afterAll(() => h.close());

/** A business (funded over the sandbox when `funding` > 0) with one card, and its ledger accounts. */
async function cardOfNewBusiness(funding = 0n) {
  const b = await business(h, funding);
  const card = await issueCard(b);
  const accounts = await inTransaction(h.kartu.db, async (tx) => ({
    funding: await accountId(tx, b.businessId, 'funding', 'IDR'),
    settlement: await accountId(tx, b.businessId, 'settlement', 'IDR'),
    bank: await accountId(tx, null, 'platform_bank', 'IDR'),
  }));
  return { businessId: b.businessId, card, ...accounts };
}

/**
 * A hold placed the one way Kartu places holds: an authorization from the network, decided and
 * written by the authorization engine. Its hold id, or undefined when it was declined for funds.
 */
async function hold(card: IssuedCard, amount: bigint): Promise<string | undefined> {
  const res = await net.send('/authorizations', {
    id: nid('auth'),
    card: { number: card.number, expiry: card.expiry, cvv: card.cvv },
    amount: Number(amount),
    currency: 'IDR',
    merchant: { id: 'M-LEDGER', name: 'Toko', mcc: '5411', city: 'Bandung', country: 'ID' },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  if (res.body.responseCode === '51') return undefined;
  expect(res.body.responseCode, res.body.reason).toBe('00');
  const [row]: Array<{ hold_id: string }> = await h.kartu.db.query('SELECT hold_id FROM authorizations WHERE id = $1', [res.body.authorizationId]);
  return row!.hold_id;
}

interface Model {
  ledger: bigint;
  holds: bigint[];
}
interface Real {
  businessId: string;
  card: IssuedCard;
  funding: string;
  settlement: string;
  bank: string;
  holdIds: string[];
}

const available = (m: Model) => m.ledger - m.holds.reduce((a, b) => a + b, 0n);

class Fund implements fc.AsyncCommand<Model, Real> {
  constructor(readonly amount: bigint) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await inTransaction(h.kartu.db, (tx) => postTransfer(tx, { businessId: r.businessId, debitAccountId: r.bank, creditAccountId: r.funding, amount: this.amount, currency: 'IDR', kind: 'funding' }));
    m.ledger += this.amount;
  }
  toString = () => `fund(${this.amount})`;
}

class Hold implements fc.AsyncCommand<Model, Real> {
  constructor(readonly amount: bigint) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const id = await hold(r.card, this.amount);
    expect(id !== undefined, 'approved exactly when available covers it').toBe(available(m) >= this.amount);
    if (id) {
      m.holds.push(this.amount);
      r.holdIds.push(id);
    }
  }
  toString = () => `hold(${this.amount})`;
}

class Post implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly ratio: number) {}
  check = (m: Readonly<Model>) => m.holds.some((x) => x > 0n);
  async run(m: Model, r: Real) {
    const open = m.holds.map((x, i) => [x, i] as const).filter(([x]) => x > 0n);
    const [held, i] = open[this.pick % open.length]!;
    // 0.1× … 1.1× of the hold; over-capture only while the account can cover the extra.
    let amount = (held * BigInt(Math.round(this.ratio * 100))) / 100n;
    if (amount <= 0n) amount = 1n;
    if (amount > held && amount - held > available(m)) amount = held;
    // As a clearing does: the hold up to what it holds, the extra as an over-capture transfer.
    const result = await inTransaction(h.kartu.db, async (tx) => {
      const posted = await postHold(tx, r.holdIds[i]!, amount < held ? amount : held);
      if (amount > held) {
        await postTransfer(tx, { businessId: r.businessId, debitAccountId: r.funding, creditAccountId: r.settlement, amount: amount - held, currency: 'IDR', kind: 'over_capture' });
      }
      return posted;
    });
    expect(result.posted + (amount > held ? amount - held : 0n)).toBe(amount);
    expect(result.released).toBe(amount < held ? held - amount : 0n);
    m.ledger -= amount;
    m.holds[i] = 0n;
  }
  toString = () => `post(${this.pick}, ${this.ratio})`;
}

class Void implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number, readonly part: number) {}
  check = (m: Readonly<Model>) => m.holds.some((x) => x > 0n);
  async run(m: Model, r: Real) {
    const open = m.holds.map((x, i) => [x, i] as const).filter(([x]) => x > 0n);
    const [held, i] = open[this.pick % open.length]!;
    const amount = this.part >= 1 ? undefined : (held * BigInt(Math.max(1, Math.round(this.part * 100)))) / 100n || 1n;
    const released = await inTransaction(h.kartu.db, (tx) => voidHold(tx, r.holdIds[i]!, amount));
    expect(released).toBe(amount ?? held);
    m.holds[i] = held - released;
  }
  toString = () => `void(${this.pick}, ${this.part})`;
}

class Refund implements fc.AsyncCommand<Model, Real> {
  constructor(readonly amount: bigint) {}
  check = () => true;
  async run(m: Model, r: Real) {
    await inTransaction(h.kartu.db, (tx) => postTransfer(tx, { businessId: r.businessId, debitAccountId: r.settlement, creditAccountId: r.funding, amount: this.amount, currency: 'IDR', kind: 'refund' }));
    m.ledger += this.amount;
  }
  toString = () => `refund(${this.amount})`;
}

const amount = fc.bigInt({ min: 1n, max: 2_000_000n });

describe('ledger (model-based, against PostgreSQL)', () => {
  it('random funding, holds, posts (partial and over), voids (partial and full) and refunds keep every invariant', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.commands(
          [
            amount.map((a) => new Fund(a)),
            amount.map((a) => new Hold(a)),
            fc.tuple(fc.nat(), fc.double({ min: 0.1, max: 1.1, noNaN: true })).map(([p, r]) => new Post(p, r)),
            fc.tuple(fc.nat(), fc.double({ min: 0.01, max: 1.5, noNaN: true })).map(([p, x]) => new Void(p, x)),
            amount.map((a) => new Refund(a)),
          ],
          { maxCommands: 25 },
        ),
        async (cmds) => {
          const real: Real = { ...(await cardOfNewBusiness()), holdIds: [] };
          const model: Model = { ledger: 0n, holds: [] };
          await fc.asyncModelRun(() => ({ model, real }), [...cmds].map((c) => wrapWithCheck(c)));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('a hold cannot be posted for more than it holds (an over-capture is a transfer of its own)', async () => {
    const { businessId, card } = await cardOfNewBusiness(500n);
    const holdId = (await hold(card, 300n))!;
    await expect(inTransaction(h.kartu.db, (tx) => postHold(tx, holdId, 301n))).rejects.toThrow(/cannot post 301 against a hold of 300/);
    expect(await fundingBalances(h.kartu.db.manager, businessId, 'IDR')).toMatchObject({ ledgerBalance: 500n, holdAmount: 300n });
  });

  it('a closed hold cannot be posted or voided again', async () => {
    const { businessId, card } = await cardOfNewBusiness(500n);
    const holdId = (await hold(card, 300n))!;
    await inTransaction(h.kartu.db, (tx) => postHold(tx, holdId, 200n));
    await expect(inTransaction(h.kartu.db, (tx) => postHold(tx, holdId, 100n))).rejects.toBeInstanceOf(TransferConflict);
    await expect(inTransaction(h.kartu.db, (tx) => voidHold(tx, holdId))).rejects.toBeInstanceOf(TransferConflict);
    expect(await fundingBalances(h.kartu.db.manager, businessId, 'IDR')).toMatchObject({ ledgerBalance: 300n, holdAmount: 0n, availableBalance: 300n });
  });
});

/** Runs a command, then checks the database against the model and the ledger invariants. */
function wrapWithCheck(cmd: fc.AsyncCommand<Model, Real>): fc.AsyncCommand<Model, Real> {
  return {
    check: (m) => cmd.check(m),
    async run(m, r) {
      await cmd.run(m, r);
      const b = await fundingBalances(h.kartu.db.manager, r.businessId, 'IDR');
      expect(b.ledgerBalance).toBe(m.ledger);
      expect(b.holdAmount).toBe(m.holds.reduce((a, x) => a + x, 0n));
      expect(b.availableBalance).toBeGreaterThanOrEqual(0n);
      await checkLedgerInvariants(h.kartu.db.manager);
    },
    toString: () => cmd.toString(),
  };
}
