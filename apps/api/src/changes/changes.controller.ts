import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OutgoingHttpHeaders } from 'node:http';
import { ID_PATTERN, type Actor } from '@desk/domain';
import { parseChangeId, type ChangeCursor, type ChangeFilter } from '@desk/read-models';
import { ApiProblems, ProblemError, CurrentActor, Roles } from '@desk/http';
import { PatternField } from '../http/fields';
import { ChangeFeed } from './change-feed';
import { ChangeStreams } from './change-streams';
import { FieldChangeResponse, RequestChangeResponse } from './changes.responses';

/** What GET /changes needs besides the stores, the read side and the config: one feed for the process, and the streams. */
export const CHANGES_PROVIDERS = [ChangeFeed, ChangeStreams];

const ID = ID_PATTERN.source.slice(1, -1);
const CHANGE_ID = /^\d{1,20}(:\d{1,3})?$/;
const CHANGE_ID_MESSAGE = 'must be the id of a change this stream sent (a log position, digits, or position:seq)';

export class ChangesQuery {
  @PatternField(new RegExp(`^${ID}(,${ID})*$`), 'must be a comma-separated list of department ids', {
    optional: true,
    max: 2000,
    description: 'Only changes of requests in these departments (after the change, or before it: a request moved away is seen leaving).',
    example: 'it,front-desk',
  })
  departmentId?: string;

  @PatternField(ID_PATTERN, 'must be a request id', { optional: true, max: 128, description: 'Only changes of this request.' })
  requestId?: string;

  @PatternField(/^(true|false)$/, 'must be true or false', {
    optional: true,
    max: 5,
    description:
      "Only the caller's own requests: for a requester those they opened (always, whatever this says), for staff those assigned to them " +
      '(or taken from them).',
  })
  mine?: string;

  @PatternField(CHANGE_ID, CHANGE_ID_MESSAGE, {
    optional: true,
    max: 24,
    description:
      'Resume after this change (the id of the last event received; 0: from the start of the history), for clients that cannot send ' +
      'the Last-Event-ID header, which wins when both are sent (an EventSource sends it when it reconnects).',
  })
  lastEventId?: string;
}

@ApiTags('queries')
@ApiBearerAuth()
@ApiExtraModels(RequestChangeResponse, FieldChangeResponse)
@Controller('changes')
export class ChangesController {
  constructor(@Inject(ChangeStreams) private readonly streams: ChangeStreams) {}

  @Get()
  @Roles('requester', 'agent', 'manager', 'operator', 'analyst')
  @ApiOperation({
    summary: "Live changes of requests' summaries, as Server-Sent Events",
    description:
      'A text/event-stream: one `change` event per change of a request summary, its `id` the log position of the event that made it ' +
      '(`position:seq` for the further changes one event made), its data a RequestChangeResponse; a `: keep-alive` comment while idle. ' +
      'Without Last-Event-ID (or lastEventId) it starts from now; with it, it sends every change after that one, none twice, ' +
      'then follows live. A requester receives changes of their own requests only, with the fields their view of a request shows. ' +
      'At most CHANGES_STREAMS_PER_SUBJECT streams per token subject (429 beyond).',
  })
  @ApiProduces('text/event-stream')
  @ApiHeader({
    name: 'Last-Event-ID',
    required: false,
    description: 'The id of the last change received: resume right after it.',
    schema: { type: 'string', pattern: CHANGE_ID.source },
  })
  @ApiResponse({
    status: 200,
    description: 'The stream: `event: change`, `id: <position>[:seq]`, `data: <RequestChangeResponse as JSON>`',
    content: { 'text/event-stream': { schema: { $ref: getSchemaPath(RequestChangeResponse) } } },
  })
  // 429 also past the streams a subject or the desk may have open; 503 when the read models do not answer.
  @ApiProblems(400, 401, 403, 429, 503)
  async follow(
    @Query() query: ChangesQuery,
    @Headers('last-event-id') lastEventIdHeader: string | undefined,
    @CurrentActor() actor: Actor,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const after = startingCursor(lastEventIdHeader, query.lastEventId);
    const filter: ChangeFilter = {};
    if (query.departmentId !== undefined) filter.departmentIds = [...new Set(query.departmentId.split(','))];
    if (query.requestId !== undefined) filter.requestId = query.requestId;
    if (actor.role === 'requester') filter.requesterId = actor.id;
    else if (query.mine === 'true') filter.assigneeId = actor.id;
    const stream = await this.streams.reserve({
      subject: actor.id,
      viewer: actor.role === 'requester' ? 'requester' : 'staff',
      filter,
      after,
    });
    // From here the answer is the stream's own: fastify sends nothing more for it.
    reply.hijack();
    const headers = reply.getHeaders() as OutgoingHttpHeaders;
    delete headers['content-length'];
    request.raw.socket.setNoDelay(true);
    stream.start(reply.raw, headers);
  }
}

/** Where a stream starts: after the Last-Event-ID header's change, else lastEventId's, else from now (undefined). */
function startingCursor(header: string | undefined, parameter: string | undefined): ChangeCursor | undefined {
  const given = header !== undefined && header.trim() !== '' ? header.trim() : undefined;
  if (given !== undefined) {
    const cursor = CHANGE_ID.test(given) ? parseChangeId(given) : undefined;
    if (!cursor) throw new ProblemError(400, 'Invalid input', `Last-Event-ID ${CHANGE_ID_MESSAGE}`, { 'Last-Event-ID': CHANGE_ID_MESSAGE });
    return cursor;
  }
  return parameter === undefined ? undefined : parseChangeId(parameter);
}
