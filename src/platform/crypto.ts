import {
  createCipheriv,
  createDecipheriv,
  createHash,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * Equality whose time does not depend on where the two differ. Only for values whose length is not
 * secret — the signatures Kartu compares (base64 of an HMAC: 44 or 88 characters) — since a length
 * mismatch answers at once.
 */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ba = typeof a === 'string' ? Buffer.from(a) : a;
  const bb = typeof b === 'string' ? Buffer.from(b) : b;
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

/**
 * Envelope for secrets at rest: AES-256-GCM under a key derived (HKDF) from a master key for one
 * purpose. Stored as `v1.<keyId>.<iv>.<tag>.<ciphertext>` (base64url parts), so rows written under
 * an older master key stay readable while KARTU_PREVIOUS_MASTER_KEYS lists it.
 */
export class SecretBox {
  private readonly keys: Map<string, Buffer>;
  readonly activeKeyId: string;

  constructor(masterKeys: Buffer[], purpose: string) {
    this.keys = deriveKeys(masterKeys, purpose);
    this.activeKeyId = keyIdOf(masterKeys[0]!);
  }

  encrypt(plaintext: string, associatedData = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.activeKeyId)!, iv);
    cipher.setAAD(Buffer.from(associatedData));
    const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', this.activeKeyId, iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  decrypt(envelope: string, associatedData = ''): string {
    const [version, keyId, iv, tag, ct] = envelope.split('.');
    if (version !== 'v1' || !keyId || iv === undefined || tag === undefined || ct === undefined) {
      throw new Error('not a SecretBox envelope');
    }
    const key = this.keys.get(keyId);
    if (!key) throw new Error(`no master key with id ${keyId} is configured`);
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associatedData));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  }

  keyIdOf(envelope: string): string | undefined {
    return envelope.split('.')[1];
  }
}

/** One 32-byte key per master key for one purpose (HKDF-SHA256), by master key id; the active key first. */
export function deriveKeys(masterKeys: Buffer[], purpose: string): Map<string, Buffer> {
  if (masterKeys.length === 0) throw new Error('at least one master key is needed');
  const keys = new Map<string, Buffer>();
  for (const master of masterKeys) {
    keys.set(keyIdOf(master), Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `kartu:${purpose}`, 32)));
  }
  return keys;
}

/** A short public id for a master key: the first 8 hex digits of SHA-256 over a fixed label and the key. */
export function keyIdOf(master: Buffer): string {
  return createHash('sha256').update('kartu-key-id').update(master).digest('hex').slice(0, 8);
}
