import { Controller, Get, Inject, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { EVENT_TYPES } from '@desk/domain';
import type { EventStore } from '@desk/event-store';
import { BadRequestProblem, exportLine } from '@desk/application';
import { Roles } from '../auth/roles.decorator';
import { EVENT_STORE } from '../config/tokens';
import { IntegerField, PatternField } from '../http/fields';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
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

  @PatternField(ISO_TIME, 'must be an ISO 8601 time', {
    optional: true,
    max: 40,
    description: 'Only events whose business time (occurredAt) is at or after this.',
  })
  from?: string;

  @PatternField(ISO_TIME, 'must be an ISO 8601 time', {
    optional: true,
    max: 40,
    description: 'Only events whose business time is before this.',
  })
  to?: string;

  @IntegerField({ optional: true, min: 1, max: 10_000_000, description: 'At most this many events.' })
  limit?: number;
}

const PAGE = 1000;

@ApiTags('analysts')
@ApiBearerAuth()
@Controller('events')
export class EventsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @Roles('analyst')
  @ApiProduces('application/x-ndjson')
  @ApiOperation({
    summary: 'The global event log as NDJSON',
    description:
      'Streams events in log order from a position, filtered by event type, stream prefix and business time (occurredAt). ' +
      'Resume an interrupted export with after=<the last position received>. If the store fails midway, the last line is ' +
      '{"error": "..."} and the stream ends.',
  })
  export(@Query() query: EventsQuery, @Res() reply: FastifyReply): void {
    const from = query.from ? Date.parse(query.from) : undefined;
    const to = query.to ? Date.parse(query.to) : undefined;
    if ((query.from && Number.isNaN(from)) || (query.to && Number.isNaN(to))) {
      throw new BadRequestProblem('from/to: not a valid time', {
        [query.from && Number.isNaN(from) ? 'from' : 'to']: 'is not a valid time',
      });
    }
    if (from !== undefined && to !== undefined && from >= to)
      throw new BadRequestProblem(`from must be before to`, { from: 'is not before to' });
    const store = this.store;
    const filter = { eventTypes: query.types?.split(','), streamPrefixes: query.streamPrefix?.split(',') };
    let remaining = query.limit ?? Number.POSITIVE_INFINITY;
    async function* lines(): AsyncGenerator<string> {
      let after = BigInt(query.after ?? '0');
      try {
        while (remaining > 0) {
          const page = await store.readAll({ ...filter, after, maxCount: PAGE });
          if (page.length === 0) return;
          for (const event of page) {
            const at = Date.parse(String(event.metadata.occurredAt));
            if ((from !== undefined && at < from) || (to !== undefined && at >= to)) continue;
            yield exportLine(event);
            if (--remaining <= 0) return;
          }
          after = page[page.length - 1].position;
        }
      } catch (error) {
        yield JSON.stringify({ error: `the export stopped: ${(error as Error).message}; resume with after=${after}` }) + '\n';
      }
    }
    void reply.header('content-type', 'application/x-ndjson; charset=utf-8').send(Readable.from(lines()));
  }
}
