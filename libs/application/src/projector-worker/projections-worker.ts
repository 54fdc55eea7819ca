import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { observedEventStore, type EventStore, type LogPosition } from '@desk/event-store';
import type { ProjectionStatus } from '@desk/read-models';
import type { CommandObserver } from '../observability/desk-metrics';
import { silentLog, type Log } from '../observability/json-log';
import { ProjectionActionRefusedError, type ProjectionsOffLoop, type RebuildOutcome, type RebuildStatus } from '../read-side';
import type { ActionError, FromWorker, ReadSideSnapshot, ToWorker, WorkerAction } from './worker-messages';

/**
 * The worker's script, without its extension: the build's .js, or from the sources (jest, the specs' child
 * processes) the .ts, compiled on load by the hook those child processes use, which the thread loads first unless
 * its process has it already.
 */
const WORKER_MAIN = join(__dirname, 'projections-worker-main');
const FROM_SOURCES = __filename.endsWith('.ts');
const COMPILE_ON_LOAD = join(__dirname, '../../../../test/support/register-ts.js');
const BOOT = `
const { workerData } = require('node:worker_threads');
if (workerData.compileOnLoad && !require.extensions['.ts']) require(workerData.compileOnLoad);
require(workerData.main).runProjectionsWorker().catch((error) => { throw error; });
`;

/** A worker that ran this long before it ended is restarted after the first back-off again, not a longer one. */
const STABLE_MS = 10_000;
/** Commands of the worker's processes kept for the API's metrics until they are watched (the app starts after the worker). */
const UNWATCHED_COMMANDS_KEPT = 1000;

/** Longest the batches in flight may take to be saved at shutdown; then the thread is ended as it stands (checkpoints hold). */
const STOP_TIMEOUT_MS = 30_000;

export interface ProjectionsWorkerOptions {
  /** The worker reads its configuration from this environment, as the API read its own. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  log?: Log;
  /** First wait before a dead worker is started again; it doubles, up to maxBackoffMs, while new workers die young. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

interface Waiter {
  projections: readonly string[];
  position: LogPosition;
  resolve(reached: boolean): void;
  timer: NodeJS.Timeout;
}

interface Pending {
  resolve(value: ProjectionStatus | null): void;
  reject(error: Error): void;
}

/**
 * The projections, the SLA watch and the satisfaction follow-up of an API process, run on a worker thread so that
 * they never take the request loop's time (PROJECTIONS_IN=worker, the default). The API's thread serves as a
 * query-only replica does, with two differences: the worker tells it each checkpoint it commits, so a read waiting
 * for a position is answered as soon as the read model has it, with no polling; and it answers /admin/projections,
 * /health/ready and /metrics with the worker's statuses, and takes the operator's actions there. A worker that
 * ends (an uncaught error, its heap exhausted) is logged and started again with back-off; its projections show as
 * stopped meanwhile, and their checkpoints are where it left them, so nothing is lost or applied twice.
 *
 * A thread rather than a child process: it starts and ends with the API (no orphan, no second process to
 * supervise), messages carry positions as they are (bigints) without a pipe, and it costs one V8 heap, not a runtime.
 */
export class ProjectionsWorker implements ProjectionsOffLoop {
  private worker: Worker | null = null;
  private snapshot: ReadSideSnapshot = { statuses: [], rebuilds: {}, lastRebuilds: {} };
  /** The furthest checkpoint the worker has told of each live read model. */
  private readonly told = new Map<string, LogPosition>();
  private readonly waiters = new Set<Waiter>();
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | null = null;
  private telling: NodeJS.Immediate | null = null;
  private commandObserver: CommandObserver | null = null;
  private readonly unwatchedCommands: Extract<FromWorker, { type: 'commands' }>['observed'] = [];
  /** Workers in a row that died young: the back-off before the next. */
  private failures = 0;
  /** Workers that ended by themselves since start. */
  private restarts = 0;
  /** Why no worker runs now; null while one does. */
  private down: string | null = null;
  private readonly log: Log;
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;

  private constructor(private readonly options: ProjectionsWorkerOptions) {
    this.log = options.log ?? silentLog;
    this.minBackoffMs = options.minBackoffMs ?? 100;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
  }

  /** Resolves once the worker's read side has started (its read models prepared); rejects with why it could not. */
  static async start(options: ProjectionsWorkerOptions = {}): Promise<ProjectionsWorker> {
    const host = new ProjectionsWorker(options);
    await host.spawn();
    return host;
  }

  /** The thread of the worker now running; null while none runs (restarting, stopped). */
  get threadId(): number | null {
    return this.worker?.threadId ?? null;
  }

  /** Workers that ended by themselves and were (or are being) started again. */
  get restartCount(): number {
    return this.restarts;
  }

  /**
   * The API's event store, telling the worker of each append once it is committed (once per turn of the loop), so
   * that its runners read it at once rather than at their slow poll of the file.
   */
  tellingAppends(store: EventStore): EventStore {
    return observedEventStore(store, { appendStarted: () => () => undefined, eventsAppended: () => this.appended() });
  }

  /** Counts the commands the worker's processes make (the SLA watch's, the follow-up's) in the API's metrics. */
  observeCommands(observer: CommandObserver): void {
    this.commandObserver = observer;
    for (const [command, outcome, seconds] of this.unwatchedCommands.splice(0)) observer.observeCommand(command, outcome, seconds);
  }

  private appended(): void {
    this.telling ??= setImmediate(() => {
      this.telling = null;
      this.worker?.postMessage({ type: 'appended' } satisfies ToWorker);
    });
  }

  private spawn(): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(BOOT, {
        eval: true,
        env: this.options.env ?? process.env,
        workerData: { main: WORKER_MAIN, compileOnLoad: FROM_SOURCES ? COMPILE_ON_LOAD : null },
      });
      this.worker = worker;
      const startedAt = Date.now();
      let ready = false;
      let failure: Error | null = null;
      worker.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          ready = true;
          this.down = null;
          this.take(message.snapshot);
          this.log.info('projections running on a worker thread', { threadId: worker.threadId, restarts: this.restarts });
          resolve();
        } else this.received(message);
      });
      worker.on('error', (error) => (failure = error));
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = null;
        const why = failure ? failure.message : `exit code ${code}`;
        for (const [id, { reject: refuse }] of this.pending) {
          this.pending.delete(id);
          refuse(new ProjectionActionRefusedError(`the projections' worker ended (${why}) before it answered: look at the status again`));
        }
        if (!ready) reject(failure ?? new Error(`the projections' worker ended with exit code ${code} before it started`));
        if (this.stopping) return;
        // The first worker failing to start fails the API's start instead (rejected above).
        if (!ready && this.restarts === 0 && this.failures === 0 && this.down === null) return;
        this.restartLater(why, Date.now() - startedAt, failure);
      });
    });
  }

  private restartLater(why: string, livedMs: number, failure: Error | null): void {
    if (livedMs >= STABLE_MS) this.failures = 0;
    const delay = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** this.failures);
    this.failures++;
    this.restarts++;
    this.down = `the projections' worker ended (${why}); it is started again in ${delay} ms`;
    this.log.error("the projections' worker ended: it is started again", {
      error: why,
      stack: failure?.stack ?? null,
      livedMs,
      restartInMs: delay,
      restarts: this.restarts,
    });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      // A worker that fails to start ends too: its exit starts the next one, later.
      this.spawn().catch(() => undefined);
    }, delay);
  }

  private received(message: Exclude<FromWorker, { type: 'ready' }>): void {
    switch (message.type) {
      case 'advanced':
        for (const [projection, checkpoint] of message.checkpoints) this.tell(projection, checkpoint);
        this.wake();
        return;
      case 'commands':
        for (const [command, outcome, seconds] of message.observed) {
          if (this.commandObserver) this.commandObserver.observeCommand(command, outcome, seconds);
          else if (this.unwatchedCommands.length < UNWATCHED_COMMANDS_KEPT) this.unwatchedCommands.push([command, outcome, seconds]);
        }
        return;
      case 'snapshot':
      case 'stopped':
        this.take(message.snapshot);
        return;
      case 'reply': {
        this.take(message.snapshot);
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (!message.error) pending?.resolve(message.value);
        else pending?.reject(errorOf(message.error));
        return;
      }
    }
  }

  private take(snapshot: ReadSideSnapshot): void {
    this.snapshot = snapshot;
    // A copy being built reports its own position under the projection's name: not the live read model's.
    for (const status of snapshot.statuses) if (status.state !== 'rebuilding') this.tell(status.name, BigInt(status.checkpoint));
    this.wake();
  }

  private tell(projection: string, checkpoint: LogPosition): void {
    if (checkpoint > (this.told.get(projection) ?? -1n)) this.told.set(projection, checkpoint);
  }

  private reached(projections: readonly string[], position: LogPosition): boolean {
    return projections.every((name) => (this.told.get(name) ?? -1n) >= position);
  }

  private wake(): void {
    for (const waiter of this.waiters) {
      if (!this.reached(waiter.projections, waiter.position)) continue;
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.resolve(true);
    }
  }

  waitFor(projections: readonly string[], position: LogPosition, timeoutMs: number): Promise<boolean> {
    if (this.reached(projections, position)) return Promise.resolve(true);
    if (timeoutMs <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter: Waiter = {
        projections,
        position,
        resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          resolve(false);
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  statuses(): ProjectionStatus[] {
    return this.snapshot.statuses.map((status) => {
      const told = this.told.get(status.name);
      const checkpoint =
        status.state !== 'rebuilding' && told !== undefined && told > BigInt(status.checkpoint) ? String(told) : status.checkpoint;
      return this.down ? { ...status, checkpoint, state: 'stopped', rate: 0, lastError: this.down } : { ...status, checkpoint };
    });
  }

  rebuildStatus(name: string): RebuildStatus | null {
    return this.down ? null : (this.snapshot.rebuilds[name] ?? null);
  }

  lastRebuild(name: string): RebuildOutcome | null {
    return this.snapshot.lastRebuilds[name] ?? null;
  }

  async rebuild(name: string): Promise<void> {
    await this.request({ id: this.nextId++, type: 'rebuild', name });
  }

  async resolveFault(name: string, action: 'retry' | 'skip'): Promise<ProjectionStatus> {
    const status = await this.request({ id: this.nextId++, type: 'resolveFault', name, action });
    return status!;
  }

  private request(message: WorkerAction): Promise<ProjectionStatus | null> {
    const worker = this.worker;
    if (!worker || this.down || this.stopping) {
      throw new ProjectionActionRefusedError(this.down ?? "the projections' worker is stopping");
    }
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      worker.postMessage(message satisfies ToWorker);
    });
  }

  /** Stops the worker after the batches in flight (each runner saves its checkpoint); a restart due is called off. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const worker = this.worker;
    if (!worker) return;
    const ended = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'stop' } satisfies ToWorker);
    const late = setTimeout(() => {
      this.log.warn(`the projections' worker did not stop within ${STOP_TIMEOUT_MS} ms: it is ended as it stands`, {
        threadId: worker.threadId,
      });
      void worker.terminate();
    }, STOP_TIMEOUT_MS);
    await ended;
    clearTimeout(late);
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve(false);
    }
    this.waiters.clear();
  }
}

function errorOf(error: ActionError): Error {
  if (error.refused) return new ProjectionActionRefusedError(error.message, error.unknownProjection);
  return Object.assign(new Error(error.message), error.code === undefined ? {} : { code: error.code });
}
