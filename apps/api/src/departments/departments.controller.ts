import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AggregateRepository, DepartmentWrite, departmentAggregate, type CommandEnvelope } from '@desk/application';
import { NotFoundProblem, Roles, IdParam } from '@desk/http';
import { CommandAnswer, answer } from '../http/command-answer';
import { Envelope } from '../http/command-envelope.decorator';
import { PublishServiceStandardBody, RegisterDepartmentBody, departmentCommandData } from './department.dto';

@ApiTags('departments')
@ApiBearerAuth()
@Controller('departments')
export class DepartmentsController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(AggregateRepository) private readonly repository: AggregateRepository,
  ) {}

  @Post()
  @Roles('manager', 'operator')
  @ApiOperation({ summary: 'Register a department that provides services' })
  @ApiOkResponse({ type: CommandAnswer })
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
  @ApiOkResponse({ type: CommandAnswer })
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

  @Get(':id')
  @ApiOperation({ summary: 'A department and every version of its service standard' })
  async get(@Param('id', IdParam) id: string, @Res({ passthrough: true }) reply: FastifyReply) {
    const loaded = await this.repository.load(departmentAggregate, id);
    if (loaded.state.status === 'absent' || loaded.revision === null) throw new NotFoundProblem(`no department ${id}`);
    void reply.header('etag', `"${loaded.revision}"`);
    return { ...loaded.state, revision: String(loaded.revision) };
  }
}
