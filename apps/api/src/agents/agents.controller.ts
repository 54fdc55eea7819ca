import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AgentWrite, type CommandEnvelope } from '@desk/application';
import { agentById, listAgents } from '@desk/read-models';
import { ApiMinPositionHeader, ApiProblems, IdParam, NotFoundProblem, QUERY_PROBLEMS, Roles } from '@desk/http';
import { ApiAnswer } from '../http/answer-fields';
import { ApiCommand, answer } from '../http/command-answer';
import { Envelope } from '../http/command-envelope.decorator';
import { FreshReadQuery, FreshReads } from '../read-models/fresh-reads';
import { AgentsQuery, ChangeAgentBody, RegisterAgentBody, agentCommandData } from './agent.dto';
import { directoryAnswer, directoryKey } from './directory-query';
import { AgentPageResponse, AgentResponse } from './agents.responses';

const DIRECTORY = ['directory'];

@ApiTags('agents')
@ApiBearerAuth()
@Controller('agents')
export class AgentsController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(FreshReads) private readonly freshReads: FreshReads,
  ) {}

  @Post()
  @Roles('manager', 'operator')
  @ApiOperation({
    summary: 'Register an agent: the departments whose requests they may be assigned, and their support tier',
    description:
      'Every department named must exist (404). Assigning a request to an agent nobody registered is a 404, to one outside its department a 409.',
  })
  @ApiCommand('RegisterAgent', { status: 201, location: '/agents/{id}' })
  async register(@Body() body: RegisterAgentBody, @Envelope() envelope: CommandEnvelope, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.commands.execute(
      new AgentWrite(body.id, { type: 'RegisterAgent', data: agentCommandData.register(body) }, envelope),
    );
    void reply.status(201).header('location', `/agents/${body.id}`);
    return answer(reply, result);
  }

  @Patch(':id')
  @HttpCode(200)
  @Roles('manager', 'operator')
  @ApiOperation({
    summary: "Change an agent's name, departments (the whole new list: an agent moving teams) or tier",
    description:
      'Give at least one field; a change that changes nothing is a 409. Requests already assigned stay assigned when the agent leaves their department: reassign them.',
  })
  @ApiCommand('ChangeAgent')
  async change(
    @Param('id', IdParam) id: string,
    @Body() body: ChangeAgentBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commands.execute(new AgentWrite(id, { type: 'ChangeAgent', data: agentCommandData.change(body) }, envelope));
    return answer(reply, result);
  }

  @Get()
  @Roles('agent', 'manager', 'operator', 'analyst')
  @ApiOperation({
    summary: 'The agents, by name: an assignee picker',
    description: 'Filter by the department they work in and part of the name; cursor pagination (pass nextCursor back as cursor).',
  })
  @ApiAnswer(AgentPageResponse)
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS)
  async list(@Query() query: AgentsQuery, @Headers('x-min-position') minPosition: string | undefined): Promise<AgentPageResponse> {
    return directoryAnswer(() =>
      this.freshReads.answer(directoryKey('agents', query), DIRECTORY, query, minPosition, ({ db }) =>
        listAgents(db, { departmentId: query.departmentId, q: query.q, limit: query.limit ?? 50, cursor: query.cursor }),
      ),
    );
  }

  @Get(':id')
  @Roles('agent', 'manager', 'operator', 'analyst')
  @ApiOperation({ summary: 'An agent: their name, tier and the departments they work in' })
  @ApiAnswer(AgentResponse)
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS)
  async get(
    @Param('id', IdParam) id: string,
    @Query() query: FreshReadQuery,
    @Headers('x-min-position') minPosition: string | undefined,
  ): Promise<AgentResponse> {
    const agent = await this.freshReads.answer(`agent\u0000${id}\u0000${JSON.stringify(query)}`, DIRECTORY, query, minPosition, ({ db }) =>
      agentById(db, id),
    );
    if (!agent) throw new NotFoundProblem(`no agent ${id}`);
    return agent;
  }
}
