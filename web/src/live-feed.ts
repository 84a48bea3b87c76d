import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { API_BASE } from './api';
import type { StreamEvent } from './api-types';
// The one list of the feed's event types (an EventSource hears only the named types it listens to).
import { STREAM_EVENT_TYPES } from '../../src/modules/events/event-types';

export type FeedStatus = 'connecting' | 'live' | 'reconnecting';

/** The query keys (their first part) each event makes stale. */
function staleKeys(type: string): string[] {
  if (type.startsWith('authorization.') || type.startsWith('transaction.')) return ['overview', 'authorizations', 'authorization'];
  if (type.startsWith('funding.')) return ['overview'];
  if (type.startsWith('card.')) return ['cards', 'card'];
  if (type.startsWith('cardholder.')) return ['cardholders', 'cardholder'];
  return [];
}

/** Everything the feed's events can make stale. */
const ALL_STALE_KEYS = [...new Set(STREAM_EVENT_TYPES.flatMap(staleKeys))];

/**
 * A stream end the browser is reconnecting from (the server ends every stream after 5 minutes and
 * asks for a reconnect after 1 s) shows as "reconnecting" only when the reconnect takes longer.
 */
const RECONNECT_GRACE_MS = 3_000;
/** After the browser gave up on a stream (its answer was not a stream, e.g. 401 or 503), a new one this much later. */
const NEW_STREAM_DELAY_MS = 5_000;

/**
 * The live feed (Server-Sent Events from GET /admin/v1/stream), newest first, at most `keep`
 * events; each event marks what it changes as stale. Nothing is missed or repeated: the browser
 * reconnects a stream by itself with Last-Event-ID, and a new EventSource, after the browser gave
 * up on one, resumes with ?lastEventId= from the last event received. (A feed that has received
 * no event yet has no id to resume from: the new stream starts then, and everything it shows is
 * made stale instead.)
 */
export function useLiveFeed(keep = 50): { events: StreamEvent[]; status: FeedStatus } {
  const queryClient = useQueryClient();
  const [events, setEvents] = useState<StreamEvent[]>([]);
  const [status, setStatus] = useState<FeedStatus>('connecting');
  const [attempt, setAttempt] = useState(0);
  const lastEventId = useRef('');
  useEffect(() => {
    let newStream: ReturnType<typeof setTimeout> | undefined;
    let slowReconnect: ReturnType<typeof setTimeout> | undefined;
    const resumeFrom = lastEventId.current;
    const source = new EventSource(`${API_BASE}/stream${resumeFrom ? `?lastEventId=${encodeURIComponent(resumeFrom)}` : ''}`);
    const onEvent = (message: MessageEvent<string>) => {
      if (message.lastEventId) lastEventId.current = message.lastEventId;
      let event: StreamEvent;
      try {
        event = JSON.parse(message.data) as StreamEvent;
      } catch {
        return;
      }
      setEvents((list) => (list.some((e) => e.id === event.id) ? list : [event, ...list].slice(0, keep)));
      for (const key of staleKeys(event.type)) void queryClient.invalidateQueries({ queryKey: [key] });
    };
    for (const type of STREAM_EVENT_TYPES) source.addEventListener(type, onEvent);
    let opened = false;
    source.onopen = () => {
      clearTimeout(slowReconnect);
      slowReconnect = undefined;
      setStatus('live');
      // A new stream after one given up on, with nothing to resume from, may have missed something.
      if (!opened && attempt > 0 && !resumeFrom) for (const key of ALL_STALE_KEYS) void queryClient.invalidateQueries({ queryKey: [key] });
      opened = true;
    };
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        // Given up: /me tells whether the session is gone; otherwise a new stream a little later.
        clearTimeout(slowReconnect);
        setStatus('reconnecting');
        void queryClient.invalidateQueries({ queryKey: ['me'] });
        newStream = setTimeout(() => setAttempt((n) => n + 1), NEW_STREAM_DELAY_MS);
      } else {
        slowReconnect ??= setTimeout(() => setStatus('reconnecting'), RECONNECT_GRACE_MS);
      }
    };
    return () => {
      clearTimeout(newStream);
      clearTimeout(slowReconnect);
      source.close();
    };
  }, [queryClient, keep, attempt]);
  return { events, status };
}
