import { Body, Controller, Get, Headers, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Actor } from '@desk/domain';
import type { FastifyReply } from 'fastify';
import { listCustomers } from '@desk/read-models';
import { AggregateRepository, CustomerWrite, customerAggregate, type CommandEnvelope } from '@desk/application';
import {
  ApiMinPositionHeader,
  ApiProblems,
  CurrentActor,
  ETAG_HEADER,
  ForbiddenProblem,
  IdParam,
  NotFoundProblem,
  QUERY_PROBLEMS,
  Roles,
} from '@desk/http';
import { ApiAnswer } from '../http/answer-fields';
import { ExternalCustomerResponse, InternalCustomerResponse, type CustomerView } from './customers.responses';
import { ApiCommand, answer } from '../http/command-answer';
import { Envelope } from '../http/command-envelope.decorator';
import { FreshReads } from '../read-models/fresh-reads';
import { directoryAnswer, directoryKey } from '../agents/directory-query';
import { CustomerPageResponse } from '../agents/directory.responses';
import { CustomersQuery, RegisterCustomerBody, customerCommandData } from './customer.dto';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('customers')
export class CustomersController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(AggregateRepository) private readonly repository: AggregateRepository,
    @Inject(FreshReads) private readonly freshReads: FreshReads,
  ) {}

  @Post()
  @Roles('manager', 'operator')
  @ApiOperation({ summary: 'Register an internal customer (employee, contractor…) or an external one (individual, business…)' })
  @ApiCommand('RegisterCustomer', { status: 201, location: '/customers/{id}' })
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

  @Get()
  @Roles('agent', 'manager', 'operator', 'analyst')
  @ApiOperation({
    summary: 'The customers, by name: a requester picker for staff',
    description:
      'Filter by type, kind, department (internal customers) and part of the name with q; cursor pagination (pass nextCursor back as cursor). Requesters may not list customers.',
  })
  @ApiAnswer(CustomerPageResponse)
  @ApiMinPositionHeader()
  @ApiProblems(...QUERY_PROBLEMS)
  async list(@Query() query: CustomersQuery, @Headers('x-min-position') minPosition: string | undefined): Promise<CustomerPageResponse> {
    return directoryAnswer(() =>
      this.freshReads.answer(directoryKey('customers', query), ['directory'], query, minPosition, ({ db }) =>
        listCustomers(db, {
          q: query.q,
          type: query.type,
          kind: query.kind,
          departmentId: query.departmentId,
          limit: query.limit ?? 50,
          cursor: query.cursor,
        }),
      ),
    );
  }

  @Get(':id')
  @ApiOperation({ summary: 'A customer; requesters may read only themselves' })
  @ApiAnswer([InternalCustomerResponse, ExternalCustomerResponse], { headers: ETAG_HEADER })
  @ApiProblems(...QUERY_PROBLEMS)
  async get(
    @Param('id', IdParam) id: string,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CustomerView> {
    if (actor.role === 'requester' && actor.id !== id) throw new ForbiddenProblem('requesters may only read their own customer record');
    const loaded = await this.repository.load(customerAggregate, id);
    if (loaded.state.status === 'absent' || loaded.revision === null) throw new NotFoundProblem(`no customer ${id}`);
    void reply.header('etag', `"${loaded.revision}"`);
    return { ...loaded.state, revision: String(loaded.revision) };
  }
}
