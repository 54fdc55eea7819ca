import { EventSource } from 'eventsource';
import type { RequestChange } from '@desk/read-models';
import { OpenApiContract, type OpenApiDocument } from '../support/openapi-contract';

/** Holds one change event's data to the document; throws saying what is wrong. */
export type ChangeCheck = (data: string) => void;

/**
 * The schema GET /changes documents for its text/event-stream answer, applied to each event's data (the contract
 * of the specs' HTTP answers reads JSON bodies only): read from the API's own document at `baseUrl` (a child process).
 */
export async function changeCheckAt(baseUrl: string): Promise<ChangeCheck> {
  const response = await fetch(`${baseUrl}/openapi.json`, { signal: AbortSignal.timeout(20_000) });
  if (response.status !== 200) throw new Error(`GET ${baseUrl}/openapi.json answered ${response.status}`);
  return changeCheckOf(await response.text());
}

/** The same from the document's text (an in-process desk's, read without a connection that would outlive the spec). */
export function changeCheckOf(documentText: string): ChangeCheck {
  const document = JSON.parse(documentText) as OpenApiDocument;
  const schema = document.paths['/changes'].get.responses?.['200'].content?.['text/event-stream'].schema;
  if (!schema) throw new Error('the document gives GET /changes no text/event-stream schema');
  // The event's data as the JSON answer of an operation of its own, so the contract's closed objects and formats apply.
  const contract = new OpenApiContract({
    ...document,
    paths: { '/change-event': { get: { responses: { '200': { content: { 'application/json': { schema } } } } } } },
  });
  return (data) => contract.check({ method: 'GET', url: '/change-event', status: 200, contentType: 'application/json', body: data });
}

/** A change as an EventSource client received it: the SSE id with the event's data. */
export interface ReceivedChange extends RequestChange {
  id: string;
}

/** How a follower checks and connects. */
export interface FollowerOptions {
  /** Each change's data held to the document. */
  check?: ChangeCheck;
}

/**
 * A real EventSource client (the `eventsource` package) following GET /changes with a bearer token: it reconnects
 * by itself, sending Last-Event-ID, as a browser's does. Every connection it makes goes through its own fetch, which
 * records the Last-Event-ID it sent, and which `hold` keeps from reaching the server until `release` (the client's
 * network down while the server is not).
 */
export class ChangeFollower {
  readonly changes: ReceivedChange[] = [];
  readonly errors: { code?: number; message?: string }[] = [];
  /** Events whose data the document does not describe. */
  readonly violations: string[] = [];
  /** The Last-Event-ID header of each connection the client made, in order (undefined: none sent). */
  readonly lastEventIds: (string | undefined)[] = [];
  opens = 0;
  private readonly source: EventSource;
  private gate: Promise<void> | null = null;
  private openGate: (() => void) | null = null;

  constructor(url: string, token: string, options: FollowerOptions = {}) {
    this.source = new EventSource(url, {
      fetch: async (input, init) => {
        const headers = init?.headers as Record<string, string>;
        await this.gate;
        this.lastEventIds.push(headers['Last-Event-ID']);
        return fetch(input, { ...init, headers: { ...headers, authorization: `Bearer ${token}` } });
      },
    });
    this.source.addEventListener('open', () => this.opens++);
    this.source.addEventListener('error', (event) => this.errors.push({ code: event.code, message: event.message }));
    this.source.addEventListener('change', (event) => {
      try {
        options.check?.(event.data as string);
      } catch (error) {
        this.violations.push((error as Error).message);
      }
      this.changes.push({ id: event.lastEventId, ...(JSON.parse(event.data as string) as RequestChange) });
    });
  }

  /** From now on the client's connections wait (the one it has stays), until release. */
  hold(): void {
    this.gate ??= new Promise((resolve) => (this.openGate = resolve));
  }

  release(): void {
    this.openGate?.();
    this.gate = null;
    this.openGate = null;
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
      () => {
        if (this.violations.length > 0) throw new Error(`a change event is not as the document says: ${this.violations[0]}`);
        return this.changes.length >= count;
      },
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
