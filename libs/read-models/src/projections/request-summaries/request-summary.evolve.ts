import { DateTime } from 'luxon';
import {
  atRiskAt,
  breachDueAt,
  minutesRun,
  OPEN_STATUSES,
  reachedWithinTarget,
  restartClock,
  STARTED_CLOCK,
  stopClock,
  type BusinessCalendar,
  type RequestEvent,
  type RequestStatus,
  type SlaClock,
  type TargetProgress,
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

/**
 * One request's summary after one of its events: pure, so it is tested with
 * given events / then row. Events at or below the row's revision are
 * replays and change nothing. The SLA clock is the domain's (sla-clock.ts):
 * the row keeps its paused minutes and stop, copies what the events decided
 * (due times, minutes paused, whether a target was met in time, the business
 * minutes it took) and asks the clock only for what no event carries: risk
 * times, the breach-due facts, and the figures events of schema version 1
 * did not record yet.
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
    case 'RequestPutOnHold': {
      const { reason, note, heldAt } = event.data;
      const held = { ...next, status: 'on_hold', hold_reason: reason, hold_note: note, held_at: heldAt };
      return withDerived(event.data.clockPaused ? withClock(held, stopClock(clockOf(held), event.data.heldAt)) : held, calendarOf);
    }
    case 'RequestResumed':
      return withDerived(clockRestarted(released(next), event.data), calendarOf);
    case 'RequestResolved': {
      const { resolvedAt, withinTarget, businessMinutes } = event.data;
      const calendar = slaCalendar(next, calendarOf);
      const at = new Date(resolvedAt);
      const clock = clockOf(next);
      const resolved = {
        ...released(next),
        status: 'resolved',
        resolved_at: resolvedAt,
        resolved_day: localDay(resolvedAt, calendar),
        resolution_elapsed_minutes: minutesBetween(next.opened_at, resolvedAt),
        resolution_business_minutes: wholeMinutes(businessMinutes ?? minutesRun(next.opened_at, clock, at, calendar)),
        resolution_within_target: flag(withinTarget === undefined ? reachedWithinTarget(clock, next.resolution_due_at, at) : withinTarget),
      };
      return withDerived(withClock(resolved, stopClock(clock, resolvedAt)), calendarOf);
    }
    case 'RequestClosed':
      return withDerived({ ...next, status: 'closed', closed_at: facts.occurredAt }, calendarOf);
    case 'RequestCancelled':
      return withDerived({ ...released(next), status: 'cancelled', cancelled_at: facts.occurredAt }, calendarOf);
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
        {
          ...released(next),
          status: 'new',
          department_id: event.data.toDepartmentId,
          assignee_id: null,
          transfer_count: next.transfer_count + 1,
        },
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
      const { respondedAt, withinTarget, businessMinutes } = event.data;
      const minutes = businessMinutes ?? minutesRun(next.opened_at, clockOf(next), new Date(respondedAt), slaCalendar(next, calendarOf));
      return withDerived(
        {
          ...next,
          first_responded_at: respondedAt,
          first_response_within_target: flag(withinTarget),
          first_response_elapsed_minutes: minutesBetween(next.opened_at, respondedAt),
          first_response_business_minutes: wholeMinutes(minutes),
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
    case 'RequestTagged': {
      const tags = tagsOf(next);
      return tags.includes(event.data.tag) ? next : { ...next, tags: JSON.stringify([...tags, event.data.tag]) };
    }
    case 'RequestUntagged':
      return { ...next, tags: JSON.stringify(tagsOf(next).filter((tag) => tag !== event.data.tag)) };
    case 'CommentAdded':
    case 'CompensationOffered':
      return next;
    default: {
      const unhandled: never = event;
      return unhandled;
    }
  }
}

/** No longer on hold (resumed, resolved, cancelled, transferred): as the request's state fold, no hold. */
function released(row: RequestSummaryRow): RequestSummaryRow {
  return { ...row, hold_reason: null, hold_note: null, held_at: null };
}

/** The row's tags, in the order they were added (a JSON list in the row). */
export function tagsOf(row: Pick<RequestSummaryRow, 'tags'>): string[] {
  return JSON.parse(row.tags) as string[];
}

/** Back in progress with the clock running again: the paused minutes the event counted, and the due times it moved. */
function clockRestarted(
  row: RequestSummaryRow,
  moved: { pausedMinutes: number; firstResponseDueAt: string | null; resolutionDueAt: string | null },
): RequestSummaryRow {
  return {
    ...withClock(row, restartClock(clockOf(row), moved.pausedMinutes)),
    status: 'in_progress',
    first_response_due_at: moved.firstResponseDueAt,
    resolution_due_at: moved.resolutionDueAt,
  };
}

/** The row's SLA clock, as the domain's clock functions take it. */
function clockOf(row: RequestSummaryRow): SlaClock {
  return { pausedMinutes: row.paused_minutes, clockStoppedSince: row.clock_stopped_since };
}

function withClock(row: RequestSummaryRow, clock: SlaClock): RequestSummaryRow {
  return { ...row, paused_minutes: clock.pausedMinutes, clock_stopped_since: clock.clockStoppedSince };
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
    hold_reason: null,
    hold_note: null,
    held_at: null,
    tags: '[]',
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
    paused_minutes: STARTED_CLOCK.pausedMinutes,
    clock_stopped_since: STARTED_CLOCK.clockStoppedSince,
    first_response_breach_due_at: null,
    resolution_breach_due_at: null,
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

/** Columns that follow from the others: open or not, when each target turns at risk and when its breach falls due, the next due time. */
function withDerived(row: RequestSummaryRow, calendarOf: CalendarLookup): RequestSummaryRow {
  const calendar = slaCalendar(row, calendarOf);
  const atRisk = (target: number | null) => atRiskAt(row.opened_at, target, row.paused_minutes, calendar);
  const isOpen = OPEN_STATUSES.includes(row.status as RequestStatus);
  const pending = [
    row.first_responded_at === null ? row.first_response_due_at : null,
    row.resolved_at === null ? row.resolution_due_at : null,
  ].filter((due): due is string => due !== null);
  const firstResponseAtRisk =
    row.first_response_due_at === null
      ? null
      : // Once answered, the first-response target is settled: later pauses move neither its due time nor its risk time.
        row.first_responded_at !== null && row.first_response_at_risk_at !== null
        ? row.first_response_at_risk_at
        : atRisk(row.first_response_minutes);
  const resolutionAtRisk = row.resolution_due_at === null ? null : atRisk(row.resolution_minutes);
  const clock = clockOf(row);
  const cancelled = row.status === 'cancelled';
  const firstResponse: TargetProgress = {
    dueAt: row.first_response_due_at,
    atRiskAt: firstResponseAtRisk,
    reachedAt: row.first_responded_at,
    withinTarget: bool(row.first_response_within_target),
    breachRecorded: row.first_response_breached === 1,
  };
  const resolution: TargetProgress = {
    dueAt: row.resolution_due_at,
    atRiskAt: resolutionAtRisk,
    reachedAt: row.resolved_at,
    withinTarget: bool(row.resolution_within_target),
    breachRecorded: row.resolution_breached === 1,
  };
  return {
    ...row,
    is_open: isOpen ? 1 : 0,
    first_response_at_risk_at: firstResponseAtRisk,
    resolution_at_risk_at: resolutionAtRisk,
    first_response_breach_due_at: breachDueAt(firstResponse, clock, isOpen, cancelled),
    resolution_breach_due_at: breachDueAt(resolution, clock, isOpen, cancelled),
    next_due_at: isOpen && pending.length > 0 ? pending.sort()[0] : null,
  };
}

function slaCalendar(row: RequestSummaryRow, calendarOf: CalendarLookup): BusinessCalendar | null {
  return row.sla_department_id === null || row.sla_standard_version === null
    ? null
    : calendarOf(row.sla_department_id, row.sla_standard_version);
}

/** Business minutes as the figures show them: whole. */
function wholeMinutes(minutes: number): number {
  return Math.max(0, Math.round(minutes));
}

function flag(value: boolean | null): number | null {
  return value === null ? null : value ? 1 : 0;
}

function bool(value: number | null): boolean | null {
  return value === null ? null : value === 1;
}

/** The local date of an instant where the request's SLA is counted (UTC without a calendar). */
export function localDay(iso: string, calendar: BusinessCalendar | null): string {
  return DateTime.fromISO(iso, { zone: calendar?.timeZone ?? 'utc' }).toISODate() ?? iso.slice(0, 10);
}

function minutesBetween(from: string, to: string): number {
  return Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 60000));
}
