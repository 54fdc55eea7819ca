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
 * The API answers asOf from the history tables the projections keep
 * (queries/as-of.ts); this is their test oracle, and the CLI's offline replay.
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
