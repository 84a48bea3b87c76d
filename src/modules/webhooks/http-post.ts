import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { BlockedAddress, isPublicAddress, publicOnlyLookup, urlHost } from './ssrf';

/** How much of a receiver's answer is read (the rest is dropped) and how much of it is kept. */
export const RESPONSE_READ_LIMIT = 64 * 1024;
export const RESPONSE_EXCERPT_CHARS = 1000;

export interface PostResult {
  /** HTTP status, absent when no answer came (refused, timed out, blocked). */
  status?: number;
  /** The start of the answer's body, at most RESPONSE_EXCERPT_CHARS characters. */
  excerpt?: string;
  /** Why no usable answer came. */
  error?: string;
  latencyMs: number;
}

/**
 * POSTs one webhook body. Redirects are not followed (a 3xx is a failure); the whole exchange has
 * `timeoutMs`; at most RESPONSE_READ_LIMIT bytes of the answer are read. With `publicOnly`, a host
 * that is (or resolves to) a private, loopback or link-local address is refused before connecting.
 */
export function postWebhook(url: URL, body: string, headers: Record<string, string>, opts: { timeoutMs: number; publicOnly: boolean }): Promise<PostResult> {
  const started = process.hrtime.bigint();
  const latency = () => Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  return new Promise<PostResult>((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: Omit<PostResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...r, latencyMs: latency() });
    };
    const host = urlHost(url);
    // An IP literal skips DNS (and so the lookup guard): check it here.
    if (opts.publicOnly && isIP(host) && !isPublicAddress(host)) {
      finish({ error: new BlockedAddress(host, host).message });
      return;
    }
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)), 'User-Agent': 'Kartu-Webhooks/1.0', ...headers },
        agent: false,
        ...(opts.publicOnly ? { lookup: publicOnlyLookup } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        // NUL becomes U+FFFD as invalid UTF-8 does: PostgreSQL text cannot store it (the attempt would not be recorded).
        const done = () => finish({ status: res.statusCode, excerpt: Buffer.concat(chunks).toString('utf8').slice(0, RESPONSE_EXCERPT_CHARS).replaceAll('\u0000', '\uFFFD') });
        res.on('data', (chunk: Buffer) => {
          if (size >= RESPONSE_READ_LIMIT) return;
          chunks.push(chunk.subarray(0, RESPONSE_READ_LIMIT - size));
          size += chunk.length;
          if (size >= RESPONSE_READ_LIMIT) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', done);
        res.on('close', done);
      },
    );
    timer = setTimeout(() => {
      finish({ error: `no answer within ${opts.timeoutMs} ms` });
      req.destroy();
    }, opts.timeoutMs);
    req.on('error', (err) => finish({ error: err.message }));
    req.end(body);
  });
}
