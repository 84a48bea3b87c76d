import { createHash, createHmac, createPublicKey, timingSafeEqual, verify } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: { id: string; type: string; createdAt: string; data: Record<string, unknown> };
}

/**
 * A webhook receiver on 127.0.0.1 (node:http): records every request and answers with the status
 * `respond` picks (200 unless told otherwise).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  respond: (r: Received) => number = () => 200;
  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    let self: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const r: Received = { path: req.url ?? '', headers: req.headers, raw, body: JSON.parse(raw) };
        self!.received.push(r);
        const status = self!.respond(r);
        res.writeHead(status, { 'Content-Type': 'text/plain' }).end(status >= 300 ? `receiver says ${status}` : 'ok');
      });
    });
    self = new WebhookReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/hooks/kartu'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  ofEvent(eventId: string): Received[] {
    return this.received.filter((r) => r.body.id === eventId);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/**
 * Verifies `Kartu-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>` with node:crypto
 * alone, as a receiver following docs/webhooks.md would (not with Kartu's code).
 */
export function verifyKartuSignature(r: Received, secret: string): { ok: boolean; t: number } {
  const header = String(r.headers['kartu-signature'] ?? '');
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=') as [string, string]));
  const t = Number(parts.t);
  const expected = createHmac('sha256', secret).update(`${parts.t}.${r.raw}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return { ok: given.length === expected.length && timingSafeEqual(given, expected), t };
}

/**
 * Verifies SNAP's asymmetric X-SIGNATURE: base64(SHA256withRSA(POST:path:hex(sha256(minified body)):X-TIMESTAMP))
 * with the public key Kartu publishes, using node:crypto alone.
 */
export function verifySnapSignature(r: Received, publicKeyPem: string): boolean {
  // The body Kartu sends is already minified JSON; minify anyway as SNAP says, by reparsing.
  const minified = JSON.stringify(JSON.parse(r.raw));
  const hash = createHash('sha256').update(minified, 'utf8').digest('hex');
  const stringToSign = `POST:${r.path}:${hash}:${String(r.headers['x-timestamp'])}`;
  return verify('RSA-SHA256', Buffer.from(stringToSign, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(String(r.headers['x-signature']), 'base64'));
}
