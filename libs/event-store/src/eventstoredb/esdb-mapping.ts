import {
  ANY,
  NO_STREAM,
  STREAM_EXISTS,
  START as ESDB_START,
  eventTypeFilter,
  excludeSystemEvents,
  streamNameFilter,
  type AppendExpectedRevision,
  type Filter,
  type ReadPosition,
  type ResolvedEvent,
  type WrongExpectedVersionError,
} from '@eventstore/db-client';
import { WrongExpectedRevisionError } from '../errors';
import {
  START,
  type EventMetadata,
  type ExpectedRevision,
  type LogFilter,
  type LogPosition,
  type RecordedEvent,
} from '../event-store.port';

/**
 * Pure translations between the port and @eventstore/db-client, kept apart
 * so that they are unit-tested without a server.
 *
 * Positions. EventStoreDB places an event in `$all` by a pair
 * { commit, prepare }, ordered by commit then prepare. The events of one
 * multi-event append share their commit position (that of the append's
 * commit record) and differ by prepare position; gRPC appends are never
 * interleaved with other writes in the log, so prepare positions alone are
 * unique and increase in `$all` order. The port's single bigint position is
 * therefore the **prepare** position. To read "after P" the adapter starts at
 * { commit: P, prepare: P } — every event after P has a commit position ≥ P —
 * and drops the events it meets whose prepare position is ≤ P (earlier events
 * of the same append as P, already delivered). Positions stay bigint
 * throughout; nothing goes through Number().
 *
 * Stream reads are served from the index, which does not know `$all`
 * positions on older servers: there the client reports no position, or
 * 2^64-1, and the adapter maps that to UNKNOWN_POSITION (-1n).
 */
export const UNKNOWN_POSITION = -1n;
const NO_POSITION = 18446744073709551615n;

export function toEsdbExpectedRevision(expected: ExpectedRevision | undefined): AppendExpectedRevision {
  switch (expected) {
    case undefined:
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (typeof expected !== 'bigint' || expected < 0n)
        throw new TypeError(`expected revision must be a non-negative bigint, got ${String(expected)}`);
      return expected;
  }
}

export function toReadPosition(after: LogPosition | undefined): ReadPosition {
  if (after === undefined || after === START) return ESDB_START;
  return { commit: after, prepare: after };
}

export function positionOf(resolved: ResolvedEvent): LogPosition {
  const position = resolved.event?.position;
  if (!position || position.prepare === NO_POSITION || position.prepare < 0n) return UNKNOWN_POSITION;
  return position.prepare;
}

function parseJson(value: unknown): unknown {
  if (value instanceof Uint8Array) return JSON.parse(Buffer.from(value).toString('utf8'));
  return value;
}

export function toRecordedEvent(resolved: ResolvedEvent): RecordedEvent | null {
  const event = resolved.event;
  if (!event) return null;
  const data = parseJson(event.data);
  const metadata = parseJson(event.metadata);
  return {
    id: event.id,
    streamId: event.streamId,
    type: event.type,
    revision: event.revision,
    position: positionOf(resolved),
    data: (data ?? {}) as Record<string, unknown>,
    metadata: (metadata ?? {}) as EventMetadata,
    recordedAt: event.created,
  };
}

/** The client's revision mismatch, in the port's terms: the actual revision, or 'no_stream'. */
export function toWrongExpectedRevision(error: WrongExpectedVersionError, expected: ExpectedRevision): WrongExpectedRevisionError {
  const actual = typeof error.actualVersion === 'bigint' ? error.actualVersion : 'no_stream';
  return new WrongExpectedRevisionError(error.streamName, expected, actual);
}

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The server filters on event type or on stream name, not both: the more
 * selective one goes to the server, and `matchesFilter` applies the whole
 * filter again on what arrives. Without one, system events are excluded.
 */
export function toServerFilter(filter: LogFilter): Filter {
  if (filter.eventTypes?.length) return eventTypeFilter({ regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$` });
  if (filter.streamPrefixes?.length) return streamNameFilter({ prefixes: filter.streamPrefixes });
  return excludeSystemEvents();
}

export function matchesFilter(event: RecordedEvent, filter: LogFilter): boolean {
  if (event.type.startsWith('$') || event.streamId.startsWith('$')) return false;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(event.type)) return false;
  if (filter.streamPrefixes?.length && !filter.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix))) return false;
  return true;
}
