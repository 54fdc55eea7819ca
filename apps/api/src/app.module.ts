import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { EventStore } from '@desk/event-store';
import { AuthGuard, SIGNING_SECRET } from './auth/auth.guard';
import { loadOrCreateSigningSecret } from './auth/signing-secret';
import { COMMAND_HANDLERS, AggregateRepository, CommandExecutor, DomainLookups, CLOCK, type Clock } from '@desk/application';
import type { AppConfig } from './config/app-config';
import { APP_CONFIG, EVENT_STORE } from './config/tokens';
import { CustomersController } from './customers/customers.controller';
import { DepartmentsController } from './departments/departments.controller';
import { HealthController } from './health/health.controller';
import { ProblemDetailsFilter } from './http/problem-details';
import { DtoValidationPipe } from './http/validation.pipe';
import { RequestQueries } from './requests/request-queries';
import { RequestsController } from './requests/requests.controller';

export interface AppDependencies {
  config: AppConfig;
  eventStore: EventStore;
  clock: Clock;
}

/** Closes the event store once the HTTP server has stopped taking requests. */
class StoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}
  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

@Module({})
export class AppModule {
  static register({ config, eventStore, clock }: AppDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [DepartmentsController, CustomersController, RequestsController, HealthController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: EVENT_STORE, useValue: eventStore },
        { provide: CLOCK, useValue: clock },
        { provide: SIGNING_SECRET, useFactory: () => loadOrCreateSigningSecret(config) },
        { provide: AggregateRepository, useFactory: (store: EventStore) => new AggregateRepository(store), inject: [EVENT_STORE] },
        {
          provide: CommandExecutor,
          useFactory: (store: EventStore, repository: AggregateRepository, clockNow: Clock) =>
            new CommandExecutor(store, repository, clockNow),
          inject: [EVENT_STORE, AggregateRepository, CLOCK],
        },
        {
          provide: DomainLookups,
          useFactory: (repository: AggregateRepository) => new DomainLookups(repository),
          inject: [AggregateRepository],
        },
        RequestQueries,
        ...COMMAND_HANDLERS,
        StoreCloser,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_PIPE, useClass: DtoValidationPipe },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
    };
  }
}
