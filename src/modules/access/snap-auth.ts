import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { InvalidFieldFormat, InvalidToken, MissingMandatoryField, Unauthorized } from '../../platform/errors';
import type { RateLimits } from '../../platform/rate-limit';
import { parseSnapTimestamp, withinSkew } from '../../platform/snap-time';
import { ipAllowed, resolveAccessToken, type PartnerCaller } from './access.service';
import './caller';
import { answerOnce } from './external-id';
import { symmetricStringToSign, verifySymmetric } from './snap-signature';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the SNAP guard on every verified partner call. */
    partner: PartnerCaller;
  }
}

/** The headers every transactional SNAP call carries, documented in OpenAPI from this schema. */
export const snapHeaders = z.object({
  'X-TIMESTAMP': z.string().meta({ example: '2026-11-21T10:55:00+07:00', description: 'Within ±5 minutes of Kartu\'s clock' }),
  'X-SIGNATURE': z.string().meta({ description: 'base64(HMAC-SHA512(clientSecret, METHOD:path:accessToken:sha256hex(minifiedBody):X-TIMESTAMP))' }),
  'X-PARTNER-ID': z.string().max(36),
  'X-EXTERNAL-ID': z.string().max(36).meta({ description: 'Unique per partner per Asia/Jakarta calendar day' }),
  'CHANNEL-ID': z.string().max(5),
});

const MANDATORY = ['authorization', 'x-timestamp', 'x-signature', 'x-partner-id', 'x-external-id', 'channel-id'] as const;
const DISPLAY: Record<string, string> = {
  authorization: 'Authorization',
  'x-timestamp': 'X-TIMESTAMP',
  'x-signature': 'X-SIGNATURE',
  'x-partner-id': 'X-PARTNER-ID',
  'x-external-id': 'X-EXTERNAL-ID',
  'channel-id': 'CHANNEL-ID',
};
const EXTERNAL_ID = /^[\x21-\x7e]{1,36}$/;

/**
 * Verifies a partner call, cheapest checks first: mandatory headers (400xx02) and their formats
 * (400xx01), the bearer token (401xx01), IP allowlist, rate limit (429xx00), X-PARTNER-ID, the
 * timestamp window and the HMAC-SHA512 signature over the raw body (401xx00), then reserves
 * X-EXTERNAL-ID for the Jakarta day or answers a retry of the same request with the answer kept for
 * it (external-id.ts), so a retry never repeats a side effect.
 */
export function snapPartnerGuard(k: Kartu, limits: RateLimits): RequestHandler {
  return async (req, res, next) => {
    for (const h of MANDATORY) {
      if (!req.get(h)) throw new MissingMandatoryField(DISPLAY[h]!);
    }
    const timestamp = req.get('x-timestamp')!;
    const signedAt = parseSnapTimestamp(timestamp);
    if (!signedAt) throw new InvalidFieldFormat('X-TIMESTAMP', 'expected yyyy-MM-ddTHH:mm:ssTZD');
    const partnerId = req.get('x-partner-id')!;
    if (partnerId.length > 36) throw new InvalidFieldFormat('X-PARTNER-ID', 'at most 36 characters');
    const externalId = req.get('x-external-id')!;
    if (!EXTERNAL_ID.test(externalId)) throw new InvalidFieldFormat('X-EXTERNAL-ID', 'at most 36 printable characters');
    if (req.get('channel-id')!.length > 5) throw new InvalidFieldFormat('CHANNEL-ID', 'at most 5 characters');

    const auth = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.get('authorization')!);
    if (!auth) throw new InvalidToken();
    const accessToken = auth[1]!;
    const caller = await resolveAccessToken(k, accessToken);
    if (!ipAllowed(caller.ipAllowlist, req.ip)) throw new Unauthorized('IP address not allowed');
    await limits.consume(`partner:${caller.clientId}`, caller.rateLimitPerSecond ?? k.config.rateLimitPerSecond);
    if (partnerId !== caller.partnerId) throw new Unauthorized('X-PARTNER-ID does not belong to this token');
    const now = k.clock.now();
    if (!withinSkew(signedAt, now, k.config.clockSkewSeconds)) {
      throw new Unauthorized(`X-TIMESTAMP is more than ${k.config.clockSkewSeconds} seconds from server time`);
    }
    const stringToSign = symmetricStringToSign(req.method, req.originalUrl, accessToken, req.rawBody, timestamp);
    if (!verifySymmetric(caller.secrets, stringToSign, req.get('x-signature')!)) throw new Unauthorized('Invalid signature');

    if (await answerOnce(k, req, res, caller.clientId, externalId, now)) return;
    req.partner = caller;
    req.caller = { businessId: caller.businessId, actorType: 'partner', actorId: caller.clientId, ip: req.ip };
    next();
  };
}
