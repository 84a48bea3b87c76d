import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations';
import { runBacktest } from '../../src/modules/policies/backtest';
import { entities } from '../../src/database';
import { createDataSource } from '../../src/platform/db';
import { createEmptyDatabase } from '../support/databases';
import { startHarness, TestNetwork, TestPartner, type Harness } from '../support/harness';
import { expectSnap, nid } from '../support/partner-fixtures';
import { checkLedgerInvariants } from '../support/invariants';

/**
 * Migration 1765100000000 on a database populated by the code that had IDR in whole rupiah: the
 * fixture was recorded at commit a27b599 (its `madeBy` says what it holds), every table as it was,
 * and the SNAP views that code answered. After the migration every stored IDR integer is ×100, and
 * today's code answers the same rupiah: the same balances, limits, history and rewards; a backtest
 * replayed over the converted facts and rules decides as the old one did; the converted counters
 * still stop a purchase at the old limit. down() restores the recorded rows exactly.
 */

type Row = Record<string, any>;
interface Fixture {
  masterKey: string;
  partner: ConstructorParameters<typeof TestPartner>[1];
  businessId: string;
  cardId: string;
  holderId: string;
  policyId: string;
  backtestId: string;
  views: Record<string, any>;
  tables: Record<string, Row[]>;
}
const fixture: Fixture = JSON.parse(readFileSync(path.join(__dirname, '../fixtures/money-before-iso-4217.json'), 'utf8'));
const MONEY = migrations.findIndex((m) => m.name === 'Iso4217MinorUnits1765100000000');

let database: { url: string; drop(): Promise<void> };
let db: DataSource;

/** The recorded rows into a database migrated up to just before the money migration. */
async function loadFixture(db: DataSource): Promise<void> {
  await db.query('SET session_replication_role = replica');
  const names = Object.keys(fixture.tables);
  const all: Array<{ t: string }> = await db.query("SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations'");
  await db.query(`TRUNCATE ${all.map((r) => `"${r.t}"`).join(', ')}`);
  for (const t of names) {
    await db.query(`INSERT INTO "${t}" OVERRIDING SYSTEM VALUE SELECT * FROM json_populate_recordset(NULL::"${t}", $1::json)`, [JSON.stringify(fixture.tables[t])]);
  }
  await db.query('SET session_replication_role = DEFAULT');
  // As a restore does: sequences continue after the loaded ids.
  const identities: Array<{ t: string; c: string }> = await db.query(
    "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND (is_identity = 'YES' OR column_default LIKE 'nextval(%')",
  );
  for (const { t, c } of identities) await db.query(`SELECT setval(pg_get_serial_sequence('"${t}"', '${c}'), coalesce((SELECT max("${c}") FROM "${t}"), 0) + 1, false)`);
}

const rows = async (table: string, order: string): Promise<Row[]> =>
  (await db.query(`SELECT row_to_json(x) AS r FROM "${table}" x ORDER BY ${order}`)).map((x: { r: Row }) => x.r);
const recorded = (table: string, key: (r: Row) => string) => new Map((fixture.tables[table] ?? []).map((r) => [key(r), r]));

beforeAll(async () => {
  expect(MONEY).toBeGreaterThan(0);
  database = await createEmptyDatabase();
  db = createDataSource({ url: database.url, entities, migrations: migrations.slice(0, MONEY), poolSize: 1 });
  await db.initialize();
  await db.runMigrations();
  await loadFixture(db);
  await db.destroy();
  db = createDataSource({ url: database.url, entities, migrations, poolSize: 1 });
  await db.initialize();
  // This one and those after it (today's code reads the schema they make).
  expect((await db.runMigrations()).map((m) => m.name)).toEqual(migrations.slice(MONEY).map((m) => m.name));
});
afterAll(async () => {
  await db?.destroy();
  await database?.drop();
});

describe('stored amounts', () => {
  it('ledger accounts and transfers are ×100, and the ledger still balances', async () => {
    const accounts = recorded('ledger_accounts', (r) => r.id);
    const now = await rows('ledger_accounts', 'id');
    expect(now).toHaveLength(accounts.size);
    for (const a of now) {
      const was = accounts.get(a.id)!;
      for (const c of ['debits_pending', 'debits_posted', 'credits_pending', 'credits_posted', 'overdraft_limit']) expect(a[c], `${a.code}.${c}`).toBe(was[c] * 100);
    }
    expect(now.some((a) => a.overdraft_limit === 250_000_000)).toBe(true);
    const transfers = recorded('ledger_transfers', (r) => r.id);
    for (const t of await rows('ledger_transfers', 'id')) {
      expect(t.amount).toBe(transfers.get(t.id)!.amount * 100);
      expect(t.open_amount).toBe(transfers.get(t.id)!.open_amount * 100);
    }
    await checkLedgerInvariants(db.manager);
  });

  it('authorizations: amounts, amount limits counted (not count limits), recorded facts and usage', async () => {
    const before = recorded('authorizations', (r) => r.id);
    for (const a of await rows('authorizations', 'id')) {
      const was = before.get(a.id)!;
      expect(a.amount).toBe(was.amount * 100);
      expect(a.approved_amount).toBe(was.approved_amount * 100);
      expect(a.counted).toEqual(was.counted.map((c: Row) => (c.kind === 'count' ? c : { ...c, limit: String(BigInt(c.limit) * 100n) })));
      const t = was.facts.policy.transaction;
      expect(a.facts.policy.transaction).toEqual({ ...t, amount: t.amount * 100, billingAmount: t.billingAmount * 100 });
      expect(a.facts.policy.velocity).toEqual({ ...was.facts.policy.velocity, approvedAmount1h: was.facts.policy.velocity.approvedAmount1h * 100 });
      expect(a.facts.available).toBe(String(BigInt(was.facts.available) * 100n));
      expect(a.facts.usage).toEqual(Object.fromEntries(Object.entries(was.facts.usage as Record<string, string>).map(([k, v]) => [k, k.startsWith('count:') ? v : String(BigInt(v) * 100n)])));
      expect(a.facts.merchantGroups).toEqual(was.facts.merchantGroups);
    }
    expect([...before.values()].some((a) => a.counted.some((c: Row) => c.kind === 'count'))).toBe(true);
  });

  it('counters, roll-ups, network messages, cards, rewards, events and backtest reports', async () => {
    const counters = recorded('spend_counters', (r) => r.limit_key);
    for (const c of await rows('spend_counters', 'limit_key')) {
      expect(c.amount).toBe(counters.get(c.limit_key)!.amount * 100);
      expect(c.count).toBe(counters.get(c.limit_key)!.count);
    }
    const buckets = recorded('card_velocity', (r) => `${r.span_s}/${r.start}`);
    expect(buckets.size).toBeGreaterThan(0);
    for (const v of await db.query("SELECT span_s, start, approved_amount, approved_amount_sq::text AS sq, approved_count FROM card_velocity")) {
      const was = [...buckets.values()].find((b) => b.span_s === v.span_s)!;
      expect(Number(v.approved_amount)).toBe(was.approved_amount * 100);
      expect(BigInt(v.sq)).toBe(BigInt(was.approved_amount_sq) * 10_000n);
      expect(v.approved_count).toBe(was.approved_count);
    }
    const messages = recorded('network_messages', (r) => r.message_id);
    for (const m of await rows('network_messages', 'message_id')) {
      const was = messages.get(m.message_id)!;
      expect(m.amount).toBe(was.amount * 100);
      expect(m.response).toEqual({ ...was.response, amount: was.response.amount * 100 });
    }
    const [card] = await rows('cards', 'id');
    expect(card!.spend_controls.spendingLimits.map((l: Row) => l.amountMinor)).toEqual(['50000000', '200000000', '45000000']);
    expect(card!.spend_controls.countLimits).toEqual(fixture.tables.cards![0]!.spend_controls.countLimits);
    const [balance] = await rows('rewards_balances', 'cardholder_id');
    const wasBalance = fixture.tables.rewards_balances![0]!;
    expect(balance).toEqual({ ...wasBalance, value: wasBalance.value * 100 });
    const entries = recorded('rewards_entries', (r) => r.id);
    for (const e of await rows('rewards_entries', 'id')) {
      const was = entries.get(e.id)!;
      expect(e).toEqual({ ...was, value: was.value * 100, spend_amount: was.spend_amount === null ? null : was.spend_amount * 100 });
    }
    const events = recorded('outbox_events', (r) => r.id);
    for (const e of await rows('outbox_events', 'id')) {
      const was = events.get(e.id)!;
      if (e.type.startsWith('authorization.') || e.type.startsWith('transaction.')) {
        expect(e.data.amount, e.type).toBe(was.data.amount * 100);
        if ('approvedAmount' in was.data) expect(e.data.approvedAmount).toBe(was.data.approvedAmount * 100);
      } else if (e.type !== 'policy.backtest.completed') {
        expect(e.data, e.type).toEqual(was.data); // SNAP values ("150000.00"), points, cards: unchanged
      }
    }
    const [bt] = await rows('policy_backtests', 'id');
    const examples = bt!.report.changes.approveToDecline.examples;
    expect(examples.map((x: Row) => x.amount)).toEqual(fixture.tables.policy_backtests![0]!.report.changes.approveToDecline.examples.map((x: Row) => String(BigInt(x.amount) * 100n)));
  });

  it('amount thresholds of stored rules, when the rule is in IDR; other conditions as they were', async () => {
    const values = (rules: Row[]) => rules.map((r) => ({ name: r.name, values: JSON.stringify(r.conditions).match(/"value":[^,}]+/g) }));
    const versions = await db.query("SELECT v.rules FROM policy_versions v JOIN policies p ON p.id = v.policy_id WHERE p.id = $1 ORDER BY v.number", [fixture.policyId]);
    expect(values(versions[0].rules)).toEqual([
      { name: 'big', values: ['"value":500000000'] },
      { name: 'billing', values: ['"value":400000000', '"value":"ID"'] },
      { name: 'usd-only', values: ['"value":"USD"', '"value":100000'] },
    ]);
    expect(values(versions[1].rules)).toEqual([
      { name: 'fast', values: ['"value":30000000', '"value":1'] },
      { name: 'mid', values: ['"value":10000000'] },
    ]);
    const platform = await db.query("SELECT v.rules FROM policy_versions v JOIN policies p ON p.id = v.policy_id WHERE p.business_id IS NULL");
    const [file] = await db.query("SELECT content FROM policy_rule_files WHERE name = 'platform-policy.json'");
    const amountThresholds = (rules: Row[]) => rules.flatMap((r) => r.conditions.all.filter((c: Row) => c.path === '$.amount').map((c: Row) => c.value));
    for (const rules of [...platform.map((p: Row) => p.rules), file.content.rules]) {
      expect(amountThresholds(rules)).toEqual([5_000_000_000, 5_000_000_000, 5_000_000_000, 100_000_000, 1_000_000_000]);
    }
    // The shipped file says the same now, so the rule-file loader finds no change of meaning.
    const shipped = JSON.parse(readFileSync(path.join(__dirname, '../../rules/platform-policy.json'), 'utf8'));
    expect(shipped.rules).toEqual(file.content.rules);
  });
});

describe('today\'s code on the migrated database', () => {
  let h: Harness;
  let partner: TestPartner;
  beforeAll(async () => {
    h = await startHarness({ DATABASE_URL: database.url, KARTU_MASTER_KEY: fixture.masterKey });
    // The moment the fixture was recorded: the same day's limits and history window.
    h.clock.set(new Date(new Date(fixture.tables.authorizations!.at(-1)!.created_at).getTime() + 60_000));
    partner = new TestPartner(h, fixture.partner);
  });
  afterAll(() => h?.close());

  it('answers the same rupiah over SNAP: balance, spend controls, history, rewards', async () => {
    const balance = await partner.call('POST', '/snap/v1.0/balance-inquiry', '{}');
    expectSnap(balance, '2001100');
    expect(balance.body.accountInfos).toEqual(fixture.views.balance);
    const card = await partner.call('GET', `/snap/v1.0/cards/${fixture.cardId}`);
    expect(card.body.card.spendControls).toEqual(fixture.views.card);
    const history = await partner.call('POST', '/snap/v1.0/transaction-history-list', JSON.stringify(fixture.views.historyRequest));
    expectSnap(history, '2001200');
    expect(history.body.detailData).toEqual(fixture.views.history);
    expect(fixture.views.history.length).toBeGreaterThan(4);
    const rewards = await partner.call('GET', `/snap/v1.0/rewards/balance?cardholderId=${fixture.holderId}`);
    expect(rewards.body.balance).toEqual(fixture.views.rewards);
    const rewardsHistory = await partner.call('GET', `/snap/v1.0/rewards/history?cardholderId=${fixture.holderId}`);
    expect(rewardsHistory.body.entries).toEqual(fixture.views.rewardsHistory);
  });

  it('a backtest over the converted facts and rules decides as the old code did', async () => {
    const was = fixture.views.backtest;
    const res = await partner.call('POST', `/snap/v1.0/policies/${fixture.policyId}/backtest`, JSON.stringify({ versionId: was.versionId, fromDateTime: was.from, toDateTime: was.to }));
    expectSnap(res, '2009500');
    await runBacktest(h.kartu, res.body.backtest.id);
    const report = (await partner.call('GET', `/snap/v1.0/policies/${fixture.policyId}/backtests/${res.body.backtest.id}`)).body.backtest.report;
    expect(report.totals).toEqual(was.totals);
    expect(report.byRule).toEqual(was.byRule);
  });

  it('the converted daily counter stops a purchase where the old limit did', async () => {
    // Daily limit IDR 500,000.00; IDR 360,000.00 of it used when the fixture was recorded.
    const revealed = await partner.call('POST', `/snap/v1.0/cards/${fixture.cardId}/reveal`);
    expectSnap(revealed, '2009300');
    const { number, expiry, cvv } = revealed.body.card;
    const net = await TestNetwork.create(h);
    const merchant = { id: 'M-SUPER-1', name: 'Super Indo', mcc: '5411', city: 'Jakarta', country: 'ID' };
    const send = (amount: number) => net.send('/authorizations', { id: nid('auth'), card: { number, expiry, cvv }, amount, currency: 'IDR', merchant });
    const over = await send(14_000_001);
    expect(over.body).toMatchObject({ decision: 'declined', responseCode: '61' });
    const within = await send(14_000_000);
    expect(within.body).toMatchObject({ decision: 'approved', approvedAmount: 14_000_000 });
    await checkLedgerInvariants(h.kartu.db.manager);
  });
});

describe('down()', () => {
  it('restores every recorded row exactly, and refuses amounts with sen', async () => {
    const fresh = await createEmptyDatabase();
    const d = createDataSource({ url: fresh.url, entities, migrations: migrations.slice(0, MONEY), poolSize: 1 });
    try {
      await d.initialize();
      await d.runMigrations();
      await loadFixture(d);
      await d.destroy();
      const full = createDataSource({ url: fresh.url, entities, migrations: migrations.slice(0, MONEY + 1), poolSize: 1 });
      await full.initialize();
      await full.runMigrations();
      await full.undoLastMigration({ transaction: 'all' });
      for (const [t, was] of Object.entries(fixture.tables)) {
        const now = (await full.query(`SELECT row_to_json(x) AS r FROM "${t}" x`)).map((x: { r: Row }) => x.r);
        const key = (r: Row) => JSON.stringify(r);
        expect(now.map(key).sort(), t).toEqual(was.map(key).sort());
      }
      await full.runMigrations();
      await full.query("UPDATE ledger_accounts SET overdraft_limit = 150 WHERE currency = 'IDR' AND code = 'funding'");
      await expect(full.undoLastMigration({ transaction: 'all' })).rejects.toThrow(/has sen that whole rupiah cannot hold/);
      expect((await full.query("SELECT overdraft_limit FROM ledger_accounts WHERE code = 'funding'"))[0].overdraft_limit).toBe('150');
      await full.destroy();
    } finally {
      await fresh.drop();
    }
  });
});
