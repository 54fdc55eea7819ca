import { Controller, Get, Headers, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { allWorkloads, departmentKnown, departmentWorkload, InvalidRangeError, type WorkloadRange } from '@desk/read-models';
import { ApiMinPositionHeader, ApiProblems, BadRequestProblem, IdParam, NotFoundProblem, QUERY_PROBLEMS, Roles } from '@desk/http';
import { ApiAnswer } from '../http/answer-fields';
import { WorkloadResponse, WorkloadsResponse } from './workloads.responses';
import { PatternField } from '../http/fields';
import { FreshReadQuery, FreshReads } from '../read-models/fresh-reads';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class WorkloadQuery extends FreshReadQuery {
  @PatternField(DAY, 'must be a date YYYY-MM-DD', { optional: true, max: 10, description: 'First day of the per-day figures.' })
  from?: string;

  @PatternField(DAY, 'must be a date YYYY-MM-DD', {
    optional: true,
    max: 10,
    description: 'Last day of the per-day figures (default today).',
  })
  to?: string;
}

const WORKLOAD_PROJECTIONS = ['request-summaries', 'impact-chain', 'workload-facts'];

@ApiTags('queries')
@ApiBearerAuth()
@Controller()
export class WorkloadsController {
  constructor(@Inject(FreshReads) private readonly freshReads: FreshReads) {}

  @Get('departments/:id/workload')
  @Roles('agent', 'manager', 'operator', 'analyst')
  @ApiOperation({
    summary: "A department's workload",
    description:
      'Counts by status, open requests by priority and audience, per-agent load, intake and resolutions per day (from..to, at most 366 days), ' +
      'first-response and resolution times (median, p90; business and elapsed minutes), SLA compliance per audience, mean satisfaction ' +
      'of internal and external requesters with poor ratings and their follow-ups, and what its open internal work blocks.',
  })
  @ApiAnswer(WorkloadResponse)
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS)
  async workload(@Param('id', IdParam) id: string, @Query() query: WorkloadQuery, @Headers('x-min-position') minPosition?: string) {
    const { waitMs: _wait, ...shape } = query;
    return this.freshReads.answer(
      `workload\u0000${id}\u0000${JSON.stringify(shape)}`,
      WORKLOAD_PROJECTIONS,
      query,
      minPosition,
      async ({ db, now }) => {
        if (!(await departmentKnown(db, id))) throw new NotFoundProblem(`no department ${id}`);
        return this.answer(() => departmentWorkload(db, id, range(query), now));
      },
    );
  }

  @Get('workloads')
  @Roles('manager', 'operator', 'analyst')
  @ApiOperation({ summary: 'Every department’s workload, by department name' })
  @ApiAnswer(WorkloadsResponse)
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS)
  async workloads(@Query() query: WorkloadQuery, @Headers('x-min-position') minPosition?: string) {
    const { waitMs: _wait, ...shape } = query;
    return this.freshReads.answer(
      `workloads\u0000${JSON.stringify(shape)}`,
      WORKLOAD_PROJECTIONS,
      query,
      minPosition,
      async ({ db, now }) => ({
        departments: await this.answer(() => allWorkloads(db, range(query), now)),
      }),
    );
  }

  private async answer<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      if (error instanceof InvalidRangeError) throw new BadRequestProblem(error.message, { range: error.message });
      throw error;
    }
  }
}

function range(query: WorkloadQuery): WorkloadRange {
  return { from: query.from, to: query.to };
}
