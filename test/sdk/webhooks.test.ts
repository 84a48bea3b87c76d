import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEvent, verifyNotificationSignature, verifyWebhook, WebhookVerificationError } from '../../sdk/src/index';
import { notificationKey } from '../../src/modules/webhooks/notification-key';
import { deliveryHeaders, kartuSignature } from '../../src/modules/webhooks/signatures';
import { sdkPartner, startSdkServer, type SdkServer } from './sdk-server';

/** The SDK's webhook checks against what Kartu's delivery code signs (src/modules/webhooks/signatures.ts). */
let s: SdkServer;
let secret: string;
const body = JSON.stringify({ id: randomUUID(), type: 'card.created', createdAt: '2026-12-04T01:00:00.000Z', data: { card: { id: 'c1' } } });
const at = new Date('2026-12-04T01:00:00Z');
const t = at.getTime() / 1000;

beforeAll(async () => {
  s = await startSdkServer();
  const { kartu } = await sdkPartner(s);
  secret = (await kartu.webhooks.create({ url: 'https://example.com/hooks', eventTypes: ['*'] })).webhookEndpoint.secret;
});
afterAll(() => s?.close());

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err instanceof WebhookVerificationError ? err.reason : err;
  }
  return 'accepted';
};

describe('verifyWebhook (Kartu-Signature)', () => {
  it('accepts what Kartu signs and returns the typed event', () => {
    const event = verifyWebhook(body, kartuSignature(secret, t, body), secret, { now: at });
    expect(event.type).toBe('card.created');
    expect(isEvent(event, 'card.created') && event.data).toEqual({ card: { id: 'c1' } });
    // Raw bytes work the same; the tolerance is inclusive.
    expect(verifyWebhook(Buffer.from(body), kartuSignature(secret, t, body), secret, { now: new Date(at.getTime() + 300_000) }).id).toBe(event.id);
  });

  it('accepts a header with several v1 when one matches (a secret being rotated)', () => {
    const good = kartuSignature(secret, t, body).split(',')[1]!;
    expect(verifyWebhook(body, `t=${t},v1=${'0'.repeat(64)},${good}`, secret, { now: at }).type).toBe('card.created');
  });

  it('refuses a tampered body, another secret, a changed t, a stale or future t, and a malformed header', () => {
    const header = kartuSignature(secret, t, body);
    expect(refusal(() => verifyWebhook(body.replace('c1', 'c2'), header, secret, { now: at }))).toBe('signature');
    expect(refusal(() => verifyWebhook(body, header, 'whsec_other', { now: at }))).toBe('signature');
    expect(refusal(() => verifyWebhook(body, header.replace(`t=${t}`, `t=${t + 1}`), secret, { now: at }))).toBe('signature');
    expect(refusal(() => verifyWebhook(body, header, secret, { now: new Date(at.getTime() + 301_000) }))).toBe('stale');
    expect(refusal(() => verifyWebhook(body, header, secret, { now: new Date(at.getTime() - 301_000) }))).toBe('stale');
    expect(refusal(() => verifyWebhook(body, header, secret, { now: new Date(at.getTime() + 3_600_000), toleranceSeconds: 7200 }))).toBe('accepted');
    for (const bad of [undefined, '', `v1=${'a'.repeat(64)}`, `t=${t}`, `t=${t},v1=zz`, `t=abc,v1=${'a'.repeat(64)}`]) {
      expect(refusal(() => verifyWebhook(body, bad, secret, { now: at }))).toBe('malformed');
    }
  });
});

describe('verifyNotificationSignature (SNAP X-SIGNATURE with the notification key)', () => {
  it('accepts a delivery Kartu signs, with the public key served at /notification-public-key; refuses any change', async () => {
    const { kartu } = await sdkPartner(s);
    const { publicKey } = await kartu.webhooks.notificationPublicKey();
    const key = await notificationKey(s.h.kartu);
    const pathWithQuery = '/hooks/kartu?tenant=7';
    const headers = deliveryHeaders({ secret, notificationKey: key.privateKey, pathWithQuery, body, now: at });
    const input = { rawBody: body, pathWithQuery, timestamp: headers['X-TIMESTAMP']!, signature: headers['X-SIGNATURE']!, publicKey };
    expect(verifyNotificationSignature(input)).toBe(true);
    expect(verifyNotificationSignature({ ...input, rawBody: body.replace('c1', 'c2') })).toBe(false);
    expect(verifyNotificationSignature({ ...input, pathWithQuery: '/hooks/kartu' })).toBe(false);
    expect(verifyNotificationSignature({ ...input, timestamp: '2026-12-04T08:00:01+07:00' })).toBe(false);
    expect(verifyNotificationSignature({ ...input, signature: 'not base64!' })).toBe(false);
  });
});
