import { createHmac, createSecretKey, type KeyObject, randomInt } from 'node:crypto';
import type { Kartu } from '../../context';
import { deriveKeys, keyIdOf, SecretBox } from '../../platform/crypto';

export const PAN_LENGTH = 16;

/** The Luhn (mod 10) check digit for the digits before it. */
export function luhnCheckDigit(partial: string): string {
  let sum = 0;
  for (let i = 0; i < partial.length; i++) {
    let d = partial.charCodeAt(partial.length - 1 - i) - 48;
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

export function isLuhnValid(pan: string): boolean {
  return /^\d{12,19}$/.test(pan) && luhnCheckDigit(pan.slice(0, -1)) === pan.slice(-1);
}

/**
 * The PAN vault: numbers are generated from the issuer BIN, stored only as AES-256-GCM envelopes,
 * and found by a keyed fingerprint (HMAC-SHA256) so the authorization path can look a card up by
 * number without decrypting anything. CVVs are never stored: they are derived from a per-card key
 * id, the PAN and the expiry, as an HSM derives a CVV2.
 */
export class PanVault {
  private readonly box: SecretBox;
  // HMAC keys as KeyObjects: an HMAC under a KeyObject skips importing the raw key each time.
  private readonly fingerprintKeys: Map<string, KeyObject>;
  private readonly cvvKeys: Map<string, KeyObject>;
  readonly activeKeyId: string;

  constructor(
    masterKeys: Buffer[],
    private readonly bin: string,
  ) {
    this.box = new SecretBox(masterKeys, 'pan');
    this.fingerprintKeys = hmacKeys(deriveKeys(masterKeys, 'pan-fingerprint'));
    this.cvvKeys = hmacKeys(deriveKeys(masterKeys, 'cvv'));
    this.activeKeyId = keyIdOf(masterKeys[0]!);
  }

  /** A random Luhn-valid PAN under the BIN. Uniqueness is enforced by the fingerprint's unique index. */
  generatePan(): string {
    let body = this.bin;
    while (body.length < PAN_LENGTH - 1) body += String(randomInt(10));
    return body + luhnCheckDigit(body);
  }

  /** The envelope is bound to its card (associated data), so envelopes swapped between rows do not decrypt. */
  encrypt(pan: string, cardId: string): string {
    return this.box.encrypt(pan, `pan:${cardId}`);
  }

  decrypt(envelope: string, cardId: string): string {
    return this.box.decrypt(envelope, `pan:${cardId}`);
  }

  envelopeKeyId(envelope: string): string | undefined {
    return this.box.keyIdOf(envelope);
  }

  /** The fingerprint under the active key (what is stored). */
  fingerprint(pan: string): string {
    return hmacHex(this.fingerprintKeys.get(this.activeKeyId)!, pan);
  }

  /** Fingerprints under every configured key: a lookup matches cards not yet re-keyed after a rotation. */
  fingerprintCandidates(pan: string): string[] {
    return [...this.fingerprintKeys.values()].map((key) => hmacHex(key, pan));
  }

  /** CVV2: HMAC of PAN, expiry (YYMM) and service code under the card's CVV key, decimalised to 3 digits. */
  cvv(pan: string, expiryMonth: number, expiryYear: number, keyId: string): string {
    const key = this.cvvKeys.get(keyId);
    if (!key) throw new Error(`no master key with id ${keyId} is configured (needed for this card's CVV)`);
    const yymm = String(expiryYear % 100).padStart(2, '0') + String(expiryMonth).padStart(2, '0');
    return decimalise(hmacHex(key, `${pan}|${yymm}|000`), 3);
  }
}

/**
 * Visa-style decimalisation of lowercase hex: its decimal digits in order, then its letters a–f as
 * 0–5 in order, the first `length` of them.
 */
export function decimalise(hex: string, length: number): string {
  let out = '';
  for (let i = 0; i < hex.length && out.length < length; i++) if (hex.charCodeAt(i) <= 57) out += hex[i];
  for (let i = 0; i < hex.length && out.length < length; i++) if (hex.charCodeAt(i) >= 97) out += String(hex.charCodeAt(i) - 97);
  return out;
}

function hmacKeys(keys: Map<string, Buffer>): Map<string, KeyObject> {
  return new Map([...keys].map(([id, key]) => [id, createSecretKey(key)]));
}

function hmacHex(key: KeyObject, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

const vaults = new WeakMap<object, PanVault>();

/** The vault for a Kartu's master keys and BIN, built once per config. */
export function vaultOf(k: Kartu): PanVault {
  let vault = vaults.get(k.config);
  if (!vault) {
    vault = new PanVault(k.config.masterKeys, k.config.cardBin);
    vaults.set(k.config, vault);
  }
  return vault;
}
