import type { EventStore } from '../event-store.port';

/**
 * The store, with a rival write (another process, say) run to its end just
 * before each of the first `times` appends to `streamId`: races made on
 * purpose, for specs of writers that must survive losing them.
 */
export function rivalBeforeAppend(
  store: EventStore,
  streamId: string,
  rival: (attempt: number) => Promise<unknown>,
  times: number,
): EventStore {
  let attempt = 0;
  return {
    appendToStream: async (target, events, options) => {
      if (target === streamId && attempt < times) await rival(attempt++);
      return store.appendToStream(target, events, options);
    },
    readStream: (target, options) => store.readStream(target, options),
    readAll: (options) => store.readAll(options),
    subscribeToAll: (options) => store.subscribeToAll(options),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    writeCheck: store.writeCheck ? () => store.writeCheck!() : undefined,
    close: () => store.close(),
  };
}
