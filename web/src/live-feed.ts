import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { API_BASE } from './api';
import type { StreamEvent } from './api-types';

/** The event types of GET /stream the dashboard listens to (an EventSource hears only named types). */
export const STREAM_EVENT_TYPES = [
  'authorization.created',
  'authorization.updated',
  'transaction.cleared',
  'transaction.refunded',
  'card.created',
  'card.updated',
  'cardholder.created',
  'cardholder.updated',
  'funding.credited',
] as const;

export type FeedStatus = 'connecting' | 'live' | 'reconnecting';

/** What each event makes stale. */
function staleKeys(type: string): string[][] {
  if (type.startsWith('authorization.') || type.startsWith('transaction.')) return [['overview'], ['authorizations'], ['authorization']];
  if (type.startsWith('funding.')) return [['overview']];
  if (type.startsWith('card.')) return [['cards'], ['card']];
  if (type.startsWith('cardholder.')) return [['cardholders'], ['cardholder']];
  return [];
}

/**
 * The live feed (Server-Sent Events from GET /admin/v1/stream), newest first, at most `keep`
 * events. The browser reconnects by itself with Last-Event-ID, so nothing is missed or repeated;
 * each event marks what it changes as stale.
 */
export function useLiveFeed(keep = 50): { events: StreamEvent[]; status: FeedStatus } {
  const queryClient = useQueryClient();
  const [events, setEvents] = useState<StreamEvent[]>([]);
  const [status, setStatus] = useState<FeedStatus>('connecting');
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let retry: ReturnType<typeof setTimeout> | undefined;
    const source = new EventSource(`${API_BASE}/stream`);
    const onEvent = (message: MessageEvent<string>) => {
      let event: StreamEvent;
      try {
        event = JSON.parse(message.data) as StreamEvent;
      } catch {
        return;
      }
      setEvents((list) => (list.some((e) => e.id === event.id) ? list : [event, ...list].slice(0, keep)));
      for (const key of staleKeys(event.type)) void queryClient.invalidateQueries({ queryKey: key });
    };
    for (const type of STREAM_EVENT_TYPES) source.addEventListener(type, onEvent);
    source.onopen = () => setStatus('live');
    source.onerror = () => {
      setStatus('reconnecting');
      // Closed for good (the answer was not a stream, e.g. 401): /me tells whether the session is gone.
      // The browser gives up then: try again a little later.
      if (source.readyState === EventSource.CLOSED) {
        void queryClient.invalidateQueries({ queryKey: ['me'] });
        retry = setTimeout(() => setAttempt((n) => n + 1), 5_000);
      }
    };
    return () => {
      clearTimeout(retry);
      source.close();
    };
  }, [queryClient, keep, attempt]);
  return { events, status };
}
