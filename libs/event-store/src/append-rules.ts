import { WrongExpectedRevisionError } from './errors';
import type { EventToAppend, ExpectedRevision, StreamRevision } from './event-store.port';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Checks every adapter makes before it touches its store: a stream name, at least one event, UUID ids. */
export function assertAppendable(streamId: string, events: EventToAppend[]): void {
  if (typeof streamId !== 'string' || streamId.length === 0) throw new TypeError('an append needs a stream id');
  if (events.length === 0) throw new TypeError(`an append to ${streamId} needs at least one event`);
  const ids = new Set<string>();
  for (const event of events) {
    if (typeof event.id !== 'string' || !UUID.test(event.id)) throw new TypeError(`event ids must be UUIDs, got '${String(event.id)}'`);
    if (ids.has(event.id)) throw new TypeError(`event id ${event.id} appears twice in one append to ${streamId}`);
    ids.add(event.id);
    if (typeof event.type !== 'string' || event.type.length === 0) throw new TypeError('every event needs a type');
  }
}

/** The one reading of expected revisions, shared by the SQL adapters. */
export function checkExpectedRevision(streamId: string, expected: ExpectedRevision, current: StreamRevision | null): void {
  const actual = current ?? 'no_stream';
  const ok =
    expected === 'any' ||
    (expected === 'no_stream' && current === null) ||
    (expected === 'stream_exists' && current !== null) ||
    (typeof expected === 'bigint' && current === expected);
  if (!ok) throw new WrongExpectedRevisionError(streamId, expected, actual);
}
