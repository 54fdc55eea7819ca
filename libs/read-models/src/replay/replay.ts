import type { EventStore, LogPosition, RecordedEvent } from '@desk/event-store';
import { allProjections } from '../projections';
import { prepareProjection } from '../runner/checkpoints';
import { decodeLogged } from '../runner/logged-event';
import type { Projection } from '../runner/projection';
import { openSqlite, type ReadModelStore } from '../store/read-model-store';

const PAGE = 2000;

/**
 * The read models as they stood at a business time: the log replayed,
 * events that occurred up to `asOf` only, through the same projections, into
 * a throw-away in-memory store. The live read models are never touched.
 */
export async function replayUntil(events: EventStore, asOf: Date, projections: Projection[] = allProjections()): Promise<ReadModelStore> {
  const store = openSqlite(':memory:');
  try {
    for (const projection of projections) await prepareProjection(store, projection, asOf);
    const limit = asOf.getTime();
    let after: LogPosition = 0n;
    for (;;) {
      const page = await events.readAll({ after, maxCount: PAGE });
      if (page.length === 0) break;
      after = page[page.length - 1].position;
      const batch = page.filter((event) => Date.parse(String(event.metadata.occurredAt)) <= limit);
      for (const projection of projections) {
        const relevant = batch.filter((event: RecordedEvent) => projection.eventTypes.has(event.type)).map(decodeLogged);
        if (relevant.length > 0) await store.writer.transaction().execute((trx) => projection.apply(trx, relevant));
      }
    }
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

interface CachedReplay {
  head: LogPosition;
  store: Promise<ReadModelStore>;
}

/**
 * Replays are costly (the whole log) and analysts page through them: the
 * last few are kept, keyed by the time asked and the head of the log they
 * were built from, so a new event makes a fresh one.
 */
export class ReplayCache {
  private readonly entries = new Map<string, CachedReplay>();

  constructor(
    private readonly events: EventStore,
    private readonly size = 3,
  ) {}

  async at(asOf: Date): Promise<ReadModelStore> {
    const head = await this.events.headPosition();
    const key = asOf.toISOString();
    const cached = this.entries.get(key);
    if (cached && cached.head === head) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached.store;
    }
    if (cached) retire(cached);
    const entry: CachedReplay = { head, store: replayUntil(this.events, asOf) };
    this.entries.set(key, entry);
    entry.store.catch(() => this.entries.delete(key));
    while (this.entries.size > this.size) {
      const [oldest, evicted] = this.entries.entries().next().value as [string, CachedReplay];
      this.entries.delete(oldest);
      retire(evicted);
    }
    return entry.store;
  }

  async close(): Promise<void> {
    const stores = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(
      stores.map((entry) =>
        entry.store.then(
          (store) => store.close(),
          () => undefined,
        ),
      ),
    );
  }
}

/** Closed a while later: a query may still be reading a replay that was just replaced. */
function retire(entry: CachedReplay): void {
  setTimeout(
    () =>
      void entry.store.then(
        (store) => store.close(),
        () => undefined,
      ),
    60_000,
  ).unref();
}
