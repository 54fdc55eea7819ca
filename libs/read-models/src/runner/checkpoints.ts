import { START, type LogPosition } from '@desk/event-store';
import { sql, type Kysely } from 'kysely';
import type { ReadModelStore } from '../store/read-model-store';
import type { ReadModelTables } from '../store/read-model-tables';
import type { Projection } from './projection';
import { copyCheckpointName, copySuffix, CopyTablesPlugin } from './table-copies';
import { TurnsBetweenStatements } from './event-loop-turns';

/** Serialises schema changes of processes starting together: PostgreSQL's CREATE TABLE IF NOT EXISTS races otherwise. */
const SCHEMA_LOCK = 7_310_442_551;

/**
 * A transaction that reads the schema and then changes it, as every process does when it starts: under the schema
 * lock on PostgreSQL; on SQLite begun IMMEDIATE, so that it holds the write lock before it reads anything. A
 * deferred one cannot upgrade once another process has written since its read, and fails at once with "database
 * is locked" (two API processes starting together on one data folder did).
 */
async function schemaTransaction<T>(
  store: ReadModelStore,
  writer: Kysely<ReadModelTables>,
  work: (trx: Kysely<ReadModelTables>) => Promise<T>,
): Promise<T> {
  if (store.dialect === 'postgres') {
    return writer.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${SCHEMA_LOCK})`.execute(trx);
      return work(trx);
    });
  }
  return writer.connection().execute(async (db) => {
    await sql`begin immediate`.execute(db);
    try {
      const result = await work(db);
      await sql`commit`.execute(db);
      return result;
    } catch (error) {
      await sql`rollback`.execute(db);
      throw error;
    }
  });
}

/** The checkpoint table, created under the schema lock: two processes starting together on PostgreSQL collide otherwise. */
async function ensureCheckpointTable(store: ReadModelStore): Promise<void> {
  await schemaTransaction(store, store.writer, async (trx) => {
    await createCheckpointTable(trx);
  });
}

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
 * So does a checkpoint past `head`, the head of the log the projection is to
 * follow: such a read model was built from another log (another desk's
 * files, or a log restored from an older backup), and serving it would
 * answer with data that log never held.
 * Returns the checkpoint to resume from.
 */
export async function prepareProjection(
  store: ReadModelStore,
  projection: Projection,
  now: Date,
  head?: LogPosition,
): Promise<LogPosition> {
  return schemaTransaction(store, store.writer, async (trx) => {
    await createCheckpointTable(trx);
    const row = await trx.selectFrom('projection_checkpoints').selectAll().where('name', '=', projection.name).executeTakeFirst();
    const fromThisLog = head === undefined || (row !== undefined && BigInt(row.position) <= head);
    // Built here already: its tables stand (a swapped-in copy's indexes keep the copy's names).
    if (row && row.version === projection.version && fromThisLog) return BigInt(row.position);
    for (const table of projection.tables) await trx.schema.dropTable(table).ifExists().execute();
    await projection.createTables(trx);
    await projection.createIndexes?.(trx);
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

/** The stored version of a projection's live read model, if it was ever built here. */
export async function storedVersion(store: ReadModelStore, name: string): Promise<number | undefined> {
  await ensureCheckpointTable(store);
  const row = await store.writer.selectFrom('projection_checkpoints').select('version').where('name', '=', name).executeTakeFirst();
  return row?.version;
}

/** A copy's tables (through the renaming writer), without their secondary indexes (buildCopyIndexes), and its checkpoint at the start of the log. */
export async function prepareCopy(
  store: ReadModelStore,
  copyWriter: Kysely<ReadModelTables>,
  projection: Projection,
  checkpointName: string,
  now: Date,
): Promise<LogPosition> {
  return schemaTransaction(store, copyWriter, async (trx) => {
    await createCheckpointTable(trx);
    for (const table of projection.tables) await trx.schema.dropTable(table).ifExists().execute();
    await projection.createTables(trx);
    await trx.deleteFrom('projection_checkpoints').where('name', '=', checkpointName).execute();
    await trx
      .insertInto('projection_checkpoints')
      .values({ name: checkpointName, version: projection.version, position: String(START), updated_at: now.toISOString() })
      .execute();
    return START;
  });
}

/**
 * The secondary indexes of a copy (through the renaming writer) that has caught up: each built in one statement, the
 * event loop's turn taken after each. Those built already are passed over.
 */
export async function buildCopyIndexes(copyWriter: Kysely<ReadModelTables>, projection: Projection): Promise<void> {
  await projection.createIndexes?.(copyWriter.withPlugin(new TurnsBetweenStatements()));
}

/**
 * Puts a finished copy in place of the live tables, in one transaction:
 * queries see the old read model or the new one, never a mix nor nothing.
 * The live checkpoint takes the copy's position and version.
 */
export async function swapInCopy(store: ReadModelStore, projection: Projection, token: string, now: Date): Promise<LogPosition> {
  // The copy's runner builds them once it has caught up; one stopped before it did has not.
  await buildCopyIndexes(store.writer.withPlugin(new CopyTablesPlugin(projection.tables, token)), projection);
  for (let attempt = 1; ; attempt++) {
    try {
      return await swapOnce(store, projection, token, now);
    } catch (error) {
      // PostgreSQL: a query holds one of the live tables; try again in a moment rather than wait holding locks.
      if ((error as { code?: string }).code !== LOCK_NOT_AVAILABLE || attempt >= 500) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(50, attempt * 2)));
    }
  }
}

const LOCK_NOT_AVAILABLE = '55P03';

async function swapOnce(store: ReadModelStore, projection: Projection, token: string, now: Date): Promise<LogPosition> {
  const copyName = copyCheckpointName(projection.name, token);
  return schemaTransaction(store, store.writer, async (trx) => {
    if (store.dialect === 'postgres') {
      // Every live table at once, or none: the swap never waits while holding a lock a query needs, so no query
      // can deadlock with it (SQLite needs none of this: WAL readers keep their snapshot).
      const { rows } = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = current_schema()`.execute(trx);
      const live = projection.tables.filter((table) => rows.some((row) => row.tablename === table));
      if (live.length > 0)
        await sql`lock table ${sql.join(live.map((table) => sql.table(table)))} in access exclusive mode nowait`.execute(trx);
    }
    const copy = await trx.selectFrom('projection_checkpoints').selectAll().where('name', '=', copyName).executeTakeFirstOrThrow();
    for (const table of projection.tables) {
      await trx.schema.dropTable(table).ifExists().execute();
      await trx.schema
        .alterTable(`${table}${copySuffix(token)}`)
        .renameTo(table)
        .execute();
    }
    const live = { version: copy.version, position: copy.position, updated_at: now.toISOString() };
    const updated = await trx.updateTable('projection_checkpoints').set(live).where('name', '=', projection.name).executeTakeFirst();
    if (updated.numUpdatedRows === 0n)
      await trx
        .insertInto('projection_checkpoints')
        .values({ name: projection.name, ...live })
        .execute();
    await trx.deleteFrom('projection_checkpoints').where('name', '=', copyName).execute();
    return BigInt(copy.position);
  });
}

/** Drops what unfinished copies left behind (a rebuild interrupted by a stop or a crash). */
export async function dropUnfinishedCopies(store: ReadModelStore, projection: Projection): Promise<void> {
  await ensureCheckpointTable(store);
  const rows = await store.writer
    .selectFrom('projection_checkpoints')
    .select('name')
    .where('name', 'like', `${projection.name}#rebuild:%`)
    .execute();
  for (const { name } of rows) await dropCopy(store, projection, name.slice(`${projection.name}#rebuild:`.length));
}

/** Drops one copy's tables and its checkpoint, in one transaction: a rebuild that will not finish (or a crash's leftover). */
export async function dropCopy(store: ReadModelStore, projection: Projection, token: string): Promise<void> {
  const name = copyCheckpointName(projection.name, token);
  await store.writer.transaction().execute(async (trx) => {
    for (const table of projection.tables)
      await trx.schema
        .dropTable(`${table}${copySuffix(token)}`)
        .ifExists()
        .execute();
    await trx.deleteFrom('projection_checkpoints').where('name', '=', name).execute();
  });
}
