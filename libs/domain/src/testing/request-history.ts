import type { RequestEvent, RequestOpened, RequestPutOnHold, RequestResolved } from '../request/request.events';
import type { RequestStatus } from '../shared/vocabulary';
import { MONDAY_9 } from './fixtures';

/**
 * Histories of request r-1: Eva (internal, HR) asks IT, priority high, opened
 * Monday 3 March 2025 09:00 Brussels. IT's standard v1 gives high/internal
 * 60 minutes to first response (10:00) and 480 to resolution (17:00).
 */
export const R = 'r-1';

export const opened: RequestOpened = {
  type: 'RequestOpened',
  data: {
    requestId: R,
    requesterId: 'emp-eva',
    audience: 'internal',
    requesterKind: 'employee',
    exposedToExternal: false,
    departmentId: 'it',
    subject: 'Laptop does not boot',
    description: 'Black screen since this morning',
    priority: 'high',
    impact: null,
    urgency: null,
    channel: 'portal',
    category: null,
    tier: 'L1',
    openedAt: MONDAY_9.toISOString(),
    sla: {
      departmentId: 'it',
      standardVersion: 1,
      firstResponseMinutes: 60,
      resolutionMinutes: 480,
      firstResponseDueAt: '2025-03-03T09:00:00.000Z',
      resolutionDueAt: '2025-03-03T16:00:00.000Z',
    },
  },
};

/** The same request opened by Carl, an external customer (high/external: 30 and 240 minutes). */
export const openedByClient: RequestOpened = {
  type: 'RequestOpened',
  data: {
    ...opened.data,
    requesterId: 'ext-carl',
    audience: 'external',
    requesterKind: 'individual',
    sla: {
      ...opened.data.sla!,
      firstResponseMinutes: 30,
      resolutionMinutes: 240,
      firstResponseDueAt: '2025-03-03T08:30:00.000Z',
      resolutionDueAt: '2025-03-03T12:00:00.000Z',
    },
  },
};

export const assigned: RequestEvent = { type: 'RequestAssigned', data: { requestId: R, agentId: 'agent-ann', previousAgentId: null } };
export const started: RequestEvent = { type: 'RequestWorkStarted', data: { requestId: R, agentId: 'agent-ann' } };

export function heldAt(at: Date, reason: RequestPutOnHold['data']['reason'] = 'awaiting_third_party'): RequestPutOnHold {
  return {
    type: 'RequestPutOnHold',
    data: {
      requestId: R,
      reason,
      note: null,
      blockingRequestId: reason === 'blocked_by_request' ? 'r-2' : null,
      clockPaused: reason === 'awaiting_requester',
      heldAt: at.toISOString(),
    },
  };
}

export function resolvedAt(at: Date): RequestResolved {
  return {
    type: 'RequestResolved',
    data: { requestId: R, resolution: 'Replaced the disk', resolvedBy: 'agent-ann', resolvedAt: at.toISOString() },
  };
}

export const closed: RequestEvent = { type: 'RequestClosed', data: { requestId: R, closedBy: 'requester' } };
export const cancelled: RequestEvent = { type: 'RequestCancelled', data: { requestId: R, reason: 'solved itself' } };

const NOON = new Date('2025-03-03T11:00:00.000Z');

/** A history that leaves r-1 in each status (held for a third party: the clock keeps running). */
export function historyTo(status: RequestStatus, first: RequestOpened = opened): RequestEvent[] {
  const histories: Record<RequestStatus, RequestEvent[]> = {
    new: [first],
    assigned: [first, assigned],
    in_progress: [first, assigned, started],
    on_hold: [first, assigned, started, heldAt(NOON)],
    resolved: [first, assigned, started, resolvedAt(NOON)],
    closed: [first, assigned, started, resolvedAt(NOON), closed],
    cancelled: [first, cancelled],
  };
  return histories[status];
}
