import { agentDecider } from '../agent/agent.decider';
import type { AgentState } from '../agent/agent.state';
import type { CustomerRegistered } from '../customer/customer.events';
import { customerDecider } from '../customer/customer.decider';
import type { CustomerState } from '../customer/customer.state';
import type { BusinessCalendar, DepartmentEvent, SlaTarget } from '../department/department.events';
import { departmentDecider } from '../department/department.decider';
import type { DepartmentState } from '../department/department.state';
import type { RequestDecisionContext } from '../request/request.decide';
import type { RequestState } from '../request/request.state';
import type { Actor } from '../shared/event';
import type { DeskPolicies } from '../shared/policies';
import { stateAfter } from './specification';

/** Test data shared by the request, customer and impact specs. */

export { agent, analyst, client, employee, manager, operator, otherAgent, receptionist, system } from './roster';

/** Mon–Fri 09:00–17:00 in Brussels; Easter Monday 2025 off. */
export const itCalendar: BusinessCalendar = {
  timeZone: 'Europe/Brussels',
  weeklyHours: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, start: '09:00', end: '17:00' })),
  holidays: ['2025-04-21'],
};

/** Version 1 of IT's standard. No low/external target: such requests get SLA terms without due times. */
export const itTargetsV1: SlaTarget[] = [
  { priority: 'critical', audience: 'internal', firstResponseMinutes: 15, resolutionMinutes: 120 },
  { priority: 'high', audience: 'internal', firstResponseMinutes: 60, resolutionMinutes: 480 },
  { priority: 'medium', audience: 'internal', firstResponseMinutes: 240, resolutionMinutes: 960 },
  { priority: 'low', audience: 'internal', firstResponseMinutes: 480, resolutionMinutes: 2400 },
  { priority: 'critical', audience: 'external', firstResponseMinutes: 10, resolutionMinutes: 60 },
  { priority: 'high', audience: 'external', firstResponseMinutes: 30, resolutionMinutes: 240 },
  { priority: 'medium', audience: 'external', firstResponseMinutes: 120, resolutionMinutes: 480 },
];

export const itEvents: DepartmentEvent[] = [
  { type: 'DepartmentRegistered', data: { departmentId: 'it', name: 'IT' } },
  {
    type: 'ServiceStandardPublished',
    data: { departmentId: 'it', version: 1, targets: itTargetsV1, calendar: itCalendar, publishedAt: '2025-01-01T00:00:00.000Z' },
  },
];

/** Version 2 halves every target: requests measured against version 1 must not notice. */
export const itVersion2: DepartmentEvent = {
  type: 'ServiceStandardPublished',
  data: {
    departmentId: 'it',
    version: 2,
    targets: itTargetsV1.map((t) => ({
      ...t,
      firstResponseMinutes: t.firstResponseMinutes / 5,
      resolutionMinutes: t.resolutionMinutes / 5,
    })),
    calendar: null,
    publishedAt: '2025-02-01T00:00:00.000Z',
  },
};

export const itDepartment = stateAfter(departmentDecider, itEvents);
export const itDepartmentWithVersion2 = stateAfter(departmentDecider, [...itEvents, itVersion2]);
/** HR has published no standard: its requests carry no SLA. */
export const hrDepartment = stateAfter(departmentDecider, [{ type: 'DepartmentRegistered', data: { departmentId: 'hr', name: 'HR' } }]);

function customer(data: CustomerRegistered['data']): CustomerState {
  return stateAfter(customerDecider, [{ type: 'CustomerRegistered', data }]);
}

export const eva = customer({
  customerId: 'emp-eva',
  name: 'Eva',
  type: 'internal',
  kind: 'employee',
  departmentId: 'hr',
  customerFacing: false,
});
export const rita = customer({
  customerId: 'rec-rita',
  name: 'Rita',
  type: 'internal',
  kind: 'employee',
  departmentId: 'it',
  customerFacing: true,
});
export const carl = customer({ customerId: 'ext-carl', name: 'Carl', type: 'external', kind: 'individual' });

/** The roster's agents as registered: Ann works in IT and HR, Bob in IT only. */
export const ann = stateAfter(agentDecider, [
  { type: 'AgentRegistered', data: { agentId: 'agent-ann', name: 'Ann', departmentIds: ['it', 'hr'], tier: 'L1' } },
]);
export const bob = stateAfter(agentDecider, [
  { type: 'AgentRegistered', data: { agentId: 'agent-bob', name: 'Bob', departmentIds: ['it'], tier: 'L2' } },
]);

/** Monday 3 March 2025, 09:00 in Brussels (+01:00). */
export const MONDAY_9 = new Date('2025-03-03T08:00:00.000Z');

export function minutesAfter(date: Date, minutes: number): Date {
  return new Date(date.getTime() + minutes * 60_000);
}

export function requestContext(
  actor: Actor,
  now: Date = MONDAY_9,
  extra: {
    departments?: [string, DepartmentState][];
    requests?: [string, RequestState][];
    agents?: [string, AgentState][];
    policies?: DeskPolicies;
  } = {},
): RequestDecisionContext {
  return {
    now,
    actor,
    ...(extra.policies ? { policies: extra.policies } : {}),
    departments: new Map<string, DepartmentState>([['it', itDepartment], ['hr', hrDepartment], ...(extra.departments ?? [])]),
    customers: new Map<string, CustomerState>([
      ['emp-eva', eva],
      ['rec-rita', rita],
      ['ext-carl', carl],
    ]),
    requests: new Map(extra.requests ?? []),
    agents: new Map<string, AgentState>([['agent-ann', ann], ['agent-bob', bob], ...(extra.agents ?? [])]),
  };
}
