import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KartuApiError } from '../../sdk/src/index';
import { recordingFetch, sdkPartner, startSdkServer, type SdkServer } from './sdk-server';

/**
 * The SDK in asymmetric mode (SNAP "type 2", contract 4): X-CLIENT-KEY and SHA256withRSA on every
 * call, no token. Needs the server side of signature modes (helper "security").
 */
let s: SdkServer;
beforeAll(async () => {
  s = await startSdkServer();
});
afterAll(() => s?.close());

describe('SDK asymmetric signature mode', () => {
  it('calls without a token: reads and writes succeed and no token is ever requested', async () => {
    const log: Array<{ method: string; path: string; status?: number }> = [];
    const { kartu, creds } = await sdkPartner(s, { signatureMode: 'asymmetric', clientSecret: undefined, fetch: recordingFetch(log) });
    await s.h.kartu.db.query("UPDATE api_clients SET signature_mode = 'asymmetric' WHERE client_key = $1", [creds.clientKey]);
    const holder = await kartu.cardholders.create({ name: 'Siti', email: `siti.${randomUUID().slice(0, 8)}@example.com` });
    expect((await kartu.cardholders.get(holder.cardholder.id)).cardholder.id).toBe(holder.cardholder.id);
    expect((await kartu.balance.inquiry()).responseCode).toBe('2001100');
    expect((await kartu.cards.list({ pageSize: 5 })).responseCode).toMatch(/^200/);
    expect(log.map((e) => e.path)).not.toContain('/snap/v1.0/access-token/b2b');
    expect(log.every((e) => e.status === 200)).toBe(true);
  });

  it('a symmetric client refuses asymmetric calls (the mode is the client\'s, not the caller\'s choice)', async () => {
    const { kartu } = await sdkPartner(s, { signatureMode: 'asymmetric' });
    const err = await kartu.balance.inquiry().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KartuApiError);
    expect((err as KartuApiError).status).toBeGreaterThanOrEqual(400);
    expect((err as KartuApiError).status).toBeLessThan(500);
  });
});
