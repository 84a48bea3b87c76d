import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { randomToken, sha256Hex } from '../../platform/crypto';
import { InvalidFieldFormat, InvalidToken, Unauthorized } from '../../platform/errors';
import { SUPPORTED_CURRENCIES } from '../../platform/money';
import { ApiClient, type SignatureMode } from './api-client.entity';
import { validateServices } from './client-settings';
import { recordCredentialUse } from './credential-use';
import { recordAudit, type AuditRecord } from './audit';
import { Business } from './business.entity';
import { openBusinessAccounts } from '../ledger/ledger.service';
import { Network } from './network.entity';
import { parseRsaPublicKey, verifyAccessTokenRequest } from './snap-signature';

export interface CreateBusinessInput {
  name: string;
  currency?: string;
  publicKeyPem?: string;
  ipAllowlist?: string[];
  rateLimitPerSecond?: number;
  signatureMode?: SignatureMode;
  /** SNAP service codes the client may call; absent or null: every service. */
  enabledServices?: string[] | null;
}

export interface CreatedBusiness {
  businessId: string;
  clientKey: string;
  clientSecret: string;
  partnerId: string;
  channelId: string;
  signatureMode: SignatureMode;
  enabledServices: string[] | null;
  /** Only when Kartu generated the key pair: shown once, never stored. */
  privateKeyPem?: string;
}

/** The partner behind a valid access token, as the SNAP middleware sees it. */
export interface PartnerCaller {
  clientId: string;
  businessId: string;
  partnerId: string;
  /** The current secret first; the previous one while its rotation overlap lasts. */
  secrets: string[];
  ipAllowlist: string[] | null;
  rateLimitPerSecond: number | null;
  signatureMode: SignatureMode;
  /** null: every service. */
  enabledServices: string[] | null;
}

export function validateCidrs(cidrs: string[]): string[] {
  return cidrs.map((c) => {
    const [addr, bits] = c.trim().split('/');
    const family = isIP(addr ?? '');
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > max) throw new Error(`not an IP address or CIDR: ${c}`);
    return `${addr}/${prefix}`;
  });
}

export function ipAllowed(allowlist: string[] | null, ip: string | undefined): boolean {
  if (!allowlist || allowlist.length === 0) return true;
  if (!ip) return false;
  const list = new BlockList();
  for (const cidr of allowlist) {
    const [addr, bits] = cidr.split('/');
    list.addSubnet(addr!, Number(bits), isIP(addr!) === 4 ? 'ipv4' : 'ipv6');
  }
  const plain = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  return list.check(plain, isIP(plain) === 4 ? 'ipv4' : 'ipv6');
}

/** The AES-GCM associated data binds a secret's ciphertext to its row, so ciphertexts cannot be swapped. */
const clientSecretAad = (clientKey: string) => `api_client:${clientKey}`;
export const networkSecretAad = (networkId: string) => `network:${networkId}`;

export async function createBusiness(k: Kartu, input: CreateBusinessInput): Promise<CreatedBusiness> {
  let publicKeyPem = input.publicKeyPem;
  let privateKeyPem: string | undefined;
  if (publicKeyPem) {
    publicKeyPem = parseRsaPublicKey(publicKeyPem).export({ type: 'spki', format: 'pem' }).toString();
  } else {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    publicKeyPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    privateKeyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  }
  const currency = input.currency ?? 'IDR';
  if (!SUPPORTED_CURRENCIES.includes(currency)) throw new InvalidFieldFormat('currency', `${currency} is not an ISO 4217 currency with minor units`);
  const ipAllowlist = input.ipAllowlist?.length ? validateCidrs(input.ipAllowlist) : null;
  const signatureMode = input.signatureMode ?? 'symmetric';
  const enabledServices = input.enabledServices ? validateServices(input.enabledServices) : null;
  const clientKey = `KRT-${randomBytes(12).toString('hex').toUpperCase()}`;
  const clientSecret = randomToken(32);
  const partnerId = randomBytes(8).toString('hex').toUpperCase();
  const channelId = '95221';
  return inTransaction(k.db, async (tx) => {
    const business = await tx.save(Business, tx.create(Business, { name: input.name, currency, timeZone: 'Asia/Jakarta', status: 'ACTIVE' }));
    const client = await tx.save(
      ApiClient,
      tx.create(ApiClient, {
        businessId: business.id,
        clientKey,
        partnerId,
        channelId,
        publicKeyPem,
        secretEnc: k.secrets.encrypt(clientSecret, clientSecretAad(clientKey)),
        ipAllowlist,
        rateLimitPerSecond: input.rateLimitPerSecond ?? null,
        signatureMode,
        enabledServices,
        status: 'ACTIVE',
      }),
    );
    await recordAudit(tx, {
      businessId: business.id,
      actorType: 'operator',
      action: 'business.created',
      targetType: 'business',
      targetId: business.id,
      details: { name: business.name, currency: business.currency, clientKey, generatedKeyPair: Boolean(privateKeyPem) },
    });
    await recordAudit(tx, {
      businessId: business.id,
      actorType: 'operator',
      action: 'api_client.created',
      targetType: 'api_client',
      targetId: client.id,
      details: { signatureMode, enabledServices },
    });
    await openBusinessAccounts(tx, business.id, business.currency);
    return { businessId: business.id, clientKey, clientSecret, partnerId, channelId, signatureMode, enabledServices, ...(privateKeyPem ? { privateKeyPem } : {}) };
  });
}

/** Who rotates a secret, for the audit entry: an operator (the CLI) unless an admin does it from the dashboard. */
export type RotationActor = Pick<AuditRecord, 'actorType' | 'actorId' | 'ip'>;

/** Issues a new client secret; the old one keeps verifying for `overlapSeconds`. */
export async function rotateClientSecret(k: Kartu, businessId: string, overlapSeconds = k.config.secretOverlapSeconds, actor: RotationActor = { actorType: 'operator' }) {
  return inTransaction(k.db, async (tx) => {
    const client = await tx.findOne(ApiClient, { where: { businessId }, order: { createdAt: 'ASC' }, lock: { mode: 'pessimistic_write' } });
    if (!client) throw new Error(`no API client for business ${businessId}`);
    const now = k.clock.now();
    const clientSecret = randomToken(32);
    const previousSecretValidUntil = new Date(now.getTime() + overlapSeconds * 1000);
    await tx.update(ApiClient, { id: client.id }, {
      previousSecretEnc: client.secretEnc,
      previousSecretExpiresAt: previousSecretValidUntil,
      secretEnc: k.secrets.encrypt(clientSecret, clientSecretAad(client.clientKey)),
      secretRotatedAt: now,
    });
    await recordAudit(tx, {
      businessId,
      ...actor,
      action: 'api_client.secret_rotated',
      targetType: 'api_client',
      targetId: client.id,
      details: { previousSecretValidUntil: previousSecretValidUntil.toISOString() },
    });
    return { clientKey: client.clientKey, clientSecret, previousSecretValidUntil: previousSecretValidUntil.toISOString() };
  });
}

export async function createNetwork(k: Kartu, name: string) {
  return inTransaction(k.db, async (tx) => {
    const secret = randomToken(32);
    const networkId = randomUUID();
    await tx.insert(Network, { id: networkId, name, secretEnc: k.secrets.encrypt(secret, networkSecretAad(networkId)), status: 'ACTIVE' });
    await recordAudit(tx, { businessId: null, actorType: 'operator', action: 'network.created', targetType: 'network', targetId: networkId, details: { name } });
    return { networkId, secret };
  });
}

const publicKeys = new Map<string, { pem: string; key: KeyObject }>();

/** Parsed public keys are cached per client: parsing a PEM per call costs ~8× the verify itself. */
function publicKeyOf(client: { id: string; publicKeyPem: string }): KeyObject {
  const cached = publicKeys.get(client.id);
  if (cached && cached.pem === client.publicKeyPem) return cached.key;
  const key = parseRsaPublicKey(client.publicKeyPem);
  publicKeys.set(client.id, { pem: client.publicKeyPem, key });
  return key;
}

/**
 * SNAP B2B token (service 73): verifies SHA256withRSA over `clientKey|timestamp` with the partner's
 * registered key and issues an opaque random token; only its SHA-256 is stored.
 */
export async function issueAccessToken(k: Kartu, input: { clientKey: string; timestamp: string; signature: string; ip?: string }) {
  const client = await k.db.getRepository(ApiClient).findOne({ where: { clientKey: input.clientKey } });
  // One answer for unknown client, disabled client and bad signature: nothing to probe.
  const signatureValid = client ? verifyAccessTokenRequest(publicKeyOf(client), input.clientKey, input.timestamp, input.signature) : false;
  if (!client || client.status !== 'ACTIVE' || !signatureValid) throw new Unauthorized('Signature or client is not valid');
  if (!ipAllowed(client.ipAllowlist, input.ip)) throw new Unauthorized('IP address not allowed');
  await recordCredentialUse(k, client.id, 'public_key');
  const accessToken = randomToken(32);
  const expiresAt = new Date(k.clock.now().getTime() + k.config.tokenTtlSeconds * 1000);
  await k.db.query('INSERT INTO access_tokens (token_hash, client_id, business_id, expires_at) VALUES ($1, $2, $3, $4)', [
    sha256Hex(accessToken),
    client.id,
    client.businessId,
    expiresAt,
  ]);
  return { accessToken, tokenType: 'Bearer' as const, expiresIn: String(k.config.tokenTtlSeconds) };
}

/** The columns of a client the partner guard needs, as one query selects them. */
const CALLER_COLUMNS = `c.id AS client_id, c.client_key, c.business_id, c.partner_id, c.secret_enc, c.previous_secret_enc,
            c.previous_secret_expires_at, c.ip_allowlist::text[] AS ip_allowlist, c.rate_limit_per_second,
            c.signature_mode, c.enabled_services, c.public_key_pem`;

interface CallerRow {
  client_id: string;
  client_key: string;
  business_id: string;
  partner_id: string;
  secret_enc: string;
  previous_secret_enc: string | null;
  previous_secret_expires_at: Date | null;
  ip_allowlist: string | string[] | null;
  rate_limit_per_second: number | null;
  signature_mode: SignatureMode;
  enabled_services: string[] | null;
  public_key_pem: string;
}

/** Symmetric callers get their secrets decrypted; asymmetric ones need none (their key is public). */
function callerOf(k: Kartu, row: CallerRow, now: Date): PartnerCaller {
  const secrets: string[] = [];
  if (row.signature_mode === 'symmetric') {
    const aad = clientSecretAad(row.client_key);
    secrets.push(k.secrets.decrypt(row.secret_enc, aad));
    if (row.previous_secret_enc && row.previous_secret_expires_at && row.previous_secret_expires_at > now) {
      secrets.push(k.secrets.decrypt(row.previous_secret_enc, aad));
    }
  }
  return {
    clientId: row.client_id,
    businessId: row.business_id,
    partnerId: row.partner_id,
    secrets,
    ipAllowlist: Array.isArray(row.ip_allowlist) ? row.ip_allowlist : null,
    rateLimitPerSecond: row.rate_limit_per_second,
    signatureMode: row.signature_mode,
    enabledServices: row.enabled_services,
  };
}

/** One query: the token's client, its secrets and limits. Unknown, expired or disabled → 401xx01. */
export async function resolveAccessToken(k: Kartu, accessToken: string): Promise<PartnerCaller> {
  const now = k.clock.now();
  const rows: CallerRow[] = await k.db.query(
    `SELECT ${CALLER_COLUMNS}
       FROM access_tokens t
       JOIN api_clients c ON c.id = t.client_id AND c.status = 'ACTIVE'
       JOIN businesses b ON b.id = c.business_id AND b.status = 'ACTIVE'
      WHERE t.token_hash = $1 AND t.expires_at > $2`,
    [sha256Hex(accessToken), now],
  );
  const row = rows[0];
  if (!row) throw new InvalidToken();
  return callerOf(k, row, now);
}

/**
 * One query, for an asymmetric call (no token): the client named by X-CLIENT-KEY and its parsed
 * public key (cached). Unknown or disabled client or business → 401xx00.
 */
export async function resolveClientKey(k: Kartu, clientKey: string): Promise<{ caller: PartnerCaller; publicKey: KeyObject }> {
  const rows: CallerRow[] = await k.db.query(
    `SELECT ${CALLER_COLUMNS}
       FROM api_clients c
       JOIN businesses b ON b.id = c.business_id AND b.status = 'ACTIVE'
      WHERE c.client_key = $1 AND c.status = 'ACTIVE'`,
    [clientKey],
  );
  const row = rows[0];
  if (!row) throw new Unauthorized('Unknown or disabled X-CLIENT-KEY');
  return { caller: callerOf(k, row, k.clock.now()), publicKey: publicKeyOf({ id: row.client_id, publicKeyPem: row.public_key_pem }) };
}

/**
 * After a master-key rotation (new KARTU_MASTER_KEY, old one in KARTU_PREVIOUS_MASTER_KEYS):
 * re-encrypts every client and network secret still under an older key. Idempotent.
 */
export async function rekeySecrets(k: Kartu): Promise<{ apiClients: number; networks: number }> {
  const active = k.secrets.activeKeyId;
  const stale = (envelope: string | null) => envelope !== null && k.secrets.keyIdOf(envelope) !== active;
  return inTransaction(k.db, async (tx) => {
    let apiClients = 0;
    for (const c of await tx.find(ApiClient, { lock: { mode: 'pessimistic_write' } })) {
      if (!stale(c.secretEnc) && !stale(c.previousSecretEnc)) continue;
      const aad = clientSecretAad(c.clientKey);
      await tx.update(ApiClient, { id: c.id }, {
        secretEnc: k.secrets.encrypt(k.secrets.decrypt(c.secretEnc, aad), aad),
        previousSecretEnc: c.previousSecretEnc ? k.secrets.encrypt(k.secrets.decrypt(c.previousSecretEnc, aad), aad) : null,
      });
      apiClients++;
    }
    let networks = 0;
    for (const n of await tx.find(Network, { lock: { mode: 'pessimistic_write' } })) {
      if (!stale(n.secretEnc)) continue;
      const aad = networkSecretAad(n.id);
      await tx.update(Network, { id: n.id }, { secretEnc: k.secrets.encrypt(k.secrets.decrypt(n.secretEnc, aad), aad) });
      networks++;
    }
    if (apiClients + networks > 0) {
      await recordAudit(tx, { businessId: null, actorType: 'operator', action: 'keys.secrets_rekeyed', details: { apiClients, networks, keyId: active } });
    }
    return { apiClients, networks };
  });
}
