import type { HoldReason, RequestStatus, SlaTargetKind } from '../shared/vocabulary';
import { restartClock, STARTED_CLOCK, stopClock, type SlaClock } from '../sla/sla-clock';
import type { RequestEvent, RequestOpened, SlaTerms } from './request.events';

/**
 * The SLA as the request lives it: the terms fixed at opening (re-targeted by
 * priority changes, moved by pauses) and its clock (sla/sla-clock.ts). Due
 * times are never nulled while the clock is stopped: they read "as of the
 * moment the clock stopped" until the restarting event moves them.
 */
export interface RequestSla extends SlaTerms, SlaClock {}

export interface RequestHold {
  reason: HoldReason;
  note: string | null;
  blockingRequestId: string | null;
  clockPaused: boolean;
  heldAt: string;
}

export interface FirstResponse {
  agentId: string;
  respondedAt: string;
  /** Null when there was no first-response target. */
  withinTarget: boolean | null;
}

/**
 * An opened request: what RequestOpened said (the department is the one whose
 * queue holds it now; a transfer changes it, not the SLA's department), and
 * what happened since.
 */
export type OpenedRequest = Omit<RequestOpened['data'], 'sla'> & {
  status: RequestStatus;
  assigneeId: string | null;
  hold: RequestHold | null;
  resolution: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  closedBy: 'requester' | 'agent' | 'system' | null;
  cancelReason: string | null;
  reopenCount: number;
  /** Null when the department had no service standard when the request was opened. */
  sla: RequestSla | null;
  firstResponse: FirstResponse | null;
  satisfaction: { score: number; comment: string | null } | null;
  /** Targets whose breach is recorded (each at most once). */
  breaches: readonly SlaTargetKind[];
  commentIds: readonly string[];
  compensationIds: readonly string[];
  /** Its tags, in the order they were added. */
  tags: readonly string[];
};

export type RequestState = { status: 'absent' } | OpenedRequest;

export const initialRequestState: RequestState = { status: 'absent' };

/** Statuses in which a request is still being worked (or waits to be). */
export const OPEN_STATUSES: readonly RequestStatus[] = ['new', 'assigned', 'in_progress', 'on_hold'];

export function evolveRequest(state: RequestState, event: RequestEvent): RequestState {
  if (event.type === 'RequestOpened') {
    const { sla, ...opened } = event.data;
    return {
      ...opened,
      status: 'new',
      assigneeId: null,
      hold: null,
      resolution: null,
      resolvedBy: null,
      resolvedAt: null,
      closedBy: null,
      cancelReason: null,
      reopenCount: 0,
      sla: sla ? { ...sla, ...STARTED_CLOCK } : null,
      firstResponse: null,
      satisfaction: null,
      breaches: [],
      commentIds: [],
      compensationIds: [],
      tags: [],
    };
  }
  if (state.status === 'absent') {
    // The decider never emits these for a request that was not opened: the stream is corrupt.
    throw new Error(`${event.type} applied to a request that was never opened`);
  }
  switch (event.type) {
    case 'RequestAssigned':
      return { ...state, status: 'assigned', assigneeId: event.data.agentId };
    case 'RequestWorkStarted':
      return { ...state, status: 'in_progress' };
    case 'RequestPutOnHold': {
      const { reason, note, blockingRequestId, clockPaused, heldAt } = event.data;
      return {
        ...state,
        status: 'on_hold',
        hold: { reason, note, blockingRequestId, clockPaused, heldAt },
        sla: state.sla && clockPaused ? stopClock(state.sla, heldAt) : state.sla,
      };
    }
    case 'RequestResumed':
      return { ...state, status: 'in_progress', hold: null, sla: restarted(state.sla, event.data) };
    case 'RequestResolved':
      return {
        ...state,
        status: 'resolved',
        hold: null,
        resolution: event.data.resolution,
        resolvedBy: event.data.resolvedBy,
        resolvedAt: event.data.resolvedAt,
        sla: state.sla ? stopClock(state.sla, event.data.resolvedAt) : null,
      };
    case 'RequestClosed':
      return { ...state, status: 'closed', closedBy: event.data.closedBy };
    case 'RequestCancelled':
      return { ...state, status: 'cancelled', hold: null, cancelReason: event.data.reason };
    case 'RequestReopened':
      return {
        ...state,
        status: 'in_progress',
        resolution: null,
        resolvedBy: null,
        resolvedAt: null,
        closedBy: null,
        reopenCount: state.reopenCount + 1,
        sla: restarted(state.sla, event.data),
      };
    case 'RequestTransferred':
      return { ...state, status: 'new', departmentId: event.data.toDepartmentId, assigneeId: null, hold: null };
    case 'RequestEscalated':
      return { ...state, tier: event.data.toTier };
    case 'RequestPriorityChanged': {
      const { to, impact, urgency, firstResponseMinutes, resolutionMinutes, firstResponseDueAt, resolutionDueAt } = event.data;
      return {
        ...state,
        priority: to,
        impact,
        urgency,
        sla: state.sla ? { ...state.sla, firstResponseMinutes, resolutionMinutes, firstResponseDueAt, resolutionDueAt } : null,
      };
    }
    case 'CommentAdded':
      return { ...state, commentIds: [...state.commentIds, event.data.commentId] };
    case 'FirstResponseGiven':
      return {
        ...state,
        firstResponse: {
          agentId: event.data.agentId,
          respondedAt: event.data.respondedAt,
          withinTarget: event.data.withinTarget,
        },
      };
    case 'SatisfactionRated':
      return { ...state, satisfaction: { score: event.data.score, comment: event.data.comment } };
    case 'CompensationOffered':
      return { ...state, compensationIds: [...state.compensationIds, event.data.compensationId] };
    case 'RequestTagged':
      return state.tags.includes(event.data.tag) ? state : { ...state, tags: [...state.tags, event.data.tag] };
    case 'RequestUntagged':
      return { ...state, tags: state.tags.filter((tag) => tag !== event.data.tag) };
    case 'SlaBreached':
      return state.breaches.includes(event.data.target) ? state : { ...state, breaches: [...state.breaches, event.data.target] };
    default: {
      const _: never = event;
      return state;
    }
  }
}

/** The clock restarted with the paused minutes the event counted, and the due times it moved. */
function restarted(
  sla: RequestSla | null,
  restart: { pausedMinutes: number; firstResponseDueAt: string | null; resolutionDueAt: string | null },
): RequestSla | null {
  if (!sla) return null;
  return {
    ...restartClock(sla, restart.pausedMinutes),
    firstResponseDueAt: restart.firstResponseDueAt,
    resolutionDueAt: restart.resolutionDueAt,
  };
}
