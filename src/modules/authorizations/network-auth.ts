import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Kartu } from '../../context';
import { constantTimeEqual } from '../../platform/crypto';
import { databaseUnavailable, retryingLostConnections } from '../../platform/db';
import { InvalidFieldFormat, IssuerUnavailable, MissingMandatoryField, ServiceUnavailable, Unauthorized } from '../../platform/errors';
import { networkSecretAad } from '../access/access.service';

declare module 'express-serve-static-core' {
  interface Request {
    /** The verified calling network. */
    networkId: string;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$/;
const CACHE_MS = 30_000;

export function networkSignature(secret: string | KeyObject, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('base64');
}

/**
 * Verifies a card network's call: X-Network-Id, X-Timestamp (ISO-8601, ±5 minutes) and
 * X-Signature = base64(HMAC-SHA256(secret, X-Timestamp + "." + rawBody)), compared in constant
 * time; returns the network id. Secrets are decrypted once and kept in memory for 30 s as
 * KeyObjects, so the hot path makes no query here.
 */
export type NetworkVerifier = (header: (name: string) => string | undefined, rawBody: Buffer) => Promise<string>;

const verifiers = new WeakMap<Kartu, NetworkVerifier>();

/** The process's one verifier (one secret cache) for the network API's routes. */
export function networkVerifier(k: Kartu): NetworkVerifier {
  let verifier = verifiers.get(k);
  if (!verifier) {
    verifier = makeNetworkVerifier(k);
    verifiers.set(k, verifier);
  }
  return verifier;
}

function makeNetworkVerifier(k: Kartu): NetworkVerifier {
  const cache = new Map<string, { secret: KeyObject | null; at: number }>();
  const unknownNetwork = createSecretKey(Buffer.from('unknown-network'));
  const secretOf = async (networkId: string): Promise<KeyObject | null> => {
    const hit = cache.get(networkId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.secret;
    const [row]: Array<{ secret_enc: string }> = await retryingLostConnections(() =>
      k.db.query("SELECT secret_enc FROM networks WHERE id = $1 AND status = 'ACTIVE'", [networkId]),
    );
    const secret = row ? createSecretKey(Buffer.from(k.secrets.decrypt(row.secret_enc, networkSecretAad(networkId)), 'utf8')) : null;
    cache.set(networkId, { secret, at: Date.now() });
    return secret;
  };
  return async (header, rawBody) => {
    for (const h of ['X-Network-Id', 'X-Timestamp', 'X-Signature']) {
      if (!header(h.toLowerCase())) throw new MissingMandatoryField(h);
    }
    const networkId = header('x-network-id')!;
    const timestamp = header('x-timestamp')!;
    if (!ISO_8601.test(timestamp) || Number.isNaN(Date.parse(timestamp))) throw new InvalidFieldFormat('X-Timestamp', 'ISO-8601 with a time zone');
    if (Math.abs(k.clock.now().getTime() - Date.parse(timestamp)) > k.config.clockSkewSeconds * 1000) {
      throw new Unauthorized(`X-Timestamp is more than ${k.config.clockSkewSeconds} seconds from server time`);
    }
    const secret = UUID.test(networkId) ? await secretOf(networkId) : null;
    // Unknown network and bad signature answer alike.
    const expected = networkSignature(secret ?? unknownNetwork, timestamp, rawBody);
    if (!secret || !constantTimeEqual(expected, header('x-signature')!)) throw new Unauthorized('Invalid network or signature');
    return networkId;
  };
}

/**
 * A failure on the network API as a card network hears it: the database unreachable (or lost
 * after the retries) is ISO 8583 `91`, issuer unavailable — 503 with Retry-After; the same id sent
 * again is safe. Anything else is left as it is.
 */
export function networkFailure(err: unknown): unknown {
  return err instanceof ServiceUnavailable || databaseUnavailable(err) ? new IssuerUnavailable(err) : err;
}

/** networkVerifier as the guard of the express routes. */
export function networkGuard(k: Kartu): RequestHandler {
  const verify = networkVerifier(k);
  return async (req, _res, next) => {
    try {
      req.networkId = await verify((name) => req.get(name), req.rawBody);
    } catch (err) {
      throw networkFailure(err);
    }
    next();
  };
}
