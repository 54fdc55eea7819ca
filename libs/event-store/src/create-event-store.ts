import { join } from 'node:path';
import type { EventStore } from './event-store.port';
import { SqliteEventStore } from './embedded/sqlite-event-store';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { EsdbEventStore } from './eventstoredb/esdb-event-store';

export interface EventStoreConfig {
  /** Folder of the embedded store. */
  dataDir: string;
  /** esdb://… for EventStoreDB, postgres://… for PostgreSQL; unset for the embedded store. */
  eventStoreUrl?: string;
}

/** The event store the configuration names: embedded unless a URL says otherwise. */
export async function createEventStore(config: EventStoreConfig): Promise<EventStore> {
  if (!config.eventStoreUrl) return new SqliteEventStore(join(config.dataDir, 'events.sqlite'));
  const protocol = new URL(config.eventStoreUrl).protocol;
  if (protocol === 'postgres:' || protocol === 'postgresql:') {
    return PostgresEventStore.connect({ connectionString: config.eventStoreUrl, schema: 'desk_events' });
  }
  if (protocol === 'esdb:' || protocol === 'esdb+discover:') return EsdbEventStore.connect(config.eventStoreUrl);
  throw new TypeError(`EVENTSTORE_URL: no event-store adapter for ${protocol}`);
}
