import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { get } from '../../api';

// Answers of /admin/v1/developers… and /admin/v1/webhook-endpoints… (docs/dashboard.md, Developers).

export interface PublicKeyInfo {
  algorithm: 'RSA';
  bits: number;
  fingerprintSha256: string;
}

export interface Credentials {
  clientKey: string;
  partnerId: string;
  channelId: string;
  status: 'ACTIVE' | 'DISABLED';
  signatureMode: 'symmetric' | 'asymmetric';
  enabledServices: string[] | null;
  ipAllowlist: string[];
  rateLimitPerSecond: number | null;
  defaultRateLimitPerSecond: number;
  secretOverlapSeconds: number;
  publicKey: PublicKeyInfo;
  createdAt: string;
  lastUsedAt: string | null;
  secretLastUsedAt: string | null;
  secretRotatedAt: string | null;
  previousSecretValidUntil: string | null;
  previousSecretLastUsedAt: string | null;
  publicKeyLastUsedAt: string | null;
}

export interface DeveloperSettings {
  credentials: Credentials;
  services: Array<{ code: string; name: string }>;
  queueBoard: { path: string; reachable: boolean } | null;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  eventTypes: string[];
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface DeliveryAttempt {
  attemptedAt: string;
  outcome: 'succeeded' | 'failed';
  httpStatus: number | null;
  latencyMs: number;
  error: string | null;
  responseExcerpt: string | null;
}

export interface Delivery {
  id: string;
  endpointId: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'succeeded' | 'dead' | 'cancelled';
  attemptCount: number;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  lastHttpStatus: number | null;
  lastError: string | null;
  succeededAt: string | null;
  createdAt: string;
  attempts: DeliveryAttempt[];
}

/** Every query of the page starts with "developers": one invalidation refreshes them all. */
export const developerKeys = {
  all: ['developers'] as const,
  settings: ['developers', 'settings'] as const,
  eventTypes: ['developers', 'event-types'] as const,
  endpoints: ['developers', 'webhook-endpoints'] as const,
  endpoint: (id: string) => ['developers', 'webhook-endpoints', id] as const,
  /** Every page of an endpoint's deliveries. */
  deliveriesOf: (id: string) => ['developers', 'deliveries', id] as const,
  deliveries: (id: string, page: number) => ['developers', 'deliveries', id, page] as const,
};

export function useDeveloperSettings(enabled: boolean) {
  return useQuery({ queryKey: developerKeys.settings, queryFn: ({ signal }) => get<DeveloperSettings>('/developers', undefined, signal), enabled });
}

export function useEventTypes() {
  return useQuery({
    queryKey: developerKeys.eventTypes,
    queryFn: ({ signal }) => get<{ eventTypes: string[]; wildcards: string[] }>('/developers/event-types', undefined, signal),
    staleTime: Infinity,
  });
}

export function useWebhookEndpoints() {
  return useQuery({
    queryKey: developerKeys.endpoints,
    queryFn: ({ signal }) => get<{ webhookEndpoints: WebhookEndpoint[]; totalCount: number }>('/webhook-endpoints', { pageSize: 100 }, signal),
  });
}

export function useWebhookEndpoint(id: string) {
  return useQuery({
    queryKey: developerKeys.endpoint(id),
    queryFn: ({ signal }) => get<{ webhookEndpoint: WebhookEndpoint }>(`/webhook-endpoints/${encodeURIComponent(id)}`, undefined, signal),
  });
}

export const DELIVERY_PAGE_SIZE = 20;

export function useDeliveries(endpointId: string, page: number) {
  return useQuery({
    queryKey: developerKeys.deliveries(endpointId, page),
    queryFn: ({ signal }) =>
      get<{ deliveries: Delivery[]; totalCount: number }>(`/webhook-endpoints/${encodeURIComponent(endpointId)}/deliveries`, { pageSize: DELIVERY_PAGE_SIZE, pageNumber: page }, signal),
    placeholderData: keepPreviousData,
  });
}
