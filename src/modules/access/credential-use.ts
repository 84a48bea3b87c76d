import type { Kartu } from '../../context';

/** Which of a client's credentials verified a call: last-used times are kept per credential. */
export type Credential = 'secret' | 'previous_secret' | 'public_key';

const COLUMN: Record<Credential, string> = {
  secret: 'secret_last_used_at',
  previous_secret: 'previous_secret_last_used_at',
  public_key: 'public_key_last_used_at',
};

/** Last-used times are for credential hygiene ("is this key still in use?"): a minute is precise enough. */
const THROTTLE_MS = 60_000;

/** When this process last wrote each client+credential; per process, so each replica writes at most once a minute. */
const lastWritten = new Map<string, number>();

/**
 * Records that a credential verified a call (the client's and the credential's last-used time),
 * at most once a minute per client and credential, so the partner guard does not write on every
 * call. A failed write is logged and retried on the next call: it never fails the call.
 */
export async function recordCredentialUse(k: Kartu, clientId: string, credential: Credential): Promise<void> {
  const now = k.clock.now();
  const key = `${clientId}:${credential}`;
  const last = lastWritten.get(key);
  if (last !== undefined && Math.abs(now.getTime() - last) < THROTTLE_MS) return;
  lastWritten.set(key, now.getTime());
  try {
    await k.db.query(`UPDATE api_clients SET last_used_at = $2, ${COLUMN[credential]} = $2 WHERE id = $1`, [clientId, now]);
  } catch (err) {
    lastWritten.delete(key);
    k.logger.warn({ err, clientId, credential }, 'could not record when a credential was last used');
  }
}
