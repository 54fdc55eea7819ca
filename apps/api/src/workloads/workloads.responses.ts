import type { DeskWorkload, DurationFigures, TargetCompliance, Workload } from '@desk/read-models';
import { Answer } from '../http/answer-fields';

type Times = Workload['times'];
type Satisfaction = Workload['satisfaction'];
type MeasuredDurations = Times['firstResponse'];
type AudienceCompliance = Workload['sla']['internal'];
type SlaCompliance = Workload['sla'];
type AgentLoad = Workload['agents'][number];
type WorkloadDay = Workload['days'][number];
type Ratings = Satisfaction['internal'];
type FollowUps = Satisfaction['followUps'];
type WorkloadImpact = Workload['impact'];

export class DurationFiguresResponse implements DurationFigures {
  @Answer.count()
  count: number;

  @Answer.number({ nullable: true, example: 42 })
  medianMinutes: number | null;

  @Answer.number({ nullable: true, example: 95 })
  p90Minutes: number | null;
}

/** First responses or resolutions given within from..to (a request resolved twice counts twice). */
export class MeasuredDurationsResponse implements MeasuredDurations {
  @Answer.nested(() => DurationFiguresResponse, { description: 'Business minutes: the SLA measure, pauses excluded' })
  business: DurationFiguresResponse;

  @Answer.nested(() => DurationFiguresResponse, { description: 'Elapsed wall-clock minutes' })
  elapsed: DurationFiguresResponse;
}

export class WorkloadTimesResponse implements Times {
  @Answer.nested(() => MeasuredDurationsResponse, { description: 'First responses given within from..to, in minutes from opening' })
  firstResponse: MeasuredDurationsResponse;

  @Answer.nested(() => MeasuredDurationsResponse, {
    description: 'Resolutions within from..to, in minutes from opening (a request reopened and resolved again counts twice)',
  })
  resolution: MeasuredDurationsResponse;
}

export class TargetComplianceResponse implements TargetCompliance {
  @Answer.count()
  met: number;

  @Answer.count()
  breached: number;

  @Answer.number({ nullable: true, example: 0.9, description: 'met / (met + breached); null before any outcome' })
  compliance: number | null;
}

export class AudienceComplianceResponse implements AudienceCompliance {
  @Answer.nested(() => TargetComplianceResponse)
  firstResponse: TargetComplianceResponse;

  @Answer.nested(() => TargetComplianceResponse)
  resolution: TargetComplianceResponse;
}

export class SlaComplianceResponse implements SlaCompliance {
  @Answer.nested(() => AudienceComplianceResponse)
  internal: AudienceComplianceResponse;

  @Answer.nested(() => AudienceComplianceResponse)
  external: AudienceComplianceResponse;
}

export class AgentLoadResponse implements AgentLoad {
  @Answer.id({ example: 'agent-ann' })
  agentId: string;

  @Answer.count()
  open: number;

  @Answer.counts()
  byStatus: Record<string, number>;
}

export class WorkloadDayResponse implements WorkloadDay {
  @Answer.day()
  day: string;

  @Answer.count()
  intake: number;

  @Answer.count()
  resolved: number;
}

export class RatingsResponse implements Ratings {
  @Answer.count()
  ratings: number;

  @Answer.number({ nullable: true, example: 4.2 })
  mean: number | null;
}

export class FollowUpsResponse implements FollowUps {
  @Answer.count({ description: 'Poor ratings given within from..to that no follow-up request has followed up yet' })
  awaiting: number;

  @Answer.count({ description: 'Follow-up requests open now' })
  open: number;

  @Answer.count({ description: 'Follow-up requests resolved or cancelled within from..to' })
  done: number;
}

/** Ratings given within from..to, where the request was when rated. */
export class SatisfactionFiguresResponse implements Satisfaction {
  @Answer.nested(() => RatingsResponse, { description: 'Ratings by internal requesters given within from..to' })
  internal: RatingsResponse;

  @Answer.nested(() => RatingsResponse, { description: 'Ratings by external requesters given within from..to' })
  external: RatingsResponse;

  @Answer.count({ description: "Ratings of 1 or 2 given within from..to, each followed up by a request in this department's queue" })
  poorRatings: number;

  @Answer.nested(() => FollowUpsResponse)
  followUps: FollowUpsResponse;
}

export class WorkloadImpactResponse implements WorkloadImpact {
  @Answer.count()
  blockingRequests: number;

  @Answer.count()
  blockedExternalRequests: number;

  @Answer.count()
  blockedExternalCustomers: number;
}

/**
 * What GET /workload answers, every department together, and what a department's workload shows of its own: what is
 * open now, and what happened within from..to up to asOf.
 */
export class DeskWorkloadResponse implements DeskWorkload {
  @Answer.time({ description: 'The time the figures were computed against: facts after it are not counted' })
  asOf: string;

  @Answer.count({ description: 'Open requests' })
  open: number;

  @Answer.counts({
    description:
      'Open requests by status (new, assigned, in_progress, on_hold); resolved, closed and cancelled: how many were resolved, closed ' +
      'or cancelled within from..to (a request reopened and resolved again counts twice)',
  })
  byStatus: Record<string, number>;

  @Answer.counts({ example: { high: 1, medium: 2 }, description: 'Open requests, by priority' })
  byPriority: Record<string, number>;

  @Answer.counts({ example: { internal: 2, external: 1 }, description: 'Open requests, by audience' })
  byAudience: Record<string, number>;

  @Answer.count({ description: 'Open requests without an assignee' })
  unassigned: number;

  @Answer.list(() => AgentLoadResponse, { description: 'Open requests per assignee, busiest first' })
  agents: AgentLoadResponse[];

  @Answer.list(() => WorkloadDayResponse, {
    description:
      'Intake and resolutions per day, from..to (days with either), in the local days of the SLA calendar; a request counts ' +
      'in the department that held it when it was opened, and when it was resolved',
  })
  days: WorkloadDayResponse[];

  @Answer.nested(() => WorkloadTimesResponse, {
    description: 'Medians and p90s interpolated between the closest ranks (the median of an even count is the mean of the two middle ones)',
  })
  times: WorkloadTimesResponse;

  @Answer.nested(() => SlaComplianceResponse, {
    description:
      'Targets settled within from..to: met when reached in time with no breach recorded, breached when reached late or when its ' +
      'breach was recorded first (once per target, and again for a resolution after a reopening)',
  })
  sla: SlaComplianceResponse;

  @Answer.nested(() => SatisfactionFiguresResponse)
  satisfaction: SatisfactionFiguresResponse;
}

export class WorkloadResponse extends DeskWorkloadResponse implements Workload {
  @Answer.id({ example: 'it' })
  departmentId: string;

  @Answer.string({ nullable: true, example: 'IT' })
  name: string | null;

  @Answer.nested(() => WorkloadImpactResponse, { description: "What the department's open internal work blocks downstream" })
  impact: WorkloadImpactResponse;
}

/** What GET /workloads answers. */
export interface Workloads {
  departments: Workload[];
}

export class WorkloadsResponse implements Workloads {
  @Answer.list(() => WorkloadResponse, { description: 'By department name' })
  departments: WorkloadResponse[];
}
