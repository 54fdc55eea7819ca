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
 * { commit, prepare }, ordered by commit then prepare. A gRPC append on 24.x
 * is written as one implicit transaction whose events each get commit =
 * prepare = their own log offset, and the append answers with the last
 * event's; older (TCP, explicit transaction) writes left commit > prepare,
 * but prepare positions stay unique and increase in `$all` order either way.
 * The port's single bigint position is therefore the **prepare** position.
 * To read "after P" the adapter starts at { commit: P, prepare: P }: the
 * server's forward read includes the event at P itself, so the adapter
 * drops what it meets at or below P. Positions stay bigint throughout;
 * nothing goes through Number().
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

/**
 * A product event whose payload cannot be read: bad data, not an outage, so
 * it is not an EventStoreUnavailableError (a caller would retry it forever).
 */
export class MalformedEventError extends Error {
  override readonly name = 'MalformedEventError';
  constructor(
    readonly streamId: string,
    readonly revision: bigint,
    readonly eventId: string,
    problem: string,
    options?: { cause?: unknown },
  ) {
    super(`EventStoreDB: event ${eventId} (stream ${streamId}, revision ${String(revision)}) ${problem}`, options);
  }
}

/**
 * The server's own events (tombstones `$streamDeleted` in the user's stream,
 * `$metadata`, links `$>`, `$users`…) carry empty, text or binary payloads
 * and are no part of the product's log: they are recognised by name alone,
 * before any payload is looked at.
 */
export function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

type ClientRecord = NonNullable<ResolvedEvent['event']>;

// The client has already parsed JSON payloads; what it could not parse it hands over as text or bytes.
function decode(event: ClientRecord, what: 'data' | 'metadata', value: unknown): Record<string, unknown> {
  if (value === undefined && what === 'metadata') return {};
  let parsed = value;
  if (value instanceof Uint8Array || typeof value === 'string') {
    const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new MalformedEventError(event.streamId, event.revision, event.id, `has malformed JSON ${what}`, { cause: error });
    }
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new MalformedEventError(event.streamId, event.revision, event.id, `has ${what} that is not a JSON object`);
  return parsed as Record<string, unknown>;
}

/** The port's event, or null for what is not a product event; throws MalformedEventError for a product event it cannot read. */
export function toRecordedEvent(resolved: ResolvedEvent): RecordedEvent | null {
  const event = resolved.event;
  if (!event || isSystemEvent(event)) return null;
  if (!event.isJson) throw new MalformedEventError(event.streamId, event.revision, event.id, 'is not JSON (the product writes only JSON)');
  const data = decode(event, 'data', event.data);
  const metadata = decode(event, 'metadata', event.metadata);
  return {
    id: event.id,
    streamId: event.streamId,
    type: event.type,
    revision: event.revision,
    position: positionOf(resolved),
    data,
    metadata: metadata as EventMetadata,
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

/** Takes the client's record as well as the port's event, so that what is filtered out is never decoded. */
export function matchesFilter(event: { type: string; streamId: string }, filter: LogFilter): boolean {
  if (isSystemEvent(event)) return false;
  if (filter.eventTypes?.length && !filter.eventTypes.includes(event.type)) return false;
  if (filter.streamPrefixes?.length && !filter.streamPrefixes.some((prefix) => event.streamId.startsWith(prefix))) return false;
  return true;
}
