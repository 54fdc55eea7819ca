import { dropSchema, freshSchema } from '../support/postgres-schemas';
import { PostgresEventStore } from '@desk/event-store';
import { describeSkipped } from '../support/describe-skipped';
import { describeEventStoreContract } from './event-store.contract';

const databaseUrl = process.env.DATABASE_URL;

if (!databaseUrl) {
  describeSkipped('PostgreSQL event store contract', 'DATABASE_URL is not set');
} else {
  describeEventStoreContract('PostgreSQL', async () => {
    const schema = freshSchema('contract');
    const store = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
    return {
      store,
      openAnother: () => PostgresEventStore.connect({ connectionString: databaseUrl, schema }),
      cleanup: async () => {
        await store.close();
        await dropSchema(databaseUrl, schema);
      },
    };
  });
}
