import { randomUUID } from 'node:crypto';
import type { Actor, BusinessCalendar, CustomerCommand, DepartmentCommand, ImpactCommand, RequestCommand, SlaTarget } from '@desk/domain';
import type { EventStore } from '@desk/event-store';
import { AgentWrite, CustomerWrite, DepartmentWrite, ImpactWrite, RequestWrite } from '../commands/writes';
import type { CommandEnvelope } from '../commands/command-handler';
import { createCommandSide } from '../command-side';

/** A desk already used: the demo only fills empty ones. */
export class DeskNotEmptyError extends Error {}

/** What the demo made, for the CLI to show and a person to look up. */
export interface DemoDesk {
  events: number;
  /** How many requests it opened. */
  requests: number;
  /** The business time of its first and last events. */
  from: string;
  to: string;
  departments: string[];
  customers: { internal: string[]; external: string[] };
  openRequests: string[];
  /** Resolved or cancelled. */
  closedRequests: string[];
  vetClinicChain: string;
}

const HISTORY_STARTS_DAYS_AGO = 3;

const MANAGER: Actor = { id: 'demo-manager', role: 'manager' };
const OFFICE: BusinessCalendar = {
  timeZone: 'Europe/Brussels',
  weeklyHours: (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, start: '08:00', end: '18:00' })),
  holidays: [],
};

const standard = (internal: [number, number][], external: [number, number][] = []): SlaTarget[] => {
  const priorities = ['critical', 'high', 'medium', 'low'] as const;
  return [
    ...internal.map(([firstResponseMinutes, resolutionMinutes], i) => ({
      priority: priorities[i],
      audience: 'internal' as const,
      firstResponseMinutes,
      resolutionMinutes,
    })),
    ...external.map(([firstResponseMinutes, resolutionMinutes], i) => ({
      priority: priorities[i],
      audience: 'external' as const,
      firstResponseMinutes,
      resolutionMinutes,
    })),
  ];
};

/**
 * Fills an empty desk with a small organisation (a vet clinic with a
 * restaurant: IT, HR, facilities, marketing, kitchen, front desk, customer
 * support, sales) and a few days of its life, through the same commands as
 * the API, so every read model has
 * something to show: departments with standards (and office hours), internal
 * customers of every kind (customer-facing ones too) and external ones of
 * every kind, requests in every state, the vet clinic's impact chain, a
 * kitchen fault degrading restaurant service, ratings (a poor one, which the
 * follow-up process answers) and a compensation.
 *
 * Its history starts three days before `now` and ends about a day and a half
 * before it, on purpose: requests left open are then past their SLA targets
 * (the SLA watch records those breaches as soon as a desk runs), so the
 * queues, workloads and what-if have breaches and at-risk work to show.
 */
export async function loadDemoDesk(store: EventStore, now: Date): Promise<DemoDesk> {
  if ((await store.headPosition()) > 0n) throw new DeskNotEmptyError('the demo fills an empty desk; this one has events already');
  let time = new Date(now.getTime() - HISTORY_STARTS_DAYS_AGO * 24 * 60 * 60_000);
  const from = time.toISOString();
  const requestsOpen = new Map<string, boolean>();
  const clock = { now: () => time };
  const side = createCommandSide(store, clock);
  const envelope = (actor: Actor): CommandEnvelope => ({ commandId: randomUUID(), correlationId: randomUUID(), actor, now: time });
  const department = (id: string, command: DepartmentCommand) =>
    side.departments.execute(new DepartmentWrite(id, command, envelope(MANAGER)));
  const customer = (id: string, command: CustomerCommand) => side.customers.execute(new CustomerWrite(id, command, envelope(MANAGER)));
  const request = async (id: string, command: RequestCommand, actor: Actor = { id: 'agent-alex', role: 'agent' }) => {
    const answer = await side.requests.execute(new RequestWrite(id, command, envelope(actor)));
    if (command.type === 'OpenRequest' || command.type === 'ReopenRequest') requestsOpen.set(id, true);
    if (command.type === 'ResolveRequest' || command.type === 'CancelRequest' || command.type === 'CloseRequest')
      requestsOpen.set(id, false);
    return answer;
  };
  const impact = (cause: string, command: ImpactCommand) =>
    side.impacts.execute(new ImpactWrite(cause, command, envelope({ id: 'agent-alex', role: 'agent' })));
  const later = (minutes: number) => (time = new Date(time.getTime() + minutes * 60_000));

  const departments: [string, string, SlaTarget[] | null, BusinessCalendar | null][] = [
    [
      'it',
      'IT',
      standard([
        [15, 240],
        [30, 480],
        [120, 1440],
        [480, 4800],
      ]),
      OFFICE,
    ],
    [
      'hr',
      'HR',
      standard([
        [60, 1440],
        [120, 2880],
        [480, 4800],
        [960, 9600],
      ]),
      OFFICE,
    ],
    [
      'facilities',
      'Facilities',
      standard([
        [30, 480],
        [60, 960],
        [240, 2880],
        [480, 4800],
      ]),
      null,
    ],
    [
      'marketing',
      'Marketing',
      standard([
        [60, 960],
        [120, 1440],
        [480, 4800],
        [960, 9600],
      ]),
      OFFICE,
    ],
    [
      'kitchen',
      'Kitchen',
      standard([
        [10, 60],
        [15, 120],
        [30, 240],
        [60, 480],
      ]),
      null,
    ],
    [
      'front-desk',
      'Front desk',
      standard(
        [
          [15, 120],
          [30, 240],
          [60, 480],
          [120, 960],
        ],
        [
          [10, 60],
          [15, 120],
          [30, 240],
          [60, 480],
        ],
      ),
      null,
    ],
    [
      'support',
      'Customer support',
      standard(
        [],
        [
          [15, 240],
          [30, 480],
          [60, 1440],
          [240, 2880],
        ],
      ),
      OFFICE,
    ],
    ['sales', 'Sales', null, null],
  ];
  for (const [id, name, targets, calendar] of departments) {
    await department(id, { type: 'RegisterDepartment', data: { departmentId: id, name } });
    if (targets) await department(id, { type: 'PublishServiceStandard', data: { targets, calendar } });
  }

  const internal: [string, string, string, string, boolean][] = [
    ['rita', 'Rita, receptionist', 'employee', 'front-desk', true],
    ['sam', 'Sam, salesperson', 'employee', 'sales', true],
    ['sue', 'Sue, support agent', 'employee', 'support', true],
    ['chef-carlos', 'Carlos, head chef', 'employee', 'kitchen', false],
    ['eva', 'Eva, accountant', 'employee', 'hr', false],
    ['tom', 'Tom, temporary waiter', 'temporary', 'front-desk', true],
    ['cora', 'Cora, contractor', 'contractor', 'it', false],
    ['olivia', 'Olivia, owner', 'owner', 'hr', false],
    ['sharon', 'Sharon, shareholder', 'shareholder', 'marketing', false],
  ];
  for (const [id, name, kind, departmentId, customerFacing] of internal) {
    await customer(id, { type: 'RegisterCustomer', data: { customerId: id, name, type: 'internal', kind, departmentId, customerFacing } });
  }
  const external: [string, string, string][] = [
    ['olga', 'Olga, cat owner', 'individual'],
    ['omar', 'Omar, dog owner', 'individual'],
    ['acme', 'ACME Kennels', 'business'],
    ['city-hall', 'City hall', 'government'],
    ['shelter', 'Animal shelter', 'nonprofit'],
  ];
  for (const [id, name, kind] of external) {
    await customer(id, { type: 'RegisterCustomer', data: { customerId: id, name, type: 'external', kind } });
  }

  // Requests are assigned to registered agents of their department only: one per department that works requests here.
  const agents: [string, string, string, 'L1' | 'L2' | 'L3'][] = [
    ['agent-alex', 'Alex (IT)', 'it', 'L2'],
    ['agent-hana', 'Hana (HR)', 'hr', 'L1'],
    ['agent-mona', 'Mona (marketing)', 'marketing', 'L1'],
    ['agent-fred', 'Fred (facilities)', 'facilities', 'L1'],
    ['agent-kim', 'Kim (kitchen)', 'kitchen', 'L1'],
    ['agent-sue', 'Sue (support)', 'support', 'L1'],
  ];
  for (const [id, name, departmentId, tier] of agents) {
    await side.agents.execute(
      new AgentWrite(id, { type: 'RegisterAgent', data: { agentId: id, name, departmentIds: [departmentId], tier } }, envelope(MANAGER)),
    );
  }

  let opened = 0;
  const open = (
    id: string,
    requesterId: string,
    departmentId: string,
    subject: string,
    priority: 'critical' | 'high' | 'medium' | 'low',
    channel = 'portal',
  ) => {
    opened++;
    return request(id, {
      type: 'OpenRequest',
      data: { requestId: id, requesterId, departmentId, subject, description: subject, priority, channel },
    });
  };
  const work = async (id: string, agentId = 'agent-alex') => {
    await request(id, { type: 'AssignRequest', data: { agentId } });
    await request(id, { type: 'StartWork', data: {} }, { id: agentId, role: 'agent' });
  };
  const answer = (id: string, body: string) =>
    request(id, { type: 'AddComment', data: { commentId: randomUUID(), body, visibility: 'public' } });
  const resolve = (id: string, resolution: string) => request(id, { type: 'ResolveRequest', data: { resolution } });
  const rate = (id: string, requesterId: string, score: number, comment?: string) =>
    request(id, { type: 'RateSatisfaction', data: { score, ...(comment ? { comment } : {}) } }, { id: requesterId, role: 'requester' });

  // Day 1: ordinary internal work, answered and resolved, rated.
  await open('it-laptop', 'eva', 'it', 'Laptop will not start', 'medium');
  later(20);
  await answer('it-laptop', 'Bring it to the IT desk, we will swap the battery.');
  await work('it-laptop');
  later(90);
  await resolve('it-laptop', 'Battery replaced');
  await rate('it-laptop', 'eva', 5);
  await open('hr-training', 'tom', 'hr', 'Food safety training for temporary staff', 'low');
  await open('hr-contract', 'cora', 'hr', 'Contract extension', 'medium', 'email');
  await work('hr-contract', 'agent-hana');
  await open('mkt-brochure', 'sam', 'marketing', 'Brochure for the spring offer (sales needs it)', 'high');
  later(60);
  await answer('mkt-brochure', 'Draft by Thursday.');
  await work('mkt-brochure', 'agent-mona');
  await open('fac-heating', 'olivia', 'facilities', 'Heating fails in the meeting room', 'medium', 'phone');
  await work('fac-heating', 'agent-fred');
  later(120);
  await resolve('fac-heating', 'Thermostat reset');
  await rate('fac-heating', 'olivia', 2, 'It took the whole morning');
  await open('mkt-report', 'sharon', 'marketing', 'Quarterly brand report', 'low', 'email');

  // Day 2: the vet clinic's phones break; pet owners cannot book.
  later(18 * 60);
  await open('it-switch', 'cora', 'it', 'Network switch in the server room is failing', 'low');
  await open('it-phones', 'rita', 'it', 'Phone system down at reception', 'medium', 'walk_in');
  await open('fd-booking-olga', 'olga', 'front-desk', 'Cannot book a vaccination appointment', 'high', 'email');
  await open('fd-booking-omar', 'omar', 'front-desk', 'Nobody answers the phone', 'high', 'chat');
  await open('fd-acme', 'acme', 'front-desk', 'Kennel partnership visit to schedule', 'medium', 'email');
  await impact('it-phones', {
    type: 'LinkImpact',
    data: { causeRequestId: 'it-phones', effectRequestId: 'fd-booking-olga', relation: 'blocks' },
  });
  await impact('it-phones', {
    type: 'LinkImpact',
    data: { causeRequestId: 'it-phones', effectRequestId: 'fd-booking-omar', relation: 'blocks' },
  });
  await impact('it-phones', {
    type: 'LinkImpact',
    data: { causeRequestId: 'it-phones', effectRequestId: 'fd-acme', relation: 'degrades' },
  });
  await impact('it-switch', {
    type: 'LinkImpact',
    data: { causeRequestId: 'it-switch', effectRequestId: 'it-phones', relation: 'blocks' },
  });
  later(10);
  await answer('it-phones', 'Looking into it; the switch upstream is suspect.');
  await work('it-phones');
  await request('it-phones', { type: 'PutOnHold', data: { reason: 'blocked_by_request', blockingRequestId: 'it-switch' } });

  // Day 2: the kitchen's fryer degrades table service; a support case and a public-sector request.
  later(60);
  await open('kitchen-fryer', 'chef-carlos', 'kitchen', 'Fryer overheats', 'high');
  await open('fd-dinner', 'shelter', 'front-desk', 'Charity dinner menu', 'medium', 'email');
  await impact('kitchen-fryer', {
    type: 'LinkImpact',
    data: { causeRequestId: 'kitchen-fryer', effectRequestId: 'fd-dinner', relation: 'degrades' },
  });
  await work('kitchen-fryer', 'agent-kim');
  await open('sup-invoice', 'city-hall', 'support', 'Invoice for the municipal contract is wrong', 'medium', 'email');
  later(20);
  await answer('sup-invoice', 'We are checking the invoice.');
  await work('sup-invoice', 'agent-sue');
  await resolve('sup-invoice', 'Credit note issued');
  await request('sup-invoice', {
    type: 'OfferCompensation',
    data: { compensationId: randomUUID(), kind: 'credit', amount: 50, currency: 'EUR', note: 'For the trouble' },
  });
  await rate('sup-invoice', 'city-hall', 4);
  await open('sup-order', 'olga', 'support', 'Order arrived damaged', 'high', 'portal');
  await open('it-vpn', 'sue', 'it', 'VPN drops every hour', 'high');
  await request('it-vpn', {
    type: 'TransferRequest',
    data: { toDepartmentId: 'facilities', reason: 'The router is in the facilities cabinet' },
  });
  await request('hr-training', { type: 'EscalateRequest', data: { reason: 'Needs the trainer' } });

  // Day 3: a cancellation, a reopen, a priority change.
  later(16 * 60);
  await open('fac-light', 'tom', 'facilities', 'Light out in the corridor', 'low');
  await request('fac-light', { type: 'CancelRequest', data: { reason: 'Fixed by the caretaker' } }, { id: 'tom', role: 'requester' });
  await request('it-laptop', { type: 'ReopenRequest', data: { reason: 'It fails again' } }, { id: 'eva', role: 'requester' });
  await request('mkt-report', { type: 'ChangePriority', data: { priority: 'medium', reason: 'Board meeting moved forward' } });

  return {
    events: Number(await store.headPosition()),
    requests: opened,
    from,
    to: time.toISOString(),
    departments: departments.map(([id]) => id),
    customers: { internal: internal.map(([id]) => id), external: external.map(([id]) => id) },
    openRequests: [...requestsOpen].filter(([, open]) => open).map(([id]) => id),
    closedRequests: [...requestsOpen].filter(([, open]) => !open).map(([id]) => id),
    vetClinicChain: 'it-switch blocks it-phones, which blocks fd-booking-olga and fd-booking-omar and degrades fd-acme',
  };
}
