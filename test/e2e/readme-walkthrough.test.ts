import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEventPipeline, type EventPipeline } from '../../src/modules/events/pipeline';
import { freePort } from '../../src/platform/embedded-postgres';
import { ensureDemoBusiness } from '../../src/quick-start';
import { startHarness, type Harness } from '../support/harness';

/**
 * The README's walkthroughs, run exactly as written against a live server: the curl + openssl one,
 * and a card's whole life with `npx kartu snap call` (the clone's `kartu` bin, linked into the
 * temporary directory's node_modules as `npm install` would have it, so npx runs it offline) and the
 * event pipeline delivering webhooks, as the workers of `npm start` do.
 */
const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
let h: Harness;
let server: Server;
let pipeline: EventPipeline;
let cwd: string;

beforeAll(async () => {
  cwd = mkdtempSync(path.join(tmpdir(), 'kartu-readme-'));
  mkdirSync(path.join(cwd, '.kartu'));
  h = await startHarness({ KARTU_HOME: path.join(cwd, '.kartu') });
  await ensureDemoBusiness(h.kartu);
  mkdirSync(path.join(cwd, 'node_modules', '.bin'), { recursive: true });
  symlinkSync(path.join(ROOT, 'bin', 'kartu.js'), path.join(cwd, 'node_modules', '.bin', 'kartu'));
  pipeline = startEventPipeline(h.kartu);
  server = await new Promise((resolve) => {
    const s = createServer(h.app).listen(0, '127.0.0.1', () => resolve(s));
  });
});
afterAll(async () => {
  await pipeline?.close();
  await new Promise((resolve) => server.close(resolve));
  await h.close();
});

/** The README's bash block that contains `marker`. */
function walkthroughScript(marker = 'openssl dgst -sha512 -hmac'): string {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const script = blocks.find((b) => b.includes(marker));
  if (!script) throw new Error(`README has no walkthrough with ${marker}`);
  return script;
}

describe('README walkthrough', () => {
  it('gets a token and makes a signed balance inquiry as written', async () => {
    const { port } = server.address() as { port: number };
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', walkthroughScript()], {
      cwd,
      env: { ...process.env, BASE: `http://127.0.0.1:${port}` },
    });
    const answer = JSON.parse(stdout);
    expect(answer.responseCode).toBe('2001100');
    expect(answer.accountInfos[0].availableBalance).toEqual({ value: '0.00', currency: 'IDR' });
  });

  it("follows a card's whole life as written: fund, issue, purchase, clear, history and webhook", async () => {
    const { port } = server.address() as { port: number };
    // The manual clock follows the wall clock while the script runs: the CLI signs with the wall
    // clock, and the database stamps rows with its own now(), which the history's range reads.
    const follow = setInterval(() => h.clock.set(new Date()), 50);
    let stdout: string;
    try {
      ({ stdout } = await run('bash', ['-euo', 'pipefail', '-c', walkthroughScript('/clear')], {
        cwd,
        env: { ...process.env, BASE: `http://127.0.0.1:${port}`, HOOKS_PORT: String(await freePort()) },
        timeout: 90_000,
      }));
    } finally {
      clearInterval(follow);
    }
    expect(stdout.trim().split('\n')).toEqual(['1000000.00', 'accepted', 'SUCCESS', '"type":"transaction.cleared"']);
    const delivered = readFileSync(path.join(cwd, '.kartu', 'webhooks.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(delivered).toContainEqual(expect.objectContaining({ type: 'transaction.cleared' }));
  }, 120_000);
});
