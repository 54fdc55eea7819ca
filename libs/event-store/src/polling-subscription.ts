import type { LogPosition, LogSubscription, RecordedEvent } from './event-store.port';

export interface PollingSource {
  after: LogPosition;
  /** Events strictly after the position, in order, filtered. */
  readPage: (after: LogPosition) => Promise<RecordedEvent[]>;
  /** A counter that moves whenever something was committed, so no wake-up is lost between a read and a sleep. */
  changeCount: () => number;
  pollMs: number;
  /** Registers a wake-up called on local commits; returns its unregistration. */
  onWake: (wake: () => void) => () => void;
}

/**
 * A catch-up subscription over a store that can be read by position: read
 * pages until nothing is left, then sleep until a commit or the poll timer.
 * Positions only grow in commit order, so reading "after the last delivered
 * position" never skips nor repeats an event.
 */
export function pollingSubscription(source: PollingSource): LogSubscription {
  let closed = false;
  let wakeSleeper: (() => void) | null = null;
  const unregister = source.onWake(() => wakeSleeper?.());

  async function* events(): AsyncGenerator<RecordedEvent> {
    let after = source.after;
    try {
      while (!closed) {
        const seen = source.changeCount();
        const page = await source.readPage(after);
        for (const event of page) {
          if (closed) return;
          yield event;
          after = event.position;
        }
        if (page.length > 0 || source.changeCount() !== seen) continue;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, source.pollMs);
          wakeSleeper = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        wakeSleeper = null;
      }
    } finally {
      unregister();
    }
  }

  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      closed = true;
      wakeSleeper?.();
      await iterator.return(undefined);
    },
  };
}
