/**
 * `npm run bench`: starts `kartu serve` on a fresh database and drives it with autocannon:
 *   1. GET /healthz — the ceiling of this process;
 *   2. signed SNAP partner calls (balance inquiry; a fresh X-SIGNATURE and X-EXTERNAL-ID each);
 *   3. network authorizations spread over many businesses (a fresh network id per request);
 *   4. the same with every card on one funding account (the hot account);
 *   5. `iso8583`: the spread scenario's authorizations as ISO 8583 0100s over TCP to the gateway each
 *      process then also starts (KARTU_ISO8583_PORT, for the bench's network; docs/iso8583.md), from
 *      a load generator of this file: the connections signed on and split over the processes, each
 *      with BENCH_ISO8583_WINDOW requests outstanding (default 1, as autocannon's pipelining 1),
 *      answers matched by DE11, a fresh STAN and RRN each; non-2xx counts the refusals (DE39
 *      30/91/94/96), errors the requests without an answer, and the line ends with the DE39 counts.
 * Prints rps, p50/p99, the ratio to /healthz and, where /proc is readable (Linux), the CPU each
 * request cost the api processes, PostgreSQL (every `postgres` process) and the load generator (this
 * process: autocannon). Not part of `npm test`.
 * BENCH_DURATION (s), BENCH_CONNECTIONS, BENCH_SCENARIOS (comma list, default all:
 * healthz,partner,spread,iso8583,hot), BENCH_WARMUP (s of each scenario run unmeasured first,
 * default 2: the first authorizations of a process also pay for compiling its hot path), BENCH_ROUNDS (the scenarios run this many times in
 * turn against the same server, each round's ratio against its own /healthz, then the medians: the
 * machine's speed drifts over minutes; non-2xx and errors are summed over the rounds, never hidden),
 * BENCH_PROCESSES (api processes, each a `kartu serve` on its own port; the connections are split
 * between them and their results summed), BENCH_POLICY_RULES (rules in a business policy of every
 * bench business, beside the platform baseline; default 0) and BENCH_NODE_ARGS (e.g. `--cpu-prof
 * --cpu-prof-dir=/tmp/prof`), BENCH_ISO8583_PORT (the first gateway's port, default BENCH_PORT + 100,
 * one more per process) and BENCH_ISO8583_WINDOW tune it. Each process writes 2 / BENCH_PROCESSES
 * authorization batches at once (at least 1) unless KARTU_AUTHORIZATION_BATCHES_IN_FLIGHT says otherwise.
 */
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config';
import type { Kartu } from '../src/context';
import { kartuDataSource } from '../src/database';
import { createBusiness, createNetwork, type CreatedBusiness } from '../src/modules/access/access.service';
import { signAccessTokenRequest, signSymmetric, symmetricStringToSign } from '../src/modules/access/snap-signature';
import { networkSignature } from '../src/modules/authorizations/network-auth';
import { createCardholder } from '../src/modules/cards/cardholders.service';
import { createPolicy } from '../src/modules/policies/policies.service';
import type { RuleJson } from '../src/modules/policies/rule-validation';
import { issueCard, revealCard } from '../src/modules/cards/cards.service';
import { accountId, postTransfer } from '../src/modules/ledger/ledger.service';
import { systemClock } from '../src/platform/clock';
import { SecretBox } from '../src/platform/crypto';
import { inTransaction, migrate } from '../src/platform/db';
import { createLogger } from '../src/platform/logger';
import { formatSnapTimestamp } from '../src/platform/snap-time';
import { authorizationRequest, Iso8583Connection, transmissionTime } from '../src/modules/iso8583/iso8583-simulator';
import { findIso8583SpecFile, loadIso8583Spec, type Iso8583Spec } from '../src/modules/iso8583/iso8583-spec';

const duration = Number(process.env.BENCH_DURATION ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const scenarios = new Set((process.env.BENCH_SCENARIOS ?? 'healthz,partner,spread,iso8583,hot').split(','));
const serverUrl = new URL(process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
const port = Number(process.env.BENCH_PORT ?? 3100);
const processes = Number(process.env.BENCH_PROCESSES ?? 1);
const policyRules = Number(process.env.BENCH_POLICY_RULES ?? 0);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const warmup = Number(process.env.BENCH_WARMUP ?? 2);
const isoPort = Number(process.env.BENCH_ISO8583_PORT ?? port + 100);
const isoWindow = Number(process.env.BENCH_ISO8583_WINDOW ?? 1);

/**
 * Rules of the shapes businesses write (amounts, categories, countries, hours, tags, card type,
 * velocity). Against the bench's traffic (a coffee shop in Jakarta, contactless, IDR 1.00–100,000.00) a
 * few review (an approval with a fraud alert) and none decline; the velocity rule reads the card's
 * history only for amounts over IDR 90,000.00 (a tenth of the traffic), as a guarded rule would.
 */
function benchRule(i: number): RuleJson {
  const shapes: Array<RuleJson['conditions']> = [
    { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThanInclusive', value: 500_000_000 + i * 100_000 }, { fact: 'transaction', path: '$.cardPresent', operator: 'equal', value: false }] },
    { all: [{ fact: 'merchant', path: '$.mcc', operator: 'inMccGroup', value: ['gambling', 'adult'] }] },
    { any: [{ fact: 'merchant', path: '$.country', operator: 'inCountries', value: ['KP', 'IR', 'SY'] }, { fact: 'merchant', path: '$.mcc', operator: 'in', value: ['7995', '5933'] }] },
    { all: [{ fact: 'transaction', path: '$.hour', operator: 'lessThan', value: 24 }, { fact: 'cardholder', path: '$.tags', operator: 'contains', value: 'night-shift' }] },
    { all: [{ fact: 'transaction', path: '$.amount', operator: 'greaterThan', value: 9_000_000 }, { fact: 'velocity', path: '$.approvedCount1h', operator: 'greaterThan', value: 1_000_000 }] },
    { all: [{ fact: 'merchant', path: '$.mcc', operator: 'notInMccGroup', value: ['travel'] }, { fact: 'transaction', path: '$.amount', operator: 'greaterThan', value: 9_900_000 }] },
  ];
  const decline = i % 6 !== 5;
  return {
    name: `bench-rule-${i}`,
    priority: (i % 3) + 1,
    conditions: shapes[i % shapes.length]!,
    event: decline ? { type: 'decline', params: { reason: `bench rule ${i}` } } : { type: 'review', params: { reason: `bench rule ${i}` } },
  };
}

interface BenchCard {
  number: string;
  cvv: string;
  expiry: string;
}

/** A business with funds and `cards` cards whose numbers the bench knows. */
async function fundedBusiness(k: Kartu, name: string, cards: number): Promise<{ partner: CreatedBusiness; cards: BenchCard[] }> {
  const partner = await createBusiness(k, { name });
  const caller = { businessId: partner.businessId, actorType: 'operator' as const, actorId: 'bench' };
  await inTransaction(k.db, async (tx) =>
    postTransfer(tx, {
      businessId: partner.businessId,
      debitAccountId: await accountId(tx, null, 'platform_bank', 'IDR'),
      creditAccountId: await accountId(tx, partner.businessId, 'funding', 'IDR'),
      amount: 10n ** 16n,
      currency: 'IDR',
      kind: 'funding',
    }),
  );
  const holder = await createCardholder(k, caller, { name: 'Bench Holder', email: 'bench@example.com' });
  if (policyRules > 0) {
    await createPolicy(k, caller, { name: 'Bench policy', scope: { type: 'business' }, mode: 'enforce', rules: Array.from({ length: policyRules }, (_, i) => benchRule(i)) });
  }
  const out: BenchCard[] = [];
  for (let i = 0; i < cards; i++) {
    const card = await issueCard(k, caller, { partnerReferenceNo: `bench-${i}`, cardholderId: holder.id, type: 'VIRTUAL' });
    const revealed = await revealCard(k, caller, card.id);
    out.push({ number: revealed.number, cvv: revealed.cvv, expiry: revealed.expiry });
  }
  return { partner, cards: out };
}

async function main(): Promise<void> {
  const dbName = `kartu_bench_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  const dbUrl = new URL(serverUrl);
  dbUrl.pathname = `/${dbName}`;
  const env = {
    ...process.env,
    DATABASE_URL: dbUrl.toString(),
    KARTU_MASTER_KEY: randomBytes(32).toString('base64'),
    KARTU_LOG_LEVEL: 'warn',
    KARTU_RATE_LIMIT_PER_SECOND: '100000',
    // As deployed: about two batch writes in flight on the database in all (README, config).
    KARTU_AUTHORIZATION_BATCHES_IN_FLIGHT: process.env.KARTU_AUTHORIZATION_BATCHES_IN_FLIGHT ?? String(Math.max(1, Math.round(2 / processes))),
  };
  const config = loadConfig(env);
  const db = kartuDataSource(config.databaseUrl!, 4);
  await db.initialize();
  await migrate(db);
  const k: Kartu = { config, clock: systemClock, db, logger: createLogger('warn'), secrets: new SecretBox(config.masterKeys, 'secrets') };
  const hot = await fundedBusiness(k, 'Bench hot', 200);
  const spread: BenchCard[] = [];
  if (scenarios.has('spread') || scenarios.has('iso8583')) for (let b = 0; b < 50; b++) spread.push(...(await fundedBusiness(k, `Bench ${b}`, 4)).cards);
  const network = await createNetwork(k, 'bench-network');
  await db.destroy();

  const bases = Array.from({ length: processes }, (_, i) => `http://127.0.0.1:${port + i}`);
  const servers = bases.map((_, i) =>
    spawn(process.execPath, [...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []), path.resolve(__dirname, '../src/main.js'), 'serve'], {
      env: {
        ...env,
        PORT: String(port + i),
        // The ISO 8583 gateway of the bench's network, beside the HTTP api, on a port of its own.
        ...(scenarios.has('iso8583') ? { KARTU_ISO8583_PORT: String(isoPort + i), KARTU_ISO8583_HOST: '127.0.0.1', KARTU_ISO8583_NETWORK_ID: network.networkId } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    }),
  );
  const apiPids = servers.map((server) => server.pid!);
  const results: Array<Array<[string, Outcome]>> = [];
  try {
    for (const base of bases) await waitReady(base);
    const isoPorts = scenarios.has('iso8583') ? bases.map((_, i) => isoPort + i) : [];
    const spec = scenarios.has('iso8583') ? loadIso8583Spec(findIso8583SpecFile(process.env.KARTU_ISO8583_SPEC ?? 'kartu-1987-ascii')) : undefined;
    for (const p of isoPorts) await waitListening(p);
    for (let round = 0; round < rounds; round++) {
      const r: Array<[string, Outcome]> = [];
      if (scenarios.has('healthz')) r.push(['GET /healthz', await across(bases, apiPids, (base) => ({ url: `${base}/healthz` }))]);
      if (scenarios.has('partner')) r.push(['POST balance-inquiry (signed SNAP)', await across(bases, apiPids, await partnerCalls(bases[0]!, hot.partner))]);
      if (scenarios.has('spread')) r.push(['POST authorizations (50 businesses)', await across(bases, apiPids, authorizations(network, spread))]);
      if (scenarios.has('iso8583')) r.push(['ISO 8583 0100 (50 businesses)', await iso8583Across(isoPorts, apiPids, spec!, spread)]);
      if (scenarios.has('hot')) r.push(['POST authorizations (hot account)', await across(bases, apiPids, authorizations(network, hot.cards))]);
      results.push(r);
    }
  } finally {
    for (const server of servers) server.kill('SIGTERM');
    await Promise.all(servers.map((server) => once(server, 'exit')));
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
  console.log(`\nKartu bench: ${connections} connections, ${duration} s each after ${warmup} s unmeasured, ${processes} api process${processes > 1 ? 'es' : ''}, ${policyRules} business policy rules`);
  results.forEach((r, round) => {
    if (rounds > 1) console.log(`round ${round + 1}`);
    const healthz = r.find(([name]) => name === 'GET /healthz')?.[1];
    for (const [name, o] of r) console.log(line(name, o, healthz && name !== 'GET /healthz' ? o.rps / healthz.rps : undefined));
  });
  if (rounds > 1) {
    console.log(`median of ${rounds} rounds (each column on its own; the ratio is the median of the rounds' ratios; non-2xx and errors summed)`);
    const healthzAt = results[0]!.findIndex(([n]) => n === 'GET /healthz');
    results[0]!.forEach(([name], i) => {
      const of = (pick: (o: Outcome) => number) => median(results.map((r) => pick(r[i]![1])));
      const sum = (pick: (o: Outcome) => number) => results.reduce((total, r) => total + pick(r[i]![1]), 0);
      const ratio = healthzAt >= 0 && i !== healthzAt ? median(results.map((r) => r[i]![1].rps / r[healthzAt]![1].rps)) : undefined;
      const cpu = results[0]![i]![1].cpu && { api: of((o) => o.cpu!.api), postgres: of((o) => o.cpu!.postgres), load: of((o) => o.cpu!.load) };
      console.log(line(name, { rps: of((o) => o.rps), p50: of((o) => o.p50), p99: of((o) => o.p99), non2xx: sum((o) => o.non2xx), errors: sum((o) => o.errors), cpu }, ratio));
    });
  }
}

function line(name: string, o: Outcome, ratio: number | undefined): string {
  const cpu = o.cpu ? `   cpu/req ms: api ${o.cpu.api.toFixed(3)} pg ${o.cpu.postgres.toFixed(3)} load ${o.cpu.load.toFixed(3)}` : '';
  const de39 = o.de39 ? `   DE39 ${Object.entries(o.de39).sort().map(([code, n]) => `${code}:${n}`).join(' ')}` : '';
  return (
    `${name.padEnd(38)} ${o.rps.toFixed(0).padStart(7)} rps   p50 ${String(o.p50).padStart(4)} ms   p99 ${String(o.p99).padStart(4)} ms   ` +
    `non-2xx ${o.non2xx}   errors ${o.errors}${ratio === undefined ? '' : `   ratio ${ratio.toFixed(2)}`}${cpu}${de39}`
  );
}

/** The p-th percentile (nearest rank) of values sorted ascending; 0 for none. */
function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface Outcome {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** CPU ms per request: the api processes, PostgreSQL, the load generator; absent where /proc is not readable. */
  cpu?: { api: number; postgres: number; load: number };
  /** ISO 8583: the answers by DE39 (so approvals can be told from declines). */
  de39?: Record<string, number>;
}

/**
 * CPU time (ms) used so far by the given api processes and by each `postgres` process, from /proc;
 * undefined where /proc is not readable.
 */
function cpuSnapshot(apiPids: number[]): { api: number; postgres: Map<string, number> } | undefined {
  const msOf = (pid: string | number) => {
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th, in clock ticks (100 a second on Linux).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  try {
    const postgres = new Map<string, number>();
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') postgres.set(pid, msOf(pid));
      } catch {
        // the process ended while we looked
      }
    }
    return { api: apiPids.reduce((sum, pid) => sum + msOf(pid), 0), postgres };
  } catch {
    return undefined;
  }
}

/** PostgreSQL CPU between two snapshots: a backend that ended in between is not counted, one that started counts from its start. */
function postgresMs(before: Map<string, number>, after: Map<string, number>): number {
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}

/** What a load generator measured in one run: its requests, and the Outcome without the CPU. */
type Load = Omit<Outcome, 'cpu'> & { requests: number };

/** Runs the load for the warmup unmeasured, then for the duration with the CPU sampled around it. */
async function measured(apiPids: number[], run: (seconds: number) => Promise<Load>): Promise<Outcome> {
  if (warmup > 0) await run(warmup);
  const before = cpuSnapshot(apiPids);
  const load0 = process.cpuUsage();
  const { requests, ...outcome } = await run(duration);
  const load = process.cpuUsage(load0);
  const after = cpuSnapshot(apiPids);
  return {
    ...outcome,
    cpu:
      before && after && requests > 0
        ? { api: (after.api - before.api) / requests, postgres: postgresMs(before.postgres, after.postgres) / requests, load: (load.user + load.system) / 1000 / requests }
        : undefined,
  };
}

/** The connections of each api process (or gateway): BENCH_CONNECTIONS split between them. */
const connectionsPerProcess = () => Math.max(1, Math.round(connections / processes));

/** One autocannon per api process at once, the connections split between them; rps summed, latencies the worst. */
async function across(bases: string[], apiPids: number[], options: (base: string) => autocannon.Options): Promise<Outcome> {
  return measured(apiPids, async (seconds) => {
    const each = await Promise.all(bases.map((base) => autocannon({ connections: connectionsPerProcess(), duration: seconds, ...options(base) })));
    return {
      requests: each.reduce((s, r) => s + r.requests.total, 0),
      rps: each.reduce((s, r) => s + r.requests.average, 0),
      p50: Math.max(...each.map((r) => r.latency.p50)),
      p99: Math.max(...each.map((r) => r.latency.p99)),
      non2xx: each.reduce((s, r) => s + r.non2xx, 0),
      errors: each.reduce((s, r) => s + r.errors, 0),
    };
  });
}

/** DE39 answers counted in the non-2xx column: refusals (format error, unavailable, conflict, system error), not decisions such as 51. */
const ISO8583_REFUSED = new Set(['30', '91', '94', '96']);

/**
 * 0100 authorizations over ISO 8583, as `spread` sends JSON ones (IDR 1–100,000 at a coffee shop in
 * Jakarta, contactless, random cards of the 50 businesses): BENCH_CONNECTIONS TCP connections split
 * over the gateways, each signed on (0800) and keeping BENCH_ISO8583_WINDOW requests outstanding
 * (default 1, as autocannon's pipelining 1), answers matched by DE11 (iso8583-simulator.ts's
 * connection). A STAN from one counter for all the connections, so each request is a new
 * authorization. rps: answers a second; latency: send to answer; non-2xx: DE39 30/91/94/96;
 * errors: no answer (10 s) or a connection lost.
 */
async function iso8583Across(ports: number[], apiPids: number[], spec: Iso8583Spec, cards: BenchCard[]): Promise<Outcome> {
  let stanSeq = Math.floor(Math.random() * 900_000);
  const nextStan = () => String((stanSeq = (stanSeq + 1) % 1_000_000)).padStart(6, '0');
  return measured(apiPids, async (seconds) => {
    const latencies: number[] = [];
    let refused = 0;
    let errors = 0;
    const de39: Record<string, number> = {};
    const open = await Promise.all(ports.flatMap((p) => Array.from({ length: connectionsPerProcess() }, () => Iso8583Connection.open('127.0.0.1', p, spec))));
    try {
      for (const c of open) {
        const answer = await c.ask({ mti: '0800', fields: new Map([[7, transmissionTime(new Date())], [11, nextStan()], [70, '001']]) });
        if (answer.fields.get(39) !== '00') throw new Error(`the gateway refused the sign-on: DE39 ${String(answer.fields.get(39))}`);
      }
      const start = performance.now();
      const end = start + seconds * 1000;
      const sender = async (c: Iso8583Connection) => {
        while (performance.now() < end && !c.failed) {
          const card = cards[Math.floor(Math.random() * cards.length)]!;
          const request = authorizationRequest({ ...card, currency: 'IDR' }, COFFEE_SHOP, benchAmount(), nextStan(), new Date());
          const t0 = performance.now();
          try {
            const answer = await c.ask(request);
            latencies.push(performance.now() - t0);
            const code = String(answer.fields.get(39));
            de39[code] = (de39[code] ?? 0) + 1;
            if (ISO8583_REFUSED.has(code)) refused++;
          } catch {
            errors++;
          }
        }
      };
      await Promise.all(open.flatMap((c) => Array.from({ length: isoWindow }, () => sender(c))));
      const elapsed = (performance.now() - start) / 1000;
      latencies.sort((a, b) => a - b);
      return {
        requests: latencies.length + errors,
        rps: latencies.length / elapsed,
        p50: Math.round(percentile(latencies, 50)),
        p99: Math.round(percentile(latencies, 99)),
        non2xx: refused,
        errors,
        de39,
      };
    } finally {
      for (const c of open) c.close();
    }
  });
}

/** Signed balance inquiries with a token got once (from the first process; tokens live in the database). */
async function partnerCalls(base: string, partner: CreatedBusiness): Promise<(base: string) => autocannon.Options> {
  const ts = formatSnapTimestamp(new Date());
  const tokenRes = await fetch(`${base}/snap/v1.0/access-token/b2b`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CLIENT-KEY': partner.clientKey, 'X-TIMESTAMP': ts, 'X-SIGNATURE': signAccessTokenRequest(partner.privateKeyPem!, partner.clientKey, ts) },
    body: JSON.stringify({ grantType: 'client_credentials' }),
  });
  const { accessToken } = (await tokenRes.json()) as { accessToken: string };
  const pathname = '/snap/v1.0/balance-inquiry';
  const body = '{}';
  return (url) => ({
    url,
    requests: [
      {
        method: 'POST',
        path: pathname,
        body,
        setupRequest: (req) => {
          const timestamp = formatSnapTimestamp(new Date());
          return {
            ...req,
            headers: {
              'Content-Type': 'application/json',
              Authorization: `Bearer ${accessToken}`,
              'X-TIMESTAMP': timestamp,
              'X-SIGNATURE': signSymmetric(partner.clientSecret, symmetricStringToSign('POST', pathname, accessToken, body, timestamp)),
              'X-PARTNER-ID': partner.partnerId,
              'X-EXTERNAL-ID': randomUUID().replaceAll('-', ''),
              'CHANNEL-ID': partner.channelId,
            },
          };
        },
      },
    ],
  });
}

/** The merchant of the authorization scenarios (JSON and ISO 8583). */
const COFFEE_SHOP = { id: 'M1', name: 'Kopi', mcc: '5814', city: 'Jakarta', country: 'ID' };

/** An authorization scenario's amount: IDR 1.00–100,000.00 in minor units. */
const benchAmount = () => 100 * (1 + Math.floor(Math.random() * 100_000));

/**
 * Signed authorizations of IDR 1–100,000 at a coffee shop, each with a new network id, on random
 * cards. They are signed before the run (enough for 6,000 a second; fresh ones are signed on the
 * fly past that, and in place of any signed over 4 minutes before, which the server's ±5 minutes
 * would refuse), so the load generator, which shares the machine, spends no CPU on HMACs and JSON
 * while it measures: a network signs on its own machines.
 */
function authorizations(network: { networkId: string; secret: string }, cards: BenchCard[]): (base: string) => autocannon.Options {
  const sign = () => {
    const card = cards[Math.floor(Math.random() * cards.length)]!;
    const body = JSON.stringify({
      id: randomUUID(),
      card,
      amount: benchAmount(),
      currency: 'IDR',
      merchant: COFFEE_SHOP,
      pos: { entryMode: 'contactless', cardPresent: true },
      partialAllowed: false,
    });
    const at = new Date();
    const timestamp = at.toISOString();
    return {
      at: at.getTime(),
      request: { body, headers: { 'Content-Type': 'application/json', 'X-Network-Id': network.networkId, 'X-Timestamp': timestamp, 'X-Signature': networkSignature(network.secret, timestamp, body) } },
    };
  };
  const signed = Array.from({ length: Math.ceil((6_000 * (warmup + duration)) / processes) * processes }, sign);
  const next = () => {
    const s = signed.pop();
    return s && Date.now() - s.at < 240_000 ? s.request : sign().request;
  };
  return (url) => ({
    url,
    requests: [{ method: 'POST', path: '/network/v1/authorizations', setupRequest: (req) => ({ ...req, ...next() }) }],
  });
}

/** Waits for a TCP listener (the ISO 8583 gateway starts after the HTTP api is ready). */
async function waitListening(tcpPort: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(tcpPort, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the ISO 8583 gateway on port ${tcpPort} did not start listening`);
}

async function waitReady(base: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the server did not become ready');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
