import { BeforeApplicationShutdown, DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@desk/event-store';
import { ReplayCache, type ReadModelStore } from '@desk/read-models';
import { AuthGuard, TOKEN_POLICY } from './auth/auth.guard';
import {
  tokenPolicy,
  loadOrCreateSigningSecret,
  AggregateRepository,
  CLOCK,
  COMMAND_HANDLERS,
  CommandExecutor,
  DomainLookups,
  DeskMetrics,
  JsonLog,
  ReadSide,
  RequestCommandHandler,
  type Clock,
  type AppConfig,
} from '@desk/application';
import { APP_CONFIG, EVENT_STORE, READ_MODELS } from './config/tokens';
import { CustomersController } from './customers/customers.controller';
import { DepartmentsController } from './departments/departments.controller';
import { HealthController } from './health/health.controller';
import { MetricsController } from './health/metrics.controller';
import { ProblemDetailsFilter } from './http/problem-details';
import { DtoValidationPipe } from './http/validation.pipe';
import { RequestQueries } from './requests/request-queries';
import { RequestsController } from './requests/requests.controller';
import { QueuesController } from './queues/queues.controller';
import { WorkloadsController } from './workloads/workloads.controller';
import { ImpactController } from './impact/impact.controller';
import { FreshReads } from './read-models/fresh-reads';
import { ProjectionsController } from './admin/projections.controller';
import { EventsController } from './events/events.controller';
import { WhatIfController } from './analytics/what-if.controller';

export interface AppDependencies {
  config: AppConfig;
  eventStore: EventStore;
  readModels: ReadModelStore;
  clock: Clock;
  /** JSON lines for the framework, requests, projections and processes; silent when absent. */
  log?: JsonLog;
}

/**
 * Shutdown in order: the HTTP server stops taking requests, the read side
 * saves the checkpoint of the batch in flight, then the stores close.
 */
class Shutdown implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(ReadSide) private readonly readSide: ReadSide,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(ReplayCache) private readonly replays: ReplayCache,
  ) {}
  async beforeApplicationShutdown(): Promise<void> {
    await this.readSide.stop();
    await this.replays.close();
  }
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
    await this.readModels.close();
  }
}

@Module({})
export class AppModule {
  static register({ config, eventStore: rawEventStore, readModels, clock, log }: AppDependencies): DynamicModule {
    const metrics = new DeskMetrics('api');
    const eventStore = metrics.instrument(rawEventStore);
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [
        DepartmentsController,
        CustomersController,
        RequestsController,
        QueuesController,
        WorkloadsController,
        ImpactController,
        ProjectionsController,
        EventsController,
        WhatIfController,
        HealthController,
        MetricsController,
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: EVENT_STORE, useValue: eventStore },
        { provide: READ_MODELS, useValue: readModels },
        { provide: CLOCK, useValue: clock },
        { provide: DeskMetrics, useValue: metrics },
        {
          provide: TOKEN_POLICY,
          useFactory: () =>
            tokenPolicy({
              secret: config.authPublicKey ? undefined : loadOrCreateSigningSecret(config),
              publicKey: config.authPublicKey,
              audience: config.authAudience,
              issuer: config.authIssuer,
            }),
        },
        { provide: AggregateRepository, useFactory: (store: EventStore) => new AggregateRepository(store), inject: [EVENT_STORE] },
        {
          provide: CommandExecutor,
          useFactory: (store: EventStore, repository: AggregateRepository, clockNow: Clock) =>
            new CommandExecutor(store, repository, clockNow, metrics),
          inject: [EVENT_STORE, AggregateRepository, CLOCK],
        },
        {
          provide: DomainLookups,
          useFactory: (repository: AggregateRepository) => new DomainLookups(repository),
          inject: [AggregateRepository],
        },
        RequestQueries,
        ...COMMAND_HANDLERS,
        {
          provide: ReadSide,
          // Processes call the handler itself: the command bus only knows its handlers once the app has booted.
          useFactory: async (
            store: EventStore,
            models: ReadModelStore,
            now: Clock,
            handler: RequestCommandHandler,
            repository: AggregateRepository,
          ) => {
            const readSide = await ReadSide.start(
              { eventStore: store, readModels: models, clock: now, commands: handler, repository, log },
              {
                runProjections: config.runProjections,
                slaWatchIntervalMs: config.slaWatchIntervalMs,
                batchSize: config.projectionBatchSize,
              },
            );
            metrics.watch(readSide, store);
            return readSide;
          },
          inject: [EVENT_STORE, READ_MODELS, CLOCK, RequestCommandHandler, AggregateRepository],
        },
        { provide: ReplayCache, useFactory: (store: EventStore) => new ReplayCache(store), inject: [EVENT_STORE] },
        FreshReads,
        Shutdown,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_PIPE, useClass: DtoValidationPipe },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
