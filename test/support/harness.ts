import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import supertest from 'supertest';
import { createApp, type AppOptions, type KartuApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import type { Kartu } from '../../src/context';
import { kartuDataSource } from '../../src/database';
import { asymmetricStringToSign, signAccessTokenRequest, signAsymmetric, signSymmetric, symmetricStringToSign } from '../../src/modules/access/snap-signature';
import { ManualClock } from '../../src/platform/clock';
import { SecretBox } from '../../src/platform/crypto';
import { createLogger } from '../../src/platform/logger';
import { formatSnapTimestamp } from '../../src/platform/snap-time';
import { networkSignature } from '../../src/modules/authorizations/network-auth';
import { createBusiness, createNetwork, type CreateBusinessInput, type CreatedBusiness } from '../../src/modules/access/access.service';
import { createTestDatabase } from './databases';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Harness {
  kartu: Kartu;
  app: KartuApp;
  clock: ManualClock;
  /** Every log line written so far, as JSON text. */
  logs: string[];
  http: () => supertest.Agent;
  close(): Promise<void>;
}

/**
 * A Kartu on a database of its own (cloned from the migrated template), a manual clock, captured
 * logs, and Redis under a key prefix of its own. `databaseUrl` rewrites the URL the app connects to;
 * `app` is passed to createApp.
 */
export async function startHarness(env: Record<string, string> = {}, o: { databaseUrl?: (url: string) => string; app?: AppOptions } = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const config = loadConfig({
    KARTU_ENV: 'sandbox',
    KARTU_MASTER_KEY: randomBytes(32).toString('base64'),
    KARTU_HOME: mkdtempSync(path.join(tmpdir(), 'kartu-test-')),
    // The app's own connections may go through a proxy (test/support/pg-proxy.ts); the database is the test's.
    DATABASE_URL: o.databaseUrl?.(database.url) ?? database.url,
    REDIS_URL: TEST_REDIS_URL,
    KARTU_REDIS_PREFIX: `kartu-test-${randomBytes(4).toString('hex')}`,
    KARTU_LOG_LEVEL: 'info',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  const logger = createLogger(config.logLevel, sink);
  const db = kartuDataSource(config.databaseUrl!, 5);
  await db.initialize();
  const redis = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  await redis.connect().catch(() => undefined);
  const clock = new ManualClock(new Date());
  const kartu: Kartu = { config, clock, db, logger, secrets: new SecretBox(config.masterKeys, 'secrets'), redis };
  const app = createApp(kartu, o.app);
  return {
    kartu,
    app,
    clock,
    logs,
    http: () => supertest.agent(app),
    async close() {
      redis.disconnect();
      await db.destroy();
      await database.drop();
    },
  };
}

/** Overrides of one signed call, to break one thing at a time. */
type CallOverrides = { timestamp?: string; externalId?: string; partnerId?: string; signature?: string; omit?: string[]; signedBody?: string; headers?: Record<string, string> };

/** A partner business with its credentials, able to get tokens and sign calls like a real client. */
export class TestPartner {
  accessToken?: string;

  constructor(
    protected readonly h: Harness,
    readonly creds: CreatedBusiness & { privateKeyPem: string },
  ) {}

  /** A business and its client; unlimited unless the test sets `rateLimitPerSecond` (tests run faster than 100 calls a second). */
  static async create(h: Harness, input: Partial<Pick<CreateBusinessInput, 'name' | 'ipAllowlist' | 'rateLimitPerSecond' | 'signatureMode' | 'enabledServices'>> = {}): Promise<TestPartner> {
    const created = await createBusiness(h.kartu, { name: input.name ?? 'Acme', rateLimitPerSecond: 100_000, ...input });
    return new TestPartner(h, created as CreatedBusiness & { privateKeyPem: string });
  }

  timestamp(): string {
    return formatSnapTimestamp(this.h.clock.now());
  }

  tokenRequest(overrides: { timestamp?: string; signature?: string; clientKey?: string } = {}) {
    const timestamp = overrides.timestamp ?? this.timestamp();
    const clientKey = overrides.clientKey ?? this.creds.clientKey;
    return this.h
      .http()
      .post('/snap/v1.0/access-token/b2b')
      .set('Content-Type', 'application/json')
      .set('X-CLIENT-KEY', clientKey)
      .set('X-TIMESTAMP', timestamp)
      .set('X-SIGNATURE', overrides.signature ?? signAccessTokenRequest(this.creds.privateKeyPem, clientKey, timestamp));
  }

  async token(): Promise<string> {
    const res = await this.tokenRequest().send({ grantType: 'client_credentials' });
    if (res.status !== 200) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
    this.accessToken = res.body.accessToken;
    return res.body.accessToken;
  }

  /**
   * A signed partner call. `rawBody` is sent byte for byte; overrides let a test break one thing.
   */
  async call(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    pathWithQuery: string,
    rawBody = '',
    o: CallOverrides & { token?: string; secret?: string } = {},
  ) {
    const token = o.token ?? this.accessToken ?? (await this.token());
    const timestamp = o.timestamp ?? this.timestamp();
    const signature =
      o.signature ?? signSymmetric(o.secret ?? this.creds.clientSecret, symmetricStringToSign(method, pathWithQuery, token, o.signedBody ?? rawBody, timestamp));
    return this.send(method, pathWithQuery, rawBody, { Authorization: `Bearer ${token}` }, timestamp, signature, o);
  }

  /** Sends a signed call: the caller's credential header, then the SNAP headers every call carries. */
  protected send(method: string, pathWithQuery: string, rawBody: string, credential: Record<string, string>, timestamp: string, signature: string, o: CallOverrides) {
    const headers: Record<string, string> = {
      ...credential,
      'X-TIMESTAMP': timestamp,
      'X-SIGNATURE': signature,
      'X-PARTNER-ID': o.partnerId ?? this.creds.partnerId,
      'X-EXTERNAL-ID': o.externalId ?? randomUUID().replaceAll('-', ''),
      'CHANNEL-ID': this.creds.channelId,
      ...(rawBody ? { 'Content-Type': 'application/json' } : {}),
      ...o.headers,
    };
    for (const h of o.omit ?? []) delete headers[h];
    let req = this.h.http()[method.toLowerCase() as 'get'](pathWithQuery);
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return rawBody ? req.send(rawBody) : req;
  }
}

/** A partner whose client signs asymmetrically (SNAP "type 2"): X-CLIENT-KEY and SHA256withRSA, no token. */
export class AsymmetricTestPartner extends TestPartner {
  static override async create(h: Harness, input: Parameters<typeof TestPartner.create>[1] = {}): Promise<AsymmetricTestPartner> {
    const created = await createBusiness(h.kartu, { name: 'Acme', rateLimitPerSecond: 100_000, ...input, signatureMode: 'asymmetric' });
    return new AsymmetricTestPartner(h, created as CreatedBusiness & { privateKeyPem: string });
  }

  /** Signed with the partner's private key over METHOD:path:sha256hex(minified body):timestamp; `rawBody` is sent byte for byte. */
  override async call(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', pathWithQuery: string, rawBody = '', o: CallOverrides = {}) {
    const timestamp = o.timestamp ?? this.timestamp();
    const signature = o.signature ?? signAsymmetric(this.creds.privateKeyPem, asymmetricStringToSign(method, pathWithQuery, o.signedBody ?? rawBody, timestamp));
    return this.send(method, pathWithQuery, rawBody, { 'X-CLIENT-KEY': this.creds.clientKey }, timestamp, signature, o);
  }
}

/** A card network calling /network/v1 with HMAC-SHA256 signatures, as a real network would. */
export class TestNetwork {
  constructor(
    private readonly h: Harness,
    readonly networkId: string,
    readonly secret: string,
  ) {}

  static async create(h: Harness, name = `net-${randomBytes(3).toString('hex')}`): Promise<TestNetwork> {
    const created = await createNetwork(h.kartu, name);
    return new TestNetwork(h, created.networkId, created.secret);
  }

  send(path: string, body: unknown, o: { timestamp?: string; signature?: string; rawBody?: string } = {}) {
    const raw = o.rawBody ?? JSON.stringify(body);
    const timestamp = o.timestamp ?? this.h.clock.now().toISOString();
    return this.h
      .http()
      .post(`/network/v1${path}`)
      .set('Content-Type', 'application/json')
      .set('X-Network-Id', this.networkId)
      .set('X-Timestamp', timestamp)
      .set('X-Signature', o.signature ?? networkSignature(this.secret, timestamp, raw))
      .send(raw);
  }
}
