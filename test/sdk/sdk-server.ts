import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBusiness, type CreatedBusiness } from '../../src/modules/access/access.service';
import { Kartu, type KartuOptions } from '../../sdk/src/index';
import { startHarness, type Harness } from '../support/harness';

/** A harness behind a real listening HTTP server, for the SDK's fetch. */
export interface SdkServer {
  h: Harness;
  baseUrl: string;
  close(): Promise<void>;
}

export async function startSdkServer(env: Record<string, string> = {}): Promise<SdkServer> {
  const h = await startHarness(env);
  const server = http.createServer(h.app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    h,
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      h.app.adminStream.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await h.close();
    },
  };
}

export type PartnerBusiness = CreatedBusiness & { privateKeyPem: string };

/** A new business, and an SDK client with its credentials on the harness's clock. */
export async function sdkPartner(s: SdkServer, options: Partial<KartuOptions> = {}): Promise<{ kartu: Kartu; creds: PartnerBusiness }> {
  const creds = (await createBusiness(s.h.kartu, { name: `SDK ${Math.random().toString(36).slice(2, 6)}`, rateLimitPerSecond: 100_000 })) as PartnerBusiness;
  const kartu = new Kartu({
    baseUrl: s.baseUrl,
    clientKey: creds.clientKey,
    clientSecret: creds.clientSecret,
    privateKey: creds.privateKeyPem,
    partnerId: creds.partnerId,
    channelId: creds.channelId,
    now: () => s.h.clock.now(),
    retryBaseDelayMs: 1,
    ...options,
  });
  return { kartu, creds };
}

/** A fetch that records each request's method, path and answer status. */
export function recordingFetch(log: Array<{ method: string; path: string; status?: number; externalId?: string }>, inner: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const url = new URL(String(input));
    const headers = new Headers(init?.headers);
    const entry: (typeof log)[number] = { method: init?.method ?? 'GET', path: url.pathname + url.search, externalId: headers.get('x-external-id') ?? undefined };
    log.push(entry);
    const res = await inner(input, init);
    entry.status = res.status;
    return res;
  };
}
