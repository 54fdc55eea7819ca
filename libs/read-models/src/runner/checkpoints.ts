import { START, type LogPosition } from '@desk/event-store';
import { sql, type Kysely } from 'kysely';
import type { ReadModelStore } from '../store/read-model-store';
import type { ReadModelTables } from '../store/read-model-tables';

/** Serialises schema changes of processes starting together: PostgreSQL's CREATE TABLE IF NOT EXISTS races otherwise. */
const SCHEMA_LOCK = 7_310_442_551;
import type { Projection } from './projection';

export async function createCheckpointTable(db: Kysely<ReadModelTables>): Promise<void> {
  await db.schema
    .createTable('projection_checkpoints')
    .ifNotExists()
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('version', 'integer', (column) => column.notNull())
    .addColumn('position', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'text', (column) => column.notNull())
    .execute();
}

/**
 * Makes sure the projection's tables and checkpoint exist at its version:
 * a version the store has not seen drops the old tables and starts from zero.
 * Returns the checkpoint to resume from.
 */
export async function prepareProjection(store: ReadModelStore, projection: Projection, now: Date): Promise<LogPosition> {
  return store.writer.transaction().execute(async (trx) => {
    if (store.dialect === 'postgres') await sql`select pg_advisory_xact_lock(${SCHEMA_LOCK})`.execute(trx);
    await createCheckpointTable(trx);
    const row = await trx.selectFrom('projection_checkpoints').selectAll().where('name', '=', projection.name).executeTakeFirst();
    if (row && row.version === projection.version) {
      await projection.createTables(trx);
      return BigInt(row.position);
    }
    for (const table of projection.tables) await trx.schema.dropTable(table).ifExists().execute();
    await projection.createTables(trx);
    const fresh = { version: projection.version, position: String(START), updated_at: now.toISOString() };
    if (row) await trx.updateTable('projection_checkpoints').set(fresh).where('name', '=', projection.name).execute();
    else
      await trx
        .insertInto('projection_checkpoints')
        .values({ name: projection.name, ...fresh })
        .execute();
    return START;
  });
}

export async function readCheckpoints(db: Kysely<ReadModelTables>, names: readonly string[]): Promise<Map<string, LogPosition>> {
  if (names.length === 0) return new Map();
  const rows = await db.selectFrom('projection_checkpoints').select(['name', 'position']).where('name', 'in', names).execute();
  return new Map(rows.map((row) => [row.name, BigInt(row.position)]));
}
