import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';

let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'kartu-config-'));
});
afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

const key = () => randomBytes(32).toString('base64');

/** Runs loadConfig and returns the ConfigError it throws (fails the test if it does not throw one). */
function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ KARTU_HOME: home, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig: KARTU_MASTER_KEY', () => {
  it('takes a 32-byte base64 key as the active master key', () => {
    const k = key();
    const config = loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: k });
    expect(config.masterKeys).toHaveLength(1);
    expect(config.masterKeys[0]!.equals(Buffer.from(k, 'base64'))).toBe(true);
    // A key given in the environment is never written to disk.
    expect(existsSync(path.join(home, 'master.key'))).toBe(false);
  });

  it.each([
    ['not base64', 'this is not base64!'],
    ['base64 of 16 bytes', randomBytes(16).toString('base64')],
    ['base64 of 33 bytes', randomBytes(33).toString('base64')],
    ['base64url alphabet', Buffer.alloc(32, 0xfb).toString('base64url')],
  ])('refuses a key that is %s, naming the variable and the 32-byte requirement', (_what, value) => {
    const err = configError({ KARTU_MASTER_KEY: value });
    expect(err.message).toContain('KARTU_MASTER_KEY');
    expect(err.message).toMatch(/32 bytes/);
    expect(err.message).toMatch(/base64/);
    // The rejected value itself is not echoed back (it may be a real key with a typo).
    expect(err.message).not.toContain(value);
  });

  it('refuses to start in production without a key, and writes no key file', () => {
    const err = configError({ KARTU_ENV: 'production' });
    expect(err.message).toContain('KARTU_MASTER_KEY');
    expect(err.message).toContain('production');
    expect(existsSync(path.join(home, 'master.key'))).toBe(false);
  });

  it('an empty KARTU_MASTER_KEY counts as unset (production still refuses)', () => {
    const err = configError({ KARTU_ENV: 'production', KARTU_MASTER_KEY: '' });
    expect(err.message).toContain('KARTU_MASTER_KEY');
  });

  it('accepts production with a key', () => {
    const config = loadConfig({ KARTU_HOME: home, KARTU_ENV: 'production', KARTU_MASTER_KEY: key() });
    expect(config.env).toBe('production');
  });

  it('sandbox without a key generates one in KARTU_HOME/master.key (mode 0600) and reuses it on the next load', () => {
    const first = loadConfig({ KARTU_HOME: home, KARTU_ENV: 'sandbox' });
    const file = path.join(home, 'master.key');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = readFileSync(file, 'utf8').trim();
    expect(Buffer.from(stored, 'base64')).toHaveLength(32);
    expect(first.masterKeys).toHaveLength(1);
    expect(first.masterKeys[0]!.equals(Buffer.from(stored, 'base64'))).toBe(true);

    const second = loadConfig({ KARTU_HOME: home });
    expect(second.env).toBe('sandbox');
    expect(second.masterKeys[0]!.equals(first.masterKeys[0]!)).toBe(true);
    expect(readFileSync(file, 'utf8').trim()).toBe(stored);
  });

  it('creates a KARTU_HOME that does not exist yet', () => {
    const nested = path.join(home, 'a', 'b');
    const config = loadConfig({ KARTU_HOME: nested });
    expect(config.home).toBe(nested);
    expect(existsSync(path.join(nested, 'master.key'))).toBe(true);
  });

  it('two homes get two different generated keys', () => {
    const other = mkdtempSync(path.join(tmpdir(), 'kartu-config-'));
    try {
      const a = loadConfig({ KARTU_HOME: home });
      const b = loadConfig({ KARTU_HOME: other });
      expect(a.masterKeys[0]!.equals(b.masterKeys[0]!)).toBe(false);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('a corrupt master.key is refused with the file name, not replaced', () => {
    const file = path.join(home, 'master.key');
    writeFileSync(file, 'garbage\n', { mode: 0o600 });
    const err = configError({});
    expect(err.message).toContain(file);
    expect(err.message).toMatch(/32 bytes/);
    expect(readFileSync(file, 'utf8')).toBe('garbage\n');
  });
});

describe('loadConfig: KARTU_PREVIOUS_MASTER_KEYS', () => {
  it('parses a comma-separated list (spaces and empty items ignored) after the active key', () => {
    const active = key();
    const old1 = key();
    const old2 = key();
    const config = loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: active, KARTU_PREVIOUS_MASTER_KEYS: ` ${old1} ,, ${old2},` });
    expect(config.masterKeys.map((b) => b.toString('base64'))).toEqual([active, old1, old2]);
  });

  it('previous keys also follow a generated sandbox key', () => {
    const old = key();
    const config = loadConfig({ KARTU_HOME: home, KARTU_PREVIOUS_MASTER_KEYS: old });
    expect(config.masterKeys).toHaveLength(2);
    expect(config.masterKeys[1]!.toString('base64')).toBe(old);
  });

  it('a bad entry is refused, naming the variable and its position', () => {
    const err = configError({ KARTU_MASTER_KEY: key(), KARTU_PREVIOUS_MASTER_KEYS: `${key()},short` });
    expect(err.message).toContain('KARTU_PREVIOUS_MASTER_KEYS.1');
    expect(err.message).not.toContain('KARTU_PREVIOUS_MASTER_KEYS.0');
    expect(err.message).toMatch(/32 bytes/);
  });
});

describe('loadConfig: PORT and KARTU_ENV', () => {
  it('defaults: sandbox on port 3000', () => {
    const config = loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: key() });
    expect(config.env).toBe('sandbox');
    expect(config.port).toBe(3000);
    expect(config.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(config.sessionIdleSeconds).toBe(1800);
  });

  it('reads PORT as a number', () => {
    expect(loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: key(), PORT: '8080' }).port).toBe(8080);
  });

  it('a whitespace-only PORT counts as unset like an empty one, never as port 0', () => {
    expect(loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: key(), PORT: '' }).port).toBe(3000);
    expect(loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: key(), PORT: '   ' }).port).toBe(3000);
  });

  it.each([
    ['abc', /number/],
    ['70000', /65535/],
    ['-1', />=\s*0/],
    ['80.5', /int/],
  ])('PORT=%s is refused with a message naming PORT', (value, detail) => {
    const err = configError({ KARTU_MASTER_KEY: key(), PORT: value });
    expect(err.message).toMatch(/^Invalid configuration:/);
    expect(err.message).toMatch(/\bPORT: /);
    expect(err.message).toMatch(detail);
  });

  it.each(['prod', 'Sandbox', 'dev'])('KARTU_ENV=%s is refused, listing the allowed values', (value) => {
    const err = configError({ KARTU_MASTER_KEY: key(), KARTU_ENV: value });
    expect(err.message).toContain('KARTU_ENV');
    expect(err.message).toContain('sandbox');
    expect(err.message).toContain('production');
  });

  it('reports every invalid variable at once', () => {
    const err = configError({ KARTU_MASTER_KEY: 'nope', PORT: 'x', KARTU_ENV: 'staging' });
    expect(err.message).toContain('KARTU_MASTER_KEY');
    expect(err.message).toContain('PORT');
    expect(err.message).toContain('KARTU_ENV');
  });
});

describe('loadConfig: KARTU_AUTHORIZATION_BATCHES_IN_FLIGHT', () => {
  it('defaults to 2 and reads 1 to 16', () => {
    expect(loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: key() }).authorizationBatchesInFlight).toBe(2);
    expect(loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: key(), KARTU_AUTHORIZATION_BATCHES_IN_FLIGHT: '1' }).authorizationBatchesInFlight).toBe(1);
    expect(loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: key(), KARTU_AUTHORIZATION_BATCHES_IN_FLIGHT: '16' }).authorizationBatchesInFlight).toBe(16);
  });

  it.each(['0', '17', '1.5', 'two'])('%s is refused, naming the variable', (value) => {
    expect(configError({ KARTU_MASTER_KEY: key(), KARTU_AUTHORIZATION_BATCHES_IN_FLIGHT: value }).message).toMatch(/KARTU_AUTHORIZATION_BATCHES_IN_FLIGHT: /);
  });
});

describe('loadConfig: the ISO 8583 gateway', () => {
  const networkId = '5b0e4c1e-8d4f-4a5e-9c6b-2f1d3a4b5c6d';
  it('is off without KARTU_ISO8583_PORT', () => {
    expect(loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: key() }).iso8583).toBeUndefined();
  });
  it('takes the port, the network, the host (default HOST), the spec (default kartu-1987-ascii) and TLS files', () => {
    const c = loadConfig({ KARTU_HOME: home, KARTU_MASTER_KEY: key(), HOST: '10.0.0.1', KARTU_ISO8583_PORT: '8583', KARTU_ISO8583_NETWORK_ID: networkId });
    expect(c.iso8583).toEqual({ port: 8583, host: '10.0.0.1', networkId, spec: 'kartu-1987-ascii', tls: undefined });
    const t = loadConfig({
      KARTU_HOME: home,
      KARTU_MASTER_KEY: key(),
      KARTU_ISO8583_PORT: '0',
      KARTU_ISO8583_HOST: '127.0.0.1',
      KARTU_ISO8583_NETWORK_ID: networkId,
      KARTU_ISO8583_TLS_CERT: '/etc/kartu/cert.pem',
      KARTU_ISO8583_TLS_KEY: '/etc/kartu/key.pem',
    });
    expect(t.iso8583).toMatchObject({ port: 0, host: '127.0.0.1', tls: { certFile: '/etc/kartu/cert.pem', keyFile: '/etc/kartu/key.pem' } });
  });
  it('refuses a port without a network, a network id that is no UUID, and half a TLS pair', () => {
    expect(configError({ KARTU_MASTER_KEY: key(), KARTU_ISO8583_PORT: '8583' }).message).toMatch(/KARTU_ISO8583_NETWORK_ID is required/);
    expect(configError({ KARTU_MASTER_KEY: key(), KARTU_ISO8583_PORT: '8583', KARTU_ISO8583_NETWORK_ID: 'visa' }).message).toMatch(/KARTU_ISO8583_NETWORK_ID: must be a network id/);
    expect(configError({ KARTU_MASTER_KEY: key(), KARTU_ISO8583_PORT: '8583', KARTU_ISO8583_NETWORK_ID: networkId, KARTU_ISO8583_TLS_CERT: '/c.pem' }).message).toMatch(/go together/);
  });
});
