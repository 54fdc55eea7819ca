import { DateTime, IANAZone } from 'luxon';
import type { BusinessCalendar } from '../department/department.events';
import { WEEKDAYS } from '../shared/vocabulary';
import { addBusinessMinutes, businessMinutesBetween, validateBusinessCalendar } from './business-calendar';

const BRUSSELS = 'Europe/Brussels';

/** Mon–Fri 09:00–17:00 in Brussels, with the given holidays. */
function officeHours(holidays: string[] = []): BusinessCalendar {
  return {
    timeZone: BRUSSELS,
    weeklyHours: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, start: '09:00', end: '17:00' })),
    holidays,
  };
}

/** Every minute of every day, but counted in Brussels local days (so DST days are 23 or 25 hours). */
const roundTheClockBrussels: BusinessCalendar = {
  timeZone: BRUSSELS,
  weeklyHours: WEEKDAYS.map((day) => ({ day, start: '00:00', end: '24:00' })),
  holidays: [],
};

/** A Brussels wall-clock time as an instant. */
function local(iso: string): Date {
  return DateTime.fromISO(iso, { zone: BRUSSELS }).toJSDate();
}

function asLocal(date: Date): string {
  return DateTime.fromJSDate(date, { zone: BRUSSELS }).toISO({ suppressMilliseconds: true })!;
}

/** The obviously-correct reference: step minute by minute, asking the zone whether each minute is a working one. */
function slowAddBusinessMinutes(start: Date, minutes: number, calendar: BusinessCalendar): Date {
  const zone = IANAZone.create(calendar.timeZone);
  const intervals = calendar.weeklyHours.map((h) => {
    const [sh, sm] = h.start.split(':').map(Number);
    const [eh, em] = h.end.split(':').map(Number);
    return { day: h.day, start: sh * 60 + sm, end: eh * 60 + em };
  });
  // These zones change offset on whole hours only, so one offset per UTC hour is exact (and keeps the reference quick).
  const offsetByHour = new Map<number, number>();
  const offsetAt = (t: number) => {
    const hour = Math.floor(t / 3_600_000);
    if (!offsetByHour.has(hour)) offsetByHour.set(hour, zone.offset(hour * 3_600_000));
    return offsetByHour.get(hour)!;
  };
  let t = start.getTime();
  let counted = 0;
  while (counted < minutes) {
    const wallClock = new Date(t + offsetAt(t) * 60_000);
    const minuteOfDay = wallClock.getUTCHours() * 60 + wallClock.getUTCMinutes();
    const day = WEEKDAYS[(wallClock.getUTCDay() + 6) % 7];
    const working =
      !calendar.holidays.includes(wallClock.toISOString().slice(0, 10)) &&
      intervals.some((h) => h.day === day && minuteOfDay >= h.start && minuteOfDay < h.end);
    t += 60_000;
    if (working) counted++;
  }
  return new Date(t);
}

describe('addBusinessMinutes', () => {
  it('without a calendar counts every wall-clock minute (24×7)', () => {
    const start = new Date('2025-03-29T12:00:00Z');
    expect(addBusinessMinutes(start, 90, null).toISOString()).toBe('2025-03-29T13:30:00.000Z');
    expect(addBusinessMinutes(start, 7 * 24 * 60, null).toISOString()).toBe('2025-04-05T12:00:00.000Z');
  });

  it('counts within one working day', () => {
    expect(asLocal(addBusinessMinutes(local('2025-03-03T09:00'), 60, officeHours()))).toBe('2025-03-03T10:00:00+01:00');
  });

  it('lands exactly at the end of the working day rather than the next morning', () => {
    expect(asLocal(addBusinessMinutes(local('2025-03-03T09:00'), 480, officeHours()))).toBe('2025-03-03T17:00:00+01:00');
  });

  it('carries over the night to the next working morning', () => {
    expect(asLocal(addBusinessMinutes(local('2025-03-03T16:30'), 60, officeHours()))).toBe('2025-03-04T09:30:00+01:00');
  });

  it('skips the weekend', () => {
    expect(asLocal(addBusinessMinutes(local('2025-03-07T16:30'), 60, officeHours()))).toBe('2025-03-10T09:30:00+01:00');
  });

  it('starts counting at the next working minute when opened outside working hours', () => {
    expect(asLocal(addBusinessMinutes(local('2025-03-03T07:12'), 30, officeHours()))).toBe('2025-03-03T09:30:00+01:00');
    expect(asLocal(addBusinessMinutes(local('2025-03-03T20:00'), 30, officeHours()))).toBe('2025-03-04T09:30:00+01:00');
    expect(asLocal(addBusinessMinutes(local('2025-03-08T11:00'), 30, officeHours()))).toBe('2025-03-10T09:30:00+01:00');
  });

  it('returns the start itself for zero minutes', () => {
    const start = local('2025-03-08T11:00');
    expect(addBusinessMinutes(start, 0, officeHours()).getTime()).toBe(start.getTime());
  });

  it('skips holidays, which are local dates', () => {
    // Easter Monday 2025 is 21 April: Friday 18 April 16:00 + 120 minutes lands on Tuesday 22 April.
    const calendar = officeHours(['2025-04-21']);
    expect(asLocal(addBusinessMinutes(local('2025-04-18T16:00'), 120, calendar))).toBe('2025-04-22T10:00:00+02:00');
  });

  it('keeps local working hours across the spring-forward change in Brussels (30 March 2025)', () => {
    // Friday 28 March 16:00 (+01:00) + 120 minutes → Monday 31 March 10:00 (+02:00): 08:00 UTC, not 09:00.
    const due = addBusinessMinutes(local('2025-03-28T16:00'), 120, officeHours());
    expect(asLocal(due)).toBe('2025-03-31T10:00:00+02:00');
    expect(due.toISOString()).toBe('2025-03-31T08:00:00.000Z');
  });

  it('counts the real length of the day the clocks change', () => {
    // Spring forward: Sunday 30 March has 23 hours, so 24 hours of counting from Saturday noon ends at Sunday 13:00.
    expect(asLocal(addBusinessMinutes(local('2025-03-29T12:00'), 24 * 60, roundTheClockBrussels))).toBe('2025-03-30T13:00:00+02:00');
    // Fall back: Sunday 26 October has 25 hours, so 24 hours from Saturday noon ends at Sunday 11:00.
    expect(asLocal(addBusinessMinutes(local('2025-10-25T12:00'), 24 * 60, roundTheClockBrussels))).toBe('2025-10-26T11:00:00+01:00');
  });

  it('skips whole weeks across a DST change and still lands on local hours', () => {
    // Mon 24 March 09:00 (+01:00) + 6 working days → Mon 31 March 17:00 (+02:00).
    expect(asLocal(addBusinessMinutes(local('2025-03-24T09:00'), 6 * 480, officeHours()))).toBe('2025-03-31T17:00:00+02:00');
    // A year of working days minus the holidays: 2025 from Thu 2 Jan with three holidays.
    const calendar = officeHours(['2025-04-21', '2025-05-01', '2025-12-25']);
    const due = addBusinessMinutes(local('2025-01-02T09:00'), 100 * 5 * 480, calendar);
    expect(asLocal(due)).toBe(asLocal(slowWeeks(local('2025-01-02T09:00'), 100 * 5 * 480, calendar)));
  });

  it('supports several intervals a day (a lunch break)', () => {
    const calendar: BusinessCalendar = {
      timeZone: BRUSSELS,
      weeklyHours: [
        { day: 'mon', start: '09:00', end: '12:00' },
        { day: 'mon', start: '13:00', end: '17:00' },
      ],
      holidays: [],
    };
    expect(asLocal(addBusinessMinutes(local('2025-03-03T11:30'), 60, calendar))).toBe('2025-03-03T13:30:00+01:00');
    // Only Mondays work: the next Monday after 7 hours.
    expect(asLocal(addBusinessMinutes(local('2025-03-03T16:30'), 60, calendar))).toBe('2025-03-10T09:30:00+01:00');
  });

  it('agrees with a minute-by-minute count, across DST changes and holidays', () => {
    const calendars = [
      officeHours(['2025-03-31', '2025-10-27']),
      roundTheClockBrussels,
      {
        timeZone: 'America/New_York',
        weeklyHours: [
          { day: 'sat' as const, start: '00:00', end: '03:30' },
          { day: 'sun' as const, start: '01:00', end: '04:00' },
          { day: 'mon' as const, start: '22:00', end: '24:00' },
        ],
        holidays: ['2025-03-15'],
      },
    ];
    const starts = ['2025-03-27T15:17:00Z', '2025-03-29T23:59:00Z', '2025-10-24T08:00:00Z', '2025-03-08T05:30:00Z', '2025-10-31T12:00:00Z'];
    for (const calendar of calendars) {
      for (const start of starts) {
        for (const minutes of [1, 59, 481, 1500, 3000]) {
          const expected = slowAddBusinessMinutes(new Date(start), minutes, calendar);
          const actual = addBusinessMinutes(new Date(start), minutes, calendar);
          // The slow reference ends after the last counted minute; both agree on the instant.
          expect({ calendar: calendar.timeZone, start, minutes, due: actual.toISOString() }).toEqual({
            calendar: calendar.timeZone,
            start,
            minutes,
            due: expected.toISOString(),
          });
        }
      }
    }
  });

  it('walks very large minute counts week by week, not day by day', () => {
    // The work is counted, not timed: every step of either walk asks the zone for its UTC offset. A walk that
    // visited each day would turn at least that day's midnight into an instant (3 look-ups) before its working
    // intervals; skipping a regular week costs 11 (its midnight, and a look-up per day to see no offset changes).
    const calendar = officeHours(['2026-01-01', '2027-01-01']);
    const offsets = jest.spyOn(IANAZone.prototype, 'offset');
    try {
      const start = local('2025-01-06T09:00');
      const due = addBusinessMinutes(start, 5_000_000, calendar);
      const toAdd = offsets.mock.calls.length;
      offsets.mockClear();
      expect(businessMinutesBetween(start, due, calendar)).toBe(5_000_000);
      const toMeasure = offsets.mock.calls.length;
      const days = (due.getTime() - start.getTime()) / 86_400_000;
      expect(days).toBeGreaterThan(14_000);
      expect(toAdd).toBeLessThan(3 * days);
      expect(toMeasure).toBeLessThan(3 * days);
    } finally {
      offsets.mockRestore();
    }
  });

  it('refuses a calendar without working minutes instead of looping forever', () => {
    const empty: BusinessCalendar = { timeZone: BRUSSELS, weeklyHours: [], holidays: [] };
    expect(() => addBusinessMinutes(local('2025-03-03T09:00'), 10, empty)).toThrow(RangeError);
    expect(() => businessMinutesBetween(local('2025-03-03T09:00'), local('2025-03-04T09:00'), empty)).toThrow(RangeError);
  });

  it('refuses negative or non-finite minutes and invalid dates', () => {
    expect(() => addBusinessMinutes(new Date(), -1, null)).toThrow(RangeError);
    expect(() => addBusinessMinutes(new Date(), Number.NaN, officeHours())).toThrow(RangeError);
    expect(() => addBusinessMinutes(new Date('nope'), 1, null)).toThrow(RangeError);
  });
});

/** Week-skipping cross-check: add in chunks of one day's worth, which never takes the whole-week shortcut. */
function slowWeeks(start: Date, minutes: number, calendar: BusinessCalendar): Date {
  let at = start;
  let left = minutes;
  while (left > 0) {
    const step = Math.min(left, 479);
    at = addBusinessMinutes(at, step, calendar);
    left -= step;
  }
  return at;
}

describe('businessMinutesBetween', () => {
  it('without a calendar is the wall-clock difference, and 0 when the end is not after the start', () => {
    expect(businessMinutesBetween(new Date('2025-03-03T08:00:00Z'), new Date('2025-03-03T10:30:00Z'), null)).toBe(150);
    expect(businessMinutesBetween(new Date('2025-03-03T10:00:00Z'), new Date('2025-03-03T08:00:00Z'), null)).toBe(0);
  });

  it('counts only working minutes', () => {
    // Mon 12:00 → Tue 12:00: 5 hours on Monday, 3 on Tuesday.
    expect(businessMinutesBetween(local('2025-03-03T12:00'), local('2025-03-04T12:00'), officeHours())).toBe(480);
    // Friday evening to Monday morning: nothing.
    expect(businessMinutesBetween(local('2025-03-07T17:00'), local('2025-03-10T09:00'), officeHours())).toBe(0);
  });

  it('excludes holidays', () => {
    expect(businessMinutesBetween(local('2025-04-18T09:00'), local('2025-04-23T09:00'), officeHours(['2025-04-21']))).toBe(2 * 480);
  });

  it('measures the real length of DST days', () => {
    expect(businessMinutesBetween(local('2025-03-30T00:00'), local('2025-03-31T00:00'), roundTheClockBrussels)).toBe(23 * 60);
    expect(businessMinutesBetween(local('2025-10-26T00:00'), local('2025-10-27T00:00'), roundTheClockBrussels)).toBe(25 * 60);
  });

  it('is the inverse of addBusinessMinutes, over whole weeks and across DST', () => {
    const calendar = officeHours(['2025-04-21', '2025-11-11']);
    const start = local('2025-02-03T10:15');
    for (const minutes of [1, 480, 2401, 12_345, 100_000]) {
      expect(businessMinutesBetween(start, addBusinessMinutes(start, minutes, calendar), calendar)).toBe(minutes);
    }
  });

  it('returns fractions of minutes for instants between whole minutes', () => {
    expect(businessMinutesBetween(local('2025-03-03T09:00:00'), local('2025-03-03T09:00:30'), officeHours())).toBe(0.5);
  });
});

describe('validateBusinessCalendar', () => {
  it('accepts a valid calendar, with 24:00 as an end', () => {
    expect(
      validateBusinessCalendar({ ...officeHours(['2025-12-25']), weeklyHours: [{ day: 'sat', start: '18:00', end: '24:00' }] }),
    ).toEqual({});
  });

  it('names every offending field', () => {
    expect(
      validateBusinessCalendar({
        timeZone: 'Mars/Olympus_Mons',
        weeklyHours: [
          { day: 'monday', start: '9:00', end: '17:00' },
          { day: 'tue', start: '17:00', end: '09:00' },
          { day: 'wed', start: '09:00', end: '24:01' },
          { day: 'thu', start: '09:00', end: '13:00' },
          { day: 'thu', start: '12:00', end: '14:00' },
        ],
        holidays: ['2025-02-30', '25-12-2025'],
      }),
    ).toEqual({
      'calendar.timeZone': 'must be an IANA time zone such as Europe/Brussels',
      'calendar.weeklyHours[0].day': 'must be one of mon, tue, wed, thu, fri, sat, sun',
      'calendar.weeklyHours[0].start': "must be a local time 'HH:mm' from 00:00 to 23:59",
      'calendar.weeklyHours[1].end': 'must be after start (17:00)',
      'calendar.weeklyHours[2].end': "must be a local time 'HH:mm' from 00:01 to 24:00",
      'calendar.weeklyHours[4]': 'overlaps weeklyHours[3] on thu',
      'calendar.holidays[0]': "must be a valid local date 'YYYY-MM-DD'",
      'calendar.holidays[1]': "must be a valid local date 'YYYY-MM-DD'",
    });
  });

  it('refuses a calendar without working hours (it would never reach a due time)', () => {
    expect(validateBusinessCalendar({ timeZone: BRUSSELS, weeklyHours: [], holidays: [] })).toHaveProperty(['calendar.weeklyHours']);
  });
});
