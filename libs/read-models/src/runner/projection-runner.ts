import { EventEmitter } from 'node:events';
import {
  EventStoreUnavailableError,
  STORE_FAILURE_MEANING,
  storeFailureOf,
  type EventStore,
  type LogPosition,
  type LogSubscription,
  type RecordedEvent,
  type StoreFailure,
} from '@desk/event-store';
import type { ReadModelStore } from '../store/read-model-store';
import { inBatches } from './batches';
import type { Kysely } from 'kysely';
import type { ReadModelTables } from '../store/read-model-tables';
import { buildCopyIndexes, dropCopy, prepareCopy, prepareProjection, readCheckpoints } from './checkpoints';
import { copyCheckpointName, CopyTablesPlugin } from './table-copies';
import { takeTurn, turnDue } from './event-loop-turns';
import { decodeLogged } from './logged-event';
import type { Projection } from './projection';
import type { LogPages } from './log-pages';

export type ProjectionState = 'stopped' | 'catching_up' | 'running' | 'rebuilding' | 'faulted';

export interface ProjectionFault {
  position: string;
  eventId: string;
  eventType: string;
  streamId: string;
  error: string;
}

export interface ProjectionStatus {
  name: string;
  version: number;
  state: ProjectionState;
  checkpoint: string;
  /** Events applied (or passed over) per second, over the last few seconds. */
  rate: number;
  /** Restarts after a dropped subscription or a store that failed (out of reach, read-only, full, busy), since start. */
  restarts: number;
  lastError: string | null;
  /** The event that faulted the projection, when state is 'faulted'. */
  fault: ProjectionFault | null;
  /** Poison events an operator skipped since the process started (the last 20). */
  skipped: ProjectionFault[];
}

export interface ProjectionRunnerOptions {
  /** Most events applied in one transaction while catching up. */
  batchSize?: number;
  /** First back-off after a failure; doubles up to maxBackoffMs. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  now?: () => Date;
  /** Where the runner tells what happens to it: faults, restarts, caught up. */
  log?: RunnerLog;
  /** Build a copy beside the live tables (a rebuild): its tables and checkpoint carry this token. */
  copy?: string;
  /** The pages of the log this process's runners share while they catch up (each reads its own without). */
  pages?: LogPages;
}

export interface RunnerLog {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const quiet: RunnerLog = { info() {}, warn() {}, error() {} };

/** Another process moved the checkpoint first: resume from where it is now. */
class CheckpointMovedError extends Error {}

/**
 * A copy (a rebuild) whose store is full or damaged: it gives up at once rather than wait, its tables are dropped
 * (their room goes back to the live read models), and the rebuild ends as failed with the store's own words.
 */
const COPY_GIVES_UP_ON: ReadonlySet<StoreFailure['kind']> = new Set(['full', 'corrupt']);

/** Which store a failure is of, for a status and a log line: the event store's errors say so, the rest are the read models'. */
function whichStore(error: unknown): string {
  for (let current = error, depth = 0; current && depth < 8; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof EventStoreUnavailableError) return 'the event store';
  }
  return 'the read-model store';
}

/** An event the projection cannot apply while its store works: a bug or bad data, retrying will not help. */
class PoisonEventError extends Error {
  constructor(
    readonly event: RecordedEvent,
    readonly reason: unknown,
  ) {
    super(`${event.type} at ${event.position}: ${reason instanceof Error ? reason.message : String(reason)}`);
  }
}

/**
 * Runs one projection: subscribes to the global log after its checkpoint and
 * applies what it reads in batches, each batch and the new checkpoint in one
 * transaction. The checkpoint moves past events the projection ignores, so a
 * wait for a position never hangs on them. The checkpoint is moved with a
 * compare-and-set, so two processes running the same projection never apply
 * a batch twice. A dropped subscription or a store that fails (out of reach,
 * read-only, full, busy: storeFailureOf, of the read models or of the event
 * store a process's commands go to) restarts from the checkpoint with
 * back-off, and the runner recovers by itself once the store works again; an
 * event that fails while the stores work faults the projection (and only it)
 * until `retry()`. A copy gives up on a full or damaged store instead, and
 * drops its tables (`gaveUp` says why).
 */
export class ProjectionRunner {
  private state: ProjectionState = 'stopped';
  private checkpoint: LogPosition = 0n;
  private restarts = 0;
  private lastError: string | null = null;
  private fault: ProjectionFault | null = null;
  private readonly skipped: ProjectionFault[] = [];
  private gaveUpWith: string | null = null;
  private subscription: LogSubscription | null = null;
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wakeBackoff: (() => void) | null = null;
  private readonly progress = new EventEmitter();
  private readonly recent: { at: number; count: number }[] = [];
  private readonly batchSize: number;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly now: () => Date;
  private readonly log: RunnerLog;
  /** The checkpoint row this runner moves: the projection's own, or its copy's. */
  readonly checkpointName: string;
  private readonly writer: Kysely<ReadModelTables>;
  readonly copy: string | null;
  private readonly pages: LogPages | null;

  constructor(
    readonly projection: Projection,
    private readonly events: EventStore,
    private readonly readModels: ReadModelStore,
    options: ProjectionRunnerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 5000;
    this.minBackoffMs = options.minBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? quiet;
    this.copy = options.copy ?? null;
    this.pages = options.pages ?? null;
    this.checkpointName = this.copy ? copyCheckpointName(projection.name, this.copy) : projection.name;
    this.writer = this.copy ? readModels.writer.withPlugin(new CopyTablesPlugin(projection.tables, this.copy)) : readModels.writer;
    this.progress.setMaxListeners(0);
  }

  get name(): string {
    return this.projection.name;
  }

  /** Why a copy stopped by itself (its store full or damaged), its tables dropped; null while it goes on, and for live runners. */
  get gaveUp(): string | null {
    return this.gaveUpWith;
  }

  /** Prepares the tables and starts following the log; resolves once prepared. */
  async start(): Promise<void> {
    if (this.loop) return;
    this.stopping = false;
    this.gaveUpWith = null;
    const head = await this.events.headPosition();
    if (!this.copy) {
      const stored = (await readCheckpoints(this.readModels.reader, [this.checkpointName]).catch(() => new Map<string, LogPosition>())).get(
        this.checkpointName,
      );
      if (stored !== undefined && stored > head) {
        this.log.error(`projection ${this.projection.name} was built from another log: it is built again from the start`, {
          projection: this.projection.name,
          checkpoint: String(stored),
          head: String(head),
        });
      }
    }
    this.checkpoint = this.copy
      ? await prepareCopy(this.readModels, this.writer, this.projection, this.checkpointName, this.now())
      : await prepareProjection(this.readModels, this.projection, this.now(), head);
    this.state = this.copy ? 'rebuilding' : (await this.events.headPosition()) <= this.checkpoint ? 'running' : 'catching_up';
    this.loop = this.run();
  }

  /** Stops after the batch in flight (whose checkpoint is then saved). */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeBackoff?.();
    this.pages?.leave(this);
    await this.subscription?.close().catch(() => undefined);
    await this.loop;
    this.loop = null;
    this.state = 'stopped';
  }

  /** After a fault: try the faulted event again. */
  async retry(): Promise<void> {
    if (this.state !== 'faulted') return;
    await this.loop;
    this.loop = null;
    this.fault = null;
    await this.start();
  }

  /**
   * After a fault: leave the faulted event out of this read model and go on.
   * The events before it are applied (the runner isolated it), so the
   * checkpoint moves onto it, with the same compare-and-set as a batch.
   */
  async skip(): Promise<ProjectionFault | null> {
    if (this.state !== 'faulted' || !this.fault) return null;
    await this.loop;
    this.loop = null;
    const fault = this.fault;
    const moved = await this.writer
      .updateTable('projection_checkpoints')
      .set({ position: fault.position, updated_at: this.now().toISOString() })
      .where('name', '=', this.checkpointName)
      .where('position', '=', String(this.checkpoint))
      .executeTakeFirst();
    if (moved.numUpdatedRows !== 1n)
      throw new Error(`${this.projection.name}: the checkpoint moved while skipping; look at the status again`);
    this.checkpoint = BigInt(fault.position);
    this.skipped.push(fault);
    if (this.skipped.length > 20) this.skipped.shift();
    this.log.warn(`projection ${this.projection.name} skipped a poison event`, { projection: this.projection.name, ...fault });
    this.fault = null;
    this.lastError = null;
    await this.start();
    return fault;
  }

  status(): ProjectionStatus {
    return {
      name: this.projection.name,
      version: this.projection.version,
      state: this.state,
      checkpoint: String(this.checkpoint),
      rate: this.rate(),
      restarts: this.restarts,
      lastError: this.lastError,
      fault: this.fault,
      skipped: [...this.skipped],
    };
  }

  get position(): LogPosition {
    return this.checkpoint;
  }

  /** Resolves when the checkpoint reaches `position`, or false after `timeoutMs`. */
  waitFor(position: LogPosition, timeoutMs: number): Promise<boolean> {
    if (this.checkpoint >= position) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onProgress = () => {
        if (this.checkpoint < position) return;
        clearTimeout(timer);
        this.progress.off('advanced', onProgress);
        resolve(true);
      };
      const timer = setTimeout(() => {
        this.progress.off('advanced', onProgress);
        resolve(false);
      }, timeoutMs);
      this.progress.on('advanced', onProgress);
    });
  }

  /** Calls `listener` each time a batch moves the checkpoint (committed); the function returned stops it. */
  onAdvanced(listener: (checkpoint: LogPosition) => void): () => void {
    const advanced = () => listener(this.checkpoint);
    this.progress.on('advanced', advanced);
    return () => this.progress.off('advanced', advanced);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        // Catching up, whole pages of the log are read and applied as batches: no event-by-event iteration.
        for (let full = true; full && !this.stopping;) {
          const page = this.pages
            ? await this.pages.read(this, this.checkpoint, this.batchSize)
            : await this.events.readAll({ after: this.checkpoint, maxCount: this.batchSize });
          // An empty page is the head reached: after an outage with nothing new in the log, that is recovery too.
          if (page.length > 0) await this.applied(page);
          else this.reached(true);
          full = page.length === this.batchSize;
          failures = 0;
        }
        this.pages?.leave(this);
        if (this.stopping) break;
        // A copy that has caught up builds its indexes now, while the live read model still serves, not in the swap.
        if (this.copy) await buildCopyIndexes(this.writer, this.projection);
        const subscription = this.events.subscribeToAll({ after: this.checkpoint });
        this.subscription = subscription;
        if (this.stopping) await subscription.close();
        for await (const batch of inBatches(subscription, this.batchSize)) {
          await this.applied(batch);
          failures = 0;
          if (this.stopping) break;
        }
      } catch (error) {
        this.pages?.leave(this);
        if (this.stopping) break;
        if (error instanceof CheckpointMovedError) {
          this.checkpoint = await this.storedCheckpoint().catch(() => this.checkpoint);
          continue;
        }
        if (error instanceof PoisonEventError) {
          this.state = 'faulted';
          this.lastError = error.message;
          const { event } = error;
          this.fault = {
            position: String(event.position),
            eventId: event.id,
            eventType: event.type,
            streamId: event.streamId,
            error: error.reason instanceof Error ? error.reason.message : String(error.reason),
          };
          this.log.error(`projection ${this.projection.name} faulted on a poison event`, {
            projection: this.projection.name,
            ...this.fault,
            correlationId: event.metadata.correlationId,
            stack: error.reason instanceof Error ? error.reason.stack : undefined,
          });
          // A copy cannot be retried nor skipped: what it built is of no use, and its room is given back now.
          if (this.copy) await this.dropOwnCopy();
          return;
        }
        const failure = storeFailureOf(error);
        // Readiness learns of it: the read models' own store refused a commit (the event store keeps its own count).
        if (failure && whichStore(error) === 'the read-model store') this.readModels.writes.failed(error, this.checkpointName);
        if (this.copy && failure && COPY_GIVES_UP_ON.has(failure.kind)) {
          this.gaveUpWith = `${whichStore(error)} ${STORE_FAILURE_MEANING[failure.kind]}: ${failure.message}`;
          this.lastError = this.gaveUpWith;
          this.log.error(`the rebuild of ${this.projection.name} gives up: its copy is dropped`, {
            projection: this.projection.name,
            copy: this.copy,
            checkpoint: String(this.checkpoint),
            storeFailure: failure.kind,
            error: failure.message,
          });
          await this.dropOwnCopy();
          this.state = 'stopped';
          return;
        }
        failures++;
        this.restarts++;
        this.lastError = failure
          ? `${whichStore(error)} ${STORE_FAILURE_MEANING[failure.kind]}: ${failure.message}`
          : error instanceof Error
            ? error.message
            : String(error);
        this.state = this.copy ? 'rebuilding' : 'catching_up';
        const delay = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** (failures - 1));
        this.log.warn(`projection ${this.projection.name} restarts from its checkpoint`, {
          projection: this.projection.name,
          checkpoint: String(this.checkpoint),
          error: this.lastError,
          ...(failure ? { storeFailure: failure.kind } : {}),
          retryInMs: delay,
        });
        await this.backoff(delay);
        this.checkpoint = await this.storedCheckpoint().catch(() => this.checkpoint);
      } finally {
        this.pages?.leave(this);
        await this.subscription?.close().catch(() => undefined);
        this.subscription = null;
      }
    }
  }

  private async applied(batch: RecordedEvent[]): Promise<void> {
    await this.applyBatch(batch);
    if (turnDue()) await takeTurn();
    // A short batch means nothing more was at hand; after a full one, the head says whether more is coming.
    this.reached(batch.length < this.batchSize || (await this.events.headPosition()) <= this.checkpoint);
  }

  /** The state after a batch applied or an empty read of the log: whatever failed before has been overcome. */
  private reached(caughtUp: boolean): void {
    this.lastError = null;
    const state = this.copy ? 'rebuilding' : caughtUp ? 'running' : 'catching_up';
    if (state === 'running' && this.state !== 'running') {
      this.log.info(`projection ${this.projection.name} caught up`, {
        projection: this.projection.name,
        checkpoint: String(this.checkpoint),
      });
    }
    this.state = state;
  }

  private async applyBatch(batch: RecordedEvent[]): Promise<void> {
    try {
      await this.commit(batch);
    } catch (error) {
      if (error instanceof CheckpointMovedError || batch.length === 0) throw error;
      // A store that says it failed (read-only, full, busy, out of reach: the read models', or the event store's under a
      // process's command) is an outage, retried with back-off, whatever event was being applied.
      if (storeFailureOf(error)) throw error;
      // Is it the store, or one of these events? The store answers: not an event's fault.
      const storeWorks = await this.readModels.ping().then(
        () => true,
        () => false,
      );
      if (!storeWorks) throw error;
      // Apply them one by one so that the events before the poison are kept and the poison named.
      for (const event of batch) {
        try {
          await this.commit([event]);
        } catch (single) {
          if (single instanceof CheckpointMovedError || storeFailureOf(single)) throw single;
          throw new PoisonEventError(event, single);
        }
      }
    }
  }

  private async commit(batch: RecordedEvent[]): Promise<void> {
    const from = this.checkpoint;
    const to = batch[batch.length - 1].position;
    const relevant = batch.filter((event) => this.projection.eventTypes.has(event.type)).map(decodeLogged);
    await this.writer.transaction().execute(async (trx) => {
      // First statement of the transaction: it takes the row lock (PostgreSQL) or the write lock (SQLite).
      const moved = await trx
        .updateTable('projection_checkpoints')
        .set({ position: String(to), updated_at: this.now().toISOString() })
        .where('name', '=', this.checkpointName)
        .where('version', '=', this.projection.version)
        .where('position', '=', String(from))
        .executeTakeFirst();
      if (moved.numUpdatedRows !== 1n) throw new CheckpointMovedError(`${this.projection.name}: checkpoint moved past ${from}`);
      if (relevant.length > 0) await this.projection.apply(trx, relevant);
    });
    this.checkpoint = to;
    this.readModels.writes.succeeded(this.checkpointName);
    this.count(batch.length);
    this.progress.emit('advanced');
  }

  /** A copy that will not finish: its tables and checkpoint go now rather than at the next start (dropUnfinishedCopies). */
  private async dropOwnCopy(): Promise<void> {
    for (let attempt = 1; attempt <= 5; attempt++) {
      try {
        await dropCopy(this.readModels, this.projection, this.copy!);
        return;
      } catch (error) {
        if (attempt === 5) {
          this.log.warn(`the copy of ${this.projection.name} could not be dropped: the next start drops it`, {
            projection: this.projection.name,
            copy: this.copy,
            error: error instanceof Error ? error.message : String(error),
          });
          return;
        }
        await this.backoff(this.minBackoffMs * 2 ** (attempt - 1));
      }
    }
  }

  private async storedCheckpoint(): Promise<LogPosition> {
    const row = await this.writer
      .selectFrom('projection_checkpoints')
      .select('position')
      .where('name', '=', this.checkpointName)
      .executeTakeFirstOrThrow();
    return BigInt(row.position);
  }

  private backoff(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeBackoff = done;
    });
  }

  private count(events: number): void {
    const at = Date.now();
    this.recent.push({ at, count: events });
    while (this.recent.length > 0 && this.recent[0].at < at - 5000) this.recent.shift();
  }

  private rate(): number {
    const since = Date.now() - 5000;
    const recent = this.recent.filter((entry) => entry.at >= since);
    if (recent.length === 0) return 0;
    const total = recent.reduce((sum, entry) => sum + entry.count, 0);
    return Math.round(total / 5);
  }
}
