import { CommandRefusedError, NotFoundError } from '../shared/errors';
import type { DecisionContext } from '../shared/event';
import { ADMINISTRATOR_ROLES, requireRole } from '../shared/roles';
import { FieldProblems, isOneOf } from '../shared/validation';
import { AUDIENCES, PRIORITIES } from '../shared/vocabulary';
import { validateBusinessCalendar, weeklyWorkingMinutes } from '../sla/business-calendar';

/** The longest target a calendar may carry, in ordinary weeks of its working time. */
export const MAX_TARGET_WEEKS = 52;
import type { DepartmentCommand, PublishServiceStandard, RegisterDepartment } from './department.commands';
import type { BusinessCalendar, DepartmentEvent, DepartmentRegistered, ServiceStandardPublished } from './department.events';
import type { DepartmentState } from './department.state';

export type DepartmentDecisionContext = DecisionContext;

/** Ten years of minutes: anything longer is a typo, and would make due times meaningless. */
export const MAX_TARGET_MINUTES = 5_256_000;

export function decideDepartment(
  command: DepartmentCommand,
  state: DepartmentState,
  context: DepartmentDecisionContext,
): DepartmentEvent[] {
  switch (command.type) {
    case 'RegisterDepartment':
      return registerDepartment(command, state, context);
    case 'PublishServiceStandard':
      return publishServiceStandard(command, state, context);
    default: {
      const _: never = command;
      throw new Error(`unknown department command ${(command as { type: string }).type}`);
    }
  }
}

function registerDepartment(
  command: RegisterDepartment,
  state: DepartmentState,
  context: DepartmentDecisionContext,
): DepartmentRegistered[] {
  requireRole(context.actor, ADMINISTRATOR_ROLES, 'register a department');
  const problems = new FieldProblems();
  problems.id('departmentId', command.data.departmentId);
  problems.text('name', command.data.name, { min: 1, max: 200 });
  problems.throwIfAny(command.type);
  if (state.status !== 'absent') {
    throw new CommandRefusedError(`cannot register department ${command.data.departmentId}: it is already registered (as "${state.name}")`);
  }
  return [{ type: 'DepartmentRegistered', data: { departmentId: command.data.departmentId, name: command.data.name.trim() } }];
}

function publishServiceStandard(
  command: PublishServiceStandard,
  state: DepartmentState,
  context: DepartmentDecisionContext,
): ServiceStandardPublished[] {
  requireRole(context.actor, ADMINISTRATOR_ROLES, 'publish a service standard');
  if (state.status === 'absent') {
    throw new NotFoundError('cannot publish a service standard for a department that does not exist');
  }
  const problems = new FieldProblems();
  const { targets, calendar } = command.data;
  if (!Array.isArray(targets) || targets.length === 0) {
    problems.add('targets', 'must list at least one target');
  } else {
    const seen = new Map<string, number>();
    targets.forEach((target, index) => {
      const path = `targets[${index}]`;
      problems.oneOf(`${path}.priority`, target?.priority, PRIORITIES);
      problems.oneOf(`${path}.audience`, target?.audience, AUDIENCES);
      const minutesValid = (['firstResponseMinutes', 'resolutionMinutes'] as const).every((field) => {
        const value = target?.[field];
        const valid = Number.isInteger(value) && value > 0 && value <= MAX_TARGET_MINUTES;
        if (!valid) problems.add(`${path}.${field}`, `must be a whole number of minutes from 1 to ${MAX_TARGET_MINUTES}`);
        return valid;
      });
      if (minutesValid && target.firstResponseMinutes > target.resolutionMinutes) {
        problems.add(`${path}.firstResponseMinutes`, `must not exceed resolutionMinutes (${target.resolutionMinutes})`);
      }
      if (isOneOf(target?.priority, PRIORITIES) && isOneOf(target?.audience, AUDIENCES)) {
        const key = `${target.priority}/${target.audience}`;
        const earlier = seen.get(key);
        if (earlier !== undefined) problems.add(path, `repeats the ${target.priority} ${target.audience} target of targets[${earlier}]`);
        else seen.set(key, index);
      }
    });
  }
  if (calendar !== undefined && calendar !== null) {
    const calendarProblems = Object.entries(validateBusinessCalendar(calendar));
    for (const [field, message] of calendarProblems) problems.add(field, message);
    if (calendarProblems.length === 0 && Array.isArray(targets)) {
      // A target beyond a year of the calendar's working time is no service promise, and would send due-time walks through decades.
      const weekly = weeklyWorkingMinutes(calendar);
      targets.forEach((target, index) => {
        if (Number.isInteger(target?.resolutionMinutes) && target.resolutionMinutes > weekly * MAX_TARGET_WEEKS) {
          problems.add(
            `targets[${index}].resolutionMinutes`,
            `would take more than ${MAX_TARGET_WEEKS} weeks of this calendar's ${weekly} working minutes a week`,
          );
        }
      });
    }
  }
  problems.throwIfAny(command.type);

  const previous = state.standards.length === 0 ? 0 : state.standards[state.standards.length - 1].version;
  return [
    {
      type: 'ServiceStandardPublished',
      data: {
        departmentId: state.departmentId,
        version: previous + 1,
        targets: targets.map(({ priority, audience, firstResponseMinutes, resolutionMinutes }) => ({
          priority,
          audience,
          firstResponseMinutes,
          resolutionMinutes,
        })),
        calendar: calendar ? normalizeCalendar(calendar) : null,
        publishedAt: context.now.toISOString(),
      },
    },
  ];
}

/** Keeps only the calendar's known fields, with holidays always present, so events hold no stray input. */
function normalizeCalendar(calendar: BusinessCalendar): BusinessCalendar {
  return {
    timeZone: calendar.timeZone,
    weeklyHours: calendar.weeklyHours.map(({ day, start, end }) => ({ day, start, end })),
    holidays: [...(calendar.holidays ?? [])],
  };
}
