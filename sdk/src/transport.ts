import { createPrivateKey, randomUUID, type KeyObject } from 'node:crypto';
import { KartuApiError, KartuNetworkError } from './errors.js';
import { accessTokenSignature, asymmetricSignature, snapTimestamp, symmetricSignature } from './signatures.js';

export type SignatureMode = 'symmetric' | 'asymmetric';

export interface KartuOptions {
  /** Where Kartu runs, e.g. https://api.kartu.example (no trailing path). */
  baseUrl: string;
  clientKey: string;
  /** Needed in symmetric mode (the default): the HMAC-SHA512 key. */
  clientSecret?: string;
  /** The partner's RSA private key (PEM or KeyObject): signs token requests, and every call in asymmetric mode. */
  privateKey: string | KeyObject;
  partnerId: string;
  channelId: string;
  /** How this API client signs calls, as configured at Kartu: 'symmetric' (token + HMAC, default) or 'asymmetric' (SHA256withRSA, no token). */
  signatureMode?: SignatureMode;
  /** A fetch of your own (proxies, instrumentation, tests); the global fetch otherwise. */
  fetch?: typeof fetch;
  /** How many times a call is sent again after a network error, a timeout, a 429 or a 5xx (default 2). */
  retries?: number;
  /** Per attempt, until the answer has been read (default 30 000). */
  timeoutMs?: number;
  /** Seconds before a token's expiry when a new one is fetched (default 60). */
  tokenRefreshMarginSeconds?: number;
  /** The clock X-TIMESTAMP and token expiry are read from (default: the system clock). */
  now?: () => Date;
  /** Milliseconds of the first retry's back-off, doubled each time up to 8 s (default 250). */
  retryBaseDelayMs?: number;
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  bytes: Uint8Array;
  requestId?: string;
}

export interface CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  /** An X-EXTERNAL-ID of your own (≤ 36 printable characters); a new one otherwise. */
  externalId?: string;
}

const TOKEN_PATH = '/snap/v1.0/access-token/b2b';

/**
 * The SNAP work under every call: a cached B2B token, the headers and signature of each attempt,
 * and retries that cannot do a thing twice. A retry sends the same X-EXTERNAL-ID and the same
 * body bytes (a new X-TIMESTAMP and signature), which Kartu answers with the original answer if
 * the first attempt got through; a 409xx00 after an attempt that never got an answer means that
 * attempt is still being processed, so it waits and asks again.
 */
export class SnapTransport {
  private readonly privateKey: KeyObject;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => Date;
  private readonly mode: SignatureMode;
  private token?: { value: string; refreshAt: number };
  private pendingToken?: Promise<string>;

  constructor(private readonly o: KartuOptions) {
    if (!o.baseUrl) throw new TypeError('baseUrl is required');
    this.mode = o.signatureMode ?? 'symmetric';
    if (this.mode === 'symmetric' && !o.clientSecret) throw new TypeError('clientSecret is required in symmetric signature mode');
    this.privateKey = typeof o.privateKey === 'string' ? createPrivateKey(o.privateKey) : o.privateKey;
    this.fetchFn = o.fetch ?? globalThis.fetch;
    this.now = o.now ?? (() => new Date());
  }

  /** A signed partner call; throws KartuApiError on a non-2xx answer, KartuNetworkError when none came. */
  async call(method: string, path: string, body?: unknown, options: CallOptions = {}): Promise<RawAnswer> {
    const pathWithQuery = path + queryString(options.query);
    // JSON.stringify writes no whitespace: these bytes are what is hashed, signed and sent.
    const raw = body === undefined ? '' : JSON.stringify(body);
    const externalId = options.externalId ?? randomUUID().replaceAll('-', '');
    if (!/^[\x21-\x7e]{1,36}$/.test(externalId)) throw new TypeError('externalId must be 1 to 36 printable characters');
    const retries = this.o.retries ?? 2;
    let id = externalId;
    let attempt = 0;
    let unanswered = false;
    let tokenRefreshed = false;
    for (;;) {
      const headers = await this.headers(method, pathWithQuery, raw, id);
      let answer: RawAnswer;
      try {
        answer = await this.send(method, pathWithQuery, raw, headers);
      } catch (err) {
        if (!(err instanceof KartuNetworkError) || attempt >= retries) throw err;
        unanswered = true;
        await sleep(this.backoff(++attempt));
        continue;
      }
      if (answer.status < 300) return answer;
      const code = responseCodeOf(answer);
      if (this.mode === 'symmetric' && answer.status === 401 && /^401\d\d01$/.test(code) && !tokenRefreshed) {
        // The token expired or was revoked: the call was refused before it did anything, so it
        // goes again, once, with a new token and (the old id having been seen) a new id.
        tokenRefreshed = true;
        this.token = undefined;
        id = options.externalId ?? randomUUID().replaceAll('-', '');
        continue;
      }
      const inFlight = unanswered && answer.status === 409 && /^409\d\d00$/.test(code);
      const retryable = inFlight || answer.status === 429 || answer.status >= 500;
      if (retryable && attempt < retries) {
        attempt++;
        await sleep(retryAfterMs(answer.headers.get('retry-after')) ?? this.backoff(attempt));
        continue;
      }
      throw new KartuApiError({ status: answer.status, body: jsonObject(answer.bytes), requestId: answer.requestId });
    }
  }

  /** A B2B access token: cached, and fetched again `tokenRefreshMarginSeconds` before it expires. */
  async accessToken(): Promise<string> {
    if (this.token && this.now().getTime() < this.token.refreshAt) return this.token.value;
    // Concurrent calls share one token request.
    this.pendingToken ??= this.fetchToken().finally(() => {
      this.pendingToken = undefined;
    });
    return this.pendingToken;
  }

  private async fetchToken(): Promise<string> {
    const retries = this.o.retries ?? 2;
    const raw = JSON.stringify({ grantType: 'client_credentials' });
    for (let attempt = 0; ; ) {
      const timestamp = snapTimestamp(this.now());
      const headers = {
        'Content-Type': 'application/json',
        'X-CLIENT-KEY': this.o.clientKey,
        'X-TIMESTAMP': timestamp,
        'X-SIGNATURE': accessTokenSignature(this.privateKey, this.o.clientKey, timestamp),
      };
      let answer: RawAnswer;
      try {
        answer = await this.send('POST', TOKEN_PATH, raw, headers);
      } catch (err) {
        if (!(err instanceof KartuNetworkError) || attempt >= retries) throw err;
        await sleep(this.backoff(++attempt));
        continue;
      }
      const body = jsonObject(answer.bytes);
      if (answer.status === 200 && typeof body.accessToken === 'string') {
        const ttlMs = Number(body.expiresIn) * 1000;
        const margin = (this.o.tokenRefreshMarginSeconds ?? 60) * 1000;
        // A token shorter-lived than twice the margin is kept for half its life.
        this.token = { value: body.accessToken, refreshAt: this.now().getTime() + Math.max(ttlMs - margin, ttlMs / 2) };
        return body.accessToken;
      }
      if ((answer.status === 429 || answer.status >= 500) && attempt < retries) {
        attempt++;
        await sleep(retryAfterMs(answer.headers.get('retry-after')) ?? this.backoff(attempt));
        continue;
      }
      throw new KartuApiError({ status: answer.status, body, requestId: answer.requestId });
    }
  }

  private async headers(method: string, pathWithQuery: string, raw: string, externalId: string): Promise<Record<string, string>> {
    const common: Record<string, string> = {
      'X-PARTNER-ID': this.o.partnerId,
      'X-EXTERNAL-ID': externalId,
      'CHANNEL-ID': this.o.channelId,
      ...(raw ? { 'Content-Type': 'application/json' } : {}),
    };
    if (this.mode === 'asymmetric') {
      const timestamp = snapTimestamp(this.now());
      return { ...common, 'X-CLIENT-KEY': this.o.clientKey, 'X-TIMESTAMP': timestamp, 'X-SIGNATURE': asymmetricSignature(this.privateKey, { method, pathWithQuery, body: raw, timestamp }) };
    }
    const accessToken = await this.accessToken();
    // Taken after the token: a token request can take a while, and the timestamp is checked for skew.
    const timestamp = snapTimestamp(this.now());
    return {
      ...common,
      Authorization: `Bearer ${accessToken}`,
      'X-TIMESTAMP': timestamp,
      'X-SIGNATURE': symmetricSignature(this.o.clientSecret!, { method, pathWithQuery, accessToken, body: raw, timestamp }),
    };
  }

  /** One attempt: the answer read in full within timeoutMs, or a KartuNetworkError. */
  private async send(method: string, pathWithQuery: string, raw: string, headers: Record<string, string>): Promise<RawAnswer> {
    const url = this.o.baseUrl.replace(/\/+$/, '') + pathWithQuery;
    const timeoutMs = this.o.timeoutMs ?? 30_000;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    try {
      const res = await this.fetchFn(url, { method: method.toUpperCase(), headers, body: raw || undefined, signal: controller.signal, redirect: 'manual' });
      const bytes = new Uint8Array(await res.arrayBuffer());
      return { status: res.status, headers: res.headers, bytes, requestId: res.headers.get('x-request-id') ?? undefined };
    } catch (err) {
      if (controller.signal.aborted) throw new KartuNetworkError(`${method.toUpperCase()} ${url}: no answer within ${timeoutMs} ms`, true, { cause: err });
      throw new KartuNetworkError(`${method.toUpperCase()} ${url}: ${describe(err)}`, false, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  private backoff(attempt: number): number {
    const base = this.o.retryBaseDelayMs ?? 250;
    return Math.min(base * 2 ** (attempt - 1), 8000);
  }
}

export function jsonObject(bytes: Uint8Array): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function responseCodeOf(answer: RawAnswer): string {
  const code = jsonObject(answer.bytes).responseCode;
  return typeof code === 'string' ? code : '';
}

function queryString(query: CallOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) if (value !== undefined) params.append(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Retry-After in seconds (or an HTTP date), as milliseconds; undefined when absent or unreadable. */
function retryAfterMs(value: string | null): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/** fetch's TypeError says "fetch failed"; the cause says what (ECONNREFUSED 127.0.0.1:3000). */
function describe(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.message ?? (err as Error).message ?? String(err);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
