import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the test PostgreSQL, to break connections at chosen moments: `down()`
 * cuts every connection and refuses new ones until `up()`; `loseAnswerOf(marker)` lets the next
 * statement whose bytes carry `marker` (a prepared statement's name) reach the server and run, then
 * swallows the server's answer and cuts that connection — a COMMIT that reached the server whose
 * answer was lost.
 */
export class PgProxy {
  private refusing = false;
  private readonly pairs = new Set<{ client: Socket; server: Socket }>();
  private armed: { marker: string; swallowed: (bytes: Buffer) => void } | undefined;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(target: { host: string; port: number }): Promise<PgProxy> {
    let proxy!: PgProxy;
    const server = createServer((client) => proxy.accept(client, target));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = new PgProxy(server, (server.address() as { port: number }).port);
    return proxy;
  }

  /** The same database URL, through the proxy. */
  url(databaseUrl: string): string {
    const u = new URL(databaseUrl);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  down(): void {
    this.refusing = true;
    for (const p of this.pairs) this.cut(p);
  }

  up(): void {
    this.refusing = false;
  }

  /** Resolves with the server's swallowed answer once a statement carrying `marker` ran and its connection was cut. */
  loseAnswerOf(marker: string): Promise<Buffer> {
    return new Promise((resolve) => (this.armed = { marker, swallowed: resolve }));
  }

  async close(): Promise<void> {
    this.down();
    this.server.close();
    await once(this.server, 'close');
  }

  private accept(client: Socket, target: { host: string; port: number }): void {
    if (this.refusing) {
      client.destroy();
      return;
    }
    const server = connect(target.port, target.host);
    const pair = { client, server };
    this.pairs.add(pair);
    let marked: ((bytes: Buffer) => void) | undefined;
    client.on('data', (chunk: Buffer) => {
      if (this.armed && chunk.includes(this.armed.marker)) {
        marked = this.armed.swallowed;
        this.armed = undefined;
      }
      server.write(chunk);
    });
    server.on('data', (chunk: Buffer) => {
      if (marked) {
        marked(chunk);
        this.cut(pair);
        return;
      }
      client.write(chunk);
    });
    for (const s of [client, server]) {
      s.on('error', () => this.cut(pair));
      s.on('close', () => this.cut(pair));
    }
  }

  private cut(p: { client: Socket; server: Socket }): void {
    this.pairs.delete(p);
    p.client.destroy();
    p.server.destroy();
  }
}
