import { PostgresEventStore } from '@desk/event-store';
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { describeSkipped } from '../support/describe-skipped';
import { describeEventStoreContract } from './event-store.contract';

const databaseUrl = process.env.DATABASE_URL;

if (!databaseUrl) {
  describeSkipped('PostgreSQL event store contract', 'DATABASE_URL is not set');
} else {
  describeEventStoreContract('PostgreSQL', async () => {
    const schema = `contract_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const store = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
    return {
      store,
      openAnother: () => PostgresEventStore.connect({ connectionString: databaseUrl, schema }),
      cleanup: async () => {
        await store.close();
        const admin = new Client({ connectionString: databaseUrl });
        await admin.connect();
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await admin.end();
      },
    };
  });
}
