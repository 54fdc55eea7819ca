import { CommandRefusedError, ForbiddenError, InvalidCommandError, NotFoundError } from '../shared/errors';
import type { DecisionContext } from '../shared/event';
import { itCalendar, itTargetsV1, manager, operator, agent, system } from '../testing/fixtures';
import { specification, stateAfter } from '../testing/specification';
import type { DepartmentEvent } from './department.events';
import { departmentDecider } from './department.decider';
import { MAX_TARGET_WEEKS } from './department.decide';
import { currentServiceStandard, serviceStandardVersion } from './department.state';

const now = new Date('2025-03-03T08:00:00.000Z');
const context: DecisionContext = { now, actor: manager };
const department = specification(departmentDecider);

const registered: DepartmentEvent = { type: 'DepartmentRegistered', data: { departmentId: 'it', name: 'IT' } };
const version1: DepartmentEvent = {
  type: 'ServiceStandardPublished',
  data: { departmentId: 'it', version: 1, targets: itTargetsV1, calendar: itCalendar, publishedAt: '2025-01-01T00:00:00.000Z' },
};
const target = { priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 240 } as const;

describe('RegisterDepartment', () => {
  it('registers a new department', () => {
    department
      .given([])
      .when({ type: 'RegisterDepartment', data: { departmentId: 'it', name: '  IT ' } }, context)
      .then([{ type: 'DepartmentRegistered', data: { departmentId: 'it', name: 'IT' } }]);
  });

  it('is open to operators too', () => {
    department
      .given([])
      .when({ type: 'RegisterDepartment', data: { departmentId: 'it', name: 'IT' } }, { now, actor: operator })
      .then([registered]);
  });

  it("keeps ids with ':' for the desk's own processes: an import registers its teams as <source>:<id>", () => {
    for (const actor of [manager, operator]) {
      department
        .given([])
        .when({ type: 'RegisterDepartment', data: { departmentId: 'volvo:it', name: 'IT' } }, { now, actor })
        .thenThrows(ForbiddenError, `may not create department volvo:it: ids with ':' are reserved for the desk's own processes`);
    }
    department
      .given([])
      .when({ type: 'RegisterDepartment', data: { departmentId: 'volvo:it', name: 'IT' } }, { now, actor: system })
      .then([{ type: 'DepartmentRegistered', data: { departmentId: 'volvo:it', name: 'IT' } }]);
  });

  it('refuses a department that already exists', () => {
    department
      .given([registered])
      .when({ type: 'RegisterDepartment', data: { departmentId: 'it', name: 'Other' } }, context)
      .thenThrows(CommandRefusedError, 'cannot register department it: it is already registered');
  });

  it('refuses an empty or too long name and a malformed id, naming the fields', () => {
    const error = department
      .given([])
      .when({ type: 'RegisterDepartment', data: { departmentId: 'it dept', name: ' ' } }, context)
      .thenThrows(InvalidCommandError, 'invalid RegisterDepartment');
    expect(error.fields).toEqual({ departmentId: expect.any(String), name: 'must not be empty' });
    department
      .given([])
      .when({ type: 'RegisterDepartment', data: { departmentId: 'it', name: 'x'.repeat(201) } }, context)
      .thenThrows(InvalidCommandError, 'name must have at most 200 characters');
  });

  it('is refused to agents and requesters', () => {
    department
      .given([])
      .when({ type: 'RegisterDepartment', data: { departmentId: 'it', name: 'IT' } }, { now, actor: agent })
      .thenThrows(ForbiddenError, 'an agent may not register a department');
  });
});

describe('PublishServiceStandard', () => {
  it('publishes version 1 with its calendar, at the decision time', () => {
    department
      .given([registered])
      .when({ type: 'PublishServiceStandard', data: { targets: itTargetsV1, calendar: itCalendar } }, context)
      .then([
        {
          type: 'ServiceStandardPublished',
          data: { departmentId: 'it', version: 1, targets: itTargetsV1, calendar: itCalendar, publishedAt: now.toISOString() },
        },
      ]);
  });

  it('numbers the next version after the last one; no calendar means 24×7', () => {
    department
      .given([registered, version1])
      .when({ type: 'PublishServiceStandard', data: { targets: [target] } }, context)
      .then([
        {
          type: 'ServiceStandardPublished',
          data: { departmentId: 'it', version: 2, targets: [target], calendar: null, publishedAt: now.toISOString() },
        },
      ]);
  });

  it('fills in missing holidays and drops unknown calendar fields', () => {
    const [event] = department
      .given([registered])
      .when(
        {
          type: 'PublishServiceStandard',
          data: {
            targets: [target],
            calendar: { timeZone: 'UTC', weeklyHours: [{ day: 'mon', start: '08:00', end: '24:00', extra: 1 }] } as never,
          },
        },
        context,
      )
      .events();
    expect(event.data).toMatchObject({
      calendar: { timeZone: 'UTC', weeklyHours: [{ day: 'mon', start: '08:00', end: '24:00' }], holidays: [] },
    });
  });

  it('needs an existing department', () => {
    department
      .given([])
      .when({ type: 'PublishServiceStandard', data: { targets: [target] } }, context)
      .thenThrows(NotFoundError, 'department that does not exist');
  });

  it('needs at least one target', () => {
    const error = department
      .given([registered])
      .when({ type: 'PublishServiceStandard', data: { targets: [] } }, context)
      .thenThrows(InvalidCommandError);
    expect(error.fields).toEqual({ targets: 'must list at least one target' });
  });

  it('refuses bad targets, naming each field', () => {
    const error = department
      .given([registered])
      .when(
        {
          type: 'PublishServiceStandard',
          data: {
            targets: [
              { priority: 'urgent', audience: 'everyone', firstResponseMinutes: 0, resolutionMinutes: 1.5 },
              { priority: 'high', audience: 'internal', firstResponseMinutes: 300, resolutionMinutes: 240 },
              target,
            ] as never,
          },
        },
        context,
      )
      .thenThrows(InvalidCommandError, 'invalid PublishServiceStandard');
    expect(error.fields).toEqual({
      'targets[0].priority': 'must be one of critical, high, medium, low',
      'targets[0].audience': 'must be one of internal, external',
      'targets[0].firstResponseMinutes': 'must be a whole number of minutes from 1 to 5256000',
      'targets[1].firstResponseMinutes': 'must not exceed resolutionMinutes (240)',
      'targets[2]': 'repeats the high internal target of targets[1]',
    });
  });

  it('refuses an invalid calendar, including one without working hours', () => {
    const error = department
      .given([registered])
      .when(
        {
          type: 'PublishServiceStandard',
          data: { targets: [target], calendar: { timeZone: 'Europe/Bruxelles', weeklyHours: [], holidays: ['2025-13-01'] } },
        },
        context,
      )
      .thenThrows(InvalidCommandError);
    expect(Object.keys(error.fields!)).toEqual(['calendar.timeZone', 'calendar.weeklyHours', 'calendar.holidays[0]']);
  });

  it("refuses a target that needs more than a year of the calendar's working time, and accepts one just within", () => {
    // One working minute a week: 52 minutes fit in a year, 53 do not.
    const sparse = { timeZone: 'Pacific/Chatham', weeklyHours: [{ day: 'mon' as const, start: '00:00', end: '00:01' }], holidays: [] };
    const error = department
      .given([registered])
      .when(
        {
          type: 'PublishServiceStandard',
          data: { targets: [{ ...target, firstResponseMinutes: 1, resolutionMinutes: MAX_TARGET_WEEKS + 1 }], calendar: sparse },
        },
        context,
      )
      .thenThrows(InvalidCommandError);
    expect(error.fields).toEqual({ 'targets[0].resolutionMinutes': expect.stringMatching(/more than 52 weeks/) });
    department
      .given([registered])
      .when(
        {
          type: 'PublishServiceStandard',
          data: { targets: [{ ...target, firstResponseMinutes: 1, resolutionMinutes: MAX_TARGET_WEEKS }], calendar: sparse },
        },
        context,
      )
      .then([
        {
          type: 'ServiceStandardPublished',
          data: {
            departmentId: 'it',
            version: 1,
            targets: [{ ...target, firstResponseMinutes: 1, resolutionMinutes: MAX_TARGET_WEEKS }],
            calendar: sparse,
            publishedAt: now.toISOString(),
          },
        },
      ]);
  });

  it('is refused to agents', () => {
    department
      .given([registered])
      .when({ type: 'PublishServiceStandard', data: { targets: [target] } }, { now, actor: agent })
      .thenThrows(ForbiddenError, 'publish a service standard');
  });
});

describe('department state', () => {
  it('starts absent, and keeps every published version', () => {
    expect(departmentDecider.initialState).toEqual({ status: 'absent' });
    const version2: DepartmentEvent = {
      type: 'ServiceStandardPublished',
      data: { departmentId: 'it', version: 2, targets: [target], calendar: null, publishedAt: '2025-02-01T00:00:00.000Z' },
    };
    const state = stateAfter(departmentDecider, [registered, version1, version2]);
    expect(state).toEqual({
      status: 'active',
      departmentId: 'it',
      name: 'IT',
      standards: [
        { version: 1, targets: itTargetsV1, calendar: itCalendar, publishedAt: '2025-01-01T00:00:00.000Z' },
        { version: 2, targets: [target], calendar: null, publishedAt: '2025-02-01T00:00:00.000Z' },
      ],
    });
    expect(currentServiceStandard(state)?.version).toBe(2);
    expect(serviceStandardVersion(state, 1)?.calendar).toEqual(itCalendar);
    expect(serviceStandardVersion(state, 3)).toBeNull();
    expect(currentServiceStandard(stateAfter(departmentDecider, [registered]))).toBeNull();
  });
});
