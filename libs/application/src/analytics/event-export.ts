import type { EventStore, LogPosition, RecordedEvent } from '@desk/event-store';

/**
 * Characters JSON leaves as they are but some line readers end a line at (JavaScript's own, Python's
 * str.splitlines): written as escapes, a text holding one can never be read as a line of its own.
 * (U+001C to U+001E, which splitlines also ends lines at, JSON escapes already.)
 */
const LINE_BREAKERS = /[\u0085\u2028\u2029]/g;

/** An event as exported (HTTP and CLI alike): one JSON object per line, positions and revisions as decimal strings. */
export function exportLine(event: RecordedEvent): string {
  return (
    toJsonLine({
      position: String(event.position),
      streamId: event.streamId,
      revision: String(event.revision),
      id: event.id,
      type: event.type,
      occurredAt: event.metadata.occurredAt,
      recordedAt: event.recordedAt.toISOString(),
      data: event.data,
      metadata: event.metadata,
    }) + '\n'
  );
}

/** JSON text that is one line for every reader that splits lines. */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value).replace(LINE_BREAKERS, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export interface ExportFilter {
  /** Exclusive. */
  after?: LogPosition;
  eventTypes?: string[];
  streamPrefixes?: string[];
  /** Business time (occurredAt), ms since the epoch: from inclusive, to exclusive. */
  from?: number;
  to?: number;
  limit?: number;
}

/** The log in position order, filtered as an export asks, a page at a time; `onPage` hears how far it has read. */
export async function* exportedEvents(
  store: EventStore,
  filter: ExportFilter,
  onPage?: (readUpTo: LogPosition) => void,
): AsyncGenerator<RecordedEvent> {
  let after = filter.after ?? 0n;
  // Nothing lies past the head of the log: a position beyond it (even beyond what a store can bind, 2^63) exports nothing.
  if (after > 0n && after >= (await store.headPosition())) return;
  let remaining = filter.limit ?? Number.POSITIVE_INFINITY;
  while (remaining > 0) {
    const page = await store.readAll({ after, maxCount: 2000, eventTypes: filter.eventTypes, streamPrefixes: filter.streamPrefixes });
    if (page.length === 0) return;
    for (const event of page) {
      const at = Date.parse(String(event.metadata.occurredAt));
      if ((filter.from !== undefined && at < filter.from) || (filter.to !== undefined && at >= filter.to)) continue;
      yield event;
      if (--remaining <= 0) return;
    }
    after = page[page.length - 1].position;
    onPage?.(after);
  }
}
