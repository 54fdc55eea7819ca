import Database from 'better-sqlite3';
import { checkExpectedRevision } from '../append-rules';
import { DuplicateEventIdError, storeFailureOf, WrongExpectedRevisionError } from '../errors';
import type { AppendResult, ExpectedRevision, StreamRevision } from '../event-store.port';

/**
 * The embedded store's group commit: one batch of appends in one write transaction, each append in its own
 * savepoint. One module for both places a batch is committed, the commit worker's thread (a file) and the
 * store's own thread (`:memory:`, which no other thread can open), so that the rules are written once. What goes
 * in and comes out is plain data, as a worker's messages carry it: errors become descriptions (`AppendRefusal`,
 * `SqliteFailure`) that the store turns back into the errors its callers know.
 */

/** An event as the table stores it: data and metadata already JSON text (made on the caller's thread). */
export interface EncodedEvent {
  id: string;
  type: string;
  data: string;
  metadata: string;
}

export interface AppendRequest {
  streamId: string;
  events: EncodedEvent[];
  expectedRevision: ExpectedRevision;
}

/** Why one append of a batch was refused, the others being committed. */
export type AppendRefusal =
  | { kind: 'wrong_revision'; streamId: string; expected: ExpectedRevision; actual: StreamRevision | 'no_stream' }
  | { kind: 'duplicate_id'; streamId: string; eventId: string }
  | { kind: 'error'; name: string; message: string; code?: string };

export type AppendOutcome =
  | { result: AppendResult; /** Answered by events already stored: the revision need not be the stream's last. */ duplicate: boolean }
  | { refusal: AppendRefusal };

/** What SQLite said when it failed, with its code (SQLITE_FULL, SQLITE_BUSY…) when it gave one. */
export interface SqliteFailure {
  message: string;
  code?: string;
}

export type BatchOutcome =
  | {
      kind: 'committed';
      outcomes: AppendOutcome[];
      /** The log's last position when the write lock was taken, and when the batch was committed under it. */
      headBefore: bigint;
      headAfter: bigint;
    }
  /** The database was busy inside the transaction (seen when another process died mid-write): nothing written, try again. */
  | { kind: 'busy'; failure: SqliteFailure }
  /** The transaction failed as a whole (full, read-only, I/O, busy past busy_timeout): nothing written. */
  | { kind: 'failed'; failure: SqliteFailure };

export function sqliteFailureOf(error: unknown): SqliteFailure {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return { message: typeof message === 'string' ? message : String(error), ...(typeof code === 'string' ? { code } : {}) };
}

/** The error a refusal stands for, of the class the port promises (WrongExpectedRevisionError…). */
export function refusalError(refusal: AppendRefusal): Error {
  switch (refusal.kind) {
    case 'wrong_revision':
      return new WrongExpectedRevisionError(refusal.streamId, refusal.expected, refusal.actual);
    case 'duplicate_id':
      return new DuplicateEventIdError(refusal.streamId, refusal.eventId);
    case 'error': {
      const error = refusal.code === undefined ? new Error(refusal.message) : new Database.SqliteError(refusal.message, refusal.code);
      if (refusal.code === undefined) error.name = refusal.name;
      return error;
    }
  }
}

/** The error a batch-wide failure stands for: SQLite's own, so that storeFailureOf reads its code as it would in place. */
export function failureError(failure: SqliteFailure): Error {
  return failure.code === undefined ? new Error(failure.message) : new Database.SqliteError(failure.message, failure.code);
}

function refusalOf(error: unknown): AppendRefusal {
  if (error instanceof WrongExpectedRevisionError)
    return { kind: 'wrong_revision', streamId: error.streamId, expected: error.expected, actual: error.actual };
  if (error instanceof DuplicateEventIdError) return { kind: 'duplicate_id', streamId: error.streamId, eventId: error.eventId };
  const { name, message } = error instanceof Error ? error : { name: 'Error', message: String(error) };
  return { kind: 'error', name, message, ...(error instanceof Database.SqliteError ? { code: error.code } : {}) };
}

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

/** A connection that commits batches: busy_timeout as the store's, and synchronous=FULL (a setting of each connection). */
export function openCommitConnection(file: string, busyTimeoutMs: number): Database.Database {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('synchronous = FULL');
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A function that commits one batch on `db` (whose schema exists) and says how each append went. */
export function batchCommitter(db: Database.Database): (batch: AppendRequest[]) => BatchOutcome {
  const prepare = (sql: string) => db.prepare(sql).safeIntegers(true);
  const head = prepare('SELECT max(position) FROM events').pluck();
  const streamRevision = prepare('SELECT revision FROM streams WHERE stream_id = ?').pluck();
  const byId = prepare('SELECT stream_id, revision, position FROM events WHERE id = ?');
  const insert = prepare('INSERT INTO events (id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const upsertStream = prepare(
    'INSERT INTO streams (stream_id, revision) VALUES (?, ?) ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision',
  );
  const headNow = () => (head.get() as bigint | null) ?? 0n;

  // A nested db.transaction runs inside a SAVEPOINT: a throw undoes only this append.
  const appendOne = db.transaction((request: AppendRequest): AppendOutcome => {
    const { streamId, events, expectedRevision } = request;
    const stored = events.map((event) => byId.get(event.id) as { stream_id: string; revision: bigint; position: bigint } | undefined);
    if (stored.every((row) => row !== undefined && row.stream_id === streamId)) {
      const last = stored[stored.length - 1]!;
      return { result: { nextExpectedRevision: last.revision, position: last.position }, duplicate: true };
    }
    const duplicate = stored.findIndex((row) => row !== undefined);
    if (duplicate >= 0) throw new DuplicateEventIdError(streamId, events[duplicate].id);

    const current = (streamRevision.get(streamId) as bigint | undefined) ?? null;
    checkExpectedRevision(streamId, expectedRevision, current);
    const recordedAt = Date.now();
    let revision = current === null ? -1n : current;
    let position = 0n;
    for (const event of events) {
      revision += 1n;
      position = BigInt(insert.run(event.id, streamId, revision, event.type, event.data, event.metadata, recordedAt).lastInsertRowid);
    }
    upsertStream.run(streamId, revision);
    return { result: { nextExpectedRevision: revision, position }, duplicate: false };
  });

  const commitAll = db.transaction((batch: AppendRequest[]): BatchOutcome => {
    const headBefore = headNow();
    const outcomes = batch.map((request): AppendOutcome => {
      try {
        return appendOne(request);
      } catch (error) {
        // A busy database is no fault of this append: the whole batch is rolled back and committed again.
        if (isBusy(error)) throw new BusyInsideCommit(error);
        // Nor is a file that is full, read-only or failing: the batch fails as the store's, not as this append's.
        if (error instanceof Database.SqliteError && storeFailureOf(error)) throw new StoreFailedInsideCommit(error);
        return { refusal: refusalOf(error) };
      }
    });
    return { kind: 'committed', outcomes, headBefore, headAfter: headNow() };
  });

  return (batch) => {
    try {
      // BEGIN IMMEDIATE: the write lock is taken (waiting up to busy_timeout) before anything is read. A deferred
      // transaction reads first and cannot upgrade once another process has committed since: SQLITE_BUSY at once.
      return commitAll.immediate(batch);
    } catch (error) {
      if (error instanceof BusyInsideCommit) return { kind: 'busy', failure: sqliteFailureOf(error.cause) };
      return { kind: 'failed', failure: sqliteFailureOf(error instanceof StoreFailedInsideCommit ? error.cause : error) };
    }
  };
}
