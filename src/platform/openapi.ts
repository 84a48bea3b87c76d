import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import express, { type Router } from 'express';
import path from 'node:path';
import { z } from 'zod';
import type { RouteSpec } from './http';

const envelope = z.object({
  responseCode: z.string().regex(/^\d{7}$/).meta({ description: 'HTTP status (3) + service code (2) + case code (2)' }),
  responseMessage: z.string(),
});

/** An error answer: a validation error (400xx01, 400xx02) also names the field it is about. */
const errorEnvelope = envelope.extend({
  field: z.string().optional().meta({ description: 'On 400xx01 / 400xx02: the dotted path of the input the error is about, e.g. spendControls.spendingLimits.0.amount.value' }),
});

/** The network API's 503: ISO 8583 `91`, not a SNAP code (errors.ts IssuerUnavailable). */
const issuerUnavailable = z.object({
  responseCode: z.literal('91').meta({ description: 'ISO 8583 91: issuer unavailable' }),
  responseMessage: z.string(),
});

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before sending the same request again', schema: { type: 'integer' as const } } };

/**
 * The OpenAPI document, built from the same zod schemas the routes validate with: a route joins it
 * when it is registered (ApiRouter.route), so the document cannot drift from the code.
 */
export class ApiDocs {
  private readonly registry = new OpenAPIRegistry();
  private readonly operationIds = new Set<string>();

  constructor() {
    this.registry.registerComponent('securitySchemes', 'snapB2B', {
      type: 'http',
      scheme: 'bearer',
      description:
        'SNAP B2B access token from POST /snap/v1.0/access-token/b2b, plus X-TIMESTAMP, X-SIGNATURE (HMAC-SHA512), X-PARTNER-ID, X-EXTERNAL-ID and CHANNEL-ID headers. Timestamps must be within ±5 minutes.',
    });
    this.registry.registerComponent('securitySchemes', 'adminSession', {
      type: 'apiKey',
      in: 'cookie',
      name: 'kartu_session',
      description: 'Admin session cookie from POST /admin/v1/login',
    });
  }

  registerRoute<B extends z.ZodType, Q extends z.ZodType>(prefix: string, spec: RouteSpec<B, Q>): void {
    // Generated clients name their methods after these: two operations with one id would collide.
    if (this.operationIds.has(spec.operationId)) throw new Error(`duplicate operationId ${spec.operationId} (${spec.method.toUpperCase()} ${prefix}${spec.path})`);
    this.operationIds.add(spec.operationId);
    const params = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const status = spec.successStatus ?? 200;
    this.registry.registerPath({
      method: spec.method,
      path: prefix + spec.path.replace(/:(\w+)/g, '{$1}'),
      summary: spec.summary,
      operationId: spec.operationId,
      description: spec.description,
      tags: [spec.tag],
      security: spec.security?.map((name) => ({ [name]: [] })),
      request: {
        params: params.length ? z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) : undefined,
        headers: spec.headers,
        query: spec.query instanceof z.ZodObject ? spec.query : undefined,
        body: spec.body ? { content: { 'application/json': { schema: spec.body } } } : undefined,
      },
      responses: {
        [status]: {
          description: `Success (responseCode ${status}${spec.service}00)`,
          content: {
            'application/json': {
              schema: spec.unwrapped && spec.response ? spec.response : spec.response ? envelope.extend((spec.response as z.ZodObject).shape) : envelope,
            },
          },
        },
        503: spec.unwrapped
          ? {
              description:
                'Issuer unavailable: the database could not be reached. Nothing to repair: send the same id again after Retry-After — it gets the answer recorded for it, if any, or is decided then',
              headers: retryAfter,
              content: { 'application/json': { schema: issuerUnavailable } },
            }
          : {
              description: `Service unavailable (responseCode 503${spec.service}00): the database could not be reached; send the request again after Retry-After`,
              headers: retryAfter,
              content: { 'application/json': { schema: envelope } },
            },
        default: {
          description: `Error: responseCode 4xx${spec.service}xx / 5xx${spec.service}xx with responseMessage (and field on a validation error)`,
          content: { 'application/json': { schema: errorEnvelope } },
        },
      },
    });
  }

  document(): object {
    return new OpenApiGeneratorV31(this.registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'Kartu API',
        version: '0.1.0',
        description:
          'Card issuance and spend control. Partner API follows Bank Indonesia SNAP: signed B2B tokens, HMAC-SHA512 request signatures, X-EXTERNAL-ID replay protection and 7-digit response codes.',
      },
    });
  }

  /** `/openapi.json` and the interactive `/docs` (Swagger UI served from the installed package, CSP-safe). */
  router(): Router {
    const r = express.Router();
    let cached: object | undefined;
    r.get('/openapi.json', (_req, res) => {
      cached ??= this.document();
      res.json(cached);
    });
    const uiDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
    r.get('/docs', (_req, res) => {
      res.type('html').send(DOCS_PAGE);
    });
    r.get('/docs/init.js', (_req, res) => {
      res.type('application/javascript').send(
        "window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#ui', deepLinking: true });",
      );
    });
    r.use('/docs/assets', express.static(uiDir, { index: false, maxAge: '1h' }));
    return r;
  }
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kartu API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;
