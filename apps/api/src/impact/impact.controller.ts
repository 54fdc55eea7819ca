import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { chainDot, chainMermaid, impactBlockers, impactChain, InvalidCursorError } from '@desk/read-models';
import {
  ApiMinPositionHeader,
  ApiProblems,
  BadRequestProblem,
  IdParam,
  negotiatedMediaType,
  NotFoundProblem,
  QUERY_PROBLEMS,
  Roles,
} from '@desk/http';
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

/** The chain as JSON (the default), or drawn: Mermaid to paste into a wiki's ```mermaid block, Graphviz DOT for `dot -Tsvg`. */
const CHAIN_MEDIA_TYPES = ['application/json', 'text/vnd.mermaid', 'text/vnd.graphviz'] as const;
const DRAWINGS = {
  'text/vnd.mermaid': chainMermaid,
  'text/vnd.graphviz': chainDot,
} as const;

const MERMAID_EXAMPLE = [
  'flowchart LR',
  '  r0["it-switch<br/>it · in_progress<br/>Core switch failing"]',
  '  r1["ext-7<br/>support · new<br/>Orders cannot be placed"]',
  '  r0 ==>|blocks| r1',
  '  class r0 root',
  '  class r1 external',
  '  classDef root stroke-width:3px',
  '  classDef external fill:#fde2e2',
].join('\n');

const DOT_EXAMPLE = [
  'digraph impact {',
  '  rankdir=LR;',
  '  node [shape=box, style=rounded];',
  '  "it-switch" [label="it-switch\\nit · in_progress\\nCore switch failing", penwidth=3];',
  '  "ext-7" [label="ext-7\\nsupport · new\\nOrders cannot be placed", style="rounded,filled", fillcolor="#fde2e2"];',
  '  "it-switch" -> "ext-7" [label="blocks"];',
  '}',
].join('\n');

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
  @ApiExtraModels(ImpactChainResponse)
  @ApiResponse({
    status: 200,
    description: 'The chain: JSON by default; drawn as a Mermaid flowchart or Graphviz DOT when the Accept header asks for it',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ImpactChainResponse) } },
      'text/vnd.mermaid': { schema: { type: 'string' }, example: MERMAID_EXAMPLE },
      'text/vnd.graphviz': { schema: { type: 'string' }, example: DOT_EXAMPLE },
    },
  })
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS, 406)
  async chain(
    @Param('id', IdParam) id: string,
    @Query() query: AsOfQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
    @Headers('accept') accept?: string,
    @Headers('x-min-position') minPosition?: string,
  ) {
    // Asked first: a client that takes none of the representations learns it without the read being made.
    const mediaType = negotiatedMediaType(accept, CHAIN_MEDIA_TYPES);
    const { db, asOf } = await this.freshReads.view(IMPACT, query, minPosition);
    const chain = await impactChain(db, id, asOf);
    if (!chain) throw new NotFoundProblem(`no request ${id}`);
    void reply.header('vary', 'Accept');
    if (mediaType === 'application/json') return chain;
    void reply.type(`${mediaType}; charset=utf-8`);
    return DRAWINGS[mediaType](chain);
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
