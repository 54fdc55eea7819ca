import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
} from 'kysely';
import { ReadModelsBusyError, ReadModelWorkerExitedError } from './read-model-errors';

/** Plain JavaScript, so that it loads as it is from the sources and from dist (nest-cli.json copies it there). */
export const READ_MODEL_WORKER_SCRIPT = join(__dirname, 'read-model-worker.js');

export interface WorkerSqliteConfig {
  /** The read-model file; it must exist (the store's writer creates it and sets WAL before any query). */
  file: string;
  /** Queries run at once, one a worker. */
  workers: number;
  /** Queries that may wait for a worker; one more is refused at once (ReadModelsBusyError). */
  maxQueued: number;
  /** The old-generation heap a worker may fill (a result too large ends that worker, not the API). */
  workerHeapMb: number;
  busyTimeoutMs: number;
  statementCacheSize: number;
}

/**
 * Kysely over better-sqlite3 connections on worker threads: the API's thread only posts SQL and receives rows, so
 * a query that takes 100 ms takes none of it. A fixed pool; queries beyond it wait first come, first served, in a
 * bounded queue.
 */
export class WorkerSqliteDialect implements Dialect {
  constructor(private readonly config: WorkerSqliteConfig) {}

  createDriver(): Driver {
    return new WorkerSqliteDriver(this.config);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  // SQLite's adapter: isSqlite() (upsert.ts) tells the dialects apart by it.
  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

interface Waiter {
  resolve(connection: WorkerConnection): void;
  reject(error: unknown): void;
}

export class WorkerSqliteDriver implements Driver {
  private readonly live = new Set<WorkerConnection>();
  private readonly idle: WorkerConnection[] = [];
  private readonly waiting: Waiter[] = [];
  private destroyed = false;

  constructor(private readonly config: WorkerSqliteConfig) {
    if (!Number.isInteger(config.workers) || config.workers < 1)
      throw new RangeError(`workers must be a positive integer: ${config.workers}`);
    if (!Number.isInteger(config.maxQueued) || config.maxQueued < 0)
      throw new RangeError(`maxQueued must be 0 or more: ${config.maxQueued}`);
    // A build that left the script behind fails here, at start-up, rather than at the first query.
    if (!existsSync(READ_MODEL_WORKER_SCRIPT)) throw new Error(`the read-model query worker is missing: ${READ_MODEL_WORKER_SCRIPT}`);
  }

  /** Starts the whole pool, so the first queries do not each pay a thread's start. */
  async init(): Promise<void> {
    const started = await Promise.allSettled(Array.from({ length: this.config.workers - this.live.size }, () => this.start()));
    for (const outcome of started) if (outcome.status === 'fulfilled') this.handOver(outcome.value);
    const failed = started.find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.destroyed) throw new Error('the read-model store is closed');
    const connection = this.idle.shift();
    if (connection) return connection;
    // A worker that ended left its place free.
    if (this.live.size < this.config.workers) return this.start();
    if (this.waiting.length >= this.config.maxQueued) throw new ReadModelsBusyError(this.config.workers, this.config.maxQueued);
    return new Promise<WorkerConnection>((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const worker = connection as WorkerConnection;
    if (this.live.has(worker)) this.handOver(worker);
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    for (const waiter of this.waiting.splice(0)) waiter.reject(new Error('the read-model store closed before this query could run'));
    this.idle.length = 0;
    await Promise.all([...this.live].map((connection) => connection.terminate()));
  }

  private handOver(connection: WorkerConnection): void {
    const next = this.waiting.shift();
    if (next) next.resolve(connection);
    else this.idle.push(connection);
  }

  /** A new worker, counted in the pool from now, resolved once its connection is open. */
  private start(): Promise<WorkerConnection> {
    const connection = new WorkerConnection(this.config, (ended) => this.ended(ended));
    this.live.add(connection);
    return connection.ready.then(() => connection);
  }

  /** A worker ended (a crash, its heap full, destroy): its place goes to the oldest waiting query, on a new worker. */
  private ended(connection: WorkerConnection): void {
    this.live.delete(connection);
    const index = this.idle.indexOf(connection);
    if (index >= 0) this.idle.splice(index, 1);
    if (this.destroyed) return;
    // Each start that fails rejects the query it was for, so this stops once the queue is empty.
    while (this.waiting.length > 0 && this.live.size < this.config.workers) {
      const waiter = this.waiting.shift()!;
      this.start().then(waiter.resolve, waiter.reject);
    }
  }
}

type WorkerAnswer =
  | { ready: true }
  | { id: number; rows: Record<string, unknown>[]; blobs: boolean }
  | { id: number; changes: number; lastInsertRowid: number | bigint }
  | { id: number; error: { name?: string; message: string; code?: unknown } };

const ERROR_TYPES: Record<string, ErrorConstructor> = { TypeError, RangeError, SyntaxError };

/** One worker and its connection: one query at a time, as Kysely uses a connection it acquired. */
class WorkerConnection implements DatabaseConnection {
  readonly ready: Promise<void>;
  private readonly worker: Worker;
  private nextId = 0;
  private running: { id: number; resolve(result: QueryResult<unknown>): void; reject(error: unknown): void } | undefined;
  /** Why the worker ended: set once it has. */
  private endedBy: Error | undefined;
  private failure: Error | undefined;

  constructor(config: WorkerSqliteConfig, onEnded: (connection: WorkerConnection) => void) {
    this.worker = new Worker(READ_MODEL_WORKER_SCRIPT, {
      workerData: { file: config.file, busyTimeoutMs: config.busyTimeoutMs, statementCacheSize: config.statementCacheSize },
      resourceLimits: { maxOldGenerationSizeMb: config.workerHeapMb },
    });
    // Only a query under way keeps the process alive: an idle pool must not hold up the end of a CLI command.
    this.worker.unref();
    this.ready = new Promise<void>((resolve, reject) => {
      this.worker.on('message', (answer: WorkerAnswer) => {
        if ('ready' in answer) resolve();
        else this.answered(answer);
      });
      this.worker.on('error', (error) => (this.failure = error));
      this.worker.on('exit', (exitCode) => {
        const cause = this.failure ? `: ${this.failure.message}` : ` (exit code ${exitCode})`;
        this.endedBy = new ReadModelWorkerExitedError(`the read-model query worker ended${cause}`, this.failure);
        reject(this.endedBy);
        this.running?.reject(this.endedBy);
        this.running = undefined;
        onEnded(this);
      });
    });
    // Seen by whoever started it; a start nobody awaits any more must not be an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    if (this.endedBy) return Promise.reject(this.endedBy);
    if (this.running) return Promise.reject(new Error('a read-model worker was given a query while it ran another'));
    const id = ++this.nextId;
    return new Promise<QueryResult<R>>((resolve, reject) => {
      this.running = { id, resolve: resolve as (result: QueryResult<unknown>) => void, reject };
      this.worker.ref();
      this.worker.postMessage({ id, sql: compiledQuery.sql, parameters: compiledQuery.parameters });
    });
  }

  // eslint-disable-next-line require-yield -- refuses before the first row, as a generator must to be one
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('queries through read-model workers are not streamed: execute them');
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }

  private answered(answer: Exclude<WorkerAnswer, { ready: true }>): void {
    const running = this.running;
    if (!running || running.id !== answer.id) return;
    this.running = undefined;
    this.worker.unref();
    if ('error' in answer) running.reject(fromWorker(answer.error));
    else if ('rows' in answer) running.resolve({ rows: answer.blobs ? answer.rows.map(withBuffers) : answer.rows });
    else running.resolve({ numAffectedRows: BigInt(answer.changes), insertId: BigInt(answer.lastInsertRowid), rows: [] });
  }
}

/** The error as the in-process connection throws it: a SqliteError with its code, or the same kind of error. */
function fromWorker({ name, message, code }: { name?: string; message: string; code?: unknown }): Error {
  if (name === 'SqliteError' && typeof code === 'string') return new Database.SqliteError(message, code);
  const error = new (ERROR_TYPES[name ?? ''] ?? Error)(message);
  return code === undefined ? error : Object.assign(error, { code });
}

/** better-sqlite3 gives BLOBs as Buffers; across threads they arrive as plain Uint8Arrays. */
function withBuffers(row: Record<string, unknown>): Record<string, unknown> {
  const restored: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    restored[key] = value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
  }
  return restored;
}
