import { DateTime, IANAZone } from 'luxon';
import type { BusinessCalendar } from '../department/department.events';
import { WEEKDAYS } from '../shared/vocabulary';

/**
 * Business time: SLA minutes count only inside a department's weekly working
 * hours, in its own time zone, and never on its holidays. Without a calendar
 * every wall-clock minute counts (24×7).
 *
 * Everything is computed on instants (UTC milliseconds); local days and hours
 * are turned into instants through the IANA zone, so a day on which the
 * clocks change has its real length (a 00:00–24:00 day lasts 23 or 25 hours,
 * a working interval that falls into the spring-forward gap shrinks).
 * Local times inside a gap move forward, as luxon does; inside the repeated
 * hour of a fall-back they take luxon's choice of offset.
 *
 * Both functions walk day by day and skip whole weeks at once when a week has
 * no holiday and no offset change (then it holds exactly the nominal weekly
 * minutes), so large minute counts cost weeks, not minutes.
 */

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
const MINUTES_PER_DAY = 1440;
/** A walk that has not reached its goal after this many days is a bug, not a calendar (400 years). */
const MAX_DAYS_WALKED = 146_100;

const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

/** The calendar turned into what the walk needs, computed once per calendar object. */
interface Schedule {
  zone: IANAZone;
  /** Working intervals in local minutes of the day [start, end), sorted, per weekday (0 = Monday). */
  intervalsByWeekday: ReadonlyArray<ReadonlyArray<readonly [number, number]>>;
  /** Holidays as local day numbers (days since 1970-01-01 of the local date). */
  holidays: ReadonlySet<number>;
  /** Working milliseconds of a week without holidays or offset changes. */
  nominalWeekMs: number;
}

const schedules = new WeakMap<BusinessCalendar, Schedule>();

/** Parses 'HH:mm' (and '24:00' when allowed) into minutes of the day, or null when malformed. */
export function parseLocalTime(value: string, allowEndOfDay: boolean): number | null {
  if (allowEndOfDay && value === '24:00') return MINUTES_PER_DAY;
  const match = TIME_PATTERN.exec(value);
  return match ? Number(match[1]) * 60 + Number(match[2]) : null;
}

function compile(calendar: BusinessCalendar): Schedule {
  const cached = schedules.get(calendar);
  if (cached) return cached;
  const problems = validateBusinessCalendar(calendar);
  if (Object.keys(problems).length > 0) {
    throw new RangeError(`invalid business calendar: ${JSON.stringify(problems)}`);
  }
  const intervalsByWeekday: Array<Array<readonly [number, number]>> = WEEKDAYS.map(() => []);
  let nominalWeekMinutes = 0;
  for (const hours of calendar.weeklyHours) {
    const start = parseLocalTime(hours.start, false)!;
    const end = parseLocalTime(hours.end, true)!;
    intervalsByWeekday[WEEKDAYS.indexOf(hours.day)].push([start, end]);
    nominalWeekMinutes += end - start;
  }
  for (const intervals of intervalsByWeekday) intervals.sort((a, b) => a[0] - b[0]);
  const schedule: Schedule = {
    zone: IANAZone.create(calendar.timeZone),
    intervalsByWeekday,
    holidays: new Set((calendar.holidays ?? []).map(dayNumberOfDate)),
    nominalWeekMs: nominalWeekMinutes * MS_PER_MINUTE,
  };
  schedules.set(calendar, schedule);
  return schedule;
}

function dayNumberOfDate(isoDate: string): number {
  const [year, month, day] = isoDate.split('-').map(Number);
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

/** The local day (as a day number) that contains an instant. */
function localDayNumber(instantMs: number, schedule: Schedule): number {
  const local = DateTime.fromMillis(instantMs, { zone: schedule.zone });
  return Date.UTC(local.year, local.month - 1, local.day) / MS_PER_DAY;
}

/**
 * The instant of a local day's minute; minute 1440 is the next day's midnight.
 * A local time the clocks skip (spring-forward gap) moves forward by the gap,
 * as luxon does. A local time that occurs twice (fall-back) is its first
 * occurrence when it starts an interval and its second when it ends one, so
 * an interval spanning the repeated hour lasts as long as it really does.
 */
function instantOf(dayNumber: number, minuteOfDay: number, schedule: Schedule, edge: 'start' | 'end' = 'start'): number {
  const wallClockMs = dayNumber * MS_PER_DAY + minuteOfDay * MS_PER_MINUTE;
  const { zone } = schedule;
  // Offsets in force a day either side: a local time maps to at most these two instants.
  const before = zone.offset(wallClockMs - MS_PER_DAY);
  const after = zone.offset(wallClockMs + MS_PER_DAY);
  const candidates = [before, after]
    .map((offset) => ({ offset, instant: wallClockMs - offset * MS_PER_MINUTE }))
    .filter(({ offset, instant }) => zone.offset(instant) === offset)
    .map(({ instant }) => instant);
  if (candidates.length === 0) return wallClockMs - before * MS_PER_MINUTE;
  return edge === 'start' ? Math.min(...candidates) : Math.max(...candidates);
}

function intervalsOn(dayNumber: number, schedule: Schedule): ReadonlyArray<readonly [number, number]> {
  if (schedule.holidays.has(dayNumber)) return [];
  // Day 0 (1970-01-01) was a Thursday: weekday index 3 with Monday = 0.
  const weekday = (((dayNumber + 3) % 7) + 7) % 7;
  return schedule.intervalsByWeekday[weekday];
}

/**
 * True when the 7 local days from `dayNumber` hold exactly the nominal weekly
 * minutes: no holiday, and the zone's offset never changes across them. The
 * offset is sampled every 24 hours from the first midnight; offsets never change
 * twice within a day, so equal samples mean no change at all.
 */
function isRegularWeek(dayNumber: number, weekStartMs: number, schedule: Schedule): boolean {
  for (let day = dayNumber; day < dayNumber + 7; day++) {
    if (schedule.holidays.has(day)) return false;
  }
  const offset = schedule.zone.offset(weekStartMs);
  for (let k = 1; k <= 7; k++) {
    if (schedule.zone.offset(weekStartMs + k * MS_PER_DAY) !== offset) return false;
  }
  return true;
}

function assertInstant(value: Date, name: string): void {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new RangeError(`${name} must be a valid Date`);
}

/**
 * The instant at which `minutes` business minutes have elapsed since `start`.
 * Zero minutes is `start` itself; otherwise a start outside working hours
 * counts from the next working minute, and a due time that lands exactly at
 * the end of a working interval stays there (17:00, not tomorrow's 09:00).
 */
export function addBusinessMinutes(start: Date, minutes: number, calendar: BusinessCalendar | null): Date {
  assertInstant(start, 'start');
  if (!Number.isFinite(minutes) || minutes < 0) throw new RangeError(`minutes must be a finite number ≥ 0, got ${minutes}`);
  const totalMs = Math.round(minutes * MS_PER_MINUTE);
  if (calendar === null || totalMs === 0) return new Date(start.getTime() + totalMs);

  const schedule = compile(calendar);
  let remainingMs = totalMs;
  let day = localDayNumber(start.getTime(), schedule);
  // Within the first day, working time only counts from `start`; on later days from their midnight.
  let notBefore = start.getTime();
  for (let walked = 0; walked < MAX_DAYS_WALKED; walked++) {
    const dayStart = instantOf(day, 0, schedule);
    if (dayStart >= notBefore && remainingMs > schedule.nominalWeekMs && isRegularWeek(day, dayStart, schedule)) {
      remainingMs -= schedule.nominalWeekMs;
      day += 7;
      continue;
    }
    for (const [startMinute, endMinute] of intervalsOn(day, schedule)) {
      const from = Math.max(instantOf(day, startMinute, schedule), notBefore);
      const to = instantOf(day, endMinute, schedule, 'end');
      if (to <= from) continue;
      if (remainingMs <= to - from) return new Date(from + remainingMs);
      remainingMs -= to - from;
    }
    day += 1;
    notBefore = Number.NEGATIVE_INFINITY;
  }
  throw new RangeError('business calendar walk did not terminate: the calendar has no working minutes');
}

/**
 * Business minutes between two instants (0 when `to` is not after `from`).
 * Fractional when the instants are not on whole minutes.
 */
export function businessMinutesBetween(from: Date, to: Date, calendar: BusinessCalendar | null): number {
  assertInstant(from, 'from');
  assertInstant(to, 'to');
  const fromMs = from.getTime();
  const toMs = to.getTime();
  if (toMs <= fromMs) return 0;
  if (calendar === null) return (toMs - fromMs) / MS_PER_MINUTE;

  const schedule = compile(calendar);
  const lastDay = localDayNumber(toMs, schedule);
  let totalMs = 0;
  let day = localDayNumber(fromMs, schedule);
  while (day <= lastDay) {
    const dayStart = instantOf(day, 0, schedule);
    // A whole week fits when it starts after `from` and ends (next week's midnight) before `to`'s day.
    if (dayStart >= fromMs && day + 7 <= lastDay && isRegularWeek(day, dayStart, schedule)) {
      totalMs += schedule.nominalWeekMs;
      day += 7;
      continue;
    }
    for (const [startMinute, endMinute] of intervalsOn(day, schedule)) {
      const start = Math.max(instantOf(day, startMinute, schedule), fromMs);
      const end = Math.min(instantOf(day, endMinute, schedule, 'end'), toMs);
      if (end > start) totalMs += end - start;
    }
    day += 1;
  }
  return totalMs / MS_PER_MINUTE;
}

/** Working minutes in an ordinary week of a valid calendar (no holiday, no clock change). */
export function weeklyWorkingMinutes(calendar: BusinessCalendar): number {
  return compile(calendar).nominalWeekMs / MS_PER_MINUTE;
}

/**
 * What is wrong with a calendar, field path → message (empty when valid).
 * A valid calendar always has working minutes every week (non-empty hours,
 * each interval longer than zero), so the walks above always terminate.
 */
export function validateBusinessCalendar(calendar: unknown, prefix = 'calendar'): Record<string, string> {
  const problems: Record<string, string> = {};
  if (typeof calendar !== 'object' || calendar === null) {
    problems[prefix] = 'must be an object with timeZone, weeklyHours and holidays';
    return problems;
  }
  const { timeZone, weeklyHours, holidays } = calendar as Partial<Record<keyof BusinessCalendar, unknown>>;
  if (typeof timeZone !== 'string' || !IANAZone.isValidZone(timeZone)) {
    problems[`${prefix}.timeZone`] = 'must be an IANA time zone such as Europe/Brussels';
  }
  if (!Array.isArray(weeklyHours) || weeklyHours.length === 0) {
    problems[`${prefix}.weeklyHours`] =
      'must list at least one working interval: a calendar without working minutes never reaches a due time';
  } else {
    const parsed: Array<{ day: string; start: number; end: number; index: number }> = [];
    weeklyHours.forEach((hours: unknown, index) => {
      const path = `${prefix}.weeklyHours[${index}]`;
      const { day, start, end } = (typeof hours === 'object' && hours !== null ? hours : {}) as Record<string, unknown>;
      if (typeof day !== 'string' || !(WEEKDAYS as readonly string[]).includes(day)) {
        problems[`${path}.day`] = `must be one of ${WEEKDAYS.join(', ')}`;
      }
      const startMinute = typeof start === 'string' ? parseLocalTime(start, false) : null;
      const endMinute = typeof end === 'string' ? parseLocalTime(end, true) : null;
      if (startMinute === null) problems[`${path}.start`] = "must be a local time 'HH:mm' from 00:00 to 23:59";
      if (endMinute === null) problems[`${path}.end`] = "must be a local time 'HH:mm' from 00:01 to 24:00";
      if (startMinute !== null && endMinute !== null) {
        if (endMinute <= startMinute) problems[`${path}.end`] = `must be after start (${String(start)})`;
        else if (typeof day === 'string') parsed.push({ day, start: startMinute, end: endMinute, index });
      }
    });
    // Overlapping intervals would count the same minutes twice.
    for (const a of parsed) {
      const overlapping = parsed.find((b) => b.index < a.index && b.day === a.day && b.start < a.end && a.start < b.end);
      if (overlapping) {
        problems[`${prefix}.weeklyHours[${a.index}]`] = `overlaps weeklyHours[${overlapping.index}] on ${a.day}`;
      }
    }
  }
  if (holidays !== undefined) {
    if (!Array.isArray(holidays)) {
      problems[`${prefix}.holidays`] = "must be a list of local dates 'YYYY-MM-DD'";
    } else {
      holidays.forEach((holiday: unknown, index) => {
        if (typeof holiday !== 'string' || !DATE_PATTERN.test(holiday) || !DateTime.fromISO(holiday).isValid) {
          problems[`${prefix}.holidays[${index}]`] = "must be a valid local date 'YYYY-MM-DD'";
        }
      });
    }
  }
  return problems;
}
