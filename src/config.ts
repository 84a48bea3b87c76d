import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/** The only module that reads process.env. Everything else receives a Config. */

const base64Key = z
  .string()
  .trim()
  .refine((v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32, {
    message: 'must be exactly 32 bytes encoded as base64 (generate one with: openssl rand -base64 32)',
  });

const envSchema = z.object({
  KARTU_ENV: z.enum(['sandbox', 'production']).default('sandbox'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  KARTU_REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/).default('kartu'),
  KARTU_MASTER_KEY: base64Key.optional(),
  KARTU_PREVIOUS_MASTER_KEYS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []))
    .pipe(z.array(base64Key)),
  KARTU_HOME: z.string().default('.kartu'),
  KARTU_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KARTU_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86400).default(900),
  KARTU_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  KARTU_RATE_LIMIT_PER_SECOND: z.coerce.number().int().min(1).max(100000).default(100),
  KARTU_SECRET_OVERLAP_SECONDS: z.coerce.number().int().min(0).max(30 * 86400).default(86400),
  KARTU_SESSION_TTL_SECONDS: z.coerce.number().int().min(60).max(86400).default(8 * 3600),
  KARTU_SESSION_IDLE_SECONDS: z.coerce.number().int().min(60).max(86400).default(30 * 60),
  KARTU_TRUST_PROXY: z.string().default('loopback'),
  KARTU_OPERATOR_BUSINESS_IDS: z
    .string()
    .optional()
    .transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : []))
    .pipe(z.array(z.uuid({ message: 'must be business ids (UUIDs), comma-separated' }))),
  KARTU_CARD_BIN: z.string().regex(/^\d{6,8}$/, { message: 'must be 6 to 8 digits' }).default('400000'),
  KARTU_CARD_VALIDITY_MONTHS: z.coerce.number().int().min(1).max(120).default(48),
  KARTU_HOLD_DAYS: z.coerce.number().int().min(1).max(90).default(7),
  KARTU_HOLD_DAYS_TRAVEL: z.coerce.number().int().min(1).max(90).default(31),
  KARTU_OVERCAPTURE_PERCENT: z.coerce.number().int().min(0).max(100).default(20),
  KARTU_AUTHORIZATION_BATCHES_IN_FLIGHT: z.coerce.number().int().min(1).max(16).default(2),
  KARTU_FX_RATE_MAX_AGE_HOURS: z.coerce.number().int().min(1).max(24 * 31).default(48),
  // Outbox relay and webhooks (docs/webhooks.md).
  KARTU_RELAY_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(250),
  KARTU_RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(5000).default(200),
  KARTU_RELAY_STALE_SECONDS: z.coerce.number().int().min(1).max(86400).default(300),
  KARTU_WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3600_000).default(30_000),
  KARTU_WEBHOOK_RETRY_MAX_DELAY_MS: z.coerce.number().int().min(1).max(7 * 86400_000).default(12 * 3600_000),
  KARTU_WEBHOOK_RETRY_WINDOW_SECONDS: z.coerce.number().int().min(0).max(30 * 86400).default(3 * 86400),
  KARTU_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  KARTU_WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(10),
  // GET /metrics (docs/operations.md): on a port of its own (then not on PORT), and/or behind a bearer token.
  KARTU_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  KARTU_METRICS_TOKEN: z.string().trim().min(16, { message: 'must be at least 16 characters (generate one with: openssl rand -hex 32)' }).optional(),
  // ISO 8583 gateway (docs/iso8583.md): a TCP listener of its own, for one card network.
  KARTU_ISO8583_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  KARTU_ISO8583_HOST: z.string().optional(),
  KARTU_ISO8583_NETWORK_ID: z.uuid({ message: 'must be a network id (UUID) from `kartu networks create`' }).optional(),
  KARTU_ISO8583_SPEC: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'must name a file rules/iso8583/<name>.json' }).default('kartu-1987-ascii'),
  KARTU_ISO8583_TLS_CERT: z.string().optional(),
  KARTU_ISO8583_TLS_KEY: z.string().optional(),
});

export type KartuEnv = 'sandbox' | 'production';

export interface Config {
  env: KartuEnv;
  port: number;
  host: string;
  /** Absent: the quick start runs an embedded PostgreSQL (see platform/embedded-postgres.ts). */
  databaseUrl?: string;
  redisUrl: string;
  redisPrefix: string;
  /** The active master key first, then older keys kept only to decrypt. */
  masterKeys: Buffer[];
  home: string;
  logLevel: string;
  tokenTtlSeconds: number;
  clockSkewSeconds: number;
  rateLimitPerSecond: number;
  secretOverlapSeconds: number;
  sessionTtlSeconds: number;
  sessionIdleSeconds: number;
  trustProxy: string;
  /** Businesses whose owners run the platform (the queue board); in sandbox, when empty, every owner. */
  operatorBusinessIds: string[];
  /** Issuer BIN that new PANs start with (default: a test BIN). */
  cardBin: string;
  /** Months a new card is valid; it expires at the end of that month. */
  cardValidityMonths: number;
  /** Days an authorization hold lives before expiry voids it; lodging, car rental and travel get the longer one. */
  holdDays: number;
  holdDaysTravel: number;
  /** How far a clearing may exceed its authorization (tips, fuel) and still post against it. */
  overcapturePercent: number;
  /**
   * Authorization batches one api process writes at once. Across every process on one database the
   * sum is best near the database's cores (bench/RESULTS.md): 2 for one process, 1 each for two.
   */
  authorizationBatchesInFlight: number;
  /** A rate of the fx_rates table older than this counts as none: a foreign authorization without a billing amount is declined (05). */
  fxRateMaxAgeHours: number;
  /** Outbox relay: idle poll interval, rows per claim, and after how long a relayed event or queued delivery whose job vanished from Redis is relayed again. */
  relayIntervalMs: number;
  relayBatchSize: number;
  relayStaleSeconds: number;
  /** Webhook retries: exponential from base, each delay capped, jittered, as many as fit in the window; then dead-letter. */
  webhookRetryBaseMs: number;
  webhookRetryMaxDelayMs: number;
  webhookRetryWindowSeconds: number;
  webhookTimeoutMs: number;
  webhookConcurrency: number;
  /** Serve GET /metrics on this port only (the api port answers 404 for it); undefined: on the api port. */
  metricsPort?: number;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken?: string;
  /** The ISO 8583 gateway (docs/iso8583.md), when a port is set: where it listens, for which network, in which dialect, with TLS when both files are given. */
  iso8583?: {
    port: number;
    host: string;
    networkId: string;
    spec: string;
    tls?: { certFile: string; keyFile: string };
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Reads and validates the environment once. In sandbox without KARTU_MASTER_KEY a key is
 * generated and kept in KARTU_HOME/master.key (mode 0600) so restarts can decrypt; production
 * refuses to start without one.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty or whitespace-only values count as unset (a stray `PORT= ` must not become port 0).
  const blanksRemoved = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v.trim() !== ''));
  const parsed = envSchema.safeParse(blanksRemoved);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.KARTU_ISO8583_PORT !== undefined && !e.KARTU_ISO8583_NETWORK_ID) {
    throw new ConfigError('KARTU_ISO8583_NETWORK_ID is required when KARTU_ISO8583_PORT is set (the network the connections belong to, from `kartu networks create`)');
  }
  if ((e.KARTU_ISO8583_TLS_CERT === undefined) !== (e.KARTU_ISO8583_TLS_KEY === undefined)) {
    throw new ConfigError('KARTU_ISO8583_TLS_CERT and KARTU_ISO8583_TLS_KEY go together (a certificate and its private key, PEM files)');
  }
  let masterKey = e.KARTU_MASTER_KEY;
  if (!masterKey) {
    if (e.KARTU_ENV === 'production') {
      throw new ConfigError('KARTU_MASTER_KEY is required when KARTU_ENV=production (32 bytes, base64)');
    }
    masterKey = sandboxMasterKey(e.KARTU_HOME);
  }
  return {
    env: e.KARTU_ENV,
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.KARTU_REDIS_PREFIX,
    masterKeys: [masterKey, ...e.KARTU_PREVIOUS_MASTER_KEYS].map((k) => Buffer.from(k, 'base64')),
    home: e.KARTU_HOME,
    logLevel: e.KARTU_LOG_LEVEL,
    tokenTtlSeconds: e.KARTU_TOKEN_TTL_SECONDS,
    clockSkewSeconds: e.KARTU_CLOCK_SKEW_SECONDS,
    rateLimitPerSecond: e.KARTU_RATE_LIMIT_PER_SECOND,
    secretOverlapSeconds: e.KARTU_SECRET_OVERLAP_SECONDS,
    sessionTtlSeconds: e.KARTU_SESSION_TTL_SECONDS,
    sessionIdleSeconds: e.KARTU_SESSION_IDLE_SECONDS,
    trustProxy: e.KARTU_TRUST_PROXY,
    operatorBusinessIds: e.KARTU_OPERATOR_BUSINESS_IDS,
    cardBin: e.KARTU_CARD_BIN,
    cardValidityMonths: e.KARTU_CARD_VALIDITY_MONTHS,
    holdDays: e.KARTU_HOLD_DAYS,
    holdDaysTravel: e.KARTU_HOLD_DAYS_TRAVEL,
    overcapturePercent: e.KARTU_OVERCAPTURE_PERCENT,
    authorizationBatchesInFlight: e.KARTU_AUTHORIZATION_BATCHES_IN_FLIGHT,
    fxRateMaxAgeHours: e.KARTU_FX_RATE_MAX_AGE_HOURS,
    relayIntervalMs: e.KARTU_RELAY_INTERVAL_MS,
    relayBatchSize: e.KARTU_RELAY_BATCH_SIZE,
    relayStaleSeconds: e.KARTU_RELAY_STALE_SECONDS,
    webhookRetryBaseMs: e.KARTU_WEBHOOK_RETRY_BASE_MS,
    webhookRetryMaxDelayMs: e.KARTU_WEBHOOK_RETRY_MAX_DELAY_MS,
    webhookRetryWindowSeconds: e.KARTU_WEBHOOK_RETRY_WINDOW_SECONDS,
    webhookTimeoutMs: e.KARTU_WEBHOOK_TIMEOUT_MS,
    webhookConcurrency: e.KARTU_WEBHOOK_CONCURRENCY,
    metricsPort: e.KARTU_METRICS_PORT,
    metricsToken: e.KARTU_METRICS_TOKEN,
    iso8583:
      e.KARTU_ISO8583_PORT === undefined
        ? undefined
        : {
            port: e.KARTU_ISO8583_PORT,
            host: e.KARTU_ISO8583_HOST ?? e.HOST,
            networkId: e.KARTU_ISO8583_NETWORK_ID!,
            spec: e.KARTU_ISO8583_SPEC,
            tls: e.KARTU_ISO8583_TLS_CERT && e.KARTU_ISO8583_TLS_KEY ? { certFile: e.KARTU_ISO8583_TLS_CERT, keyFile: e.KARTU_ISO8583_TLS_KEY } : undefined,
          },
  };
}

function sandboxMasterKey(home: string): string {
  const file = path.join(home, 'master.key');
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    const check = base64Key.safeParse(key);
    if (!check.success) throw new ConfigError(`${file}: ${check.error.issues[0]?.message}`);
    return key;
  }
  // Owner-only: it holds secrets. As root, the embedded PostgreSQL keeps its data outside it.
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const key = randomBytes(32).toString('base64');
  writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return key;
}
