import { createHmac } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { formatSnapTimestamp } from '../../platform/snap-time';
import { asymmetricStringToSign, signAsymmetric } from '../access/snap-signature';

/**
 * The two signatures on every webhook delivery (docs/webhooks.md):
 * - `Kartu-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(endpoint secret, t + "." + body)>`
 *   (Stripe's scheme: the receiver checks it with the secret shown when the endpoint was created);
 * - SNAP's asymmetric `X-SIGNATURE` = base64(SHA256withRSA(Kartu's notification key,
 *   "POST:" + path + ":" + lowercase(hex(SHA-256(minified body))) + ":" + X-TIMESTAMP)), checked
 *   with the public key from GET /snap/v1.0/notification-public-key.
 */
export function kartuSignature(secret: string, unixSeconds: number, body: string): string {
  const v1 = createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${unixSeconds}.${body}`, 'utf8').digest('hex');
  return `t=${unixSeconds},v1=${v1}`;
}

/** Headers signing one delivery attempt at `now`. `pathWithQuery` is the endpoint URL's path and query. */
export function deliveryHeaders(input: { secret: string; notificationKey: KeyObject; pathWithQuery: string; body: string; now: Date }): Record<string, string> {
  const timestamp = formatSnapTimestamp(input.now);
  return {
    'Kartu-Signature': kartuSignature(input.secret, Math.floor(input.now.getTime() / 1000), input.body),
    'X-TIMESTAMP': timestamp,
    'X-SIGNATURE': signAsymmetric(input.notificationKey, asymmetricStringToSign('POST', input.pathWithQuery, input.body, timestamp)),
  };
}
