import { ANY, NO_STREAM, STREAM_EXISTS, START as ESDB_START, WrongExpectedVersionError, type ResolvedEvent } from '@eventstore/db-client';
import { WrongExpectedRevisionError } from '../errors';
import { START, type RecordedEvent } from '../event-store.port';
import {
  MalformedEventError,
  UNKNOWN_POSITION,
  matchesFilter,
  positionOf,
  toEsdbExpectedRevision,
  toReadPosition,
  toRecordedEvent,
  toServerFilter,
  toWrongExpectedRevision,
} from './esdb-mapping';

const DEFAULT_POSITION = { commit: 900n, prepare: 800n };

function resolved(
  overrides: Record<string, unknown> = {},
  position: { commit: bigint; prepare: bigint } | null = DEFAULT_POSITION,
): ResolvedEvent {
  return {
    event: {
      streamId: 'request-42',
      id: '9f1c1c9e-6a55-4b8f-8a55-2f3f4a1b2c3d',
      isJson: true,
      revision: 9007199254740993n,
      type: 'RequestOpened',
      created: new Date('2026-03-02T09:00:00Z'),
      data: { requestId: '42' },
      metadata: { correlationId: 'c', causationId: 'k', actor: 'anna', occurredAt: '2026-03-02T09:00:00Z', schemaVersion: 1 },
      position: position ?? undefined,
      ...overrides,
    },
  } as unknown as ResolvedEvent;
}

describe('EventStoreDB mapping', () => {
  describe('expected revisions', () => {
    it.each([
      [undefined, ANY],
      ['any', ANY],
      ['no_stream', NO_STREAM],
      ['stream_exists', STREAM_EXISTS],
      [0n, 0n],
      [18446744073709551614n, 18446744073709551614n],
    ] as const)('maps %p to %p without losing precision', (port, esdb) => {
      expect(toEsdbExpectedRevision(port)).toBe(esdb);
    });

    it('refuses a negative revision', () => {
      expect(() => toEsdbExpectedRevision(-1n)).toThrow(TypeError);
    });
  });

  describe('positions', () => {
    it('reads the whole log from the start', () => {
      expect(toReadPosition(undefined)).toBe(ESDB_START);
      expect(toReadPosition(START)).toBe(ESDB_START);
    });

    it('resumes after P from { commit: P, prepare: P }, as bigints', () => {
      expect(toReadPosition(12345678901234567890n)).toEqual({ commit: 12345678901234567890n, prepare: 12345678901234567890n });
    });

    it('uses the prepare position, which is unique per event even within one append', () => {
      expect(positionOf(resolved({}, { commit: 900n, prepare: 800n }))).toBe(800n);
      expect(positionOf(resolved({}, { commit: 900n, prepare: 850n }))).toBe(850n);
    });

    it('marks a position the server did not give as unknown', () => {
      expect(positionOf(resolved({}, null))).toBe(UNKNOWN_POSITION);
      expect(positionOf(resolved({}, { commit: 18446744073709551615n, prepare: 18446744073709551615n }))).toBe(UNKNOWN_POSITION);
    });
  });

  describe('recorded events', () => {
    it('maps a resolved JSON event, keeping revision and position as bigint', () => {
      const event = toRecordedEvent(resolved()) as RecordedEvent;
      expect(event).toEqual({
        id: '9f1c1c9e-6a55-4b8f-8a55-2f3f4a1b2c3d',
        streamId: 'request-42',
        type: 'RequestOpened',
        revision: 9007199254740993n,
        position: 800n,
        data: { requestId: '42' },
        metadata: { correlationId: 'c', causationId: 'k', actor: 'anna', occurredAt: '2026-03-02T09:00:00Z', schemaVersion: 1 },
        recordedAt: new Date('2026-03-02T09:00:00Z'),
      });
    });

    it('parses JSON held as bytes', () => {
      const event = toRecordedEvent(resolved({ data: Buffer.from('{"a":1}'), metadata: Buffer.from('{"actor":"x"}') }))!;
      expect(event.data).toEqual({ a: 1 });
      expect(event.metadata).toEqual({ actor: 'x' });
    });

    it.each([
      ['a tombstone in the user stream', { type: '$streamDeleted', isJson: false, data: new Uint8Array(0) }],
      ['a link', { streamId: '$ce-request', type: '$>', isJson: false, data: Buffer.from('0@request-42') }],
      ['a $users event', { streamId: '$users', type: '$User', isJson: false, data: Buffer.from('admin') }],
    ])('skips %s without reading its payload', (_, overrides) => {
      expect(toRecordedEvent(resolved(overrides))).toBeNull();
    });

    it.each([
      ['malformed JSON data (the client hands it over as text)', { data: '{"requestId":' }],
      ['malformed JSON metadata (the client hands it over as bytes)', { metadata: Buffer.from('{oops') }],
      ['data that is not a JSON object', { data: '[1,2]' }],
      ['a payload that is not JSON', { isJson: false, data: Buffer.from([0xff, 0x00]) }],
    ])('refuses a product event with %s as bad data', (_, overrides) => {
      expect(() => toRecordedEvent(resolved(overrides))).toThrow(MalformedEventError);
    });

    it('skips a resolved link whose event is gone', () => {
      expect(toRecordedEvent({ event: undefined } as unknown as ResolvedEvent)).toBeNull();
    });
  });

  describe('wrong expected version', () => {
    it('becomes the port error with the actual revision', () => {
      const error = new WrongExpectedVersionError(undefined, { streamName: 'request-42', expected: 3n, current: 5n });
      const mapped = toWrongExpectedRevision(error, 3n);
      expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
      expect(mapped).toMatchObject({ streamId: 'request-42', expected: 3n, actual: 5n });
    });

    it("says 'no_stream' when the stream does not exist", () => {
      const error = new WrongExpectedVersionError(undefined, { streamName: 'request-42', expected: 0n, current: NO_STREAM });
      expect(toWrongExpectedRevision(error, 0n)).toMatchObject({ actual: 'no_stream' });
    });
  });

  describe('filters', () => {
    const event = (type: string, streamId: string) => ({ ...toRecordedEvent(resolved())!, type, streamId });

    it('asks the server for exact event types through an anchored, escaped regex', () => {
      expect(toServerFilter({ eventTypes: ['RequestOpened', 'A.B'] })).toMatchObject({
        filterOn: 'eventType',
        regex: '^(?:RequestOpened|A\\.B)$',
      });
    });

    it('asks the server for stream prefixes', () => {
      expect(toServerFilter({ streamPrefixes: ['request-'] })).toMatchObject({ filterOn: 'streamName', prefixes: ['request-'] });
    });

    it('excludes system events when nothing is asked', () => {
      expect(toServerFilter({})).toMatchObject({ filterOn: 'eventType' });
    });

    it('applies both halves of a filter, and drops system events, on the client', () => {
      const filter = { eventTypes: ['RequestOpened'], streamPrefixes: ['request-'] };
      expect(matchesFilter(event('RequestOpened', 'request-1'), filter)).toBe(true);
      expect(matchesFilter(event('RequestOpened', 'department-1'), filter)).toBe(false);
      expect(matchesFilter(event('RequestClosed', 'request-1'), filter)).toBe(false);
      expect(matchesFilter(event('$metadata', 'request-1'), {})).toBe(false);
      expect(matchesFilter(event('RequestOpened', '$stats-1'), {})).toBe(false);
    });
  });
});
