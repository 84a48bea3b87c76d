import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../../src/platform/embedded-postgres';

/**
 * One-shot commands without DATABASE_URL use the embedded PostgreSQL that `npm start` left in
 * KARTU_HOME/pg.json; when it is not running they say so (the running case is in
 * test/e2e/quick-start.test.ts, which starts a real one).
 */

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/main.js');
let cwd: string;

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\``);
  cwd = mkdtempSync(path.join(tmpdir(), 'kartu-cli-embedded-'));
});
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function kartu(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(KARTU_|DATABASE_URL$|REDIS_URL$|PORT$|HOST$)/.test(k)));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { ...env, KARTU_ENV: 'sandbox' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

it('networks create with the embedded PostgreSQL stopped: one sentence naming it and what to do, exit 1', async () => {
  const home = path.join(cwd, '.kartu');
  rmSync(home, { recursive: true, force: true });
  // What a quick start leaves behind once stopped: its port is free again.
  const port = await freePort();
  const dataDir = path.join(home, 'pg');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(home, 'pg.json'), JSON.stringify({ port, password: randomBytes(9).toString('hex'), dataDir }));
  const run = await kartu(['networks', 'create', '--name', 'Visa', '--json']);
  expect(run.code).toBe(1);
  expect(run.stdout).toBe('');
  expect(run.stderr).toBe('kartu: the embedded PostgreSQL in .kartu/pg is not running: start Kartu with npm start, or set DATABASE_URL\n');
});
