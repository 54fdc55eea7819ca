import type { BusinessCalendar } from '../department/department.events';
import {
  atRiskAt,
  breachDueAt,
  clockReading,
  dueAt,
  isPastDue,
  minutesRun,
  minutesStoodStill,
  reachedWithinTarget,
  restartAt,
  restartClock,
  STARTED_CLOCK,
  stopClock,
  targetState,
  type SlaClock,
  type TargetProgress,
} from './sla-clock';

/** Mon–Fri 09:00–17:00 in Brussels: 08:00–16:00 UTC in March 2025. */
const OFFICE: BusinessCalendar = {
  timeZone: 'Europe/Brussels',
  weeklyHours: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, start: '09:00', end: '17:00' })),
  holidays: [],
};
/** Monday 3 March 2025, 09:00 in Brussels. */
const OPENED = '2025-03-03T08:00:00.000Z';
const at = (time: string, day = '2025-03-03') => new Date(`${day}T${time}:00.000Z`);
const iso = (time: string, day = '2025-03-03') => at(time, day).toISOString();

type Moment = { stop: string } | { restart: Date };

/** Given the clock's stops and restarts in the office calendar, the clock after them (restarts count their own minutes). */
function given(...moments: Moment[]): SlaClock {
  return moments.reduce<SlaClock>(
    (clock, moment) =>
      'stop' in moment ? stopClock(clock, moment.stop) : restartClock(clock, minutesStoodStill(clock, moment.restart, OFFICE)),
    STARTED_CLOCK,
  );
}

describe('the SLA clock', () => {
  describe('stopping and restarting', () => {
    it('given a new request, runs with nothing paused', () => {
      expect(given()).toEqual({ pausedMinutes: 0, clockStoppedSince: null });
    });

    it('given a hold awaiting the requester, stands still from then', () => {
      expect(given({ stop: iso('09:00') })).toEqual({ pausedMinutes: 0, clockStoppedSince: iso('09:00') });
    });

    it('given a resolution during that hold, stays stopped since the hold began', () => {
      expect(given({ stop: iso('09:00') }, { stop: iso('10:30') })).toEqual({ pausedMinutes: 0, clockStoppedSince: iso('09:00') });
    });

    it('when restarted, counts the business minutes it stood still and runs again', () => {
      // 10:00 → 12:00 local.
      expect(given({ stop: iso('09:00') }, { restart: at('11:00') })).toEqual({ pausedMinutes: 120, clockStoppedSince: null });
    });

    it('counts only business minutes of a stop overnight, and adds up several stops', () => {
      // Monday 16:00 → Tuesday 10:00 local: 60 + 60; then Tuesday 11:00 → 11:30 local: 30.
      const clock = given(
        { stop: iso('15:00') },
        { restart: at('09:00', '2025-03-04') },
        { stop: iso('10:00', '2025-03-04') },
        { restart: at('10:30', '2025-03-04') },
      );
      expect(clock).toEqual({ pausedMinutes: 150, clockStoppedSince: null });
    });

    it('when restarted while running, adds nothing', () => {
      expect(minutesStoodStill(STARTED_CLOCK, at('12:00'), OFFICE)).toBe(0);
      expect(restartClock(given(), 0)).toEqual(STARTED_CLOCK);
    });

    it('keeps the rest of what it is part of (the request state’s SLA terms, a summary row’s clock)', () => {
      const terms = { ...STARTED_CLOCK, departmentId: 'it', standardVersion: 1 };
      expect(restartClock(stopClock(terms, iso('09:00')), 30)).toEqual({ ...terms, pausedMinutes: 30 });
    });
  });

  describe('reading', () => {
    it('reads now while running, and the moment it stopped while stopped', () => {
      expect(clockReading(given(), at('12:00'))).toEqual(at('12:00'));
      expect(clockReading(given({ stop: iso('09:00') }), at('12:00'))).toEqual(at('09:00'));
    });

    it('is past due only once the reading is after the due time', () => {
      expect(isPastDue(given(), iso('10:00'), at('10:00'))).toBe(false);
      expect(isPastDue(given(), iso('10:00'), at('10:01'))).toBe(true);
      // Stopped at 09:30, before the due time: nothing falls due while it stands still.
      expect(isPastDue(given({ stop: iso('09:30') }), iso('10:00'), at('23:00'))).toBe(false);
      // Stopped after the due time had passed: the breach happened before the stop.
      expect(isPastDue(given({ stop: iso('10:30') }), iso('10:00'), at('10:30'))).toBe(true);
    });

    it('measures a target reached while stopped at the moment it stopped', () => {
      expect(reachedWithinTarget(given({ stop: iso('09:30') }), iso('10:00'), at('11:00'))).toBe(true);
      expect(reachedWithinTarget(given(), iso('10:00'), at('11:00'))).toBe(false);
      expect(reachedWithinTarget(given(), null, at('11:00'))).toBeNull();
    });
  });

  describe('minutes run', () => {
    it('counts business minutes from opening, less the pauses counted and the stop under way', () => {
      // Opened 09:00 local; stood still 10:00 → 12:00 local; at 13:00 local the clock has run 2 hours.
      const clock = given({ stop: iso('09:00') }, { restart: at('11:00') });
      expect(minutesRun(OPENED, clock, at('12:00'), OFFICE)).toBe(120);
      // Stopped again at 13:00 local: at 15:00 local it has still run 2 hours.
      expect(minutesRun(OPENED, stopClock(clock, iso('12:00')), at('14:00'), OFFICE)).toBe(120);
    });

    it('counts every minute without a calendar, with fractions for instants between whole minutes', () => {
      expect(minutesRun(OPENED, STARTED_CLOCK, new Date('2025-03-03T08:09:40.000Z'), null)).toBeCloseTo(9 + 2 / 3, 10);
    });

    it('never runs backwards', () => {
      expect(minutesRun(OPENED, STARTED_CLOCK, at('07:00'), OFFICE)).toBe(0);
    });
  });

  describe('due and risk times', () => {
    it('places the due time at opening + target + paused minutes, in business time', () => {
      // 480 + 120 business minutes from Monday 09:00 local: Tuesday 11:00 local.
      expect(dueAt(OPENED, 480, 120, OFFICE)).toBe(iso('10:00', '2025-03-04'));
      expect(dueAt(OPENED, null, 120, OFFICE)).toBeNull();
    });

    it('turns at risk past 75% of the target, rounded up to a whole minute, moved by the pauses', () => {
      // 75% of 30 is 22.5: at risk from the 23rd minute; 75% of 480 is 360, + 60 paused.
      expect(atRiskAt(OPENED, 30, 0, null)).toBe(iso('08:23'));
      expect(atRiskAt(OPENED, 480, 60, OFFICE)).toBe(iso('15:00'));
      expect(atRiskAt(OPENED, null, 0, OFFICE)).toBeNull();
    });
  });

  describe('restarting the terms of a request', () => {
    const terms = (clock: SlaClock) => ({
      ...clock,
      firstResponseMinutes: 60,
      resolutionMinutes: 480,
      firstResponseDueAt: iso('09:00'),
      resolutionDueAt: iso('16:00'),
    });

    it('given a running clock, moves nothing', () => {
      expect(restartAt(OPENED, terms(STARTED_CLOCK), false, at('11:00'), OFFICE)).toEqual({
        pausedMinutes: 0,
        firstResponseDueAt: iso('09:00'),
        resolutionDueAt: iso('16:00'),
      });
    });

    it('given a clock stopped since 09:30, moves both due times by every minute paused so far', () => {
      // 30 already paused + 90 now (10:30 → 12:00 local): first response 10:00 → 12:00 local, resolution 17:00 → Tuesday 11:00.
      const stopped = terms({ pausedMinutes: 30, clockStoppedSince: iso('09:30') });
      expect(restartAt(OPENED, stopped, false, at('11:00'), OFFICE)).toEqual({
        pausedMinutes: 90,
        firstResponseDueAt: iso('11:00'),
        resolutionDueAt: iso('10:00', '2025-03-04'),
      });
    });

    it('leaves the first-response due time alone once a first response was given', () => {
      const stopped = terms({ pausedMinutes: 0, clockStoppedSince: iso('09:30') });
      expect(restartAt(OPENED, stopped, true, at('11:00'), OFFICE).firstResponseDueAt).toBe(iso('09:00'));
    });
  });

  describe('a target at a moment', () => {
    const target = (progress: Partial<TargetProgress> = {}): TargetProgress => ({
      dueAt: iso('10:00'),
      atRiskAt: iso('09:45'),
      reachedAt: null,
      withinTarget: null,
      breachRecorded: false,
      ...progress,
    });

    it.each([
      ['09:44', 'ok'],
      ['09:45', 'at_risk'],
      ['10:00', 'at_risk'],
      ['10:01', 'breached'],
    ])('unmet with the clock running, at %s is %s', (time, state) => {
      expect(targetState(target(), STARTED_CLOCK, at(time))).toBe(state);
    });

    it('stands where the clock stopped', () => {
      expect(targetState(target(), given({ stop: iso('09:30') }), at('23:00'))).toBe('ok');
      expect(targetState(target(), given({ stop: iso('09:50') }), at('23:00'))).toBe('at_risk');
    });

    it('is met when reached in time, and breached for good when reached late or recorded as breached', () => {
      expect(targetState(target({ reachedAt: iso('09:20'), withinTarget: true }), STARTED_CLOCK, at('12:00'))).toBe('met');
      expect(targetState(target({ reachedAt: iso('10:30'), withinTarget: false }), STARTED_CLOCK, at('12:00'))).toBe('breached');
      expect(targetState(target({ breachRecorded: true }), STARTED_CLOCK, at('09:00'))).toBe('breached');
    });

    it('is nothing without a target', () => {
      expect(targetState(target({ dueAt: null, atRiskAt: null }), STARTED_CLOCK, at('23:00'))).toBeNull();
    });
  });

  describe('when a breach is there to be recorded', () => {
    const target = (progress: Partial<TargetProgress> = {}): TargetProgress => ({
      dueAt: iso('10:00'),
      atRiskAt: iso('09:45'),
      reachedAt: null,
      withinTarget: null,
      breachRecorded: false,
      ...progress,
    });

    it('is the due time while the target is unmet and the clock runs', () => {
      expect(breachDueAt(target(), STARTED_CLOCK, true, false)).toBe(iso('10:00'));
    });

    it('is nothing while the clock stands still before the due time, and the due time when it stopped after it', () => {
      expect(breachDueAt(target(), given({ stop: iso('09:30') }), true, false)).toBeNull();
      expect(breachDueAt(target(), given({ stop: iso('10:00') }), true, false)).toBeNull();
      expect(breachDueAt(target(), given({ stop: iso('10:30') }), true, false)).toBe(iso('10:00'));
    });

    it('is the due time of a target reached late, and nothing for one reached in time', () => {
      expect(breachDueAt(target({ reachedAt: iso('10:30'), withinTarget: false }), given({ stop: iso('10:30') }), false, false)).toBe(
        iso('10:00'),
      );
      expect(breachDueAt(target({ reachedAt: iso('09:30'), withinTarget: true }), STARTED_CLOCK, true, false)).toBeNull();
    });

    it('is nothing once recorded, without a target, for an unmet target of a request no longer worked, or once cancelled', () => {
      expect(breachDueAt(target({ breachRecorded: true }), STARTED_CLOCK, true, false)).toBeNull();
      expect(breachDueAt(target({ dueAt: null, atRiskAt: null }), STARTED_CLOCK, true, false)).toBeNull();
      expect(breachDueAt(target(), given({ stop: iso('10:30') }), false, false)).toBeNull();
      expect(breachDueAt(target({ reachedAt: iso('10:30'), withinTarget: false }), STARTED_CLOCK, false, true)).toBeNull();
    });
  });
});
