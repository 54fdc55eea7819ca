import { CommandRefusedError, NotFoundError } from '../shared/errors';
import type { DecisionContext } from '../shared/event';
import { ADMINISTRATOR_ROLES, refuseReservedId, requireRole } from '../shared/roles';
import { FieldProblems, TEXT_LIMITS, isOneOf } from '../shared/validation';
import { AUDIENCES, PRIORITIES } from '../shared/vocabulary';
import { validateBusinessCalendar, weeklyWorkingMinutes } from '../sla/business-calendar';
import type { DepartmentCommand, PublishServiceStandard, RegisterDepartment } from './department.commands';
import type { BusinessCalendar, DepartmentEvent, DepartmentRegistered, ServiceStandardPublished } from './department.events';
import type { DepartmentState } from './department.state';

/** The longest target a calendar may carry, in ordinary weeks of its working time. */
export const MAX_TARGET_WEEKS = 52;

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
  refuseReservedId(context.actor, 'department', command.data.departmentId);
  const problems = new FieldProblems();
  problems.id('departmentId', command.data.departmentId);
  problems.text('name', command.data.name, TEXT_LIMITS.name);
  problems.throwIfAny(command.type);
  if (state.status !== 'absent') {
    throw new CommandRefusedError(`cannot register department ${command.data.departmentId}: it is already registered (as "${state.name}")`);
  }
  return [{ type: 'DepartmentRegistered', data: { departmentId: command.data.departmentId, name: command.data.name.trim() } }];
}

/** One target per priority and audience, at most. */
export const MAX_TARGETS = PRIORITIES.length * AUDIENCES.length;
/** Working intervals in a calendar's week: ten a day is more than any desk keeps. */
export const MAX_WEEKLY_INTERVALS = 70;
export const MAX_HOLIDAYS = 400;
const MINUTES_PER_WEEK = 7 * 24 * 60;

/**
 * What is wrong with a service standard, whatever the department's state: the HTTP body (and the what-if
 * question) is checked with it too. Targets are named by their index: targets[0].priority.
 */
export function serviceStandardProblems(data: PublishServiceStandard['data']): FieldProblems {
  const problems = new FieldProblems();
  const { targets, calendar } = data;
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
  const hasCalendar = calendar !== undefined && calendar !== null;
  let calendarValid = !hasCalendar;
  if (hasCalendar) {
    const calendarProblems = Object.entries(validateBusinessCalendar(calendar));
    for (const [field, message] of calendarProblems) problems.add(field, message);
    const { weeklyHours, holidays } = calendar as Partial<BusinessCalendar>;
    if (Array.isArray(weeklyHours) && weeklyHours.length > MAX_WEEKLY_INTERVALS) {
      problems.add('calendar.weeklyHours', `must list at most ${MAX_WEEKLY_INTERVALS} working intervals`);
    }
    if (Array.isArray(holidays) && holidays.length > MAX_HOLIDAYS)
      problems.add('calendar.holidays', `must list at most ${MAX_HOLIDAYS} dates`);
    calendarValid = calendarProblems.length === 0;
  }
  if (calendarValid && Array.isArray(targets)) {
    // A target beyond a year of the calendar's working time (every minute, without a calendar) is no service promise,
    // and would send due-time walks through decades.
    const weekly = hasCalendar ? weeklyWorkingMinutes(calendar) : MINUTES_PER_WEEK;
    const working = hasCalendar ? `this calendar's ${weekly} working minutes a week` : 'every minute of the week, as there is no calendar';
    targets.forEach((target, index) => {
      for (const field of ['firstResponseMinutes', 'resolutionMinutes'] as const) {
        if (Number.isInteger(target?.[field]) && target[field] > weekly * MAX_TARGET_WEEKS) {
          problems.add(`targets[${index}].${field}`, `would take more than ${MAX_TARGET_WEEKS} weeks of ${working}`);
        }
      }
    });
  }
  return problems;
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
  serviceStandardProblems(command.data).throwIfAny(command.type);
  const { targets, calendar } = command.data;

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
