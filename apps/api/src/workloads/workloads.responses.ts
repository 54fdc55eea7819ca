import type { DurationFigures, TargetCompliance, Workload } from '@desk/read-models';
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

export class MeasuredDurationsResponse implements MeasuredDurations {
  @Answer.nested(() => DurationFiguresResponse, { description: 'Business minutes: the SLA measure, pauses excluded' })
  business: DurationFiguresResponse;

  @Answer.nested(() => DurationFiguresResponse, { description: 'Elapsed wall-clock minutes' })
  elapsed: DurationFiguresResponse;
}

export class WorkloadTimesResponse implements Times {
  @Answer.nested(() => MeasuredDurationsResponse)
  firstResponse: MeasuredDurationsResponse;

  @Answer.nested(() => MeasuredDurationsResponse)
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
  @Answer.count()
  awaiting: number;

  @Answer.count()
  open: number;

  @Answer.count()
  done: number;
}

export class SatisfactionFiguresResponse implements Satisfaction {
  @Answer.nested(() => RatingsResponse)
  internal: RatingsResponse;

  @Answer.nested(() => RatingsResponse)
  external: RatingsResponse;

  @Answer.count({ description: "Ratings of 1 or 2, each followed up by a request in this department's queue" })
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

export class WorkloadResponse implements Workload {
  @Answer.id({ example: 'it' })
  departmentId: string;

  @Answer.string({ nullable: true, example: 'IT' })
  name: string | null;

  @Answer.time({ description: 'The time the figures were computed against' })
  asOf: string;

  @Answer.count({ description: 'Open requests' })
  open: number;

  @Answer.counts({ description: 'Every request, by status' })
  byStatus: Record<string, number>;

  @Answer.counts({ example: { high: 1, medium: 2 }, description: 'Open requests, by priority' })
  byPriority: Record<string, number>;

  @Answer.counts({ example: { internal: 2, external: 1 }, description: 'Open requests, by audience' })
  byAudience: Record<string, number>;

  @Answer.count()
  unassigned: number;

  @Answer.list(() => AgentLoadResponse)
  agents: AgentLoadResponse[];

  @Answer.list(() => WorkloadDayResponse, { description: 'Intake and resolutions per day, from..to' })
  days: WorkloadDayResponse[];

  @Answer.nested(() => WorkloadTimesResponse)
  times: WorkloadTimesResponse;

  @Answer.nested(() => SlaComplianceResponse)
  sla: SlaComplianceResponse;

  @Answer.nested(() => SatisfactionFiguresResponse)
  satisfaction: SatisfactionFiguresResponse;

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
