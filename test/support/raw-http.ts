import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KartuApp } from '../../src/app';

/** An answer as received: status, headers and the body's bytes (nothing parsed or coerced). */
export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Kartu's request listener on a loopback port, and a client that sends exactly the given bytes and
 * headers (supertest would add a Content-Type to a body sent without one). One kept-alive agent.
 */
export async function rawServer(app: KartuApp): Promise<{ send(method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<RawAnswer>; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  return {
    send: (method, path, headers, body) =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path, agent, headers: { ...headers, 'Content-Length': String(body.length) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      }),
    async close() {
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
