import {
  SEARCH_HIT_FIELDS,
  SORT_ORDERS,
  type RequesterRequestRow,
  type RequestListPage,
  type RequestRow,
  type SearchedRow,
  type SearchHit,
  type SearchPage,
  RANKED_AT_ONCE,
} from '@desk/read-models';
import { Answer } from '../http/answer-fields';
import { RequestRowResponse } from '../queues/queues.responses';
import { RequesterRequestRowResponse } from './request-list.responses';

/** Where a word searched for stands in a snippet. */
export class SearchHighlightResponse {
  @Answer.integer({ min: 0, description: 'UTF-16 offset of its first character in the snippet', example: 4 })
  start: number;

  @Answer.integer({ min: 0, description: 'UTF-16 offset just after its last character', example: 11 })
  end: number;
}

/** Where a full-text search (q) matched a request. */
export class SearchMatchResponse implements SearchHit {
  @Answer.oneOf(SEARCH_HIT_FIELDS, {
    description:
      'The field of most weight that holds a word searched for: subject, description, comments (public) or, for staff, internalComments',
  })
  field: SearchHit['field'];

  @Answer.string({
    description: 'About two dozen words of that field around the first match, … where it was cut',
    example: 'The printer shows error E42 again',
  })
  snippet: string;

  @Answer.list(() => SearchHighlightResponse, { description: 'The words searched for within the snippet, in order' })
  highlights: SearchHighlightResponse[];
}

/** How a search page was ranked: the same field on the staff's and the requester's pages. */
const rankedWithin = () =>
  Answer.integer({
    min: 1,
    nullable: true,
    example: null,
    description: `Null: every match was ranked against every other. A number N (${RANKED_AT_ONCE}): the search matched more than N requests, so they are ranked within ranges of requests in the order they were opened, newest range first: the newest N, then each older range twice as wide (a page then costs about the same however common the words are)`,
  });

const RANK_SORTS = ['rank', 'updatedAt', 'openedAt', 'dueAt', 'effectivePriority'] as const;

/** A list row found by a search, as staff see it. */
export class SearchedRequestRowResponse extends RequestRowResponse implements SearchedRow<RequestRow> {
  @Answer.nested(() => SearchMatchResponse, {
    nullable: true,
    description: 'Where the search matched (null if no field shows the words as searched)',
  })
  match: SearchMatchResponse | null;
}

/** A list row found by a search, as its requester sees it. */
export class SearchedRequesterRowResponse extends RequesterRequestRowResponse implements SearchedRow<RequesterRequestRow> {
  @Answer.nested(() => SearchMatchResponse, { nullable: true, description: 'Where the search matched, in what the requester may read' })
  match: SearchMatchResponse | null;
}

/** A page of requests a full-text search matched, as staff see them. */
export class RequestSearchPageResponse implements SearchPage<RequestRow> {
  @Answer.time({ description: 'The time SLA states were computed against' })
  asOf: string;

  @Answer.oneOf(RANK_SORTS, { description: 'rank (best match first) unless a sort was asked for' })
  sort: RequestListPage['sort'];

  @Answer.oneOf(SORT_ORDERS)
  order: RequestListPage['order'];

  @Answer.list(() => SearchedRequestRowResponse)
  items: SearchedRequestRowResponse[];

  @Answer.string({
    nullable: true,
    description: 'Pass back as cursor (with the same q, sort and order) for the next page; null on the last',
  })
  nextCursor: string | null;

  @rankedWithin()
  rankedWithin: number | null;
}

/** A page of a requester's own requests a full-text search matched. */
export class RequesterRequestSearchPageResponse implements SearchPage<RequesterRequestRow> {
  @Answer.time({ description: 'The time the page was read' })
  asOf: string;

  @Answer.oneOf(RANK_SORTS)
  sort: RequestListPage['sort'];

  @Answer.oneOf(SORT_ORDERS)
  order: RequestListPage['order'];

  @Answer.list(() => SearchedRequesterRowResponse)
  items: SearchedRequesterRowResponse[];

  @Answer.string({
    nullable: true,
    description: 'Pass back as cursor (with the same q, sort and order) for the next page; null on the last',
  })
  nextCursor: string | null;

  @rankedWithin()
  rankedWithin: number | null;
}
