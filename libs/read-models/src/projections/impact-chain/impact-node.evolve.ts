import { OPEN_STATUSES, type RequestEvent, type RequestStatus } from '@desk/domain';
import type { ImpactNodeRow } from '../../store/read-model-tables';
import { priorityRank } from '../priority-rank';

/** Request events that change what the impact graph knows of a request. */
export const IMPACT_NODE_EVENT_TYPES = [
  'RequestOpened',
  'RequestAssigned',
  'RequestWorkStarted',
  'RequestPutOnHold',
  'RequestResumed',
  'RequestResolved',
  'RequestClosed',
  'RequestCancelled',
  'RequestReopened',
  'RequestTransferred',
  'RequestPriorityChanged',
] as const;

/** A request as a node of the impact graph, after one of its events. Replayed events (revision not above the row's) change nothing. */
export function evolveImpactNode(row: ImpactNodeRow | undefined, event: RequestEvent, revision: number): ImpactNodeRow | undefined {
  if (event.type === 'RequestOpened') {
    if (row) return row;
    const { data } = event;
    const rank = priorityRank(data.priority);
    return {
      request_id: data.requestId,
      revision,
      department_id: data.departmentId,
      requester_id: data.requesterId,
      audience: data.audience,
      exposed_to_external: data.exposedToExternal ? 1 : 0,
      subject: data.subject,
      status: 'new',
      is_open: 1,
      priority: data.priority,
      priority_rank: rank,
      resolution_due_at: data.sla?.resolutionDueAt ?? null,
      effective_priority: data.priority,
      effective_rank: rank,
      blocks_requests: 0,
      blocks_external_requests: 0,
      blocks_external_customers: 0,
      blocks_exposed_requests: 0,
      inherited_deadline: null,
    };
  }
  if (!row || revision <= row.revision) return row;
  const next = { ...row, revision };
  switch (event.type) {
    case 'RequestAssigned':
      return withStatus(next, 'assigned');
    case 'RequestWorkStarted':
      return withStatus(next, 'in_progress');
    case 'RequestPutOnHold':
      return withStatus(next, 'on_hold');
    case 'RequestResumed':
      return { ...withStatus(next, 'in_progress'), resolution_due_at: event.data.resolutionDueAt };
    case 'RequestResolved':
      return withStatus(next, 'resolved');
    case 'RequestClosed':
      return withStatus(next, 'closed');
    case 'RequestCancelled':
      return withStatus(next, 'cancelled');
    case 'RequestReopened':
      return { ...withStatus(next, 'in_progress'), resolution_due_at: event.data.resolutionDueAt };
    case 'RequestTransferred':
      return { ...withStatus(next, 'new'), department_id: event.data.toDepartmentId };
    case 'RequestPriorityChanged':
      return {
        ...next,
        priority: event.data.to,
        priority_rank: priorityRank(event.data.to),
        resolution_due_at: event.data.resolutionDueAt,
      };
    default:
      return next;
  }
}

/** Whether the change matters to what the request, or anything upstream of it, blocks. */
export function changesImpact(before: ImpactNodeRow | undefined, after: ImpactNodeRow): boolean {
  return (
    !before ||
    before.is_open !== after.is_open ||
    before.priority_rank !== after.priority_rank ||
    before.resolution_due_at !== after.resolution_due_at
  );
}

function withStatus(row: ImpactNodeRow, status: RequestStatus): ImpactNodeRow {
  return { ...row, status, is_open: OPEN_STATUSES.includes(status) ? 1 : 0 };
}
