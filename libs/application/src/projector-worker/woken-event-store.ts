import { observedEventStore, START, type EventStore } from '@desk/event-store';
import { pollingSubscription } from '@desk/event-store/polling-subscription';

/** The slow poll that still finds appends of other processes on the file, as the store's own subscriptions have it. */
const POLL_MS = 250;

/**
 * The projections worker's embedded event store, whose subscriptions wake when the API's thread says it appended.
 * The API's commands go through another connection to the same file, which the store's own subscriptions find only
 * at their slow poll (a quarter of a second a command would wait to be read back); this one is woken by the API's
 * word (`appended`) and by the worker's own appends (the SLA watch's, the follow-up's), and polls as slowly for the rest.
 */
export class WokenEventStore {
  readonly store: EventStore;
  private changes = 0;
  private readonly wakers = new Set<() => void>();

  constructor(inner: EventStore) {
    const observed = observedEventStore(inner, { appendStarted: () => () => undefined, eventsAppended: () => this.appended() });
    this.store = {
      ...observed,
      subscribeToAll: (options = {}) =>
        pollingSubscription({
          after: options.after ?? START,
          readPage: (after) =>
            inner.readAll({ eventTypes: options.eventTypes, streamPrefixes: options.streamPrefixes, after, maxCount: 500 }),
          changeCount: () => this.changes,
          pollMs: POLL_MS,
          onWake: (wake) => {
            this.wakers.add(wake);
            return () => this.wakers.delete(wake);
          },
        }),
    };
  }

  /** Something was committed to the log: the subscriptions asleep read it now. */
  appended(): void {
    this.changes++;
    for (const wake of this.wakers) wake();
  }
}
