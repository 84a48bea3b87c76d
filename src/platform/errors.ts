/**
 * One error model. Every failure a client can cause is a KartuError with an HTTP status and a
 * SNAP case code; the error middleware (platform/http.ts) renders it once, as
 * `responseCode` = status (3) + service code (2) + case code (2).
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
  constructor(message = 'Bad Request') {
    super(400, '00', message);
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
    super(400, '01', `Invalid Field Format ${fields}${detail ? ` (${detail})` : ''}`);
  }
}
export class MissingMandatoryField extends FieldError {
  constructor(readonly field: string) {
    super(400, '02', `Invalid Mandatory Field ${field}`);
  }
}
export class Unauthorized extends KartuError {
  constructor(reason: string) {
    super(401, '00', `Unauthorized. ${reason}`);
  }
}
export class InvalidToken extends KartuError {
  constructor() {
    super(401, '01', 'Invalid Token (B2B)');
  }
}
export class FeatureNotAllowed extends KartuError {
  constructor(detail?: string) {
    super(403, '01', detail ? `Feature Not Allowed. ${detail}` : 'Feature Not Allowed');
  }
}
export class NotFound extends KartuError {
  constructor(what = 'Transaction Not Found') {
    super(404, '01', what);
  }
}
export class RouteNotFound extends KartuError {
  constructor() {
    super(404, '00', 'Requested Service Not Found', '00');
  }
}
export class MethodNotAllowed extends KartuError {
  constructor() {
    super(405, '00', 'Requested Function Is Not Supported');
  }
}
export class Conflict extends KartuError {
  constructor(message = 'Conflict') {
    super(409, '00', message);
  }
}
export class DuplicateReference extends KartuError {
  /** `existing`: what the reference already names, answered beside the code (e.g. `{card}`), so a partner can reconcile. */
  constructor(
    field = 'partnerReferenceNo',
    readonly existing: Record<string, unknown> = {},
  ) {
    super(409, '01', `Duplicate ${field}`);
  }
}
export class PayloadTooLarge extends KartuError {
  constructor(limit: string) {
    super(413, '00', `Payload Too Large (limit ${limit})`);
  }
}
export class UnsupportedMediaType extends KartuError {
  constructor() {
    super(415, '00', 'Unsupported Media Type (use Content-Type: application/json)');
  }
}
export class TooManyRequests extends KartuError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, '00', 'Too Many Requests');
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
    message = 'Service Unavailable. Try again later',
    readonly retryAfterSeconds = 1,
  ) {
    super(503, '00', message);
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
    super('Issuer unavailable. Send the same id again');
    this.cause = cause;
  }

  override responseCode(): string {
    return '91';
  }
}
export class GeneralError extends KartuError {
  constructor() {
    super(500, '00', 'General Error');
  }
}
/** A referenced card, account or customer that does not exist for this business (404xx11). */
export class InvalidAccount extends KartuError {
  constructor(field: string) {
    super(404, '11', `Invalid Card/Account/Customer ${field}`);
  }
}
/** The object exists but its state does not allow the operation (403xx15). */
export class NotPermitted extends KartuError {
  constructor(reason: string) {
    super(403, '15', `Transaction Not Permitted. ${reason}`);
  }
}
export class InactiveAccount extends KartuError {
  constructor(reason: string) {
    super(403, '18', `Inactive Card/Account/Customer. ${reason}`);
  }
}
export class ActivityLimitExceeded extends KartuError {
  constructor(reason: string) {
    super(403, '04', `Activity Count Limit Exceeded. ${reason}`);
  }
}
