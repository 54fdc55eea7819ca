import { AUDIENCES, PRIORITIES, WEEKDAYS } from '@desk/domain';
import { EnumField, IdField, IntegerField, NestedArrayField, NestedField, PatternField, StringArrayField, TextField } from '../http/fields';

const MINUTES_PER_YEAR = 366 * 24 * 60;
const TIME = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

export class RegisterDepartmentBody {
  @IdField({ example: 'it', description: 'Chosen by the caller; becomes part of the stream name department-<id>' })
  id: string;

  @TextField({ max: 200, example: 'IT' })
  name: string;
}

export class SlaTargetBody {
  @EnumField(PRIORITIES)
  priority: string;

  @EnumField(AUDIENCES)
  audience: string;

  @IntegerField({ min: 1, max: MINUTES_PER_YEAR, description: 'Business minutes from opening to the first public agent reply' })
  firstResponseMinutes: number;

  @IntegerField({ min: 1, max: MINUTES_PER_YEAR, description: 'Business minutes from opening to resolution' })
  resolutionMinutes: number;
}

export class WorkingHoursBody {
  @EnumField(WEEKDAYS)
  day: string;

  @PatternField(TIME, "must be a local time 'HH:mm'", { example: '09:00' })
  start: string;

  @PatternField(TIME, "must be a local time 'HH:mm' (24:00 for midnight)", { example: '17:00' })
  end: string;
}

export class CalendarBody {
  @TextField({ max: 64, example: 'Europe/Brussels', description: 'IANA time zone' })
  timeZone: string;

  @NestedArrayField(() => WorkingHoursBody, { min: 1, max: 70 })
  weeklyHours: WorkingHoursBody[];

  @StringArrayField(/^\d{4}-\d{2}-\d{2}$/, "must be a local date 'YYYY-MM-DD'", { max: 400, optional: true })
  holidays?: string[];
}

export class PublishServiceStandardBody {
  @NestedArrayField(() => SlaTargetBody, { min: 1, max: 8, description: 'One target per priority and audience' })
  targets: SlaTargetBody[];

  @NestedField(() => CalendarBody, { optional: true, description: 'Business hours; without it every minute counts' })
  calendar?: CalendarBody;
}
