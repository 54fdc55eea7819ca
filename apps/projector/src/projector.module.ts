import { Module, type DynamicModule } from '@nestjs/common';
import type { EventStore } from '@desk/event-store';
import type { ReadModelStore } from '@desk/read-models';
import { DeskMetrics, ReadSide, type AppConfig } from '@desk/application';
import { EVENT_STORE, httpEdgeProviders, OperationsModule, OPERATIONS_DEPENDENCIES, READ_MODELS } from '@desk/http';

export interface ProjectorDependencies {
  config: AppConfig;
  eventStore: EventStore;
  readModels: ReadModelStore;
  readSide: ReadSide;
  metrics: DeskMetrics;
}

/**
 * The projector's HTTP surface: the API's operations surface (health, metrics,
 * /admin/projections) over the read side this process already runs, behind
 * the API's token check. It owns nothing: main.ts started the read side and
 * closes the stores.
 */
@Module({})
export class ProjectorModule {
  static register({ config, eventStore, readModels, readSide, metrics }: ProjectorDependencies): DynamicModule {
    return {
      module: ProjectorModule,
      global: true,
      imports: [OperationsModule],
      providers: [
        { provide: EVENT_STORE, useValue: eventStore },
        { provide: READ_MODELS, useValue: readModels },
        { provide: ReadSide, useValue: readSide },
        { provide: DeskMetrics, useValue: metrics },
        ...httpEdgeProviders(config),
      ],
      exports: OPERATIONS_DEPENDENCIES,
    };
  }
}
