import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import type { Kartu } from '../../context';
import { jakartaDay } from '../../platform/clock';
import { Conflict, ServiceUnavailable } from '../../platform/errors';
import { errorAnswer, sendSnap } from '../../platform/http';

interface Kept {
  request_sha256: string | null;
  status: number | null;
  body: object | null;
}

/** What the X-EXTERNAL-ID stands for: SHA-256 of method, path with query and the raw body, byte for byte. */
function requestSha256(req: Request): string {
  return createHash('sha256').update(`${req.method}\n${req.originalUrl}\n`).update(req.rawBody).digest('hex');
}

/**
 * Reserves X-EXTERNAL-ID for the partner's Jakarta day, or answers for it. The first request goes
 * on (returns false) and its answer is written to `external_ids` before it is sent (a failed write
 * answers 503 and releases the id, so the partner can retry); a 5xx answer is not kept and releases
 * the id (its transaction rolled back). The same request again gets that answer with
 * `X-Idempotent-Replay: true` (returns true); another request with the id, or one while the first
 * is still in flight, is 409xx00.
 */
export async function answerOnce(k: Kartu, req: Request, res: Response, clientId: string, externalId: string, now: Date): Promise<boolean> {
  const day = jakartaDay(now);
  const sha256 = requestSha256(req);
  const key = [clientId, day, externalId];
  const reserved: unknown[] = await k.db.query(
    `INSERT INTO external_ids (client_id, day, external_id, method, path, request_sha256) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT DO NOTHING RETURNING 1`,
    [...key, req.method, req.path, sha256],
  );
  if (reserved.length === 0) {
    replay(res, await kept(k, key), sha256);
    return true;
  }

  const release = () => k.db.query('DELETE FROM external_ids WHERE client_id = $1 AND day = $2 AND external_id = $3', key);
  const record = (body: unknown) =>
    k.db.query('UPDATE external_ids SET status = $4, body = $5::jsonb WHERE client_id = $1 AND day = $2 AND external_id = $3', [
      ...key,
      res.statusCode,
      body === null ? null : JSON.stringify(body),
    ]);
  const send = res.json.bind(res);
  let settled = false;
  res.json = (body: unknown) => {
    res.json = send;
    settled = true;
    if (res.statusCode >= 500) {
      void release()
        .catch((err: unknown) => k.logger.warn({ err }, 'could not release X-EXTERNAL-ID after a failed call'))
        .finally(() => send(body));
      return res;
    }
    // An answer with a secret or a card number (RouteSpec.secretInAnswer: a reveal, a webhook
    // endpoint's secret) is not kept: it would be a second copy outside its vault. Its retry with the
    // same id answers 409xx00; the partner sends it again with a new id.
    record(res.locals.secretInAnswer === true ? null : body).then(
      () => send(body),
      (err: unknown) => {
        k.logger.warn({ err }, 'could not keep the answer to an X-EXTERNAL-ID');
        // Released before the 503 leaves, so the partner's retry is not refused as in flight.
        void release()
          .catch((e: unknown) => k.logger.warn({ err: e }, 'could not release X-EXTERNAL-ID'))
          .finally(() => {
            const answer = errorAnswer(new ServiceUnavailable(), { serviceCode: req.serviceCode, requestId: req.requestId, path: req.path, logger: k.logger });
            for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
            sendSnap(res, answer.status, answer.body.responseCode, answer.body.responseMessage);
          });
      },
    );
    return res;
  };
  // An answer not sent through res.json (a file download) is recorded as answered but not replayed.
  res.on('finish', () => {
    if (settled) return;
    const done = res.statusCode >= 500 ? release() : record(null);
    done.catch((err: unknown) => k.logger.warn({ err }, 'could not settle X-EXTERNAL-ID after its answer'));
  });
  return false;
}

async function kept(k: Kartu, key: string[]): Promise<Kept | undefined> {
  const [row]: Kept[] = await k.db.query(
    'SELECT request_sha256, status, body FROM external_ids WHERE client_id = $1 AND day = $2 AND external_id = $3',
    key,
  );
  return row;
}

function replay(res: Response, row: Kept | undefined, sha256: string): void {
  // Released between our insert and this read (the first failed with a 5xx): the partner may retry.
  if (!row) throw new Conflict('Conflict. X-EXTERNAL-ID was already used today; its first request failed, send it again');
  if (row.request_sha256 !== sha256) throw new Conflict('Conflict. X-EXTERNAL-ID was already used today for another request');
  if (row.status === null) throw new Conflict('Conflict. The first request with this X-EXTERNAL-ID is still in flight');
  if (row.body === null) throw new Conflict('Conflict. X-EXTERNAL-ID was already used today; this answer is not kept, use a new X-EXTERNAL-ID');
  res.setHeader('X-Idempotent-Replay', 'true');
  const body = row.body as { responseCode?: unknown };
  res.locals.responseCode = String(body.responseCode ?? '');
  res.status(row.status).json(body);
}
