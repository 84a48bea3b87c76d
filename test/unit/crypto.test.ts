import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { constantTimeEqual, keyIdOf, SecretBox } from '../../src/platform/crypto';
import { currencyExponent, formatMajorUnits, formatSnapValue, snapAmount } from '../../src/platform/money';

const newMaster = () => randomBytes(32);

/** Flips one bit in one base64url part of an envelope (decoded, so the change is real). */
function tamper(envelope: string, part: 2 | 3 | 4, byte = 0): string {
  const parts = envelope.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[byte] = bytes[byte]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

describe('SecretBox', () => {
  const master = newMaster();
  const box = new SecretBox([master], 'secrets');

  it('round-trips a secret and writes a v1 envelope under the active key id', () => {
    const envelope = box.encrypt('sk_live_4f9a', 'api_client:KRT-1');
    const parts = envelope.split('.');
    expect(parts).toHaveLength(5);
    expect(parts[0]).toBe('v1');
    expect(parts[1]).toBe(keyIdOf(master));
    expect(box.activeKeyId).toBe(keyIdOf(master));
    expect(box.keyIdOf(envelope)).toBe(keyIdOf(master));
    expect(Buffer.from(parts[2]!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(parts[3]!, 'base64url')).toHaveLength(16);
    expect(envelope).not.toContain('sk_live_4f9a');
    expect(box.decrypt(envelope, 'api_client:KRT-1')).toBe('sk_live_4f9a');
  });

  it('uses a fresh IV each time: the same secret encrypts differently', () => {
    const a = box.encrypt('same');
    const b = box.encrypt('same');
    expect(a).not.toBe(b);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
    expect(box.decrypt(a)).toBe('same');
    expect(box.decrypt(b)).toBe('same');
  });

  it('round-trips arbitrary Unicode strings with arbitrary associated data (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ maxLength: 40 }), (plaintext, aad) => {
        const envelope = box.encrypt(plaintext, aad);
        expect(box.decrypt(envelope, aad)).toBe(plaintext);
      }),
    );
  });

  it('any single-bit change to the IV, tag or ciphertext is detected (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.constantFrom(2 as const, 3 as const, 4 as const),
        fc.nat(),
        (plaintext, part, index) => {
          const envelope = box.encrypt(plaintext, 'aad');
          const length = Buffer.from(envelope.split('.')[part]!, 'base64url').length;
          expect(() => box.decrypt(tamper(envelope, part, index % length), 'aad')).toThrow();
        },
      ),
    );
  });

  it('refuses a tampered ciphertext', () => {
    const envelope = box.encrypt('card-number-secret');
    expect(() => box.decrypt(tamper(envelope, 4))).toThrow();
  });

  it('refuses the right envelope with the wrong associated data (ciphertexts cannot be swapped between rows)', () => {
    const envelope = box.encrypt('secret-of-A', 'api_client:A');
    expect(() => box.decrypt(envelope, 'api_client:B')).toThrow();
    expect(() => box.decrypt(envelope)).toThrow();
    expect(box.decrypt(envelope, 'api_client:A')).toBe('secret-of-A');
  });

  it('keys are separated by purpose: a box for another purpose cannot read the envelope', () => {
    const envelope = box.encrypt('hello');
    const other = new SecretBox([master], 'webhooks');
    expect(other.activeKeyId).toBe(box.activeKeyId);
    expect(() => other.decrypt(envelope)).toThrow();
  });

  it('rotation: [newKey, oldKey] reads envelopes written under oldKey and writes new ones under newKey', () => {
    const oldKey = newMaster();
    const newKey = newMaster();
    const before = new SecretBox([oldKey], 'secrets');
    const written = before.encrypt('rotate me', 'row:1');
    expect(before.keyIdOf(written)).toBe(keyIdOf(oldKey));

    const after = new SecretBox([newKey, oldKey], 'secrets');
    expect(after.activeKeyId).toBe(keyIdOf(newKey));
    expect(after.decrypt(written, 'row:1')).toBe('rotate me');

    const rewritten = after.encrypt('rotate me', 'row:1');
    expect(after.keyIdOf(rewritten)).toBe(keyIdOf(newKey));
    expect(after.decrypt(rewritten, 'row:1')).toBe('rotate me');
    // The old box alone cannot read what the new key wrote.
    expect(() => before.decrypt(rewritten, 'row:1')).toThrow(/no master key/);
    // Once the old key is dropped, its envelopes are unreadable, with a message naming the key id.
    const newOnly = new SecretBox([newKey], 'secrets');
    expect(() => newOnly.decrypt(written, 'row:1')).toThrow(keyIdOf(oldKey));
  });

  it('an unknown key id throws', () => {
    const envelope = box.encrypt('x').split('.');
    envelope[1] = 'deadbeef' === box.activeKeyId ? 'cafebabe' : 'deadbeef';
    expect(() => box.decrypt(envelope.join('.'))).toThrow(/no master key with id/);
  });

  it.each([
    ['empty', ''],
    ['plain text', 'not-an-envelope'],
    ['wrong version', 'v2.abcd1234.aaaa.bbbb.cccc'],
    ['missing parts', 'v1.abcd1234.aaaa'],
    ['empty key id', 'v1..aaaa.bbbb.cccc'],
  ])('refuses a malformed envelope (%s)', (_what, envelope) => {
    expect(() => box.decrypt(envelope)).toThrow();
  });

  it('needs at least one master key', () => {
    expect(() => new SecretBox([], 'secrets')).toThrow();
  });

  it('key ids are short, stable, and differ between keys', () => {
    const k = newMaster();
    expect(keyIdOf(k)).toMatch(/^[0-9a-f]{8}$/);
    expect(keyIdOf(Buffer.from(k))).toBe(keyIdOf(k));
    expect(keyIdOf(newMaster())).not.toBe(keyIdOf(k));
  });
});

describe('constantTimeEqual', () => {
  it('is true for equal strings and buffers', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(constantTimeEqual('abc', Buffer.from('abc'))).toBe(true);
  });

  it('is false for different contents or lengths', () => {
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('abc', '')).toBe(false);
    expect(constantTimeEqual('ABC', 'abc')).toBe(false);
  });

  it('agrees with === for arbitrary strings (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(a === b);
        expect(constantTimeEqual(a, a)).toBe(true);
      }),
    );
  });
});

describe('formatSnapValue (minor units → SNAP amount value)', () => {
  it.each([
    [1000000n, 'IDR', '10000.00'],
    [15000000n, 'IDR', '150000.00'],
    [0n, 'IDR', '0.00'],
    [1n, 'IDR', '0.01'],
    [1050n, 'KWD', '1.050'],
    [7n, 'CLF', '0.0007'],
    [1050n, 'USD', '10.50'],
    [5n, 'USD', '0.05'],
    [50n, 'USD', '0.50'],
    [0n, 'USD', '0.00'],
    [100n, 'USD', '1.00'],
    [123456789012345678901234567890n, 'USD', '1234567890123456789012345678.90'],
    [500n, 'JPY', '500.00'],
    [-5n, 'USD', '-0.05'],
    [-1050n, 'USD', '-10.50'],
    [-1000000n, 'IDR', '-10000.00'],
  ])('%s minor %s → %s', (minor, currency, expected) => {
    expect(formatSnapValue(minor, currency)).toBe(expected);
  });

  it.each([
    [5000050n, 'IDR', '50000.50'],
    [1500n, 'JPY', '1500'],
    [1234500n, 'KWD', '1234.500'],
    [-5n, 'USD', '-0.05'],
    [0n, 'JPY', '0'],
  ])('formatMajorUnits: %s minor %s → %s (exactly the currency\'s decimals)', (minor, currency, expected) => {
    expect(formatMajorUnits(minor, currency)).toBe(expected);
  });

  it('refuses an unsupported currency', () => {
    expect(() => formatSnapValue(1n, 'XXX')).toThrow(/unsupported currency XXX/);
    expect(() => currencyExponent('idr')).toThrow();
  });

  it('snapAmount wraps the value with its currency', () => {
    expect(snapAmount(15000000n, 'IDR')).toEqual({ value: '150000.00', currency: 'IDR' });
  });

  it('is exact and reversible for any amount (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.constantFrom('IDR', 'USD', 'JPY', 'SGD'), (minor, currency) => {
        const value = formatSnapValue(minor, currency);
        expect(value).toMatch(/^-?(0|[1-9]\d*)\.\d{2}$/);
        const exp = currencyExponent(currency);
        const [whole, frac] = value.replace('-', '').split('.') as [string, string];
        const back = BigInt(whole) * 10n ** BigInt(exp) + (exp ? BigInt(frac.slice(0, exp)) : 0n);
        expect(value.startsWith('-') ? -back : back).toBe(minor);
        if (exp === 0) expect(frac).toBe('00');
      }),
    );
  });
});
