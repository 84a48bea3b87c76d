import type { EntityManager } from 'typeorm';
import type { Kartu } from '../../context';
import { inTransaction } from '../../platform/db';
import { ApiClient, SIGNATURE_MODES, type SignatureMode } from './api-client.entity';
import { recordAudit } from './audit';

/**
 * The SNAP services a client can be given ("product activation"). The token service (73) and the
 * sandbox utilities (00) are always allowed and cannot be listed. The migration's CHECK holds the
 * same codes.
 */
export const SERVICES: Record<string, string> = {
  '11': 'balance inquiry',
  '12': 'transaction history list',
  '13': 'transaction history detail',
  '90': 'card issue',
  '91': 'card inquiry',
  '92': 'card update',
  '93': 'card reveal',
  '94': 'cardholder',
  '95': 'spend policy',
  '96': 'sandbox simulation',
  '97': 'webhook endpoints',
  '98': 'rewards',
  '99': 'reports',
};

const ALWAYS_ALLOWED = new Set(['00', '73']);

export function serviceEnabled(enabledServices: string[] | null, serviceCode: string): boolean {
  return enabledServices === null || ALWAYS_ALLOWED.has(serviceCode) || enabledServices.includes(serviceCode);
}

/** Known codes only, each once, sorted; throws naming the unknown ones. */
export function validateServices(codes: string[]): string[] {
  const list = [...new Set(codes.map((c) => c.trim()))].sort();
  if (list.length === 0) throw new Error('give at least one service code, or "all"');
  const always = list.filter((c) => ALWAYS_ALLOWED.has(c));
  if (always.length) throw new Error(`service ${always.join(', ')} is always allowed: list only ${Object.keys(SERVICES).join(', ')}`);
  const unknown = list.filter((c) => !(c in SERVICES));
  if (unknown.length) {
    throw new Error(`unknown service code ${unknown.join(', ')}: known codes are ${Object.entries(SERVICES).map(([c, name]) => `${c} (${name})`).join(', ')}`);
  }
  return list;
}

/** The CLI's `--services`: "all" (null: every service) or comma-separated codes. */
export function parseServices(text: string): string[] | null {
  return text.trim().toLowerCase() === 'all' ? null : validateServices(text.split(','));
}

async function lockedClient(tx: EntityManager, clientKey: string): Promise<ApiClient> {
  const client = await tx.findOne(ApiClient, { where: { clientKey }, lock: { mode: 'pessimistic_write' } });
  if (!client) throw new Error(`no API client with key ${clientKey}`);
  return client;
}

export async function setSignatureMode(k: Kartu, clientKey: string, mode: SignatureMode) {
  if (!SIGNATURE_MODES.includes(mode)) throw new Error(`signature mode must be one of ${SIGNATURE_MODES.join(', ')}`);
  return inTransaction(k.db, async (tx) => {
    const client = await lockedClient(tx, clientKey);
    await tx.update(ApiClient, { id: client.id }, { signatureMode: mode });
    await recordAudit(tx, {
      businessId: client.businessId,
      actorType: 'operator',
      action: 'api_client.signature_mode_set',
      targetType: 'api_client',
      targetId: client.id,
      details: { from: client.signatureMode, to: mode },
    });
    return { clientKey, signatureMode: mode, previousSignatureMode: client.signatureMode };
  });
}

export async function setEnabledServices(k: Kartu, clientKey: string, services: string[] | null) {
  const enabledServices = services === null ? null : validateServices(services);
  return inTransaction(k.db, async (tx) => {
    const client = await lockedClient(tx, clientKey);
    await tx.update(ApiClient, { id: client.id }, { enabledServices });
    await recordAudit(tx, {
      businessId: client.businessId,
      actorType: 'operator',
      action: 'api_client.services_set',
      targetType: 'api_client',
      targetId: client.id,
      details: { from: client.enabledServices, to: enabledServices },
    });
    return { clientKey, enabledServices };
  });
}

/** Ends every access token of the client at once (a leaked token, an offboarded integration); the next call with one is 401xx01. */
export async function revokeClientTokens(k: Kartu, clientKey: string) {
  return inTransaction(k.db, async (tx) => {
    const client = await lockedClient(tx, clientKey);
    const [, revokedTokens]: [unknown, number] = await tx.query('DELETE FROM access_tokens WHERE client_id = $1', [client.id]);
    await recordAudit(tx, {
      businessId: client.businessId,
      actorType: 'operator',
      action: 'api_client.tokens_revoked',
      targetType: 'api_client',
      targetId: client.id,
      details: { revokedTokens },
    });
    return { clientKey, revokedTokens };
  });
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A client's settings and last-used times, never a secret. */
export async function describeClient(k: Kartu, clientKey: string) {
  const c = await k.db.getRepository(ApiClient).findOneBy({ clientKey });
  if (!c) throw new Error(`no API client with key ${clientKey}`);
  const now = k.clock.now();
  const overlapping = c.previousSecretExpiresAt !== null && c.previousSecretExpiresAt > now;
  return {
    clientKey: c.clientKey,
    businessId: c.businessId,
    partnerId: c.partnerId,
    channelId: c.channelId,
    status: c.status,
    signatureMode: c.signatureMode,
    enabledServices: c.enabledServices ?? 'all',
    ipAllowlist: c.ipAllowlist ?? 'any',
    rateLimitPerSecond: c.rateLimitPerSecond ?? 'default',
    createdAt: c.createdAt.toISOString(),
    lastUsedAt: iso(c.lastUsedAt),
    secretLastUsedAt: iso(c.secretLastUsedAt),
    secretRotatedAt: iso(c.secretRotatedAt),
    previousSecretValidUntil: overlapping ? iso(c.previousSecretExpiresAt) : null,
    previousSecretLastUsedAt: iso(c.previousSecretLastUsedAt),
    publicKeyLastUsedAt: iso(c.publicKeyLastUsedAt),
  };
}
