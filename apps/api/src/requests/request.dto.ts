import {
  ISO_TIME_PATTERN,
  CHANNELS,
  COMPENSATION_AMOUNT,
  COMPENSATION_KINDS,
  FieldProblems,
  HOLD_REASONS,
  IMPACT_RELATIONS,
  LEVELS,
  PRIORITIES,
  TEXT_LIMITS,
  SATISFACTION_SCORES,
  VISIBILITIES,
  type AddComment,
  type AssignRequest,
  type CancelRequest,
  type ChangePriority,
  type Channel,
  type CompensationKind,
  type EscalateRequest,
  type HoldReason,
  type ImpactRelation,
  type Level,
  type LinkImpact,
  type OfferCompensation,
  type OpenRequest,
  type Priority,
  type PutOnHold,
  type RateSatisfaction,
  type ReopenRequest,
  type ResolveRequest,
  type TransferRequest,
  type Visibility,
} from '@desk/domain';
import { AmountField, CurrencyField, EnumField, IdField, IntegerField, PatternField, TextField } from '../http/fields';

export class OpenRequestBody {
  @IdField({
    optional: true,
    description:
      "Chosen by the caller, or generated (derived from the Idempotency-Key when one is sent). An id holding ':' is an import's (403)",
  })
  id?: string;

  @IdField({ description: 'The customer asking; a requester can only name themselves' })
  requesterId: string;

  @IdField()
  departmentId: string;

  @TextField(TEXT_LIMITS.subject, { example: 'Phones at reception are dead' })
  subject: string;

  @TextField(TEXT_LIMITS.description, { optional: true })
  description?: string;

  @EnumField(PRIORITIES, {
    optional: true,
    description:
      'Or give urgency, with impact when known, to derive it. Staff only where REQUESTER_PRIORITY=urgency (the default): a requester who names it is answered 403',
  })
  priority?: Priority;

  @EnumField(LEVELS, {
    optional: true,
    description: 'With urgency, the priority is impact × urgency. Staff only where REQUESTER_PRIORITY=urgency (the default)',
  })
  impact?: Level;

  @EnumField(LEVELS, {
    optional: true,
    description:
      "How urgent it is. Given alone (a requester's way by default), the impact is not judged yet and the priority is a medium impact's",
  })
  urgency?: Level;

  @EnumField(CHANNELS, { optional: true })
  channel?: Channel;

  @TextField(TEXT_LIMITS.category, { optional: true, example: 'telephony' })
  category?: string;

  static domainProblems(body: OpenRequestBody): Record<string, string> {
    const problems = new FieldProblems();
    problems.priorityChoice(body, { urgencyAlone: true });
    return problems.fields;
  }
}

export class AssignBody {
  @IdField()
  agentId: string;
}

export class HoldBody {
  @EnumField(HOLD_REASONS)
  reason: HoldReason;

  @TextField(TEXT_LIMITS.note, { optional: true })
  note?: string;

  @IdField({ optional: true, description: 'Required when reason is blocked_by_request' })
  blockingRequestId?: string;

  /** (That the blocking request is another one than the path's is the decider's to say.) */
  static domainProblems(body: HoldBody): Record<string, string> {
    const problems = new FieldProblems();
    problems.holdBlocking(body.reason, body.blockingRequestId);
    return problems.fields;
  }
}

export class ResolveBody {
  @TextField(TEXT_LIMITS.resolution)
  resolution: string;
}

export class ReasonBody {
  @TextField(TEXT_LIMITS.reason)
  reason: string;
}

/** Cancelling or reopening needs no reason: the domain records a blank one. */
export class OptionalReasonBody {
  @TextField(TEXT_LIMITS.optionalReason, { optional: true })
  reason?: string;
}

export class CommentBody {
  @TextField(TEXT_LIMITS.commentBody)
  body: string;

  @EnumField(VISIBILITIES, { optional: true, description: 'Default public' })
  visibility?: Visibility;
}

export class TransferBody {
  @IdField()
  departmentId: string;

  @TextField(TEXT_LIMITS.reason)
  reason: string;
}

export class PriorityBody {
  @EnumField(PRIORITIES, { optional: true })
  priority?: Priority;

  @EnumField(LEVELS, { optional: true })
  impact?: Level;

  @EnumField(LEVELS, { optional: true })
  urgency?: Level;

  @TextField(TEXT_LIMITS.reason)
  reason: string;

  static domainProblems(body: PriorityBody): Record<string, string> {
    const problems = new FieldProblems();
    problems.priorityChoice(body);
    return problems.fields;
  }
}

export class SatisfactionBody {
  @IntegerField(SATISFACTION_SCORES)
  score: number;

  @TextField(TEXT_LIMITS.ratingComment, { optional: true })
  comment?: string;
}

export class ImpactBody {
  @IdField({ description: 'The request this one blocks or degrades' })
  effectRequestId: string;

  @EnumField(IMPACT_RELATIONS)
  relation: ImpactRelation;
}

export class CompensationBody {
  @EnumField(COMPENSATION_KINDS)
  kind: CompensationKind;

  @AmountField(COMPENSATION_AMOUNT)
  amount: number;

  @CurrencyField({ example: 'EUR', description: 'ISO 4217' })
  currency: string;

  @TextField(TEXT_LIMITS.note, { optional: true })
  note?: string;
}

export class AsOfQuery {
  @PatternField(ISO_TIME_PATTERN, 'must be an ISO 8601 time', { optional: true, max: 40 })
  asOf?: string;
}

/**
 * The command data each body stands for, with what the route adds (ids from the path or the Idempotency-Key,
 * defaults): the controller sends it, and the DTO–domain agreement spec decides it.
 */
export const requestCommandData = {
  open: (body: OpenRequestBody, requestId: string): OpenRequest['data'] => ({
    requestId,
    requesterId: body.requesterId,
    departmentId: body.departmentId,
    subject: body.subject,
    description: body.description ?? '',
    priority: body.priority,
    impact: body.impact,
    urgency: body.urgency,
    channel: body.channel,
    category: body.category,
  }),
  assign: (body: AssignBody): AssignRequest['data'] => ({ agentId: body.agentId }),
  hold: (body: HoldBody): PutOnHold['data'] => ({ reason: body.reason, note: body.note, blockingRequestId: body.blockingRequestId }),
  resolve: (body: ResolveBody): ResolveRequest['data'] => ({ resolution: body.resolution }),
  cancel: (body: OptionalReasonBody): CancelRequest['data'] => ({ reason: body.reason ?? '' }),
  reopen: (body: OptionalReasonBody): ReopenRequest['data'] => ({ reason: body.reason ?? '' }),
  comment: (body: CommentBody, commentId: string): AddComment['data'] => ({
    commentId,
    body: body.body,
    visibility: body.visibility ?? 'public',
  }),
  transfer: (body: TransferBody): TransferRequest['data'] => ({ toDepartmentId: body.departmentId, reason: body.reason }),
  escalate: (body: ReasonBody): EscalateRequest['data'] => ({ reason: body.reason }),
  priority: (body: PriorityBody): ChangePriority['data'] => ({
    priority: body.priority,
    impact: body.impact,
    urgency: body.urgency,
    reason: body.reason,
  }),
  rate: (body: SatisfactionBody): RateSatisfaction['data'] => ({ score: body.score, comment: body.comment }),
  compensate: (body: CompensationBody, compensationId: string): OfferCompensation['data'] => ({
    compensationId,
    kind: body.kind,
    amount: body.amount,
    currency: body.currency,
    note: body.note,
  }),
  link: (body: ImpactBody, causeRequestId: string): LinkImpact['data'] => ({
    causeRequestId,
    effectRequestId: body.effectRequestId,
    relation: body.relation,
  }),
};
