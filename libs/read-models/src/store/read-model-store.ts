import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { checkFileWritable, openSqliteFile, StoreFileCorruptError, WriteOutcomes, type StoreFailure } from '@desk/event-store';
import { Kysely, PostgresDialect, SqliteDialect, sql, type QueryCreator, type SqliteDatabase } from 'kysely';
import { Pool } from 'pg';
import type { ReadModelTables } from './read-model-tables';
import { WorkerSqliteDialect } from './worker-sqlite-dialect';

export type ReadModelDb = Kysely<ReadModelTables>;

/** What a query reads through: the live tables (a ReadModelDb), or the same names over their history as of a time (as-of.ts). */
export type ReadModelQueries = QueryCreator<ReadModelTables>;

/**
 * Where the read models live: an embedded SQLite file by default, PostgreSQL
 * when DATABASE_URL is set. Both are driven through Kysely, so projections and
 * queries are one codebase; `writer` is for projections, `reader` for queries
 * (separate SQLite connections, so a long catch-up transaction never blocks a
 * query: WAL readers see the last committed state). The embedded reader's
 * connections are on worker threads (READ_WORKERS), so queries do not take the
 * event loop from commands.
 */
export interface ReadModelStore {
  readonly dialect: 'sqlite' | 'postgres';
  readonly writer: ReadModelDb;
  readonly reader: ReadModelDb;
  /** Rejects when the store cannot be used (readiness). */
  ping(): Promise<void>;
  /**
   * Whether the store can take writes now, as far as it can tell without writing (readiness asks on every probe):
   * null when it can, else why not (read-only, full, the projections' last commit refused).
   */
  writeCheck(): Promise<StoreFailure | null>;
  /** How the projections' commits went (they tell it), for writeCheck. */
  readonly writes: WriteOutcomes;
  close(): Promise<void>;
}

/** What a store tells about itself while it opens (a damaged file moved aside). */
export interface ReadModelStoreLog {
  warn(msg: string, fields?: Record<string, unknown>): void;
}

export interface ReadModelStoreConfig {
  /** Folder of the embedded read models. */
  dataDir: string;
  /** postgres://… to keep read models in PostgreSQL. */
  databaseUrl?: string;
  /** PostgreSQL schema of the read models; created when missing. */
  schema?: string;
  /** File name inside dataDir for the embedded store. */
  fileName?: string;
  /** How the embedded store's queries run: see EmbeddedReaderOptions. */
  embeddedReader?: EmbeddedReaderOptions;
  /** Where a damaged embedded file, moved aside, is reported; standard error without it. */
  log?: ReadModelStoreLog;
}

export interface EmbeddedReaderOptions {
  /** Worker threads that query the file at once (READ_WORKERS); 0: queries run on the calling thread, as the writer does. */
  workers?: number;
  /** Queries that may wait for a worker (READ_QUEUE_MAX); beyond, ReadModelsBusyError at once. */
  maxQueued?: number;
  /** Old-generation heap of each worker (READ_WORKER_HEAP_MB): a result larger ends that query, not the process. */
  workerHeapMb?: number;
}

/** Two queries at once beside the API's own thread; the queue holds a burst of 60 concurrent as-of queries and more. */
// Off by default until change streams survive a busy refusal: with workers, 1,000 streams opening at once ended two thirds of them.
export const EMBEDDED_READER_DEFAULTS: Required<EmbeddedReaderOptions> = { workers: 0, maxQueued: 100, workerHeapMb: 64 };

const BUSY_TIMEOUT_MS = 5000;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const UNIQUE_VIOLATION = '23505';
const DUPLICATE_SCHEMA = '42P06';

export async function createReadModelStore(config: ReadModelStoreConfig): Promise<ReadModelStore> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl, config.schema ?? 'desk_read');
  mkdirSync(config.dataDir, { recursive: true });
  const file = join(config.dataDir, config.fileName ?? 'read-models.sqlite');
  try {
    return openSqlite(file, config.embeddedReader);
  } catch (error) {
    if (!(error instanceof StoreFileCorruptError)) throw error;
    // Read models are disposable: the damaged file is kept aside for whoever wants to look, and the projections build
    // new ones from the log (every checkpoint is gone with it).
    const movedTo = moveAside(file);
    const fields = { file, movedTo, problem: error.problem };
    const message = `the read models in ${file} are damaged: the file is moved aside and they are built again from the log`;
    if (config.log) config.log.warn(message, fields);
    else process.stderr.write(`${message} (${JSON.stringify(fields)})\n`);
    return openSqlite(file, config.embeddedReader);
  }
}

/** Renames a damaged SQLite file, with its -wal and -shm, to `<file>.corrupt-<time>`; returns the new name. */
function moveAside(file: string): string {
  const movedTo = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(`${file}${suffix}`)) renameSync(`${file}${suffix}`, `${movedTo}${suffix}`);
  return movedTo;
}

/**
 * Also used for throw-away read models (replays, tests): ':memory:' is one connection, on this thread (a worker
 * cannot share it), for projections and queries alike.
 */
export function openSqlite(file: string, readerOptions: EmbeddedReaderOptions = {}): ReadModelStore {
  const { workers, maxQueued, workerHeapMb } = { ...EMBEDDED_READER_DEFAULTS, ...readerOptions };
  const prepare = (database: Database.Database) => {
    database.pragma('journal_mode = WAL');
    // A crash may lose the last read-model commits but never tears them: checkpoints
    // are in the same transactions, so the projection simply redoes them.
    database.pragma('synchronous = NORMAL');
  };
  const connect = () => {
    const database = new Database(file);
    // First: switching a new file to WAL takes an exclusive lock, which processes starting together must wait for.
    database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    prepare(database);
    return database;
  };
  // The writer's connection, opened first, checks the file's pages: a damaged file is StoreFileCorruptError, here.
  const writerDatabase = openSqliteFile(file, 'the read models', BUSY_TIMEOUT_MS, prepare);
  const writes = new WriteOutcomes();
  let reader: Kysely<ReadModelTables>;
  const writer = new Kysely<ReadModelTables>({ dialect: new SqliteDialect({ database: withStatementCache(writerDatabase) }) });
  try {
    reader = openReader();
  } catch (error) {
    writerDatabase.close();
    throw error;
  }
  function openReader(): Kysely<ReadModelTables> {
    return file === ':memory:'
      ? writer
      : new Kysely<ReadModelTables>({
          dialect:
            workers === 0
              ? new SqliteDialect({ database: withStatementCache(connect()) })
              : new WorkerSqliteDialect({
                  file,
                  workers,
                  maxQueued,
                  workerHeapMb,
                  busyTimeoutMs: BUSY_TIMEOUT_MS,
                  statementCacheSize: STATEMENT_CACHE,
                }),
        });
  }
  return {
    dialect: 'sqlite',
    writer,
    reader,
    writes,
    async ping() {
      await sql`select 1`.execute(reader);
    },
    async writeCheck() {
      return writes.lastFailure() ?? (file === ':memory:' ? null : checkFileWritable(file));
    },
    async close() {
      await writer.destroy();
      if (reader !== writer) await reader.destroy();
    },
  };
}

/**
 * Kysely's SQLite driver prepares every query anew, and SQLite parsing a
 * 60-column upsert costs more than running it: statements are kept by their
 * SQL text (the queries are a fixed set of shapes; the least recently used
 * goes beyond STATEMENT_CACHE).
 */
const STATEMENT_CACHE = 256;

/** What Kysely runs for a rollback when SQLite has already rolled the transaction back. */
const NO_TRANSACTION_TO_ROLL_BACK = {
  reader: false,
  all: () => [],
  run: () => ({ changes: 0, lastInsertRowid: 0 }),
  iterate: () => [][Symbol.iterator](),
} as unknown as Database.Statement;

function withStatementCache(database: Database.Database): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(text: string) {
      // SQLite ends a transaction itself on some errors (SQLITE_FULL, SQLITE_IOERR…): Kysely's rollback would then fail
      // with "no transaction is active" and hide the error that matters (a full disk was taken for a poison event).
      if (!database.inTransaction && /^\s*rollback\s*$/i.test(text)) return NO_TRANSACTION_TO_ROLL_BACK;
      let statement = statements.get(text);
      if (statement) {
        statements.delete(text);
      } else {
        statement = database.prepare(text);
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
      }
      statements.set(text, statement);
      return statement;
    },
  };
}

async function openPostgres(connectionString: string, schema: string): Promise<ReadModelStore> {
  if (!SCHEMA_NAME.test(schema)) throw new TypeError(`read-model schema must match ${SCHEMA_NAME}: ${schema}`);
  const bootstrap = new Pool({ connectionString, max: 1 });
  try {
    await bootstrap.query(`create schema if not exists ${schema}`).catch((error: { code?: string }) => {
      // Another process starting at the same moment created it between our check and our insert: it is there.
      if (error.code !== UNIQUE_VIOLATION && error.code !== DUPLICATE_SCHEMA) throw error;
    });
  } finally {
    await bootstrap.end();
  }
  const pool = new Pool({ connectionString, max: 10, options: `-c search_path=${schema}`, connectionTimeoutMillis: 5000 });
  // A client that loses its server, idle or in use, must not end the process; its query (or the next) reports it.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = new Kysely<ReadModelTables>({ dialect: new PostgresDialect({ pool }) });
  const writes = new WriteOutcomes();
  return {
    dialect: 'postgres',
    writer: db,
    reader: db,
    writes,
    async ping() {
      await sql`select 1`.execute(db);
    },
    async writeCheck() {
      const last = writes.lastFailure();
      if (last) return last;
      // A standby, or sessions read-only by default (ALTER DATABASE … SET default_transaction_read_only): no commit would pass.
      const { rows } = await sql<{ recovery: boolean; read_only: string }>`
        select pg_is_in_recovery() as recovery, current_setting('default_transaction_read_only') as read_only`.execute(db);
      if (rows[0].recovery) return { kind: 'read_only', message: 'PostgreSQL is a standby (in recovery): it takes no writes' };
      if (rows[0].read_only === 'on')
        return { kind: 'read_only', message: 'PostgreSQL sessions are read-only (default_transaction_read_only)' };
      return null;
    },
    async close() {
      await db.destroy();
    },
  };
}
