import type { CustomerEvent } from './customer/customer.events';
import type { DepartmentEvent } from './department/department.events';
import type { ImpactEvent } from './impact/impact.events';
import type { RequestEvent } from './request/request.events';

/** Every event the desk writes. */
export type DeskEvent = DepartmentEvent | CustomerEvent | RequestEvent | ImpactEvent;
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
  RequestOpened: 1,
  RequestAssigned: 1,
  RequestWorkStarted: 1,
  RequestPutOnHold: 1,
  RequestResumed: 1,
  RequestResolved: 1,
  RequestClosed: 1,
  RequestCancelled: 1,
  RequestReopened: 1,
  RequestTransferred: 1,
  RequestEscalated: 1,
  RequestPriorityChanged: 1,
  CommentAdded: 1,
  FirstResponseGiven: 1,
  SatisfactionRated: 1,
  CompensationOffered: 1,
  SlaBreached: 1,
  ImpactLinked: 1,
  ImpactUnlinked: 1,
};

export const EVENT_TYPES = Object.keys(EVENT_SCHEMA_VERSIONS) as EventType[];
