import {
  AUDIENCES,
  MAX_HOLIDAYS,
  MAX_TARGETS,
  MAX_WEEKLY_INTERVALS,
  PRIORITIES,
  TEXT_LIMITS,
  WEEKDAYS,
  serviceStandardProblems,
  type Audience,
  type PublishServiceStandard,
  type RegisterDepartment,
  type Priority,
  type Weekday,
} from '@desk/domain';
import { EnumField, IdField, IntegerField, NestedArrayField, NestedField, PatternField, StringArrayField, TextField } from '../http/fields';

/** A cheap bound on a target's minutes; the domain's own is a year of the calendar's working time. */
const MINUTES_PER_YEAR = 366 * 24 * 60;
const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export class RegisterDepartmentBody {
  @IdField({
    example: 'it',
    description: "Chosen by the caller; becomes part of the stream name department-<id>. An id holding ':' is an import's (403)",
  })
  id: string;

  @TextField(TEXT_LIMITS.name, { example: 'IT' })
  name: string;
}

export class SlaTargetBody {
  @EnumField(PRIORITIES)
  priority: Priority;

  @EnumField(AUDIENCES)
  audience: Audience;

  @IntegerField({
    min: 1,
    max: MINUTES_PER_YEAR,
    of: 'minutes',
    description: 'Business minutes from opening to the first public agent reply',
  })
  firstResponseMinutes: number;

  @IntegerField({ min: 1, max: MINUTES_PER_YEAR, of: 'minutes', description: 'Business minutes from opening to resolution' })
  resolutionMinutes: number;
}

export class WorkingHoursBody {
  @EnumField(WEEKDAYS)
  day: Weekday;

  @PatternField(TIME, "must be a local time 'HH:mm'", { example: '09:00' })
  start: string;

  @PatternField(TIME, "must be a local time 'HH:mm' (24:00 for midnight)", { example: '17:00' })
  end: string;
}

export class CalendarBody {
  @TextField({ min: 1, max: 64 }, { example: 'Europe/Brussels', description: 'IANA time zone' })
  timeZone: string;

  @NestedArrayField(() => WorkingHoursBody, { min: 1, max: MAX_WEEKLY_INTERVALS })
  weeklyHours: WorkingHoursBody[];

  @StringArrayField(/^\d{4}-\d{2}-\d{2}$/, "must be a local date 'YYYY-MM-DD'", { max: MAX_HOLIDAYS, optional: true })
  holidays?: string[];
}

export class PublishServiceStandardBody {
  @NestedArrayField(() => SlaTargetBody, { min: 1, max: MAX_TARGETS, description: 'One target per priority and audience' })
  targets: SlaTargetBody[];

  @NestedField(() => CalendarBody, { optional: true, description: 'Business hours; without it every minute counts' })
  calendar?: CalendarBody;

  /** Targets against each other and the calendar (overlaps, first response after resolution, a year of working time). */
  static domainProblems(body: PublishServiceStandardBody): Record<string, string> {
    return serviceStandardProblems(departmentCommandData.publish(body)).fields;
  }
}

/** The command data each body stands for: the controller sends it, and the DTO–domain agreement spec decides it. */
export const departmentCommandData = {
  register: (body: RegisterDepartmentBody): RegisterDepartment['data'] => ({ departmentId: body.id, name: body.name }),
  publish: (body: PublishServiceStandardBody): PublishServiceStandard['data'] => ({
    targets: body.targets.map((target) => ({
      priority: target.priority,
      audience: target.audience,
      firstResponseMinutes: target.firstResponseMinutes,
      resolutionMinutes: target.resolutionMinutes,
    })),
    calendar: body.calendar
      ? {
          timeZone: body.calendar.timeZone,
          weeklyHours: body.calendar.weeklyHours.map((hours) => ({ day: hours.day, start: hours.start, end: hours.end })),
          holidays: body.calendar.holidays ?? [],
        }
      : null,
  }),
};
