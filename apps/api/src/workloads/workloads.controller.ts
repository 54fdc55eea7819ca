import { Controller, Get, Headers, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  allWorkloads,
  departmentKnown,
  departmentWorkload,
  deskWorkload,
  InvalidRangeError,
  liveWorkloadImpact,
  workloadImpactAsOf,
  type ReadModelDb,
  type ReadModelQueries,
  type WorkloadImpact,
  type WorkloadRange,
} from '@desk/read-models';
import { ApiMinPositionHeader, ApiProblems, BadRequestProblem, IdParam, NotFoundProblem, QUERY_PROBLEMS, Roles } from '@desk/http';
import { ApiAnswer } from '../http/answer-fields';
import { DeskWorkloadResponse, WorkloadResponse, WorkloadsResponse } from './workloads.responses';
import { PatternField } from '../http/fields';
import { AsOfQuery, FreshReads } from '../read-models/fresh-reads';

const DAY = /^\d{4}-\d{2}-\d{2}$/;

export class WorkloadQuery extends AsOfQuery {
  @PatternField(DAY, 'must be a date YYYY-MM-DD', {
    optional: true,
    max: 10,
    description: 'First day of the figures of what happened (default 29 days before `to`).',
  })
  from?: string;

  @PatternField(DAY, 'must be a date YYYY-MM-DD', {
    optional: true,
    max: 10,
    description: 'Last day of the figures of what happened (default today, or 29 days after `from`).',
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
      'Its open requests by status, priority and audience and per-agent load; and what happened from..to (at most 366 days, default ' +
      'the 30 days up to today): intake and resolutions per day, resolved, closed and cancelled counts, first-response and resolution ' +
      'times (median, p90; business and elapsed minutes), SLA outcomes per audience, mean satisfaction of internal and external ' +
      'requesters with poor ratings and their follow-ups; and what its open internal work blocks. A request counts in the department ' +
      'that held it when each thing happened. Reads the open requests and the facts of the range only, whatever the length of history.',
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
      async ({ db, tables, now, asOf }) => {
        if (!(await departmentKnown(tables, id, asOf))) throw new NotFoundProblem(`no department ${id}`);
        return this.answer(() => departmentWorkload(tables, id, range(query), now, impactOf(db, tables, asOf)));
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
      async ({ db, tables, now, asOf }) => ({
        departments: await this.answer(() => allWorkloads(tables, range(query), now, asOf, impactOf(db, tables, asOf))),
      }),
    );
  }

  @Get('workload')
  @Roles('manager', 'operator', 'analyst')
  @ApiOperation({
    summary: 'The whole desk’s workload',
    description:
      "The figures of a department's workload over every department together (impact aside): open requests by status, priority, " +
      'audience and agent, and what happened from..to: intake and resolutions per day, times over all their samples, SLA outcomes, ' +
      'satisfaction and follow-ups.',
  })
  @ApiAnswer(DeskWorkloadResponse)
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS)
  async desk(@Query() query: WorkloadQuery, @Headers('x-min-position') minPosition?: string) {
    const { waitMs: _wait, ...shape } = query;
    return this.freshReads.answer(
      `desk-workload\u0000${JSON.stringify(shape)}`,
      WORKLOAD_PROJECTIONS,
      query,
      minPosition,
      async ({ tables, now }) => this.answer(() => deskWorkload(tables, range(query), now)),
    );
  }

  private async answer<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      if (error instanceof InvalidRangeError) throw new BadRequestProblem(error.message, { [error.field]: error.message });
      throw error;
    }
  }
}

/** The impact figure live, or from the chain's history as of the time asked. */
function impactOf(db: ReadModelDb, tables: ReadModelQueries, asOf: Date | null): WorkloadImpact {
  return asOf ? workloadImpactAsOf(db, asOf) : liveWorkloadImpact(tables);
}

function range(query: WorkloadQuery): WorkloadRange {
  return { from: query.from, to: query.to };
}
