import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { FeatureNotAllowed, InvalidFieldFormat, InvalidToken, MissingMandatoryField, Unauthorized } from '../../platform/errors';
import type { RateLimits } from '../../platform/rate-limit';
import { parseSnapTimestamp, withinSkew } from '../../platform/snap-time';
import { ipAllowed, resolveAccessToken, resolveClientKey, type PartnerCaller } from './access.service';
import './caller';
import { serviceEnabled } from './client-settings';
import { recordCredentialUse, type Credential } from './credential-use';
import { answerOnce } from './external-id';
import { asymmetricStringToSign, matchingSecret, symmetricStringToSign, verifyAsymmetric } from './snap-signature';

declare module 'express-serve-static-core' {
  interface Request {
    /** Set by the SNAP guard on every verified partner call. */
    partner: PartnerCaller;
  }
}

/** The headers every transactional SNAP call carries, documented in OpenAPI from this schema. */
export const snapHeaders = z.object({
  'X-TIMESTAMP': z.string().meta({ example: '2026-11-21T10:55:00+07:00', description: 'Within ±5 minutes of Kartu\'s clock' }),
  'X-SIGNATURE': z.string().meta({
    description:
      'Symmetric clients: base64(HMAC-SHA512(clientSecret, METHOD:path:accessToken:sha256hex(minifiedBody):X-TIMESTAMP)). ' +
      'Asymmetric clients: base64(SHA256withRSA(privateKey, METHOD:path:sha256hex(minifiedBody):X-TIMESTAMP))',
  }),
  'X-CLIENT-KEY': z.string().max(100).optional().meta({ description: 'Asymmetric clients only, instead of Authorization: names the client' }),
  'X-PARTNER-ID': z.string().max(36),
  'X-EXTERNAL-ID': z.string().max(36).meta({ description: 'Unique per partner per Asia/Jakarta calendar day' }),
  'CHANNEL-ID': z.string().max(5),
});

const MANDATORY = ['x-timestamp', 'x-signature', 'x-partner-id', 'x-external-id', 'channel-id'] as const;
const DISPLAY: Record<string, string> = {
  'x-timestamp': 'X-TIMESTAMP',
  'x-signature': 'X-SIGNATURE',
  'x-partner-id': 'X-PARTNER-ID',
  'x-external-id': 'X-EXTERNAL-ID',
  'channel-id': 'CHANNEL-ID',
};
const EXTERNAL_ID = /^[\x21-\x7e]{1,36}$/;
const SECRET_USED: Credential[] = ['secret', 'previous_secret'];

/**
 * Verifies a partner call, cheapest checks first: mandatory headers (400xx02) and their formats
 * (400xx01); the caller — a bearer token for a symmetric client (401xx01), X-CLIENT-KEY for an
 * asymmetric one (401xx00), each only in its client's mode (401xx00); IP allowlist, rate limit
 * (429xx00), X-PARTNER-ID, the timestamp window and the signature over the raw body (401xx00);
 * the client's enabled services (403xx01); then reserves X-EXTERNAL-ID for the Jakarta day or
 * answers a retry of the same request with the answer kept for it (external-id.ts), so a retry
 * never repeats a side effect.
 */
export function snapPartnerGuard(k: Kartu, limits: RateLimits): RequestHandler {
  return async (req, res, next) => {
    // Authorization names a symmetric caller, X-CLIENT-KEY an asymmetric one; with neither, the usual header is missing.
    const authorization = req.get('authorization');
    const clientKey = authorization ? undefined : req.get('x-client-key');
    if (!authorization && !clientKey) throw new MissingMandatoryField('Authorization');
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
    if (clientKey && clientKey.length > 100) throw new InvalidFieldFormat('X-CLIENT-KEY', 'at most 100 characters');

    let caller: PartnerCaller;
    let verify: (signature: string) => Credential | undefined;
    if (authorization) {
      const auth = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(authorization);
      if (!auth) throw new InvalidToken();
      const accessToken = auth[1]!;
      caller = await resolveAccessToken(k, accessToken);
      if (caller.signatureMode !== 'symmetric') {
        throw new Unauthorized('This client signs asymmetrically: send X-CLIENT-KEY and a SHA256withRSA X-SIGNATURE, without Authorization');
      }
      const stringToSign = symmetricStringToSign(req.method, req.originalUrl, accessToken, req.rawBody, timestamp);
      verify = (signature) => SECRET_USED[matchingSecret(caller.secrets, stringToSign, signature)];
    } else {
      const resolved = await resolveClientKey(k, clientKey!);
      caller = resolved.caller;
      if (caller.signatureMode !== 'asymmetric') {
        throw new Unauthorized('This client signs symmetrically: send Authorization: Bearer <B2B access token> and an HMAC-SHA512 X-SIGNATURE');
      }
      const stringToSign = asymmetricStringToSign(req.method, req.originalUrl, req.rawBody, timestamp);
      verify = (signature) => (verifyAsymmetric(resolved.publicKey, stringToSign, signature) ? 'public_key' : undefined);
    }
    if (!ipAllowed(caller.ipAllowlist, req.ip)) throw new Unauthorized('IP address not allowed');
    await limits.consume(`partner:${caller.clientId}`, caller.rateLimitPerSecond ?? k.config.rateLimitPerSecond);
    if (partnerId !== caller.partnerId) throw new Unauthorized(`X-PARTNER-ID does not belong to this ${authorization ? 'token' : 'client'}`);
    const now = k.clock.now();
    if (!withinSkew(signedAt, now, k.config.clockSkewSeconds)) {
      throw new Unauthorized(`X-TIMESTAMP is more than ${k.config.clockSkewSeconds} seconds from server time`);
    }
    const credential = verify(req.get('x-signature')!);
    if (!credential) throw new Unauthorized('Invalid signature');
    if (!serviceEnabled(caller.enabledServices, req.serviceCode)) {
      throw new FeatureNotAllowed(`Service ${req.serviceCode} is not enabled for this client`);
    }
    await recordCredentialUse(k, caller.clientId, credential);

    if (await answerOnce(k, req, res, caller.clientId, externalId, now)) return;
    req.partner = caller;
    req.caller = { businessId: caller.businessId, actorType: 'partner', actorId: caller.clientId, ip: req.ip };
    next();
  };
}
