import { createHash } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { InvalidFieldFormat } from '../../platform/errors';
import { QUEUE_BOARD_PATH, operatesQueueBoard, queueBoardReachable } from '../events/queue-board';
import { rotateClientSecret, validateCidrs } from './access.service';
import { ApiClient } from './api-client.entity';
import { recordAudit } from './audit';
import type { Caller } from './caller';
import { SERVICES } from './client-settings';
import { parseRsaPublicKey } from './snap-signature';

/** Bounds of a client's own rate limit (requests a second), those of KARTU_RATE_LIMIT_PER_SECOND. */
export const RATE_LIMIT_BOUNDS = { min: 1, max: 100_000 } as const;
/** Bounds of an uploaded RSA key: SNAP asks for 2048 bits at least; above 8192 every verify gets slow. */
export const RSA_BITS = { min: 2048, max: 8192 } as const;
/** Entries an IP allowlist may hold. */
export const MAX_ALLOWLIST = 50;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The key's size and fingerprint: SHA-256 of its SPKI DER, lowercase hex (`openssl pkey -pubin -outform DER | sha256sum`). */
export function describePublicKey(pem: string): { algorithm: 'RSA'; bits: number; fingerprintSha256: string } {
  const key = parseRsaPublicKey(pem);
  const der = key.export({ type: 'spki', format: 'der' });
  return { algorithm: 'RSA', bits: key.asymmetricKeyDetails?.modulusLength ?? 0, fingerprintSha256: createHash('sha256').update(der).digest('hex') };
}

/** The business's API client (a business has one: the first created), row-locked for a change when `lock`. */
async function clientOf(db: EntityManager, businessId: string, lock: boolean): Promise<ApiClient> {
  const client = await db.findOne(ApiClient, { where: { businessId }, order: { createdAt: 'ASC' }, ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}) });
  // Every business is created with its client (createBusiness); none would be a broken database.
  if (!client) throw new Error(`no API client for business ${businessId}`);
  return client;
}

/** What the developers page shows: the client's identifiers and settings, the key's fingerprint, last-used times; never a secret. */
export async function developerSettings(k: Kartu, businessId: string) {
  const c = await clientOf(k.db.manager, businessId, false);
  const now = k.clock.now();
  const overlapping = c.previousSecretExpiresAt !== null && c.previousSecretExpiresAt > now;
  return {
    credentials: {
      clientKey: c.clientKey,
      partnerId: c.partnerId,
      channelId: c.channelId,
      status: c.status,
      signatureMode: c.signatureMode,
      enabledServices: c.enabledServices,
      ipAllowlist: c.ipAllowlist ?? [],
      rateLimitPerSecond: c.rateLimitPerSecond,
      defaultRateLimitPerSecond: k.config.rateLimitPerSecond,
      secretOverlapSeconds: k.config.secretOverlapSeconds,
      publicKey: describePublicKey(c.publicKeyPem),
      createdAt: c.createdAt.toISOString(),
      lastUsedAt: iso(c.lastUsedAt),
      secretLastUsedAt: iso(c.secretLastUsedAt),
      secretRotatedAt: iso(c.secretRotatedAt),
      previousSecretValidUntil: overlapping ? iso(c.previousSecretExpiresAt) : null,
      previousSecretLastUsedAt: iso(c.previousSecretLastUsedAt),
      publicKeyLastUsedAt: iso(c.publicKeyLastUsedAt),
    },
    services: Object.entries(SERVICES).map(([code, name]) => ({ code, name })),
    queueBoard: operatesQueueBoard(k, businessId) ? { path: QUEUE_BOARD_PATH, reachable: queueBoardReachable(k) } : null,
  };
}

const actorOf = (caller: Caller) => ({ actorType: caller.actorType, actorId: caller.actorId, ip: caller.ip ?? null });

/** A new client secret, shown once; the previous one keeps verifying for KARTU_SECRET_OVERLAP_SECONDS. */
export async function rotateSecret(k: Kartu, caller: Caller) {
  const rotated = await rotateClientSecret(k, caller.businessId, k.config.secretOverlapSeconds, actorOf(caller));
  return { clientSecret: rotated.clientSecret, previousSecretValidUntil: rotated.previousSecretValidUntil };
}

/** Replaces the partner's RSA public key (token requests and asymmetric calls verify with it from the next call). */
export async function replacePublicKey(k: Kartu, caller: Caller, pem: string) {
  let described: ReturnType<typeof describePublicKey>;
  let spki: string;
  try {
    const key = parseRsaPublicKey(pem);
    spki = key.export({ type: 'spki', format: 'pem' }).toString();
    described = describePublicKey(spki);
  } catch (err) {
    throw new InvalidFieldFormat('publicKeyPem', (err as Error).message);
  }
  if (described.bits > RSA_BITS.max) throw new InvalidFieldFormat('publicKeyPem', `the RSA key must be at most ${RSA_BITS.max} bits`);
  return inTransaction(k.db, async (tx) => {
    const client = await clientOf(tx, caller.businessId, true);
    const previous = describePublicKey(client.publicKeyPem);
    await tx.update(ApiClient, { id: client.id }, { publicKeyPem: spki });
    await recordAudit(tx, {
      businessId: caller.businessId,
      ...actorOf(caller),
      action: 'api_client.public_key_replaced',
      targetType: 'api_client',
      targetId: client.id,
      details: { fingerprintSha256: described.fingerprintSha256, bits: described.bits, previousFingerprintSha256: previous.fingerprintSha256 },
    });
    return { publicKey: described };
  });
}

export interface AccessSettings {
  /** IPs or CIDRs allowed to call; empty: any address. */
  ipAllowlist?: string[];
  /** Requests a second; null: KARTU_RATE_LIMIT_PER_SECOND. */
  rateLimitPerSecond?: number | null;
}

/** Sets the IP allowlist and/or the rate limit; the guard reads both per call, so the next call is held to them. */
export async function setAccess(k: Kartu, caller: Caller, input: AccessSettings) {
  let ipAllowlist: string[] | null | undefined;
  if (input.ipAllowlist !== undefined) {
    ipAllowlist = input.ipAllowlist.map((entry, i) => {
      try {
        return validateCidrs([entry])[0]!;
      } catch {
        throw new InvalidFieldFormat(`ipAllowlist.${i}`, `${entry} is not an IPv4 or IPv6 address or CIDR (such as 203.0.113.0/24 or 2001:db8::/32)`);
      }
    });
    ipAllowlist = ipAllowlist.length ? [...new Set(ipAllowlist)] : null;
  }
  await inTransaction(k.db, async (tx) => {
    const client = await clientOf(tx, caller.businessId, true);
    const change: Partial<Pick<ApiClient, 'ipAllowlist' | 'rateLimitPerSecond'>> = {};
    const from: Record<string, unknown> = {};
    const to: Record<string, unknown> = {};
    if (ipAllowlist !== undefined) {
      change.ipAllowlist = ipAllowlist;
      from.ipAllowlist = client.ipAllowlist;
      to.ipAllowlist = ipAllowlist;
    }
    if (input.rateLimitPerSecond !== undefined) {
      change.rateLimitPerSecond = input.rateLimitPerSecond;
      from.rateLimitPerSecond = client.rateLimitPerSecond;
      to.rateLimitPerSecond = input.rateLimitPerSecond;
    }
    await tx.update(ApiClient, { id: client.id }, change);
    await recordAudit(tx, {
      businessId: caller.businessId,
      ...actorOf(caller),
      action: 'api_client.access_set',
      targetType: 'api_client',
      targetId: client.id,
      details: { from, to },
    });
  });
  return developerSettings(k, caller.businessId);
}
