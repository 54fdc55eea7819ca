import type { BusinessCalendar } from '../department/department.events';
import { addBusinessMinutes, businessMinutesBetween } from './business-calendar';

/**
 * The SLA clock of a request, the one place its rule is written:
 *
 * - it starts when the request is opened and counts business minutes of the
 *   SLA's calendar (every minute without one);
 * - it stops while the request is on hold awaiting the requester and while it
 *   is resolved; stopping a clock already stopped keeps the earlier moment
 *   (a resolution during a hold awaiting the requester);
 * - while stopped it reads the moment it stopped, so nothing falls due and
 *   nothing turns at risk;
 * - restarting it counts the business minutes it stood still, and every due
 *   time moves by all the minutes paused so far:
 *   due = openedAt + target + paused minutes, in business time;
 * - a target is at risk past 75% of its time (whole minutes, rounded up) and
 *   breached once the clock reads past its due time before it was met.
 *
 * Pure: the request's state and decider, the summary projection, the SLA
 * view, the SLA watch and the what-if analysis all read the clock through
 * these functions, and the events carry what they decided.
 */
export interface SlaClock {
  /** Business minutes the clock stood still so far (holds awaiting the requester, time spent resolved). */
  pausedMinutes: number;
  /** When the clock stopped; null while it runs. */
  clockStoppedSince: string | null;
}

/** Where the clock stands, without what it counted: all that reading it needs. */
export type ClockStop = Pick<SlaClock, 'clockStoppedSince'>;

/** A target's share of its time after which it is at risk. */
export const AT_RISK_SHARE = 0.75;

/** The clock of a request just opened: running, nothing paused. */
export const STARTED_CLOCK: SlaClock = Object.freeze({ pausedMinutes: 0, clockStoppedSince: null });

export function isClockStopped(clock: ClockStop): boolean {
  return clock.clockStoppedSince !== null;
}

/** Stops the clock at `at`; a clock already stopped stays stopped since then. */
export function stopClock<Clock extends SlaClock>(clock: Clock, at: string): Clock {
  return isClockStopped(clock) ? clock : { ...clock, clockStoppedSince: at };
}

/** Restarts the clock, adding the minutes it stood still (as the restarting event decided them). */
export function restartClock<Clock extends SlaClock>(clock: Clock, pausedMinutes: number): Clock {
  return { ...clock, pausedMinutes: clock.pausedMinutes + pausedMinutes, clockStoppedSince: null };
}

/** Business minutes a stopped clock has stood still by `now`: what restarting it then adds (0 while it runs). */
export function minutesStoodStill(clock: SlaClock, now: Date, calendar: BusinessCalendar | null): number {
  return clock.clockStoppedSince === null ? 0 : businessMinutesBetween(new Date(clock.clockStoppedSince), now, calendar);
}

/** The instant the clock reads: `now` while it runs, the moment it stopped while it is stopped. */
export function clockReading(clock: ClockStop, now: Date): Date {
  return clock.clockStoppedSince === null ? now : new Date(clock.clockStoppedSince);
}

/** True when the clock reads past the due time: the target, unless met before, is breached. */
export function isPastDue(clock: ClockStop, dueAt: string, now: Date): boolean {
  return clockReading(clock, now).getTime() > Date.parse(dueAt);
}

/** Whether a target reached `now` (a first reply, a resolution) is reached in time; null without a target. */
export function reachedWithinTarget(clock: ClockStop, dueAt: string | null, now: Date): boolean | null {
  return dueAt === null ? null : !isPastDue(clock, dueAt, now);
}

/** due = openedAt + target + paused minutes, in business time; null without a target. */
export function dueAt(
  openedAt: string,
  targetMinutes: number | null,
  pausedMinutes: number,
  calendar: BusinessCalendar | null,
): string | null {
  if (targetMinutes === null) return null;
  return addBusinessMinutes(new Date(openedAt), targetMinutes + pausedMinutes, calendar).toISOString();
}

/** When a target turns at risk: past 75% of its time (rounded up to a whole minute), moved by the paused minutes. */
export function atRiskAt(
  openedAt: string,
  targetMinutes: number | null,
  pausedMinutes: number,
  calendar: BusinessCalendar | null,
): string | null {
  return dueAt(openedAt, targetMinutes === null ? null : Math.ceil(targetMinutes * AT_RISK_SHARE), pausedMinutes, calendar);
}

/**
 * Business minutes the clock ran from opening to `at`: the pauses already
 * counted and the stop under way at `at` left out. Fractional when the
 * instants are not on whole minutes.
 */
export function minutesRun(openedAt: string, clock: SlaClock, at: Date, calendar: BusinessCalendar | null): number {
  const stopped = clock.clockStoppedSince === null ? null : new Date(clock.clockStoppedSince);
  const standingStill = stopped !== null && stopped < at ? businessMinutesBetween(stopped, at, calendar) : 0;
  return Math.max(0, businessMinutesBetween(new Date(openedAt), at, calendar) - clock.pausedMinutes - standingStill);
}

/** The SLA terms a restart moves: the targets and their due times as they stand. */
export interface ClockedTerms extends SlaClock {
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
}

/** What restarting the clock decides: the minutes it stood still, and the due times they move. */
export interface ClockRestart {
  pausedMinutes: number;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
}

/**
 * Restarting the clock at `now` (resume, reopen, transfer of a held request).
 * A running clock restarts nothing; the first-response due time stays put
 * once a first response was given (that target is settled).
 */
export function restartAt(
  openedAt: string,
  terms: ClockedTerms,
  firstResponseGiven: boolean,
  now: Date,
  calendar: BusinessCalendar | null,
): ClockRestart {
  if (!isClockStopped(terms)) {
    return { pausedMinutes: 0, firstResponseDueAt: terms.firstResponseDueAt, resolutionDueAt: terms.resolutionDueAt };
  }
  const pausedMinutes = minutesStoodStill(terms, now, calendar);
  const totalPaused = terms.pausedMinutes + pausedMinutes;
  return {
    pausedMinutes,
    firstResponseDueAt: firstResponseGiven ? terms.firstResponseDueAt : dueAt(openedAt, terms.firstResponseMinutes, totalPaused, calendar),
    resolutionDueAt: dueAt(openedAt, terms.resolutionMinutes, totalPaused, calendar),
  };
}

/** How far one target (first response or resolution) has come. */
export interface TargetProgress {
  /** Null when there is no target. */
  dueAt: string | null;
  atRiskAt: string | null;
  /** When it was reached (the first reply, the resolution); null until then. */
  reachedAt: string | null;
  /** Whether it was reached in time; null until reached, or without a target. */
  withinTarget: boolean | null;
  /** A breach of it is recorded (SlaBreached). */
  breachRecorded: boolean;
}

export type TargetState = 'ok' | 'at_risk' | 'breached' | 'met';

/**
 * A target at `now`: met when reached in time, breached once reached late,
 * past its due time or recorded as breached, at risk past its risk time;
 * null without a target. A stopped clock reads the moment it stopped.
 */
export function targetState(target: TargetProgress, clock: ClockStop, now: Date): TargetState | null {
  if (target.dueAt === null) return null;
  if (target.reachedAt !== null) return target.breachRecorded || target.withinTarget === false ? 'breached' : 'met';
  if (target.breachRecorded || isPastDue(clock, target.dueAt, now)) return 'breached';
  const reading = clockReading(clock, now).getTime();
  return target.atRiskAt !== null && reading >= Date.parse(target.atRiskAt) ? 'at_risk' : 'ok';
}

/**
 * From when a breach of a target is there to be recorded, as a fact a
 * watcher compares with its own clock: the due time while the target is
 * unmet and the clock runs (or stopped after the due time had passed), and
 * when it was reached late; null when there is nothing to record or nothing
 * can fall due: no target, a breach already recorded, met in time, a clock
 * stopped before the due time, an unmet target of a request no longer worked
 * (`pursued` false: resolved without it, or cancelled). A cancelled request
 * records no breach at all.
 */
export function breachDueAt(target: TargetProgress, clock: ClockStop, pursued: boolean, cancelled: boolean): string | null {
  if (target.dueAt === null || target.breachRecorded || cancelled) return null;
  if (target.reachedAt !== null) return target.withinTarget === false ? target.dueAt : null;
  if (!pursued) return null;
  if (clock.clockStoppedSince !== null && Date.parse(clock.clockStoppedSince) <= Date.parse(target.dueAt)) return null;
  return target.dueAt;
}
