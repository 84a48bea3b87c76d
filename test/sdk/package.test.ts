import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The published shape of @kartu/sdk: its dist (built by `npm run build`, which `npm test` runs first) and its imports. */
const SDK = path.resolve(__dirname, '../../sdk');
const pkg = JSON.parse(readFileSync(path.join(SDK, 'package.json'), 'utf8'));

describe('@kartu/sdk as a package', () => {
  it('exports ESM, CommonJS and types that exist, and both load', async () => {
    const targets = [pkg.exports['.'].import.default, pkg.exports['.'].import.types, pkg.exports['.'].require.default, pkg.exports['.'].require.types];
    for (const target of targets) expect(existsSync(path.join(SDK, target)), target).toBe(true);
    expect(JSON.parse(readFileSync(path.join(SDK, 'dist/esm/package.json'), 'utf8'))).toEqual({ type: 'module' });
    expect(JSON.parse(readFileSync(path.join(SDK, 'dist/cjs/package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
    const cjs = require(path.join(SDK, pkg.exports['.'].require.default));
    const esm = await import(pathToFileURL(path.join(SDK, pkg.exports['.'].import.default)).href);
    for (const m of [cjs, esm]) expect(Object.keys(m)).toEqual(expect.arrayContaining(['Kartu', 'KartuApiError', 'KartuNetworkError', 'verifyWebhook', 'verifyNotificationSignature']));
  });

  it('has no runtime dependencies and imports nothing but its own files and node: modules', () => {
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.license).toBe('Apache-2.0');
    const files = readdirSync(path.join(SDK, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    for (const file of files) {
      const text = readFileSync(path.join(SDK, 'src', file), 'utf8');
      for (const [, spec] of text.matchAll(/from '([^']+)'/g)) {
        const inside = spec!.startsWith('.') && path.resolve(path.dirname(path.join(SDK, 'src', file)), spec!).startsWith(path.join(SDK, 'src'));
        expect(inside || spec!.startsWith('node:'), `${file} imports ${spec}`).toBe(true);
      }
    }
  });
});
