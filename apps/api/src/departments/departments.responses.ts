import {
  AUDIENCES,
  PRIORITIES,
  WEEKDAYS,
  type Audience,
  type BusinessCalendar,
  type DepartmentState,
  type Priority,
  type ServiceStandard,
  type SlaTarget,
  type Weekday,
  type WorkingHours,
} from '@desk/domain';
import { Answer } from '../http/answer-fields';

/** What GET /departments/{id} answers: the department as its stream folds it, with the revision (also the ETag). */
export type DepartmentView = Extract<DepartmentState, { status: 'active' }> & { revision: string };

export class SlaTargetResponse implements SlaTarget {
  @Answer.oneOf(PRIORITIES)
  priority: Priority;

  @Answer.oneOf(AUDIENCES)
  audience: Audience;

  @Answer.integer({ min: 1, example: 60, description: 'Business minutes from opening to the first public agent reply' })
  firstResponseMinutes: number;

  @Answer.integer({ min: 1, example: 480, description: 'Business minutes from opening to resolution' })
  resolutionMinutes: number;
}

export class WorkingHoursResponse implements WorkingHours {
  @Answer.oneOf(WEEKDAYS)
  day: Weekday;

  @Answer.string({ example: '09:00', description: "Local time 'HH:mm', inclusive" })
  start: string;

  @Answer.string({ example: '17:00', description: "Local time 'HH:mm', exclusive; '24:00' for midnight" })
  end: string;
}

export class BusinessCalendarResponse implements BusinessCalendar {
  @Answer.string({ example: 'Europe/Brussels', description: 'IANA time zone' })
  timeZone: string;

  @Answer.list(() => WorkingHoursResponse)
  weeklyHours: WorkingHoursResponse[];

  @Answer.strings({ example: ['2026-12-25'], description: "Local dates 'YYYY-MM-DD' on which no minute counts" })
  holidays: string[];
}

export class ServiceStandardResponse implements ServiceStandard {
  @Answer.integer({ min: 1, example: 1, description: '1, 2, 3… per department; a request records the version it is measured against' })
  version: number;

  @Answer.list(() => SlaTargetResponse)
  targets: SlaTargetResponse[];

  @Answer.nested(() => BusinessCalendarResponse, { nullable: true, description: 'Null: every minute counts' })
  calendar: BusinessCalendarResponse | null;

  @Answer.time()
  publishedAt: string;
}

export class DepartmentResponse implements DepartmentView {
  @Answer.oneOf(['active'])
  status: 'active';

  @Answer.id({ example: 'it' })
  departmentId: string;

  @Answer.string({ example: 'IT' })
  name: string;

  @Answer.list(() => ServiceStandardResponse, { description: 'Every version ever published, oldest first' })
  standards: ServiceStandardResponse[];

  @Answer.position({ example: '1', description: 'The stream revision (also the ETag)' })
  revision: string;
}
