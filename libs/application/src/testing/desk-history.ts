import { randomUUID } from 'node:crypto';
import type {
  Actor,
  AgentCommand,
  AgentState,
  BusinessCalendar,
  CustomerCommand,
  CustomerState,
  DepartmentCommand,
  DepartmentState,
  DomainCommand,
  DomainEvent,
  ImpactCommand,
  ImpactGraphState,
  RequestCommand,
  RequestState,
  SlaTarget,
} from '@desk/domain';
import type { RecordedEvent } from '@desk/event-store';
import { agentAggregate, customerAggregate, departmentAggregate, impactAggregate, requestAggregate, type Aggregate } from '../commands/aggregates';
import { decideStep } from '../commands/command-handler';

import { agent as AGENT, manager, system as SYSTEM } from '@desk/domain/testing/roster';

export { AGENT, SYSTEM };

/**
 * Builds a realistic event history for projection specs by running commands
 * through the write path's own decision step (the real deciders, the real
 * metadata), with a settable business time, keeping the aggregates' states in
 * memory instead of in a store: the events are what the write side would
 * have stored.
 */
export class DeskHistory {
  readonly events: RecordedEvent[] = [];
  private now: Date;
  private readonly departments = new Map<string, DepartmentState>();
  private readonly customers = new Map<string, CustomerState>();
  private readonly requests = new Map<string, RequestState>();
  private readonly agents = new Map<string, AgentState>();
  private graph: ImpactGraphState = impactAggregate.decider.initialState;
  private readonly revisions = new Map<string, number>();

  constructor(start = '2026-03-02T08:00:00.000Z') {
    this.now = new Date(start);
  }

  get time(): Date {
    return this.now;
  }

  at(iso: string): this {
    this.now = new Date(iso);
    return this;
  }

  advance(minutes: number): this {
    this.now = new Date(this.now.getTime() + minutes * 60_000);
    return this;
  }

  department(id: string, name: string, targets?: SlaTarget[], calendar: BusinessCalendar | null = null): this {
    this.departmentCommand(id, { type: 'RegisterDepartment', data: { departmentId: id, name } });
    if (targets) this.departmentCommand(id, { type: 'PublishServiceStandard', data: { targets, calendar } });
    return this;
  }

  departmentCommand(id: string, command: DepartmentCommand): this {
    this.departments.set(id, this.decide(departmentAggregate, id, this.departments.get(id), command, manager));
    return this;
  }

  internalCustomer(id: string, departmentId: string, customerFacing = false): this {
    return this.customerCommand(id, {
      type: 'RegisterCustomer',
      data: { customerId: id, name: id, type: 'internal', kind: 'employee', departmentId, customerFacing },
    });
  }

  externalCustomer(id: string): this {
    return this.customerCommand(id, {
      type: 'RegisterCustomer',
      data: { customerId: id, name: id, type: 'external', kind: 'individual' },
    });
  }

  private customerCommand(id: string, command: CustomerCommand): this {
    this.customers.set(id, this.decide(customerAggregate, id, this.customers.get(id), command, manager));
    return this;
  }

  open(requestId: string, requesterId: string, departmentId: string, extra: Partial<Record<string, unknown>> = {}): this {
    return this.request(
      requestId,
      {
        type: 'OpenRequest',
        data: { requestId, requesterId, departmentId, subject: `subject of ${requestId}`, description: '', priority: 'medium', ...extra },
      } as RequestCommand,
      AGENT,
    );
  }

  request(requestId: string, command: RequestCommand, actor: Actor = AGENT): this {
    this.requests.set(requestId, this.decide(requestAggregate, requestId, this.requests.get(requestId), command, actor));
    return this;
  }

  /** Assigns the request; an agent not yet working in its department is registered there (or joins it) first. */
  assign(requestId: string, agentId = AGENT.id): this {
    const request = this.requests.get(requestId);
    if (request && request.status !== 'absent') this.agentWorksIn(agentId, request.departmentId);
    return this.request(requestId, { type: 'AssignRequest', data: { agentId } });
  }

  /** Registers the agent in the department, or adds it to the ones they work in; nothing when they already work there. */
  agentWorksIn(agentId: string, departmentId: string, tier: 'L1' | 'L2' | 'L3' = 'L1'): this {
    const agent = this.agents.get(agentId);
    if (agent?.status === 'registered' && agent.departmentIds.includes(departmentId)) return this;
    return this.agentCommand(
      agentId,
      agent?.status === 'registered'
        ? { type: 'ChangeAgent', data: { departmentIds: [...agent.departmentIds, departmentId] } }
        : { type: 'RegisterAgent', data: { agentId, name: agentId, departmentIds: [departmentId], tier } },
    );
  }

  agentCommand(id: string, command: AgentCommand): this {
    this.agents.set(id, this.decide(agentAggregate, id, this.agents.get(id), command, manager));
    return this;
  }

  /** Assigned and started: in progress. */
  work(requestId: string, agentId = AGENT.id): this {
    return this.assign(requestId, agentId).request(requestId, { type: 'StartWork', data: {} }, { id: agentId, role: 'agent' });
  }

  resolve(requestId: string, resolution = 'fixed'): this {
    return this.request(requestId, { type: 'ResolveRequest', data: { resolution } });
  }

  link(cause: string, effect: string, relation: 'blocks' | 'degrades' = 'blocks'): this {
    return this.impact({ type: 'LinkImpact', data: { causeRequestId: cause, effectRequestId: effect, relation } });
  }

  unlink(cause: string, effect: string): this {
    return this.impact({ type: 'UnlinkImpact', data: { causeRequestId: cause, effectRequestId: effect } });
  }

  private impact(command: ImpactCommand): this {
    this.graph = this.decide(impactAggregate, command.data.causeRequestId, this.graph, command, AGENT);
    return this;
  }

  /** Events recorded since `from` (an index into `events`). */
  since(from: number): RecordedEvent[] {
    return this.events.slice(from);
  }

  /** One command through the write path's decision step, against the states kept here; its events recorded in order. */
  private decide<State, Command extends DomainCommand, Event extends DomainEvent>(
    aggregate: Aggregate<State, Command, Event>,
    id: string,
    state: State | undefined,
    command: Command,
    actor: Actor,
  ): State {
    const envelope = { commandId: randomUUID(), correlationId: randomUUID(), actor, now: this.now };
    const lookedUp = { departments: this.departments, customers: this.customers, requests: this.requests, agents: this.agents };
    const decided = decideStep(aggregate, state ?? aggregate.decider.initialState, { command }, envelope, lookedUp);
    const streamId = aggregate.streamOf(id);
    for (const event of decided.toAppend) {
      const revision = (this.revisions.get(streamId) ?? -1) + 1;
      this.revisions.set(streamId, revision);
      this.events.push({ ...event, streamId, revision: BigInt(revision), position: BigInt(this.events.length + 1), recordedAt: this.now });
    }
    return decided.state;
  }
}
