import { randomUUID } from 'node:crypto';
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

  describe('PostgreSQL event store, appends sharing one transaction', () => {
    it('fails only the append PostgreSQL refuses (a NUL in jsonb text) and keeps the others committed with it', async () => {
      const schema = freshSchema('nul');
      const store = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
      try {
        const event = (data: Record<string, unknown>) => ({
          id: randomUUID(),
          type: 'Noted',
          data,
          metadata: { correlationId: 'c', causationId: 'c', actor: 'tester', occurredAt: new Date().toISOString(), schemaVersion: 1 },
        });
        const outcomes = await Promise.allSettled([
          store.appendToStream('a', [event({ text: 'fine' })]),
          store.appendToStream('b', [event({ text: 'nul \u0000 inside' })]),
          store.appendToStream('c', [event({ text: 'fine too' })]),
        ]);
        expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
        expect((await store.readAll()).map((recorded) => recorded.streamId)).toEqual(['a', 'c']);
        expect(await store.readStream('b')).toEqual([]);
      } finally {
        await store.close();
        await dropSchema(databaseUrl, schema);
      }
    });
  });
}
