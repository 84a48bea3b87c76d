import type { RequestHandler } from 'express';
import { z } from 'zod';
import type { Kartu } from '../../context';
import { FeatureNotAllowed, InvalidFieldFormat, MissingMandatoryField, Unauthorized } from '../../platform/errors';
import type { ApiRouter } from '../../platform/http';
import type { RateLimits } from '../../platform/rate-limit';
import { parseSnapTimestamp, withinSkew } from '../../platform/snap-time';
import { issueAccessToken } from './access.service';
import { signAccessTokenRequest, signSymmetric, symmetricStringToSign, tokenStringToSign } from './snap-signature';

const tokenRequest = z
  .strictObject({
    grantType: z.literal('client_credentials').optional(),
    // Accepted as an alias: widely used SNAP clients send snake_case.
    grant_type: z.literal('client_credentials').optional(),
    additionalInfo: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => b.grantType !== undefined || b.grant_type !== undefined, { path: ['grantType'], message: 'Required', params: { missing: true } });

const tokenHeaders = z.object({
  'X-CLIENT-KEY': z.string(),
  'X-TIMESTAMP': z.string().meta({ example: '2026-11-21T10:55:00+07:00' }),
  'X-SIGNATURE': z.string().meta({ description: 'base64(SHA256withRSA(privateKey, X-CLIENT-KEY + "|" + X-TIMESTAMP))' }),
});

const signatureAuthRequest = z.strictObject({
  clientKey: z.string().min(1).max(100),
  timestamp: z.string().min(1),
  privateKey: z.string().min(1).max(10_000).meta({ description: 'PKCS#8 or PKCS#1 PEM' }),
});

const signatureServiceRequest = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: z.string().startsWith('/').max(2000).meta({ example: '/snap/v1.0/balance-inquiry' }),
  accessToken: z.string().min(1),
  timestamp: z.string().min(1),
  clientSecret: z.string().min(1),
  body: z.union([z.string(), z.record(z.string(), z.unknown())]).optional().meta({ description: 'The body exactly as it will be sent (a string), or an object to serialise' }),
});

const signatureResponse = z.object({ signature: z.string(), stringToSign: z.string() });

export function accessRoutes(k: Kartu, snap: ApiRouter, limits: RateLimits): void {
  snap.route({
    method: 'post',
    path: '/access-token/b2b',
    operationId: 'createAccessToken',
    description:
      'Exchanges a SHA256withRSA signature of clientKey + "|" + X-TIMESTAMP for a B2B access token (15 minutes) used by every other partner call. 4017300 for a wrong signature or unknown client; 4007302 for a missing header; 4297300 when a client asks too often.',
    service: '73',
    tag: 'Access',
    summary: 'Get a B2B access token (SNAP service 73)',
    headers: tokenHeaders,
    body: tokenRequest,
    response: z.object({ accessToken: z.string(), tokenType: z.literal('Bearer'), expiresIn: z.string().meta({ example: '900' }) }),
    guards: [tokenHeadersGuard(k, limits)],
    handler: ({ req }) =>
      issueAccessToken(k, { clientKey: req.get('x-client-key')!, timestamp: req.get('x-timestamp')!, signature: req.get('x-signature')!, ip: req.ip }),
  });

  const sandbox = sandboxOnly(k);

  snap.route({
    method: 'post',
    path: '/utilities/signature-auth',
    operationId: 'computeAccessTokenSignature',
    description:
      'Computes the token request signature from a private key you paste, to check your own signing code against. Sandbox only (4030001 in production); never send a production key.',
    service: '00',
    tag: 'Sandbox utilities',
    summary: 'Compute the access-token signature for given inputs (sandbox only)',
    guards: [sandbox],
    body: signatureAuthRequest,
    response: signatureResponse,
    handler: ({ body }) => {
      if (!parseSnapTimestamp(body.timestamp)) throw new InvalidFieldFormat('timestamp', 'expected yyyy-MM-ddTHH:mm:ssTZD');
      let signature: string;
      try {
        signature = signAccessTokenRequest(body.privateKey, body.clientKey, body.timestamp);
      } catch {
        throw new InvalidFieldFormat('privateKey', 'not an RSA private key PEM');
      }
      return { signature, stringToSign: tokenStringToSign(body.clientKey, body.timestamp) };
    },
  });

  snap.route({
    method: 'post',
    path: '/utilities/signature-service',
    operationId: 'computeRequestSignature',
    description:
      'Computes the HMAC-SHA512 request signature and the string it signs from given inputs, to check your own signing code against. Sandbox only (4030001 in production).',
    service: '00',
    tag: 'Sandbox utilities',
    summary: 'Compute the HMAC-SHA512 transaction signature for given inputs (sandbox only)',
    guards: [sandbox],
    body: signatureServiceRequest,
    response: signatureResponse,
    handler: ({ body }) => {
      if (!parseSnapTimestamp(body.timestamp)) throw new InvalidFieldFormat('timestamp', 'expected yyyy-MM-ddTHH:mm:ssTZD');
      const raw = body.body === undefined ? '' : typeof body.body === 'string' ? body.body : JSON.stringify(body.body);
      const stringToSign = symmetricStringToSign(body.method, body.path, body.accessToken, raw, body.timestamp);
      return { signature: signSymmetric(body.clientSecret, stringToSign), stringToSign };
    },
  });
}

/** Sandbox-only endpoints answer 403xx01 in production, before anything else. */
export function sandboxOnly(k: Kartu): RequestHandler {
  return (_req, _res, next) => {
    if (k.config.env === 'production') throw new FeatureNotAllowed('Sandbox only');
    next();
  };
}

/** Header checks of the token endpoint: 4007302 missing, 4007301 malformed, 4017300 stale or throttled client. */
function tokenHeadersGuard(k: Kartu, limits: RateLimits): RequestHandler {
  return async (req, _res, next) => {
    for (const h of ['X-CLIENT-KEY', 'X-TIMESTAMP', 'X-SIGNATURE']) {
      if (!req.get(h)) throw new MissingMandatoryField(h);
    }
    const signedAt = parseSnapTimestamp(req.get('x-timestamp')!);
    if (!signedAt) throw new InvalidFieldFormat('X-TIMESTAMP', 'expected yyyy-MM-ddTHH:mm:ssTZD');
    if (req.get('x-client-key')!.length > 100) throw new InvalidFieldFormat('X-CLIENT-KEY');
    if (!withinSkew(signedAt, k.clock.now(), k.config.clockSkewSeconds)) {
      throw new Unauthorized(`X-TIMESTAMP is more than ${k.config.clockSkewSeconds} seconds from server time`);
    }
    await limits.consume(`token:${req.get('x-client-key')}`, k.config.rateLimitPerSecond);
    next();
  };
}
