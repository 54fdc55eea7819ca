import type { AppendResult, EventStore, EventToAppend, ExpectedRevision } from './event-store.port';

/** What a process wants to know of the appends it makes (a metrics registry, say). */
export interface AppendObserver {
  /** Starts timing one append; the returned function is called when it has ended, well or not. */
  appendStarted(): () => void;
  eventsAppended(count: number): void;
}

/** The store, with every append observed. Every call goes to the store itself, so its own state stays its own. */
export function observedEventStore(store: EventStore, observer: AppendObserver): EventStore {
  return {
    async appendToStream(
      streamId: string,
      events: EventToAppend[],
      options?: { expectedRevision?: ExpectedRevision },
    ): Promise<AppendResult> {
      const ended = observer.appendStarted();
      try {
        const result = await store.appendToStream(streamId, events, options);
        observer.eventsAppended(events.length);
        return result;
      } finally {
        ended();
      }
    },
    readStream: (streamId, options) => store.readStream(streamId, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    writeCheck: store.writeCheck ? () => store.writeCheck!() : undefined,
    close: () => store.close(),
  };
}
