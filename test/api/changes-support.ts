import { EventSource } from 'eventsource';
import type { RequestChange } from '@desk/read-models';

/** A change as an EventSource client received it: the SSE id with the event's data. */
export interface ReceivedChange extends RequestChange {
  id: string;
}

/**
 * A real EventSource client (the `eventsource` package) following GET /changes with a bearer token: it reconnects
 * by itself, sending Last-Event-ID, as a browser's does.
 */
export class ChangeFollower {
  readonly changes: ReceivedChange[] = [];
  readonly errors: { code?: number; message?: string }[] = [];
  opens = 0;
  private readonly source: EventSource;

  constructor(url: string, token: string) {
    this.source = new EventSource(url, {
      fetch: (input, init) =>
        fetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${token}` } }),
    });
    this.source.addEventListener('open', () => this.opens++);
    this.source.addEventListener('error', (event) => this.errors.push({ code: event.code, message: event.message }));
    this.source.addEventListener('change', (event) => {
      this.changes.push({ id: event.lastEventId, ...(JSON.parse(event.data as string) as RequestChange) });
    });
  }

  get readyState(): number {
    return this.source.readyState;
  }

  /** Resolves once the stream is open (the headers and the first line arrived). */
  async opened(timeoutMs = 10_000): Promise<void> {
    await waitUntil(() => this.opens > 0, timeoutMs, 'the stream to open');
  }

  /** Resolves once `count` changes arrived in all; fails naming what did arrive. */
  async received(count: number, timeoutMs = 10_000): Promise<ReceivedChange[]> {
    await waitUntil(
      () => this.changes.length >= count,
      timeoutMs,
      `${count} changes (got ${this.changes.length})`,
      () => JSON.stringify(this.changes.map((change) => [change.id, change.requestId, change.eventType])),
    );
    return this.changes;
  }

  close(): void {
    this.source.close();
  }
}

export async function waitUntil(check: () => boolean, timeoutMs: number, what: string, got: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} ${got()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * GET /changes read by hand (fetch, not EventSource): what a curl -N sees, for keep-alives, headers and statuses.
 * `text()` is what arrived so far.
 */
export async function rawStream(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Headers; text: () => string; close: () => void; ended: Promise<void> }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  let text = '';
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
    } catch {
      // Aborted by close().
    }
  })();
  return { status: response.status, headers: response.headers, text: () => text, close: () => abort.abort(), ended };
}
