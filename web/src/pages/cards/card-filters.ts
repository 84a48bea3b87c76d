/**
 * The cards list's filters, kept in the page's URL (`/cards?q=ani&status=FROZEN&page=2`) so a
 * filtered list can be bookmarked, shared and returned to. Values the API would refuse (an unknown
 * status, a cardholder id that is not a UUID) are dropped rather than sent.
 */

export const CARD_STATUSES = ['INACTIVE', 'ACTIVE', 'FROZEN', 'TERMINATED', 'EXPIRED'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];
export const CARD_TYPES = ['VIRTUAL', 'PHYSICAL', 'SINGLE_USE', 'MERCHANT_LOCKED'] as const;
export type CardType = (typeof CARD_TYPES)[number];

export const CARDS_PAGE_SIZE = 20;

export interface CardFilters {
  /** Cardholder name or email (a substring), or the card's last 4 digits. */
  q: string;
  status?: CardStatus;
  type?: CardType;
  cardholderId?: string;
  /** 1-based, as the URL shows it. */
  page: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The API's limit on `q`. */
const MAX_QUERY_LENGTH = 100;

function oneOf<T extends string>(values: readonly T[], value: string | null): T | undefined {
  return values.find((v) => v === value);
}

export function filtersFromParams(params: URLSearchParams): CardFilters {
  const page = Number(params.get('page'));
  const cardholderId = params.get('cardholderId') ?? '';
  return {
    q: (params.get('q') ?? '').slice(0, MAX_QUERY_LENGTH),
    status: oneOf(CARD_STATUSES, params.get('status')),
    type: oneOf(CARD_TYPES, params.get('type')),
    cardholderId: UUID.test(cardholderId) ? cardholderId : undefined,
    page: Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1,
  };
}

/** The URL's search params for these filters; defaults are left out. */
export function filtersToParams(filters: CardFilters): URLSearchParams {
  const params = new URLSearchParams();
  if (filters.q.trim()) params.set('q', filters.q);
  if (filters.status) params.set('status', filters.status);
  if (filters.type) params.set('type', filters.type);
  if (filters.cardholderId) params.set('cardholderId', filters.cardholderId);
  if (filters.page > 1) params.set('page', String(filters.page));
  return params;
}

/** The query of GET /cards for these filters. */
export function cardListQuery(filters: CardFilters): Record<string, string | number | undefined> {
  return {
    q: filters.q.trim() || undefined,
    status: filters.status,
    type: filters.type,
    cardholderId: filters.cardholderId,
    pageNumber: filters.page - 1,
    pageSize: CARDS_PAGE_SIZE,
  };
}

export function pageCount(totalCount: number): number {
  return Math.max(1, Math.ceil(totalCount / CARDS_PAGE_SIZE));
}
