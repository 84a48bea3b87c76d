import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request values every log line carries, wherever it is written from. */
export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();
