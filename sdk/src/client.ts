import { jsonObject, SnapTransport, type CallOptions, type KartuOptions } from './transport.js';
import type { Amount, Answer, Body, Query } from './operations.js';

const P = '/snap/v1.0';
type Q = CallOptions['query'];
const seg = encodeURIComponent;

/** The partner sandbox's lifecycle calls (contract 3): amount omitted = the whole authorization / clearing. */
interface SandboxStep<Key extends string> {
  pathParams: { authorizationId: string };
  query: never;
  requestBody: { amount?: Amount };
  response: { responseCode: string; responseMessage: string } & Record<Key, Record<string, unknown>>;
}

/** A report's file as Kartu serves it (CSV or PDF). */
export interface ReportFile {
  contentType: string;
  fileName?: string;
  data: Uint8Array;
}

/**
 * Kartu's partner API (/snap/v1.0), grouped by what it is about. Every method signs its call,
 * keeps a token, retries what is safe to retry and throws KartuApiError / KartuNetworkError.
 */
export class Kartu {
  private readonly transport: SnapTransport;

  constructor(options: KartuOptions) {
    this.transport = new SnapTransport(options);
  }

  /**
   * Any partner call, for routes newer than this SDK: `path` with its query (or `options.query`),
   * `body` serialised with JSON.stringify. Resolves to the parsed answer; throws as the typed methods do.
   */
  async request<T = Record<string, unknown>>(method: string, path: string, body?: unknown, options?: CallOptions): Promise<T> {
    return jsonObject((await this.transport.call(method, path, body, options)).bytes) as T;
  }

  /** The B2B access token the calls use (cached); for tools that sign calls themselves. */
  accessToken(): Promise<string> {
    return this.transport.accessToken();
  }

  private call<T>(method: string, path: string, body?: unknown, query?: unknown): Promise<T> {
    return this.request<T>(method, path, body, { query: query as Q });
  }

  readonly cardholders = {
    create: (body: Body<'/snap/v1.0/cardholders', 'post'>) => this.call<Answer<'/snap/v1.0/cardholders', 'post'>>('POST', `${P}/cardholders`, body),
    list: (query?: Query<'/snap/v1.0/cardholders', 'get'>) => this.call<Answer<'/snap/v1.0/cardholders', 'get'>>('GET', `${P}/cardholders`, undefined, query),
    get: (id: string) => this.call<Answer<'/snap/v1.0/cardholders/{id}', 'get'>>('GET', `${P}/cardholders/${seg(id)}`),
    update: (id: string, body: Body<'/snap/v1.0/cardholders/{id}', 'patch'>) => this.call<Answer<'/snap/v1.0/cardholders/{id}', 'patch'>>('PATCH', `${P}/cardholders/${seg(id)}`, body),
  };

  readonly cards = {
    /** Issues a card; a partnerReferenceNo already used answers 4099001 with the existing card in `error.body.card`. */
    issue: (body: Body<'/snap/v1.0/cards', 'post'>) => this.call<Answer<'/snap/v1.0/cards', 'post'>>('POST', `${P}/cards`, body),
    list: (query?: Query<'/snap/v1.0/cards', 'get'>) => this.call<Answer<'/snap/v1.0/cards', 'get'>>('GET', `${P}/cards`, undefined, query),
    get: (cardId: string) => this.call<Answer<'/snap/v1.0/cards/{cardId}', 'get'>>('GET', `${P}/cards/${seg(cardId)}`),
    /** Status (freeze, terminate...), spend controls, metadata. */
    update: (cardId: string, body: Body<'/snap/v1.0/cards/{cardId}', 'patch'>) => this.call<Answer<'/snap/v1.0/cards/{cardId}', 'patch'>>('PATCH', `${P}/cards/${seg(cardId)}`, body),
    activate: (cardId: string) => this.call<Answer<'/snap/v1.0/cards/{cardId}/activate', 'post'>>('POST', `${P}/cards/${seg(cardId)}/activate`),
    setPin: (cardId: string, body: Body<'/snap/v1.0/cards/{cardId}/pin', 'post'>) => this.call<Answer<'/snap/v1.0/cards/{cardId}/pin', 'post'>>('POST', `${P}/cards/${seg(cardId)}/pin`, body),
    /** The full number, CVV and expiry (sandbox: the test card's). */
    reveal: (cardId: string) => this.call<Answer<'/snap/v1.0/cards/{cardId}/reveal', 'post'>>('POST', `${P}/cards/${seg(cardId)}/reveal`),
  };

  /** A card's spend controls (limits, categories, countries, merchants): read and replaced through the card. */
  readonly controls = {
    get: async (cardId: string) => (await this.cards.get(cardId)).card.spendControls,
    set: (cardId: string, spendControls: NonNullable<Body<'/snap/v1.0/cards/{cardId}', 'patch'>['spendControls']>) => this.cards.update(cardId, { spendControls }),
  };

  readonly policies = {
    create: (body: Body<'/snap/v1.0/policies', 'post'>) => this.call<Answer<'/snap/v1.0/policies', 'post'>>('POST', `${P}/policies`, body),
    list: (query?: Query<'/snap/v1.0/policies', 'get'>) => this.call<Answer<'/snap/v1.0/policies', 'get'>>('GET', `${P}/policies`, undefined, query),
    get: (id: string) => this.call<Answer<'/snap/v1.0/policies/{id}', 'get'>>('GET', `${P}/policies/${seg(id)}`),
    update: (id: string, body: Body<'/snap/v1.0/policies/{id}', 'patch'>) => this.call<Answer<'/snap/v1.0/policies/{id}', 'patch'>>('PATCH', `${P}/policies/${seg(id)}`, body),
    /** Runs rules against sample facts without saving anything. */
    test: (body: Body<'/snap/v1.0/policies/test', 'post'>) => this.call<Answer<'/snap/v1.0/policies/test', 'post'>>('POST', `${P}/policies/test`, body),
    /** Starts a backtest of a version over past authorizations; poll `getBacktest`. */
    backtest: (id: string, body: Body<'/snap/v1.0/policies/{id}/backtest', 'post'>) => this.call<Answer<'/snap/v1.0/policies/{id}/backtest', 'post'>>('POST', `${P}/policies/${seg(id)}/backtest`, body),
    getBacktest: (id: string, backtestId: string) => this.call<Answer<'/snap/v1.0/policies/{id}/backtests/{backtestId}', 'get'>>('GET', `${P}/policies/${seg(id)}/backtests/${seg(backtestId)}`),
    versions: {
      create: (id: string, body: Body<'/snap/v1.0/policies/{id}/versions', 'post'>) => this.call<Answer<'/snap/v1.0/policies/{id}/versions', 'post'>>('POST', `${P}/policies/${seg(id)}/versions`, body),
      list: (id: string, query?: Query<'/snap/v1.0/policies/{id}/versions', 'get'>) => this.call<Answer<'/snap/v1.0/policies/{id}/versions', 'get'>>('GET', `${P}/policies/${seg(id)}/versions`, undefined, query),
      get: (id: string, versionId: string) => this.call<Answer<'/snap/v1.0/policies/{id}/versions/{versionId}', 'get'>>('GET', `${P}/policies/${seg(id)}/versions/${seg(versionId)}`),
      activate: (id: string, versionId: string) => this.call<Answer<'/snap/v1.0/policies/{id}/versions/{versionId}/activate', 'post'>>('POST', `${P}/policies/${seg(id)}/versions/${seg(versionId)}/activate`),
    },
  };

  readonly balance = {
    /** SNAP balance inquiry (service 11): the funding account's ledger, hold and available amounts. */
    inquiry: (body: Body<'/snap/v1.0/balance-inquiry', 'post'> = {}) => this.call<Answer<'/snap/v1.0/balance-inquiry', 'post'>>('POST', `${P}/balance-inquiry`, body),
  };

  readonly transactions = {
    /** SNAP transaction history list (service 12). */
    list: (body: Body<'/snap/v1.0/transaction-history-list', 'post'> = {}) => this.call<Answer<'/snap/v1.0/transaction-history-list', 'post'>>('POST', `${P}/transaction-history-list`, body),
    /** SNAP transaction history detail (service 13). */
    detail: (body: Body<'/snap/v1.0/transaction-history-detail', 'post'>) => this.call<Answer<'/snap/v1.0/transaction-history-detail', 'post'>>('POST', `${P}/transaction-history-detail`, body),
  };

  readonly webhooks = {
    /** The answer's `webhookEndpoint.secret` is shown only here: keep it to verify Kartu-Signature. */
    create: (body: Body<'/snap/v1.0/webhook-endpoints', 'post'>) => this.call<Answer<'/snap/v1.0/webhook-endpoints', 'post'>>('POST', `${P}/webhook-endpoints`, body),
    list: (query?: Query<'/snap/v1.0/webhook-endpoints', 'get'>) => this.call<Answer<'/snap/v1.0/webhook-endpoints', 'get'>>('GET', `${P}/webhook-endpoints`, undefined, query),
    get: (id: string) => this.call<Answer<'/snap/v1.0/webhook-endpoints/{id}', 'get'>>('GET', `${P}/webhook-endpoints/${seg(id)}`),
    update: (id: string, body: Body<'/snap/v1.0/webhook-endpoints/{id}', 'patch'>) => this.call<Answer<'/snap/v1.0/webhook-endpoints/{id}', 'patch'>>('PATCH', `${P}/webhook-endpoints/${seg(id)}`, body),
    delete: (id: string) => this.call<Answer<'/snap/v1.0/webhook-endpoints/{id}', 'delete'>>('DELETE', `${P}/webhook-endpoints/${seg(id)}`),
    deliveries: (id: string, query?: Query<'/snap/v1.0/webhook-endpoints/{id}/deliveries', 'get'>) => this.call<Answer<'/snap/v1.0/webhook-endpoints/{id}/deliveries', 'get'>>('GET', `${P}/webhook-endpoints/${seg(id)}/deliveries`, undefined, query),
    redeliver: (id: string, body: Body<'/snap/v1.0/webhook-endpoints/{id}/redeliver', 'post'>) => this.call<Answer<'/snap/v1.0/webhook-endpoints/{id}/redeliver', 'post'>>('POST', `${P}/webhook-endpoints/${seg(id)}/redeliver`, body),
    /** Kartu's notification public key (PEM), for verifyNotificationSignature; fetch once and keep it. */
    notificationPublicKey: () => this.call<Answer<'/snap/v1.0/notification-public-key', 'get'>>('GET', `${P}/notification-public-key`),
  };

  readonly events = {
    /** By time (`from`/`to`, oldest first) or gap-free by cursor (`after: 'start'`, then the answer's nextCursor). */
    list: (query?: Query<'/snap/v1.0/events', 'get'>) => this.call<Answer<'/snap/v1.0/events', 'get'>>('GET', `${P}/events`, undefined, query),
    get: (id: string) => this.call<Answer<'/snap/v1.0/events/{id}', 'get'>>('GET', `${P}/events/${seg(id)}`),
  };

  readonly rewards = {
    getProgram: () => this.call<Answer<'/snap/v1.0/rewards/program', 'get'>>('GET', `${P}/rewards/program`),
    setProgram: (body: Body<'/snap/v1.0/rewards/program', 'put'>) => this.call<Answer<'/snap/v1.0/rewards/program', 'put'>>('PUT', `${P}/rewards/program`, body),
    balance: (query: Query<'/snap/v1.0/rewards/balance', 'get'>) => this.call<Answer<'/snap/v1.0/rewards/balance', 'get'>>('GET', `${P}/rewards/balance`, undefined, query),
    history: (query: Query<'/snap/v1.0/rewards/history', 'get'>) => this.call<Answer<'/snap/v1.0/rewards/history', 'get'>>('GET', `${P}/rewards/history`, undefined, query),
    redeem: (body: Body<'/snap/v1.0/rewards/redeem', 'post'>) => this.call<Answer<'/snap/v1.0/rewards/redeem', 'post'>>('POST', `${P}/rewards/redeem`, body),
  };

  readonly reports = {
    /** Starts a report; poll `get` until it is done, then `download`. */
    create: (body: Body<'/snap/v1.0/reports', 'post'>) => this.call<Answer<'/snap/v1.0/reports', 'post'>>('POST', `${P}/reports`, body),
    list: (query?: Query<'/snap/v1.0/reports', 'get'>) => this.call<Answer<'/snap/v1.0/reports', 'get'>>('GET', `${P}/reports`, undefined, query),
    summary: () => this.call<Answer<'/snap/v1.0/reports/summary', 'get'>>('GET', `${P}/reports/summary`),
    get: (id: string) => this.call<Answer<'/snap/v1.0/reports/{id}', 'get'>>('GET', `${P}/reports/${seg(id)}`),
    download: async (id: string): Promise<ReportFile> => {
      const answer = await this.transport.call('GET', `${P}/reports/${seg(id)}/file`);
      const fileName = /filename="([^"]+)"/.exec(answer.headers.get('content-disposition') ?? '')?.[1];
      return { contentType: answer.headers.get('content-type') ?? 'application/octet-stream', ...(fileName ? { fileName } : {}), data: answer.bytes };
    },
  };

  /** Sandbox only: play the card network and the bank, to see cards, history and webhooks move. */
  readonly sandbox = {
    /** Credits the funding account, as a bank transfer would. */
    fund: (body: Body<'/snap/v1.0/simulate/funding', 'post'>) => this.call<Answer<'/snap/v1.0/simulate/funding', 'post'>>('POST', `${P}/simulate/funding`, body),
    /** A purchase on a card, decided as a network authorization would be. */
    authorize: (body: Body<'/snap/v1.0/simulate/authorizations', 'post'>) => this.call<Answer<'/snap/v1.0/simulate/authorizations', 'post'>>('POST', `${P}/simulate/authorizations`, body),
    /** Clears an authorization (all of it, part, or more with the amount). */
    clear: (authorizationId: string, body: { amount?: Amount } = {}) => this.call<Answer<'/snap/v1.0/simulate/authorizations/{authorizationId}/clear', 'post', SandboxStep<'clearing'>>>('POST', `${P}/simulate/authorizations/${seg(authorizationId)}/clear`, body),
    /** Reverses what is left of an authorization (or part of it). */
    reverse: (authorizationId: string, body: { amount?: Amount } = {}) => this.call<Answer<'/snap/v1.0/simulate/authorizations/{authorizationId}/reverse', 'post', SandboxStep<'reversal'>>>('POST', `${P}/simulate/authorizations/${seg(authorizationId)}/reverse`, body),
    /** Refunds a cleared purchase (all of it or part). */
    refund: (authorizationId: string, body: { amount?: Amount } = {}) => this.call<Answer<'/snap/v1.0/simulate/authorizations/{authorizationId}/refund', 'post', SandboxStep<'refund'>>>('POST', `${P}/simulate/authorizations/${seg(authorizationId)}/refund`, body),
    /** Moves a physical card's shipping along. */
    shipCard: (cardId: string, body: Body<'/snap/v1.0/simulate/cards/{cardId}/shipping', 'post'>) => this.call<Answer<'/snap/v1.0/simulate/cards/{cardId}/shipping', 'post'>>('POST', `${P}/simulate/cards/${seg(cardId)}/shipping`, body),
  };

  /** Sandbox only: Kartu computes a signature from the inputs you send, to compare with yours. Never send production keys. */
  readonly utilities = {
    signatureAuth: (body: Body<'/snap/v1.0/utilities/signature-auth', 'post'>) => this.call<Answer<'/snap/v1.0/utilities/signature-auth', 'post'>>('POST', `${P}/utilities/signature-auth`, body),
    signatureService: (body: Body<'/snap/v1.0/utilities/signature-service', 'post'>) => this.call<Answer<'/snap/v1.0/utilities/signature-service', 'post'>>('POST', `${P}/utilities/signature-service`, body),
  };
}
