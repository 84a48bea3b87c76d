import { ERROR_FAMILIES, statusAndCase } from './error-catalogue';

/**
 * One error model. Every failure a client can cause is a KartuError with an HTTP status and a
 * SNAP case code; the error middleware (platform/http.ts) renders it once, as
 * `responseCode` = status (3) + service code (2) + case code (2). Statuses, case codes and the
 * messages' titles come from the one table, error-catalogue.ts.
 */
export class KartuError extends Error {
  constructor(
    readonly status: number,
    readonly caseCode: string,
    message: string,
    /** Forces a service code (e.g. the token endpoint answers 73 wherever it is mounted). */
    readonly serviceCode?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }

  /** The `responseCode` of the answer: HTTP status + service code + case code. */
  responseCode(service: string): string {
    return `${this.status}${this.serviceCode ?? service}${this.caseCode}`;
  }
}

export class BadRequest extends KartuError {
  constructor(message: string = ERROR_FAMILIES.BadRequest.title) {
    super(...statusAndCase('BadRequest'), message);
  }
}
/** A validation error: its answer also carries `field`, the dotted path of the input it is about. */
export abstract class FieldError extends KartuError {
  abstract readonly field: string;
}
export class InvalidFieldFormat extends FieldError {
  /** `fields`: what the message names when it is more than one field (unknown keys); `field` is the first. */
  constructor(
    readonly field: string,
    detail?: string,
    fields: string = field,
  ) {
    super(...statusAndCase('InvalidFieldFormat'), `${ERROR_FAMILIES.InvalidFieldFormat.title} ${fields}${detail ? ` (${detail})` : ''}`);
  }
}
export class MissingMandatoryField extends FieldError {
  constructor(readonly field: string) {
    super(...statusAndCase('MissingMandatoryField'), `${ERROR_FAMILIES.MissingMandatoryField.title} ${field}`);
  }
}
export class Unauthorized extends KartuError {
  constructor(reason: string) {
    super(...statusAndCase('Unauthorized'), `${ERROR_FAMILIES.Unauthorized.title}. ${reason}`);
  }
}
export class InvalidToken extends KartuError {
  constructor() {
    super(...statusAndCase('InvalidToken'), ERROR_FAMILIES.InvalidToken.title);
  }
}
export class FeatureNotAllowed extends KartuError {
  constructor(detail?: string) {
    const title = ERROR_FAMILIES.FeatureNotAllowed.title;
    super(...statusAndCase('FeatureNotAllowed'), detail ? `${title}. ${detail}` : title);
  }
}
export class NotFound extends KartuError {
  constructor(what: string = ERROR_FAMILIES.NotFound.title) {
    super(...statusAndCase('NotFound'), what);
  }
}
export class RouteNotFound extends KartuError {
  constructor() {
    super(...statusAndCase('RouteNotFound'), ERROR_FAMILIES.RouteNotFound.title, '00');
  }
}
export class MethodNotAllowed extends KartuError {
  constructor() {
    super(...statusAndCase('MethodNotAllowed'), ERROR_FAMILIES.MethodNotAllowed.title);
  }
}
export class Conflict extends KartuError {
  constructor(message: string = ERROR_FAMILIES.Conflict.title) {
    super(...statusAndCase('Conflict'), message);
  }
}
export class DuplicateReference extends KartuError {
  /** `existing`: what the reference already names, answered beside the code (e.g. `{card}`), so a partner can reconcile. */
  constructor(
    field = 'partnerReferenceNo',
    readonly existing: Record<string, unknown> = {},
  ) {
    super(...statusAndCase('DuplicateReference'), `${ERROR_FAMILIES.DuplicateReference.title} ${field}`);
  }
}
export class PayloadTooLarge extends KartuError {
  constructor(limit: string) {
    super(...statusAndCase('PayloadTooLarge'), `${ERROR_FAMILIES.PayloadTooLarge.title} (limit ${limit})`);
  }
}
export class UnsupportedMediaType extends KartuError {
  constructor() {
    super(...statusAndCase('UnsupportedMediaType'), `${ERROR_FAMILIES.UnsupportedMediaType.title} (use Content-Type: application/json)`);
  }
}
export class TooManyRequests extends KartuError {
  constructor(readonly retryAfterSeconds: number) {
    super(...statusAndCase('TooManyRequests'), ERROR_FAMILIES.TooManyRequests.title);
  }
}
/**
 * The database could not be reached or the connection was lost mid-statement (503xx00 with
 * Retry-After): nothing is wrong with the request. What was in flight may or may not have
 * committed: the network API's writes are idempotent on the message id, so sent again they are
 * safe; a partner or admin write may have taken effect (its partnerReferenceNo or X-EXTERNAL-ID
 * then says so when it is sent again).
 */
export class ServiceUnavailable extends KartuError {
  constructor(
    message = `${ERROR_FAMILIES.ServiceUnavailable.title}. Try again later`,
    readonly retryAfterSeconds = 1,
  ) {
    super(...statusAndCase('ServiceUnavailable'), message);
  }
}
/**
 * ServiceUnavailable as the card networks hear it: ISO 8583 `91` (issuer unavailable) for
 * `responseCode`, still 503 with Retry-After. The same message id sent again gets the answer
 * recorded for it, if any, or is decided then.
 */
export class IssuerUnavailable extends ServiceUnavailable {
  /** `cause`: the database's own error, for the log line. */
  constructor(cause?: unknown) {
    super(`${ERROR_FAMILIES.IssuerUnavailable.title}. Send the same id again`);
    this.cause = cause;
  }

  override responseCode(): string {
    return ERROR_FAMILIES.IssuerUnavailable.fixedCode;
  }
}
export class GeneralError extends KartuError {
  constructor() {
    super(...statusAndCase('GeneralError'), ERROR_FAMILIES.GeneralError.title);
  }
}
/** A referenced card, account or customer that does not exist for this business (404xx11). */
export class InvalidAccount extends KartuError {
  constructor(field: string) {
    super(...statusAndCase('InvalidAccount'), `${ERROR_FAMILIES.InvalidAccount.title} ${field}`);
  }
}
/** The object exists but its state does not allow the operation (403xx15). */
export class NotPermitted extends KartuError {
  constructor(reason: string) {
    super(...statusAndCase('NotPermitted'), `${ERROR_FAMILIES.NotPermitted.title}. ${reason}`);
  }
}
export class InactiveAccount extends KartuError {
  constructor(reason: string) {
    super(...statusAndCase('InactiveAccount'), `${ERROR_FAMILIES.InactiveAccount.title}. ${reason}`);
  }
}
export class ActivityLimitExceeded extends KartuError {
  constructor(reason: string) {
    super(...statusAndCase('ActivityLimitExceeded'), `${ERROR_FAMILIES.ActivityLimitExceeded.title}. ${reason}`);
  }
}
