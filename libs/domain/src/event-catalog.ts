import type { AgentEvent } from './agent/agent.events';
import type { CustomerEvent } from './customer/customer.events';
import type { DepartmentEvent } from './department/department.events';
import type { ImpactEvent } from './impact/impact.events';
import type { RequestEvent } from './request/request.events';

/** Every event the desk writes. */
export type DeskEvent = DepartmentEvent | CustomerEvent | AgentEvent | RequestEvent | ImpactEvent;
export type EventType = DeskEvent['type'];

/**
 * Schema version of each event's data, stored in its metadata. Raise one when
 * its data changes shape, and teach readers (upcasters) the older shapes.
 * Typed as a Record over every event type so a new event cannot be forgotten.
 */
export const EVENT_SCHEMA_VERSIONS: Readonly<Record<EventType, number>> = {
  DepartmentRegistered: 1,
  ServiceStandardPublished: 1,
  CustomerRegistered: 1,
  AgentRegistered: 1,
  AgentRenamed: 1,
  AgentDepartmentsChanged: 1,
  AgentTierChanged: 1,
  RequestOpened: 1,
  RequestAssigned: 1,
  RequestWorkStarted: 1,
  RequestPutOnHold: 1,
  RequestResumed: 1,
  RequestResolved: 2,
  RequestClosed: 1,
  RequestCancelled: 1,
  RequestReopened: 1,
  RequestTransferred: 1,
  RequestEscalated: 1,
  RequestPriorityChanged: 1,
  CommentAdded: 1,
  FirstResponseGiven: 2,
  SatisfactionRated: 1,
  CompensationOffered: 1,
  RequestTagged: 1,
  RequestUntagged: 1,
  SlaBreached: 1,
  ImpactLinked: 1,
  ImpactUnlinked: 1,
};

export const EVENT_TYPES = Object.keys(EVENT_SCHEMA_VERSIONS) as EventType[];

/** The aggregate whose stream each event belongs to: a stream holds its own aggregate's events only. */
export const EVENT_AGGREGATES = {
  DepartmentRegistered: 'department',
  ServiceStandardPublished: 'department',
  CustomerRegistered: 'customer',
  AgentRegistered: 'agent',
  AgentRenamed: 'agent',
  AgentDepartmentsChanged: 'agent',
  AgentTierChanged: 'agent',
  RequestOpened: 'request',
  RequestAssigned: 'request',
  RequestWorkStarted: 'request',
  RequestPutOnHold: 'request',
  RequestResumed: 'request',
  RequestResolved: 'request',
  RequestClosed: 'request',
  RequestCancelled: 'request',
  RequestReopened: 'request',
  RequestTransferred: 'request',
  RequestEscalated: 'request',
  RequestPriorityChanged: 'request',
  CommentAdded: 'request',
  FirstResponseGiven: 'request',
  SatisfactionRated: 'request',
  CompensationOffered: 'request',
  RequestTagged: 'request',
  RequestUntagged: 'request',
  SlaBreached: 'request',
  ImpactLinked: 'impact',
  ImpactUnlinked: 'impact',
} as const satisfies Readonly<Record<EventType, 'department' | 'customer' | 'agent' | 'request' | 'impact'>>;

export type AggregateName = (typeof EVENT_AGGREGATES)[EventType];

/** The event types of one aggregate. */
export function eventTypesOf<A extends AggregateName>(aggregate: A): EventTypeOf<A>[] {
  return EVENT_TYPES.filter((type): type is EventTypeOf<A> => EVENT_AGGREGATES[type] === aggregate);
}

type EventTypeOf<A extends AggregateName> = { [T in EventType]: (typeof EVENT_AGGREGATES)[T] extends A ? T : never }[EventType];

/** An event as the log holds it: its type, its data, and the schema version its data was written in. */
export interface StoredEvent {
  type: string;
  data: unknown;
  schemaVersion?: unknown;
}

/** Turns the data of version N of an event type into version N + 1. */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

/**
 * The seam for schema changes: for each event type whose version was raised,
 * one upcaster per older version, keyed by the version it reads. Readers
 * (the write side's folds, projections, processes, replays) only ever see the
 * current shape. Raising a version in EVENT_SCHEMA_VERSIONS without adding
 * its upcaster here fails the catalog's spec.
 */
export const UPCASTERS: { readonly [T in EventType]?: Readonly<Record<number, Upcaster>> } = {
  // Version 2 added the facts the SLA clock decides (withinTarget, businessMinutes); version 1 lacks them and its readers
  // compute them with the SLA clock, so its data reads as it is.
  RequestResolved: { 1: (data) => data },
  // Version 2 added the business minutes the clock ran to the reply; the same holds.
  FirstResponseGiven: { 1: (data) => data },
};

/** A stored event that is not one of the desk's events in a shape this code can read. */
export class UndecodableEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENT_SCHEMA_VERSIONS, type);
}

/**
 * The one typed reading of an event from the log: its type is checked
 * against the catalog and its data brought up to the current schema version.
 * Events written before versions were recorded read as version 1.
 */
export function decodeEvent(stored: StoredEvent): DeskEvent {
  const { type } = stored;
  if (!isEventType(type)) throw new UndecodableEventError(`'${type}' is not an event type of the desk`);
  const current = EVENT_SCHEMA_VERSIONS[type];
  let version = stored.schemaVersion === undefined ? 1 : stored.schemaVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    throw new UndecodableEventError(`${type} carries schema version ${String(version)}: a version is a whole number from 1`);
  }
  if (version > current) {
    throw new UndecodableEventError(
      `${type} was written in schema version ${version}, newer than this code reads (${current}): upgrade it`,
    );
  }
  if (typeof stored.data !== 'object' || stored.data === null) throw new UndecodableEventError(`${type} has no data object`);
  let data = stored.data as Record<string, unknown>;
  for (; version < current; version++) {
    const upcast = UPCASTERS[type]?.[version];
    if (!upcast) throw new UndecodableEventError(`${type} has no upcaster from schema version ${version} (add it to UPCASTERS)`);
    data = upcast(data);
  }
  return { type, data } as DeskEvent;
}

/** Whether an event is one of an aggregate's (narrows it to that aggregate's event union). */
export function isEventOf<A extends AggregateName, E extends DeskEvent>(
  aggregate: A,
  event: E,
): event is Extract<E, { type: EventTypeOf<A> }> {
  return EVENT_AGGREGATES[event.type] === aggregate;
}

/** decodeEvent, for the events of one aggregate's stream: another aggregate's event there means a corrupt stream. */
export function decodeAggregateEvent<A extends AggregateName>(
  aggregate: A,
  stored: StoredEvent,
): Extract<DeskEvent, { type: EventTypeOf<A> }> {
  const event = decodeEvent(stored);
  if (EVENT_AGGREGATES[event.type] !== aggregate) {
    throw new UndecodableEventError(`${event.type} is an event of the ${EVENT_AGGREGATES[event.type]} aggregate, not of the ${aggregate}`);
  }
  return event as Extract<DeskEvent, { type: EventTypeOf<A> }>;
}
