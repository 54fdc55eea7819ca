import {
  minutesRun,
  minutesStoodStill,
  restartClock,
  STARTED_CLOCK,
  stopClock,
  type Audience,
  type Priority,
  type RequestEvent,
  type ServiceStandard,
  type SlaClock,
  type SlaTargetKind,
} from '@desk/domain';

/** A request's history as the what-if needs it: its events with their business times. */
export interface TimedEvent {
  event: RequestEvent;
  occurredAt: string;
}

export type Outcome = 'met' | 'breached' | 'pending' | 'no_target';

export interface TargetMeasure {
  outcome: Outcome;
  /** Target minus the business minutes used (negative once breached); null without a target. */
  minutesToSpare: number | null;
}

export interface RequestMeasure {
  audience: Audience;
  firstResponse: TargetMeasure;
  resolution: TargetMeasure;
}

/**
 * How a request fares against a service standard, from its history alone:
 * the domain's SLA clock (sla-clock.ts) replayed in the standard's calendar,
 * since the minutes the events recorded were counted in the calendar the
 * request was opened under. Its business minutes at the first reply and at
 * the resolution are measured against the targets of its priority (the last
 * one before `until`). A target not reached by `until` is pending, or
 * breached if already past. Pure.
 */
export function measureRequest(
  history: readonly TimedEvent[],
  standard: Pick<ServiceStandard, 'targets' | 'calendar'>,
  until: Date,
): RequestMeasure | null {
  const opened = history.find(({ event }) => event.type === 'RequestOpened');
  if (!opened || opened.event.type !== 'RequestOpened') return null;
  const calendar = standard.calendar;
  const openedAt = opened.event.data.openedAt;
  const audience = opened.event.data.audience;
  let priority: Priority = opened.event.data.priority;
  let clock: SlaClock = STARTED_CLOCK;
  let respondedAfter: number | null = null;
  let resolvedAfter: number | null = null;
  const run = (at: Date) => minutesRun(openedAt, clock, at, calendar);
  for (const { event, occurredAt } of history) {
    const at = new Date(occurredAt);
    if (at > until) break;
    switch (event.type) {
      case 'RequestPriorityChanged':
        priority = event.data.to;
        break;
      case 'RequestPutOnHold':
        if (event.data.clockPaused) clock = stopClock(clock, event.data.heldAt);
        break;
      case 'RequestResumed':
      case 'RequestReopened':
        if (event.type === 'RequestReopened') resolvedAfter = null;
        clock = restartClock(clock, minutesStoodStill(clock, at, calendar));
        break;
      case 'RequestResolved':
        resolvedAfter = run(new Date(event.data.resolvedAt));
        clock = stopClock(clock, event.data.resolvedAt);
        break;
      case 'FirstResponseGiven':
        respondedAfter ??= run(new Date(event.data.respondedAt));
        break;
      default:
        break;
    }
  }
  const target = standard.targets.find((candidate) => candidate.priority === priority && candidate.audience === audience);
  const measure = (kind: SlaTargetKind, reachedAfter: number | null): TargetMeasure => {
    const minutes = kind === 'first_response' ? target?.firstResponseMinutes : target?.resolutionMinutes;
    if (minutes === undefined) return { outcome: 'no_target', minutesToSpare: null };
    const spare = minutes - (reachedAfter ?? run(until));
    if (reachedAfter !== null) return { outcome: spare >= 0 ? 'met' : 'breached', minutesToSpare: spare };
    return { outcome: spare < 0 ? 'breached' : 'pending', minutesToSpare: spare };
  };
  return { audience, firstResponse: measure('first_response', respondedAfter), resolution: measure('resolution', resolvedAfter) };
}

export interface OutcomeFigures {
  met: number;
  breached: number;
  pending: number;
  noTarget: number;
  /** met / (met + breached); null before any outcome. */
  compliance: number | null;
  medianMinutesToSpare: number | null;
}

export type OutcomesByAudience = Record<Audience, Record<'firstResponse' | 'resolution', OutcomeFigures>>;

export function summarise(measures: readonly RequestMeasure[]): OutcomesByAudience {
  const figures = (audience: Audience, target: 'firstResponse' | 'resolution'): OutcomeFigures => {
    const list = measures.filter((measure) => measure.audience === audience).map((measure) => measure[target]);
    const count = (outcome: Outcome) => list.filter((measure) => measure.outcome === outcome).length;
    const met = count('met');
    const breached = count('breached');
    const spares = list
      .filter((measure) => measure.outcome === 'met' || measure.outcome === 'breached')
      .map((measure) => measure.minutesToSpare!)
      .sort((a, b) => a - b);
    return {
      met,
      breached,
      pending: count('pending'),
      noTarget: count('no_target'),
      compliance: met + breached === 0 ? null : Math.round((met / (met + breached)) * 10_000) / 10_000,
      medianMinutesToSpare: spares.length === 0 ? null : spares[Math.ceil(spares.length / 2) - 1],
    };
  };
  return {
    internal: { firstResponse: figures('internal', 'firstResponse'), resolution: figures('internal', 'resolution') },
    external: { firstResponse: figures('external', 'firstResponse'), resolution: figures('external', 'resolution') },
  };
}
