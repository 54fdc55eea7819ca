import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { createHash, randomUUID } from 'node:crypto';
import type { Actor, RequestCommand } from '@desk/domain';
import type { FastifyReply } from 'fastify';
import { ImpactWrite, RequestWrite, type CommandEnvelope } from '@desk/application';
import { ApiProblems, BadRequestProblem, CurrentActor, ETAG_HEADER, IdParam, QUERY_PROBLEMS, Roles } from '@desk/http';
import { ApiCommand, CommandAnswer, answer } from '../http/command-answer';
import { Envelope } from '../http/command-envelope.decorator';
import { parseIsoTime } from '@desk/domain';
import { NoBody } from '../http/validation.pipe';
import {
  AssignBody,
  AsOfQuery,
  CommentBody,
  CompensationBody,
  HoldBody,
  ImpactBody,
  OpenRequestBody,
  OptionalReasonBody,
  PriorityBody,
  ReasonBody,
  ResolveBody,
  SatisfactionBody,
  TransferBody,
  requestCommandData,
} from './request.dto';
import { RequestQueries } from './request-queries';
import { ApiAnswer } from '../http/answer-fields';
import { RequestHistoryResponse, RequestResponse, RequesterHistoryResponse, RequesterRequestResponse } from './requests.responses';

const WORKERS = ['agent', 'manager'] as const;
const WORKERS_AND_REQUESTER = ['agent', 'manager', 'requester'] as const;

/** A request id derived from the Idempotency-Key, so a retried open lands on the same stream. */
function requestIdFromKey(scopedKey: string): string {
  const hex = createHash('sha256').update(scopedKey).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

@ApiTags('requests')
@ApiBearerAuth()
@Controller('requests')
export class RequestsController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(RequestQueries) private readonly queries: RequestQueries,
  ) {}

  private async run(id: string, command: RequestCommand, envelope: CommandEnvelope, reply: FastifyReply): Promise<CommandAnswer> {
    return answer(reply, await this.commands.execute(new RequestWrite(id, command, envelope)));
  }

  @Post()
  @Roles(...WORKERS_AND_REQUESTER)
  @ApiOperation({ summary: "Open a request; it lands in the department's queue with its SLA due times" })
  @ApiCommand('OpenRequest', { status: 201, location: '/requests/{id}' })
  async open(@Body() body: OpenRequestBody, @Envelope() envelope: CommandEnvelope, @Res({ passthrough: true }) reply: FastifyReply) {
    const id = body.id ?? (envelope.idempotencyKey ? requestIdFromKey(envelope.idempotencyKey) : randomUUID());
    const command: RequestCommand = {
      type: 'OpenRequest',
      data: requestCommandData.open(body, id),
    };
    const result = await this.run(id, command, envelope, reply);
    void reply.status(201).header('location', `/requests/${id}`);
    return result;
  }

  @Post(':id/assign')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({ summary: 'Assign (or reassign) to an agent' })
  @ApiCommand('AssignRequest')
  assign(
    @Param('id', IdParam) id: string,
    @Body() body: AssignBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'AssignRequest', data: requestCommandData.assign(body) }, envelope, reply);
  }

  @Post(':id/start')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({ summary: 'Start work on an assigned request' })
  @ApiCommand('StartWork')
  start(
    @Param('id', IdParam) id: string,
    @Body() _: NoBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'StartWork', data: {} }, envelope, reply);
  }

  @Post(':id/hold')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({ summary: 'Put on hold: awaiting the requester (pauses the SLA clock), a third party, or another request' })
  @ApiCommand('PutOnHold')
  hold(
    @Param('id', IdParam) id: string,
    @Body() body: HoldBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'PutOnHold', data: requestCommandData.hold(body) }, envelope, reply);
  }

  @Post(':id/resume')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({ summary: 'Resume work on a request on hold' })
  @ApiCommand('ResumeWork')
  resume(
    @Param('id', IdParam) id: string,
    @Body() _: NoBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'ResumeWork', data: {} }, envelope, reply);
  }

  @Post(':id/resolve')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({ summary: 'Resolve with a resolution' })
  @ApiCommand('ResolveRequest')
  resolve(
    @Param('id', IdParam) id: string,
    @Body() body: ResolveBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'ResolveRequest', data: requestCommandData.resolve(body) }, envelope, reply);
  }

  @Post(':id/close')
  @HttpCode(200)
  @Roles(...WORKERS_AND_REQUESTER)
  @ApiOperation({ summary: 'Close a resolved request (by its requester or an agent)' })
  @ApiCommand('CloseRequest')
  close(
    @Param('id', IdParam) id: string,
    @Body() _: NoBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'CloseRequest', data: {} }, envelope, reply);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Roles(...WORKERS_AND_REQUESTER)
  @ApiOperation({ summary: 'Cancel (withdraw) an open request' })
  @ApiCommand('CancelRequest')
  cancel(
    @Param('id', IdParam) id: string,
    @Body() body: OptionalReasonBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'CancelRequest', data: requestCommandData.cancel(body) }, envelope, reply);
  }

  @Post(':id/reopen')
  @HttpCode(200)
  @Roles(...WORKERS_AND_REQUESTER)
  @ApiOperation({ summary: 'Reopen a resolved request (back to in progress)' })
  @ApiCommand('ReopenRequest')
  reopen(
    @Param('id', IdParam) id: string,
    @Body() body: OptionalReasonBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'ReopenRequest', data: requestCommandData.reopen(body) }, envelope, reply);
  }

  @Post(':id/comments')
  @Roles(...WORKERS_AND_REQUESTER)
  @ApiOperation({ summary: 'Comment, public or internal; the first public agent reply is the first response' })
  @ApiCommand('AddComment', { status: 201 })
  async comment(
    @Param('id', IdParam) id: string,
    @Body() body: CommentBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const commentId = envelope.idempotencyKey ? requestIdFromKey(`comment\u0000${envelope.idempotencyKey}`) : randomUUID();
    const result = await this.run(id, { type: 'AddComment', data: requestCommandData.comment(body, commentId) }, envelope, reply);
    void reply.status(201);
    return result;
  }

  @Post(':id/transfer')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({ summary: "Transfer to another department's queue (back to new there)" })
  @ApiCommand('TransferRequest')
  transfer(
    @Param('id', IdParam) id: string,
    @Body() body: TransferBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'TransferRequest', data: requestCommandData.transfer(body) }, envelope, reply);
  }

  @Post(':id/escalate')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({ summary: 'Escalate one support tier (L1 → L2 → L3)' })
  @ApiCommand('EscalateRequest')
  escalate(
    @Param('id', IdParam) id: string,
    @Body() body: ReasonBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'EscalateRequest', data: requestCommandData.escalate(body) }, envelope, reply);
  }

  @Post(':id/priority')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({ summary: 'Change priority (or impact and urgency); re-targets the SLA' })
  @ApiCommand('ChangePriority')
  priority(
    @Param('id', IdParam) id: string,
    @Body() body: PriorityBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(
      id,
      {
        type: 'ChangePriority',
        data: requestCommandData.priority(body),
      },
      envelope,
      reply,
    );
  }

  @Post(':id/satisfaction')
  @HttpCode(200)
  @Roles('requester')
  @ApiOperation({ summary: 'Rate satisfaction 1–5 after resolution (the requester only)' })
  @ApiCommand('RateSatisfaction')
  rate(
    @Param('id', IdParam) id: string,
    @Body() body: SatisfactionBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    return this.run(id, { type: 'RateSatisfaction', data: requestCommandData.rate(body) }, envelope, reply);
  }

  @Post(':id/compensation')
  @HttpCode(200)
  @Roles(...WORKERS)
  @ApiOperation({
    summary: 'Offer compensation to an external requester',
    description:
      "One offer carries at most the desk's COMPENSATION_MAX_PER_OFFER in its currency (1,000 in any currency by default); more, or a currency the desk does not offer, is a 409.",
  })
  @ApiCommand('OfferCompensation')
  compensate(
    @Param('id', IdParam) id: string,
    @Body() body: CompensationBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const compensationId = envelope.idempotencyKey ? requestIdFromKey(`compensation\u0000${envelope.idempotencyKey}`) : randomUUID();
    return this.run(
      id,
      {
        type: 'OfferCompensation',
        data: requestCommandData.compensate(body, compensationId),
      },
      envelope,
      reply,
    );
  }

  @Post(':id/impacts')
  @Roles(...WORKERS)
  @ApiOperation({ summary: 'Record that this request blocks or degrades another (no self-links, no cycles)' })
  @ApiCommand('LinkImpact', { status: 201 })
  async link(
    @Param('id', IdParam) id: string,
    @Body() body: ImpactBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commands.execute(
      new ImpactWrite(
        id,
        {
          type: 'LinkImpact',
          data: requestCommandData.link(body, id),
        },
        envelope,
      ),
    );
    void reply.status(201);
    return answer(reply, result);
  }

  @Delete(':id/impacts/:effectRequestId')
  @Roles(...WORKERS)
  @ApiOperation({ summary: 'Remove an impact link' })
  @ApiCommand('UnlinkImpact')
  async unlink(
    @Param('id', IdParam) id: string,
    @Param('effectRequestId', IdParam) effectRequestId: string,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commands.execute(
      new ImpactWrite(id, { type: 'UnlinkImpact', data: { causeRequestId: id, effectRequestId } }, envelope),
    );
    return answer(reply, result);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A request as it stands (ETag: its revision), or as it stood at ?asOf=<time>' })
  @ApiAnswer([RequestResponse, RequesterRequestResponse], {
    description: "Staff see the whole request (with its ETag); a requester sees their own request's requester view",
    headers: ETAG_HEADER,
  })
  @ApiProblems(...QUERY_PROBLEMS)
  async get(
    @Param('id', IdParam) id: string,
    @Query() query: AsOfQuery,
    @CurrentActor() actor: Actor,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const view = await this.queries.request(id, actor, parseAsOf(query.asOf));
    // A requester's view has no revision (internal activity moves it), so no ETag either.
    if ('revision' in view) void reply.header('etag', `"${view.revision}"`);
    return view;
  }

  @Get(':id/history')
  @ApiOperation({ summary: "The request's events, oldest first" })
  @ApiAnswer([RequestHistoryResponse, RequesterHistoryResponse], {
    description: 'Staff see every event as recorded; a requester sees the events of their own request they may see',
  })
  @ApiProblems(...QUERY_PROBLEMS)
  history(@Param('id', IdParam) id: string, @Query() query: AsOfQuery, @CurrentActor() actor: Actor) {
    return this.queries.history(id, actor, parseAsOf(query.asOf));
  }
}

function parseAsOf(asOf: string | undefined): Date | undefined {
  if (asOf === undefined) return undefined;
  const time = parseIsoTime(asOf);
  if (!time) throw new BadRequestProblem('asOf must be an ISO 8601 time', { asOf: 'not a time' });
  return time;
}
