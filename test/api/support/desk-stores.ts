import { PostgresEventStore, type EventStore } from '@desk/event-store';
import type { ReadModelStore } from '@desk/read-models';
import { dropSchema, freshSchema } from '../../support/postgres-schemas';
import { describeSkipped } from '../../support/describe-skipped';
import { openPostgresReadModels } from '../../read-models/support/read-model-backends';

/** What a TestDesk runs on: its own embedded folder (nothing given), or PostgreSQL events and read models. */
export interface DeskStores {
  store?: EventStore;
  readModels?: ReadModelStore;
  cleanup(): Promise<void>;
}

/**
 * Runs the suite on a desk with embedded stores, and on one with its events and read models in fresh PostgreSQL
 * schemas where DATABASE_URL is set (said to be skipped otherwise). `stores` gives each desk its own.
 */
export function describeOnEveryDeskStore(title: string, suite: (stores: () => Promise<DeskStores>) => void): void {
  describe(`${title} (embedded stores)`, () => suite(async () => ({ cleanup: async () => undefined })));
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    describeSkipped(`${title} (PostgreSQL)`, 'DATABASE_URL is not set');
    return;
  }
  describe(`${title} (PostgreSQL stores)`, () =>
    suite(async () => {
      const schema = freshSchema('desk');
      const store = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
      const readModels = await openPostgresReadModels(databaseUrl);
      return {
        store,
        readModels,
        async cleanup() {
          await store.close();
          await dropSchema(databaseUrl, schema);
        },
      };
    }));
}
