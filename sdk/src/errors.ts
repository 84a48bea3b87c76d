/** Kartu answered with an error: the SNAP envelope's code and message, and where to look in Kartu's logs. */
export class KartuApiError extends Error {
  override readonly name = 'KartuApiError';
  /** SNAP responseCode: HTTP status (3) + service code (2) + case code (2), e.g. 4009101. */
  readonly responseCode: string;
  readonly responseMessage: string;
  /** HTTP status. */
  readonly status: number;
  /** X-Request-Id of the answer: quote it to Kartu's operators. */
  readonly requestId?: string;
  /** On 400xx01 / 400xx02: the dotted path of the input the error is about. */
  readonly field?: string;
  /** The whole answer body (a duplicate partnerReferenceNo, 4099001, carries the existing `card`). */
  readonly body: Record<string, unknown>;

  constructor(input: { status: number; body: Record<string, unknown>; requestId?: string }) {
    const code = typeof input.body.responseCode === 'string' ? input.body.responseCode : String(input.status);
    const message = typeof input.body.responseMessage === 'string' ? input.body.responseMessage : 'no SNAP answer';
    super(`${code} ${message}`);
    this.status = input.status;
    this.body = input.body;
    this.responseCode = code;
    this.responseMessage = message;
    this.requestId = input.requestId;
    if (typeof input.body.field === 'string') this.field = input.body.field;
  }

  /** The case code (last two digits): 01 invalid field, 02 missing field, 00 generic... */
  get caseCode(): string {
    return this.responseCode.slice(-2);
  }
}

/** No answer from Kartu: connection refused or reset, DNS, or the request timed out (`timedOut`). */
export class KartuNetworkError extends Error {
  override readonly name = 'KartuNetworkError';

  constructor(
    message: string,
    readonly timedOut: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
