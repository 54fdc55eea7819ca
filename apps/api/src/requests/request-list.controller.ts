import { Controller, Get, Headers, Inject, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AUDIENCES,
  ID_PATTERN,
  ISO_TIME_PATTERN,
  parseIsoTime,
  PRIORITIES,
  REQUEST_STATUSES,
  TAG_FORMAT,
  TAG_LIMITS,
  TAG_PATTERN,
  type Actor,
  type Audience,
  type Priority,
  type RequestStatus,
} from '@desk/domain';
import {
  InvalidCursorError,
  InvalidSearchError,
  MAX_SEARCH_LENGTH,
  parseSearch,
  REQUEST_LIST_SORTS,
  requestList,
  searchRequestList,
  SORT_ORDERS,
  type RequestListSort,
  type SearchQuery,
  type SortOrder,
} from '@desk/read-models';
import { ApiMinPositionHeader, ApiProblems, BadRequestProblem, CurrentActor, Roles } from '@desk/http';
import { ApiAnswer } from '../http/answer-fields';
import { RequesterRequestListPageResponse, RequestListPageResponse } from './request-list.responses';
import { EnumField, IntegerField, PatternField, TextField } from '../http/fields';
import { RequesterRequestSearchPageResponse, RequestSearchPageResponse } from './request-search.responses';
import { AsOfQuery, FreshReads } from '../read-models/fresh-reads';

const list = (values: readonly string[]) => new RegExp(`^(${values.join('|')})(,(${values.join('|')}))*$`);
const ID = ID_PATTERN.source.slice(1, -1);

export class RequestListQuery extends AsOfQuery {
  @PatternField(list(REQUEST_STATUSES), `must be a comma-separated list of ${REQUEST_STATUSES.join(', ')}`, { optional: true, max: 200 })
  status?: string;

  @PatternField(new RegExp(`^${ID}(,${ID}){0,19}$`), 'must be a comma-separated list of up to 20 department ids', {
    optional: true,
    max: 2600,
  })
  departmentId?: string;

  @PatternField(ID_PATTERN, 'must be an agent id, or "none" for unassigned requests', { optional: true, max: 128 })
  assigneeId?: string;

  @PatternField(ID_PATTERN, 'must be a customer id', {
    optional: true,
    max: 128,
    description: 'The requester. A requester always gets their own requests only, whatever this says.',
  })
  requesterId?: string;

  @PatternField(list(AUDIENCES), `must be a comma-separated list of ${AUDIENCES.join(', ')}`, { optional: true, max: 40 })
  audience?: string;

  @PatternField(list(PRIORITIES), `must be a comma-separated list of ${PRIORITIES.join(', ')}`, { optional: true, max: 60 })
  priority?: string;

  // eslint-disable-next-line no-control-regex -- control characters are exactly what a category must not hold
  @PatternField(/^[^\u0000-\u001f\u007f]+$/, 'must be a category: 1 to 100 characters, no control characters', {
    optional: true,
    max: 100,
  })
  category?: string;

  @PatternField(TAG_PATTERN, TAG_FORMAT, { optional: true, max: TAG_LIMITS.maxLength, description: 'Requests that carry this tag.' })
  tag?: string;

  @PatternField(ISO_TIME_PATTERN, 'must be an ISO 8601 time', {
    optional: true,
    max: 40,
    description: 'Requests whose last change (updatedAt) is after this time.',
  })
  updatedAfter?: string;

  @PatternField(ISO_TIME_PATTERN, 'must be an ISO 8601 time', {
    optional: true,
    max: 40,
    description: 'Requests whose last change (updatedAt) is before this time.',
  })
  updatedBefore?: string;

  @EnumField(REQUEST_LIST_SORTS, {
    optional: true,
    description:
      'Sort key (default updatedAt). effectivePriority descending is the most urgent first; requests without a due time come last.',
  })
  sort?: RequestListSort;

  @EnumField(SORT_ORDERS, { optional: true, description: 'Sort order (default desc).' })
  order?: SortOrder;

  @IntegerField({ optional: true, min: 1, max: 200, description: 'Page size (default 50).' })
  limit?: number;

  @PatternField(/^[A-Za-z0-9_-]+$/, 'must be a cursor this route gave out', { optional: true, max: 512 })
  cursor?: string;

  @TextField(
    { min: 1, max: MAX_SEARCH_LENGTH },
    {
      optional: true,
      example: 'printer -toner',
      description:
        'Full-text search over subject, description and comments (a requester: public comments of their own requests). Words match ' +
        'the words they begin, "quoted phrases" exactly, OR between two terms, -word leaves out. Sorted by rank (best first) ' +
        'unless sort is given; each row says where it matched (match).',
    },
  )
  q?: string;
}

/** A search text read, or a 400 naming q when there is nothing to look for in it. */
function searchOf(q: string | undefined): SearchQuery | undefined {
  if (q === undefined) return undefined;
  try {
    return parseSearch(q);
  } catch (error) {
    if (error instanceof InvalidSearchError) throw new BadRequestProblem(error.message, { q: error.message.replace(/^q: /, '') });
    throw error;
  }
}

const split = <T extends string>(value: string | undefined): T[] | undefined => (value ? (value.split(',') as T[]) : undefined);

/** An ISO time as the read models write it (toISOString), or a 400 naming the field when it names no time. */
function isoTime(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = parseIsoTime(value);
  if (!time) throw new BadRequestProblem(`${field}: not a valid time`, { [field]: 'is not a valid time' });
  return time.toISOString();
}

@ApiTags('queries')
@ApiBearerAuth()
@Controller('requests')
export class RequestListController {
  constructor(@Inject(FreshReads) private readonly freshReads: FreshReads) {}

  @Get()
  @Roles('requester', 'agent', 'manager', 'analyst', 'operator')
  @ApiAnswer([RequestListPageResponse, RequesterRequestListPageResponse, RequestSearchPageResponse, RequesterRequestSearchPageResponse], {
    description:
      'Staff get whole rows; a requester gets their own requests as the requester view shows them; with q, each row also says where it matched',
  })
  @ApiMinPositionHeader()
  @ApiProblems(400, 401, 403, 429, 503)
  @ApiOperation({
    summary: 'Every request, open or not, filtered and sorted (a requester: their own only)',
    description:
      'Rows as queues show them (names, updatedAt, hold reason, tags, SLA state), filtered by status, departments, assignee ' +
      '("none" for unassigned), requester, audience, priority, category, tag and the time of the last change; sorted by updatedAt ' +
      '(default, newest first), openedAt, dueAt or effectivePriority. Cursor pagination: pass nextCursor back as cursor with the ' +
      'same sort and order. A requester gets only their own requests, whatever requesterId says, without staff-only text.',
  })
  async list(@Query() query: RequestListQuery, @CurrentActor() actor: Actor, @Headers('x-min-position') minPosition: string | undefined) {
    const requester = actor.role === 'requester';
    const updatedAfter = isoTime('updatedAfter', query.updatedAfter);
    const updatedBefore = isoTime('updatedBefore', query.updatedBefore);
    const search = searchOf(query.q);
    const { waitMs: _wait, ...shape } = query;
    const key = `requests\u0000${requester ? actor.id : ''}\u0000${JSON.stringify(shape)}`;
    // A search reads request-search too: a word of a comment answered a moment ago is found with its minPosition.
    const readModels = ['request-summaries', 'impact-chain', 'directory', ...(search ? ['request-search'] : [])];
    try {
      if (search && query.asOf !== undefined) {
        throw new BadRequestProblem('q searches the requests as they are now; asOf does not apply to it', { asOf: 'not with q' });
      }
      return await this.freshReads.answer(key, readModels, query, minPosition, ({ db, tables, now }) => {
        const filter = {
          statuses: split<RequestStatus>(query.status),
          departmentIds: split(query.departmentId),
          assigneeId: query.assigneeId === 'none' ? null : query.assigneeId,
          requesterId: requester ? actor.id : query.requesterId,
          audiences: split<Audience>(query.audience),
          priorities: split<Priority>(query.priority),
          category: query.category,
          tag: query.tag,
          updatedAfter,
          updatedBefore,
          sort: query.sort ?? 'updatedAt',
          order: query.order ?? 'desc',
          limit: query.limit ?? 50,
          cursor: query.cursor,
        };
        const viewer = requester ? 'requester' : 'staff';
        // With q and no sort asked for, the best matches come first.
        return search
          ? searchRequestList(db, search, filter, query.sort === undefined, now, viewer)
          : requestList(tables, filter, now, viewer);
      });
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new BadRequestProblem(error.message, { cursor: 'is not a cursor of this list' });
      throw error;
    }
  }
}
