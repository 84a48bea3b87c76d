// The one client of the admin API. Same-origin fetch with the session cookie, JSON in and out;
// every failure is an ApiError carrying the API's responseCode, message and the field it names.

export const API_BASE = '/admin/v1';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly responseCode: string,
    message: string,
    /** The dotted path of the input a validation error (400xx01 / 400xx02) is about. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | undefined | null>;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Query;
  /**
   * Whether a 401 means "the session is gone, sign in again" (the default). The sign-in and
   * two-factor forms turn it off: there a 401 is a wrong password or code.
   */
  signInOnUnauthorized?: boolean;
  signal?: AbortSignal;
}

/** The dashboard path the user is on, to come back to after signing in again. */
export function currentDashboardPath(): string {
  const { pathname, search } = window.location;
  return (pathname.startsWith('/dashboard') ? pathname.slice('/dashboard'.length) || '/' : '/') + search;
}

/** The sign-in page's address that leads back to `next` (a path inside the dashboard). */
export function signInPath(next: string): string {
  return next === '/' || next.startsWith('/sign-in') ? '/sign-in' : `/sign-in?next=${encodeURIComponent(next)}`;
}

/** Only paths inside the dashboard are followed after signing in (no open redirect). */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.includes('\\')) return '/';
  return next;
}

type SessionHandler = (signInPath: string, requestPath: string) => void;
let onSessionExpired: SessionHandler = (path) => window.location.assign(`/dashboard${path}`);
/**
 * The app routes a 401 itself (to sign-in, or to the two-factor step when the session was
 * restricted), keeping the page's state in history instead of reloading.
 */
export function setSessionExpiredHandler(handler: SessionHandler): void {
  onSessionExpired = handler;
}

function queryString(query: Query | undefined): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const method = options.method ?? (options.body === undefined ? 'GET' : 'POST');
  let response: Response;
  try {
    response = await fetch(API_BASE + path + queryString(options.query), {
      method,
      credentials: 'same-origin',
      headers: options.body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', err instanceof Error ? err.message : String(err));
  }
  const text = await response.text();
  let json: Record<string, unknown> = {};
  if (text) {
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw new ApiError(response.status, String(response.status), response.statusText || 'Not JSON');
    }
  }
  if (!response.ok) {
    const error = new ApiError(
      response.status,
      typeof json.responseCode === 'string' ? json.responseCode : String(response.status),
      typeof json.responseMessage === 'string' ? json.responseMessage : response.statusText,
      typeof json.field === 'string' ? json.field : undefined,
    );
    if (response.status === 401 && options.signInOnUnauthorized !== false) onSessionExpired(signInPath(currentDashboardPath()), path);
    throw error;
  }
  return json as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => api<T>(path, { query, signal });
export const post = <T>(path: string, body: unknown = {}) => api<T>(path, { method: 'POST', body });
export const patch = <T>(path: string, body: unknown) => api<T>(path, { method: 'PATCH', body });
