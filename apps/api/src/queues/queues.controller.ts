import { Controller, Get, Headers, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { OPEN_STATUSES, PRIORITIES, AUDIENCES, ID_PATTERN, type Audience, type Priority, type RequestStatus } from '@desk/domain';
import { departmentKnown, departmentQueue, InvalidCursorError } from '@desk/read-models';
import { ApiMinPositionHeader, ApiProblems, BadRequestProblem, IdParam, NotFoundProblem, QUERY_PROBLEMS, Roles } from '@desk/http';
import { ApiAnswer } from '../http/answer-fields';
import { QueuePageResponse } from './queues.responses';
import { IntegerField, PatternField } from '../http/fields';
import { AsOfQuery, FreshReads } from '../read-models/fresh-reads';

const list = (values: readonly string[]) => new RegExp(`^(${values.join('|')})(,(${values.join('|')}))*$`);

export class QueueQuery extends AsOfQuery {
  @PatternField(list(OPEN_STATUSES), `must be a comma-separated list of ${OPEN_STATUSES.join(', ')}`, { optional: true, max: 100 })
  status?: string;

  @PatternField(new RegExp(`${ID_PATTERN.source}`), 'must be an agent id, or "none" for unassigned requests', {
    optional: true,
    max: 128,
  })
  assigneeId?: string;

  @PatternField(list(AUDIENCES), `must be a comma-separated list of ${AUDIENCES.join(', ')}`, { optional: true, max: 40 })
  audience?: string;

  @PatternField(list(PRIORITIES), `must be a comma-separated list of ${PRIORITIES.join(', ')}`, { optional: true, max: 60 })
  priority?: string;

  @PatternField(list(PRIORITIES), `must be a comma-separated list of ${PRIORITIES.join(', ')}`, { optional: true, max: 60 })
  effectivePriority?: string;

  @IntegerField({ optional: true, min: 1, max: 200, description: 'Page size (default 50).' })
  limit?: number;

  @PatternField(/^[A-Za-z0-9_-]+$/, 'must be a cursor this route gave out', { optional: true, max: 512 })
  cursor?: string;
}

const split = <T extends string>(value: string | undefined): T[] | undefined => (value ? (value.split(',') as T[]) : undefined);

@ApiTags('queries')
@ApiBearerAuth()
@Controller('queues')
export class QueuesController {
  constructor(@Inject(FreshReads) private readonly freshReads: FreshReads) {}

  @Get(':departmentId')
  @Roles('agent', 'manager', 'operator', 'analyst')
  @ApiOperation({
    summary: "A department's open requests, by effective priority then due time",
    description:
      'Each item has its status, priority and effective priority (raised by what it blocks), audience, requester, assignee, tier, ' +
      'due times, SLA state (ok, at_risk past 75% of a target, breached), what blocks it and how many external requests it blocks. ' +
      'Cursor pagination: pass nextCursor back as cursor. With asOf, the queue as it stood then (SLA states at that time).',
  })
  @ApiAnswer(QueuePageResponse)
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS)
  async queue(
    @Param('departmentId', IdParam) departmentId: string,
    @Query() query: QueueQuery,
    @Headers('x-min-position') minPosition: string | undefined,
  ) {
    const { waitMs: _wait, ...shape } = query;
    const key = `queue\u0000${departmentId}\u0000${JSON.stringify(shape)}`;
    try {
      return await this.freshReads.answer(
        key,
        ['request-summaries', 'impact-chain', 'directory'],
        query,
        minPosition,
        async ({ tables, now, asOf }) => {
          if (!(await departmentKnown(tables, departmentId, asOf))) throw new NotFoundProblem(`no department ${departmentId}`);
          return departmentQueue(
            tables,
            departmentId,
            {
              statuses: split<RequestStatus>(query.status),
              assigneeId: query.assigneeId === 'none' ? null : query.assigneeId,
              audiences: split<Audience>(query.audience),
              priorities: split<Priority>(query.priority),
              effectivePriorities: split<Priority>(query.effectivePriority),
              limit: query.limit ?? 50,
              cursor: query.cursor,
            },
            now,
          );
        },
      );
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestProblem(error.message, { cursor: 'is not a cursor of this queue' });
      throw error;
    }
  }
}
