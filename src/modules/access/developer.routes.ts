import { z } from 'zod';
import type { Kartu } from '../../context';
import type { ApiRouter } from '../../platform/http';
import { EVENT_TYPE_WILDCARDS, EVENT_TYPES } from '../events/event-types';
import { notificationKey } from '../webhooks/notification-key';
import { requireAdmin } from './admin.routes';
import { SIGNATURE_MODES } from './api-client.entity';
import { developerSettings, MAX_ALLOWLIST, RATE_LIMIT_BOUNDS, replacePublicKey, rotateSecret, setAccess } from './developer.service';

const SERVICE = '00';
const TAG = 'Developers';

const time = z.string().nullable();
const publicKeyView = z.object({
  algorithm: z.literal('RSA'),
  bits: z.number().int(),
  fingerprintSha256: z.string().meta({ description: 'SHA-256 of the key\'s SPKI DER, lowercase hex: `openssl pkey -pubin -in key.pem -outform DER | sha256sum`' }),
});
const settingsView = z.object({
  credentials: z.object({
    clientKey: z.string(),
    partnerId: z.string(),
    channelId: z.string(),
    status: z.enum(['ACTIVE', 'DISABLED']),
    signatureMode: z.enum(SIGNATURE_MODES),
    enabledServices: z.array(z.string()).nullable().meta({ description: 'SNAP service codes the client may call; null: every service' }),
    ipAllowlist: z.array(z.string()).meta({ description: 'CIDRs allowed to call; empty: any address' }),
    rateLimitPerSecond: z.number().int().nullable().meta({ description: "The client's own limit; null: defaultRateLimitPerSecond" }),
    defaultRateLimitPerSecond: z.number().int(),
    secretOverlapSeconds: z.number().int().meta({ description: 'How long a rotated-out secret keeps verifying (KARTU_SECRET_OVERLAP_SECONDS)' }),
    publicKey: publicKeyView,
    createdAt: z.string(),
    lastUsedAt: time,
    secretLastUsedAt: time,
    secretRotatedAt: time,
    previousSecretValidUntil: time.meta({ description: 'While a rotated-out secret still verifies: until when; otherwise null' }),
    previousSecretLastUsedAt: time,
    publicKeyLastUsedAt: time,
  }),
  services: z.array(z.object({ code: z.string(), name: z.string() })),
  queueBoard: z
    .object({ path: z.string(), reachable: z.boolean().meta({ description: 'false while Redis is unreachable (the board answers 503 then)' }) })
    .nullable()
    .meta({ description: "The BullMQ board, for the platform's operators: null when this business's owners may not open it" }),
});

const accessInput = z
  .strictObject({
    ipAllowlist: z.array(z.string().max(64)).max(MAX_ALLOWLIST).optional().meta({ description: 'IPv4/IPv6 addresses or CIDRs; [] allows any address', example: ['203.0.113.0/24', '2001:db8::/32'] }),
    rateLimitPerSecond: z.number().int().min(RATE_LIMIT_BOUNDS.min).max(RATE_LIMIT_BOUNDS.max).nullable().optional().meta({ description: 'Requests a second; null: the default (KARTU_RATE_LIMIT_PER_SECOND)' }),
  })
  .refine((b) => b.ipAllowlist !== undefined || b.rateLimitPerSecond !== undefined, { path: ['ipAllowlist'], message: 'nothing to update: give ipAllowlist or rateLimitPerSecond', params: { missing: true } });

/** The developers page: the partner's SNAP credentials, secret rotation, RSA key, IP allowlist and rate limit (owners). */
export function developerRoutes(k: Kartu, admin: ApiRouter): void {
  const owners = [requireAdmin(k, ['owner'])];
  const common = { service: SERVICE, tag: TAG, security: ['adminSession'], guards: owners };

  admin.route({
    ...common,
    method: 'get',
    path: '/developers',
    operationId: 'getDeveloperSettings',
    summary: "The business's SNAP credentials and settings (never a secret), and whether the queue board is open to it",
    description:
      'Client key, partner id, channel id, signature mode, enabled services, IP allowlist, rate limit, the RSA public key\'s size and fingerprint, when each credential was last used and, during a rotation overlap, until when the previous secret verifies. Owners only (403xx01).',
    response: settingsView,
    handler: ({ req }) => developerSettings(k, req.caller.businessId),
  });

  admin.route({
    ...common,
    method: 'post',
    path: '/developers/client-secret/rotate',
    secretInAnswer: true,
    operationId: 'rotateClientSecret',
    summary: 'Issue a new client secret, shown in this answer only; the previous one verifies until previousSecretValidUntil',
    description:
      'The new HMAC secret is shown once (the answer is `Cache-Control: no-store` and never stored in clear). The previous secret keeps verifying for KARTU_SECRET_OVERLAP_SECONDS so the partner can switch without downtime; rotating again ends that overlap. Audited as api_client.secret_rotated. Owners only (403xx01).',
    response: z.object({
      clientSecret: z.string().meta({ description: 'The new secret: keep it, it is not shown again' }),
      previousSecretValidUntil: z.string(),
    }),
    handler: ({ req }) => rotateSecret(k, req.caller),
  });

  admin.route({
    ...common,
    method: 'put',
    path: '/developers/public-key',
    operationId: 'replacePartnerPublicKey',
    summary: "Upload or replace the partner's RSA public key (PEM)",
    description:
      'The key token requests (service 73) and asymmetric calls are verified with, from the next call. RSA only, 2048 to 8192 bits, a public key (SPKI "BEGIN PUBLIC KEY" or PKCS#1 "BEGIN RSA PUBLIC KEY"): anything else is 400xx01 naming publicKeyPem. Audited as api_client.public_key_replaced with both fingerprints. Owners only (403xx01).',
    body: z.strictObject({ publicKeyPem: z.string().min(1).max(16_384).meta({ description: 'PEM text' }) }),
    response: z.object({ publicKey: publicKeyView }),
    handler: ({ req, body }) => replacePublicKey(k, req.caller, body.publicKeyPem),
  });

  admin.route({
    ...common,
    method: 'patch',
    path: '/developers/access',
    operationId: 'setPartnerAccess',
    summary: 'Set the IP allowlist and/or the rate limit of the partner client',
    description:
      'Every partner call reads both from the database, so the next call is held to them. A bad entry is 400xx01 naming it (ipAllowlist.2); the rate limit is 1 to 100000 a second, or null for the default. Audited as api_client.access_set with the values before and after. Owners only (403xx01).',
    body: accessInput,
    response: settingsView,
    handler: ({ req, body }) => setAccess(k, req.caller, body),
  });

  admin.route({
    ...common,
    method: 'get',
    path: '/developers/event-types',
    operationId: 'listWebhookEventTypes',
    summary: 'The event types a webhook endpoint may subscribe to',
    description: 'The event catalogue: every type, and the `prefix.*` wildcards ("*" is every event). Owners only (403xx01).',
    response: z.object({ eventTypes: z.array(z.string()), wildcards: z.array(z.string()) }),
    handler: () => ({ eventTypes: [...EVENT_TYPES], wildcards: EVENT_TYPE_WILDCARDS }),
  });

  admin.route({
    method: 'get',
    path: '/notification-public-key',
    service: '97',
    tag: TAG,
    security: ['adminSession'],
    guards: [requireAdmin(k)],
    operationId: 'getNotificationPublicKey',
    summary: "Kartu's notification public key: verifies the SNAP X-SIGNATURE (SHA256withRSA) on webhook deliveries",
    description: 'The same key as the partner API\'s GET /snap/v1.0/notification-public-key, for the dashboard to download. Any admin.',
    response: z.object({ publicKey: z.string().meta({ description: 'PEM (SPKI)' }), algorithm: z.literal('SHA256withRSA') }),
    handler: async () => ({ publicKey: (await notificationKey(k)).publicKeyPem, algorithm: 'SHA256withRSA' as const }),
  });
}
