import { AUDIENCES, CHANNELS, HOLD_REASONS, IMPACT_RELATIONS, PRIORITIES, REQUEST_STATUSES, TIERS } from '@desk/domain';
import type { BlockingRequest, QueuePage, RequestRow, SlaView, TargetView } from '@desk/read-models';
import { Answer } from '../http/answer-fields';
import { CUSTOMER_KINDS } from '../requests/requests.responses';

export const SLA_STATES = ['ok', 'at_risk', 'breached'] as const;
export const TARGET_STATES = ['ok', 'at_risk', 'breached', 'met'] as const;

export class TargetViewResponse implements TargetView {
  @Answer.time()
  dueAt: string;

  @Answer.time({ nullable: true, description: 'When 75% of the target has run; null once met' })
  atRiskAt: string | null;

  @Answer.oneOf(TARGET_STATES)
  state: TargetView['state'];
}

export class SlaViewResponse implements SlaView {
  @Answer.oneOf(SLA_STATES, { description: 'The worse of its targets: ok, at_risk past 75% of a target, breached' })
  state: SlaView['state'];

  @Answer.nested(() => TargetViewResponse, { nullable: true })
  firstResponse: TargetViewResponse | null;

  @Answer.nested(() => TargetViewResponse, { nullable: true })
  resolution: TargetViewResponse | null;

  @Answer.time({ nullable: true, description: 'Set while the clock is stopped (on hold awaiting the requester, or resolved)' })
  clockPausedSince: string | null;
}

export class BlockingRequestResponse implements BlockingRequest {
  @Answer.id()
  requestId: string;

  @Answer.oneOf(IMPACT_RELATIONS)
  relation: string;

  @Answer.oneOf(REQUEST_STATUSES)
  status: string;

  @Answer.id({ example: 'facilities' })
  departmentId: string;

  @Answer.string()
  subject: string;
}

/** One request as queues and the request list show it: all a console needs to draw the row. */
export class RequestRowResponse implements RequestRow {
  @Answer.id()
  requestId: string;

  @Answer.string({ example: 'Phones at reception are dead' })
  subject: string;

  @Answer.oneOf(REQUEST_STATUSES)
  status: string;

  @Answer.oneOf(PRIORITIES)
  priority: string;

  @Answer.oneOf(PRIORITIES, { description: 'Its priority, raised by what it blocks' })
  effectivePriority: string;

  @Answer.oneOf(AUDIENCES)
  audience: string;

  @Answer.id({ example: 'it' })
  departmentId: string;

  @Answer.string({ nullable: true, example: 'IT', description: 'Null when the department is not in the read models' })
  departmentName: string | null;

  @Answer.id({ example: 'cust-1' })
  requesterId: string;

  @Answer.string({ nullable: true, example: 'Anna (reception)', description: 'From the directory; null when the requester is not in it' })
  requesterName: string | null;

  @Answer.oneOf(CUSTOMER_KINDS)
  requesterKind: string;

  @Answer.boolean()
  exposedToExternal: boolean;

  @Answer.id({ nullable: true, example: 'agent-ann' })
  assigneeId: string | null;

  @Answer.string({ nullable: true, example: 'Ann', description: 'From the directory; null when unassigned or the agent is not in it' })
  assigneeName: string | null;

  @Answer.oneOf(TIERS)
  tier: string;

  @Answer.string({ nullable: true, example: 'telephony' })
  category: string | null;

  @Answer.oneOf(CHANNELS)
  channel: string;

  @Answer.time()
  openedAt: string;

  @Answer.time({ description: 'Business time of the last change to the request' })
  updatedAt: string;

  @Answer.time({ nullable: true })
  firstResponseDueAt: string | null;

  @Answer.time({ nullable: true })
  resolutionDueAt: string | null;

  @Answer.time({ nullable: true, description: 'The earliest external due time downstream: the deadline this request inherits' })
  inheritedDeadline: string | null;

  @Answer.time({ nullable: true, description: 'The earlier of its own next due time and the inherited deadline (what queues sort by)' })
  dueAt: string | null;

  @Answer.nested(() => SlaViewResponse)
  sla: SlaViewResponse;

  @Answer.list(() => BlockingRequestResponse, { description: 'The open requests that block or degrade it' })
  blockedBy: BlockingRequestResponse[];

  @Answer.count({ example: 0 })
  blocksExternalRequests: number;

  @Answer.count({ example: 0 })
  blocksExternalCustomers: number;

  @Answer.id({ nullable: true, description: 'The request whose poor rating this one follows up' })
  followUpOf: string | null;

  @Answer.oneOf(HOLD_REASONS, { nullable: true, description: 'While on hold: why it waits' })
  holdReason: string | null;

  @Answer.time({ nullable: true, description: 'While on hold: since when' })
  heldAt: string | null;

  @Answer.string({ nullable: true, example: 'vendor ticket 4411', description: "While on hold: the staff's note (staff only)" })
  holdNote: string | null;

  @Answer.strings({ example: ['vpn', 'outage-0312'], description: 'Its tags, in the order they were added' })
  tags: string[];
}

export class QueuePageResponse implements QueuePage {
  @Answer.id({ example: 'it' })
  departmentId: string;

  @Answer.time({ description: 'The time SLA states were computed against' })
  asOf: string;

  @Answer.list(() => RequestRowResponse, { description: 'By effective priority, then due time' })
  items: RequestRowResponse[];

  @Answer.string({ nullable: true, description: 'Pass back as cursor for the next page; null on the last' })
  nextCursor: string | null;
}
