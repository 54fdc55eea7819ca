import type { CompensationKind, HoldReason, Level, OpenedRequest, Priority, RequestEvent, RequestStatus } from '@desk/domain';

/**
 * What a requester may see of their own request: the one rule, an allowlist,
 * for every answer that shows a request to its requester (GET /requests/{id}
 * and its history, list rows, /changes). Whatever is not named here is not
 * shown: staff-written notes and reasons, internal comments and every trace
 * of them (their ids, counters, revisions and positions that move with
 * them), the SLA's internal measurements, staff classifications (tier,
 * audience, effective priority, tags) and the ids of other requests.
 *
 * Text the requester wrote (the subject, their comments, their own reasons
 * for cancelling or reopening, their rating) and text addressed to them (public
 * comments, the resolution) is theirs to see.
 */

/**
 * The fields of a request (as the request view, list rows and /changes rows
 * name them) a requester may see. Rows keep these through `requesterPick`;
 * a field that a row adds later stays hidden from requesters until it is
 * named here.
 */
export const REQUESTER_REQUEST_FIELDS = [
  'requestId',
  'requesterId',
  'requesterName',
  'departmentId',
  'departmentName',
  'subject',
  'description',
  'status',
  'priority',
  'impact',
  'urgency',
  'channel',
  'category',
  'openedAt',
  'assigneeId',
  'assigneeName',
  /** The desk's promise: when a first answer and a resolution are due. */
  'firstResponseDueAt',
  'resolutionDueAt',
  'firstRespondedAt',
  /** Why it waits (awaiting them, a third party or another request), never the note or the other request. */
  'holdReason',
  'heldAt',
  'resolution',
  'resolvedAt',
  'resolvedBy',
  'closedBy',
  'cancelReason',
  'reopenCount',
  'satisfaction',
  /** Their own earlier request, which this one follows up (the follow-up of a poor rating). */
  'followUpOf',
] as const;

export type RequesterRequestField = (typeof REQUESTER_REQUEST_FIELDS)[number];

const REQUEST_FIELDS: ReadonlySet<string> = new Set(REQUESTER_REQUEST_FIELDS);

/** What a requester may see of a row: the fields of REQUESTER_REQUEST_FIELDS it has, nothing else. */
export function requesterPick<Row extends object>(row: Row): Pick<Row, Extract<keyof Row, RequesterRequestField>> {
  const picked: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(row)) if (REQUEST_FIELDS.has(field)) picked[field] = value;
  return picked as Pick<Row, Extract<keyof Row, RequesterRequestField>>;
}

/** Whether a change to this field of a row may reach a requester (a /changes event of only hidden fields is not sent). */
export function isRequesterField(field: string): field is RequesterRequestField {
  return REQUEST_FIELDS.has(field);
}

// ---------------------------------------------------------------------------
// The request view

export interface RequesterCommentView {
  commentId: string;
  authorId: string;
  authorRole: string;
  body: string;
  at: string;
}

export interface RequesterCompensationView {
  compensationId: string;
  kind: CompensationKind;
  amount: number;
  currency: string;
  at: string;
}

/** What holds the request up, counted: the open requests that block or degrade it, without their ids. */
export interface RequesterImpactsView {
  blockedBy: number;
  degradedBy: number;
}

/** A request as its requester sees it. */
export interface RequesterRequestView {
  requestId: string;
  requesterId: string;
  departmentId: string;
  subject: string;
  description: string;
  status: RequestStatus;
  priority: Priority;
  impact: Level | null;
  urgency: Level | null;
  channel: string;
  category: string | null;
  openedAt: string;
  assigneeId: string | null;
  firstResponseDueAt: string | null;
  resolutionDueAt: string | null;
  firstRespondedAt: string | null;
  holdReason: HoldReason | null;
  heldAt: string | null;
  resolution: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  closedBy: 'requester' | 'agent' | 'system' | null;
  /** Only when the requester cancelled it themselves: a reason staff wrote is staff's. */
  cancelReason: string | null;
  reopenCount: number;
  satisfaction: { score: number; comment: string | null } | null;
  followUpOf: string | null;
  /** Public comments only. */
  comments: RequesterCommentView[];
  compensations: RequesterCompensationView[];
  /** Null with asOf (links are known as they stand now only). */
  impacts: RequesterImpactsView | null;
  asOf: string | null;
}

/** A comment or compensation as the stream holds it, with when it happened. */
export type CommentWithTime = Omit<Extract<RequestEvent, { type: 'CommentAdded' }>['data'], 'requestId'> & { at: string };
export type CompensationWithTime = Omit<Extract<RequestEvent, { type: 'CompensationOffered' }>['data'], 'requestId'> & { at: string };

export interface RequesterViewParts {
  comments: readonly CommentWithTime[];
  compensations: readonly CompensationWithTime[];
  /** Who recorded the cancellation (an actor id), when it is cancelled. */
  cancelledBy: string | null;
  impacts: RequesterImpactsView | null;
  asOf: string | null;
}

/** The requester's view of their request, built field by field from the state (nothing copied wholesale). */
export function requesterRequestView(request: OpenedRequest, parts: RequesterViewParts): RequesterRequestView {
  return {
    requestId: request.requestId,
    requesterId: request.requesterId,
    departmentId: request.departmentId,
    subject: request.subject,
    description: request.description,
    status: request.status,
    priority: request.priority,
    impact: request.impact,
    urgency: request.urgency,
    channel: request.channel,
    category: request.category,
    openedAt: request.openedAt,
    assigneeId: request.assigneeId,
    firstResponseDueAt: request.sla?.firstResponseDueAt ?? null,
    resolutionDueAt: request.sla?.resolutionDueAt ?? null,
    firstRespondedAt: request.firstResponse?.respondedAt ?? null,
    holdReason: request.hold?.reason ?? null,
    heldAt: request.hold?.heldAt ?? null,
    resolution: request.resolution,
    resolvedAt: request.resolvedAt,
    resolvedBy: request.resolvedBy,
    closedBy: request.closedBy,
    cancelReason: parts.cancelledBy === request.requesterId ? request.cancelReason : null,
    reopenCount: request.reopenCount,
    satisfaction: request.satisfaction ? { score: request.satisfaction.score, comment: request.satisfaction.comment } : null,
    followUpOf: request.followUpOf ?? null,
    comments: parts.comments
      .filter((comment) => comment.visibility === 'public')
      .map(({ commentId, authorId, authorRole, body, at }) => ({ commentId, authorId, authorRole, body, at })),
    compensations: parts.compensations.map(({ compensationId, kind, amount, currency, at }) => ({
      compensationId,
      kind,
      amount,
      currency,
      at,
    })),
    impacts: parts.impacts,
    asOf: parts.asOf,
  };
}

// ---------------------------------------------------------------------------
// History (and every event-shaped answer)

type RequestEventType = RequestEvent['type'];
type DataOf<T extends RequestEventType> = Extract<RequestEvent, { type: T }>['data'];

/**
 * Per event type, the data fields a requester sees; null: the event is not
 * shown at all. Every event type must be decided here (the compiler insists).
 */
export const REQUESTER_EVENT_FIELDS: { readonly [T in RequestEventType]: readonly (keyof DataOf<T>)[] | null } = {
  RequestOpened: [
    'requestId',
    'requesterId',
    'departmentId',
    'subject',
    'description',
    'priority',
    'impact',
    'urgency',
    'channel',
    'category',
    'openedAt',
    'followUpOf',
  ],
  RequestAssigned: ['requestId', 'agentId'],
  RequestWorkStarted: ['requestId', 'agentId'],
  RequestPutOnHold: ['requestId', 'reason', 'heldAt'],
  RequestResumed: ['requestId'],
  RequestResolved: ['requestId', 'resolution', 'resolvedBy', 'resolvedAt'],
  RequestClosed: ['requestId', 'closedBy'],
  RequestCancelled: ['requestId', 'reason'],
  RequestReopened: ['requestId', 'reason'],
  RequestTransferred: ['requestId', 'fromDepartmentId', 'toDepartmentId'],
  RequestEscalated: null,
  RequestPriorityChanged: ['requestId', 'from', 'to', 'impact', 'urgency'],
  CommentAdded: ['requestId', 'commentId', 'authorId', 'authorRole', 'body'],
  // The public comment it comes with is shown; the SLA's measurement of it is not.
  FirstResponseGiven: null,
  SatisfactionRated: ['requestId', 'score', 'comment'],
  CompensationOffered: ['requestId', 'compensationId', 'kind', 'amount', 'currency'],
  // Tags are staff's classification.
  RequestTagged: null,
  RequestUntagged: null,
  SlaBreached: null,
};

/** Fields shown only when the requester wrote them (a reason staff gave for cancelling or reopening is staff's). */
const REQUESTER_AUTHORED: { readonly [T in RequestEventType]?: readonly (keyof DataOf<T>)[] } = {
  RequestCancelled: ['reason'],
  RequestReopened: ['reason'],
};

/** An event of the request as its requester sees it: no revision, position or ids of the commands around it. */
export interface RequesterEventView {
  type: RequestEventType;
  /** Business time of the event. */
  occurredAt: string;
  /** Who did it (an agent's id, the requester's, or the desk's own processes). */
  actor: string;
  data: Record<string, unknown>;
}

/** A request's history as its requester sees it, oldest first. */
export interface RequesterHistory {
  id: string;
  events: RequesterEventView[];
}

/**
 * The requester's view of one event of their request, or null when they do
 * not see it (internal comments, escalations, the SLA's measurements).
 * `actor` is the event's metadata.actor; `requesterId` the request's.
 */
export function requesterEventView(
  event: RequestEvent,
  meta: { actor: string; occurredAt: string },
  requesterId: string,
): RequesterEventView | null {
  if (event.type === 'CommentAdded' && event.data.visibility !== 'public') return null;
  const fields = REQUESTER_EVENT_FIELDS[event.type] as readonly string[] | null;
  if (fields === null) return null;
  const authored = (REQUESTER_AUTHORED[event.type] ?? []) as readonly string[];
  const source = event.data as Record<string, unknown>;
  const data: Record<string, unknown> = {};
  for (const field of fields) {
    if (!(field in source)) continue;
    if (authored.includes(field) && meta.actor !== requesterId) continue;
    data[field] = source[field];
  }
  return { type: event.type, occurredAt: meta.occurredAt, actor: meta.actor, data };
}
