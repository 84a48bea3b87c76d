import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KartuApiError } from '../../sdk/src/index';
import { recordingFetch, sdkPartner, startSdkServer, type SdkServer } from './sdk-server';

/**
 * Retries that are safe because Kartu replays (contracts 1 and 2): an answer lost on the way back,
 * and a partnerReferenceNo used again. Needs the server side of safe retries (helper "retries").
 */
let s: SdkServer;
beforeAll(async () => {
  s = await startSdkServer();
});
afterAll(() => s?.close());

describe('SDK safe retries against Kartu replays', () => {
  it('a card issued whose answer was lost: the retry gets the same card (a replay), and there is one card', async () => {
    const replays: Array<string | null> = [];
    let dropped = false;
    const losesFirstAnswer: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/snap/v1.0/cards') && init?.method === 'POST') {
        replays.push(res.headers.get('x-idempotent-replay'));
        if (!dropped) {
          dropped = true;
          await res.arrayBuffer();
          throw new TypeError('fetch failed', { cause: new Error('socket hang up') });
        }
      }
      return res;
    };
    const log: Array<{ method: string; path: string; status?: number; externalId?: string }> = [];
    const { kartu, creds } = await sdkPartner(s, { fetch: recordingFetch(log, losesFirstAnswer) });
    const holderId = (await kartu.cardholders.create({ name: 'Siti', email: `siti.${randomUUID().slice(0, 8)}@example.com` })).cardholder.id;
    const partnerReferenceNo = `sdk-${randomUUID().slice(0, 12)}`;
    const card = await kartu.cards.issue({ partnerReferenceNo, cardholderId: holderId, type: 'VIRTUAL' });
    expect(card.responseCode).toBe('2009000');
    expect(replays).toEqual([null, 'true']);
    const attempts = log.filter((e) => e.path === '/snap/v1.0/cards');
    expect(new Set(attempts.map((e) => e.externalId)).size).toBe(1);
    const rows = await s.h.kartu.db.query('SELECT id FROM cards WHERE business_id = $1 AND partner_reference_no = $2', [creds.businessId, partnerReferenceNo]);
    expect(rows).toEqual([{ id: card.card.id }]);
  });

  it('a partnerReferenceNo used again (another day, another id) is 4099001 carrying the existing card; the list finds it', async () => {
    const { kartu } = await sdkPartner(s);
    const holderId = (await kartu.cardholders.create({ name: 'Siti', email: `siti.${randomUUID().slice(0, 8)}@example.com` })).cardholder.id;
    const partnerReferenceNo = `sdk-${randomUUID().slice(0, 12)}`;
    const first = await kartu.cards.issue({ partnerReferenceNo, cardholderId: holderId, type: 'VIRTUAL' });
    const again = await kartu.cards.issue({ partnerReferenceNo, cardholderId: holderId, type: 'VIRTUAL' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(KartuApiError);
    expect(again).toMatchObject({ status: 409, responseCode: '4099001' });
    expect(((again as KartuApiError).body.card as { id: string }).id).toBe(first.card.id);
    const found = await kartu.request<{ cards: Array<{ id: string }> }>('GET', '/snap/v1.0/cards', undefined, { query: { partnerReferenceNo } });
    expect(found.cards.map((c) => c.id)).toEqual([first.card.id]);
  });
});
