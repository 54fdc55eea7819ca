import { BeforeApplicationShutdown, DynamicModule, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@desk/event-store';
import type { ReadModelStore } from '@desk/read-models';
import { httpEdgeProviders, OperationsModule, OPERATIONS_DEPENDENCIES } from '@desk/http';
import {
  AggregateRepository,
  CLOCK,
  CommandLimiter,
  WRITE_DEPENDENCIES,
  WRITE_HANDLERS,
  writeDependencies,
  DeskMetrics,
  JsonLog,
  ReadSide,
  RequestWriteHandler,
  type Clock,
  type WriteDependencies,
  type AppConfig,
  type ProjectionsOffLoop,
} from '@desk/application';
import { APP_CONFIG, EVENT_STORE, READ_MODELS } from './config/tokens';
import { AgentsController } from './agents/agents.controller';
import { CustomersController } from './customers/customers.controller';
import { DepartmentsController } from './departments/departments.controller';
import { DtoValidationPipe } from './http/validation.pipe';
import { RequestQueries } from './requests/request-queries';
import { RequestsController } from './requests/requests.controller';
import { RequestListController } from './requests/request-list.controller';
import { RequestTagsController } from './requests/request-tags.controller';
import { QueuesController } from './queues/queues.controller';
import { WorkloadsController } from './workloads/workloads.controller';
import { ImpactController } from './impact/impact.controller';
import { FreshReads } from './read-models/fresh-reads';
import { EventsController } from './events/events.controller';
import { WhatIfController } from './analytics/what-if.controller';
import { ChangesController, CHANGES_PROVIDERS } from './changes/changes.controller';

export interface AppDependencies {
  config: AppConfig;
  eventStore: EventStore;
  readModels: ReadModelStore;
  clock: Clock;
  /** JSON lines for the framework, requests, projections and processes; silent when absent. */
  log?: JsonLog;
  /**
   * The projections and processes of this process, on a worker thread main.ts started (PROJECTIONS_IN=worker):
   * this thread then serves as a query-only replica, with the worker's statuses and actions. Without it a process
   * that runs the projections (RUN_PROJECTIONS) runs them in its loop, as the in-process specs do with their clock.
   */
  projectionsWorker?: ProjectionsOffLoop;
}

/**
 * Shutdown in order: the HTTP server stops taking requests, the read side
 * saves the checkpoint of the batch in flight, then the stores close.
 */
class Shutdown implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    private readonly readSide: ReadSide,
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    private readonly log: JsonLog | undefined,
  ) {}
  // By now the server has stopped taking requests and the commands in flight have been answered.
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.log?.info('service desk stopping: no new requests, the commands in flight answered', { signal: signal ?? null });
    await this.readSide.stop();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    await this.readModels.close();
    this.log?.info('service desk stopped', {
      checkpoints: this.readSide.statuses().map(({ name, checkpoint }) => ({ name, checkpoint })),
    });
  }
}

@Module({})
export class AppModule {
  static register({ config, eventStore: rawEventStore, readModels, clock, log, projectionsWorker }: AppDependencies): DynamicModule {
    const metrics = new DeskMetrics('api');
    const eventStore = metrics.instrument(rawEventStore);
    // One for every command route: the limit is on what this process decides at once, whichever aggregate.
    const limiter = new CommandLimiter(config.commandLimits, undefined, metrics);
    metrics.watchCommands(limiter);
    return {
      module: AppModule,
      // Global, so that the operations surface's controllers find the stores, the read side and the metrics of this module.
      global: true,
      imports: [CqrsModule.forRoot(), OperationsModule],
      controllers: [
        DepartmentsController,
        CustomersController,
        AgentsController,
        RequestsController,
        RequestListController,
        RequestTagsController,
        QueuesController,
        WorkloadsController,
        ImpactController,
        EventsController,
        WhatIfController,
        ChangesController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: EVENT_STORE, useValue: eventStore },
        { provide: READ_MODELS, useValue: readModels },
        { provide: CLOCK, useValue: clock },
        { provide: DeskMetrics, useValue: metrics },
        {
          provide: WRITE_DEPENDENCIES,
          useFactory: (store: EventStore, clockNow: Clock) => writeDependencies(store, clockNow, metrics, limiter, config.policies),
          inject: [EVENT_STORE, CLOCK],
        },
        {
          provide: AggregateRepository,
          useFactory: (dependencies: WriteDependencies) => dependencies.repository,
          inject: [WRITE_DEPENDENCIES],
        },
        RequestQueries,
        ...WRITE_HANDLERS,
        {
          provide: ReadSide,
          // Processes call the handler itself: the command bus only knows its handlers once the app has booted.
          useFactory: async (
            store: EventStore,
            models: ReadModelStore,
            now: Clock,
            handler: RequestWriteHandler,
            repository: AggregateRepository,
          ) => {
            const readSide = await ReadSide.start(
              { eventStore: store, readModels: models, clock: now, commands: handler, repository, log },
              {
                runProjections: config.runProjections && !projectionsWorker,
                offLoop: projectionsWorker,
                slaWatchIntervalMs: config.slaWatchIntervalMs,
                batchSize: config.projectionBatchSize,
              },
            );
            metrics.watch(readSide, store);
            return readSide;
          },
          inject: [EVENT_STORE, READ_MODELS, CLOCK, RequestWriteHandler, AggregateRepository],
        },
        FreshReads,
        ...CHANGES_PROVIDERS,
        {
          provide: Shutdown,
          useFactory: (readSide: ReadSide, store: EventStore, models: ReadModelStore) => new Shutdown(readSide, store, models, log),
          inject: [ReadSide, EVENT_STORE, READ_MODELS],
        },
        ...httpEdgeProviders(config),
        { provide: APP_PIPE, useClass: DtoValidationPipe },
      ],
      exports: OPERATIONS_DEPENDENCIES,
    };
  }
}
