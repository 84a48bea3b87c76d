import { spawn, type ChildProcess } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations';
import { SecretBox } from '../../src/platform/crypto';
import vectors from '../fixtures/snap-vectors.json';
import { createEmptyDatabase, createTestDatabase } from '../support/databases';
import { TEST_REDIS_URL } from '../support/harness';
import { freePort } from '../../src/platform/embedded-postgres';

/**
 * The operator CLI as operators run it: the compiled `dist/src/main.js` in a child process, against
 * a database of this file's own. `npm test` builds dist first (pretest).
 */

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/main.js');
const MASTER_KEY = randomBytes(32).toString('base64');

let database: { name: string; url: string; drop(): Promise<void> };
let db: pg.Client;
let home: string;
const children = new Set<ChildProcess>();

/** The parent's environment without anything Kartu reads, so only what a test passes applies. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(KARTU_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$)/.test(k)),
  );
}

function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    DATABASE_URL: database.url,
    KARTU_MASTER_KEY: MASTER_KEY,
    KARTU_HOME: home,
    KARTU_ENV: 'sandbox',
    REDIS_URL: TEST_REDIS_URL,
    KARTU_REDIS_PREFIX: `kartu-cli-${randomBytes(4).toString('hex')}`,
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/src/main.js …args` to completion. */
function kartu(args: string[], env: NodeJS.ProcessEnv = baseEnv()): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A successful `--json` command: exit 0, exactly one JSON line on stdout. */
async function kartuJson(args: string[], env?: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const run = await kartu([...args, '--json'], env);
  if (run.code !== 0) throw new Error(`kartu ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  const lines = run.stdout.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!);
}

function tempFile(name: string, content: string): string {
  const file = path.join(home, `${randomBytes(4).toString('hex')}-${name}`);
  writeFileSync(file, content);
  return file;
}

async function count(table: string): Promise<number> {
  const { rows } = await db.query(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0].n;
}

/** Every row of every table in the database, as JSON text. */
async function dumpAllTables(client: pg.Client = db): Promise<string> {
  const { rows: tables } = await client.query(
    "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) AS t FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
  );
  expect(tables.length).toBeGreaterThan(5);
  const parts: string[] = [];
  for (const { t } of tables) {
    const { rows } = await client.query(`SELECT row_to_json(x)::text AS j FROM ${t} x`);
    parts.push(...rows.map((r) => r.j as string));
  }
  return parts.join('\n');
}

const secretBox = () => new SecretBox([Buffer.from(MASTER_KEY, 'base64')], 'secrets');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` (npm test does it in pretest)`);
  database = await createTestDatabase();
  db = new pg.Client({ connectionString: database.url });
  await db.connect();
  home = mkdtempSync(path.join(tmpdir(), 'kartu-cli-'));
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await db?.end();
  await database?.drop();
  if (home) rmSync(home, { recursive: true, force: true });
});

describe('kartu CLI (compiled, in a child process)', { timeout: 60_000 }, () => {
  describe('migrate', () => {
    it('prints {"applied": []} on an already migrated database', async () => {
      const run = await kartu(['migrate', '--json']);
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ applied: [] });
      expect(run.stdout.trim().split('\n')).toHaveLength(1);
    });

    it('applies the foundation migration to an empty database, and /readyz follows (503 pending → 200 applied)', async () => {
      const empty = await createEmptyDatabase();
      const port = await freePort();
      const env = baseEnv({ DATABASE_URL: empty.url, PORT: String(port), HOST: '127.0.0.1', KARTU_LOG_LEVEL: 'warn' });
      const server = spawn(process.execPath, [MAIN, 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(server);
      let serverOutput = '';
      server.stdout!.on('data', (d) => (serverOutput += d));
      server.stderr!.on('data', (d) => (serverOutput += d));
      const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
      try {
        const readyz = async () => {
          const res = await fetch(`http://127.0.0.1:${port}/readyz`);
          return { status: res.status, body: await res.json() };
        };
        // Wait for the api to listen (it starts fine on an unmigrated database).
        let before: { status: number; body: unknown } | undefined;
        for (let i = 0; i < 100 && !before; i++) {
          before = await readyz().catch(() => undefined);
          if (!before) await new Promise((r) => setTimeout(r, 100));
        }
        expect(before, serverOutput).toEqual({ status: 503, body: { ready: false, database: 'ok', migrations: 'pending' } });

        const first = await kartuJson(['migrate'], env);
        expect(first.applied).toContain('Foundation1763700000000');
        expect(first.applied).toEqual(migrations.map((m) => m.name));
        expect(await readyz()).toEqual({ status: 200, body: { ready: true, database: 'ok', migrations: 'applied' } });

        expect(await kartuJson(['migrate'], env)).toEqual({ applied: [] });
        expect(await readyz()).toEqual({ status: 200, body: { ready: true, database: 'ok', migrations: 'applied' } });

        server.kill('SIGTERM');
        expect(await exited).toBe(0);
      } finally {
        server.kill('SIGKILL');
        children.delete(server);
        await empty.drop();
      }
    });

    it('readable output without --json', async () => {
      const run = await kartu(['migrate']);
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('applied: (none)\n');
    });
  });

  describe('businesses create', () => {
    it('prints the ids and credentials, with a generated key pair whose private half is printed once and never stored', async () => {
      const out = await kartuJson(['businesses', 'create', '--name', 'Toko Maju']);
      expect(Object.keys(out).sort()).toEqual(['businessId', 'channelId', 'clientKey', 'clientSecret', 'enabledServices', 'partnerId', 'privateKeyPem', 'signatureMode'].sort());
      expect(out).toMatchObject({ signatureMode: 'symmetric', enabledServices: 'all' });
      expect(out.businessId).toMatch(UUID);
      expect(out.clientKey).toMatch(/^KRT-[0-9A-F]{24}$/);
      expect(out.clientSecret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(out.partnerId).toMatch(/^[0-9A-F]{16}$/);
      expect(out.channelId).toMatch(/^\d+$/);
      const privateKey = createPrivateKey(out.privateKeyPem as string);
      expect(privateKey.asymmetricKeyType).toBe('rsa');

      const { rows } = await db.query(
        'SELECT b.name, b.currency, c.client_key, c.partner_id, c.channel_id, c.public_key_pem, c.secret_enc FROM businesses b JOIN api_clients c ON c.business_id = b.id WHERE b.id = $1',
        [out.businessId],
      );
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(row).toMatchObject({ name: 'Toko Maju', currency: 'IDR', client_key: out.clientKey, partner_id: out.partnerId, channel_id: out.channelId });
      // The stored public key is the printed private key's public half.
      expect(row.public_key_pem).toBe(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString());

      // The client secret is stored only encrypted (under KARTU_MASTER_KEY) …
      expect(row.secret_enc).not.toContain(out.clientSecret);
      expect(row.secret_enc).toMatch(/^v1\./);
      expect(secretBox().decrypt(row.secret_enc, `api_client:${out.clientKey}`)).toBe(out.clientSecret);
      // … and appears in clear in no column of any table; nor does the private key.
      const everything = await dumpAllTables();
      expect(everything).toContain(out.clientKey as string);
      expect(everything).not.toContain(out.clientSecret as string);
      const privateKeyBody = (out.privateKeyPem as string).split('\n').slice(1, -2).join('');
      for (const line of (out.privateKeyPem as string).split('\n').slice(2, 6)) expect(everything).not.toContain(line);
      expect(everything.replaceAll('\\n', '')).not.toContain(privateKeyBody);
    });

    it('readable output without --json prints the private key as a block', async () => {
      const run = await kartu(['businesses', 'create', '--name', 'Readable']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^businessId: [0-9a-f-]{36}$/m);
      expect(run.stdout).toMatch(/^clientSecret: \S+$/m);
      expect(run.stdout).toMatch(/^privateKeyPem:\n-----BEGIN PRIVATE KEY-----\n/m);
    });

    it('--currency is stored upper-case', async () => {
      const out = await kartuJson(['businesses', 'create', '--name', 'Dollar Co', '--currency', 'usd']);
      const { rows } = await db.query('SELECT currency FROM businesses WHERE id = $1', [out.businessId]);
      expect(rows[0].currency).toBe('USD');
    });

    it.each(['XAU', 'ABC', 'US'])('--currency %s (not an ISO 4217 currency with minor units) fails clearly and creates nothing', async (currency) => {
      const before = await count('businesses');
      const run = await kartu(['businesses', 'create', '--name', 'Gold Co', '--currency', currency, '--json']);
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(new RegExp(`^kartu: .*currency.*${currency} is not an ISO 4217 currency`));
      expect(await count('businesses')).toBe(before);
    });

    it.each([
      ['SPKI', 'spki'],
      ['PKCS#1', 'pkcs1'],
    ] as const)('with --public-key FILE (%s PEM) registers that key and prints no private key', async (_label, type) => {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const file = tempFile('partner.pub.pem', pair.publicKey.export({ type, format: 'pem' }).toString());
      const out = await kartuJson(['businesses', 'create', '--name', 'Own Key', '--public-key', file]);
      expect(Object.keys(out).sort()).toEqual(['businessId', 'channelId', 'clientKey', 'clientSecret', 'enabledServices', 'partnerId', 'signatureMode'].sort());
      expect(out).not.toHaveProperty('privateKeyPem');
      const { rows } = await db.query('SELECT public_key_pem, secret_enc FROM api_clients WHERE business_id = $1', [out.businessId]);
      expect(rows[0].public_key_pem).toBe(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
      expect(rows[0].secret_enc).not.toContain(out.clientSecret);
      expect(await dumpAllTables()).not.toContain(out.clientSecret as string);
    });

    it.each([
      ['not a PEM at all', 'hello, I am not a key\n', /public key/i],
      ['a truncated PEM', '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA\n-----END PUBLIC KEY-----\n', /public key/i],
      ['an EC key', generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), /RSA/],
      ['a private key instead of the public one', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), /private key/i],
      ['a 1024-bit RSA key', generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString(), /2048/],
    ])('a bad --public-key (%s) fails with a non-zero exit, a clear message on stderr, and creates nothing', async (_label, pem, message) => {
      const before = await count('businesses');
      const run = await kartu(['businesses', 'create', '--name', 'Bad Key', '--public-key', tempFile('bad.pem', pem), '--json']);
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^kartu: /);
      expect(run.stderr).toMatch(message);
      // Not an OpenSSL decoder code: something an operator can act on.
      expect(run.stderr).not.toMatch(/DECODER routines|error:[0-9A-F]{8}/);
      expect(await count('businesses')).toBe(before);
    });

    it('a --public-key file that does not exist fails with a non-zero exit naming the file', async () => {
      const missing = path.join(home, 'no-such-key.pem');
      const run = await kartu(['businesses', 'create', '--name', 'No File', '--public-key', missing, '--json']);
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain(missing);
    });

    it('rotate-secret issues a new secret, keeps the previous one for the overlap, and stores neither in clear', async () => {
      const created = await kartuJson(['businesses', 'create', '--name', 'Rotator']);
      const startedAt = Date.now();
      const rotated = await kartuJson(['businesses', 'rotate-secret', '--business', created.businessId as string]);
      expect(Object.keys(rotated).sort()).toEqual(['clientKey', 'clientSecret', 'previousSecretValidUntil']);
      expect(rotated.clientKey).toBe(created.clientKey);
      expect(rotated.clientSecret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      expect(rotated.clientSecret).not.toBe(created.clientSecret);
      // Default overlap: KARTU_SECRET_OVERLAP_SECONDS = 86400.
      const until = Date.parse(rotated.previousSecretValidUntil as string);
      expect(new Date(until).toISOString()).toBe(rotated.previousSecretValidUntil);
      expect(until).toBeGreaterThanOrEqual(startedAt + 86_400_000 - 1000);
      expect(until).toBeLessThanOrEqual(Date.now() + 86_400_000 + 1000);

      const { rows } = await db.query('SELECT secret_enc, previous_secret_enc, previous_secret_expires_at FROM api_clients WHERE business_id = $1', [created.businessId]);
      const aad = `api_client:${created.clientKey}`;
      expect(secretBox().decrypt(rows[0].secret_enc, aad)).toBe(rotated.clientSecret);
      expect(secretBox().decrypt(rows[0].previous_secret_enc, aad)).toBe(created.clientSecret);
      expect(rows[0].previous_secret_expires_at.getTime()).toBe(until);
      const everything = await dumpAllTables();
      expect(everything).not.toContain(rotated.clientSecret as string);
      expect(everything).not.toContain(created.clientSecret as string);

      const short = await kartuJson(['businesses', 'rotate-secret', '--business', created.businessId as string, '--overlap-seconds', '60']);
      const shortUntil = Date.parse(short.previousSecretValidUntil as string);
      expect(shortUntil - Date.now()).toBeGreaterThan(50_000);
      expect(shortUntil - Date.now()).toBeLessThanOrEqual(60_000);
    });

    it('rotate-secret for an unknown business fails with a non-zero exit', async () => {
      const run = await kartu(['businesses', 'rotate-secret', '--business', '00000000-0000-4000-8000-000000000000', '--json']);
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^kartu: .*00000000-0000-4000-8000-000000000000/);
    });
  });

  describe('businesses set-overdraft', () => {
    it("sets the funding account's credit line, audited, and refuses a bad amount or an unknown business", async () => {
      const created = await kartuJson(['businesses', 'create', '--name', 'Credit']);
      const out = await kartuJson(['businesses', 'set-overdraft', '--business', created.businessId as string, '--amount', '2500000.00']);
      expect(out).toEqual({ businessId: created.businessId, overdraftLimit: { value: '2500000.00', currency: 'IDR' } });
      const { rows } = await db.query("SELECT overdraft_limit::text AS l FROM ledger_accounts WHERE business_id = $1 AND code = 'funding'", [created.businessId]);
      expect(rows[0].l).toBe('250000000'); // minor units: IDR 2,500,000.00
      const audit = await db.query("SELECT details FROM audit_log WHERE business_id = $1 AND action = 'funding.overdraft_set'", [created.businessId]);
      expect(audit.rows).toHaveLength(1);
      const bad = await kartu(['businesses', 'set-overdraft', '--business', created.businessId as string, '--amount', '12.345']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/amount/);
      const unknown = await kartu(['businesses', 'set-overdraft', '--business', '00000000-0000-4000-8000-000000000000', '--amount', '1.00']);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/no business/);
    });
  });

  describe('SNAP security options (businesses create, clients …)', () => {
    const clientRow = async (clientKey: string) =>
      (await db.query('SELECT id, signature_mode, enabled_services FROM api_clients WHERE client_key = $1', [clientKey])).rows[0];

    it('businesses create takes --signature-mode and --services and prints them', async () => {
      const out = await kartuJson(['businesses', 'create', '--name', 'Asym Co', '--signature-mode', 'asymmetric', '--services', '91, 90,91']);
      expect(out).toMatchObject({ signatureMode: 'asymmetric', enabledServices: ['90', '91'] });
      expect(await clientRow(out.clientKey as string)).toMatchObject({ signature_mode: 'asymmetric', enabled_services: ['90', '91'] });
    });

    it('an unknown service code or mode is refused before anything is written', async () => {
      const before = await count('businesses');
      const unknown = await kartu(['businesses', 'create', '--name', 'Never', '--services', '90,42', '--json']);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/unknown service code 42: known codes are 11 \(balance inquiry\)/);
      const mode = await kartu(['businesses', 'create', '--name', 'Never', '--signature-mode', 'rsa', '--json']);
      expect(mode.code).not.toBe(0);
      expect(mode.stderr).toMatch(/Allowed choices are symmetric, asymmetric/);
      expect(await count('businesses')).toBe(before);
    });

    it('clients show prints mode, services, allowlist, limit, status and last-used times, never a secret', async () => {
      const created = await kartuJson(['businesses', 'create', '--name', 'Shown', '--ip-allowlist', '10.0.0.0/8', '--rate-limit', '7']);
      const out = await kartuJson(['clients', 'show', '--client-key', created.clientKey as string]);
      expect(out).toMatchObject({
        clientKey: created.clientKey,
        businessId: created.businessId,
        status: 'ACTIVE',
        signatureMode: 'symmetric',
        enabledServices: 'all',
        ipAllowlist: ['10.0.0.0/8'],
        rateLimitPerSecond: 7,
        lastUsedAt: null,
        secretLastUsedAt: null,
        previousSecretLastUsedAt: null,
        publicKeyLastUsedAt: null,
      });
      expect(JSON.stringify(out)).not.toContain(created.clientSecret as string);
      const readable = await kartu(['clients', 'show', '--client-key', created.clientKey as string]);
      expect(readable.stdout).toMatch(/^signatureMode: symmetric$/m);
    });

    it('clients set-signature-mode and set-services change the client, audited', async () => {
      const created = await kartuJson(['businesses', 'create', '--name', 'Switcher']);
      const key = created.clientKey as string;
      expect(await kartuJson(['clients', 'set-signature-mode', '--client-key', key, '--mode', 'asymmetric'])).toEqual({
        clientKey: key,
        signatureMode: 'asymmetric',
        previousSignatureMode: 'symmetric',
      });
      expect(await kartuJson(['clients', 'set-services', '--client-key', key, '--services', '11,12'])).toEqual({ clientKey: key, enabledServices: ['11', '12'] });
      expect(await clientRow(key)).toMatchObject({ signature_mode: 'asymmetric', enabled_services: ['11', '12'] });
      expect(await kartuJson(['clients', 'set-services', '--client-key', key, '--services', 'all'])).toEqual({ clientKey: key, enabledServices: 'all' });
      expect((await clientRow(key)).enabled_services).toBeNull();
      const bad = await kartu(['clients', 'set-services', '--client-key', key, '--services', '73', '--json']);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/service 73 is always allowed/);
      const { rows } = await db.query('SELECT action FROM audit_log WHERE business_id = $1 AND action LIKE $2 ORDER BY created_at', [created.businessId, 'api_client.%_set']);
      expect(rows.map((r) => r.action)).toEqual(['api_client.signature_mode_set', 'api_client.services_set', 'api_client.services_set']);
    });

    it('clients revoke-tokens deletes every token of the client and prints how many; an unknown key fails', async () => {
      const created = await kartuJson(['businesses', 'create', '--name', 'Revoker']);
      const other = await kartuJson(['businesses', 'create', '--name', 'Bystander']);
      for (const c of [created, created, other]) {
        const client = await clientRow(c.clientKey as string);
        await db.query("INSERT INTO access_tokens (token_hash, client_id, business_id, expires_at) VALUES ($1, $2, $3, now() + interval '15 minutes')", [
          randomBytes(32).toString('hex'),
          client.id,
          c.businessId,
        ]);
      }
      expect(await kartuJson(['clients', 'revoke-tokens', '--client-key', created.clientKey as string])).toEqual({ clientKey: created.clientKey, revokedTokens: 2 });
      const left = await db.query('SELECT business_id FROM access_tokens WHERE business_id = ANY($1)', [[created.businessId, other.businessId]]);
      expect(left.rows).toEqual([{ business_id: other.businessId }]);
      const unknown = await kartu(['clients', 'revoke-tokens', '--client-key', 'KRT-NOBODY', '--json']);
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toBe('kartu: no API client with key KRT-NOBODY\n');
    });
  });

  describe('networks create', () => {
    it('prints the network id and its secret, stored only encrypted', async () => {
      const out = await kartuJson(['networks', 'create', '--name', `Network ${randomBytes(3).toString('hex')}`]);
      expect(Object.keys(out).sort()).toEqual(['networkId', 'secret']);
      expect(out.networkId).toMatch(UUID);
      expect(out.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
      const { rows } = await db.query('SELECT secret_enc FROM networks WHERE id = $1', [out.networkId]);
      expect(rows).toHaveLength(1);
      expect(rows[0].secret_enc).not.toContain(out.secret);
      expect(secretBox().decrypt(rows[0].secret_enc, `network:${out.networkId}`)).toBe(out.secret);
      expect(await dumpAllTables()).not.toContain(out.secret as string);
    });
  });

  describe('admins create', () => {
    let businessId: string;
    beforeAll(async () => {
      businessId = (await kartuJson(['businesses', 'create', '--name', 'Admins Inc'])).businessId as string;
    });

    it('prints the admin id, email and a generated password, stored only as an argon2id hash', async () => {
      const out = await kartuJson(['admins', 'create', '--business', businessId, '--email', 'Finance@Example.COM', '--role', 'finance_admin']);
      expect(Object.keys(out).sort()).toEqual(['adminId', 'email', 'password']);
      expect(out.adminId).toMatch(UUID);
      expect(out.email).toBe('finance@example.com');
      expect((out.password as string).length).toBeGreaterThanOrEqual(16);
      const { rows } = await db.query('SELECT business_id, email, role, password_hash FROM admins WHERE id = $1', [out.adminId]);
      expect(rows[0]).toMatchObject({ business_id: businessId, email: 'finance@example.com', role: 'finance_admin' });
      expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
      expect(await dumpAllTables()).not.toContain(out.password as string);
    });

    it('refuses an invalid role with a non-zero exit, naming the allowed roles, and creates nothing', async () => {
      const before = await count('admins');
      const run = await kartu(['admins', 'create', '--business', businessId, '--email', 'boss@example.com', '--role', 'superuser', '--json']);
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('superuser');
      expect(run.stderr).toMatch(/owner.*finance_admin.*viewer/);
      expect(await count('admins')).toBe(before);
    });

    it('refuses an unknown business and a duplicate email', async () => {
      const unknown = await kartu(['admins', 'create', '--business', '00000000-0000-4000-8000-000000000000', '--email', 'x@example.com', '--role', 'viewer', '--json']);
      expect(unknown.code).not.toBe(0);
      expect(unknown.stderr).toMatch(/no business/);
      await kartuJson(['admins', 'create', '--business', businessId, '--email', 'dup@example.com', '--role', 'viewer']);
      const dup = await kartu(['admins', 'create', '--business', businessId, '--email', 'DUP@example.com', '--role', 'owner', '--json']);
      expect(dup.code).not.toBe(0);
      expect(dup.stdout).toBe('');
      expect(dup.stderr).toMatch(/already exists/);
    });
  });

  describe('a bad KARTU_MASTER_KEY', () => {
    const commands: Array<[string, () => string[]]> = [
      ['migrate', () => ['migrate', '--json']],
      ['businesses create', () => ['businesses', 'create', '--name', 'Never', '--json']],
      ['businesses rotate-secret', () => ['businesses', 'rotate-secret', '--business', '00000000-0000-4000-8000-000000000000', '--json']],
      ['networks create', () => ['networks', 'create', '--name', 'Never', '--json']],
      ['admins create', () => ['admins', 'create', '--business', '00000000-0000-4000-8000-000000000000', '--email', 'n@example.com', '--role', 'viewer', '--json']],
      ['serve', () => ['serve']],
      ['worker', () => ['worker']],
      ['start', () => ['start']],
    ];
    const badKeys: Array<[string, string]> = [
      ['not base64', 'not-a-key!'],
      ['16 bytes', randomBytes(16).toString('base64')],
      ['33 bytes', randomBytes(33).toString('base64')],
    ];

    it.each(commands)('makes `%s` exit non-zero with a message naming KARTU_MASTER_KEY, before touching anything', async (_name, args) => {
      const before = { businesses: await count('businesses'), networks: await count('networks'), audit: await count('audit_log') };
      const runs = await Promise.all(badKeys.map(([, key]) => kartu(args(), baseEnv({ KARTU_MASTER_KEY: key, PORT: '0' }))));
      for (const [i, [label, key]] of badKeys.entries()) {
        const run = runs[i]!;
        expect(run.code, `${label}: ${run.stderr}`).not.toBe(0);
        expect(run.code, label).not.toBeNull();
        expect(run.stdout, label).toBe('');
        expect(run.stderr, label).toContain('KARTU_MASTER_KEY');
        // The key itself is not echoed back.
        if (key.length > 12) expect(run.stderr, label).not.toContain(key);
      }
      expect({ businesses: await count('businesses'), networks: await count('networks'), audit: await count('audit_log') }).toEqual(before);
    });

    it('production without KARTU_MASTER_KEY refuses to run, naming KARTU_MASTER_KEY', async () => {
      const run = await kartu(['migrate', '--json'], baseEnv({ KARTU_MASTER_KEY: undefined, KARTU_ENV: 'production' }));
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('KARTU_MASTER_KEY');
    });
  });

  describe('sign', () => {
    it('sign token reproduces the published SHA256withRSA vector', async () => {
      const v = vectors.access_token_sha256_with_rsa;
      const keyFile = tempFile('vector-private.pem', v.privateKeyPem);
      const run = await kartu(['sign', 'token', '--client-key', v.clientKey, '--private-key', keyFile, '--timestamp', v.timestamp]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(`${v.signature}\n`);
    });

    it('sign request reproduces the published HMAC-SHA512 vector (body minified before hashing; method case-insensitive)', async () => {
      const v = vectors.symmetric_hmac_sha512;
      const args = (method: string, body: string) => ['sign', 'request', '--method', method, '--path', v.path, '--token', v.accessToken, '--secret', v.clientSecret, '--timestamp', v.timestamp, '--body', body];
      const run = await kartu(args(v.method, v.minifiedBody));
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(`${v.signature}\n`);
      const pretty = await kartu(args(v.method.toLowerCase(), JSON.stringify(JSON.parse(v.minifiedBody), null, 2)));
      expect(pretty.stdout).toBe(`${v.signature}\n`);
      const other = await kartu(args(v.method, v.minifiedBody.replace('12345678.00', '12345679.00')));
      expect(other.code).toBe(0);
      expect(other.stdout).not.toBe(`${v.signature}\n`);
    });

    it('sign request --private-key reproduces the asymmetric SHA256withRSA vector from the raw body; neither a key nor a token and secret fails', async () => {
      const v = vectors.transaction_sha256_with_rsa;
      const keyFile = tempFile('vector-private.pem', vectors.access_token_sha256_with_rsa.privateKeyPem);
      const run = await kartu(['sign', 'request', '--method', v.method, '--path', v.path, '--private-key', keyFile, '--timestamp', v.timestamp, '--body', v.rawBody]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toBe(`${v.signature}\n`);
      const neither = await kartu(['sign', 'request', '--method', v.method, '--path', v.path, '--timestamp', v.timestamp]);
      expect(neither.code).toBe(1);
      expect(neither.stderr).toBe('kartu: give --token and --secret (symmetric clients) or --private-key (asymmetric clients)\n');
    });

    it('sign token with an unreadable key file fails with a non-zero exit', async () => {
      const run = await kartu(['sign', 'token', '--client-key', 'K', '--private-key', path.join(home, 'missing.pem'), '--timestamp', '2024-03-01T08:27:49.024Z']);
      expect(run.code).not.toBe(0);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('missing.pem');
    });
  });
});
