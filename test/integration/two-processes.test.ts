import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import type { Kartu } from '../../src/context';
import { kartuDataSource } from '../../src/database';
import { createNetwork } from '../../src/modules/access/access.service';
import { networkSignature } from '../../src/modules/authorizations/network-auth';
import { fundingBalances } from '../../src/modules/ledger/ledger.service';
import { systemClock } from '../../src/platform/clock';
import { SecretBox } from '../../src/platform/crypto';
import { createLogger } from '../../src/platform/logger';
import { createTestDatabase } from '../support/databases';
import { authorizationBody, fundedCards, NetworkClient, startKartu, stopKartu, type Card, type KartuProcess } from '../support/kartu-process';
import { MERCHANT } from '../support/partner-fixtures';
import { TEST_REDIS_URL } from '../support/harness';
import { checkLedgerInvariants } from '../support/invariants';

/**
 * Counters and holds are exact across processes, not only across requests of one process: two
 * `kartu serve` processes (the built dist, as deployed) on one database take 100 simultaneous signed
 * authorizations between them — on one card whose daily limit fits exactly 10, and on ten cards of
 * one funding account that holds exactly 25 purchases. The business, cards and funds are prepared
 * directly with the services (as bench/run.ts does); the network signs over the wall clock.
 */

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let k: Kartu;
const children: KartuProcess[] = [];
const bases: string[] = [];
let network: { networkId: string; secret: string };

beforeAll(async () => {
  database = await createTestDatabase();
  const env = {
    KARTU_ENV: 'sandbox',
    DATABASE_URL: database.url,
    KARTU_MASTER_KEY: randomBytes(32).toString('base64'),
    KARTU_HOME: mkdtempSync(path.join(tmpdir(), 'kartu-two-')),
    REDIS_URL: TEST_REDIS_URL,
    KARTU_REDIS_PREFIX: `kartu-test-${randomBytes(4).toString('hex')}`,
    KARTU_LOG_LEVEL: 'warn',
    KARTU_RATE_LIMIT_PER_SECOND: '100000',
    HOST: '127.0.0.1',
  };
  const config = loadConfig(env);
  const db = kartuDataSource(config.databaseUrl!, 4);
  await db.initialize();
  const quiet = new Writable({ write: (_chunk, _enc, cb) => cb() });
  k = { config, clock: systemClock, db, logger: createLogger('warn', quiet), secrets: new SecretBox(config.masterKeys, 'secrets') };
  network = await createNetwork(k, `net-${randomBytes(3).toString('hex')}`);

  for (const p of await Promise.all([startKartu('serve', env), startKartu('serve', env)])) {
    children.push(p);
    bases.push(p.base);
  }
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(children.map(({ child }) => stopKartu(child)));
  await k?.db.destroy().catch(() => undefined);
  await database?.drop();
}, 60_000);

// ---- helpers ----------------------------------------------------------------------------------

/**
 * Signs all `n` authorizations first, then sends them at once, alternating between the two
 * processes; every one must be answered 200. Returns the response codes and which process answered.
 */
async function fireAtOnce(n: number, cardOf: (i: number) => Card, amount: number): Promise<Array<{ code: string; approved: number; base: string }>> {
  const requests = Array.from({ length: n }, (_, i) => {
    const card = cardOf(i);
    const body = authorizationBody(`two-${i}-${randomBytes(4).toString('hex')}`, card, amount);
    const headers = new NetworkClient(network).headers(body);
    return { base: bases[i % bases.length]!, body, headers };
  });
  return Promise.all(
    requests.map(async ({ base, body, headers }) => {
      const res = await fetch(`${base}/network/v1/authorizations`, { method: 'POST', headers, body });
      const answer = (await res.json()) as { responseCode: string; approvedAmount: number };
      expect(res.status, `${base}: ${JSON.stringify(answer)}`).toBe(200);
      return { code: answer.responseCode, approved: answer.approvedAmount, base };
    }),
  );
}

const tally = (codes: string[]) => codes.reduce<Record<string, number>>((t, c) => ({ ...t, [c]: (t[c] ?? 0) + 1 }), {});

// ---- tests ------------------------------------------------------------------------------------

describe('two `kartu serve` processes on one database', () => {
  it('both processes answer', async () => {
    expect(bases).toHaveLength(2);
    for (const base of bases) {
      const res = await fetch(`${base}/healthz`);
      expect(res.status).toBe(200);
    }
    expect(new Set(bases).size).toBe(2);
  });

  it('100 simultaneous authorizations on one card whose daily limit fits exactly 10 → exactly 10 approved; the counter is at the limit', async () => {
    const { businessId, cards } = await fundedCards(k, 10_000_000n, 1, { spendingLimits: [{ amount: { value: '1000.00', currency: 'IDR' }, interval: 'daily' }] });
    const card = cards[0]!;
    const answers = await fireAtOnce(100, () => card, 10_000);
    expect(tally(answers.map((a) => a.code))).toEqual({ '00': 10, '61': 90 });
    expect(answers.filter((a) => a.code === '00').every((a) => a.approved === 10_000)).toBe(true);

    const counters = await k.db.query(
      'SELECT sc.limit_key, sc.amount::text, sc.count FROM spend_counters sc JOIN cards c ON c.spend_root_id = sc.spend_root_id WHERE c.id = $1',
      [card.id],
    );
    expect(counters).toEqual([{ limit_key: 'daily:', amount: '100000', count: 10 }]);
    const rows = await k.db.query(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE decision = 'approved')::int AS approved, coalesce(sum(approved_amount), 0)::text AS total FROM authorizations WHERE card_id = $1",
      [card.id],
    );
    expect(rows).toEqual([{ n: 100, approved: 10, total: '100000' }]);
    const b = await fundingBalances(k.db.manager, businessId, 'IDR');
    expect(b).toMatchObject({ ledgerBalance: 10_000_000n, holdAmount: 100_000n, availableBalance: 9_900_000n });
    await checkLedgerInvariants(k.db.manager);
  });

  it('100 simultaneous authorizations across 10 cards of one funding account holding exactly 25 → exactly 25 approved; available 0', async () => {
    const { businessId, cards } = await fundedCards(k, 25_000n, 10);
    const answers = await fireAtOnce(100, (i) => cards[i % cards.length]!, 1_000);
    expect(tally(answers.map((a) => a.code))).toEqual({ '00': 25, '51': 75 });

    const b = await fundingBalances(k.db.manager, businessId, 'IDR');
    expect(b).toMatchObject({ ledgerBalance: 25_000n, holdAmount: 25_000n, availableBalance: 0n });
    const rows = await k.db.query(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE decision = 'approved')::int AS approved FROM authorizations WHERE business_id = $1",
      [businessId],
    );
    expect(rows).toEqual([{ n: 100, approved: 25 }]);
    await checkLedgerInvariants(k.db.manager);
  });

  it('SIGTERM while authorizations wait on the database and their callers have hung up: they are still written, then exit 0 with nothing logged', async () => {
    const { businessId, cards } = await fundedCards(k, 1_000_000n, 1);
    const { child, output } = children[1]!;
    const base = bases[1]!;
    const before = output.length;
    // Hold the business's funding account: the batch write claims the network ids and then waits for it.
    const holder = k.db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query('SELECT 1 FROM ledger_accounts WHERE business_id = $1 FOR UPDATE', [businessId]);
      // Raw sockets, so hanging up closes the connection at once.
      const sockets = Array.from({ length: 5 }, (_, i) => {
        const body = JSON.stringify({
          id: `hangup-${i}-${randomBytes(4).toString('hex')}`,
          card: { number: cards[0]!.number, expiry: cards[0]!.expiry, cvv: cards[0]!.cvv },
          amount: 1_000,
          currency: 'IDR',
          merchant: MERCHANT,
          pos: { entryMode: 'contactless', cardPresent: true },
        });
        const timestamp = new Date().toISOString();
        const { port } = new URL(base);
        const socket = connect(Number(port), '127.0.0.1');
        socket.on('error', () => undefined);
        socket.write(
          `POST /network/v1/authorizations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
            `X-Network-Id: ${network.networkId}\r\nX-Timestamp: ${timestamp}\r\nX-Signature: ${networkSignature(network.secret, timestamp, body)}\r\n\r\n${body}`,
        );
        return socket;
      });
      // A batch write is blocked on the account; the rest wait in the next batches.
      const blocked = async () =>
        (await k.db.query("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"))[0].n as number;
      for (let i = 0; i < 100 && (await blocked()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await blocked()).toBeGreaterThan(0);
      await new Promise((r) => setTimeout(r, 300));
      const written = async () => (await k.db.query('SELECT count(*)::int AS n FROM authorizations WHERE business_id = $1', [businessId]))[0].n as number;
      for (const socket of sockets) socket.destroy();
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 500));
      expect(child.exitCode, 'the process waits for the authorizations it took').toBeNull();
      expect(await written()).toBe(0);
      await holder.commitTransaction();
      const [code] = (await exited) as [number];
      expect(code).toBe(0);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
    const rows = await k.db.query("SELECT count(*)::int AS n, count(*) FILTER (WHERE decision = 'approved')::int AS approved FROM authorizations WHERE business_id = $1", [businessId]);
    expect(rows).toEqual([{ n: 5, approved: 5 }]);
    expect(output.slice(before).join('')).not.toMatch(/"level":"(error|fatal)"|Cannot use a pool/);
    await checkLedgerInvariants(k.db.manager);
  });
});
