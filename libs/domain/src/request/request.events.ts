import type { DomainEvent } from '../shared/event';
import type {
  Audience,
  Channel,
  CompensationKind,
  CustomerKind,
  HoldReason,
  Level,
  Priority,
  SlaTargetKind,
  Tier,
  Visibility,
} from '../shared/vocabulary';

/**
 * The SLA a request is measured against, fixed at opening. Due times are null
 * when the department has no target for this priority and audience.
 *
 * The clock stops while the request is on hold awaiting the requester and
 * while it is resolved. While it is stopped, due times stand as they were
 * when it stopped (flagged by the hold's `clockPaused` / by the resolution);
 * the event that restarts it (RequestResumed, RequestReopened, or the
 * RequestResumed a transfer of a held request starts with) carries the
 * business minutes it stood still and the moved due times:
 * due = openedAt + target + all paused minutes, in business time.
 */
export interface SlaTerms {
  departmentId: string;
  standardVersion: number;
  firstResponseMinutes: number | null;
  resolutionMinutes: number | null;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
}

export type RequestOpened = DomainEvent<
  'RequestOpened',
  {
    requestId: string;
    requesterId: string;
    audience: Audience;
    requesterKind: CustomerKind;
    /** Raised by a customer-facing employee: exposed to external customers without an explicit link. */
    exposedToExternal: boolean;
    departmentId: string;
    subject: string;
    description: string;
    priority: Priority;
    impact: Level | null;
    urgency: Level | null;
    channel: Channel;
    category: string | null;
    tier: Tier;
    openedAt: string;
    /** The request whose poor satisfaction rating this one follows up; absent in events recorded before it existed. */
    followUpOf?: string | null;
    /** Null when the department has no service standard at all. */
    sla: SlaTerms | null;
  }
>;

export type RequestAssigned = DomainEvent<'RequestAssigned', { requestId: string; agentId: string; previousAgentId: string | null }>;

export type RequestWorkStarted = DomainEvent<'RequestWorkStarted', { requestId: string; agentId: string }>;

export type RequestPutOnHold = DomainEvent<
  'RequestPutOnHold',
  {
    requestId: string;
    reason: HoldReason;
    note: string | null;
    blockingRequestId: string | null;
    /** True when awaiting the requester: the SLA clock stops until resumed. */
    clockPaused: boolean;
    /** When the hold began (business time): the paused minutes are counted from here on resume. */
    heldAt: string;
  }
>;

export type RequestResumed = DomainEvent<
  'RequestResumed',
  {
    requestId: string;
    /** Business minutes this hold paused the clock (0 when it did not). */
    pausedMinutes: number;
    firstResponseDueAt: string | null;
    resolutionDueAt: string | null;
  }
>;

export type RequestResolved = DomainEvent<
  'RequestResolved',
  {
    requestId: string;
    resolution: string;
    resolvedBy: string;
    /** When it was resolved (business time): time spent resolved is excluded from the clock if it is reopened. */
    resolvedAt: string;
    /**
     * Whether the resolution came within its target, by the SLA clock (sla/sla-clock.ts); null without a
     * resolution target. Absent in events of schema version 1: readers compute it with the SLA clock.
     */
    withinTarget?: boolean | null;
    /**
     * Business minutes the SLA clock ran from opening to the resolution (pauses left out; every minute counts
     * without a service standard). Absent in events of schema version 1: readers compute it with the SLA clock.
     */
    businessMinutes?: number;
  }
>;

export type RequestClosed = DomainEvent<'RequestClosed', { requestId: string; closedBy: 'requester' | 'agent' | 'system' }>;

export type RequestCancelled = DomainEvent<'RequestCancelled', { requestId: string; reason: string }>;

export type RequestReopened = DomainEvent<
  'RequestReopened',
  {
    requestId: string;
    reason: string;
    /** Business minutes the clock stood still, excluded from it: time spent resolved (and on a hold awaiting the requester that the resolution ended). */
    pausedMinutes: number;
    firstResponseDueAt: string | null;
    resolutionDueAt: string | null;
  }
>;

/** Back to `new` in the other department's queue; the SLA promised to the requester stays as it was. */
export type RequestTransferred = DomainEvent<
  'RequestTransferred',
  { requestId: string; fromDepartmentId: string; toDepartmentId: string; reason: string }
>;

export type RequestEscalated = DomainEvent<'RequestEscalated', { requestId: string; fromTier: Tier; toTier: Tier; reason: string }>;

export type RequestPriorityChanged = DomainEvent<
  'RequestPriorityChanged',
  {
    requestId: string;
    from: Priority;
    to: Priority;
    impact: Level | null;
    urgency: Level | null;
    reason: string;
    /**
     * Re-targeted against the same standard version, for the new priority.
     * Once a first response was given its target and due time stay as they were.
     * While the clock is stopped these are the due times as of the moment it stopped.
     */
    firstResponseMinutes: number | null;
    resolutionMinutes: number | null;
    firstResponseDueAt: string | null;
    resolutionDueAt: string | null;
  }
>;

export type CommentAdded = DomainEvent<
  'CommentAdded',
  { requestId: string; commentId: string; authorId: string; authorRole: string; body: string; visibility: Visibility }
>;

/** The first public reply by someone working the request. */
export type FirstResponseGiven = DomainEvent<
  'FirstResponseGiven',
  {
    requestId: string;
    agentId: string;
    respondedAt: string;
    dueAt: string | null;
    /** By the SLA clock: a reply while it is stopped is measured at the moment it stopped. Null without a target. */
    withinTarget: boolean | null;
    /**
     * Business minutes the SLA clock ran from opening to the reply (pauses left out; every minute counts without
     * a service standard). Absent in events of schema version 1: readers compute it with the SLA clock.
     */
    businessMinutes?: number;
  }
>;

export type SatisfactionRated = DomainEvent<
  'SatisfactionRated',
  { requestId: string; requesterId: string; audience: Audience; score: number; comment: string | null }
>;

export type CompensationOffered = DomainEvent<
  'CompensationOffered',
  {
    requestId: string;
    compensationId: string;
    kind: CompensationKind;
    amount: number;
    currency: string;
    note: string | null;
    offeredBy: string;
  }
>;

/** A tag added to a request (lower-case slug), and one taken off: staff's classification, for filters and reports. */
export type RequestTagged = DomainEvent<'RequestTagged', { requestId: string; tag: string; taggedBy: string }>;
export type RequestUntagged = DomainEvent<'RequestUntagged', { requestId: string; tag: string; untaggedBy: string }>;

/** Recorded once per target and request, whoever notices it first. `breachedAt` is when it was noticed; the breach itself happened at `dueAt`. */
export type SlaBreached = DomainEvent<
  'SlaBreached',
  { requestId: string; target: SlaTargetKind; dueAt: string; breachedAt: string; standardVersion: number }
>;

export type RequestEvent =
  | RequestOpened
  | RequestAssigned
  | RequestWorkStarted
  | RequestPutOnHold
  | RequestResumed
  | RequestResolved
  | RequestClosed
  | RequestCancelled
  | RequestReopened
  | RequestTransferred
  | RequestEscalated
  | RequestPriorityChanged
  | CommentAdded
  | FirstResponseGiven
  | SatisfactionRated
  | CompensationOffered
  | RequestTagged
  | RequestUntagged
  | SlaBreached;
