import {
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  isCommandError,
  type AllStreamSubscription,
  type ReadPosition,
  type ResolvedEvent,
  type StreamingRead,
} from '@eventstore/db-client';
import { assertAppendable } from '../append-rules';
import { DuplicateEventIdError, EventStoreUnavailableError, WrongExpectedRevisionError } from '../errors';
import {
  START,
  type AppendResult,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type LogFilter,
  type LogPosition,
  type LogSubscription,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from '../event-store.port';
import {
  MalformedEventError,
  matchesFilter,
  positionOf,
  toEsdbExpectedRevision,
  toReadPosition,
  toRecordedEvent,
  toServerFilter,
  toWrongExpectedRevision,
  UNKNOWN_POSITION,
} from './esdb-mapping';

/**
 * EventStoreDB through @eventstore/db-client. See esdb-mapping.ts for how
 * revisions, positions, filters and errors are translated.
 *
 * Duplicate appends: EventStoreDB deduplicates event ids only per stream and
 * reliably only with an exact expected revision. So when an append fails on
 * its expected revision, the adapter reads the stream's tail: if every event
 * of the append is already there, it answers as the first append did.
 * Command idempotency in this product does not rest on this: it is recorded
 * in the events' metadata (see the API's command executor).
 */
export class EsdbEventStore implements EventStore {
  private readonly subscriptions = new Set<AllStreamSubscription>();

  constructor(private readonly client: EventStoreDBClient) {}

  static connect(connectionString: string): EsdbEventStore {
    return new EsdbEventStore(EventStoreDBClient.connectionString(connectionString));
  }

  async appendToStream(
    streamId: string,
    events: EventToAppend[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): Promise<AppendResult> {
    assertAppendable(streamId, events);
    const expected = options.expectedRevision ?? 'any';
    let result: Awaited<ReturnType<EventStoreDBClient['appendToStream']>>;
    try {
      result = await this.client.appendToStream(
        streamId,
        events.map((event) => ({
          id: event.id,
          contentType: 'application/json' as const,
          type: event.type,
          data: event.data,
          metadata: event.metadata,
        })),
        { expectedRevision: toEsdbExpectedRevision(expected) },
      );
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) return this.conflict(streamId, events, expected, error);
      const failure = storeError(error);
      if (failure instanceof EventStoreUnavailableError) return this.afterLostAnswer(streamId, events, failure);
      throw failure;
    }
    // With throwOnAppendFailure=false in the connection string the client resolves a mismatch
    // instead of rejecting, and its batch append reports a meaningless revision with it.
    if (!result.success) return this.conflict(streamId, events, expected, undefined);
    // The last event's own position (on 24.x its commit = prepare), whatever the number of events.
    if (result.position !== undefined) return { nextExpectedRevision: result.nextExpectedRevision, position: result.position.prepare };
    // Only a server that gives no position gets here. The append has succeeded: failing to read
    // its position back must not be reported as an append that changed nothing.
    const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 }).catch(() => []);
    return { nextExpectedRevision: result.nextExpectedRevision, position: last?.position ?? UNKNOWN_POSITION };
  }

  private async conflict(
    streamId: string,
    events: EventToAppend[],
    expected: ExpectedRevision,
    error: WrongExpectedVersionError | undefined,
  ): Promise<AppendResult> {
    const stored = await this.alreadyStored(streamId, events);
    if (stored) return stored;
    if (error) throw toWrongExpectedRevision(error, expected);
    const [last] = await this.readStream(streamId, { direction: 'backwards', maxCount: 1 });
    throw new WrongExpectedRevisionError(streamId, expected, last?.revision ?? 'no_stream');
  }

  /**
   * A timeout or a lost connection does not say the append failed: the server may have written it
   * (or, for a retry racing its first attempt, dropped the retry after writing the first). If the
   * events are there, the append succeeded. If not, it may still be in flight: the port has no
   * "outcome unknown" error, so it stays "unavailable", which a caller's retry resolves through the
   * same check.
   */
  private async afterLostAnswer(streamId: string, events: EventToAppend[], failure: EventStoreUnavailableError): Promise<AppendResult> {
    const stored = await this.alreadyStored(streamId, events, true).catch((error: unknown) => {
      if (error instanceof DuplicateEventIdError) throw error;
      return null;
    });
    if (stored) return stored;
    throw failure;
  }

  private async alreadyStored(streamId: string, events: EventToAppend[], bounded = false): Promise<AppendResult | null> {
    const tail = await this.readStreamEvents(streamId, { direction: 'backwards', maxCount: Math.max(events.length * 4, 64) }, bounded);
    const byId = new Map(tail.map((event) => [event.id, event]));
    const stored = events.map((event) => byId.get(event.id));
    if (stored.every((event) => event !== undefined)) {
      const last = stored[stored.length - 1]!;
      return { nextExpectedRevision: last.revision, position: last.position };
    }
    const some = stored.find((event) => event !== undefined);
    if (some) throw new DuplicateEventIdError(streamId, some.id);
    return null;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return this.readStreamEvents(streamId, options, false);
  }

  /** `bounded`: for a check that follows a timeout, which must not wait without end on the same server. */
  private async readStreamEvents(streamId: string, options: ReadStreamOptions, bounded: boolean): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const events: RecordedEvent[] = [];
    try {
      const reading = this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision ?? (backwards ? END : START),
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      const read = async () => {
        for await (const resolved of reading) {
          const event = toRecordedEvent(resolved);
          if (event) events.push(event);
        }
      };
      await (bounded ? withinDeadline(reading, read) : read());
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw storeError(error);
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? START;
    const wanted = options.maxCount ?? 1000;
    const filter: LogFilter = { eventTypes: options.eventTypes, streamPrefixes: options.streamPrefixes };
    const page: RecordedEvent[] = [];
    let from = after;
    // The client reads $all unfiltered: system events, events outside the filter and the event at
    // `from` itself (a forward read from P includes P) are dropped here, reading on until the page
    // is full or the log ends. One more than is missing is asked for, for the event at `from`.
    for (;;) {
      const asked = wanted - page.length + 1;
      let served = 0;
      let last: LogPosition = from;
      try {
        const reading = this.client.readAll({ direction: FORWARDS, fromPosition: toReadPosition(from), maxCount: asked });
        for await (const resolved of reading) {
          served++;
          const position = positionOf(resolved);
          if (position > last) last = position;
          const floor = page.length > 0 ? page[page.length - 1].position : after;
          if (!resolved.event || position <= floor || !matchesFilter(resolved.event, filter)) continue;
          const event = toRecordedEvent(resolved);
          if (event) page.push(event);
          if (page.length >= wanted) return page;
        }
      } catch (error) {
        throw storeError(error);
      }
      if (served < asked || last === from) return page;
      from = last;
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): LogSubscription {
    const filter: LogFilter = { eventTypes: options.eventTypes, streamPrefixes: options.streamPrefixes };
    const after = options.after ?? START;
    const subscription = this.client.subscribeToAll({ fromPosition: toReadPosition(after), filter: toServerFilter(filter) });
    this.subscriptions.add(subscription);
    const subscriptions = this.subscriptions;
    let closed = false;
    async function* events(): AsyncGenerator<RecordedEvent> {
      let delivered = after;
      try {
        for await (const resolved of subscription as AsyncIterable<ResolvedEvent>) {
          // A tombstone arrives under a stream-prefix filter: it must be dropped before its empty payload is read.
          if (!resolved.event || positionOf(resolved) <= delivered || !matchesFilter(resolved.event, filter)) continue;
          const event = toRecordedEvent(resolved);
          if (!event) continue;
          delivered = event.position;
          yield event;
        }
      } catch (error) {
        // The client does not resubscribe: the caller restarts from its checkpoint.
        throw storeError(error);
      } finally {
        subscriptions.delete(subscription);
        await subscription.unsubscribe().catch(() => undefined);
      }
      // The server ends some cancellations (and our own unsubscribe ends it too) as a normal end of
      // the stream. Unasked, that is a dropped subscription, not the end of the log: a caller taking
      // it for close() would stop projecting without a word.
      if (!closed) throw new EventStoreUnavailableError('EventStoreDB ended the subscription without being asked to');
    }
    const iterator = events();
    return {
      [Symbol.asyncIterator]: () => iterator,
      async close() {
        closed = true;
        // A generator closed before its first next() never runs its finally.
        subscriptions.delete(subscription);
        await subscription.unsubscribe().catch(() => undefined);
        await iterator.return(undefined);
      },
    };
  }

  async headPosition(): Promise<LogPosition> {
    // The head of the product's log: the last event that is not a system event, paging backwards past them.
    let from: ReadPosition = END;
    try {
      for (;;) {
        const reading = this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: HEAD_PAGE });
        const page = await withinDeadline(reading, async (): Promise<{ head: LogPosition } | { read: number; oldest?: ReadPosition }> => {
          let read = 0;
          let oldest: ReadPosition | undefined;
          for await (const resolved of reading) {
            read++;
            oldest = resolved.event?.position;
            if (resolved.event && matchesFilter(resolved.event, {})) return { head: positionOf(resolved) };
          }
          return { read, oldest };
        });
        if ('head' in page) return page.head;
        if (page.read < HEAD_PAGE || !page.oldest) return START;
        from = page.oldest;
      }
    } catch (error) {
      throw storeError(error);
    }
  }

  async ping(): Promise<void> {
    try {
      const reading = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
      await withinDeadline(reading, async () => {
        for await (const _ of reading) break;
      });
    } catch (error) {
      throw storeError(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.unsubscribe().catch(() => undefined)));
    await this.client.dispose();
  }
}

const HEAD_PAGE = 512;

/**
 * How long a read that answers a probe (ping, headPosition), or checks an append whose answer was
 * lost, may take. The client sends reads with no
 * deadline whatever the caller asks, so a server that accepts the call and never answers would hold
 * a readiness probe forever instead of failing it.
 */
export const PROBE_READ_DEADLINE_MS = 5_000;

async function withinDeadline<T>(reading: StreamingRead<unknown>, read: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Cancelling ends the read as if the log ended there: the timeout must win the race, not what the read returns then.
      reject(new EventStoreUnavailableError(`EventStoreDB: no answer to a read within ${PROBE_READ_DEADLINE_MS} ms`));
      reading.cancel().catch(() => undefined);
    }, PROBE_READ_DEADLINE_MS);
  });
  try {
    return await Promise.race([read(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The server's refusals that a retry cannot change: reported as themselves, with the reason in the
 * message, so that callers do not retry them as an outage. NotLeader, timeouts, deadlines, cancellations
 * and unknown failures stay "unavailable".
 */
const REFUSALS = new Set<string>([
  ErrorType.ACCESS_DENIED,
  ErrorType.STREAM_DELETED,
  ErrorType.MAXIMUM_APPEND_SIZE_EXCEEDED,
  ErrorType.INVALID_ARGUMENT,
  ErrorType.INVALID_TRANSACTION,
  ErrorType.UNSUPPORTED,
]);

function storeError(error: unknown): unknown {
  if (
    error instanceof WrongExpectedVersionError ||
    error instanceof WrongExpectedRevisionError ||
    error instanceof DuplicateEventIdError ||
    error instanceof EventStoreUnavailableError ||
    error instanceof MalformedEventError ||
    error instanceof TypeError ||
    error instanceof SyntaxError
  )
    return error;
  if (error instanceof Error && isCommandError(error) && REFUSALS.has(error.type)) {
    const detail = error.message ? `: ${error.message}` : '';
    return new Error(`EventStoreDB refused the operation (${error.type})${detail}`, { cause: error });
  }
  return new EventStoreUnavailableError(`EventStoreDB: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}
