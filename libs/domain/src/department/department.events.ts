import type { DomainEvent } from '../shared/event';
import type { Audience, Priority, Weekday } from '../shared/vocabulary';

export interface SlaTarget {
  priority: Priority;
  audience: Audience;
  firstResponseMinutes: number;
  resolutionMinutes: number;
}

export interface WorkingHours {
  day: Weekday;
  /** Local time 'HH:mm', inclusive. */
  start: string;
  /** Local time 'HH:mm', exclusive; '24:00' allowed. Must be after start. */
  end: string;
}

/** When SLA minutes count. Without a calendar, every minute counts (24×7). */
export interface BusinessCalendar {
  /** IANA time zone, e.g. 'Europe/Brussels'. */
  timeZone: string;
  weeklyHours: WorkingHours[];
  /** Local dates 'YYYY-MM-DD' on which no minute counts. */
  holidays: string[];
}

/** A type alias, not an interface: event data must stay assignable to Record<string, unknown>. */
export type ServiceStandard = {
  /** 1, 2, 3… per department; a request records the version it is measured against. */
  version: number;
  targets: SlaTarget[];
  calendar: BusinessCalendar | null;
  publishedAt: string;
};

export type DepartmentRegistered = DomainEvent<'DepartmentRegistered', { departmentId: string; name: string }>;

export type ServiceStandardPublished = DomainEvent<'ServiceStandardPublished', { departmentId: string } & ServiceStandard>;

export type DepartmentEvent = DepartmentRegistered | ServiceStandardPublished;
