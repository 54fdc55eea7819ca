import {
  AUDIENCES,
  CHANNELS,
  COMPENSATION_KINDS,
  EXTERNAL_CUSTOMER_KINDS,
  HOLD_REASONS,
  IMPACT_RELATIONS,
  INTERNAL_CUSTOMER_KINDS,
  LEVELS,
  PRIORITIES,
  REQUEST_STATUSES,
  SLA_TARGETS,
  TIERS,
  VISIBILITIES,
  eventTypesOf,
  type Audience,
  type Channel,
  type CustomerKind,
  type FirstResponse,
  type HoldReason,
  type ImpactRelation,
  type Level,
  type Priority,
  type RequestHold,
  type RequestSla,
  type RequestStatus,
  type SlaTargetKind,
  type Tier,
} from '@desk/domain';
import type {
  RequesterCommentView,
  RequesterCompensationView,
  RequesterEventView,
  RequesterHistory,
  RequesterImpactsView,
  RequesterRequestView,
} from '@desk/read-models';
import { Answer } from '../http/answer-fields';
import type { HistoryEventView, RequestHistory, RequestView } from './request-queries';

type CommentView = RequestView['comments'][number];
type CompensationView = RequestView['compensations'][number];
type ImpactLinks = NonNullable<RequestView['impacts']>;
type ImpactLink = ImpactLinks['causes'][number];

const REQUEST_EVENT_TYPES = eventTypesOf('request');

export const CUSTOMER_KINDS = [...INTERNAL_CUSTOMER_KINDS, ...EXTERNAL_CUSTOMER_KINDS] as const;

export class RequestHoldResponse implements RequestHold {
  @Answer.oneOf(HOLD_REASONS)
  reason: HoldReason;

  @Answer.string({ nullable: true, example: 'waiting for the new handset' })
  note: string | null;

  @Answer.id({ nullable: true, description: 'The request this one waits on (reason blocked_by_request)' })
  blockingRequestId: string | null;

  @Answer.boolean({ description: 'True when awaiting the requester: the SLA clock stands still' })
  clockPaused: boolean;

  @Answer.time()
  heldAt: string;
}

export class RequestSlaResponse implements RequestSla {
  @Answer.id({ example: 'it', description: 'The department whose service standard measures the request' })
  departmentId: string;

  @Answer.integer({ min: 1, example: 1 })
  standardVersion: number;

  @Answer.integer({ min: 1, nullable: true, example: 60, description: 'Business minutes; null without a target' })
  firstResponseMinutes: number | null;

  @Answer.integer({ min: 1, nullable: true, example: 480 })
  resolutionMinutes: number | null;

  @Answer.time({ nullable: true })
  firstResponseDueAt: string | null;

  @Answer.time({ nullable: true })
  resolutionDueAt: string | null;

  @Answer.integer({ min: 0, example: 0, description: 'Business minutes the clock stood still so far' })
  pausedMinutes: number;

  @Answer.time({ nullable: true, description: 'When the clock stopped; null while it runs' })
  clockStoppedSince: string | null;
}

export class FirstResponseResponse implements FirstResponse {
  @Answer.id({ example: 'agent-ann' })
  agentId: string;

  @Answer.time()
  respondedAt: string;

  @Answer.boolean({ nullable: true, description: 'Null when there was no first-response target' })
  withinTarget: boolean | null;
}

type Satisfaction = NonNullable<RequestView['satisfaction']>;

export class SatisfactionResponse implements Satisfaction {
  @Answer.integer({ min: 1, max: 5, example: 4 })
  score: number;

  @Answer.string({ nullable: true })
  comment: string | null;
}

export class CommentResponse implements CommentView {
  @Answer.id({ example: '1f0c3a52-9d0e-4b7a-8c55-3c0a4f1e2b6d' })
  commentId: string;

  @Answer.id({ example: 'agent-ann' })
  authorId: string;

  @Answer.string({ example: 'agent' })
  authorRole: string;

  @Answer.string({ example: 'A new handset is on its way.' })
  body: string;

  @Answer.oneOf(VISIBILITIES)
  visibility: CommentView['visibility'];

  @Answer.time()
  at: string;
}

export class CompensationResponse implements CompensationView {
  @Answer.id()
  compensationId: string;

  @Answer.oneOf(COMPENSATION_KINDS)
  kind: CompensationView['kind'];

  @Answer.number({ example: 25 })
  amount: number;

  @Answer.string({ example: 'EUR' })
  currency: string;

  @Answer.string({ nullable: true })
  note: string | null;

  @Answer.id({ example: 'agent-ann' })
  offeredBy: string;

  @Answer.time()
  at: string;
}

export class ImpactLinkResponse implements ImpactLink {
  @Answer.id()
  requestId: string;

  @Answer.oneOf(IMPACT_RELATIONS)
  relation: ImpactRelation;
}

export class ImpactLinksResponse implements ImpactLinks {
  @Answer.list(() => ImpactLinkResponse, { description: 'What blocks or degrades this request' })
  causes: ImpactLinkResponse[];

  @Answer.list(() => ImpactLinkResponse, { description: 'What this request blocks or degrades' })
  effects: ImpactLinkResponse[];
}

export class RequestResponse implements RequestView {
  @Answer.id()
  requestId: string;

  @Answer.id({ example: 'cust-1' })
  requesterId: string;

  @Answer.oneOf(AUDIENCES)
  audience: Audience;

  @Answer.oneOf(CUSTOMER_KINDS)
  requesterKind: CustomerKind;

  @Answer.boolean({ description: 'Raised by a customer-facing employee: exposed to external customers without an explicit link' })
  exposedToExternal: boolean;

  @Answer.id({ example: 'it', description: 'The department whose queue holds it now' })
  departmentId: string;

  @Answer.string({ example: 'Phones at reception are dead' })
  subject: string;

  @Answer.string()
  description: string;

  @Answer.oneOf(PRIORITIES)
  priority: Priority;

  @Answer.oneOf(LEVELS, { nullable: true })
  impact: Level | null;

  @Answer.oneOf(LEVELS, { nullable: true })
  urgency: Level | null;

  @Answer.oneOf(CHANNELS)
  channel: Channel;

  @Answer.string({ nullable: true, example: 'telephony' })
  category: string | null;

  @Answer.oneOf(TIERS)
  tier: Tier;

  @Answer.time()
  openedAt: string;

  @Answer.id({ nullable: true, optional: true, description: 'The request whose poor satisfaction rating this one follows up' })
  followUpOf?: string | null;

  @Answer.oneOf(REQUEST_STATUSES)
  status: RequestStatus;

  @Answer.id({ nullable: true, example: 'agent-ann' })
  assigneeId: string | null;

  @Answer.nested(() => RequestHoldResponse, { nullable: true })
  hold: RequestHoldResponse | null;

  @Answer.string({ nullable: true })
  resolution: string | null;

  @Answer.id({ nullable: true })
  resolvedBy: string | null;

  @Answer.time({ nullable: true })
  resolvedAt: string | null;

  @Answer.oneOf(['requester', 'agent', 'system'], { nullable: true })
  closedBy: 'requester' | 'agent' | 'system' | null;

  @Answer.string({ nullable: true })
  cancelReason: string | null;

  @Answer.count({ example: 0 })
  reopenCount: number;

  @Answer.nested(() => RequestSlaResponse, { nullable: true, description: 'Null when the department had no service standard' })
  sla: RequestSlaResponse | null;

  @Answer.nested(() => FirstResponseResponse, { nullable: true })
  firstResponse: FirstResponseResponse | null;

  @Answer.nested(() => SatisfactionResponse, { nullable: true })
  satisfaction: SatisfactionResponse | null;

  @Answer.oneOfList(SLA_TARGETS, { description: 'Targets whose breach is recorded' })
  breaches: SlaTargetKind[];

  @Answer.strings()
  commentIds: string[];

  @Answer.strings()
  compensationIds: string[];

  @Answer.strings({ example: ['vip', 'telephony'], description: 'Its tags, in the order given' })
  tags: string[];

  @Answer.list(() => CommentResponse, { description: 'Oldest first; a requester sees the public ones only' })
  comments: CommentResponse[];

  @Answer.list(() => CompensationResponse)
  compensations: CompensationResponse[];

  @Answer.nested(() => ImpactLinksResponse, { nullable: true, description: 'Its impact links as they stand now; null with asOf' })
  impacts: ImpactLinksResponse | null;

  @Answer.position({ example: '3', description: 'The stream revision (also the ETag)' })
  revision: string;

  @Answer.position()
  position: string;

  @Answer.time({ nullable: true, description: 'The time asked with ?asOf, or null for now' })
  asOf: string | null;
}

export class HistoryEventResponse implements HistoryEventView {
  @Answer.position({ example: '0' })
  revision: string;

  @Answer.position()
  position: string;

  @Answer.string({ example: 'RequestOpened' })
  type: string;

  @Answer.object({ description: "The event's data, as recorded" })
  data: Record<string, unknown>;

  @Answer.time({ description: 'Business time' })
  occurredAt: string;

  @Answer.time({ description: "The store's time of recording" })
  recordedAt: string;

  @Answer.string({ example: 'agent-ann', description: "Token subject of whoever issued the command ('system:<process>' for processes)" })
  actor: string;

  @Answer.string()
  correlationId: string;

  @Answer.string()
  causationId: string;

  @Answer.integer({ min: 1, example: 1 })
  schemaVersion: number;
}

export class RequestHistoryResponse implements RequestHistory {
  @Answer.id()
  id: string;

  @Answer.list(() => HistoryEventResponse, { description: 'Oldest first' })
  events: HistoryEventResponse[];
}

export class RequesterCommentResponse implements RequesterCommentView {
  @Answer.id({ example: '1f0c3a52-9d0e-4b7a-8c55-3c0a4f1e2b6d' })
  commentId: string;

  @Answer.id({ example: 'agent-ann' })
  authorId: string;

  @Answer.string({ example: 'agent' })
  authorRole: string;

  @Answer.string({ example: 'A new handset is on its way.' })
  body: string;

  @Answer.time()
  at: string;
}

export class RequesterCompensationResponse implements RequesterCompensationView {
  @Answer.id()
  compensationId: string;

  @Answer.oneOf(COMPENSATION_KINDS)
  kind: RequesterCompensationView['kind'];

  @Answer.number({ example: 25 })
  amount: number;

  @Answer.string({ example: 'EUR' })
  currency: string;

  @Answer.time()
  at: string;
}

export class RequesterImpactsResponse implements RequesterImpactsView {
  @Answer.count({ example: 0, description: 'Open requests that block it' })
  blockedBy: number;

  @Answer.count({ example: 0, description: 'Open requests that degrade it' })
  degradedBy: number;
}

/** A request as its requester sees it (GET /requests/{id} with a requester's token): no staff-only text or ids, no revision. */
export class RequesterRequestResponse implements RequesterRequestView {
  @Answer.id()
  requestId: string;

  @Answer.id({ example: 'cust-1' })
  requesterId: string;

  @Answer.id({ example: 'it' })
  departmentId: string;

  @Answer.string({ example: 'Phones at reception are dead' })
  subject: string;

  @Answer.string()
  description: string;

  @Answer.oneOf(REQUEST_STATUSES)
  status: RequestStatus;

  @Answer.oneOf(PRIORITIES)
  priority: Priority;

  @Answer.oneOf(LEVELS, { nullable: true })
  impact: Level | null;

  @Answer.oneOf(LEVELS, { nullable: true })
  urgency: Level | null;

  @Answer.oneOf(CHANNELS)
  channel: string;

  @Answer.string({ nullable: true })
  category: string | null;

  @Answer.time()
  openedAt: string;

  @Answer.id({ nullable: true, example: 'agent-ann' })
  assigneeId: string | null;

  @Answer.time({ nullable: true })
  firstResponseDueAt: string | null;

  @Answer.time({ nullable: true })
  resolutionDueAt: string | null;

  @Answer.time({ nullable: true })
  firstRespondedAt: string | null;

  @Answer.oneOf(HOLD_REASONS, { nullable: true })
  holdReason: HoldReason | null;

  @Answer.time({ nullable: true })
  heldAt: string | null;

  @Answer.string({ nullable: true })
  resolution: string | null;

  @Answer.time({ nullable: true })
  resolvedAt: string | null;

  @Answer.id({ nullable: true })
  resolvedBy: string | null;

  @Answer.oneOf(['requester', 'agent', 'system'], { nullable: true })
  closedBy: 'requester' | 'agent' | 'system' | null;

  @Answer.string({ nullable: true, description: 'Only when the requester cancelled it themselves' })
  cancelReason: string | null;

  @Answer.count({ example: 0 })
  reopenCount: number;

  @Answer.nested(() => SatisfactionResponse, { nullable: true })
  satisfaction: SatisfactionResponse | null;

  @Answer.id({ nullable: true })
  followUpOf: string | null;

  @Answer.list(() => RequesterCommentResponse, { description: 'Public comments only, oldest first' })
  comments: RequesterCommentResponse[];

  @Answer.list(() => RequesterCompensationResponse)
  compensations: RequesterCompensationResponse[];

  @Answer.nested(() => RequesterImpactsResponse, { nullable: true, description: 'Null with asOf' })
  impacts: RequesterImpactsResponse | null;

  @Answer.time({ nullable: true })
  asOf: string | null;
}

export class RequesterEventResponse implements RequesterEventView {
  @Answer.oneOf(REQUEST_EVENT_TYPES)
  type: RequesterEventView['type'];

  @Answer.time({ description: 'Business time' })
  occurredAt: string;

  @Answer.string({ example: 'agent-ann', description: "Who did it (an agent's id, the requester's, or the desk's own processes)" })
  actor: string;

  @Answer.object({ description: 'The fields of the event a requester may see' })
  data: Record<string, unknown>;
}

export class RequesterHistoryResponse implements RequesterHistory {
  @Answer.id()
  id: string;

  @Answer.list(() => RequesterEventResponse, { description: 'Oldest first' })
  events: RequesterEventResponse[];
}
