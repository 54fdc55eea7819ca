import type { RequestEvent } from '@desk/domain';
import type { RequestSummaryRow, WorkloadFactRow } from '../../store/read-model-tables';
import { localDay, type CalendarLookup } from '../request-summaries/request-summary.evolve';

/** A fact as one event records it, before the projection gives it its key (the event's position and a sequence). */
export type WorkloadFact = Omit<WorkloadFactRow, 'position' | 'seq'>;

/**
 * The workload facts one event of a request records, given the request's
 * summary before and after it (both from evolveRequestSummary, so business
 * minutes and whether a target was met come from the domain's SLA clock, as
 * the summary's do). Pure: tested as given rows and event, then facts.
 *
 * Semantics, which the workload's response descriptions repeat:
 * - every fact belongs to the department, audience and assignee the request
 *   had when it happened: a transferred request's intake stays with the
 *   department it was opened in, its resolution goes to the one resolving it;
 * - `at` is the event's business time (occurredAt), so the facts up to T are
 *   what had happened at T whatever order the log recorded them in; `day` is
 *   the local day of the request's SLA calendar, as the summary's
 *   opened_day and resolved_day;
 * - a reopened request resolved again counts two resolutions, each with the
 *   minutes from opening to that resolution, and its resolution target is
 *   settled again by the second (unless a breach was recorded: a target
 *   breached stays breached);
 * - an SLA target has one outcome per settling: met when reached within
 *   target with no breach recorded, breached when reached late or when the
 *   SLA watch records its breach (SlaBreached) before it is reached; a breach
 *   recorded, then the target reached, is one outcome.
 */
export function workloadFacts(
  before: RequestSummaryRow | undefined,
  after: RequestSummaryRow | undefined,
  event: RequestEvent,
  occurredAt: string,
  calendarOf: CalendarLookup,
): WorkloadFact[] {
  if (!after || after === before) return [];
  const fact = (kind: WorkloadFact['kind'], day: string, fields: Partial<WorkloadFact> = {}): WorkloadFact => ({
    at: occurredAt,
    day,
    kind,
    department_id: after.department_id,
    audience: after.audience,
    agent_id: after.assignee_id,
    request_id: after.request_id,
    follow_up: after.follow_up_of === null ? 0 : 1,
    target: null,
    outcome: null,
    business_minutes: null,
    elapsed_minutes: null,
    score: null,
    ...fields,
  });
  const today = () => {
    const version = after.sla_standard_version;
    const calendar = after.sla_department_id === null || version === null ? null : calendarOf(after.sla_department_id, version);
    return localDay(occurredAt, calendar);
  };
  const outcome = (target: 'first_response' | 'resolution', withinTarget: number | null) =>
    withinTarget === null ? [] : [fact('sla', today(), { target, outcome: withinTarget === 1 ? 'met' : 'breached' })];

  if (!before) {
    if (event.type !== 'RequestOpened') return [];
    const opened = fact('opened', after.opened_day);
    return after.follow_up_of === null
      ? [opened]
      : [opened, fact('followed_up', after.opened_day, { request_id: after.follow_up_of, follow_up: 0 })];
  }
  switch (event.type) {
    case 'FirstResponseGiven':
      if (before.first_responded_at !== null) return [];
      return [
        fact('first_response', today(), {
          business_minutes: after.first_response_business_minutes,
          elapsed_minutes: after.first_response_elapsed_minutes,
        }),
        ...(before.first_response_breached === 1 ? [] : outcome('first_response', after.first_response_within_target)),
      ];
    case 'RequestResolved':
      return [
        fact('resolved', after.resolved_day ?? today(), {
          business_minutes: after.resolution_business_minutes,
          elapsed_minutes: after.resolution_elapsed_minutes,
        }),
        ...(before.resolution_breached === 1 ? [] : outcome('resolution', after.resolution_within_target)),
      ];
    case 'SlaBreached': {
      const target = event.data.target;
      const [breached, settled] =
        target === 'first_response'
          ? [before.first_response_breached, before.first_response_within_target]
          : [before.resolution_breached, before.resolution_within_target];
      return breached === 1 || settled !== null ? [] : outcome(target, 0);
    }
    case 'RequestClosed':
      return before.status === after.status ? [] : [fact('closed', today())];
    case 'RequestCancelled':
      return before.status === after.status ? [] : [fact('cancelled', today())];
    case 'SatisfactionRated':
      return [fact('rating', today(), { score: after.satisfaction_score })];
    default:
      return [];
  }
}
