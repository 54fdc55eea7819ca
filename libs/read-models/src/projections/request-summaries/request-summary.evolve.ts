import { DateTime } from 'luxon';
import {
  addBusinessMinutes,
  businessMinutesBetween,
  OPEN_STATUSES,
  type BusinessCalendar,
  type RequestEvent,
  type RequestStatus,
} from '@desk/domain';
import type { RequestSummaryRow } from '../../store/read-model-tables';
import { priorityRank } from '../priority-rank';

/** The calendar a request's SLA is counted in: its standard's, or none (every minute counts). */
export type CalendarLookup = (departmentId: string, standardVersion: number) => BusinessCalendar | null;

/** What the summary needs of an event besides its data. */
export interface EventFacts {
  revision: number;
  /** Business time of the event (its metadata's occurredAt). */
  occurredAt: string;
}

const AT_RISK_SHARE = 0.75;

/**
 * One request's summary after one of its events: pure, so it is tested with
 * given events / then row. Events at or below the row's revision are
 * replays and change nothing.
 */
export function evolveRequestSummary(
  row: RequestSummaryRow | undefined,
  event: RequestEvent,
  facts: EventFacts,
  calendarOf: CalendarLookup,
): RequestSummaryRow | undefined {
  if (event.type === 'RequestOpened') {
    if (row) return row;
    return withDerived(opened(event, facts, calendarOf), calendarOf);
  }
  if (!row || facts.revision <= row.revision) return row;
  const next = { ...row, revision: facts.revision, last_event_at: facts.occurredAt };
  switch (event.type) {
    case 'RequestAssigned':
      return withDerived({ ...next, assignee_id: event.data.agentId, status: 'assigned' }, calendarOf);
    case 'RequestWorkStarted':
      return withDerived({ ...next, assignee_id: event.data.agentId, status: 'in_progress' }, calendarOf);
    case 'RequestPutOnHold':
      return withDerived(
        { ...next, status: 'on_hold', clock_stopped_since: event.data.clockPaused ? event.data.heldAt : next.clock_stopped_since },
        calendarOf,
      );
    case 'RequestResumed':
      return withDerived(clockRestarted(next, event.data), calendarOf);
    case 'RequestResolved': {
      const resolvedAt = event.data.resolvedAt;
      const calendar = slaCalendar(next, calendarOf);
      const stoppedBefore = next.clock_stopped_since;
      const reading = stoppedBefore ?? resolvedAt;
      return withDerived(
        {
          ...next,
          status: 'resolved',
          resolved_at: resolvedAt,
          resolved_day: localDay(resolvedAt, calendar),
          resolution_elapsed_minutes: minutesBetween(next.opened_at, resolvedAt),
          resolution_business_minutes: clockMinutes(next, resolvedAt, calendar),
          resolution_within_target: next.resolution_due_at === null ? null : reading <= next.resolution_due_at ? 1 : 0,
          clock_stopped_since: stoppedBefore ?? resolvedAt,
        },
        calendarOf,
      );
    }
    case 'RequestClosed':
      return withDerived({ ...next, status: 'closed', closed_at: facts.occurredAt }, calendarOf);
    case 'RequestCancelled':
      return withDerived({ ...next, status: 'cancelled', cancelled_at: facts.occurredAt }, calendarOf);
    case 'RequestReopened':
      return withDerived(
        {
          ...clockRestarted(next, event.data),
          resolved_at: null,
          resolved_day: null,
          resolution_elapsed_minutes: null,
          resolution_business_minutes: null,
          resolution_within_target: null,
          reopen_count: next.reopen_count + 1,
        },
        calendarOf,
      );
    case 'RequestTransferred':
      return withDerived(
        { ...next, status: 'new', department_id: event.data.toDepartmentId, assignee_id: null, transfer_count: next.transfer_count + 1 },
        calendarOf,
      );
    case 'RequestEscalated':
      return { ...next, tier: event.data.toTier };
    case 'RequestPriorityChanged':
      return withDerived(
        {
          ...next,
          priority: event.data.to,
          priority_rank: priorityRank(event.data.to),
          first_response_minutes: event.data.firstResponseMinutes,
          resolution_minutes: event.data.resolutionMinutes,
          first_response_due_at: event.data.firstResponseDueAt,
          resolution_due_at: event.data.resolutionDueAt,
        },
        calendarOf,
      );
    case 'FirstResponseGiven': {
      const calendar = slaCalendar(next, calendarOf);
      const respondedAt = event.data.respondedAt;
      return withDerived(
        {
          ...next,
          first_responded_at: respondedAt,
          first_response_within_target: event.data.withinTarget === null ? null : event.data.withinTarget ? 1 : 0,
          first_response_elapsed_minutes: minutesBetween(next.opened_at, respondedAt),
          first_response_business_minutes: clockMinutes(next, respondedAt, calendar),
        },
        calendarOf,
      );
    }
    case 'SatisfactionRated':
      return { ...next, satisfaction_score: event.data.score, satisfaction_comment: event.data.comment, rated_at: facts.occurredAt };
    case 'SlaBreached':
      return withDerived(
        event.data.target === 'first_response' ? { ...next, first_response_breached: 1 } : { ...next, resolution_breached: 1 },
        calendarOf,
      );
    case 'CommentAdded':
    case 'CompensationOffered':
      return next;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** Back in progress with the clock running again: the paused minutes counted and the due times moved by them. */
function clockRestarted(
  row: RequestSummaryRow,
  moved: { pausedMinutes: number; firstResponseDueAt: string | null; resolutionDueAt: string | null },
): RequestSummaryRow {
  return {
    ...row,
    status: 'in_progress',
    paused_minutes: row.paused_minutes + moved.pausedMinutes,
    clock_stopped_since: null,
    first_response_due_at: moved.firstResponseDueAt,
    resolution_due_at: moved.resolutionDueAt,
  };
}

function opened(event: Extract<RequestEvent, { type: 'RequestOpened' }>, facts: EventFacts, calendarOf: CalendarLookup): RequestSummaryRow {
  const data = event.data;
  const sla = data.sla;
  const calendar = sla ? calendarOf(sla.departmentId, sla.standardVersion) : null;
  return {
    request_id: data.requestId,
    revision: facts.revision,
    department_id: data.departmentId,
    requester_id: data.requesterId,
    audience: data.audience,
    requester_kind: data.requesterKind,
    exposed_to_external: data.exposedToExternal ? 1 : 0,
    subject: data.subject,
    category: data.category,
    channel: data.channel,
    status: 'new',
    is_open: 1,
    priority: data.priority,
    priority_rank: priorityRank(data.priority),
    tier: data.tier,
    assignee_id: null,
    opened_at: data.openedAt,
    opened_day: localDay(data.openedAt, calendar),
    sla_department_id: sla?.departmentId ?? null,
    sla_standard_version: sla?.standardVersion ?? null,
    first_response_minutes: sla?.firstResponseMinutes ?? null,
    resolution_minutes: sla?.resolutionMinutes ?? null,
    first_response_due_at: sla?.firstResponseDueAt ?? null,
    resolution_due_at: sla?.resolutionDueAt ?? null,
    first_response_at_risk_at: null,
    resolution_at_risk_at: null,
    paused_minutes: 0,
    clock_stopped_since: null,
    first_responded_at: null,
    first_response_within_target: null,
    first_response_elapsed_minutes: null,
    first_response_business_minutes: null,
    first_response_breached: 0,
    resolution_breached: 0,
    resolved_at: null,
    resolved_day: null,
    resolution_elapsed_minutes: null,
    resolution_business_minutes: null,
    resolution_within_target: null,
    closed_at: null,
    cancelled_at: null,
    next_due_at: null,
    satisfaction_score: null,
    satisfaction_comment: null,
    rated_at: null,
    follow_up_of: data.followUpOf ?? null,
    follow_up_request_id: null,
    reopen_count: 0,
    transfer_count: 0,
    last_event_at: facts.occurredAt,
  };
}

/** Columns that follow from the others: open or not, when each target turns at risk, the next due time. */
function withDerived(row: RequestSummaryRow, calendarOf: CalendarLookup): RequestSummaryRow {
  const calendar = slaCalendar(row, calendarOf);
  const atRisk = (target: number | null) =>
    target === null
      ? null
      : addBusinessMinutes(new Date(row.opened_at), Math.ceil(target * AT_RISK_SHARE) + row.paused_minutes, calendar).toISOString();
  const isOpen = OPEN_STATUSES.includes(row.status as RequestStatus);
  const pending = [
    row.first_responded_at === null ? row.first_response_due_at : null,
    row.resolved_at === null ? row.resolution_due_at : null,
  ].filter((due): due is string => due !== null);
  return {
    ...row,
    is_open: isOpen ? 1 : 0,
    // Once answered, the first-response target is settled: later pauses move neither its due time nor its risk time.
    first_response_at_risk_at:
      row.first_response_due_at === null
        ? null
        : row.first_responded_at !== null && row.first_response_at_risk_at !== null
          ? row.first_response_at_risk_at
          : atRisk(row.first_response_minutes),
    resolution_at_risk_at: row.resolution_due_at === null ? null : atRisk(row.resolution_minutes),
    next_due_at: isOpen && pending.length > 0 ? pending.sort()[0] : null,
  };
}

function slaCalendar(row: RequestSummaryRow, calendarOf: CalendarLookup): BusinessCalendar | null {
  return row.sla_department_id === null || row.sla_standard_version === null
    ? null
    : calendarOf(row.sla_department_id, row.sla_standard_version);
}

/**
 * Business minutes the SLA clock ran from opening to `at`: the pauses it
 * already counted and the stop under way (a hold awaiting the requester, or
 * the time resolved) left out; whole minutes, as the figures show them.
 */
function clockMinutes(row: RequestSummaryRow, at: string, calendar: BusinessCalendar | null): number {
  const stopped = row.clock_stopped_since;
  const running =
    businessMinutesBetween(new Date(row.opened_at), new Date(at), calendar) -
    row.paused_minutes -
    (stopped && stopped < at ? businessMinutesBetween(new Date(stopped), new Date(at), calendar) : 0);
  return Math.max(0, Math.round(running));
}

/** The local date of an instant where the request's SLA is counted (UTC without a calendar). */
export function localDay(iso: string, calendar: BusinessCalendar | null): string {
  return DateTime.fromISO(iso, { zone: calendar?.timeZone ?? 'utc' }).toISODate() ?? iso.slice(0, 10);
}

function minutesBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60000));
}
