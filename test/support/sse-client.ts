import http from 'node:http';
import { waitFor } from './wait-for';

/** One dispatched Server-Sent Event. */
export interface SseEvent {
  id: string;
  event: string;
  data: string;
  /** When it was parsed (Date.now()). */
  receivedAt: number;
}

/**
 * Reads a text/event-stream with node:http, as an EventSource would parse it (id, event, data,
 * retry, comments), keeping every event, the last id and the retry hint.
 */
export class SseClient {
  readonly events: SseEvent[] = [];
  lastEventId = '';
  retry?: number;
  comments = 0;
  /** The connection is over (either way). */
  ended = false;
  /** The server ended the stream properly (the whole chunked body arrived), rather than the connection breaking. */
  completed = false;
  private buffer = '';

  private constructor(
    readonly status: number,
    readonly headers: http.IncomingHttpHeaders,
    private readonly req: http.ClientRequest,
    readonly body: http.IncomingMessage,
  ) {}

  /** Resolves once the response headers are in; a non-2xx body is in `text()`. */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
        const client = new SseClient(res.statusCode ?? 0, res.headers, req, res);
        res.setEncoding('utf8');
        if ((res.headers['content-type'] ?? '').startsWith('text/event-stream')) res.on('data', (chunk: string) => client.feed(chunk));
        res.on('end', () => (client.completed = client.ended = true));
        res.on('error', () => (client.ended = true));
        res.on('close', () => (client.ended = true));
        resolve(client);
      });
      req.on('error', reject);
    });
  }

  /** The whole body of a response that is not a stream. */
  async text(): Promise<string> {
    let text = '';
    for await (const chunk of this.body) text += chunk;
    return text;
  }

  /** Waits until `count` events are in (15 s at most); the events. */
  async waitForEvents(count: number, timeoutMs = 15_000): Promise<SseEvent[]> {
    await waitFor(`${count} events (have ${this.events.length}: ${this.events.map((e) => e.event).join(', ')})`, () => this.events.length >= count, timeoutMs);
    return this.events;
  }

  /** Waits for the first event matching `match`. */
  waitForEvent(what: string, match: (e: SseEvent) => boolean, timeoutMs = 15_000): Promise<SseEvent> {
    return waitFor(what, () => this.events.find(match), timeoutMs);
  }

  /** Hangs up, as a closed tab does. */
  close(): void {
    this.req.destroy();
  }

  private feed(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      this.dispatch(block);
    }
  }

  private dispatch(block: string): void {
    let event = 'message';
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        this.comments++;
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') this.lastEventId = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
    }
    // As in EventSource: a block without data sets the last id but dispatches nothing.
    if (data.length > 0) this.events.push({ id: this.lastEventId, event, data: data.join('\n'), receivedAt: Date.now() });
  }
}
