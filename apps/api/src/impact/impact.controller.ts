import { Controller, Get, Headers, Inject, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { impactBlockers, impactChain, InvalidCursorError } from '@desk/read-models';
import { ApiMinPositionHeader, ApiProblems, BadRequestProblem, IdParam, NotFoundProblem, QUERY_PROBLEMS, Roles } from '@desk/http';
import { ApiAnswer } from '../http/answer-fields';
import { BlockerPageResponse, ImpactChainResponse } from './impact.responses';
import { IdField, IntegerField, PatternField } from '../http/fields';
import { AsOfQuery, FreshReads } from '../read-models/fresh-reads';

export class BlockersQuery extends AsOfQuery {
  @IdField({ optional: true, description: 'Only internal requests of this department.' })
  departmentId?: string;

  @IntegerField({ optional: true, min: 1, max: 200, description: 'Page size (default 50).' })
  limit?: number;

  @PatternField(/^[A-Za-z0-9_-]+$/, 'must be a cursor this route gave out', { optional: true, max: 512 })
  cursor?: string;
}

const IMPACT = ['impact-chain'];

@ApiTags('queries')
@ApiBearerAuth()
@Controller('impact')
export class ImpactController {
  constructor(@Inject(FreshReads) private readonly freshReads: FreshReads) {}

  @Get('requests/:id')
  @Roles('agent', 'manager', 'operator', 'analyst')
  @ApiOperation({
    summary: "A request's impact chain",
    description:
      'Upstream causes and downstream effects, transitively, with their depth; the open external requests and distinct external ' +
      'customers it affects through links that hold (both ends open), and the earliest external due time downstream: the deadline it inherits.',
  })
  @ApiAnswer(ImpactChainResponse)
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS)
  async chain(@Param('id', IdParam) id: string, @Query() query: AsOfQuery, @Headers('x-min-position') minPosition?: string) {
    const { db, asOf } = await this.freshReads.view(IMPACT, query, minPosition);
    const chain = await impactChain(db, id, asOf);
    if (!chain) throw new NotFoundProblem(`no request ${id}`);
    return chain;
  }

  @Get('blockers')
  @Roles('agent', 'manager', 'operator', 'analyst')
  @ApiOperation({
    summary: 'Open internal requests ranked by the external customers they block',
    description:
      'Which internal fix unblocks the most external customers; requests exposed through customer-facing employees are listed too.',
  })
  @ApiAnswer(BlockerPageResponse)
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS)
  async blockers(@Query() query: BlockersQuery, @Headers('x-min-position') minPosition?: string) {
    const { db, asOf } = await this.freshReads.view(IMPACT, query, minPosition);
    try {
      return await impactBlockers(
        db,
        {
          departmentId: query.departmentId,
          limit: query.limit ?? 50,
          cursor: query.cursor,
        },
        asOf,
      );
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestProblem(error.message, { cursor: 'is not a cursor of this list' });
      throw error;
    }
  }
}
