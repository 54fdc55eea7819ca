import { allProjections, createReadModelStore, dropUnfinishedCopies, prepareProjection, storedVersion } from '@desk/read-models';
import { dropSchema, freshSchema } from '../support/postgres-schemas';
import { describeSkipped } from '../support/describe-skipped';

/**
 * Regression: projector processes starting together on a fresh PostgreSQL schema failed start-up with
 * "duplicate key value violates unique constraint" (pg_type, pg_namespace): the schema and the checkpoint table
 * were created outside the schema lock, and CREATE … IF NOT EXISTS races on PostgreSQL.
 */
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describe('read-model stores opened and prepared by several processes at once (PostgreSQL)', () => {
    it('all start, whatever the interleaving, with one checkpoint per projection', async () => {
      for (let attempt = 0; attempt < 5; attempt++) {
        const schema = freshSchema('together');
        try {
          // What ReadSide.start does in each process, four at once, each with its own pool.
          const stores = await Promise.all(
            Array.from({ length: 4 }, async () => {
              const store = await createReadModelStore({ dataDir: '', databaseUrl, schema });
              for (const projection of allProjections()) {
                await dropUnfinishedCopies(store, projection);
                await storedVersion(store, projection.name);
                await prepareProjection(store, projection, new Date());
              }
              return store;
            }),
          );
          const rows = await stores[0].reader.selectFrom('projection_checkpoints').select(['name', 'position']).orderBy('name').execute();
          expect(rows).toEqual(
            allProjections()
              .map((projection) => ({ name: projection.name, position: '0' }))
              .sort((a, b) => a.name.localeCompare(b.name)),
          );
          await Promise.all(stores.map((store) => store.close()));
        } finally {
          await dropSchema(databaseUrl, schema);
        }
      }
    });
  });
} else {
  describeSkipped('read-model stores opened and prepared by several processes at once (PostgreSQL)', 'DATABASE_URL is not set');
}
