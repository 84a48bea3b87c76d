import type { paths } from './generated/types.js';

/**
 * Request and answer types of one partner operation, read from the generated `paths`. An
 * operation the generated document does not have yet (a newer server route, before
 * `npm run sdk:generate`) falls back to `Fallback`.
 */
type Operation<P extends string, M extends string, Fallback extends OperationShape> = P extends keyof paths ? (M extends keyof paths[P] ? (paths[P][M] extends OperationShape ? paths[P][M] : Fallback) : Fallback) : Fallback;

interface OperationShape {
  pathParams: unknown;
  query: unknown;
  requestBody: unknown;
  response: unknown;
}

type Untyped = { pathParams: Record<string, string>; query: Record<string, string | number | boolean | undefined>; requestBody: Record<string, unknown>; response: SnapEnvelope & Record<string, unknown> };

export interface SnapEnvelope {
  responseCode: string;
  responseMessage: string;
}

export type Body<P extends string, M extends string, F extends OperationShape = Untyped> = Operation<P, M, F>['requestBody'];
export type Query<P extends string, M extends string, F extends OperationShape = Untyped> = Operation<P, M, F>['query'];
export type Answer<P extends string, M extends string, F extends OperationShape = Untyped> = Operation<P, M, F>['response'];

/** SNAP money: a decimal string in the currency's minor-unit precision, e.g. {"value":"150000.00","currency":"IDR"}. */
export interface Amount {
  value: string;
  currency: string;
}
