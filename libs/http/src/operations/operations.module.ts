import { Module } from '@nestjs/common';
import { DeskMetrics, MetricsScrape, ReadSide } from '@desk/application';
import { EVENT_STORE, READ_MODELS } from '../injection-tokens';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { ProjectionsController } from './projections.controller';

/**
 * The operations surface of a desk process: health probes, Prometheus metrics
 * and the operators' /admin/projections. The API and the projector both serve
 * it. Its controllers take OPERATIONS_DEPENDENCIES from the process's own
 * module, which is global and exports them: the API builds its ReadSide from
 * its command handlers, the projector before it serves HTTP at all.
 */
@Module({ controllers: [HealthController, MetricsController, ProjectionsController] })
export class OperationsModule {}

/** What a module importing OperationsModule provides and exports (with `global: true`). */
export const OPERATIONS_DEPENDENCIES = [EVENT_STORE, READ_MODELS, ReadSide, DeskMetrics, MetricsScrape];
