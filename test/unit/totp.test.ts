import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, hotp, matchTotp, newTotpSecret, otpauthUrl, totpCode, totpStep } from '../../src/modules/access/totp';

// The shared secret of RFC 4226 appendix D and RFC 6238 appendix B (SHA-1): ASCII "12345678901234567890".
const RFC_KEY = Buffer.from('12345678901234567890', 'ascii');
const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('HOTP (RFC 4226 appendix D)', () => {
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];
  for (const [counter, code] of expected.entries()) {
    it(`counter ${counter} → ${code}`, () => {
      expect(hotp(RFC_KEY, counter)).toBe(code);
    });
  }
});

describe('TOTP (RFC 6238 appendix B, SHA-1)', () => {
  // Unix time → the 8-digit TOTP the RFC lists; 6-digit codes are the same truncation mod 10^6.
  const vectors: Array<[number, string]> = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];
  for (const [seconds, code] of vectors) {
    const at = new Date(seconds * 1000);
    it(`T = ${seconds} s → ${code} (8 digits) and ${code.slice(2)} (6 digits)`, () => {
      expect(totpCode(RFC_SECRET, at, 8)).toBe(code);
      expect(totpCode(RFC_SECRET, at)).toBe(code.slice(2));
    });
  }

  it('steps are 30 seconds from the epoch (RFC 6238 table: T in hex)', () => {
    expect(totpStep(new Date(59_000))).toBe(0x1);
    expect(totpStep(new Date(1111111109_000))).toBe(0x23523ec);
    expect(totpStep(new Date(20000000000_000))).toBe(0x27bc86aa);
  });
});

describe('base32 (RFC 4648 §10)', () => {
  const vectors: Array<[string, string]> = [
    ['', ''],
    ['f', 'MY'],
    ['fo', 'MZXQ'],
    ['foo', 'MZXW6'],
    ['foob', 'MZXW6YQ'],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI'],
  ];
  for (const [plain, encoded] of vectors) {
    it(`"${plain}" ↔ ${encoded || '(empty)'}`, () => {
      expect(base32Encode(Buffer.from(plain))).toBe(encoded);
      expect(base32Decode(encoded).toString()).toBe(plain);
      expect(base32Decode(encoded.toLowerCase() + '======').toString()).toBe(plain);
    });
  }

  it('round-trips any bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      expect(base32Decode(base32Encode(Buffer.from(bytes))).equals(Buffer.from(bytes))).toBe(true);
    }));
  });

  it('refuses characters outside the alphabet', () => {
    expect(() => base32Decode('MZXW1')).toThrow('not base32');
    expect(() => base32Decode('MZ XW')).toThrow('not base32');
  });

  it('the RFC secret in base32 is the RFC key', () => {
    expect(base32Decode(RFC_SECRET).equals(RFC_KEY)).toBe(true);
  });
});

describe('matchTotp', () => {
  const at = new Date(1111111111_000); // step 0x23523ed
  const step = totpStep(at);
  const codeAt = (s: number) => hotp(RFC_KEY, s);

  it('accepts the current step and one step either side, and answers which step matched', () => {
    expect(matchTotp(RFC_SECRET, codeAt(step), at, null)).toBe(step);
    expect(matchTotp(RFC_SECRET, codeAt(step - 1), at, null)).toBe(step - 1);
    expect(matchTotp(RFC_SECRET, codeAt(step + 1), at, null)).toBe(step + 1);
  });

  it('refuses codes two steps away', () => {
    expect(matchTotp(RFC_SECRET, codeAt(step - 2), at, null)).toBeUndefined();
    expect(matchTotp(RFC_SECRET, codeAt(step + 2), at, null)).toBeUndefined();
  });

  it('refuses a step at or before the last one used (no replay), accepts a later one', () => {
    expect(matchTotp(RFC_SECRET, codeAt(step), at, step)).toBeUndefined();
    expect(matchTotp(RFC_SECRET, codeAt(step - 1), at, step - 1)).toBeUndefined();
    expect(matchTotp(RFC_SECRET, codeAt(step), at, step - 1)).toBe(step);
    expect(matchTotp(RFC_SECRET, codeAt(step + 1), at, step)).toBe(step + 1);
  });

  it('refuses a wrong code', () => {
    const wrong = String((Number(codeAt(step)) + 1) % 1_000_000).padStart(6, '0');
    expect(matchTotp(RFC_SECRET, wrong, at, null)).toBeUndefined();
    expect(matchTotp(RFC_SECRET, '', at, null)).toBeUndefined();
  });
});

describe('secrets and key URIs', () => {
  it('a new secret is 20 random bytes in base32 (32 characters)', () => {
    const a = newTotpSecret();
    expect(a).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(a)).toHaveLength(20);
    expect(newTotpSecret()).not.toBe(a);
  });

  it('the otpauth URL names issuer, account and parameters', () => {
    const secret = base32Encode(randomBytes(20));
    expect(otpauthUrl(secret, 'ana+ops@example.com')).toBe(
      `otpauth://totp/Kartu:ana%2Bops%40example.com?secret=${secret}&issuer=Kartu&algorithm=SHA1&digits=6&period=30`,
    );
  });
});
