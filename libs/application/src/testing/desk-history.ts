import { randomUUID } from 'node:crypto';
import {
  customerDecider,
  customerStream,
  departmentDecider,
  departmentStream,
  IMPACT_GRAPH_STREAM,
  impactDecider,
  requestDecider,
  requestStream,
  type Actor,
  type BusinessCalendar,
  type CustomerCommand,
  type CustomerState,
  type DepartmentCommand,
  type DepartmentState,
  type DomainEvent,
  type ImpactCommand,
  type ImpactGraphState,
  type RequestCommand,
  type RequestState,
  type SlaTarget,
} from '@desk/domain';
import type { RecordedEvent } from '@desk/event-store';

const manager: Actor = { id: 'mgr-1', role: 'manager' };
export const AGENT: Actor = { id: 'agent-ann', role: 'agent' };
export const SYSTEM: Actor = { id: 'system:test', role: 'system' };

/**
 * Builds a realistic event history for projection specs by running commands
 * through the real deciders, with a settable business time: the events are
 * exactly what the write side would have stored.
 */
export class DeskHistory {
  readonly events: RecordedEvent[] = [];
  private now: Date;
  private readonly departments = new Map<string, DepartmentState>();
  private readonly customers = new Map<string, CustomerState>();
  private readonly requests = new Map<string, RequestState>();
  private graph: ImpactGraphState = impactDecider.initialState;
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
    const state = this.departments.get(id) ?? departmentDecider.initialState;
    const events = departmentDecider.decide(command, state, { now: this.now, actor: manager });
    this.departments.set(id, events.reduce(departmentDecider.evolve, state));
    return this.record(departmentStream(id), events, manager);
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
    const state = this.customers.get(id) ?? customerDecider.initialState;
    const events = customerDecider.decide(command, state, { now: this.now, actor: manager, departments: this.departments });
    this.customers.set(id, events.reduce(customerDecider.evolve, state));
    return this.record(customerStream(id), events, manager);
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
    const state = this.requests.get(requestId) ?? requestDecider.initialState;
    const events = requestDecider.decide(command, state, {
      now: this.now,
      actor,
      departments: this.departments,
      customers: this.customers,
      requests: this.requests,
    });
    this.requests.set(requestId, events.reduce(requestDecider.evolve, state));
    return this.record(requestStream(requestId), events, actor);
  }

  assign(requestId: string, agentId = AGENT.id): this {
    return this.request(requestId, { type: 'AssignRequest', data: { agentId } });
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
    const events = impactDecider.decide(command, this.graph, { now: this.now, actor: AGENT, requests: this.requests });
    this.graph = impactDecider.evolveMany(this.graph, events);
    return this.record(IMPACT_GRAPH_STREAM, events, AGENT);
  }

  /** Events recorded since `from` (an index into `events`). */
  since(from: number): RecordedEvent[] {
    return this.events.slice(from);
  }

  private record(streamId: string, events: readonly DomainEvent[], actor: Actor): this {
    for (const event of events) {
      const revision = (this.revisions.get(streamId) ?? -1) + 1;
      this.revisions.set(streamId, revision);
      this.events.push({
        id: randomUUID(),
        streamId,
        type: event.type,
        revision: BigInt(revision),
        position: BigInt(this.events.length + 1),
        data: event.data as Record<string, unknown>,
        metadata: {
          correlationId: randomUUID(),
          causationId: randomUUID(),
          actor: actor.id,
          occurredAt: this.now.toISOString(),
          schemaVersion: 1,
        },
        recordedAt: this.now,
      });
    }
    return this;
  }
}
