import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusiness, type CreatedBusiness } from '../../src/modules/access/access.service';
import { startSdkServer, type SdkServer } from './sdk-server';

/** `kartu snap call` (the compiled dist/src/main.js, built by `npm test`'s pretest) against a running Kartu. A CLI start loads the whole server: seconds each. */
const MAIN = path.resolve(__dirname, '../../dist/src/main.js');
let s: SdkServer;
let dir: string;
let created: CreatedBusiness & { privateKeyPem: string };

beforeAll(async () => {
  s = await startSdkServer();
  dir = mkdtempSync(path.join(tmpdir(), 'kartu-snap-call-'));
  created = (await createBusiness(s.h.kartu, { name: 'CLI partner' })) as typeof created;
});
afterAll(() => s?.close());

function snapCall(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, 'snap', 'call', ...args, '--url', s.baseUrl], { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const file = (name: string, content: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
};

describe('kartu snap call --credentials', () => {
  it('takes the JSON `kartu businesses create --json` prints (privateKeyPem inline)', async () => {
    const res = await snapCall(['POST', '/snap/v1.0/balance-inquiry', '--body', '{ }', '--credentials', file('business.json', JSON.stringify(created))]);
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ responseCode: '2001100' });
  }, 60_000);

  it("takes the quick start's demo-credentials.json (privateKeyFile, relative to the file)", async () => {
    file('demo-private-key.pem', created.privateKeyPem);
    const { privateKeyPem: _, ...rest } = created;
    const creds = file('demo-credentials.json', JSON.stringify({ ...rest, privateKeyFile: 'demo-private-key.pem' }));
    const res = await snapCall(['GET', '/snap/v1.0/cards?pageSize=1', '--credentials', creds]);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({ responseCode: '2009100', cards: [] });
  }, 60_000);

  it('prints an error answer and exits 1', async () => {
    const res = await snapCall(['POST', '/snap/v1.0/cards', '--body', '{"colour":"red"}', '--credentials', file('business2.json', JSON.stringify(created))]);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).responseCode).toMatch(/^400900[12]$/);
  }, 60_000);

  it('a missing, unreadable or incomplete credentials file, or a body that is not JSON: a clear message and exit 1', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--credentials', path.join(dir, 'nope.json')], /cannot read the credentials file .*nope\.json: ENOENT/],
      [['--credentials', file('broken.json', '{ not json')], /broken\.json is not JSON/],
      [['--credentials', file('partial.json', JSON.stringify({ clientKey: 'k' }))], /partial\.json lacks clientSecret, partnerId, channelId/],
      [['--credentials', file('nokey.json', JSON.stringify({ ...created, privateKeyPem: undefined }))], /has neither privateKeyPem nor privateKeyFile/],
      [['--credentials', file('badkeyfile.json', JSON.stringify({ ...created, privateKeyPem: undefined, privateKeyFile: 'missing.pem' }))], /cannot read the private key .*missing\.pem/],
      [['--credentials', file('business3.json', JSON.stringify(created)), '--body', '{oops'], /--body is not JSON/],
    ];
    const results = await Promise.all(cases.map(([args]) => snapCall(['POST', '/snap/v1.0/balance-inquiry', ...args])));
    results.forEach((res, i) => {
      expect(res.code, cases[i]![0].join(' ')).toBe(1);
      expect(res.stderr).toMatch(cases[i]![1]);
    });
  }, 120_000);
});
