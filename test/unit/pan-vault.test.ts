import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimalise, isLuhnValid, luhnCheckDigit, PAN_LENGTH, PanVault } from '../../src/modules/cards/pan-vault';
import { keyIdOf } from '../../src/platform/crypto';

const TEST_BIN = '400000';
const newMaster = () => randomBytes(32);

/**
 * An independent Luhn: from the rightmost digit (the check digit) leftwards, every second digit is
 * doubled and its digits summed; the number is valid when the total is a multiple of 10.
 */
function referenceLuhnValid(digits: string): boolean {
  let total = 0;
  const reversed = [...digits].reverse();
  reversed.forEach((ch, position) => {
    const d = Number(ch);
    if (position % 2 === 1) {
      const doubled = d * 2;
      total += Math.floor(doubled / 10) + (doubled % 10);
    } else {
      total += d;
    }
  });
  return total % 10 === 0;
}

/** The check digit by search: the one digit that makes the whole number valid. */
function referenceCheckDigit(partial: string): string {
  const found = '0123456789'.split('').filter((d) => referenceLuhnValid(partial + d));
  if (found.length !== 1) throw new Error(`expected exactly one check digit for ${partial}, found ${found.join(',')}`);
  return found[0]!;
}

const digitString = (minLength: number, maxLength: number) => fc.string({ unit: fc.constantFrom(...'0123456789'.split('')), minLength, maxLength });
const binArb = digitString(6, 8);
const expiryMonthArb = fc.integer({ min: 1, max: 12 });
const expiryYearArb = fc.integer({ min: 2024, max: 2099 });

describe('Luhn', () => {
  it('luhnCheckDigit agrees with an independent Luhn implementation for random digit strings', () => {
    fc.assert(
      fc.property(digitString(1, 30), (partial) => {
        expect(luhnCheckDigit(partial)).toBe(referenceCheckDigit(partial));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on known card numbers', () => {
    // Well-known test PANs (Visa, Mastercard, Amex) and their check digits.
    for (const pan of ['4111111111111111', '4012888888881881', '5555555555554444', '5105105105105100', '378282246310005', '79927398713']) {
      expect(luhnCheckDigit(pan.slice(0, -1))).toBe(pan.slice(-1));
      expect(referenceLuhnValid(pan)).toBe(true);
    }
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
  });

  it('isLuhnValid matches the reference for 12–19 digit strings and refuses other lengths and non-digits', () => {
    fc.assert(
      fc.property(digitString(12, 19), (s) => {
        expect(isLuhnValid(s)).toBe(referenceLuhnValid(s));
      }),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.oneof(digitString(1, 11), digitString(20, 30)), (partial) => {
        const s = partial + luhnCheckDigit(partial);
        if (s.length >= 12 && s.length <= 19) return; // only lengths outside 12–19 here
        expect(referenceLuhnValid(s)).toBe(true);
        expect(isLuhnValid(s)).toBe(false);
      }),
    );
    expect(isLuhnValid('4111 1111 1111 1111')).toBe(false);
    expect(isLuhnValid('411111111111111a')).toBe(false);
    expect(isLuhnValid('')).toBe(false);
  });

  it('detects every single-digit corruption of a valid PAN', () => {
    const vault = new PanVault([newMaster()], TEST_BIN);
    // PANs as generated, and PANs built from arbitrary digits under the BIN (shrinkable).
    const panArb = fc.oneof(
      fc.constant(null).map(() => vault.generatePan()),
      digitString(PAN_LENGTH - TEST_BIN.length - 1, PAN_LENGTH - TEST_BIN.length - 1).map((rest) => TEST_BIN + rest + luhnCheckDigit(TEST_BIN + rest)),
    );
    fc.assert(
      fc.property(panArb, fc.integer({ min: 0, max: PAN_LENGTH - 1 }), fc.integer({ min: 1, max: 9 }), (pan, position, delta) => {
        expect(isLuhnValid(pan)).toBe(true);
        const corrupted = pan.slice(0, position) + String((Number(pan[position]) + delta) % 10) + pan.slice(position + 1);
        expect(corrupted).not.toBe(pan);
        expect(corrupted).toHaveLength(PAN_LENGTH);
        expect(isLuhnValid(corrupted)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('detects every transposition of adjacent digits other than 09 ↔ 90', () => {
    fc.assert(
      fc.property(digitString(15, 15), fc.integer({ min: 0, max: PAN_LENGTH - 2 }), (body, i) => {
        const pan = body + luhnCheckDigit(body);
        const a = pan[i]!;
        const b = pan[i + 1]!;
        fc.pre(a !== b && !((a === '0' && b === '9') || (a === '9' && b === '0')));
        const swapped = pan.slice(0, i) + b + a + pan.slice(i + 2);
        expect(isLuhnValid(swapped)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('PanVault.generatePan', () => {
  it('is 16 digits, starts with the BIN and is Luhn-valid, for any 6–8 digit BIN', () => {
    fc.assert(
      fc.property(binArb, (bin) => {
        const vault = new PanVault([newMaster()], bin);
        for (let i = 0; i < 20; i++) {
          const pan = vault.generatePan();
          expect(pan).toMatch(/^\d{16}$/);
          expect(pan.startsWith(bin)).toBe(true);
          expect(isLuhnValid(pan)).toBe(true);
          expect(referenceLuhnValid(pan)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('draws the digits after the BIN at random (no repeats among many PANs, every digit seen in every free position)', () => {
    const vault = new PanVault([newMaster()], TEST_BIN);
    // 200 draws from 10^9 bodies: a repeat by chance has probability about 1 in 50,000.
    const pans = Array.from({ length: 200 }, () => vault.generatePan());
    expect(new Set(pans).size).toBe(pans.length);
    for (let position = TEST_BIN.length; position < PAN_LENGTH - 1; position++) {
      expect(new Set(pans.map((p) => p[position])).size, `position ${position}`).toBe(10);
    }
  });
});

describe('PanVault encryption', () => {
  const CARD_ID = '00000000-0000-4000-8000-000000000001';
  const master = newMaster();
  const vault = new PanVault([master], TEST_BIN);

  it('round-trips a PAN through an envelope that never contains it, under the active key id', () => {
    fc.assert(
      fc.property(digitString(15, 15), (body) => {
        const pan = body + luhnCheckDigit(body);
        const envelope = vault.encrypt(pan, CARD_ID);
        expect(envelope).not.toContain(pan);
        expect(envelope).not.toContain(pan.slice(-8));
        expect(envelope.split('.')).toHaveLength(5);
        expect(envelope.split('.')[1]).toBe(keyIdOf(master));
        expect(vault.envelopeKeyId(envelope)).toBe(vault.activeKeyId);
        expect(vault.decrypt(envelope, CARD_ID)).toBe(pan);
      }),
      { numRuns: 300 },
    );
  });

  it('binds the envelope to its card: another card id does not decrypt it', () => {
    const pan = vault.generatePan();
    const envelope = vault.encrypt(pan, CARD_ID);
    expect(() => vault.decrypt(envelope, '00000000-0000-4000-8000-000000000002')).toThrow();
  });

  it('encrypts the same PAN differently every time (random IV)', () => {
    const pan = vault.generatePan();
    const envelopes = new Set(Array.from({ length: 50 }, () => vault.encrypt(pan, CARD_ID)));
    expect(envelopes.size).toBe(50);
  });

  it('cannot be decrypted by a vault without the key, nor after tampering', () => {
    const pan = vault.generatePan();
    const envelope = vault.encrypt(pan, CARD_ID);
    expect(() => new PanVault([newMaster()], TEST_BIN).decrypt(envelope, CARD_ID)).toThrow();
    const parts = envelope.split('.');
    const ct = Buffer.from(parts[4]!, 'base64url');
    ct[0] = ct[0]! ^ 0x01;
    parts[4] = ct.toString('base64url');
    expect(() => vault.decrypt(parts.join('.'), CARD_ID)).toThrow();
  });

  it('an older key still decrypts after rotation, and new envelopes use the new key', () => {
    const newer = newMaster();
    const rotated = new PanVault([newer, master], TEST_BIN);
    const pan = vault.generatePan();
    const old = vault.encrypt(pan, CARD_ID);
    expect(rotated.decrypt(old, CARD_ID)).toBe(pan);
    const fresh = rotated.encrypt(pan, CARD_ID);
    expect(rotated.envelopeKeyId(fresh)).toBe(keyIdOf(newer));
    expect(rotated.activeKeyId).toBe(keyIdOf(newer));
    expect(() => vault.decrypt(fresh, CARD_ID)).toThrow();
  });
});

describe('PanVault fingerprints', () => {
  const oldMaster = newMaster();
  const newMasterKey = newMaster();
  const vault = new PanVault([oldMaster], TEST_BIN);
  const rotated = new PanVault([newMasterKey, oldMaster], TEST_BIN);
  const other = new PanVault([newMaster()], TEST_BIN);
  const panArb = digitString(15, 15).map((body) => body + luhnCheckDigit(body));

  it('is deterministic per PAN (64 hex digits, not containing the PAN)', () => {
    fc.assert(
      fc.property(panArb, (pan) => {
        const fp = vault.fingerprint(pan);
        expect(fp).toMatch(/^[0-9a-f]{64}$/);
        expect(vault.fingerprint(pan)).toBe(fp);
        // A second vault built from the same key computes the same fingerprint.
        expect(new PanVault([oldMaster], TEST_BIN).fingerprint(pan)).toBe(fp);
        expect(fp).not.toContain(pan);
      }),
      { numRuns: 300 },
    );
  });

  it('differs across PANs', () => {
    fc.assert(
      fc.property(panArb, panArb, (a, b) => {
        fc.pre(a !== b);
        expect(vault.fingerprint(a)).not.toBe(vault.fingerprint(b));
      }),
      { numRuns: 500 },
    );
  });

  it('differs under another master key (a keyed HMAC, not a plain hash)', () => {
    fc.assert(
      fc.property(panArb, (pan) => {
        expect(other.fingerprint(pan)).not.toBe(vault.fingerprint(pan));
        expect(rotated.fingerprint(pan)).not.toBe(vault.fingerprint(pan));
      }),
      { numRuns: 300 },
    );
  });

  it('fingerprintCandidates with [new, old] keys holds the new fingerprint first and the old one too', () => {
    fc.assert(
      fc.property(panArb, (pan) => {
        const candidates = rotated.fingerprintCandidates(pan);
        expect(candidates).toHaveLength(2);
        expect(candidates[0]).toBe(rotated.fingerprint(pan));
        expect(candidates[0]).toBe(new PanVault([newMasterKey], TEST_BIN).fingerprint(pan));
        expect(candidates).toContain(vault.fingerprint(pan));
        expect(candidates).not.toContain(other.fingerprint(pan));
        expect(vault.fingerprintCandidates(pan)).toEqual([vault.fingerprint(pan)]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('decimalise', () => {
  // The CVVs of issued cards are derived, never stored: the decimalisation can never change its answers.
  const reference = (hex: string, length: number) =>
    (hex.replace(/[a-f]/g, '') + hex.replace(/[0-9]/g, '').replace(/[a-f]/g, (c) => String(c.charCodeAt(0) - 97))).slice(0, length);

  it('takes the decimal digits in order, then the letters a–f as 0–5', () => {
    expect(decimalise('a1b2c3', 3)).toBe('123');
    expect(decimalise('ab9fe', 3)).toBe('901');
    expect(decimalise('fedcba', 3)).toBe('543');
    expect(decimalise('7', 3)).toBe('7');
  });

  it('answers as the regular-expression definition for any hex (property)', () => {
    const hexArb = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 64 });
    fc.assert(
      fc.property(hexArb, fc.integer({ min: 0, max: 70 }), (hex, length) => {
        expect(decimalise(hex, length)).toBe(reference(hex, length));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('PanVault CVV', () => {
  const oldMaster = newMaster();
  const vault = new PanVault([oldMaster], TEST_BIN);
  const rotated = new PanVault([newMaster(), oldMaster], TEST_BIN);
  const keyId = vault.activeKeyId;
  const panArb = digitString(15, 15).map((body) => body + luhnCheckDigit(body));

  it('is 3 digits and deterministic for (pan, expiry, key id)', () => {
    fc.assert(
      fc.property(panArb, expiryMonthArb, expiryYearArb, (pan, month, year) => {
        const cvv = vault.cvv(pan, month, year, keyId);
        expect(cvv).toMatch(/^\d{3}$/);
        expect(vault.cvv(pan, month, year, keyId)).toBe(cvv);
        expect(new PanVault([oldMaster], '999999').cvv(pan, month, year, keyId)).toBe(cvv);
        // After a rotation, the card's CVV key id still derives the same CVV.
        expect(rotated.cvv(pan, month, year, keyId)).toBe(cvv);
      }),
      { numRuns: 500 },
    );
  });

  it('depends on the expiry: over many PANs, changing the month or the year changes the CVV for almost all', () => {
    const pans = fc.sample(panArb, { numRuns: 500, seed: 42 });
    const changedByMonth = pans.filter((pan) => vault.cvv(pan, 11, 2030, keyId) !== vault.cvv(pan, 12, 2030, keyId)).length;
    const changedByYear = pans.filter((pan) => vault.cvv(pan, 11, 2030, keyId) !== vault.cvv(pan, 11, 2031, keyId)).length;
    // A CVV that ignored the expiry would change for none; a 3-digit value collides about 1 time in 1000.
    expect(changedByMonth).toBeGreaterThan(480);
    expect(changedByYear).toBeGreaterThan(480);
  });

  it('is not constant across PANs and depends on the key', () => {
    const pans = fc.sample(panArb, { numRuns: 500, seed: 7 });
    const cvvs = pans.map((pan) => vault.cvv(pan, 6, 2029, keyId));
    expect(new Set(cvvs).size).toBeGreaterThan(300);
    const otherKeyId = rotated.activeKeyId;
    const changedByKey = pans.filter((pan) => rotated.cvv(pan, 6, 2029, otherKeyId) !== vault.cvv(pan, 6, 2029, keyId)).length;
    expect(changedByKey).toBeGreaterThan(480);
  });

  it('uses all ten digits in every position', () => {
    const pans = fc.sample(panArb, { numRuns: 2000, seed: 11 });
    const cvvs = pans.map((pan) => vault.cvv(pan, 1, 2030, keyId));
    for (let position = 0; position < 3; position++) {
      expect(new Set(cvvs.map((c) => c[position])).size, `position ${position}`).toBe(10);
    }
  });

  it('throws for a key id that is not configured', () => {
    const pan = vault.generatePan();
    expect(() => vault.cvv(pan, 1, 2030, 'deadbeef')).toThrow(/deadbeef/);
    expect(() => vault.cvv(pan, 1, 2030, rotated.activeKeyId)).toThrow(/no master key/);
    // The message names the key id only, never the PAN.
    let message = '';
    try {
      vault.cvv(pan, 1, 2030, 'deadbeef');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('deadbeef');
    expect(message).not.toContain(pan);
  });
});
