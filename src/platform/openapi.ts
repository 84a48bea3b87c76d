import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import express, { type Router } from 'express';
import path from 'node:path';
import { z } from 'zod';
import { ERROR_FAMILIES, ISO_8583_CODES, type ErrorFamily, type ErrorFamilyName } from './error-catalogue';
import { errorCatalogue, errorCataloguePage } from './error-docs';
import type { RouteSpec } from './http';

const envelope = z.object({
  responseCode: z.string().regex(/^\d{7}$/).meta({ description: 'HTTP status (3) + service code (2) + case code (2)' }),
  responseMessage: z.string(),
});

/** An error answer: a validation error (400xx01, 400xx02) also names the field it is about. */
const errorEnvelope = envelope.extend({
  field: z.string().optional().meta({ description: 'On 400xx01 / 400xx02: the dotted path of the input the error is about, e.g. spendControls.spendingLimits.0.amount.value' }),
});

/** Which API a tag belongs to: the reference groups them (x-tagGroups) in this order. */
type TagGroup = 'Partner API' | 'Network API' | 'Admin API' | 'Operations';
const TAG_GROUPS: TagGroup[] = ['Partner API', 'Network API', 'Admin API', 'Operations'];

/** The declared tags, in the reference's order: the partner's, the networks', then the dashboard's. */
const TAGS: Array<{ name: string; group: TagGroup; description: string }> = [
  { name: 'Access', group: 'Partner API', description: 'B2B access tokens (SNAP service 73): every other partner call carries one.' },
  { name: 'Cardholders', group: 'Partner API', description: 'The people cards are issued to (service 94).' },
  { name: 'Cards', group: 'Partner API', description: 'Issue, list, update, activate and reveal cards, with their spend controls (services 90–93).' },
  { name: 'Spend policies', group: 'Partner API', description: 'Rules every authorization runs besides the card controls, versioned, with shadow mode and backtests (service 95).' },
  { name: 'Balances', group: 'Partner API', description: 'SNAP balance inquiry and transaction history of the business funding account (services 11–13).' },
  { name: 'Webhooks', group: 'Partner API', description: 'Webhook endpoints, their deliveries and the events they carry (service 97).' },
  { name: 'Rewards', group: 'Partner API', description: 'Points cardholders earn on purchases and their redemption as cashback (service 98).' },
  { name: 'Reports', group: 'Partner API', description: 'Spend reports and statements as CSV or PDF, generated in the background (service 99).' },
  { name: 'Sandbox simulation', group: 'Partner API', description: 'Sandbox only: purchases, top-ups and shipments as a network or a bank would make them (service 96).' },
  { name: 'Self-test', group: 'Partner API', description: 'Sandbox only: SNAP "Customer Testing". Start a run, make the calls its scenarios describe, and get a signed report; services whose scenarios all pass are ready for production (docs/self-test.md).' },
  { name: 'Sandbox utilities', group: 'Partner API', description: 'Sandbox only: compute the SNAP signatures for given inputs, to check your own signing code.' },
  { name: 'Network', group: 'Network API', description: 'For card networks: authorizations, reversals, clearings and refunds, answered with ISO 8583 response codes.' },
  { name: 'Admin', group: 'Admin API', description: 'Dashboard sessions: login, two-factor authentication, the business security policy and the audit log.' },
  { name: 'Admin cardholders', group: 'Admin API', description: 'The partner API cardholder operations, for the dashboard.' },
  { name: 'Admin cards', group: 'Admin API', description: 'The partner API card operations, plus limit usage and MCC groups, for the dashboard.' },
  { name: 'Admin spend policies', group: 'Admin API', description: 'The partner API policy operations, for the dashboard.' },
  { name: 'Admin webhooks', group: 'Admin API', description: 'The partner API webhook operations, for the dashboard.' },
  { name: 'Admin rewards', group: 'Admin API', description: "The partner API rewards operations (program, balances, history, redemption) and every cardholder's balance in one list, for the dashboard." },
  { name: 'Admin activity', group: 'Admin API', description: 'Balance, overview, authorizations and money movements of the business, for the dashboard.' },
  { name: 'Admin events', group: 'Admin API', description: 'The live event stream of the dashboard.' },
  { name: 'Admin developers', group: 'Admin API', description: "Owners: the partner's SNAP credentials, client-secret rotation, RSA public key, IP allowlist and rate limit, and the notification public key." },
  { name: 'Admin team', group: 'Admin API', description: "The business's admins and invitations: owners invite (a one-time link), change roles, disable accounts and reset 2FA; the invitation page's preview and accept need no session." },
  { name: 'Admin reports', group: 'Admin API', description: 'The partner API report operations, plus the spend overview, the monthly statements and the accounting export, for the dashboard.' },
  { name: 'Admin sandbox', group: 'Admin API', description: 'Sandbox only: test purchases and their lifecycle, top-ups and shipments from the dashboard.' },
  { name: 'Operations', group: 'Operations', description: 'For whoever runs Kartu: health, readiness, metrics, and this reference with its error catalogue.' },
];

/** A GET outside the API routers (health, metrics, the reference itself), documented under Operations. */
export interface OperationsRoute {
  path: string;
  operationId: string;
  summary: string;
  description: string;
  /** The answers by status: what each means, its media type and, for JSON, its schema. */
  responses: Record<number, { description: string; type: string; schema?: z.ZodType }>;
}

const errorCatalogueSchema = z.object({
  services: z.array(z.object({ code: z.string(), name: z.string() })),
  errors: z.array(
    z.object({ className: z.string(), responseCode: z.string().meta({ description: '`xx` stands for the service code' }), status: z.number().int(), caseCode: z.string(), title: z.string(), meaning: z.string(), fix: z.string() }),
  ),
  iso8583: z.array(z.object({ code: z.string(), meaning: z.string(), when: z.string(), fix: z.string() })),
});

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before sending the same request again', schema: { type: 'integer' as const } } };

/** A network decision's 200 lists the ISO 8583 codes it carries (91 is the 503's); a SNAP answer names its one code. */
function successDescription(status: number, spec: RouteSpec<z.ZodType, z.ZodType>): string {
  const iso = spec.unwrapped && spec.response instanceof z.ZodObject && 'responseCode' in spec.response.shape;
  if (!iso) return spec.unwrapped ? 'Accepted' : `Success (responseCode ${status}${spec.service}00)`;
  const codes = ISO_8583_CODES.filter((c) => c.code !== ERROR_FAMILIES.IssuerUnavailable.fixedCode);
  return `Decided: responseCode is an ISO 8583 code (the catalogue at /docs/errors says when and how to fix). ${codes.map((c) => `\`${c.code}\` ${c.meaning}`).join('; ')}.`;
}

/** The success envelope of one operation: its one responseCode, so no reader (or mock) invents another. */
function successEnvelope(responseCode: string) {
  return z.object({ responseCode: z.literal(responseCode), responseMessage: z.literal('Successful') });
}

/**
 * The error answers an operation documents, by status, made from the error table: those every
 * operation of its API can give (validation, the API's authentication, 5xx), those its shape
 * implies (a body: 413, 415; an id in the path: 404xx01; partnerReferenceNo: 409xx01; sandbox
 * only: 403xx01), and those its summary or description names (`403xx15`, `4017300`).
 */
export function documentedErrors(prefix: string, spec: Pick<RouteSpec<z.ZodType, z.ZodType>, 'security' | 'body' | 'query' | 'path' | 'tag' | 'summary' | 'description' | 'headers'>): ErrorFamilyName[] {
  const names = new Set<ErrorFamilyName>(['InvalidFieldFormat', 'GeneralError']);
  const network = prefix.startsWith('/network');
  const signedIn = (spec.security ?? []).length > 0;
  names.add(network ? 'IssuerUnavailable' : 'ServiceUnavailable');
  if (spec.body) ['BadRequest', 'MissingMandatoryField', 'PayloadTooLarge', 'UnsupportedMediaType'].forEach((n) => names.add(n as ErrorFamilyName));
  if (spec.query || spec.headers) names.add('MissingMandatoryField');
  if (network) ['MissingMandatoryField', 'Unauthorized'].forEach((n) => names.add(n as ErrorFamilyName));
  else if (signedIn && prefix.startsWith('/admin')) ['Unauthorized', 'FeatureNotAllowed'].forEach((n) => names.add(n as ErrorFamilyName));
  else if (signedIn) ['MissingMandatoryField', 'Unauthorized', 'InvalidToken', 'FeatureNotAllowed', 'Conflict', 'TooManyRequests'].forEach((n) => names.add(n as ErrorFamilyName));
  if (/sandbox/i.test(spec.tag)) names.add('FeatureNotAllowed');
  if (/:\w+/.test(spec.path)) names.add('NotFound');
  if (spec.body instanceof z.ZodObject && 'partnerReferenceNo' in spec.body.shape && spec.path.split('/').length === 2) names.add('DuplicateReference');
  for (const m of `${spec.summary} ${spec.description}`.matchAll(/\b([45]\d\d)(?:xx|\d\d)(\d\d)\b/g)) {
    for (const [name, f] of Object.entries(ERROR_FAMILIES) as Array<[ErrorFamilyName, ErrorFamily]>) {
      if (f.status === Number(m[1]) && f.caseCode === m[2] && !f.fixedCode) names.add(name);
    }
  }
  return (Object.keys(ERROR_FAMILIES) as ErrorFamilyName[]).filter((n) => names.has(n));
}

/** The answer's responseCode for a family on a service. */
function codeOf(family: ErrorFamily, service: string): string {
  return family.fixedCode ?? `${family.status}${service}${family.caseCode}`;
}

function errorResponses(prefix: string, spec: RouteSpec<z.ZodType, z.ZodType>): Record<number, ResponseConfig> {
  const byStatus = new Map<number, ErrorFamily[]>();
  for (const name of documentedErrors(prefix, spec)) {
    const f: ErrorFamily = ERROR_FAMILIES[name];
    byStatus.set(f.status, [...(byStatus.get(f.status) ?? []), f]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, families]) => {
      const codes = [...new Set(families.map((f) => codeOf(f, spec.service)))];
      const schema = z.object({
        responseCode: z.enum(codes as [string, ...string[]]).meta({ description: families[0]!.fixedCode === '91' ? 'ISO 8583 91: issuer unavailable' : 'HTTP status (3) + service code (2) + case code (2)' }),
        responseMessage: z.string(),
        ...(status === 400 ? { field: errorEnvelope.shape.field } : {}),
      });
      const examples = Object.fromEntries(
        families.map((f) => [
          `${codeOf(f, spec.service)}-${f.title.replace(/\W+/g, '-')}`.replace(/-+$/, ''),
          { summary: `${codeOf(f, spec.service)} ${f.title}`, value: { responseCode: codeOf(f, spec.service), responseMessage: f.title } },
        ]),
      );
      const description = families.map((f) => `\`${codeOf(f, spec.service)}\` ${f.title}: ${f.meaning} Fix: ${f.fix}`).join('\n\n');
      const response: ResponseConfig = {
        description,
        ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
        content: { 'application/json': { schema, examples } },
      };
      return [status, response];
    }),
  );
}

/**
 * The OpenAPI document, built from the same zod schemas the routes validate with: a route joins it
 * when it is registered (ApiRouter.route), so the document cannot drift from the code.
 */
export class ApiDocs {
  private readonly registry = new OpenAPIRegistry();
  private readonly operationIds = new Set<string>();
  /** The group of each tag in use, from the router its first operation came through. */
  private readonly tagsInUse = new Map<string, TagGroup>();

  constructor() {
    this.registry.registerComponent('securitySchemes', 'snapB2B', {
      type: 'http',
      scheme: 'bearer',
      description:
        'SNAP B2B access token from POST /snap/v1.0/access-token/b2b, plus X-TIMESTAMP, X-SIGNATURE (HMAC-SHA512), X-PARTNER-ID, X-EXTERNAL-ID and CHANNEL-ID headers. Timestamps must be within ±5 minutes.',
    });
    this.registry.registerComponent('securitySchemes', 'networkHmac', {
      type: 'apiKey',
      in: 'header',
      name: 'X-Signature',
      description:
        'Card networks sign every call: X-Network-Id (the network id Kartu issued), X-Timestamp (ISO 8601 with a time zone, within ±5 minutes) and X-Signature = base64(HMAC-SHA256(network secret, X-Timestamp + "." + raw body)).',
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
    if (!this.tagsInUse.has(spec.tag)) this.tagsInUse.set(spec.tag, prefix.startsWith('/admin') ? 'Admin API' : prefix.startsWith('/network') ? 'Network API' : 'Partner API');
    const params = [...spec.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const status = spec.successStatus ?? 200;
    this.registry.registerPath({
      method: spec.method,
      path: prefix + spec.path.replace(/:(\w+)/g, '{$1}'),
      summary: spec.summary,
      operationId: spec.operationId,
      description: spec.description,
      tags: [spec.tag],
      // Explicit on every operation: `[]` says a public one (the token endpoint, the sandbox utilities) needs no credentials.
      security: (spec.security ?? []).map((name) => ({ [name]: [] })),
      request: {
        params: params.length ? z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) : undefined,
        headers: spec.headers,
        query: spec.query instanceof z.ZodObject ? spec.query : undefined,
        body: spec.body ? { content: { 'application/json': { schema: spec.body } } } : undefined,
      },
      responses: {
        [status]: {
          description: successDescription(status, spec),
          content: spec.file
            ? Object.fromEntries(spec.file.map((type) => [type, { schema: z.string().meta({ format: 'binary' }) }]))
            : {
                'application/json': {
                  schema: spec.unwrapped && spec.response ? spec.response : successEnvelope(`${status}${spec.service}00`).extend(spec.response instanceof z.ZodObject ? spec.response.shape : {}),
                },
              },
        },
        ...errorResponses(prefix, spec),
        default: {
          description: `Any other error, e.g. \`405${spec.service}00\` ${ERROR_FAMILIES.MethodNotAllowed.title} for a method the path does not take: responseCode 4xx${spec.service}xx / 5xx${spec.service}xx with responseMessage (and field on a validation error)`,
          content: { 'application/json': { schema: errorEnvelope } },
        },
      },
    });
  }

  /** Documents an operations route (it answers as it is, without the SNAP envelope, and needs no credentials). */
  registerOperationsRoute(route: OperationsRoute): void {
    if (this.operationIds.has(route.operationId)) throw new Error(`duplicate operationId ${route.operationId} (GET ${route.path})`);
    this.operationIds.add(route.operationId);
    this.registry.registerPath({
      method: 'get',
      path: route.path,
      operationId: route.operationId,
      summary: route.summary,
      description: route.description,
      tags: ['Operations'],
      security: [],
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, r]) => [status, { description: r.description, content: { [r.type]: { schema: r.schema ?? z.string() } } }]),
      ),
    });
  }

  /** A webhook of the document: what Kartu POSTs to an endpoint subscribed to event `type` (events/event-payloads.ts). */
  registerWebhook(type: string, o: { when: string; envelope: z.ZodType }): void {
    this.registry.registerWebhook({
      method: 'post',
      path: type,
      operationId: `on${type.split(/[._]/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}`,
      summary: `${type} event`,
      description: `${o.when} Delivered to every enabled endpoint subscribed to it (\`*\`, \`${type.split('.')[0]}.*\` or \`${type}\`), signed with Kartu-Signature and the SNAP X-SIGNATURE (GET /snap/v1.0/notification-public-key); retried with backoff until a 2xx. Every event type: /docs/events.`,
      tags: ['Webhooks'],
      security: [],
      request: {
        headers: z.object({
          'Kartu-Signature': z.string().meta({ description: 't=<unix seconds>,v1=<hex HMAC-SHA256(endpoint secret, t + "." + body)>' }),
        }),
        body: { content: { 'application/json': { schema: o.envelope } } },
      },
      responses: { 200: { description: 'Any 2xx acknowledges the delivery; anything else (or no answer in time) is retried' } },
    });
    this.tagsInUse.set('Webhooks', 'Partner API');
  }

  document(): object {
    const generated = new OpenApiGeneratorV31(this.registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'Kartu API',
        version: '0.1.0',
        description:
          'Card issuance and spend control. Partner API follows Bank Indonesia SNAP: signed B2B tokens, HMAC-SHA512 request signatures, X-EXTERNAL-ID replay protection and 7-digit response codes. Every error code, its meaning and its fix: /docs/errors.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      servers: [
        {
          url: 'http://localhost:3000',
          description: 'Quick start (npm start). A deployment serves the same paths on its own origin: use that as your base URL.',
        },
      ],
    });
    const tags = this.declaredTags();
    return {
      ...generated,
      tags: tags.map(({ name, description }) => (description ? { name, description } : { name })),
      'x-tagGroups': TAG_GROUPS.map((name) => ({ name, tags: tags.filter((t) => t.group === name).map((t) => t.name) })).filter((g) => g.tags.length > 0),
    };
  }

  /** TAGS in their order, then any tag an operation uses that TAGS does not know (at the end of its group). */
  private declaredTags(): Array<{ name: string; group: TagGroup; description?: string }> {
    const known = new Set(TAGS.map((t) => t.name));
    const extra = [...this.tagsInUse].filter(([name]) => !known.has(name)).map(([name, group]) => ({ name, group }));
    return TAG_GROUPS.flatMap((group) => [...TAGS, ...extra].filter((t) => t.group === group));
  }

  /** `/openapi.json` and the interactive `/docs` (Swagger UI served from the installed package, CSP-safe). */
  router(): Router {
    const r = express.Router();
    this.registerOperationsRoute({
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      summary: 'This OpenAPI 3.1 document',
      description: 'The reference as data, built from the routes themselves: generate a client from it, or lint it (redocly lint).',
      responses: { 200: { description: 'The document', type: 'application/json', schema: z.object({ openapi: z.string() }).catchall(z.unknown()) } },
    });
    this.registerOperationsRoute({
      path: '/docs/errors.json',
      operationId: 'getErrorCatalogue',
      summary: 'Every responseCode Kartu answers, with meaning and fix (the page: /docs/errors)',
      description: 'The error catalogue as data: each error family (HTTP status, case code, meaning, how to fix), the SNAP service codes and the ISO 8583 codes of the network API.',
      responses: { 200: { description: 'The catalogue', type: 'application/json', schema: errorCatalogueSchema } },
    });
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
    // The error catalogue (docs/errors.md is the same, generated): every responseCode, meaning and fix.
    const errorsPage = errorCataloguePage();
    r.get('/docs/errors', (_req, res) => {
      res.type('html').send(errorsPage);
    });
    r.get('/docs/errors.json', (_req, res) => {
      res.json(errorCatalogue());
    });
    return r;
  }
}

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Kartu API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script></body></html>`;
