import type { DomainCommand } from '../shared/event';
import type { BusinessCalendar, SlaTarget } from './department.events';

export type RegisterDepartment = DomainCommand<'RegisterDepartment', { departmentId: string; name: string }>;

/** Publishes a new version of the department's service standard; past requests keep theirs. */
export type PublishServiceStandard = DomainCommand<'PublishServiceStandard', { targets: SlaTarget[]; calendar?: BusinessCalendar | null }>;

export type DepartmentCommand = RegisterDepartment | PublishServiceStandard;
