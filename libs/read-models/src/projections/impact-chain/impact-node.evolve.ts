import { OPEN_STATUSES, type RequestEvent, type RequestStatus } from '@desk/domain';
import type { ImpactNodeRow } from '../../store/read-model-tables';
import { priorityRank } from '../priority-rank';
import type { ImpactFigures } from './impact-closure';

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

/** What the impact graph knows of a request itself, without what it transitively blocks: what its history keeps. */
export type ImpactNodeState = Omit<ImpactNodeRow, keyof ImpactFigures>;

/** A request as a node of the impact graph, after one of its events. Replayed events (revision not above the row's) change nothing. */
export function evolveImpactNode(row: ImpactNodeRow | undefined, event: RequestEvent, revision: number): ImpactNodeRow | undefined {
  const next = evolveImpactState(row, event, revision);
  if (next === undefined || next === row) return row;
  if (row) return { ...row, ...next };
  return { ...next, ...ownFigures(next) };
}

/**
 * The same of the node's own state only (its history's versions): the transitive figures are the caller's. Returns
 * its argument itself when the event changes nothing.
 */
export function evolveImpactState(state: ImpactNodeState | undefined, event: RequestEvent, revision: number): ImpactNodeState | undefined {
  if (event.type === 'RequestOpened') {
    if (state) return state;
    const { data } = event;
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
      priority_rank: priorityRank(data.priority),
      resolution_due_at: data.sla?.resolutionDueAt ?? null,
    };
  }
  if (!state || revision <= state.revision) return state;
  const next = { ...pickState(state), revision };
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

/** The figures of a request that blocks nothing: its own priority. */
export function ownFigures(state: ImpactNodeState): ImpactFigures {
  return {
    effective_priority: state.priority,
    effective_rank: state.priority_rank,
    blocks_requests: 0,
    blocks_external_requests: 0,
    blocks_external_customers: 0,
    blocks_exposed_requests: 0,
    inherited_deadline: null,
  };
}

/** The state's own fields of a node row (a row also carries its figures). */
export function pickState(row: ImpactNodeState): ImpactNodeState {
  return {
    request_id: row.request_id,
    revision: row.revision,
    department_id: row.department_id,
    requester_id: row.requester_id,
    audience: row.audience,
    exposed_to_external: row.exposed_to_external,
    subject: row.subject,
    status: row.status,
    is_open: row.is_open,
    priority: row.priority,
    priority_rank: row.priority_rank,
    resolution_due_at: row.resolution_due_at,
  };
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

function withStatus(row: ImpactNodeState, status: RequestStatus): ImpactNodeState {
  return { ...row, status, is_open: OPEN_STATUSES.includes(status) ? 1 : 0 };
}
