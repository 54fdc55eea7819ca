import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresEventStore, createEventStore, type EventStore, type RecordedEvent } from '@desk/event-store';
import { dropSchema, freshSchema } from './postgres-schemas';

/** Several connections to one event store, as several API instances have, and how to remove it afterwards. */
export interface SharedEventStores {
  stores: EventStore[];
  cleanup: () => Promise<void>;
}

/** `count` embedded stores on one new data folder: separate connections and caches, one SQLite file. */
export async function embeddedStoresOnOneFile(count: number, prefix = 'desk-shared-'): Promise<SharedEventStores> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const stores: EventStore[] = [];
  for (let n = 0; n < count; n++) stores.push(await createEventStore({ dataDir }));
  return {
    stores,
    cleanup: async () => {
      await Promise.all(stores.map((store) => store.close()));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `count` PostgreSQL stores on one fresh schema, dropped by cleanup. */
export async function postgresStoresOnOneSchema(databaseUrl: string, count: number, prefix: string): Promise<SharedEventStores> {
  const schema = freshSchema(prefix);
  const stores: EventStore[] = [];
  for (let n = 0; n < count; n++) stores.push(await PostgresEventStore.connect({ connectionString: databaseUrl, schema }));
  return {
    stores,
    cleanup: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await dropSchema(databaseUrl, schema);
    },
  };
}

/** Every event in the log, page by page: a single read stops at its page size and would cut a long log short without a word. */
export async function readWholeLog(store: EventStore): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for (let page = await store.readAll({ maxCount: 5000 }); page.length > 0;) {
    events.push(...page);
    page = await store.readAll({ after: page[page.length - 1].position, maxCount: 5000 });
  }
  return events;
}
