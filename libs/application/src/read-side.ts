import { START, type EventStore, type LogPosition } from '@desk/event-store';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  allProjections,
  dropUnfinishedCopies,
  isMissingReadModel,
  LogPages,
  ProjectionRunner,
  readCheckpoints,
  storedVersion,
  swapInCopy,
  type Projection,
  type ProjectionStatus,
  type ReadModelStore,
} from '@desk/read-models';
import type { AggregateRepository } from './commands/aggregate-repository';
import type { Clock } from './clock';
import { ReadModelNotOfThisLogError } from './errors';
import { silentLog, type Log } from './observability/json-log';
import { ReactorRunner } from './processes/reactor';
import { satisfactionFollowUp } from './processes/satisfaction-follow-up.reactor';
import type { RequestWrites } from './commands/writes';
import { SlaWatch } from './processes/sla-watch';

export interface ReadSideOptions {
  /** Run the projections and the processes on this thread; false for API replicas that only query, and beside `offLoop`. */
  runProjections: boolean;
  /** The projections and the processes of this process, run on a thread of their own (runProjections is then false). */
  offLoop?: ProjectionsOffLoop;
  slaWatchIntervalMs: number;
  batchSize?: number;
  /** The read models to run (tests give other versions); default every projection of the product. */
  projections?: Projection[];
}

/** An operator's action that cannot be taken: an unknown projection, one run elsewhere, not faulted, a process, a rebuild under way. */
export class ProjectionActionRefusedError extends Error {
  constructor(
    message: string,
    /** No projection of that name at all (rather than one that cannot take the action now). */
    readonly unknownProjection = false,
  ) {
    super(message);
  }
}

export interface RebuildStatus {
  state: ProjectionStatus['state'];
  checkpoint: string;
  rate: number;
  startedAt: string;
}

/** How the last rebuild of a read model in this process ended: a copy that faults is dropped, and this says so. */
export interface RebuildOutcome {
  outcome: 'swapped' | 'faulted' | 'stopped' | 'failed';
  startedAt: string;
  endedAt: string;
  checkpoint: string;
  /** Why it did not swap in: the copy's fault, or the error that stopped it. */
  error: string | null;
}

/**
 * The projections and the processes of this process when another thread runs them: their statuses as that thread
 * last told them, the operator's actions (which it takes), and waits woken by its word of each commit.
 */
export interface ProjectionsOffLoop {
  statuses(): ProjectionStatus[];
  rebuildStatus(name: string): RebuildStatus | null;
  lastRebuild(name: string): RebuildOutcome | null;
  rebuild(name: string): Promise<void>;
  resolveFault(name: string, action: 'retry' | 'skip'): Promise<ProjectionStatus>;
  /** True once the thread has told that every named projection committed `position`; false after `timeoutMs`. */
  waitFor(projections: readonly string[], position: LogPosition, timeoutMs: number): Promise<boolean>;
  /** Stops them after the batches in flight (their checkpoints saved). */
  stop(): Promise<void>;
}

export interface ReadSideDependencies {
  eventStore: EventStore;
  readModels: ReadModelStore;
  clock: Clock;
  commands: RequestWrites;
  repository: AggregateRepository;
  log?: Log;
}

/** How far a read model has come, to answer a query that must reflect a position. */
export interface ReadModelProgress {
  /**
   * True once every named projection has passed `position`; false if it did not within `timeoutMs`. Projections run
   * here are waited for as they commit; those run elsewhere by looking at their checkpoints every `pollMs`.
   */
  waitFor(projections: readonly string[], position: LogPosition, timeoutMs: number, pollMs?: number): Promise<boolean>;
  checkpoints(projections: readonly string[]): Promise<Map<string, LogPosition>>;
}

const POLL_MS = 15;

/**
 * The read side of one process: the projection runners and the log-driven
 * processes when this process runs them (the embedded default, the
 * projector), and in every process the view of how far read models have come.
 */
export class ReadSide implements ReadModelProgress {
  readonly runners: ProjectionRunner[];
  readonly slaWatch: SlaWatch | null;
  /** Every projection of the product, whether this process runs it or not. */
  readonly projectionNames: readonly string[];
  private readonly projections: Projection[];
  private readonly rebuilds = new Map<string, { copy: ProjectionRunner; startedAt: string; done: Promise<void> }>();
  private readonly lastRebuilds = new Map<string, RebuildOutcome>();
  private stopping = false;
  /** The furthest head of the log seen by the checks of replicas' waits. */
  private headSeen: LogPosition = START;
  /** One read of the log for every runner here that catches up (at start, after an outage, a rebuild's copies). */
  private readonly pages: LogPages;
  private readonly advanced = new EventEmitter();
  private readonly offLoop: ProjectionsOffLoop | null;

  private constructor(
    private readonly dependencies: ReadSideDependencies,
    private readonly options: ReadSideOptions,
  ) {
    const { readModels, clock, commands, repository } = dependencies;
    const log = dependencies.log ?? silentLog;
    this.pages = new LogPages(dependencies.eventStore);
    const projections = [...(options.projections ?? allProjections()), new ReactorRunner(satisfactionFollowUp, commands, repository, log)];
    this.projections = projections;
    this.projectionNames = projections.map((projection) => projection.name);
    this.offLoop = options.offLoop ?? null;
    if (this.offLoop && options.runProjections) throw new Error('the projections run either on this thread or off it, not both');
    this.advanced.setMaxListeners(0);
    this.runners = options.runProjections ? projections.map((projection) => this.liveRunner(projection)) : [];
    this.slaWatch = options.runProjections ? new SlaWatch(readModels, commands, clock, options.slaWatchIntervalMs, log) : null;
  }

  static async start(dependencies: ReadSideDependencies, options: ReadSideOptions): Promise<ReadSide> {
    const readSide = new ReadSide(dependencies, options);
    const { readModels } = dependencies;
    for (const runner of [...readSide.runners]) {
      const { projection } = runner;
      if (projection.tables.length > 0) await dropUnfinishedCopies(readModels, projection);
      const stored = projection.tables.length > 0 ? await storedVersion(readModels, projection.name) : undefined;
      if (stored !== undefined && stored !== projection.version) {
        // A new version in code: built beside the old read model, which answers queries until the swap.
        readSide.runners.splice(readSide.runners.indexOf(runner), 1);
        await readSide.rebuild(projection.name);
        continue;
      }
      await runner.start();
    }
    readSide.slaWatch?.start();
    return readSide;
  }

  /** Stops taking new events; each runner saves the checkpoint of the batch in flight. Unfinished rebuilds are abandoned. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.offLoop?.stop();
    await this.slaWatch?.stop();
    await Promise.all([...this.rebuilds.values()].map(({ copy }) => copy.stop()));
    await Promise.all([...this.rebuilds.values()].map(({ done }) => done));
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }

  /**
   * Rebuilds a read model from zero without downtime: a copy is built beside
   * the live one from the start of the log while the live one keeps serving;
   * once the copy has caught up, the live runner stops (saving its
   * checkpoint), the copy catches up with it, and the copy's tables replace
   * the live ones in one transaction. Resolves once the copy is under way.
   */
  async rebuild(name: string): Promise<void> {
    if (this.offLoop) return this.offLoop.rebuild(name);
    const projection = this.projections.find((candidate) => candidate.name === name);
    if (!projection) throw new ProjectionActionRefusedError(`no projection ${name}`, true);
    if (projection.tables.length === 0)
      throw new ProjectionActionRefusedError(`${name} is a process, not a read model: there is nothing to rebuild`);
    if (this.rebuilds.has(name)) throw new ProjectionActionRefusedError(`${name} is being rebuilt already`);
    const { eventStore, readModels } = this.dependencies;
    const copy = new ProjectionRunner(projection, eventStore, readModels, {
      batchSize: this.options.batchSize,
      log: this.log,
      copy: randomBytes(4).toString('hex'),
      pages: this.pages,
    });
    await copy.start();
    this.log.info(`projection ${name} is being rebuilt beside the live read model`, { projection: name, copy: copy.copy });
    const startedAt = new Date().toISOString();
    const ended = (outcome: RebuildOutcome['outcome'], error: string | null) =>
      this.lastRebuilds.set(name, { outcome, startedAt, endedAt: new Date().toISOString(), checkpoint: String(copy.position), error });
    const done = this.finishRebuild(projection, copy).then(
      (swapped) => {
        const { state, fault, lastError } = copy.status();
        if (swapped) ended('swapped', null);
        // Its store full or damaged: the copy gave up and dropped its tables; the store's words, not an event's fault.
        else if (copy.gaveUp !== null) ended('failed', copy.gaveUp);
        else if (state === 'faulted') ended('faulted', fault?.error ?? lastError ?? null);
        else ended('stopped', null);
      },
      (error: Error) => {
        ended('failed', error.message);
        this.log.error(`the rebuild of ${name} stopped`, { projection: name, error: error.message });
      },
    );
    this.rebuilds.set(name, { copy, startedAt, done: done.finally(() => this.rebuilds.delete(name)) });
  }

  /** After a fault: try the event again, or leave it out of this read model and go on. */
  async resolveFault(name: string, action: 'retry' | 'skip'): Promise<ProjectionStatus> {
    if (this.offLoop) return this.offLoop.resolveFault(name, action);
    const runner = this.runner(name);
    if (!runner) {
      if (!this.projectionNames.includes(name)) throw new ProjectionActionRefusedError(`no projection ${name}`, true);
      throw new ProjectionActionRefusedError(`projection ${name} runs in another process (the projector); act on it there`);
    }
    const { state } = runner.status();
    if (state !== 'faulted') throw new ProjectionActionRefusedError(`projection ${name} is ${state}, not faulted`);
    if (action === 'retry') await runner.retry();
    else await runner.skip();
    return runner.status();
  }

  /** Resolves when the rebuild of `name` on this thread (if any) has swapped in or stopped; a worker's shows in lastRebuild. */
  async rebuilt(name: string): Promise<void> {
    await this.rebuilds.get(name)?.done;
  }

  /** True once the copy has swapped in; false when it was abandoned (faulted, stopped, or this process stopping). */
  private async finishRebuild(projection: Projection, copy: ProjectionRunner): Promise<boolean> {
    const { eventStore, readModels } = this.dependencies;
    const abandoned = () => this.stopping || copy.status().state === 'faulted' || copy.status().state === 'stopped';
    // Catch up with the log as it stands, while the live read model goes on serving.
    const head = await eventStore.headPosition();
    while (copy.position < head) {
      if (abandoned()) return false;
      await copy.waitFor(head, 200);
    }
    const live = this.runner(projection.name);
    if (live) await live.stop();
    const target = live ? live.position : await eventStore.headPosition();
    while (copy.position < target) {
      if (abandoned()) {
        if (live && !this.stopping) await live.start();
        return false;
      }
      await copy.waitFor(target, 200);
    }
    await copy.stop();
    const position = await swapInCopy(readModels, projection, copy.copy!, new Date());
    const next = this.liveRunner(projection);
    if (live) this.runners[this.runners.indexOf(live)] = next;
    else this.runners.push(next);
    this.log.info(`projection ${projection.name} rebuilt and swapped in`, { projection: projection.name, checkpoint: String(position) });
    await next.start();
    return true;
  }

  private liveRunner(projection: Projection): ProjectionRunner {
    const { eventStore, readModels } = this.dependencies;
    const runner = new ProjectionRunner(projection, eventStore, readModels, {
      batchSize: this.options.batchSize,
      log: this.log,
      pages: this.pages,
    });
    runner.onAdvanced((checkpoint) => this.advanced.emit('advanced', projection.name, checkpoint));
    return runner;
  }

  /** Calls `listener` each time a live read model of this thread commits a batch (rebuilt ones too, once swapped in). */
  onAdvanced(listener: (projection: string, checkpoint: LogPosition) => void): () => void {
    this.advanced.on('advanced', listener);
    return () => this.advanced.off('advanced', listener);
  }

  private get log(): Log {
    return this.dependencies.log ?? silentLog;
  }

  /** The copy under construction of each projection being rebuilt. */
  lastRebuild(name: string): RebuildOutcome | null {
    if (this.offLoop) return this.offLoop.lastRebuild(name);
    return this.lastRebuilds.get(name) ?? null;
  }

  rebuildStatus(name: string): RebuildStatus | null {
    if (this.offLoop) return this.offLoop.rebuildStatus(name);
    const rebuild = this.rebuilds.get(name);
    if (!rebuild) return null;
    const { state, checkpoint, rate } = rebuild.copy.status();
    return { state, checkpoint, rate, startedAt: rebuild.startedAt };
  }

  runner(name: string): ProjectionRunner | undefined {
    return this.runners.find((runner) => runner.name === name);
  }

  /** This process runs the projection (on this thread or its worker), so the operator's actions on it are taken here. */
  runsHere(name: string): boolean {
    return this.offLoop ? this.projectionNames.includes(name) : this.runner(name) !== undefined;
  }

  /** The live runners' statuses, and the copies of read models being built for a new version (state rebuilding). */
  statuses(): ProjectionStatus[] {
    if (this.offLoop) return this.offLoop.statuses();
    const live = this.runners.map((runner) => runner.status());
    const copiesOnly = [...this.rebuilds.entries()].filter(([name]) => !this.runner(name)).map(([, { copy }]) => copy.status());
    return [...live, ...copiesOnly];
  }

  /** Checkpoints as stored; none before any projector prepared the store. */
  async checkpoints(projections: readonly string[]): Promise<Map<string, LogPosition>> {
    try {
      return await readCheckpoints(this.dependencies.readModels.reader, projections);
    } catch (error) {
      if (isMissingReadModel(error)) return new Map();
      throw error;
    }
  }

  /**
   * Read models past the head of this process's log were built from another one: their answers are refused.
   * The head only grows, so it is asked of the store only when a checkpoint is past the last head seen.
   */
  private async refuseReadModelsOfAnotherLog(checkpoints: ReadonlyMap<string, LogPosition>): Promise<void> {
    const furthest = [...checkpoints.values()].reduce((max, checkpoint) => (checkpoint > max ? checkpoint : max), START);
    if (furthest <= this.headSeen) return;
    this.headSeen = await this.dependencies.eventStore.headPosition();
    const ahead = [...checkpoints].filter(([, checkpoint]) => checkpoint > this.headSeen);
    if (ahead.length === 0) return;
    throw new ReadModelNotOfThisLogError(
      `the read models ${ahead.map(([name, checkpoint]) => `${name} (at ${checkpoint})`).join(', ')} are past the head of the log (${this.headSeen}): ` +
        'they were built from another log; the process that runs the projections builds them again when it starts',
    );
  }

  async waitFor(projections: readonly string[], position: LogPosition, timeoutMs: number, pollMs = POLL_MS): Promise<boolean> {
    // The worker tells each commit at once; the stored checkpoints are read only once that word has not come in time
    // (a projector elsewhere moved them, or the worker was restarting), not for a mere look (no time to wait).
    if (this.offLoop) {
      if (await this.offLoop.waitFor(projections, position, timeoutMs)) return true;
      if (timeoutMs <= 0) return false;
      const checkpoints = await this.checkpoints(projections);
      if (!projections.every((name) => (checkpoints.get(name) ?? -1n) >= position)) return false;
      await this.refuseReadModelsOfAnotherLog(checkpoints);
      return true;
    }
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const local = projections.map((name) => this.runner(name));
      if (!local.every((runner) => runner !== undefined)) break;
      // In slices: a rebuild may swap a new runner in while we wait.
      const slice = Math.max(0, Math.min(200, deadline - Date.now()));
      const reached = await Promise.all(local.map((runner) => runner!.waitFor(position, slice)));
      if (reached.every(Boolean)) return true;
      if (Date.now() >= deadline) return false;
    }
    // Another process runs them (or a new version is being built): watch their checkpoints in the read-model store.
    while (true) {
      const checkpoints = await this.checkpoints(projections);
      if (projections.every((name) => (checkpoints.get(name) ?? -1n) >= position)) {
        await this.refuseReadModelsOfAnotherLog(checkpoints);
        return true;
      }
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
    }
  }
}
