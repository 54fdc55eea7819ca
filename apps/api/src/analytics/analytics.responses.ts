import type { OutcomeFigures, OutcomesByAudience, WhatIfAnswer } from '@desk/application';
import { Answer } from '../http/answer-fields';

export class OutcomeFiguresResponse implements OutcomeFigures {
  @Answer.count()
  met: number;

  @Answer.count()
  breached: number;

  @Answer.count({ description: 'Not reached yet, not past due' })
  pending: number;

  @Answer.count({ description: 'Requests whose priority has no target in the standard' })
  noTarget: number;

  @Answer.number({ nullable: true, example: 0.92, description: 'met / (met + breached); null before any outcome' })
  compliance: number | null;

  @Answer.number({ nullable: true, example: 35, description: 'Median business minutes to spare (negative: late)' })
  medianMinutesToSpare: number | null;
}

type TargetOutcomes = OutcomesByAudience['internal'];

export class TargetOutcomesResponse implements TargetOutcomes {
  @Answer.nested(() => OutcomeFiguresResponse)
  firstResponse: OutcomeFiguresResponse;

  @Answer.nested(() => OutcomeFiguresResponse)
  resolution: OutcomeFiguresResponse;
}

export class OutcomesByAudienceResponse implements OutcomesByAudience {
  @Answer.nested(() => TargetOutcomesResponse)
  internal: TargetOutcomesResponse;

  @Answer.nested(() => TargetOutcomesResponse)
  external: TargetOutcomesResponse;
}

export class WhatIfAnswerResponse implements WhatIfAnswer {
  @Answer.id({ example: 'it' })
  departmentId: string;

  @Answer.time()
  from: string;

  @Answer.time()
  to: string;

  @Answer.time({ description: 'Outcomes are measured as known at this time' })
  asOf: string;

  @Answer.count({ description: 'Requests the department measured that were opened in [from, to)' })
  requests: number;

  @Answer.nested(() => OutcomesByAudienceResponse, { description: 'Under the standard each request was measured against' })
  inForce: OutcomesByAudienceResponse;

  @Answer.nested(() => OutcomesByAudienceResponse, { description: 'Under the standard asked about' })
  whatIf: OutcomesByAudienceResponse;
}
