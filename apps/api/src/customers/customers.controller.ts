import { Body, Controller, Get, Inject, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { customerDecider, customerStream, type Actor } from '@desk/domain';
import type { FastifyReply } from 'fastify';
import { CurrentActor } from '../auth/auth.guard';
import { Roles } from '../auth/roles.decorator';
import { AggregateRepository, ExecuteCustomerCommand, type CommandEnvelope, ForbiddenProblem, NotFoundProblem } from '@desk/application';
import { CommandAnswer, answer } from '../http/command-answer';
import { Envelope } from '../http/command-envelope.decorator';
import { IdParam } from '../http/id-param.pipe';
import { RegisterCustomerBody, customerCommandData } from './customer.dto';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers')
export class CustomersController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(AggregateRepository) private readonly repository: AggregateRepository,
  ) {}

  @Post()
  @Roles('manager', 'operator')
  @ApiOperation({ summary: 'Register an internal customer (employee, contractor…) or an external one (individual, business…)' })
  @ApiOkResponse({ type: CommandAnswer })
  async register(
    @Body() body: RegisterCustomerBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commands.execute(
      new ExecuteCustomerCommand(
        body.id,
        {
          type: 'RegisterCustomer',
          data: customerCommandData.register(body),
        },
        envelope,
      ),
    );
    void reply.status(201).header('location', `/customers/${body.id}`);
    return answer(reply, result);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A customer; requesters may read only themselves' })
  async get(@Param('id', IdParam) id: string, @CurrentActor() actor: Actor, @Res({ passthrough: true }) reply: FastifyReply) {
    if (actor.role === 'requester' && actor.id !== id) throw new ForbiddenProblem('requesters may only read their own customer record');
    const loaded = await this.repository.load(customerStream(id), customerDecider);
    if (loaded.state.status === 'absent' || loaded.revision === null) throw new NotFoundProblem(`no customer ${id}`);
    void reply.header('etag', `"${loaded.revision}"`);
    return { ...loaded.state, revision: String(loaded.revision) };
  }
}
