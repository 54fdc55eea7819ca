import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamSubscription,
  type ReadPosition,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { assertAppendable } from '../append-rules';
import { DuplicateEventIdError, EventStoreUnavailableError } from '../errors';
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
  matchesFilter,
  toEsdbExpectedRevision,
  toReadPosition,
  toRecordedEvent,
  toServerFilter,
  toWrongExpectedRevision,
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
    try {
      const result = await this.client.appendToStream(
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
      const position = await this.lastPositionOf(streamId, events, result.nextExpectedRevision, result.position?.prepare);
      return { nextExpectedRevision: result.nextExpectedRevision, position };
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const stored = await this.alreadyStored(streamId, events);
        if (stored) return stored;
        throw toWrongExpectedRevision(error, expected);
      }
      throw unavailable(error);
    }
  }

  /**
   * The append answers with one position; for a single event it is that
   * event's. For several, the last event's prepare position is read back
   * from the stream so that waits for "this position" cover the whole append.
   */
  private async lastPositionOf(
    streamId: string,
    events: EventToAppend[],
    lastRevision: bigint,
    reported: bigint | undefined,
  ): Promise<LogPosition> {
    if (events.length === 1 && reported !== undefined) return reported;
    const [last] = await this.readStream(streamId, { direction: 'backwards', fromRevision: lastRevision, maxCount: 1 });
    return last?.position ?? reported ?? -1n;
  }

  private async alreadyStored(streamId: string, events: EventToAppend[]): Promise<AppendResult | null> {
    const tail = await this.readStream(streamId, { direction: 'backwards', maxCount: Math.max(events.length * 4, 64) });
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
    const backwards = options.direction === 'backwards';
    const events: RecordedEvent[] = [];
    try {
      const reading = this.client.readStream(streamId, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.fromRevision ?? (backwards ? END : START),
        maxCount: options.maxCount ?? Number.MAX_SAFE_INTEGER,
      });
      for await (const resolved of reading) {
        const event = toRecordedEvent(resolved);
        if (event) events.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw unavailable(error);
    }
    return events;
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? START;
    const wanted = options.maxCount ?? 1000;
    const filter: LogFilter = { eventTypes: options.eventTypes, streamPrefixes: options.streamPrefixes };
    const page: RecordedEvent[] = [];
    let from = after;
    // The client reads $all unfiltered: system events, events outside the filter and those already
    // delivered (same append as `after`) are dropped here, reading on until the page is full or the log ends.
    for (;;) {
      let served = 0;
      let last: LogPosition = from;
      try {
        const reading = this.client.readAll({ direction: FORWARDS, fromPosition: toReadPosition(from), maxCount: wanted });
        for await (const resolved of reading) {
          served++;
          const event = toRecordedEvent(resolved);
          if (!event) continue;
          if (event.position > last) last = event.position;
          if (event.position <= after || (page.length > 0 && event.position <= page[page.length - 1].position)) continue;
          if (matchesFilter(event, filter)) page.push(event);
          if (page.length >= wanted) return page;
        }
      } catch (error) {
        throw unavailable(error);
      }
      if (served < wanted || last === from) return page;
      from = last;
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): LogSubscription {
    const filter: LogFilter = { eventTypes: options.eventTypes, streamPrefixes: options.streamPrefixes };
    const after = options.after ?? START;
    const subscription = this.client.subscribeToAll({ fromPosition: toReadPosition(after), filter: toServerFilter(filter) });
    this.subscriptions.add(subscription);
    const subscriptions = this.subscriptions;
    async function* events(): AsyncGenerator<RecordedEvent> {
      let delivered = after;
      try {
        for await (const resolved of subscription as AsyncIterable<ResolvedEvent>) {
          const event = toRecordedEvent(resolved);
          if (!event || event.position <= delivered || !matchesFilter(event, filter)) continue;
          delivered = event.position;
          yield event;
        }
      } catch (error) {
        // The client does not resubscribe: the caller restarts from its checkpoint.
        throw unavailable(error);
      } finally {
        subscriptions.delete(subscription);
        await subscription.unsubscribe().catch(() => undefined);
      }
    }
    const iterator = events();
    return {
      [Symbol.asyncIterator]: () => iterator,
      async close() {
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
        let read = 0;
        let oldest: ResolvedEvent | undefined;
        for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: from, maxCount: 512 })) {
          read++;
          oldest = resolved;
          const event = toRecordedEvent(resolved);
          if (event && matchesFilter(event, {})) return event.position;
        }
        const position = oldest?.event?.position;
        if (read < 512 || !position) return START;
        from = position;
      }
    } catch (error) {
      throw unavailable(error);
    }
  }

  async ping(): Promise<void> {
    try {
      for await (const _ of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 })) break;
    } catch (error) {
      throw unavailable(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.unsubscribe().catch(() => undefined)));
    await this.client.dispose();
  }
}

function unavailable(error: unknown): unknown {
  if (error instanceof WrongExpectedVersionError || error instanceof DuplicateEventIdError || error instanceof TypeError) return error;
  return new EventStoreUnavailableError(`EventStoreDB: ${(error as Error)?.message ?? String(error)}`, { cause: error });
}
