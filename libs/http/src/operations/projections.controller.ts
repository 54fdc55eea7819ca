import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { EventStore } from '@desk/event-store';
import { ProjectionActionRefusedError, ReadSide } from '@desk/application';
import { Roles } from '../auth/roles.decorator';
import { IdParam } from '../id-param.pipe';
import { EVENT_STORE } from '../injection-tokens';
import { ConflictProblem, NotFoundProblem } from '../problems';
import { ApiProblems } from '../openapi';
import { ProjectionStatusResponse, ProjectionsResponse, RebuildStartedResponse } from './operations.responses';

@ApiTags('operations')
@ApiBearerAuth()
@Controller('admin/projections')
export class ProjectionsController {
  constructor(
    @Inject(ReadSide) private readonly readSide: ReadSide,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get()
  @Roles('operator')
  @ApiOperation({
    summary: 'Status of every projection',
    description:
      'Name, version, state (running, catching_up, faulted, stopped; "elsewhere" when another process runs it), checkpoint, head of the log, ' +
      'lag (log positions: events on the embedded and PostgreSQL stores), rate (events/s over 5 s), restarts, last error and the faulted event. ' +
        'While a store does not answer, `unreachable` names it and what only it can tell (head, lag, checkpoints of projections run elsewhere) is null.',
  })
  @ApiOkResponse({ type: ProjectionsResponse })
  @ApiProblems(401, 403, 429)
  async list(): Promise<ProjectionsResponse> {
    // During an outage of either store the operator needs this page most: what cannot be read shows as null, with why.
    const unreachable: string[] = [];
    const [head, checkpoints] = await Promise.all([
      this.store.headPosition().catch(() => {
        unreachable.push('eventStore');
        return null;
      }),
      this.readSide.checkpoints(this.readSide.projectionNames).catch(() => {
        unreachable.push('readModels');
        return null;
      }),
    ]);
    const local = new Map(this.readSide.statuses().map((status) => [status.name, status]));
    const lagOf = (checkpoint: bigint | null) => (head === null || checkpoint === null ? null : String(head > checkpoint ? head - checkpoint : 0n));
    return {
      head: head === null ? null : String(head),
      unreachable: unreachable.sort(),
      projections: this.readSide.projectionNames.map((name) => {
        const status = local.get(name);
        if (status) {
          const lag = lagOf(BigInt(status.checkpoint));
          return { ...status, lag, rebuild: this.readSide.rebuildStatus(name), lastRebuild: this.readSide.lastRebuild(name) };
        }
        const checkpoint = checkpoints === null ? null : (checkpoints.get(name) ?? 0n);
        return { name, state: 'elsewhere', checkpoint: checkpoint === null ? null : String(checkpoint), lag: lagOf(checkpoint) };
      }),
    };
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @Roles('operator')
  @ApiOperation({
    summary: 'Rebuild a read model from zero, beside the live one',
    description:
      'The copy is built from the start of the log while the live read model keeps answering; once caught up it replaces the live one ' +
      'in one transaction. Follow it in GET /admin/projections (rebuild).',
  })
  @ApiResponse({ status: 202, type: RebuildStartedResponse, description: 'The rebuild has started' })
  @ApiProblems(400, 401, 403, 404, 409, 429, 503)
  async rebuild(@Param('name', IdParam) name: string): Promise<RebuildStartedResponse> {
    if (this.readSide.projectionNames.includes(name) && !this.readSide.runsHere(name)) {
      throw new ConflictProblem(`projection ${name} runs in another process (the projector); rebuild it there`);
    }
    await refusals(() => this.readSide.rebuild(name));
    return { name, rebuild: this.readSide.rebuildStatus(name) };
  }

  @Post(':name/skip')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({
    summary: 'Leave out the event a faulted projection stopped at, and go on',
    description: 'The skipped event stays in the log; only this read model goes without it. Shown in the status as skipped.',
  })
  @ApiOkResponse({ type: ProjectionStatusResponse, description: 'The projection, going on past the event' })
  @ApiProblems(400, 401, 403, 404, 409, 429, 503)
  skip(@Param('name', IdParam) name: string) {
    return refusals(() => this.readSide.resolveFault(name, 'skip'));
  }

  @Post(':name/retry')
  @HttpCode(200)
  @Roles('operator')
  @ApiOperation({ summary: 'Retry the event a faulted projection stopped at' })
  @ApiOkResponse({ type: ProjectionStatusResponse, description: 'The projection, trying the event again' })
  @ApiProblems(400, 401, 403, 404, 409, 429, 503)
  retry(@Param('name', IdParam) name: string) {
    return refusals(() => this.readSide.resolveFault(name, 'retry'));
  }
}

/** An action the read side refuses: 404 for a projection that does not exist, 409 for one that cannot take it now. */
async function refusals<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!(error instanceof ProjectionActionRefusedError)) throw error;
    throw error.unknownProjection ? new NotFoundProblem(error.message) : new ConflictProblem(error.message);
  }
}
