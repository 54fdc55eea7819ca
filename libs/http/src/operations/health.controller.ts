import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@desk/event-store';
import type { ReadModelStore } from '@desk/read-models';
import { ReadSide } from '@desk/application';
import { Public } from '../auth/roles.decorator';
import { EVENT_STORE, READ_MODELS } from '../injection-tokens';
import { ProblemError } from '../problems';
import { ApiProblems } from '../openapi';
import { LiveResponse, ReadyResponse } from './operations.responses';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(READ_MODELS) private readonly readModels: ReadModelStore,
    @Inject(ReadSide) private readonly readSide: ReadSide,
  ) {}

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'The process is up', security: [] })
  @ApiOkResponse({ type: LiveResponse, description: 'Up' })
  live(): LiveResponse {
    return { status: 'ok' };
  }

  @Get('ready')
  @Public()
  @ApiOperation({
    summary: 'The process can serve: the event store and the read-model store answer; projections run here are not faulted',
    security: [],
  })
  @ApiOkResponse({ type: ReadyResponse, description: 'Ready' })
  @ApiProblems(503)
  async ready(): Promise<ReadyResponse> {
    const failure = (error: unknown) => (error instanceof Error ? error.message : String(error));
    const [eventStore, readModels] = await Promise.all([
      this.store.ping().then(() => 'ok', failure),
      this.readModels.ping().then(() => 'ok', failure),
    ]);
    const projections = Object.fromEntries(this.readSide.statuses().map((status) => [status.name, status.state]));
    const checks = { eventStore, readModels, projections };
    if (eventStore !== 'ok' || readModels !== 'ok') {
      throw new ProblemError(
        503,
        'Not ready',
        [
          eventStore !== 'ok' && `the event store does not answer: ${eventStore}`,
          readModels !== 'ok' && `the read-model store does not answer: ${readModels}`,
        ]
          .filter(Boolean)
          .join('; '),
        undefined,
        { checks },
      );
    }
    return { status: 'ok', checks };
  }
}
