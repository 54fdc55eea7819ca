import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { EVENT_TYPES, ISO_TIME_PATTERN, parseIsoTime } from '@desk/domain';
import type { EventStore } from '@desk/event-store';
import { exportedEvents, exportLine, toJsonLine } from '@desk/application';
import { ApiProblems, BadRequestProblem, Roles } from '@desk/http';
import { ExportedEventResponse, ExportStoppedResponse } from './events.responses';
import { EVENT_STORE } from '../config/tokens';
import { IntegerField, PatternField } from '../http/fields';

const TYPE_LIST = new RegExp(`^(${EVENT_TYPES.join('|')})(,(${EVENT_TYPES.join('|')}))*$`);

export class EventsQuery {
  @PatternField(/^\d{1,20}$/, 'must be a log position (digits)', {
    optional: true,
    max: 20,
    description: 'Events strictly after this position (default: from the start).',
  })
  after?: string;

  @PatternField(TYPE_LIST, `must be a comma-separated list of event types (${EVENT_TYPES.join(', ')})`, { optional: true, max: 2000 })
  types?: string;

  @PatternField(
    /^[A-Za-z0-9._:-]{1,64}(,[A-Za-z0-9._:-]{1,64})*$/,
    'must be a comma-separated list of stream id prefixes such as request-',
    {
      optional: true,
      max: 1000,
    },
  )
  streamPrefix?: string;

  @PatternField(ISO_TIME_PATTERN, 'must be an ISO 8601 time', {
    optional: true,
    max: 40,
    description: 'Only events whose business time (occurredAt) is at or after this.',
  })
  from?: string;

  @PatternField(ISO_TIME_PATTERN, 'must be an ISO 8601 time', {
    optional: true,
    max: 40,
    description: 'Only events whose business time is before this.',
  })
  to?: string;

  @IntegerField({ optional: true, min: 1, max: 10_000_000, description: 'At most this many events.' })
  limit?: number;
}

/** The body of an export, with what each line is for readers (and the specs' validator) that take it line by line. */
const NDJSON_LINES = {
  type: 'string',
  description: 'One JSON object a line',
  'x-ndjson-line': { anyOf: [{ $ref: getSchemaPath(ExportedEventResponse) }, { $ref: getSchemaPath(ExportStoppedResponse) }] },
} as SchemaObject;

@ApiTags('analysts')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @Roles('analyst')
  @ApiOperation({
    summary: 'The global event log as NDJSON',
    description:
      'Streams events in log order from a position, filtered by event type, stream prefix and business time (occurredAt). ' +
      'Resume an interrupted export with after=<the last position received>. If the store fails midway, the last line is ' +
      '{"error": "..."} and the stream ends.',
  })
  @ApiExtraModels(ExportedEventResponse, ExportStoppedResponse)
  @ApiResponse({
    status: 200,
    description: 'One JSON object a line (ExportedEvent); a last line {"error"} (ExportStopped) if the store failed midway',
    content: {
      'application/x-ndjson': {
        schema: NDJSON_LINES,
      },
    },
  })
  @ApiProblems(400, 401, 403, 429, 503)
  export(@Query() query: EventsQuery, @Res() reply: FastifyReply): void {
    const from = query.from ? (parseIsoTime(query.from)?.getTime() ?? NaN) : undefined;
    const to = query.to ? (parseIsoTime(query.to)?.getTime() ?? NaN) : undefined;
    if ((query.from && Number.isNaN(from)) || (query.to && Number.isNaN(to))) {
      throw new BadRequestProblem('from/to: not a valid time', {
        [query.from && Number.isNaN(from) ? 'from' : 'to']: 'is not a valid time',
      });
    }
    if (from !== undefined && to !== undefined && from >= to)
      throw new BadRequestProblem(`from must be before to`, { from: 'is not before to' });
    const events = exportedEvents(this.store, {
      after: BigInt(query.after ?? '0'),
      eventTypes: query.types?.split(','),
      streamPrefixes: query.streamPrefix?.split(','),
      from,
      to,
      limit: query.limit,
    });
    async function* lines(): AsyncGenerator<string> {
      let last = query.after ?? '0';
      try {
        for await (const event of events) {
          last = String(event.position);
          yield exportLine(event);
        }
      } catch (error) {
        yield toJsonLine({ error: `the export stopped: ${(error as Error).message}; resume with after=${last}` }) + '\n';
      }
    }
    void reply.header('content-type', 'application/x-ndjson; charset=utf-8').send(Readable.from(lines()));
  }
}
