/**
 * Kartu's one table of the answers it can give when something is wrong: every error class's HTTP
 * status and SNAP case code (the classes in errors.ts and the modules take them from here), what
 * it means and how a client fixes it, and the ISO 8583 response codes the network API decides
 * with. The OpenAPI document's error responses and docs/errors.md (`npm run docs:generate`) are
 * made from it. No imports: errors.ts reads it, so it must not read errors.ts.
 */

export interface ErrorFamily {
  /** HTTP status: the first three digits of the responseCode. */
  status: number;
  /** SNAP case code: the last two digits. */
  caseCode: string;
  /** The start of the responseMessage (SNAP's name for the case); the class may add details. */
  title: string;
  meaning: string;
  fix: string;
  /** The responseCode whatever the route's service (the 404 of an unknown path, the networks' 91). */
  fixedCode?: string;
}

export const ERROR_FAMILIES = {
  BadRequest: {
    status: 400,
    caseCode: '00',
    title: 'Bad Request',
    meaning: 'The body could not be read: malformed JSON or an incomplete body.',
    fix: 'Send one complete, well-formed JSON document (the exact bytes you signed).',
  },
  InvalidFieldFormat: {
    status: 400,
    caseCode: '01',
    title: 'Invalid Field Format',
    meaning: 'A field (named in `field` and the message) has the wrong type or format, is unknown, or breaks a rule such as a range or a length.',
    fix: 'Correct the named field; unknown fields are refused, not ignored, so check its spelling against the reference.',
  },
  MissingMandatoryField: {
    status: 400,
    caseCode: '02',
    title: 'Invalid Mandatory Field',
    meaning: 'A required header or field (named in `field`) is missing.',
    fix: 'Send it: the partner API needs Authorization, X-TIMESTAMP, X-SIGNATURE, X-PARTNER-ID, X-EXTERNAL-ID and CHANNEL-ID on every call.',
  },
  Unauthorized: {
    status: 401,
    caseCode: '00',
    title: 'Unauthorized',
    meaning: 'The credentials do not check out: a wrong signature, a timestamp more than 5 minutes from server time, a caller IP outside the allow-list, an X-PARTNER-ID of another client, no admin session or a wrong password or code.',
    fix: 'Recompute the signature over the exact minified body and path you send, with a fresh X-TIMESTAMP (a synchronised clock); the message says which check failed.',
  },
  InvalidToken: {
    status: 401,
    caseCode: '01',
    title: 'Invalid Token (B2B)',
    meaning: 'The B2B access token is unknown, expired or revoked.',
    fix: 'Get a new token from POST /snap/v1.0/access-token/b2b and send the call again with a new X-EXTERNAL-ID.',
  },
  FeatureNotAllowed: {
    status: 403,
    caseCode: '01',
    title: 'Feature Not Allowed',
    meaning: 'The caller may not use this operation: a sandbox-only endpoint in production, a service not enabled for the API client, or an admin role without the right.',
    fix: 'Use the sandbox for sandbox endpoints; ask the operator to enable the service for your client, or an owner to act.',
  },
  ActivityLimitExceeded: {
    status: 403,
    caseCode: '04',
    title: 'Activity Count Limit Exceeded',
    meaning: 'Too many attempts of a guarded action, e.g. wrong PINs on a card.',
    fix: 'Stop retrying: the message says how the limit is reset (a PIN reset by the issuer).',
  },
  InsufficientFunds: {
    status: 403,
    caseCode: '14',
    title: 'Insufficient Funds',
    meaning: 'The funding account does not hold enough available balance for the movement.',
    fix: 'Top up the funding account (in the sandbox: POST /snap/v1.0/simulate/funding) or move less.',
  },
  InsufficientPoints: {
    status: 403,
    caseCode: '14',
    title: 'Insufficient Funds',
    meaning: 'The cardholder has fewer reward points than the redemption asks for.',
    fix: 'Read the balance (GET /snap/v1.0/rewards/balance) and redeem at most that.',
  },
  NotPermitted: {
    status: 403,
    caseCode: '15',
    title: 'Transaction Not Permitted',
    meaning: "The object exists but its state does not allow the operation (a TERMINATED card, a report not finished, nothing held on an authorization).",
    fix: 'Read the object again and act on its current state; the message says what stands in the way.',
  },
  InactiveAccount: {
    status: 403,
    caseCode: '18',
    title: 'Inactive Card/Account/Customer',
    meaning: 'A card, cardholder or account the operation needs is not active.',
    fix: 'Activate it first (PATCH it to ACTIVE), or use an active one.',
  },
  RouteNotFound: {
    status: 404,
    caseCode: '00',
    title: 'Requested Service Not Found',
    meaning: 'No operation has this path.',
    fix: 'Check the path and its prefix (/snap/v1.0, /admin/v1, /network/v1) against the reference.',
    fixedCode: '4040000',
  },
  NotFound: {
    status: 404,
    caseCode: '01',
    title: 'Transaction Not Found',
    meaning: "The object in the path (a card, a policy, a report…) does not exist for this business; another business's ids answer the same.",
    fix: 'Use an id this business received from Kartu; the message names what was not found.',
  },
  InvalidAccount: {
    status: 404,
    caseCode: '11',
    title: 'Invalid Card/Account/Customer',
    meaning: 'A card, cardholder or account referenced in the body or query does not exist for this business.',
    fix: 'Reference one of this business’s cards or cardholders (the field is named in the message).',
  },
  MethodNotAllowed: {
    status: 405,
    caseCode: '00',
    title: 'Requested Function Is Not Supported',
    meaning: 'The path exists but not with this HTTP method.',
    fix: 'Use a method the Allow header lists.',
  },
  Conflict: {
    status: 409,
    caseCode: '00',
    title: 'Conflict',
    meaning: 'The X-EXTERNAL-ID was already used today for another request (or that request is still in flight), or the operation clashes with the current state.',
    fix: 'Send a new request with a new X-EXTERNAL-ID; repeat a write with the same id and the identical body to get its original answer.',
  },
  TransferConflict: {
    status: 409,
    caseCode: '00',
    title: 'Conflict',
    meaning: 'A ledger movement clashes with what the ledger already holds (the message says what).',
    fix: 'Read the current state (balance, authorization) and send what still applies.',
  },
  DuplicateReference: {
    status: 409,
    caseCode: '01',
    title: 'Duplicate',
    meaning: 'The partnerReferenceNo was used before by this business: the earlier request went through.',
    fix: 'Do not issue again: the answer carries the existing object (e.g. `card`); GET /snap/v1.0/cards?partnerReferenceNo= finds it too.',
  },
  PayloadTooLarge: {
    status: 413,
    caseCode: '00',
    title: 'Payload Too Large',
    meaning: 'The body is larger than 1 MB.',
    fix: 'Send less per call (import cards in batches).',
  },
  UnsupportedMediaType: {
    status: 415,
    caseCode: '00',
    title: 'Unsupported Media Type',
    meaning: 'A body was sent without Content-Type: application/json (or in an unsupported encoding).',
    fix: 'Send Content-Type: application/json with a UTF-8 body.',
  },
  AccountLocked: {
    status: 423,
    caseCode: '00',
    title: 'Account locked',
    meaning: 'Five wrong passwords or codes in a row lock an admin account for 15 minutes.',
    fix: 'Wait until the time in the message, then log in with the right credentials.',
  },
  TooManyRequests: {
    status: 429,
    caseCode: '00',
    title: 'Too Many Requests',
    meaning: 'The caller went over its rate limit.',
    fix: 'Wait the seconds in Retry-After, then send again (with a new X-EXTERNAL-ID unless it is a retry of the same write).',
  },
  GeneralError: {
    status: 500,
    caseCode: '00',
    title: 'General Error',
    meaning: 'An unexpected error in Kartu; it is logged with the request id the message carries.',
    fix: 'Retry later; if it persists, report the request id to the operator.',
  },
  ServiceUnavailable: {
    status: 503,
    caseCode: '00',
    title: 'Service Unavailable',
    meaning: 'The database could not be reached: nothing is wrong with the request. A write in flight may have taken effect.',
    fix: 'Send the same request again after Retry-After; for writes reuse X-EXTERNAL-ID and partnerReferenceNo so a repeat is recognised.',
  },
  IssuerUnavailable: {
    status: 503,
    caseCode: '00',
    title: 'Issuer unavailable',
    meaning: 'The network API’s 503: the issuer cannot decide now (ISO 8583 91).',
    fix: 'Send the same message id again after Retry-After: it gets the answer recorded for it, if any, or is decided then.',
    fixedCode: '91',
  },
} as const satisfies Record<string, ErrorFamily>;

export type ErrorFamilyName = keyof typeof ERROR_FAMILIES;

/** A family's HTTP status and case code, for a KartuError subclass's super call. */
export function statusAndCase(name: ErrorFamilyName): readonly [number, string] {
  const f = ERROR_FAMILIES[name];
  return [f.status, f.caseCode];
}

/** The SNAP service codes: the middle two digits of a responseCode. */
export const SERVICES: Record<string, string> = {
  '00': 'Platform: unknown paths, sandbox utilities, admin sessions and the network API',
  '11': 'Balance inquiry (and the admin balance and overview)',
  '12': 'Transaction history list (and the admin lists of authorizations and transactions)',
  '13': 'Transaction history detail (and the admin authorization detail)',
  '73': 'Access token B2B',
  '90': 'Card issuance',
  '91': 'Card inquiry',
  '92': 'Card update, activation and PIN',
  '93': 'Card reveal',
  '94': 'Cardholders',
  '95': 'Spend policies',
  '96': 'Sandbox simulation',
  '97': 'Webhooks and events',
  '98': 'Rewards',
  '99': 'Reports',
};

export interface Iso8583Code {
  code: string;
  meaning: string;
  /** What decided it (the authorization pipeline's stage). */
  when: string;
  fix: string;
}

/** The ISO 8583 response codes the network API answers in `responseCode` (decision.ts, authorize.ts, policies). */
export const ISO_8583_CODES: Iso8583Code[] = [
  { code: '00', meaning: 'Approved', when: 'Every check passed; the full amount is held.', fix: '—' },
  { code: '10', meaning: 'Partial approval', when: 'partialAllowed was sent and funds or a spending limit covered only part: approvedAmount says how much.', fix: 'Collect the rest another way.' },
  { code: '05', meaning: 'Do not honour', when: 'The business is not active, a single-use card was already used, the currency is not the card’s, an increment’s original is not open on the card, or a policy declined with 05.', fix: 'The reason on the authorization (admin API, dashboard) says which.' },
  { code: '14', meaning: 'Invalid card number', when: 'No card has this number.', fix: 'Check the card number.' },
  { code: '51', meaning: 'Insufficient funds', when: 'The funding account’s available balance does not cover the amount.', fix: 'Top up the funding account.' },
  { code: '54', meaning: 'Expired card', when: 'The card has expired or the expiry sent does not match.', fix: 'Use the card’s expiry; issue a new card when it has expired.' },
  { code: '57', meaning: 'Transaction not permitted to cardholder', when: 'A spend control (merchant category, country, merchant) or the card’s merchant lock refused it, or a policy on merchant facts declined it.', fix: 'Change the card’s spend controls or the policy if the purchase should pass.' },
  { code: '59', meaning: 'Suspected fraud', when: 'A spend policy declined it.', fix: 'Review the policy that decided (the authorization’s outcome names it).' },
  { code: '61', meaning: 'Exceeds withdrawal amount limit', when: 'A spending limit of the card (or a policy) refused it.', fix: 'Raise the limit, or wait for its window to reset (GET /admin/v1/cards/{cardId}/limit-usage).' },
  { code: '62', meaning: 'Restricted card', when: 'The card or its cardholder is not active (frozen, inactive, terminated, blocked).', fix: 'Activate the card or the cardholder.' },
  { code: '65', meaning: 'Exceeds withdrawal frequency limit', when: 'A count limit of the card (or a policy) refused it.', fix: 'Raise the count limit, or wait for its window to reset.' },
  { code: '82', meaning: 'Negative CVV result', when: 'The CVV sent does not match the card.', fix: 'Check the CVV.' },
  { code: '91', meaning: 'Issuer unavailable', when: 'HTTP 503: Kartu could not reach its database to decide.', fix: 'Send the same message id again after Retry-After.' },
];
