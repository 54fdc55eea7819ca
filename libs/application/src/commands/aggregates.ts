import {
  IMPACT_GRAPH_STREAM,
  admitRequestCommand,
  agentDecider,
  agentLookups,
  agentStream,
  customerDecider,
  customerLookups,
  customerStream,
  decodeAggregateEvent,
  departmentDecider,
  departmentStream,
  impactDecider,
  impactLookups,
  requestDecider,
  requestLookups,
  requestStream,
  type AgentCommand,
  type AgentEvent,
  type AgentState,
  type Actor,
  type AggregateName,
  type CustomerCommand,
  type CustomerEvent,
  type CustomerState,
  type DepartmentCommand,
  type DepartmentEvent,
  type ImpactCommand,
  type ImpactEvent,
  type ImpactGraphState,
  type RequestCommand,
  type RequestEvent,
  type DecisionContext,
  type DecisionLookups,
  type Decider,
  type DepartmentState,
  type DomainCommand,
  type DomainEvent,
  type RequestState,
  type StoredEvent,
} from '@desk/domain';
import type { RecordedEvent } from '@desk/event-store';

/** The other aggregates' states a decision reads, loaded as its aggregate's `lookups` says. */
export interface LookedUp {
  departments: ReadonlyMap<string, DepartmentState>;
  customers: ReadonlyMap<string, CustomerState>;
  requests: ReadonlyMap<string, RequestState>;
  agents: ReadonlyMap<string, AgentState>;
}

/** What every decision is given: the time, who asks, and what it looked up. */
export type WriteContext = DecisionContext & LookedUp;

/**
 * Everything the write path needs to know of one aggregate: how its streams
 * are named, its pure decider, how its events are read from the log, and
 * which other aggregates a decision reads.
 */
export interface Aggregate<State, Command extends DomainCommand, Event extends DomainEvent> {
  name: AggregateName;
  streamOf(id: string): string;
  decider: Decider<State, Command, Event, WriteContext>;
  decode(stored: RecordedEvent): Event;
  lookups(command: Command, state: State): DecisionLookups;
  /**
   * Whether the actor may address this aggregate with this command at all (role, then existence as the actor may
   * know it), checked by the write path before anything else: the Idempotency-Key, If-Match, the decision. Throws
   * the decider's own refusal; absent for aggregates whose decisions check nothing of the kind before the state.
   */
  admit?(command: Command, state: State, actor: Actor): void;
}

const NOTHING: DecisionLookups = { departmentIds: [], customerIds: [], requestIds: [] };

const decoder =
  <A extends AggregateName>(name: A) =>
  (stored: RecordedEvent) =>
    decodeAggregateEvent(name, toStored(stored));

/** A recorded event as the domain's decode reads it. */
export function toStored(recorded: RecordedEvent): StoredEvent {
  return { type: recorded.type, data: recorded.data, schemaVersion: recorded.metadata.schemaVersion };
}

export const requestAggregate: Aggregate<RequestState, RequestCommand, RequestEvent> = {
  name: 'request',
  streamOf: requestStream,
  decider: requestDecider,
  decode: decoder('request'),
  lookups: requestLookups,
  admit: admitRequestCommand,
};

export const departmentAggregate: Aggregate<DepartmentState, DepartmentCommand, DepartmentEvent> = {
  name: 'department',
  streamOf: departmentStream,
  decider: departmentDecider,
  decode: decoder('department'),
  lookups: () => NOTHING,
};

export const customerAggregate: Aggregate<CustomerState, CustomerCommand, CustomerEvent> = {
  name: 'customer',
  streamOf: customerStream,
  decider: customerDecider,
  decode: decoder('customer'),
  lookups: customerLookups,
};

export const agentAggregate: Aggregate<AgentState, AgentCommand, AgentEvent> = {
  name: 'agent',
  streamOf: agentStream,
  decider: agentDecider,
  decode: decoder('agent'),
  lookups: agentLookups,
};

/** Impact links are decided on the one impact-graph stream (cycles are found there); the id names the cause request. */
export const impactAggregate: Aggregate<ImpactGraphState, ImpactCommand, ImpactEvent> = {
  name: 'impact',
  streamOf: () => IMPACT_GRAPH_STREAM,
  decider: impactDecider,
  decode: decoder('impact'),
  lookups: impactLookups,
};
