import type { DomainCommand } from '../shared/event';
import type { CompensationKind, HoldReason, Level, Priority, SlaTargetKind, Visibility } from '../shared/vocabulary';

export type OpenRequest = DomainCommand<
  'OpenRequest',
  {
    requestId: string;
    requesterId: string;
    departmentId: string;
    subject: string;
    description: string;
    /** Either a priority, or impact and urgency to derive it from (both given: refused). */
    priority?: Priority;
    impact?: Level;
    urgency?: Level;
    channel?: string;
    category?: string;
    /** The request whose poor satisfaction rating this one follows up (set by the follow-up process only). */
    followUpOf?: string;
  }
>;
export type AssignRequest = DomainCommand<'AssignRequest', { agentId: string }>;
export type StartWork = DomainCommand<'StartWork', Record<string, never>>;
export type PutOnHold = DomainCommand<'PutOnHold', { reason: HoldReason; note?: string; blockingRequestId?: string }>;
export type ResumeWork = DomainCommand<'ResumeWork', Record<string, never>>;
export type ResolveRequest = DomainCommand<'ResolveRequest', { resolution: string }>;
export type CloseRequest = DomainCommand<'CloseRequest', Record<string, never>>;
export type CancelRequest = DomainCommand<'CancelRequest', { reason: string }>;
export type ReopenRequest = DomainCommand<'ReopenRequest', { reason: string }>;
export type TransferRequest = DomainCommand<'TransferRequest', { toDepartmentId: string; reason: string }>;
export type EscalateRequest = DomainCommand<'EscalateRequest', { reason: string }>;
export type ChangePriority = DomainCommand<'ChangePriority', { priority?: Priority; impact?: Level; urgency?: Level; reason: string }>;
export type AddComment = DomainCommand<'AddComment', { commentId: string; body: string; visibility: Visibility }>;
export type RateSatisfaction = DomainCommand<'RateSatisfaction', { score: number; comment?: string }>;
export type OfferCompensation = DomainCommand<
  'OfferCompensation',
  { compensationId: string; kind: CompensationKind; amount: number; currency: string; note?: string }
>;
/** Tags classify a request for staff (filters, reports); tagging twice, or removing a tag it does not carry, changes nothing. */
export type TagRequest = DomainCommand<'TagRequest', { tag: string }>;
export type UntagRequest = DomainCommand<'UntagRequest', { tag: string }>;
/** Issued by the SLA process when a due time has passed. */
export type RecordSlaBreach = DomainCommand<'RecordSlaBreach', { target: SlaTargetKind }>;

export type RequestCommand =
  | OpenRequest
  | AssignRequest
  | StartWork
  | PutOnHold
  | ResumeWork
  | ResolveRequest
  | CloseRequest
  | CancelRequest
  | ReopenRequest
  | TransferRequest
  | EscalateRequest
  | ChangePriority
  | AddComment
  | RateSatisfaction
  | OfferCompensation
  | TagRequest
  | UntagRequest
  | RecordSlaBreach;
