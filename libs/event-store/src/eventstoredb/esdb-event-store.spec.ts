import {
  AccessDeniedError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  StreamDeletedError,
  UnavailableError,
  type EventStoreDBClient,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../errors';
import type { EventToAppend, RecordedEvent } from '../event-store.port';
import { EsdbEventStore, PROBE_READ_DEADLINE_MS } from './esdb-event-store';
import { MalformedEventError } from './esdb-mapping';

// A fake of the part of EventStoreDBClient 6.2.1 the adapter calls, shaped as the client's code
// hands things over (dist/utils/convertGrpcEvent.js): JSON payloads already parsed, others as bytes.

type Stored = { streamId: string; type: string; position: bigint; isJson?: boolean; data?: unknown; metadata?: unknown; id?: string };

function record(stored: Stored, revision = 0n): ResolvedEvent {
  return {
    event: {
      streamId: stored.streamId,
      id: stored.id ?? `id-${stored.position}`,
      revision,
      type: stored.type,
      isJson: stored.isJson ?? true,
      data: stored.data ?? { at: String(stored.position) },
      metadata: stored.metadata,
      created: new Date(0),
      // gRPC appends on 24.x: each event's commit = prepare = its own offset.
      position: { commit: stored.position, prepare: stored.position },
    },
  } as unknown as ResolvedEvent;
}

const tombstone = (streamId: string, position: bigint): Stored => ({
  streamId,
  type: '$streamDeleted',
  position,
  isJson: false,
  data: new Uint8Array(0),
});
const link = (position: bigint): Stored => ({
  streamId: '$ce-request',
  type: '$>',
  position,
  isJson: false,
  data: Buffer.from('0@request-1'),
});
const user = (position: bigint): Stored => ({ streamId: '$users', type: '$User', position, isJson: false, data: Buffer.from('admin') });
const product = (streamId: string, position: bigint): Stored => ({ streamId, type: 'RequestOpened', position });

function reading(events: ResolvedEvent[], options: { hang?: boolean } = {}) {
  let cancelled = false;
  let wake: () => void = () => undefined;
  return {
    cancel: jest.fn(async () => {
      cancelled = true;
      wake();
    }),
    async *[Symbol.asyncIterator]() {
      for (const event of events) {
        if (cancelled) return;
        yield event;
      }
      // Like a cancelled gRPC read, which the client ends as a normal end of the stream.
      if (options.hang && !cancelled) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

class FakeClient {
  log: ResolvedEvent[] = [];
  hangReads = false;
  readonly reads: ReturnType<typeof reading>[] = [];
  appendToStream = jest.fn();
  readStream = jest.fn((..._: unknown[]): unknown => {
    throw new Error('the adapter was not expected to read a stream');
  });
  dispose = jest.fn(async () => undefined);
  subscription = subscription([]);

  constructor(stored: Stored[] = []) {
    this.log = stored.map((event) => record(event));
  }

  readAll({ direction, fromPosition, maxCount }: { direction: string; fromPosition: unknown; maxCount: number }) {
    const at = (event: ResolvedEvent) => event.event!.position!.prepare;
    let events: ResolvedEvent[];
    if (direction === 'forwards') {
      // The server's forward read includes the event at the position asked for.
      events = fromPosition === 'start' ? this.log : this.log.filter((event) => at(event) >= (fromPosition as { prepare: bigint }).prepare);
    } else {
      const before =
        fromPosition === 'end' ? this.log : this.log.filter((event) => at(event) < (fromPosition as { prepare: bigint }).prepare);
      events = [...before].reverse();
    }
    const read = reading(events.slice(0, maxCount), { hang: this.hangReads });
    this.reads.push(read);
    return read;
  }

  subscribeToAll = jest.fn(() => this.subscription);
}

function subscription(events: ResolvedEvent[], options: { error?: Error } = {}) {
  let unsubscribed = false;
  let wake: () => void = () => undefined;
  return {
    unsubscribe: jest.fn(async () => {
      unsubscribed = true;
      wake();
    }),
    on: jest.fn(),
    async *[Symbol.asyncIterator]() {
      for (const event of events) {
        if (unsubscribed) return;
        yield event;
      }
      if (options.error) throw options.error;
      // Live: wait for more until unsubscribed, which the client reports as a normal end.
      if (!unsubscribed) await new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

const storeOver = (client: FakeClient) => new EsdbEventStore(client as unknown as EventStoreDBClient);
const positions = (events: RecordedEvent[]) => events.map((event) => event.position);
const toAppend = (id: string): EventToAppend => ({
  id: `9f1c1c9e-6a55-4b8f-8a55-2f3f4a1b2c3${id}`,
  type: 'RequestOpened',
  data: {},
  metadata: { correlationId: 'c', causationId: 'k', actor: 'anna', occurredAt: '2026-03-02T09:00:00Z', schemaVersion: 1 },
});

async function collect(iterable: AsyncIterable<RecordedEvent>, count: number): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of iterable) {
    events.push(event);
    if (events.length === count) break;
  }
  return events;
}

describe('EsdbEventStore over a fake client', () => {
  describe('system events in $all', () => {
    const log = [
      product('request-1', 10n),
      tombstone('request-1', 20n),
      link(30n),
      user(40n),
      product('request-2', 50n),
      tombstone('request-2', 60n),
    ];

    it('reads past tombstones, links and $users events without reading their payloads', async () => {
      expect(positions(await storeOver(new FakeClient(log)).readAll())).toEqual([10n, 50n]);
    });

    it('finds the head below a tombstone', async () => {
      expect(await storeOver(new FakeClient(log)).headPosition()).toBe(50n);
    });

    it('drops a tombstone delivered under a stream-prefix filter and goes on', async () => {
      const client = new FakeClient();
      client.subscription = subscription(log.filter((event) => event.streamId.startsWith('request-')).map((event) => record(event)));
      const events = await collect(storeOver(client).subscribeToAll({ streamPrefixes: ['request-'] }), 2);
      expect(positions(events)).toEqual([10n, 50n]);
    });

    it('reports a product event with malformed JSON as bad data, not as an outage', async () => {
      // The client hands over JSON it could not parse as the raw text.
      const client = new FakeClient([product('request-1', 10n), { ...product('request-2', 20n), data: '{"broken' }]);
      const failure = await storeOver(client)
        .readAll()
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(MalformedEventError);
      expect(failure).toMatchObject({ streamId: 'request-2' });
    });
  });

  describe('pages of the log', () => {
    const log = [10n, 20n, 30n, 40n].map((position) => product('request-1', position));

    it.each([1, 2, 3])('holds %p events after P when there are', async (maxCount) => {
      const page = await storeOver(new FakeClient(log)).readAll({ after: 10n, maxCount });
      expect(positions(page)).toEqual([20n, 30n, 40n].slice(0, maxCount));
    });

    it('fills a small page past events outside the filter', async () => {
      const client = new FakeClient([
        product('request-1', 10n),
        product('other-1', 20n),
        product('other-2', 30n),
        product('request-2', 40n),
      ]);
      const page = await storeOver(client).readAll({ after: 10n, maxCount: 1, streamPrefixes: ['request-'] });
      expect(positions(page)).toEqual([40n]);
    });
  });

  describe('appends', () => {
    it('answers a multi-event append with the position the server gave, without reading the stream again', async () => {
      const client = new FakeClient();
      client.appendToStream.mockResolvedValue({ success: true, nextExpectedRevision: 2n, position: { commit: 300n, prepare: 300n } });
      const result = await storeOver(client).appendToStream('request-1', [toAppend('a'), toAppend('b'), toAppend('c')]);
      expect(result).toEqual({ nextExpectedRevision: 2n, position: 300n });
      expect(client.readStream).not.toHaveBeenCalled();
    });

    it('takes an unsuccessful result (throwOnAppendFailure=false) for the conflict it is', async () => {
      const client = new FakeClient();
      client.appendToStream.mockResolvedValue({ success: false, nextExpectedRevision: 1n, position: undefined });
      client.readStream.mockImplementation(() => reading([record(product('request-1', 10n), 4n)]));
      const failure = await storeOver(client)
        .appendToStream('request-1', [toAppend('a')], { expectedRevision: 2n })
        .catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(WrongExpectedRevisionError);
      expect(failure).toMatchObject({ expected: 2n, actual: 4n });
    });

    it.each([
      ['the append is too large', MaxAppendSizeExceededError.fromMaxAppendSize(1024)],
      ['the stream is deleted', StreamDeletedError.fromStreamName('request-1')],
      ['access is denied', new AccessDeniedError()],
    ])('does not report as unavailable (to be retried) that %s', async (_, refusal) => {
      const client = new FakeClient();
      client.appendToStream.mockRejectedValue(refusal);
      const failure = await storeOver(client)
        .appendToStream('request-1', [toAppend('a')])
        .catch((error: unknown) => error);
      expect(failure).not.toBeInstanceOf(EventStoreUnavailableError);
      expect(failure).toMatchObject({ message: expect.stringContaining(refusal.type), cause: refusal });
    });

    it('reports an unreachable server as unavailable', async () => {
      const client = new FakeClient();
      client.appendToStream.mockRejectedValue(new UnavailableError(undefined, 'no connection'));
      client.readStream.mockImplementation(() => reading([]));
      await expect(storeOver(client).appendToStream('request-1', [toAppend('a')])).rejects.toBeInstanceOf(EventStoreUnavailableError);
    });

    it('answers as the stored append when the answer was lost but the events are there', async () => {
      const client = new FakeClient();
      client.appendToStream.mockRejectedValue(new DeadlineExceededError());
      const stored = record({ ...product('request-1', 70n), id: toAppend('a').id }, 3n);
      client.readStream.mockImplementation(() => reading([stored]));
      await expect(storeOver(client).appendToStream('request-1', [toAppend('a')])).resolves.toEqual({
        nextExpectedRevision: 3n,
        position: 70n,
      });
    });

    it('stays unavailable when the check after a lost answer cannot read either', async () => {
      const client = new FakeClient();
      client.appendToStream.mockRejectedValue(new DeadlineExceededError());
      client.readStream.mockImplementation(() => {
        throw new UnavailableError(undefined, 'no connection');
      });
      await expect(storeOver(client).appendToStream('request-1', [toAppend('a')])).rejects.toBeInstanceOf(EventStoreUnavailableError);
    });
  });

  describe('subscriptions', () => {
    it('throws when the server ends the subscription unasked', async () => {
      const client = new FakeClient();
      const ended = subscription([record(product('request-1', 10n))]);
      ended.unsubscribe.mockImplementation(async () => undefined);
      client.subscription = {
        ...ended,
        [Symbol.asyncIterator]: () => reading([record(product('request-1', 10n))])[Symbol.asyncIterator](),
      };
      const delivered: bigint[] = [];
      const failure = await (async () => {
        for await (const event of storeOver(client).subscribeToAll()) delivered.push(event.position);
      })().catch((error: unknown) => error);
      expect(delivered).toEqual([10n]);
      expect(failure).toBeInstanceOf(EventStoreUnavailableError);
    });

    it('ends quietly when closed while waiting for live events', async () => {
      const client = new FakeClient();
      client.subscription = subscription([record(product('request-1', 10n))]);
      const live = storeOver(client).subscribeToAll();
      const delivered: bigint[] = [];
      const iterating = (async () => {
        for await (const event of live) {
          delivered.push(event.position);
          setImmediate(() => void live.close());
        }
      })();
      await expect(iterating).resolves.toBeUndefined();
      expect(delivered).toEqual([10n]);
    });

    it('throws the server error as unavailable', async () => {
      const client = new FakeClient();
      client.subscription = subscription([], { error: new UnavailableError(undefined, 'connection reset') });
      await expect(collect(storeOver(client).subscribeToAll(), 1)).rejects.toBeInstanceOf(EventStoreUnavailableError);
    });

    it('forgets a subscription closed before it was iterated', async () => {
      const client = new FakeClient();
      const store = storeOver(client);
      await store.subscribeToAll().close();
      expect((store as unknown as { subscriptions: Set<unknown> }).subscriptions.size).toBe(0);
      expect(client.subscription.unsubscribe).toHaveBeenCalled();
    });
  });

  describe('probes', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    it.each([
      ['ping', (store: EsdbEventStore) => store.ping()],
      ['headPosition', (store: EsdbEventStore) => store.headPosition()],
    ])('%s fails, and cancels its read, when the server does not answer in time', async (_, probe) => {
      const client = new FakeClient();
      client.hangReads = true;
      const outcome = probe(storeOver(client)).catch((error: unknown) => error);
      await jest.advanceTimersByTimeAsync(PROBE_READ_DEADLINE_MS);
      expect(await outcome).toBeInstanceOf(EventStoreUnavailableError);
      expect(client.reads[0].cancel).toHaveBeenCalled();
    });

    it('ping passes when the server answers', async () => {
      await expect(storeOver(new FakeClient([product('request-1', 10n)])).ping()).resolves.toBeUndefined();
    });
  });
});
