import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import type { Kartu } from '../../src/context';
import { kartuDataSource } from '../../src/database';
import { createNetwork } from '../../src/modules/access/access.service';
import { systemClock } from '../../src/platform/clock';
import { SecretBox } from '../../src/platform/crypto';
import { freePort } from '../../src/platform/embedded-postgres';
import { createLogger } from '../../src/platform/logger';
import { redisReachable } from '../../src/platform/redis';
import { adminUrl, createTestDatabase } from '../support/databases';
import { checkAuthorizationInvariants, checkLedgerInvariants } from '../support/invariants';
import { authorizationBody, fundedCards, NetworkClient, startKartu, stopKartu, type Card, type KartuProcess } from '../support/kartu-process';
import { waitFor } from '../support/wait-for';

/**
 * Faults against real `kartu serve` processes (the built dist) driven over HTTP by a signed network:
 * the process SIGKILLed under load and restarted; its PostgreSQL backends terminated under load; its
 * (private) Redis killed under load and brought back. After each: every answered approval is durable
 * with the same answer, every id sent again gets one definite answer (the first), nothing is held
 * twice, and the ledger invariants hold. Each case prints a one-line `[fault]` summary.
 */

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let k: Kartu;
let admin: pg.Client;
let client: NetworkClient;
let env: Record<string, string>;
let redisPort: number;
let redis: ChildProcess | undefined;
/** The api processes started (the last one alive serves the next case), and the workers. */
const apis: KartuProcess[] = [];
const workers: KartuProcess[] = [];

async function startRedis(): Promise<void> {
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor('the private redis-server', () => redisReachable(`redis://127.0.0.1:${redisPort}`, 500), 20_000);
}

async function killRedis(): Promise<void> {
  if (redis && redis.exitCode === null) await stopKartu(redis, 'SIGKILL');
  redis = undefined;
}

async function serve(port?: number): Promise<KartuProcess> {
  const p = await startKartu('serve', env, port);
  apis.push(p);
  return p;
}

/** The api the previous case left running, or a new one (a case run alone). */
async function runningApi(): Promise<KartuProcess> {
  return apis.filter((p) => p.child.exitCode === null && p.child.signalCode === null).at(-1) ?? serve();
}

/** What one authorization got: an answer (status and body), or none (the connection failed). */
interface Outcome {
  id: string;
  body: string;
  status?: number;
  answer?: Record<string, unknown>;
  retryAfter?: string | null;
  at: number;
}

/**
 * Sends authorizations, `concurrency` at a time, each a fresh id on one of `cards`, until `stop()`
 * resolves; each gets 5 s. Returns every outcome.
 */
async function load(base: () => string, cards: Card[], concurrency: number, stop: Promise<unknown>, label: string): Promise<Outcome[]> {
  let stopping = false;
  void stop.then(() => (stopping = true));
  const out: Outcome[] = [];
  let n = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (!stopping) {
        const i = n++;
        const id = `${label}-${i}-${randomBytes(3).toString('hex')}`;
        const body = authorizationBody(id, cards[i % cards.length]!, 1_000 + (i % 13));
        out.push(await send(base(), id, body));
      }
    }),
  );
  return out;
}

async function send(base: string, id: string, body: string): Promise<Outcome> {
  try {
    const res = await client.post(base, '/authorizations', body, AbortSignal.timeout(5_000));
    return { id, body, status: res.status, answer: (await res.json()) as Record<string, unknown>, retryAfter: res.headers.get('retry-after'), at: Date.now() };
  } catch {
    await new Promise((r) => setTimeout(r, 20)); // refused while the process is down: do not spin
    return { id, body, at: Date.now() };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends every outcome's body again (`concurrency` at a time) and returns the new outcomes in the same order. */
async function resend(base: string, outcomes: Outcome[], concurrency = 16): Promise<Outcome[]> {
  const out: Outcome[] = new Array(outcomes.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < outcomes.length) {
        const i = next++;
        out[i] = await send(base, outcomes[i]!.id, outcomes[i]!.body);
      }
    }),
  );
  return out;
}

/**
 * The checks every case ends with: each id sent again is answered 200 with a decision; an id
 * answered 200 before gets that same answer; each id is one row in PostgreSQL whose decision is the
 * answer's; nothing is held twice; the ledger invariants hold.
 */
async function expectExactlyOnce(base: string, outcomes: Outcome[]): Promise<{ resentUnanswered: number; durableUnanswered: number }> {
  const ids = outcomes.map((o) => o.id);
  const before: Array<{ network_message_id: string }> = await k.db.query('SELECT network_message_id FROM authorizations WHERE network_message_id = ANY($1)', [ids]);
  const durable = new Set(before.map((r) => r.network_message_id));
  const again = await resend(base, outcomes);
  expect(again.filter((o) => o.status !== 200).map((o) => `${o.id}: ${o.status} ${JSON.stringify(o.answer)}`)).toEqual([]);
  const rows: Array<{ network_message_id: string; id: string; decision: string; response_code: string; approved_amount: string; authorization_code: string | null; n: string }> =
    await k.db.query(
      `SELECT network_message_id, min(id::text) AS id, min(decision) AS decision, min(response_code) AS response_code, min(approved_amount)::text AS approved_amount,
              min(authorization_code) AS authorization_code, count(*) AS n
         FROM authorizations WHERE network_message_id = ANY($1) GROUP BY 1`,
      [ids],
    );
  const stored = new Map(rows.map((r) => [r.network_message_id, r]));
  expect(rows.filter((r) => r.n !== '1')).toEqual([]);
  expect(stored.size).toBe(ids.length);
  outcomes.forEach((o, i) => {
    const s = stored.get(o.id)!;
    const a = again[i]!.answer!;
    // The answer is the stored decision …
    expect([a.authorizationId, a.decision, a.responseCode, String(a.approvedAmount), a.authorizationCode]).toEqual([s.id, s.decision, s.response_code, s.approved_amount, s.authorization_code]);
    // … and, where one was given before, the same answer as then.
    if (o.status === 200) expect(a).toEqual(o.answer);
  });
  await checkLedgerInvariants(k.db.manager);
  await checkAuthorizationInvariants(k.db.manager);
  const unanswered = outcomes.filter((o) => o.status === undefined);
  return { resentUnanswered: unanswered.length, durableUnanswered: unanswered.filter((o) => durable.has(o.id)).length };
}

const fiveXx = (outcomes: Outcome[]) => outcomes.filter((o) => (o.status ?? 0) >= 500);

beforeAll(async () => {
  database = await createTestDatabase();
  redisPort = await freePort();
  await startRedis();
  env = {
    KARTU_ENV: 'sandbox',
    DATABASE_URL: database.url,
    KARTU_MASTER_KEY: randomBytes(32).toString('base64'),
    KARTU_HOME: mkdtempSync(path.join(tmpdir(), 'kartu-fault-')),
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    KARTU_REDIS_PREFIX: `kartu-fault-${randomBytes(4).toString('hex')}`,
    KARTU_LOG_LEVEL: 'warn',
    KARTU_RATE_LIMIT_PER_SECOND: '100000',
    KARTU_RELAY_INTERVAL_MS: '50',
    HOST: '127.0.0.1',
  };
  const config = loadConfig(env);
  k = { config, clock: systemClock, db: kartuDataSource(config.databaseUrl!, 4), logger: createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() })), secrets: new SecretBox(config.masterKeys, 'secrets') };
  await k.db.initialize();
  client = new NetworkClient(await createNetwork(k, `net-${randomBytes(3).toString('hex')}`));
  admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
}, 60_000);

afterAll(async () => {
  await Promise.allSettled([...apis, ...workers].map((p) => stopKartu(p.child)));
  await killRedis();
  await admin?.end();
  await k?.db.destroy().catch(() => undefined);
  await database?.drop();
}, 60_000);

describe('faults against `kartu serve` under load', () => {
  it('SIGKILL under load, then a restart: answered approvals are durable as answered; unanswered ids sent again get one definite answer', async () => {
    const { cards } = await fundedCards(k, 1_000_000_000n, 8);
    let api = await serve();
    const port = api.port;
    let restartedAt = 0;
    const stop = (async () => {
      await sleep(1_500);
      await stopKartu(api.child, 'SIGKILL');
      const killedAt = Date.now();
      api = await serve(port);
      restartedAt = Date.now() - killedAt;
      await sleep(1_000);
    })();
    const outcomes = await load(() => api.base, cards, 16, stop, 'kill');
    await stop;
    const answered = outcomes.filter((o) => o.status === 200);
    const unanswered = outcomes.filter((o) => o.status === undefined);
    expect(answered.length).toBeGreaterThan(50);
    expect(unanswered.length, 'the kill cut requests off').toBeGreaterThan(0);
    expect(fiveXx(outcomes).map((o) => `${o.status} ${JSON.stringify(o.answer)}`)).toEqual([]);
    const { durableUnanswered } = await expectExactlyOnce(api.base, outcomes);
    console.log(
      `[fault] SIGKILL under load: ${outcomes.length} authorizations, ${answered.length} answered 200, ${unanswered.length} cut off (${durableUnanswered} of them already durable), ` +
        `${fiveXx(outcomes).length} 5xx, restart to ready ${restartedAt} ms; every id sent again: one definite answer, answered ones unchanged`,
    );
  }, 60_000);

  it('PostgreSQL backends terminated under load: no 5xx but the documented 503 (Retry-After, 91); each 503 sent again gets a definite answer; recovery measured', async () => {
    const { cards } = await fundedCards(k, 1_000_000_000n, 8);
    const api = await runningApi();
    const name = database.name;
    const waves: number[] = [];
    let stormEnded = 0;
    const terminate = async () => {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      return Date.now();
    };
    const stop = (async () => {
      await sleep(500);
      // Single waves, as an operator's terminate or a failover would: retried on fresh connections.
      for (let i = 0; i < 4; i++) {
        waves.push(await terminate());
        await sleep(400);
      }
      // Then a storm: every backend terminated every 10 ms for 1 s (the database as good as down).
      const until = Date.now() + 1_000;
      while (Date.now() < until) {
        await terminate();
        await sleep(10);
      }
      stormEnded = Date.now();
      await sleep(1_000);
    })();
    const outcomes = await load(() => api.base, cards, 16, stop, 'term');
    await stop;
    const unavailable = outcomes.filter((o) => o.status === 503);
    expect(fiveXx(outcomes).filter((o) => o.status !== 503).map((o) => `${o.status} ${JSON.stringify(o.answer)}`)).toEqual([]);
    for (const o of unavailable) {
      expect(o.retryAfter).toBe('1');
      expect(o.answer).toMatchObject({ responseCode: '91' });
    }
    expect(outcomes.every((o) => o.status === 200 || o.status === 503)).toBe(true);
    // Recovery: from the end of each fault to the first authorization answered 200 after it.
    const firstOkAfter = (t: number) => Math.min(...outcomes.filter((o) => o.status === 200 && o.at > t).map((o) => o.at)) - t;
    const waveRecovery = Math.max(...waves.map(firstOkAfter));
    const stormRecovery = firstOkAfter(stormEnded);
    expect(stormRecovery).toBeLessThan(1_000);
    const unavailableInWaves = unavailable.filter((o) => o.at < waves.at(-1)! + 400).length;
    await expectExactlyOnce(api.base, outcomes);
    console.log(
      `[fault] pg_terminate_backend under load: ${outcomes.length} authorizations, 4 single waves (${unavailableInWaves} answered 503, worst recovery ${waveRecovery} ms) ` +
        `then 1 s of terminations every 10 ms (${unavailable.length - unavailableInWaves} answered 503, recovery ${stormRecovery} ms after it); 503s all with Retry-After and 91, 0 other 5xx; every 503 sent again got a definite answer`,
    );
  }, 60_000);

  it('Redis killed under load: authorizations keep being approved; their events wait in the outbox and are relayed once Redis is back', async () => {
    const { businessId, cards } = await fundedCards(k, 1_000_000_000n, 8);
    const api = await runningApi();
    const worker = await startKartu('worker', env);
    workers.push(worker);
    const pending = async () =>
      Number((await k.db.query("SELECT count(*) FROM outbox_events WHERE business_id = $1 AND type = 'authorization.created' AND relayed_at IS NULL", [businessId]))[0].count);
    // The worker is up once it relays: one authorization's event, before the load.
    const warmupId = `redis-warmup-${randomBytes(3).toString('hex')}`;
    const warmup = await send(api.base, warmupId, authorizationBody(warmupId, cards[0]!, 500));
    expect(warmup.status).toBe(200);
    await waitFor('the worker relaying', async () => (await pending()) === 0, 20_000);
    let duringOutage = 0;
    let waitingInOutbox = 0;
    const stop = (async () => {
      await sleep(700);
      await killRedis();
      const killedAt = Date.now();
      await sleep(1_500);
      duringOutage = Date.now() - killedAt;
      waitingInOutbox = await pending();
      await startRedis();
      await sleep(300);
    })();
    const outcomes = await load(() => api.base, cards, 16, stop, 'redis');
    await stop;
    expect(outcomes.filter((o) => o.status !== 200).map((o) => `${o.status} ${JSON.stringify(o.answer)}`)).toEqual([]);
    expect(outcomes.every((o) => o.answer!.decision === 'approved')).toBe(true);
    expect(waitingInOutbox, 'events waited in the outbox while Redis was down').toBeGreaterThan(0);
    const relayStarted = Date.now();
    await waitFor('every authorization.created relayed', async () => (await pending()) === 0, 20_000).catch(async (err: Error) => {
      throw new Error(`${err.message}: ${await pending()} still waiting; the worker said:\n${worker.output.join('').slice(-3000)}`);
    });
    const relayedIn = Date.now() - relayStarted;
    const [{ count }] = await k.db.query("SELECT count(*) FROM outbox_events WHERE business_id = $1 AND type = 'authorization.created'", [businessId]);
    expect(Number(count)).toBe(outcomes.length + 1);
    await expectExactlyOnce(api.base, outcomes);
    console.log(
      `[fault] Redis killed under load: ${outcomes.length} authorizations, all 200 approved (0 5xx) through ${duringOutage} ms without Redis; ${waitingInOutbox} events waited in the outbox, all relayed ${relayedIn} ms after Redis returned`,
    );
  }, 60_000);
});
