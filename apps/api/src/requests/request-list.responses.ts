import { CHANNELS, HOLD_REASONS, PRIORITIES, REQUEST_STATUSES } from '@desk/domain';
import { REQUEST_LIST_SORTS, SORT_ORDERS, type RequesterRequestRow, type RequestListPage, type RequestRow } from '@desk/read-models';
import { Answer } from '../http/answer-fields';
import { RequestRowResponse } from '../queues/queues.responses';

const LIST_SORTS = [...REQUEST_LIST_SORTS, 'rank'] as const;

/** A page of the request list as staff see it: whole rows. */
export class RequestListPageResponse implements RequestListPage<RequestRow> {
  @Answer.time({ description: 'The time SLA states were computed against' })
  asOf: string;

  @Answer.oneOf(LIST_SORTS, { description: 'The order of the page (rank: best match first, with a full-text search)' })
  sort: RequestListPage['sort'];

  @Answer.oneOf(SORT_ORDERS)
  order: RequestListPage['order'];

  @Answer.list(() => RequestRowResponse)
  items: RequestRowResponse[];

  @Answer.string({ nullable: true, description: 'Pass back as cursor (with the same sort and order) for the next page; null on the last' })
  nextCursor: string | null;
}

/** A row as its requester sees it: the fields the requester view names, no staff-only text. */
export class RequesterRequestRowResponse implements RequesterRequestRow {
  @Answer.id()
  requestId: string;

  @Answer.id({ example: 'cust-1' })
  requesterId: string;

  @Answer.string({ nullable: true, example: 'Anna (reception)' })
  requesterName: string | null;

  @Answer.id({ example: 'it' })
  departmentId: string;

  @Answer.string({ nullable: true, example: 'IT' })
  departmentName: string | null;

  @Answer.string({ example: 'Phones at reception are dead' })
  subject: string;

  @Answer.oneOf(REQUEST_STATUSES)
  status: string;

  @Answer.oneOf(PRIORITIES)
  priority: string;

  @Answer.oneOf(CHANNELS)
  channel: string;

  @Answer.string({ nullable: true, example: 'telephony' })
  category: string | null;

  @Answer.time()
  openedAt: string;

  @Answer.id({ nullable: true, example: 'agent-ann' })
  assigneeId: string | null;

  @Answer.string({ nullable: true, example: 'Ann' })
  assigneeName: string | null;

  @Answer.time({ nullable: true, description: 'When a first answer is due' })
  firstResponseDueAt: string | null;

  @Answer.time({ nullable: true, description: 'When a resolution is due' })
  resolutionDueAt: string | null;

  @Answer.oneOf(HOLD_REASONS, { nullable: true, description: 'While on hold: why it waits' })
  holdReason: string | null;

  @Answer.time({ nullable: true, description: 'While on hold: since when' })
  heldAt: string | null;

  @Answer.id({ nullable: true, description: 'Their own earlier request, which this one follows up' })
  followUpOf: string | null;
}

/** A page of "my requests": a requester's own requests, as the requester view shows them. */
export class RequesterRequestListPageResponse implements RequestListPage<RequesterRequestRow> {
  @Answer.time({ description: 'The time the page was read' })
  asOf: string;

  @Answer.oneOf(LIST_SORTS)
  sort: RequestListPage['sort'];

  @Answer.oneOf(SORT_ORDERS)
  order: RequestListPage['order'];

  @Answer.list(() => RequesterRequestRowResponse)
  items: RequesterRequestRowResponse[];

  @Answer.string({ nullable: true, description: 'Pass back as cursor (with the same sort and order) for the next page; null on the last' })
  nextCursor: string | null;
}
