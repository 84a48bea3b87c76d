import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../../src/platform/db';
import {
  accountId,
  fundingBalances,
  InsufficientFunds,
  placeHold,
  postHold,
  postTransfer,
  setOverdraftLimit,
  TransferConflict,
  voidHold,
} from '../../src/modules/ledger/ledger.service';
import { startHarness, TestPartner, type Harness } from '../support/harness';
import { checkLedgerInvariants } from '../support/invariants';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

interface Model {
  ledger: bigint;
  holds: bigint[];
}
interface Real {
  businessId: string;
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
    const expect_ok = available(m) >= this.amount;
    try {
      const id = await inTransaction(h.kartu.db, (tx) =>
        placeHold(tx, { businessId: r.businessId, debitAccountId: r.funding, creditAccountId: r.settlement, amount: this.amount, currency: 'IDR', expiresAt: new Date(Date.now() + 86400_000) }),
      );
      expect(expect_ok).toBe(true);
      m.holds.push(this.amount);
      r.holdIds.push(id);
    } catch (err) {
      expect(err).toBeInstanceOf(InsufficientFunds);
      expect(expect_ok).toBe(false);
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
          const partner = await TestPartner.create(h, { name: 'Ledger model' });
          const businessId = partner.creds.businessId;
          const real: Real = await inTransaction(h.kartu.db, async (tx) => ({
            businessId,
            funding: await accountId(tx, businessId, 'funding', 'IDR'),
            settlement: await accountId(tx, businessId, 'settlement', 'IDR'),
            bank: await accountId(tx, null, 'platform_bank', 'IDR'),
            holdIds: [],
          }));
          const model: Model = { ledger: 0n, holds: [] };
          await fc.asyncModelRun(() => ({ model, real }), [...cmds].map((c) => wrapWithCheck(c)));
        },
      ),
      { numRuns: 15 },
    );
  });

  it('100 concurrent holds against one funding account never hold more than it has', async () => {
    const partner = await TestPartner.create(h, { name: 'Hot account' });
    const businessId = partner.creds.businessId;
    const { funding, settlement } = await inTransaction(h.kartu.db, async (tx) => {
      const ids = { funding: await accountId(tx, businessId, 'funding', 'IDR'), settlement: await accountId(tx, businessId, 'settlement', 'IDR') };
      await postTransfer(tx, { businessId, debitAccountId: await accountId(tx, null, 'platform_bank', 'IDR'), creditAccountId: ids.funding, amount: 1_000_000n, currency: 'IDR', kind: 'funding' });
      return ids;
    });
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, () =>
        inTransaction(h.kartu.db, (tx) => placeHold(tx, { businessId, debitAccountId: funding, creditAccountId: settlement, amount: 30_000n, currency: 'IDR', expiresAt: new Date(Date.now() + 60_000) })),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(33);
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason instanceof InsufficientFunds)).toBe(true);
    const b = await fundingBalances(h.kartu.db.manager, businessId, 'IDR');
    expect(b).toMatchObject({ ledgerBalance: 1_000_000n, holdAmount: 990_000n, availableBalance: 10_000n });
    await checkLedgerInvariants(h.kartu.db.manager);
  });

  it('an overdraft limit lets holds take available below zero, down to −limit and no further', async () => {
    const partner = await TestPartner.create(h, { name: 'Credit line' });
    const businessId = partner.creds.businessId;
    const ids = await inTransaction(h.kartu.db, async (tx) => {
      const funding = await accountId(tx, businessId, 'funding', 'IDR');
      await postTransfer(tx, { businessId, debitAccountId: await accountId(tx, null, 'platform_bank', 'IDR'), creditAccountId: funding, amount: 1_000n, currency: 'IDR', kind: 'funding' });
      await setOverdraftLimit(tx, businessId, 'IDR', 500n);
      return { funding, settlement: await accountId(tx, businessId, 'settlement', 'IDR') };
    });
    const hold = (amount: bigint) =>
      inTransaction(h.kartu.db, (tx) => placeHold(tx, { businessId, debitAccountId: ids.funding, creditAccountId: ids.settlement, amount, currency: 'IDR', expiresAt: new Date() }));
    await hold(1_400n);
    await expect(hold(101n)).rejects.toBeInstanceOf(InsufficientFunds);
    await hold(100n);
    expect(await fundingBalances(h.kartu.db.manager, businessId, 'IDR')).toMatchObject({ ledgerBalance: 1_000n, holdAmount: 1_500n, availableBalance: -500n, overdraftLimit: 500n });
    await expect(inTransaction(h.kartu.db, (tx) => setOverdraftLimit(tx, businessId, 'USD', 1n))).rejects.toThrow(/no funding account in USD/);
    await checkLedgerInvariants(h.kartu.db.manager);
  });

  it('a hold cannot be posted for more than it holds (an over-capture is a transfer of its own)', async () => {
    const partner = await TestPartner.create(h, { name: 'Over' });
    const businessId = partner.creds.businessId;
    const holdId = await inTransaction(h.kartu.db, async (tx) => {
      const funding = await accountId(tx, businessId, 'funding', 'IDR');
      await postTransfer(tx, { businessId, debitAccountId: await accountId(tx, null, 'platform_bank', 'IDR'), creditAccountId: funding, amount: 500n, currency: 'IDR', kind: 'funding' });
      return placeHold(tx, { businessId, debitAccountId: funding, creditAccountId: await accountId(tx, businessId, 'settlement', 'IDR'), amount: 300n, currency: 'IDR', expiresAt: new Date() });
    });
    await expect(inTransaction(h.kartu.db, (tx) => postHold(tx, holdId, 301n))).rejects.toThrow(/cannot post 301 against a hold of 300/);
    expect(await fundingBalances(h.kartu.db.manager, businessId, 'IDR')).toMatchObject({ ledgerBalance: 500n, holdAmount: 300n });
  });

  it('a closed hold cannot be posted or voided again', async () => {
    const partner = await TestPartner.create(h, { name: 'Closed' });
    const businessId = partner.creds.businessId;
    const holdId = await inTransaction(h.kartu.db, async (tx) => {
      const funding = await accountId(tx, businessId, 'funding', 'IDR');
      await postTransfer(tx, { businessId, debitAccountId: await accountId(tx, null, 'platform_bank', 'IDR'), creditAccountId: funding, amount: 500n, currency: 'IDR', kind: 'funding' });
      return placeHold(tx, { businessId, debitAccountId: funding, creditAccountId: await accountId(tx, businessId, 'settlement', 'IDR'), amount: 300n, currency: 'IDR', expiresAt: new Date() });
    });
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
