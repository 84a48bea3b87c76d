import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDemoBusiness } from '../../src/quick-start';
import { startHarness, type Harness } from '../support/harness';

/** The README's curl + openssl walkthrough, run exactly as written against a live server. */
const run = promisify(execFile);
let h: Harness;
let server: Server;
let cwd: string;

beforeAll(async () => {
  cwd = mkdtempSync(path.join(tmpdir(), 'kartu-readme-'));
  mkdirSync(path.join(cwd, '.kartu'));
  h = await startHarness({ KARTU_HOME: path.join(cwd, '.kartu') });
  await ensureDemoBusiness(h.kartu);
  server = await new Promise((resolve) => {
    const s = createServer(h.app).listen(0, '127.0.0.1', () => resolve(s));
  });
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await h.close();
});

function walkthroughScript(): string {
  const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const script = blocks.find((b) => b.includes('openssl dgst -sha512 -hmac'));
  if (!script) throw new Error('README has no curl + openssl walkthrough');
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
});
