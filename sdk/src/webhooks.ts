import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { KartuEvent } from './events.js';
import { asymmetricStringToSign, minifyJson, verifyAsymmetricSignature } from './signatures.js';

export interface VerifyWebhookOptions {
  /** How far `t` may be from now (default 300 s): an old delivery replayed is refused. */
  toleranceSeconds?: number;
  /** The clock to compare `t` with (default: now). */
  now?: Date;
}

/** Why a delivery was refused; `reason` is for your logs, never for the sender. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(readonly reason: 'malformed' | 'stale' | 'signature') {
    super(reason === 'malformed' ? 'Kartu-Signature is missing or malformed' : reason === 'stale' ? 'Kartu-Signature is outside the tolerance' : 'Kartu-Signature does not match the body');
  }
}

/**
 * Verifies `Kartu-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` over the raw
 * body bytes as received (parse only afterwards: re-serialised JSON would not match) and returns
 * the parsed event. Several `v1` are allowed (any one matching is enough); compares in constant time.
 */
export function verifyWebhook(rawBody: string | Uint8Array, header: string | null | undefined, secret: string, options: VerifyWebhookOptions = {}): KartuEvent {
  const body = typeof rawBody === 'string' ? rawBody : Buffer.from(rawBody).toString('utf8');
  let t: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of (header ?? '').split(',')) {
    const at = part.indexOf('=');
    const [key, value] = [part.slice(0, at).trim(), part.slice(at + 1).trim()];
    if (key === 't' && /^\d+$/.test(value)) t = Number(value);
    else if (key === 'v1' && /^[0-9a-f]{64}$/i.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  if (t === undefined || signatures.length === 0) throw new WebhookVerificationError('malformed');
  const now = (options.now ?? new Date()).getTime() / 1000;
  if (Math.abs(now - t) > (options.toleranceSeconds ?? 300)) throw new WebhookVerificationError('stale');
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${t}.${body}`, 'utf8').digest();
  let ok = false;
  // Every candidate is compared, so timing does not tell which one (or whether any) matched.
  for (const given of signatures) ok = timingSafeEqual(given, expected) || ok;
  if (!ok) throw new WebhookVerificationError('signature');
  return JSON.parse(body) as KartuEvent;
}

/**
 * Verifies Kartu's SNAP asymmetric X-SIGNATURE on a delivery: SHA256withRSA with Kartu's
 * notification key over "POST:" + the path and query of your URL + ":" + sha256hex(minified body)
 * + ":" + X-TIMESTAMP. `publicKey` from kartu.webhooks.notificationPublicKey().
 */
export function verifyNotificationSignature(input: { rawBody: string | Uint8Array; pathWithQuery: string; timestamp: string; signature: string; publicKey: string | KeyObject }): boolean {
  const body = typeof input.rawBody === 'string' ? input.rawBody : Buffer.from(input.rawBody).toString('utf8');
  return verifyAsymmetricSignature(input.publicKey, asymmetricStringToSign('POST', input.pathWithQuery, minifyJson(body), input.timestamp), input.signature);
}
