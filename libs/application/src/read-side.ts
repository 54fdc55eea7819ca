import type { EventStore, LogPosition } from '@desk/event-store';
import {
  allProjections,
  isMissingReadModel,
  ProjectionRunner,
  readCheckpoints,
  type ProjectionStatus,
  type ReadModelStore,
} from '@desk/read-models';
import type { AggregateRepository } from './commands/aggregate-repository';
import type { Clock } from './clock';
import { silentLog, type Log } from './observability/json-log';
import { SatisfactionFollowUpProcess } from './processes/satisfaction-follow-up.process';
import { SlaWatch, type RequestCommandBus } from './processes/sla-watch';

export interface ReadSideOptions {
  /** Run the projections and the processes here; false for API replicas that only query. */
  runProjections: boolean;
  slaWatchIntervalMs: number;
  batchSize?: number;
}

export interface ReadSideDependencies {
  eventStore: EventStore;
  readModels: ReadModelStore;
  clock: Clock;
  commands: RequestCommandBus;
  repository: AggregateRepository;
  log?: Log;
}

/** How far a read model has come, to answer a query that must reflect a position. */
export interface ReadModelProgress {
  /** True once every named projection has passed `position`; false if it did not within `timeoutMs`. */
  waitFor(projections: readonly string[], position: LogPosition, timeoutMs: number): Promise<boolean>;
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

  private constructor(
    private readonly dependencies: ReadSideDependencies,
    private readonly options: ReadSideOptions,
  ) {
    const { eventStore, readModels, clock, commands, repository } = dependencies;
    const log = dependencies.log ?? silentLog;
    const projections = [...allProjections(), new SatisfactionFollowUpProcess(commands, repository, log)];
    this.projectionNames = projections.map((projection) => projection.name);
    this.runners = options.runProjections
      ? projections.map((projection) => new ProjectionRunner(projection, eventStore, readModels, { batchSize: options.batchSize, log }))
      : [];
    this.slaWatch = options.runProjections ? new SlaWatch(readModels, commands, clock, options.slaWatchIntervalMs, log) : null;
  }

  static async start(dependencies: ReadSideDependencies, options: ReadSideOptions): Promise<ReadSide> {
    const readSide = new ReadSide(dependencies, options);
    for (const runner of readSide.runners) await runner.start();
    readSide.slaWatch?.start();
    return readSide;
  }

  /** Stops taking new events; each runner saves the checkpoint of the batch in flight. */
  async stop(): Promise<void> {
    await this.slaWatch?.stop();
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }

  runner(name: string): ProjectionRunner | undefined {
    return this.runners.find((runner) => runner.name === name);
  }

  statuses(): ProjectionStatus[] {
    return this.runners.map((runner) => runner.status());
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

  async waitFor(projections: readonly string[], position: LogPosition, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    const local = projections.map((name) => this.runner(name));
    if (local.every((runner) => runner !== undefined)) {
      const reached = await Promise.all(local.map((runner) => runner!.waitFor(position, timeoutMs)));
      return reached.every(Boolean);
    }
    // Another process runs them: watch their checkpoints in the read-model store.
    while (true) {
      const checkpoints = await this.checkpoints(projections);
      if (projections.every((name) => (checkpoints.get(name) ?? -1n) >= position)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(POLL_MS, Math.max(1, deadline - Date.now()))));
    }
  }
}
