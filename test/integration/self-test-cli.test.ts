import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, TEST_REDIS_URL, TestPartner, type Harness } from '../support/harness';
import { expectSnap } from '../support/partner-fixtures';

/**
 * `kartu self-tests start|show|report` as an operator runs them: the compiled dist/src/main.js in a
 * child process, on the harness's database; the partner then calls the API the harness serves.
 */

const ROOT = path.resolve(__dirname, '../..');
const MAIN = path.join(ROOT, 'dist/src/main.js');
const run = promisify(execFile);

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

async function kartu(...args: string[]): Promise<Record<string, any>> {
  const env = {
    PATH: process.env.PATH,
    DATABASE_URL: h.kartu.config.databaseUrl,
    KARTU_MASTER_KEY: h.kartu.config.masterKeys[0]!.toString('base64'),
    KARTU_HOME: mkdtempSync(path.join(tmpdir(), 'kartu-selftest-cli-')),
    KARTU_ENV: 'sandbox',
    REDIS_URL: TEST_REDIS_URL,
    KARTU_REDIS_PREFIX: h.kartu.config.redisPrefix,
  };
  const { stdout } = await run(process.execPath, [MAIN, ...args, '--json'], { cwd: ROOT, env });
  return JSON.parse(stdout);
}

describe('kartu self-tests', () => {
  it('starts a run for a client key, shows it as the partner performs it, and writes the signed report as PDF', async () => {
    const p = await TestPartner.create(h, { name: 'CLI self-test' });
    const started = await kartu('self-tests', 'start', '--client-key', p.creds.clientKey, '--services', '11');
    expect(started.selfTest.services).toEqual(['11']);
    // The run was opened by another process: the app's observer picks it up within a second.
    await new Promise((r) => setTimeout(r, 1100));
    expectSnap(await p.call('POST', '/snap/v1.0/balance-inquiry', '{}'), '2001100');
    const shown = await p.call('GET', `/snap/v1.0/self-tests/${started.selfTest.id}`);
    expect(shown.body.selfTest.scenarios.find((s: { id: string }) => s.id === 'service-11')).toMatchObject({ result: 'passed' });

    const cli = await kartu('self-tests', 'show', '--id', started.selfTest.id);
    expect(cli.selfTest.scenarios.find((s: { id: string }) => s.id === 'service-11')).toMatchObject({ result: 'passed', received: { responseCode: '2001100' } });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'kartu-selftest-pdf-')), 'report.pdf');
    const written = await kartu('self-tests', 'report', '--id', started.selfTest.id, '--pdf', file);
    expect(written).toMatchObject({ file, sha256: expect.stringMatching(/^[0-9a-f]{64}$/), signature: expect.any(String) });
    expect(readFileSync(file).subarray(0, 4).toString()).toBe('%PDF');
    // The PDF's printed hash is the JSON report's of the same state.
    const json = await p.call('GET', `/snap/v1.0/self-tests/${started.selfTest.id}/report`);
    expect(json.body.signature.sha256).toBe(written.sha256);
  });
});
