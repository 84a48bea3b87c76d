import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import type { Clock } from './clock';
import { databaseUnavailable } from './db';
import {
  BadRequest,
  DuplicateReference,
  FieldError,
  GeneralError,
  InvalidFieldFormat,
  KartuError,
  MethodNotAllowed,
  PayloadTooLarge,
  RouteNotFound,
  ServiceUnavailable,
  TooManyRequests,
  UnsupportedMediaType,
} from './errors';
import type { Logger } from './logger';
import { httpDuration, httpRequests } from './metrics';
import type { ApiDocs } from './openapi';
import { requestContext } from './request-context';
import { formatSnapTimestamp } from './snap-time';
import { parseInput } from './validation';

export const BODY_LIMIT = '1mb';
export const BODY_LIMIT_BYTES = 1024 * 1024;
/** How deep a request body may nest objects and arrays, the body itself being level 1 (parseJsonBody). */
export const MAX_JSON_DEPTH = 32;
const NO_BODY = z.strictObject({});

declare module 'express-serve-static-core' {
  interface Request {
    /** The body exactly as received (signatures are computed over it), empty when there was none. */
    rawBody: Buffer;
    requestId: string;
    /** The SNAP service code of the matched route ("00" until one matches). */
    serviceCode: string;
  }
}

/** A well-formed X-Request-Id, or a new id. */
export function requestIdOf(given: string | undefined): string {
  return given && /^[A-Za-z0-9._-]{8,64}$/.test(given) ? given : randomUUID();
}

/** The metrics and the access-log line of one answered request (every path answers through here). */
export function observeRequest(
  logger: Logger,
  r: { method: string; path: string; route: string; status: number; responseCode: string; requestId: string; seconds: number },
): void {
  httpRequests.inc({ method: r.method, route: r.route, status: String(r.status), response_code: r.responseCode });
  httpDuration.observe({ method: r.method, route: r.route, status: String(r.status) }, r.seconds);
  requestContext.run({ requestId: r.requestId }, () =>
    logger.info({ method: r.method, path: r.path, status: r.status, responseCode: r.responseCode, ms: Math.round(r.seconds * 1e6) / 1e3 }, 'request'),
  );
}

/** An invitation link's path carries its token (a credential): the access log keeps the page, not the token. */
export function loggedPath(path: string): string {
  return path.replace(/^(\/dashboard\/invitations\/)[^/]+/, '$1[REDACTED]');
}

/** Request id (from a well-formed X-Request-Id or new), the log context, X-TIMESTAMP, access log and metrics. */
export function requestLifecycle(logger: Logger, clock: Clock): RequestHandler {
  return (req, res, next) => {
    req.requestId = requestIdOf(req.get('x-request-id'));
    req.serviceCode = '00';
    req.rawBody = Buffer.alloc(0);
    res.setHeader('X-Request-Id', req.requestId);
    res.setHeader('X-TIMESTAMP', formatSnapTimestamp(clock.now()));
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      observeRequest(logger, {
        method: req.method,
        path: loggedPath(req.originalUrl.split('?')[0]!),
        // Recorded when the route matched: by now an error leaving a module router has reset req.baseUrl.
        route: typeof res.locals.route === 'string' ? res.locals.route : req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched',
        status: res.statusCode,
        responseCode: String(res.locals.responseCode ?? ''),
        requestId: req.requestId,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
      });
    });
    requestContext.run({ requestId: req.requestId }, next);
  };
}

const readRaw = express.raw({ type: () => true, limit: BODY_LIMIT });

/** NUL and unpaired UTF-16 surrogates: valid JSON, but PostgreSQL stores neither in text or jsonb. */
const UNSTORABLE = /\u0000|\p{Cs}/u;

/**
 * The path of the first key or string in a parsed body that PostgreSQL cannot store, if any. It
 * recurses: only for bodies parseJsonBody has checked to be at most MAX_JSON_DEPTH deep.
 */
export function unstorableText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path || 'body' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, v] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (UNSTORABLE.test(key)) return at;
    const bad = unstorableText(v, at);
    if (bad) return bad;
  }
  return undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

/**
 * The offset of the first `{` or `[` (outside strings) that opens level `max + 1`, or -1: one pass
 * over the bytes, no recursion, no allocation. UTF-8 never uses these bytes inside a multi-byte
 * character, so the raw bytes can be scanned as they are. Malformed text is JSON.parse's to refuse.
 */
export function nestingBeyond(raw: Buffer, max = MAX_JSON_DEPTH): number {
  let depth = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === QUOTE) {
      for (i++; i < raw.length && raw[i] !== QUOTE; i++) if (raw[i] === BACKSLASH) i++;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > max) return i;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
  }
  return -1;
}

/**
 * Where in the body offset `end` lies, as the path of keys and indexes of the containers open
 * there (`card.a.a…`, its first segments). For the error message only: it runs once the body is
 * refused, over at most MAX_JSON_DEPTH open containers.
 */
function pathAt(raw: Buffer, end: number): string {
  const open: Array<{ object: boolean; key: string | number; expectKey: boolean }> = [];
  for (let i = 0; i < end; i++) {
    const c = raw[i]!;
    if (c === QUOTE) {
      const start = i;
      for (i++; i < end && raw[i] !== QUOTE; i++) if (raw[i] === BACKSLASH) i++;
      const top = open.at(-1);
      if (top?.object && top.expectKey) {
        top.key = keyText(raw.subarray(start, i + 1));
        top.expectKey = false;
      }
    } else if (c === OPEN_OBJECT) open.push({ object: true, key: '', expectKey: true });
    else if (c === OPEN_ARRAY) open.push({ object: false, key: 0, expectKey: false });
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) open.pop();
    else if (c === COMMA) {
      const top = open.at(-1);
      if (top?.object) top.expectKey = true;
      else if (top) top.key = (top.key as number) + 1;
    }
  }
  const segments = open.map((o) => o.key);
  const shown = segments.slice(0, PATH_SEGMENTS_SHOWN).join('.');
  return (segments.length > PATH_SEGMENTS_SHOWN ? `${shown}…` : shown) || 'body';
}
const PATH_SEGMENTS_SHOWN = 4;

/** A key as text, at most 40 characters, with nothing a log line or a message should not carry. */
function keyText(quoted: Buffer): string {
  let key: string;
  try {
    key = String(JSON.parse(quoted.toString('utf8')));
  } catch {
    key = quoted.toString('utf8').slice(1, -1);
  }
  return key.replace(/[\u0000-\u001f\p{Cs}]/gu, '?').slice(0, 40);
}

/**
 * A request body as JSON, the one way every route parses one (the express routes through
 * jsonBody, the network fast path directly). In this order, each check before anything walks the
 * body: it needs `Content-Type: application/json` (415 otherwise); at most BODY_LIMIT_BYTES (413);
 * nested at most MAX_JSON_DEPTH levels (400xx01 naming where: a cheap byte scan, so that neither
 * JSON.parse nor the recursive walks after it — unstorableText, zod, JSON.stringify — can run out
 * of stack); well-formed (400xx00); no text a column could not hold (NUL, unpaired surrogates:
 * 400xx01 naming the field). An empty body is `undefined`.
 */
export function parseJsonBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  if (!/^application\/json\s*(;.*)?$/i.test((contentType ?? '').trim())) throw new UnsupportedMediaType();
  if (raw.length > BODY_LIMIT_BYTES) throw new PayloadTooLarge(BODY_LIMIT);
  const tooDeep = nestingBeyond(raw);
  if (tooDeep >= 0) throw new InvalidFieldFormat(pathAt(raw, tooDeep), `nested deeper than ${MAX_JSON_DEPTH} levels`);
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new BadRequest('Bad Request. Malformed JSON body');
  }
  const unstorable = unstorableText(body);
  if (unstorable) throw new InvalidFieldFormat(unstorable, 'NUL characters and unpaired surrogates are not accepted');
  return body;
}

/** Reads the body once as raw bytes (kept for signature checks) and parses it (parseJsonBody). */
export const jsonBody: RequestHandler = (req, res, next) => {
  readRaw(req, res, (err?: unknown) => {
    if (err) return next(err);
    const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    req.rawBody = raw;
    try {
      req.body = parseJsonBody(raw, req.get('content-type'));
    } catch (parseError) {
      return next(parseError);
    }
    next();
  });
};

export type HttpMethod = 'get' | 'post' | 'patch' | 'put' | 'delete';

export interface RouteSpec<B extends z.ZodType, Q extends z.ZodType> {
  method: HttpMethod;
  /** Express path relative to the router's prefix, e.g. `/cards/:cardId`. */
  path: string;
  /** SNAP service code used in every responseCode of this route. */
  service: string;
  summary: string;
  /**
   * Stable name of the operation in OpenAPI (and the SDK), camelCase, e.g. `issueCard`; unique
   * once the router's operationIdPrefix is applied (a module registered on the partner and the
   * admin router gives one id: `issueCard` and `adminIssueCard`).
   */
  operationId: string;
  /**
   * What the operation does, when and why to call it, and what its errors mean, in a sentence or a
   * few: the reference shows it under the summary. The codes it names (`403xx15`, `4017300`) join
   * the operation's documented error answers (openapi.ts documentedErrors).
   */
  description: string;
  tag: string;
  /** Security middlewares run before validation (partner signature, admin session, ...). */
  guards?: RequestHandler[];
  /** Documented security requirement names for OpenAPI. */
  security?: string[];
  /** Extra documented request headers. */
  headers?: z.ZodObject;
  body?: B;
  query?: Q;
  /** Schema of the success payload (without responseCode/responseMessage). */
  response?: z.ZodType;
  /**
   * The success answer is a file the handler writes itself (a report, an export), of these media
   * types, documented as such instead of the JSON envelope; errors stay JSON.
   */
  file?: readonly string[];
  successStatus?: number;
  /**
   * The answer carries a secret or a card number (a reveal, a secret shown once): it is never kept
   * for an X-EXTERNAL-ID replay (access/external-id.ts), so no second copy of it is stored, and it
   * is answered with `Cache-Control: no-store`.
   */
  secretInAnswer?: boolean;
  /** Answer the payload as it is, without the SNAP envelope (the network API speaks ISO 8583 codes). */
  unwrapped?: boolean;
  handler: (ctx: { req: Request; res: Response; body: z.infer<B>; query: z.infer<Q> }) => Promise<object> | object;
}

/**
 * A router whose routes declare method, path, service code, guards, validation, docs and handler
 * together. Responses are wrapped in the SNAP envelope; wrong methods on a known path answer 405.
 */
export class ApiRouter {
  readonly router: Router = express.Router();
  private readonly methodsByPath = new Map<string, Set<string>>();

  constructor(
    readonly prefix: string,
    private readonly docs: ApiDocs,
    /**
     * Put before every operationId of this router (`admin`: `issueCard` → `adminIssueCard`) and,
     * capitalized, before its tags (`Cards` → `Admin cards`), so the twins of the routes both
     * routers register stay apart in the reference.
     */
    private readonly operationIdPrefix = '',
  ) {}

  /** The router's tag for an operation's tag; a tag that already names the prefix stays. */
  tag(base: string): string {
    const p = this.operationIdPrefix;
    if (!p || base.toLowerCase().startsWith(p)) return base;
    return `${p[0]!.toUpperCase()}${p.slice(1)} ${base[0]!.toLowerCase()}${base.slice(1)}`;
  }

  /** The router's id for an operation; an id that already carries the prefix keeps it once. */
  operationId(base: string): string {
    const p = this.operationIdPrefix;
    if (!p || new RegExp(`^${p}[A-Z]`).test(base)) return base;
    return p + base[0]!.toUpperCase() + base.slice(1);
  }

  route<B extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined>(spec: RouteSpec<B, Q>): void {
    const status = spec.successStatus ?? 200;
    const setService: RequestHandler = (req, res, next) => {
      req.serviceCode = spec.service;
      res.locals.route = `${req.baseUrl}${spec.path}`;
      res.locals.secretInAnswer = spec.secretInAnswer === true;
      // Nor by a browser or a proxy.
      if (spec.secretInAnswer) res.setHeader('Cache-Control', 'no-store');
      next();
    };
    const handle: RequestHandler = async (req, res) => {
      // A route without a body schema takes none: any field sent to it is an unknown field.
      const bodySchema = spec.body ?? (req.rawBody.length > 0 ? NO_BODY : undefined);
      const body = bodySchema ? parseInput(bodySchema, req.body ?? {}) : undefined;
      const query = spec.query ? parseInput(spec.query, { ...req.query }) : undefined;
      const payload = await spec.handler({ req, res, body: body as z.infer<B>, query: query as z.infer<Q> });
      // A handler that answered itself (a file download) is left alone.
      if (res.headersSent) return;
      if (spec.unwrapped) res.status(status).json(payload);
      else sendSnap(res, status, `${status}${spec.service}00`, 'Successful', payload);
    };
    this.router[spec.method](spec.path, setService, jsonBody, ...(spec.guards ?? []), handle);
    const methods = this.methodsByPath.get(spec.path) ?? new Set();
    methods.add(spec.method.toUpperCase());
    if (!this.methodsByPath.has(spec.path)) {
      this.methodsByPath.set(spec.path, methods);
      // Registered with the path's first route; methods added later are let through to their routes.
      this.router.all(spec.path, setService, (req, res, next) => {
        if (methods.has(req.method)) return next();
        res.setHeader('Allow', [...methods].join(', '));
        throw new MethodNotAllowed();
      });
    }
    this.docs.registerRoute(this.prefix, { ...spec, operationId: this.operationId(spec.operationId), tag: this.tag(spec.tag) });
  }
}

export function sendSnap(res: Response, status: number, responseCode: string, responseMessage: string, payload: object = {}): void {
  res.locals.responseCode = responseCode;
  res.status(status).json({ responseCode, responseMessage, ...payload });
}

export const notFoundHandler: RequestHandler = () => {
  throw new RouteNotFound();
};

/**
 * The one place errors become answers: status, headers and the envelope. A 5xx never leaks
 * internals; it carries the request id (and is logged).
 */
export function errorAnswer(
  err: unknown,
  o: { serviceCode: string; requestId: string; path: string; logger: Logger },
): { status: number; headers: Record<string, string>; body: { responseCode: string; responseMessage: string; field?: string; [existing: string]: unknown } } {
  const error = toKartuError(err);
  // A ServiceUnavailable made from a database error (the network API's 91) logs that error.
  if (error.status >= 500) o.logger.error({ err: error instanceof ServiceUnavailable && error.cause ? error.cause : err, path: o.path }, 'unhandled error');
  const headers: Record<string, string> =
    error instanceof TooManyRequests || error instanceof ServiceUnavailable ? { 'Retry-After': String(error.retryAfterSeconds) } : {};
  const message = error.status >= 500 ? `${error.message} (request id ${o.requestId})` : error.message;
  const body = { responseCode: error.responseCode(o.serviceCode), responseMessage: message, ...(error instanceof DuplicateReference ? error.existing : {}) };
  return { status: error.status, headers, body: error instanceof FieldError ? { ...body, field: error.field } : body };
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const answer = errorAnswer(err, { serviceCode: req.serviceCode ?? '00', requestId: req.requestId, path: req.path, logger });
    if (res.headersSent) return;
    for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
    const { responseCode, responseMessage, ...rest } = answer.body;
    sendSnap(res, answer.status, responseCode, responseMessage, rest);
  };
}

function toKartuError(err: unknown): KartuError {
  if (err instanceof KartuError) return err;
  // The router could not percent-decode a path parameter (`/cards/%FF`).
  if (err instanceof URIError) return new InvalidFieldFormat('path', 'malformed percent-encoding');
  const e = err as { type?: string; status?: number; statusCode?: number };
  switch (e?.type) {
    case 'entity.too.large':
      return new PayloadTooLarge(BODY_LIMIT);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new UnsupportedMediaType();
    case 'request.aborted':
    case 'request.size.invalid':
    case 'entity.verify.failed':
      return new BadRequest('Bad Request. Incomplete body');
  }
  const status = e?.status ?? e?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) return new KartuError(status, '00', 'Bad Request');
  if (databaseUnavailable(err)) return new ServiceUnavailable();
  return new GeneralError();
}
