import { CHANNELS, COMPENSATION_KINDS, HOLD_REASONS, IMPACT_RELATIONS, LEVELS, PRIORITIES, VISIBILITIES } from '@desk/domain';
import { AmountField, EnumField, IdField, IntegerField, PatternField, TextField } from '../http/fields';

const REASON = { max: 2000 };

export class OpenRequestBody {
  @IdField({ optional: true, description: 'Chosen by the caller, or generated (derived from the Idempotency-Key when one is sent)' })
  id?: string;

  @IdField({ description: 'The customer asking; a requester can only name themselves' })
  requesterId: string;

  @IdField()
  departmentId: string;

  @TextField({ max: 200, example: 'Phones at reception are dead' })
  subject: string;

  @TextField({ min: 0, max: 10000, optional: true })
  description?: string;

  @EnumField(PRIORITIES, { optional: true, description: 'Or give impact and urgency to derive it' })
  priority?: string;

  @EnumField(LEVELS, { optional: true })
  impact?: string;

  @EnumField(LEVELS, { optional: true })
  urgency?: string;

  @EnumField(CHANNELS, { optional: true })
  channel?: string;

  @TextField({ max: 100, optional: true, example: 'telephony' })
  category?: string;
}

export class AssignBody {
  @IdField()
  agentId: string;
}

export class HoldBody {
  @EnumField(HOLD_REASONS)
  reason: string;

  @TextField({ max: 2000, optional: true })
  note?: string;

  @IdField({ optional: true, description: 'Required when reason is blocked_by_request' })
  blockingRequestId?: string;
}

export class ResolveBody {
  @TextField({ max: 10000 })
  resolution: string;
}

export class ReasonBody {
  @TextField(REASON)
  reason: string;
}

export class CommentBody {
  @TextField({ max: 10000 })
  body: string;

  @EnumField(VISIBILITIES, { optional: true, description: 'Default public' })
  visibility?: string;
}

export class TransferBody {
  @IdField()
  departmentId: string;

  @TextField(REASON)
  reason: string;
}

export class PriorityBody {
  @EnumField(PRIORITIES, { optional: true })
  priority?: string;

  @EnumField(LEVELS, { optional: true })
  impact?: string;

  @EnumField(LEVELS, { optional: true })
  urgency?: string;

  @TextField(REASON)
  reason: string;
}

export class SatisfactionBody {
  @IntegerField({ min: 1, max: 5 })
  score: number;

  @TextField({ min: 0, max: 2000, optional: true })
  comment?: string;
}

export class ImpactBody {
  @IdField({ description: 'The request this one blocks or degrades' })
  effectRequestId: string;

  @EnumField(IMPACT_RELATIONS)
  relation: string;
}

export class CompensationBody {
  @EnumField(COMPENSATION_KINDS)
  kind: string;

  @AmountField({ max: 1_000_000_000 })
  amount: number;

  @PatternField(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as EUR', { example: 'EUR', max: 3 })
  currency: string;

  @TextField({ max: 2000, optional: true })
  note?: string;
}

export class AsOfQuery {
  @PatternField(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, 'must be an ISO 8601 time', { optional: true, max: 40 })
  asOf?: string;
}
