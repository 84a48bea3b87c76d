import { z } from 'zod';
import type { Kartu } from '../../context';
import { KartuError, ServiceUnavailable } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import { countNetworkAuthorization, networkMessages } from '../../platform/metrics';
import {
  authorizationRequest,
  authorizationResponse,
  clearingRequest,
  messageResponse,
  refundRequest,
  reversalRequest,
} from './authorizations.schemas';
import { authorize } from './authorize';
import { clear, refund, reverse } from './authorizations.service';
import { networkFailure, networkGuard } from './network-auth';

/** The responseCode an error answers on the network API (service 00); `5000000` for any other failure. */
function refusalCode(err: unknown): string {
  return err instanceof KartuError ? err.responseCode('00') : '5000000';
}

const networkHeaders = z.object({
  'X-Network-Id': z.string().meta({ description: 'From `kartu networks create`' }),
  'X-Timestamp': z.string().meta({ example: '2026-11-21T10:55:00Z', description: 'ISO-8601, within ±5 minutes' }),
  'X-Signature': z.string().meta({ description: 'base64(HMAC-SHA256(networkSecret, X-Timestamp + "." + rawBody))' }),
});

/** The card-network API (API.md §3): authorizations, reversals, clearings, refunds. */
export function networkRoutes(k: Kartu, r: ApiRouter): void {
  const guard = networkGuard(k);
  const common = { service: '00', tag: 'Network', headers: networkHeaders, guards: [guard], security: ['networkHmac'], unwrapped: true };
  /** The database unavailable answers as the networks hear it (networkFailure: 503, `91`). */
  const answering = <T>(answer: Promise<T>): Promise<T> =>
    answer.catch((err: unknown) => {
      throw networkFailure(err);
    });
  /** kartu_network_authorizations_total of what the express route answers. */
  const counted = <T extends { decision: string; responseCode: string }>(answer: Promise<T>): Promise<T> =>
    answer.then(
      (decided) => {
        countNetworkAuthorization(decided.decision, decided.responseCode);
        return decided;
      },
      (err: unknown) => {
        countNetworkAuthorization(err instanceof ServiceUnavailable ? 'unavailable' : 'refused', refusalCode(err));
        throw err;
      },
    );
  /** kartu_network_messages_total: reversals, clearings and refunds, accepted or refused. */
  const countedAs = <T>(message: 'reversal' | 'clearing' | 'refund', answer: Promise<T>): Promise<T> =>
    answer.then(
      (accepted) => {
        networkMessages.inc({ message, outcome: 'accepted' });
        return accepted;
      },
      (err: unknown) => {
        networkMessages.inc({ message, outcome: refusalCode(err) });
        throw err;
      },
    );
  r.route({
    ...common,
    method: 'post',
    path: '/authorizations',
    operationId: 'authorizePurchase',
    description:
      'A card network asks whether to approve a purchase; the answer carries an ISO 8583 responseCode (00, 10 partial, or a decline code). Idempotent on the message id. 401 for a bad signature; 503 with responseCode 91 when the issuer cannot decide now.',
    summary: 'Authorize a purchase (or an increment with originalId); durable before the answer leaves; the same id returns the first answer',
    body: authorizationRequest,
    response: authorizationResponse,
    // Counted as the fast path counts (authorization-fast-path.ts), which takes nearly all of them.
    handler: ({ req, body }) => counted(answering(authorize(k, req.networkId, body, req.rawBody))),
  });
  r.route({
    ...common,
    method: 'post',
    path: '/reversals',
    operationId: 'reverseAuthorization',
    description:
      'A card network releases all or part of a hold. Idempotent on the message id; an unknown authorization answers in the body, not as an HTTP error.',
    summary: 'Release all or part of an authorization hold',
    body: reversalRequest,
    response: messageResponse,
    handler: ({ req, body }) => countedAs('reversal', answering(reverse(k, req.networkId, body, req.rawBody))),
  });
  r.route({
    ...common,
    method: 'post',
    path: '/clearings',
    operationId: 'clearPurchase',
    description:
      'A card network posts a purchase to the ledger, against its authorization or forced. Idempotent on the message id.',
    summary: 'Post a purchase: against its authorization (partial, or over-capture within tolerance) or forced without one',
    body: clearingRequest,
    response: messageResponse,
    handler: ({ req, body }) => countedAs('clearing', answering(clear(k, req.networkId, body, req.rawBody))),
  });
  r.route({
    ...common,
    method: 'post',
    path: '/refunds',
    operationId: 'refundPurchase',
    description:
      "A card network credits a merchant refund to the card's funding account. Idempotent on the message id.",
    summary: "Credit a merchant refund to the card's funding account",
    body: refundRequest,
    response: messageResponse,
    handler: ({ req, body }) => countedAs('refund', answering(refund(k, req.networkId, body, req.rawBody))),
  });
}
