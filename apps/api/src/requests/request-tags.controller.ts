import { Body, Controller, Delete, HttpCode, Inject, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequestWrite, type CommandEnvelope } from '@desk/application';
import { IdParam, Roles } from '@desk/http';
import { answer, ApiCommand, type CommandAnswer } from '../http/command-answer';
import { Envelope } from '../http/command-envelope.decorator';
import { TagBody } from './tag.dto';

/**
 * Tags on a request, through the one write path: staff classify requests for filters (GET /requests?tag=) and
 * reports. Adding a tag the request carries, or removing one it does not, records nothing and answers the
 * request's current revision: both are safe to retry.
 */
@ApiTags('requests')
@ApiBearerAuth()
@Controller('requests')
export class RequestTagsController {
  constructor(@Inject(CommandBus) private readonly commands: CommandBus) {}

  @Post(':id/tags')
  @HttpCode(200)
  @Roles('agent', 'manager')
  @ApiOperation({
    summary: 'Tag a request (a lower-case slug; at most 20 tags a request; tagging twice changes nothing)',
    description: 'Allowed in every status, closed and cancelled included.',
  })
  @ApiCommand('TagRequest')
  async tag(
    @Param('id', IdParam) id: string,
    @Body() body: TagBody,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandAnswer> {
    return answer(reply, await this.commands.execute(new RequestWrite(id, { type: 'TagRequest', data: { tag: body.tag } }, envelope)));
  }

  @Delete(':id/tags/:tag')
  @Roles('agent', 'manager')
  @ApiOperation({ summary: 'Take a tag off a request (one it does not carry changes nothing)' })
  @ApiCommand('UntagRequest')
  async untag(
    @Param('id', IdParam) id: string,
    @Param('tag') tag: string,
    @Envelope() envelope: CommandEnvelope,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CommandAnswer> {
    return answer(reply, await this.commands.execute(new RequestWrite(id, { type: 'UntagRequest', data: { tag } }, envelope)));
  }
}
