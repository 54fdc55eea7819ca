import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuplicateEventIdError, EventStoreUnavailableError, storeFailureOf, WriteOutcomes, type StoreFailure } from '../errors';
import { checkFileWritable, openSqliteFile } from './sqlite-files';
import {
  START,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type LogFilter,
  type LogPosition,
  type LogSubscription,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type StreamRevision,
  type SubscribeOptions,
} from '../event-store.port';
import { assertAppendable, checkExpectedRevision } from '../append-rules';
import { pollingSubscription } from '../polling-subscription';

/** An event row as an array (better-sqlite3's raw mode: no object per row), columns in EVENT_COLUMNS order. */
type EventRow = [
  position: bigint,
  id: string,
  streamId: string,
  revision: bigint,
  type: string,
  data: string,
  metadata: string,
  recordedAt: bigint,
];

const EVENT_COLUMNS = 'position, id, stream_id, revision, type, data, metadata, recorded_at';

interface PendingAppend {
  streamId: string;
  events: EventToAppend[];
  expectedRevision: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

const LAST_REVISIONS_LIMIT = 100_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS events (
    position    INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT    NOT NULL UNIQUE,
    stream_id   TEXT    NOT NULL,
    revision    INTEGER NOT NULL,
    type        TEXT    NOT NULL,
    data        TEXT    NOT NULL,
    metadata    TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL,
    UNIQUE (stream_id, revision)
  );
  CREATE TABLE IF NOT EXISTS streams (
    stream_id TEXT PRIMARY KEY,
    revision  INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX IF NOT EXISTS events_by_type ON events (type, position);
`;

/** Tries of a batch that meets a busy database inside its transaction: some 600 ms of back-off in all. */
const BUSY_COMMIT_ATTEMPTS = 12;

function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
}

class BusyInsideCommit extends Error {
  constructor(override readonly cause: unknown) {
    super('the database was busy inside a commit');
  }
}

/** The file refused a statement of one append (full, read-only, an I/O error): no fault of that append, the whole batch fails. */
class StoreFailedInsideCommit extends Error {
  constructor(override readonly cause: unknown) {
    super('the database failed inside a commit');
  }
}

/** SQLite's own failures of a read, as the port's: so that an answer names the event store, not the read models. */
function reading<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof Database.SqliteError) {
      throw new EventStoreUnavailableError(`the embedded event store could not be read: ${describeSqliteError(error)}`, { cause: error });
    }
    throw error;
  }
}

/** SQLite's message with its code (SQLITE_FULL: database or disk is full), so that a log line or a status says which. */
function describeSqliteError(error: unknown): string {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  const text = typeof message === 'string' ? message : String(error);
  return typeof code === 'string' && code.startsWith('SQLITE_') && !text.includes(code) ? `${text} (${code})` : text;
}

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row[1],
    streamId: row[2],
    type: row[4],
    revision: row[3],
    position: row[0],
    data: JSON.parse(row[5]) as Record<string, unknown>,
    metadata: JSON.parse(row[6]) as EventMetadata,
    recordedAt: new Date(Number(row[7])),
  };
}

/**
 * The embedded event store: one SQLite file in WAL mode with synchronous=FULL,
 * so an acknowledged append survives a crash or a power cut.
 *
 * Group commit: appends that arrive while a batch is being gathered share one
 * transaction, hence one fsync, each inside its own savepoint so one append's
 * wrong revision fails only that append. Positions come from the rowid inside
 * SQLite's single-writer lock, so they increase in commit order with no gap a
 * reader could observe, even with several processes on one file.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;
  /** Transactions committed by this process (each one fsync); subscriptions compare it to know whether to read again before sleeping. */
  private commits = 0;
  private busyRetries = 0;
  private readonly wakers = new Set<() => void>();
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * The last revision of streams this process wrote or read to their end, valid while no other connection has
   * committed (SQLite's data_version does not move): a load of a cached aggregate then needs no query at all.
   */
  private readonly lastRevisions = new Map<string, bigint>();
  private lastRevisionsVersion: unknown = null;
  /** Appends answered by events already stored: their revision need not be the stream's last. */
  private readonly duplicates = new WeakSet<PendingAppend>();
  /** How the last commit went, for readiness: a file that refused it (full, read-only) cannot take writes. */
  private readonly writes = new WriteOutcomes();
  private readonly appendOne: (pending: PendingAppend) => AppendResult;
  private readonly commitBatch: Database.Transaction<
    (batch: PendingAppend[]) => { pending: PendingAppend; result?: AppendResult; error?: unknown }[]
  >;

  constructor(readonly file: string) {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    // A file that is not a database, or a damaged one, is named as such and left as it is: the log is not disposable.
    this.db = openSqliteFile(file, 'the event log', 10_000, (db) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA);
    });

    const streamRevision = this.prepare('SELECT revision FROM streams WHERE stream_id = ?');
    const byId = this.prepare('SELECT stream_id, revision, position FROM events WHERE id = ?');
    const insert = this.prepare(
      'INSERT INTO events (id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const upsertStream = this.prepare(
      'INSERT INTO streams (stream_id, revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision',
    );

    // A nested db.transaction runs inside a SAVEPOINT: a throw undoes only this append.
    this.appendOne = this.db.transaction((pending: PendingAppend): AppendResult => {
      const { streamId, events, expectedRevision } = pending;
      const stored = events.map((event) => byId.get(event.id) as { stream_id: string; revision: bigint; position: bigint } | undefined);
      if (stored.every((row) => row !== undefined && row.stream_id === streamId)) {
        this.duplicates.add(pending);
        const last = stored[stored.length - 1]!;
        return { nextExpectedRevision: last.revision, position: last.position };
      }
      const duplicate = stored.findIndex((row) => row !== undefined);
      if (duplicate >= 0) throw new DuplicateEventIdError(streamId, events[duplicate].id);

      const current = (streamRevision.get(streamId) as { revision: bigint } | undefined)?.revision ?? null;
      checkExpectedRevision(streamId, expectedRevision, current);
      const recordedAt = Date.now();
      let revision = current === null ? -1n : current;
      let position: bigint = 0n;
      for (const event of events) {
        revision += 1n;
        const result = insert.run(
          event.id,
          streamId,
          revision,
          event.type,
          JSON.stringify(event.data),
          JSON.stringify(event.metadata),
          recordedAt,
        );
        position = BigInt(result.lastInsertRowid);
      }
      upsertStream.run(streamId, revision);
      return { nextExpectedRevision: revision, position };
    });

    this.commitBatch = this.db.transaction((batch: PendingAppend[]) =>
      batch.map((pending) => {
        try {
          return { pending, result: this.appendOne(pending) };
        } catch (error) {
          // A busy database is no fault of this append: the whole batch is rolled back and committed again.
          if (isBusy(error)) throw new BusyInsideCommit(error);
          // Nor is a file that is full, read-only or failing: the batch fails as the store's, not as this append's.
          if (error instanceof Database.SqliteError && storeFailureOf(error)) throw new StoreFailedInsideCommit(error);
          return { pending, error };
        }
      }),
    );
  }

  appendToStream(streamId: string, events: EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('the embedded event store is closed'));
    try {
      assertAppendable(streamId, events);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events, expectedRevision: options.expectedRevision ?? 'any', resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length > 0) this.commit(batch, 1);
  }

  private commit(batch: PendingAppend[], attempt: number): void {
    let outcomes: ReturnType<typeof this.commitBatch>;
    try {
      // BEGIN IMMEDIATE: the write lock is taken (waiting up to busy_timeout) before anything is read. A deferred
      // transaction reads first and cannot upgrade once another process has committed since: SQLITE_BUSY at once.
      outcomes = this.commitBatch.immediate(batch);
    } catch (error) {
      // Seen when another process on the file dies mid-write: a statement inside the transaction finds the
      // database busy although the lock was granted. Nothing was written; the same batch is tried again shortly.
      if (error instanceof BusyInsideCommit && attempt < BUSY_COMMIT_ATTEMPTS && !this.closed) {
        this.busyRetries++;
        setTimeout(() => this.commit(batch, attempt + 1), Math.min(100, 2 ** attempt));
        return;
      }
      const cause = error instanceof BusyInsideCommit || error instanceof StoreFailedInsideCommit ? error.cause : error;
      const failure = new EventStoreUnavailableError(`the embedded event store could not commit: ${describeSqliteError(cause)}`, { cause });
      this.writes.failed(failure);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.writes.succeeded();
    this.commits++;
    this.validLastRevisions();
    for (const { pending, result, error } of outcomes) {
      if (error !== undefined) pending.reject(error);
      else {
        if (!this.duplicates.has(pending)) this.rememberLastRevision(pending.streamId, result!.nextExpectedRevision);
        pending.resolve(result!);
      }
    }
    for (const wake of this.wakers) wake();
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    return reading(() => this.readStreamSync(streamId, options));
  }

  private readStreamSync(streamId: string, options: ReadStreamOptions): RecordedEvent[] {
    const backwards = options.direction === 'backwards';
    const limit = options.maxCount ?? -1;
    if (backwards) {
      const from = options.fromRevision ?? 9223372036854775807n;
      const rows = this.rows(
        `SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      ).all(streamId, from, limit);
      return (rows as EventRow[]).map(toRecorded);
    }
    const fromRevision = options.fromRevision ?? 0n;
    const toTheEnd = options.maxCount === undefined;
    const fresh = toTheEnd && this.validLastRevisions();
    const last = fresh ? this.lastRevisions.get(streamId) : undefined;
    if (last !== undefined && fromRevision > last) return [];
    const rows = this.rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`).all(
      streamId,
      fromRevision,
      limit,
    ) as EventRow[];
    if (fresh && rows.length > 0) this.rememberLastRevision(streamId, rows[rows.length - 1][3]);
    return rows.map(toRecorded);
  }

  /** Whether the remembered revisions still hold: they are forgotten as soon as another connection commits. */
  private validLastRevisions(): boolean {
    const version = this.prepare('PRAGMA data_version').pluck().get();
    if (version !== this.lastRevisionsVersion) {
      this.lastRevisions.clear();
      this.lastRevisionsVersion = version;
    }
    return true;
  }

  private rememberLastRevision(streamId: string, revision: bigint): void {
    if (this.lastRevisions.size >= LAST_REVISIONS_LIMIT && !this.lastRevisions.has(streamId)) this.lastRevisions.clear();
    this.lastRevisions.set(streamId, revision);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return reading(() => this.readAllSync(options));
  }

  private readAllSync(options: ReadAllOptions): RecordedEvent[] {
    const types = options.eventTypes ?? [];
    const prefixes = options.streamPrefixes ?? [];
    const where = ['position > ?'];
    const params: unknown[] = [options.after ?? START];
    if (types.length > 0) {
      where.push(`type IN (${types.map(() => '?').join(', ')})`);
      params.push(...types);
    }
    if (prefixes.length > 0) {
      where.push(`(${prefixes.map(() => 'substr(stream_id, 1, ?) = ?').join(' OR ')})`);
      for (const prefix of prefixes) params.push(prefix.length, prefix);
    }
    params.push(options.maxCount ?? 1000);
    const sql = `SELECT ${EVENT_COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY position LIMIT ?`;
    return (this.rows(sql).all(...params) as EventRow[]).map(toRecorded);
  }

  subscribeToAll(options: SubscribeOptions = {}): LogSubscription {
    const filter: LogFilter = { eventTypes: options.eventTypes, streamPrefixes: options.streamPrefixes };
    return pollingSubscription({
      after: options.after ?? START,
      readPage: (after) => this.readAll({ ...filter, after, maxCount: 500 }),
      changeCount: () => this.commits,
      // A slow poll as well, for appends by other processes on the same file.
      pollMs: 250,
      onWake: (wake) => {
        this.wakers.add(wake);
        return () => this.wakers.delete(wake);
      },
    });
  }

  async headPosition(): Promise<LogPosition> {
    const row = reading(() => this.prepare('SELECT max(position) AS head FROM events').get() as { head: bigint | null });
    return row.head ?? START;
  }

  async ping(): Promise<void> {
    if (this.closed) throw new EventStoreUnavailableError('the embedded event store is closed');
    reading(() => this.prepare('SELECT 1').get());
  }

  /** Without writing: the last commit's fate, then the file's folder (room left, a read-only file system). */
  async writeCheck(): Promise<StoreFailure | null> {
    if (this.closed) return { kind: 'unavailable', message: 'the embedded event store is closed' };
    const last = this.writes.lastFailure();
    if (last) return last;
    return this.file === ':memory:' ? null : checkFileWritable(this.file);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    for (const wake of this.wakers) wake();
    this.db.close();
  }

  /** How many times a batch met a busy database inside its transaction and was committed again. */
  get busyCommitRetries(): number {
    return this.busyRetries;
  }

  /** How many transactions (hence fsyncs) this process has committed: fewer than appends when group commit works. */
  get commitCount(): number {
    return this.commits;
  }

  /** Current revision of a stream, for tests and tools; null when it does not exist. */
  streamRevision(streamId: string): StreamRevision | null {
    return (
      (this.prepare('SELECT revision FROM streams WHERE stream_id = ?').get(streamId) as { revision: bigint } | undefined)?.revision ?? null
    );
  }

  /** A statement that reads rows as arrays: half the cost of an object per row when reading the log. */
  private rows(sql: string): Database.Statement {
    const key = `rows:${sql}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(sql).safeIntegers(true).raw(true);
      this.statements.set(key, statement);
    }
    return statement;
  }

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql).safeIntegers(true);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
