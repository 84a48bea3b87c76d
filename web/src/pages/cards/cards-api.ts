import { keepPreviousData, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { get } from '../../api';
import type { AuthorizationPage, Cardholder } from '../../api-types';
import { cardListQuery, type CardFilters } from './card-filters';
import type { Card, CardList, LimitUsage, MccGroup } from './card-types';

/** Every cards query starts with "cards", so one invalidation refreshes lists, cards and usage. */
export const cardKeys = {
  all: ['cards'] as const,
  list: (filters: CardFilters) => ['cards', 'list', filters] as const,
  card: (id: string) => ['cards', 'card', id] as const,
  usage: (id: string) => ['cards', 'usage', id] as const,
};

export function useCards(filters: CardFilters) {
  return useQuery({
    queryKey: cardKeys.list(filters),
    queryFn: ({ signal }) => get<CardList>('/cards', cardListQuery(filters), signal),
    placeholderData: keepPreviousData,
  });
}

export function useCard(id: string) {
  return useQuery({ queryKey: cardKeys.card(id), queryFn: ({ signal }) => get<{ card: Card }>(`/cards/${encodeURIComponent(id)}`, undefined, signal) });
}

export function useLimitUsage(id: string) {
  return useQuery({
    queryKey: cardKeys.usage(id),
    queryFn: ({ signal }) => get<{ limits: LimitUsage[] }>(`/cards/${encodeURIComponent(id)}/limit-usage`, undefined, signal),
  });
}

/** The MCC groups a control may name (rules/mcc-groups.json): they change only with a release. */
export function useMccGroups() {
  return useQuery({
    queryKey: ['mcc-groups'],
    queryFn: ({ signal }) => get<{ mccGroups: MccGroup[] }>('/mcc-groups', undefined, signal),
    staleTime: Infinity,
    select: (data) => data.mccGroups,
  });
}

function cardholderQuery(id: string) {
  return {
    queryKey: ['cardholder', id],
    queryFn: ({ signal }: { signal: AbortSignal }) => get<{ cardholder: Cardholder }>(`/cardholders/${encodeURIComponent(id)}`, undefined, signal),
  };
}

export function useCardholder(id: string | undefined) {
  return useQuery({ ...cardholderQuery(id ?? ''), enabled: Boolean(id) });
}

/** The cardholders behind these ids (each asked once and cached), by id. */
export function useCardholders(ids: readonly string[]): Map<string, Cardholder> {
  const unique = [...new Set(ids)];
  return useQueries({
    queries: unique.map(cardholderQuery),
    combine: (results) => new Map(results.flatMap((r) => (r.data ? [[r.data.cardholder.id, r.data.cardholder] as const] : []))),
  });
}

export const CARD_AUTHORIZATIONS_PAGE = 20;

export function useCardAuthorizations(cardId: string) {
  return useQuery({
    queryKey: ['authorizations', { cardId }],
    queryFn: ({ signal }) => get<AuthorizationPage>('/authorizations', { cardId, pageSize: CARD_AUTHORIZATIONS_PAGE }, signal),
  });
}

/** After a card changed: it, its usage, its authorizations and every list show the new state. */
export function useCardChanged(): (card: Card) => void {
  const queryClient = useQueryClient();
  return (card) => {
    queryClient.setQueryData(cardKeys.card(card.id), { card });
    void queryClient.invalidateQueries({ queryKey: cardKeys.all, predicate: (q) => q.queryKey[1] !== 'card' || q.queryKey[2] !== card.id });
    void queryClient.invalidateQueries({ queryKey: ['authorizations', { cardId: card.id }] });
  };
}
