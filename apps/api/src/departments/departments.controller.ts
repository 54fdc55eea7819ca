import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Put, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Actor } from '@desk/domain';
import { listDepartments } from '@desk/read-models';
import { AggregateRepository, DepartmentWrite, departmentAggregate, type CommandEnvelope } from '@desk/application';
import { ApiMinPositionHeader, CurrentActor, ApiProblems, ETAG_HEADER, IdParam, NotFoundProblem, QUERY_PROBLEMS, Roles } from '@desk/http';
import { ApiAnswer } from '../http/answer-fields';
import { DepartmentResponse, type DepartmentView } from './departments.responses';
import { ApiCommand, answer } from '../http/command-answer';
import { Envelope } from '../http/command-envelope.decorator';
import { FreshReads } from '../read-models/fresh-reads';
import { DirectoryQuery, directoryAnswer, directoryKey } from '../agents/directory-query';
import { DepartmentPageResponse } from '../agents/directory.responses';
import { PublishServiceStandardBody, RegisterDepartmentBody, departmentCommandData } from './department.dto';

@ApiTags('departments')
@ApiBearerAuth()
@Controller('departments')
export class DepartmentsController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(AggregateRepository) private readonly repository: AggregateRepository,
    @Inject(FreshReads) private readonly freshReads: FreshReads,
  ) {}

  @Post()
  @Roles('manager', 'operator')
  @ApiOperation({ summary: 'Register a department that provides services' })
  @ApiCommand('RegisterDepartment', { status: 201, location: '/departments/{id}' })
  async register(
    @Body() body: RegisterDepartmentBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commands.execute(
      new DepartmentWrite(body.id, { type: 'RegisterDepartment', data: departmentCommandData.register(body) }, envelope),
    );
    void reply.status(201).header('location', `/departments/${body.id}`);
    return answer(reply, result);
  }

  @Put(':id/service-standard')
  @HttpCode(200)
  @Roles('manager', 'operator')
  @ApiOperation({ summary: 'Publish a new version of the service standard (targets per priority and audience, business hours)' })
  @ApiCommand('PublishServiceStandard')
  async publishStandard(
    @Param('id', IdParam) id: string,
    @Body() body: PublishServiceStandardBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commands.execute(
      new DepartmentWrite(
        id,
        {
          type: 'PublishServiceStandard',
          data: departmentCommandData.publish(body),
        },
        envelope,
      ),
    );
    return answer(reply, result);
  }

  @Get()
  @ApiOperation({
    summary: 'The departments, by name: a department picker',
    description:
      'Every role; requesters (a portal) get ids and names only. Part of the name with q; cursor pagination (pass nextCursor back as cursor).',
  })
  @ApiAnswer(DepartmentPageResponse)
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS)
  async list(
    @Query() query: DirectoryQuery,
    @CurrentActor() actor: Actor,
    @Headers('x-min-position') minPosition: string | undefined,
  ): Promise<DepartmentPageResponse> {
    const page = await directoryAnswer(() =>
      this.freshReads.answer(directoryKey('departments', query), ['request-summaries'], query, minPosition, ({ db }) =>
        listDepartments(db, { q: query.q, limit: query.limit ?? 50, cursor: query.cursor }),
      ),
    );
    if (actor.role !== 'requester') return page;
    return { ...page, items: page.items.map(({ departmentId, name }) => ({ departmentId, name })) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'A department and every version of its service standard' })
  @ApiAnswer(DepartmentResponse, { headers: ETAG_HEADER })
  @ApiProblems(...QUERY_PROBLEMS)
  async get(@Param('id', IdParam) id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<DepartmentView> {
    const loaded = await this.repository.load(departmentAggregate, id);
    if (loaded.state.status === 'absent' || loaded.revision === null) throw new NotFoundProblem(`no department ${id}`);
    void reply.header('etag', `"${loaded.revision}"`);
    return { ...loaded.state, revision: String(loaded.revision) };
  }
}
