import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { EventStoreUnavailableError, storeFailureOf, WriteOutcomes, type StoreFailure } from '../errors';
import { batchCommitter, failureError, refusalError, sqliteFailureOf, type AppendRequest, type BatchOutcome } from './batch-commit';
import { CommitWorker } from './commit-worker';
import { checkFileWritable, fileSystemRefusalSync, openSqliteFile } from './sqlite-files';
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
import { assertAppendable } from '../append-rules';
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

const HEAD = 'SELECT max(position) AS head FROM events';

interface PendingAppend {
  request: AppendRequest;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

const LAST_REVISIONS_LIMIT = 100_000;

const BUSY_TIMEOUT_MS = 10_000;

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

/** Where batches are committed: a worker thread's connection for a file, the store's own for `:memory:`. */
interface CommitLine {
  commit(batch: AppendRequest[]): Promise<BatchOutcome>;
  close(): Promise<void>;
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
 *
 * A file's batches are committed by a worker thread on a connection of its own
 * (commit-worker.ts), so that this thread goes on parsing, deciding and
 * answering during the fsync; the appends arriving meanwhile gather into the
 * next batch, sent once the one in flight is answered. This thread's
 * connection only reads. `:memory:` cannot be opened by another thread: its
 * batches are committed here, by the same batch-commit.ts.
 */
export class SqliteEventStore implements EventStore {
  private readonly db: Database.Database;
  private readonly line: CommitLine;
  private queue: PendingAppend[] = [];
  private flushScheduled = false;
  /** A batch is with the commit line (or waiting out a busy database): the next one gathers meanwhile. */
  private committing = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  /** Resolved once no batch is in flight and none gathered: what close() waits for. */
  private drained: (() => void)[] = [];
  /** Transactions committed by this process (each one fsync); subscriptions compare it to know whether to read again before sleeping. */
  private commits = 0;
  /** Appends another connection in this process said it committed (noticeAppend): they wake subscriptions too. */
  private noticed = 0;
  private busyRetries = 0;
  private readonly wakers = new Set<() => void>();
  private readonly statements = new Map<string, Database.Statement>();
  /**
   * The last revision of streams this process wrote or read to their end, right as of the log's head
   * `lastRevisionsHead`: a load of a cached aggregate then needs no query at all. Checked cheaply by SQLite's
   * data_version, which moves when another connection commits, this store's worker included: then the head tells
   * whether anyone but this store's own commits (already learned from their answers) appended since.
   */
  private readonly lastRevisions = new Map<string, bigint>();
  private lastRevisionsVersion: unknown = null;
  private lastRevisionsHead: bigint | null = null;
  /** How the last commit went, for readiness: a file that refused it (full, read-only) cannot take writes. */
  private readonly writes = new WriteOutcomes();

  constructor(readonly file: string) {
    const inMemory = file === ':memory:';
    if (!inMemory) mkdirSync(dirname(file), { recursive: true });
    // A file that is not a database, or a damaged one, is named as such and left as it is: the log is not disposable.
    this.db = openSqliteFile(file, 'the event log', BUSY_TIMEOUT_MS, (db) => {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.exec(SCHEMA);
    });
    if (inMemory) {
      const commit = batchCommitter(this.db);
      this.line = { commit: async (batch) => commit(batch), close: async () => undefined };
    } else {
      this.line = new CommitWorker(file, BUSY_TIMEOUT_MS);
    }
  }

  appendToStream(streamId: string, events: EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('the embedded event store is closed'));
    let request: AppendRequest;
    try {
      assertAppendable(streamId, events);
      // Here rather than in the commit: what cannot be written as JSON fails this append alone, and the text is
      // what crosses to the worker (cheaper than the objects).
      const encoded = events.map((event) => ({
        id: event.id,
        type: event.type,
        data: JSON.stringify(event.data),
        metadata: JSON.stringify(event.metadata),
      }));
      request = { streamId, events: encoded, expectedRevision: options.expectedRevision ?? 'any' };
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.flushScheduled && !this.committing) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.committing) return;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) {
      for (const done of this.drained.splice(0)) done();
      return;
    }
    this.committing = true;
    this.commit(batch, 1);
  }

  private commit(batch: PendingAppend[], attempt: number): void {
    this.line.commit(batch.map((pending) => pending.request)).then(
      (outcome) => this.settle(batch, attempt, outcome),
      (error: unknown) => this.settle(batch, attempt, { kind: 'failed', failure: sqliteFailureOf(error) }, error),
    );
  }

  /** `lost`: the commit line's own failure (its worker stopped), which says more than its message alone. */
  private settle(batch: PendingAppend[], attempt: number, outcome: BatchOutcome, lost?: unknown): void {
    if (outcome.kind === 'busy' && attempt < BUSY_COMMIT_ATTEMPTS && !this.closed) {
      // Seen when another process on the file dies mid-write: a statement inside the transaction finds the
      // database busy although the lock was granted. Nothing was written; the same batch is tried again shortly.
      this.busyRetries++;
      setTimeout(() => this.commit(batch, attempt + 1), Math.min(100, 2 ** attempt));
      return;
    }
    if (outcome.kind === 'committed') {
      this.writes.succeeded();
      this.commits++;
      this.learnRevisions(batch, outcome);
      outcome.outcomes.forEach((appended, n) => {
        if ('refusal' in appended) batch[n].reject(refusalError(appended.refusal));
        else batch[n].resolve(appended.result);
      });
    } else {
      const cause = lost ?? failureError(outcome.failure);
      // An I/O error may be a file system turned read-only or full under the file: then that is what it is.
      const refusal = storeFailureOf(cause)?.kind === 'unavailable' && this.file !== ':memory:' ? fileSystemRefusalSync(this.file) : null;
      const failure = new EventStoreUnavailableError(
        `the embedded event store could not commit: ${describeSqliteError(cause)}${refusal ? ` (${refusal.message})` : ''}`,
        { cause, kind: refusal?.kind },
      );
      this.writes.failed(failure);
      for (const pending of batch) pending.reject(failure);
    }
    for (const wake of this.wakers) wake();
    this.committing = false;
    // What arrived during this commit has waited for it already: it goes at once.
    this.flush();
  }

  /**
   * The revisions a commit wrote are the streams' last if the cache was right as of the head the commit started
   * from (no one else appended in between), or as of the head it ended at (the cache was emptied there already).
   */
  private learnRevisions(batch: PendingAppend[], { outcomes, headBefore, headAfter }: BatchOutcome & { kind: 'committed' }): void {
    if (this.lastRevisionsHead === headBefore) this.lastRevisionsHead = headAfter;
    else if (this.lastRevisionsHead !== headAfter) return;
    outcomes.forEach((appended, n) => {
      if ('result' in appended && !appended.duplicate)
        this.rememberLastRevision(batch[n].request.streamId, appended.result.nextExpectedRevision);
    });
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
    if (toTheEnd) this.forgetStaleRevisions();
    const last = toTheEnd ? this.lastRevisions.get(streamId) : undefined;
    if (last !== undefined && fromRevision > last) return [];
    const rows = this.rows(`SELECT ${EVENT_COLUMNS} FROM events WHERE stream_id = ? AND revision >= ? ORDER BY revision LIMIT ?`).all(
      streamId,
      fromRevision,
      limit,
    ) as EventRow[];
    if (toTheEnd && rows.length > 0) this.rememberLastRevision(streamId, rows[rows.length - 1][3]);
    return rows.map(toRecorded);
  }

  /**
   * Forgets the remembered revisions once they may not hold: as soon as the log's head is not the one they are
   * right as of. The version is read before the head: a commit between the two moves the version again.
   */
  private forgetStaleRevisions(): void {
    const version = this.prepare('PRAGMA data_version').pluck().get();
    if (version !== this.lastRevisionsVersion) {
      const head = (this.prepare(HEAD).get() as { head: bigint | null }).head ?? 0n;
      if (head !== this.lastRevisionsHead) {
        this.lastRevisions.clear();
        this.lastRevisionsHead = head;
      }
      this.lastRevisionsVersion = version;
    }
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
      changeCount: () => this.commits + this.noticed,
      // A slow poll as well, for appends by other processes on the same file.
      pollMs: 250,
      onWake: (wake) => {
        this.wakers.add(wake);
        return () => this.wakers.delete(wake);
      },
    });
  }

  async headPosition(): Promise<LogPosition> {
    const row = reading(() => this.prepare(HEAD).get() as { head: bigint | null });
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

  /** Commits what was appended before it (the batch in flight, then those gathered), then closes the connections. */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.closed = true;
    await new Promise<void>((resolve) => {
      this.drained.push(resolve);
      this.flush();
    });
    for (const wake of this.wakers) wake();
    await this.line.close();
    this.db.close();
  }

  /**
   * Another connection to this file committed, and its owner says so (the API's thread telling its projections
   * worker): the subscriptions read now rather than at their slow poll, which is all they would otherwise know of it.
   */
  noticeAppend(): void {
    this.noticed++;
    for (const wake of this.wakers) wake();
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
