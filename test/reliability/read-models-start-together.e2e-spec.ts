import { allProjections, createReadModelStore, dropUnfinishedCopies, prepareProjection, storedVersion } from '@desk/read-models';
import { dropSchema, freshSchema } from '../support/postgres-schemas';
import { describeSkipped } from '../support/describe-skipped';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, exited, spawnApp, until } from '../support/child-apps';

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

/**
 * Regression: processes starting together on one embedded data folder failed start-up with "database is locked":
 * preparing a projection read the checkpoint table, then wrote, in a deferred transaction that cannot upgrade once
 * another process has written since. Schema transactions now begin IMMEDIATE.
 */
describe('read models prepared by several processes at once (embedded)', () => {
  it('lets four projectors started together on one empty data folder all start', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const dataDir = mkdtempSync(join(tmpdir(), 'desk-start-together-'));
      const projectors = Array.from({ length: 4 }, () => {
        const child = spawnApp('projector', { DATA_DIR: dataDir, PROJECTOR_PORT: '0', SLA_WATCH_INTERVAL_MS: '3600000' });
        return { child, out: collect(child, 'stdout'), err: collect(child, 'stderr') };
      });
      try {
        await until(
          () => projectors.every(({ out, child }) => out().includes('projector running') || child.exitCode !== null),
          60_000,
          'the projectors to start',
        );
        expect(projectors.map(({ child, err }) => (child.exitCode === null ? '' : `exited ${child.exitCode}: ${err()}`))).toEqual([
          '',
          '',
          '',
          '',
        ]);
        for (const { child } of projectors) child.kill('SIGTERM');
        const ends = await Promise.all(projectors.map(({ child }) => exited(child)));
        expect(
          ends.map((end, n) =>
            end === 0 ? 0 : `${projectors[n].child.signalCode} ${projectors[n].err()} ${projectors[n].out().slice(-600)}`,
          ),
        ).toEqual([0, 0, 0, 0]);
      } finally {
        for (const { child } of projectors) child.kill('SIGKILL');
        rmSync(dataDir, { recursive: true, force: true });
      }
    }
  }, 120_000);
});
