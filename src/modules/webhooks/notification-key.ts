import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Kartu } from '../../context';

const PURPOSE = 'notification';
const aad = (purpose: string) => `signing-key:${purpose}`;

export interface NotificationKey {
  privateKey: KeyObject;
  publicKeyPem: string;
}

/** One load per database per process; the key never changes once created. */
const cache = new WeakMap<DataSource, Promise<NotificationKey>>();

/**
 * Kartu's notification key pair (RSA 2048), which signs the SNAP-style X-SIGNATURE of webhook
 * deliveries. Created on first use and kept in PostgreSQL (signing_keys), the private half
 * encrypted with the master key, so every api and worker process shares it and it survives
 * restarts; `kartu keys rotate` re-encrypts it with the rest. Two processes creating it at once
 * agree on the first one written.
 */
export function notificationKey(k: Kartu): Promise<NotificationKey> {
  let key = cache.get(k.db);
  if (!key) {
    key = loadOrCreate(k);
    cache.set(k.db, key);
    key.catch(() => cache.delete(k.db));
  }
  return key;
}

async function loadOrCreate(k: Kartu): Promise<NotificationKey> {
  const select = () => k.db.query('SELECT private_key_enc, public_key_pem FROM signing_keys WHERE purpose = $1', [PURPOSE]);
  let [row] = await select();
  if (!row) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await k.db.query(
      'INSERT INTO signing_keys (purpose, private_key_enc, public_key_pem, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (purpose) DO NOTHING',
      [PURPOSE, k.secrets.encrypt(privatePem, aad(PURPOSE)), publicPem, k.clock.now()],
    );
    [row] = await select();
  }
  return { privateKey: createPrivateKey(k.secrets.decrypt(row.private_key_enc, aad(PURPOSE))), publicKeyPem: row.public_key_pem };
}

/** Re-encrypts the signing keys and webhook secrets under the active master key (`kartu keys rotate`). */
export async function rekeyWebhookSecrets(k: Kartu): Promise<{ webhookEndpoints: number; signingKeys: number }> {
  const active = k.secrets.activeKeyId;
  let webhookEndpoints = 0;
  let signingKeys = 0;
  await k.db.transaction(async (tx) => {
    for (const r of await tx.query('SELECT id, secret_enc FROM webhook_endpoints FOR UPDATE')) {
      if (k.secrets.keyIdOf(r.secret_enc) === active) continue;
      const a = webhookSecretAad(r.id);
      await tx.query('UPDATE webhook_endpoints SET secret_enc = $2 WHERE id = $1', [r.id, k.secrets.encrypt(k.secrets.decrypt(r.secret_enc, a), a)]);
      webhookEndpoints++;
    }
    for (const r of await tx.query('SELECT purpose, private_key_enc FROM signing_keys FOR UPDATE')) {
      if (k.secrets.keyIdOf(r.private_key_enc) === active) continue;
      const a = aad(r.purpose);
      await tx.query('UPDATE signing_keys SET private_key_enc = $2 WHERE purpose = $1', [r.purpose, k.secrets.encrypt(k.secrets.decrypt(r.private_key_enc, a), a)]);
      signingKeys++;
    }
  });
  return { webhookEndpoints, signingKeys };
}

/** Associated data binding an encrypted webhook secret to its endpoint (a swapped ciphertext does not decrypt). */
export const webhookSecretAad = (endpointId: string) => `webhook-endpoint:${endpointId}`;
