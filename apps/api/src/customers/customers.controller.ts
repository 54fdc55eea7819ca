import { Body, Controller, Get, Inject, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@desk/domain';
import type { FastifyReply } from 'fastify';
import { AggregateRepository, CustomerWrite, customerAggregate, type CommandEnvelope } from '@desk/application';
import { ForbiddenProblem, NotFoundProblem, CurrentActor, Roles, IdParam } from '@desk/http';
import { CommandAnswer, answer } from '../http/command-answer';
import { Envelope } from '../http/command-envelope.decorator';
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
      new CustomerWrite(
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
    const loaded = await this.repository.load(customerAggregate, id);
    if (loaded.state.status === 'absent' || loaded.revision === null) throw new NotFoundProblem(`no customer ${id}`);
    void reply.header('etag', `"${loaded.revision}"`);
    return { ...loaded.state, revision: String(loaded.revision) };
  }
}
