import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Kartu } from '../../context';
import { PayloadTooLarge } from '../../platform/errors';
import { countNetworkAuthorization } from '../../platform/metrics';
import { BODY_LIMIT, BODY_LIMIT_BYTES, errorAnswer, observeRequest, parseJsonBody, requestIdOf } from '../../platform/http';
import { requestContext } from '../../platform/request-context';
import { formatSnapTimestamp } from '../../platform/snap-time';
import { parseInput } from '../../platform/validation';
import { authorize } from './authorize';
import { authorizationRequest } from './authorizations.schemas';
import { networkFailure, networkVerifier } from './network-auth';

export const AUTHORIZATIONS_PATH = '/network/v1/authorizations';

/**
 * `POST /network/v1/authorizations` straight on node:http, before express: the hot path. It does
 * what the express route (network.routes.ts, kept for the API reference and anything this does not
 * take) does, in the same order and with the same pieces — request id and X-TIMESTAMP, the security
 * headers, the body (1 MB, JSON, storable text), the network signature, the zod schema,
 * `authorize`, errors through `errorAnswer`, metrics and the access log through `observeRequest` —
 * without express's per-request machinery, which cost more than the authorization itself (see
 * bench/RESULTS.md). Returns false, touching nothing, for any other request.
 */
export function authorizationFastPath(k: Kartu, securityHeaders: Array<[string, string]>): (req: IncomingMessage, res: ServerResponse) => boolean {
  const verify = networkVerifier(k);
  // Handed to writeHead as one flat [name, value, …] list: no setHeader (and its checks) per header.
  const fixedHeaders = securityHeaders.flat();
  return (req, res) => {
    if (req.method !== 'POST' || req.url !== AUTHORIZATIONS_PATH) return false;
    const started = process.hrtime.bigint();
    const requestId = requestIdOf(header(req, 'x-request-id'));
    const answer = (status: number, body: object, responseCode: string, extra: Record<string, string> = {}) => {
      const json = JSON.stringify(body);
      res.writeHead(status, [
        ...fixedHeaders,
        ...Object.entries(extra).flat(),
        'X-Request-Id',
        requestId,
        'X-TIMESTAMP',
        formatSnapTimestamp(k.clock.now()),
        'Content-Type',
        'application/json; charset=utf-8',
        'Content-Length',
        String(Buffer.byteLength(json)),
      ]);
      res.end(json);
      observeRequest(k.logger, { method: 'POST', path: AUTHORIZATIONS_PATH, route: AUTHORIZATIONS_PATH, status, responseCode, requestId, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    };
    const fail = (err: unknown) => {
      // In the request's log context, so a 5xx's log line carries the id its answer quotes.
      const a = requestContext.run({ requestId }, () => errorAnswer(networkFailure(err), { serviceCode: '00', requestId, path: AUTHORIZATIONS_PATH, logger: k.logger }));
      countNetworkAuthorization(a.status === 503 ? 'unavailable' : 'refused', a.body.responseCode);
      answer(a.status, a.body, a.body.responseCode, a.headers);
    };
    readBody(req)
      .then(async (raw) => {
        const parsed = parseJsonBody(raw, header(req, 'content-type'));
        const networkId = await verify((name) => header(req, name), raw);
        const body = parseInput(authorizationRequest, parsed ?? {});
        const decided = await authorize(k, networkId, body, raw);
        countNetworkAuthorization(decided.decision, decided.responseCode);
        answer(200, decided, '');
      })
      .catch(fail);
    return true;
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/** The body, refused past BODY_LIMIT_BYTES (announced or sent) without reading the rest. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const announced = Number(req.headers['content-length'] ?? 0);
    if (announced > BODY_LIMIT_BYTES) {
      req.resume();
      return reject(new PayloadTooLarge(BODY_LIMIT));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new PayloadTooLarge(BODY_LIMIT));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}
