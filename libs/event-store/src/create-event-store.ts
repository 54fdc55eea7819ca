import { join } from 'node:path';
import type { EventStore } from './event-store.port';
import { SqliteEventStore } from './embedded/sqlite-event-store';

export interface EventStoreConfig {
  /** Folder of the embedded store. */
  dataDir: string;
  /** esdb://… for EventStoreDB, postgres://… for PostgreSQL; unset for the embedded store. */
  eventStoreUrl?: string;
}

/** The event store the configuration names: embedded unless a URL says otherwise. */
export async function createEventStore(config: EventStoreConfig): Promise<EventStore> {
  if (!config.eventStoreUrl) return new SqliteEventStore(join(config.dataDir, 'events.sqlite'));
  throw new Error(`no adapter for ${new URL(config.eventStoreUrl).protocol} yet`);
}
