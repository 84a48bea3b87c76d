import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../support/harness';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');

type Lint = { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string; location: Array<{ pointer: string }> }> };

/** `redocly lint` with the repository's redocly.yaml, as JSON; it exits non-zero when it finds errors. */
async function lint(document: object): Promise<Lint> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'kartu-openapi-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(document));
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const args = ['lint', file, '--config', path.join(ROOT, 'redocly.yaml'), '--format', 'json'];
  const out = await run(path.join(ROOT, 'node_modules/.bin/redocly'), args, { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
  );
  return JSON.parse(out.stdout) as Lint;
}

let h: Harness;
let doc: { paths: Record<string, Record<string, { operationId: string }>> };

beforeAll(async () => {
  h = await startHarness();
  doc = (await h.http().get('/openapi.json').expect(200)).body;
});
afterAll(() => h.close());

describe('redocly lint', () => {
  it('finds no error in the OpenAPI document, and no warning but the one it answers by design', { timeout: 120_000 }, async () => {
    const result = await lint(doc);
    // The operations GETs (health, readiness, metrics, the reference) answer no 4xx: nothing a
    // caller sends can be wrong. Every other warning is a finding.
    const byDesign = ['/healthz', '/readyz', '/metrics', '/openapi.json', '/docs/errors.json'].map((p) => `operation-4xx-response #/paths/${p.replace(/\//g, '~1')}/get/responses`);
    const problems = result.problems.map((p) => `${p.ruleId} ${p.location[0]?.pointer}`);
    expect(problems.filter((p) => !byDesign.includes(p))).toEqual([]);
    expect(result.totals.errors).toBe(0);
  });

  it('would catch a broken document (two operations with one id)', { timeout: 120_000 }, async () => {
    const broken = structuredClone(doc);
    broken.paths['/admin/v1/cards']!.post!.operationId = broken.paths['/snap/v1.0/cards']!.post!.operationId;
    const result = await lint(broken);
    expect(result.totals.errors).toBeGreaterThan(0);
    expect(result.problems.map((p) => p.ruleId)).toContain('operation-operationId-unique');
  });
});
