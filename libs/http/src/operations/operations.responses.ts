import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import type { RebuildOutcome, RebuildStatus } from '@desk/application';
import type { ProjectionFault, ProjectionStatus } from '@desk/read-models';

const PROJECTION_STATES = ['stopped', 'catching_up', 'running', 'rebuilding', 'faulted'] as const;
const POSITION = { type: String, pattern: '^\\d{1,20}$', example: '1207' } as const;
const NULLABLE_POSITION = { ...POSITION, nullable: true } as const;

export class LiveResponse {
  @ApiProperty({ enum: ['ok'], type: String })
  status: 'ok';
}

export class ReadinessChecksResponse {
  @ApiProperty({ example: 'ok', description: '"ok", or why the event store does not answer' })
  eventStore: string;

  @ApiProperty({ example: 'ok', description: '"ok", or why the read-model store does not answer' })
  readModels: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', enum: [...PROJECTION_STATES] },
    example: { 'request-summaries': 'running' },
    description: 'The state of each projection this process runs',
  })
  projections: Record<string, string>;
}

export class ReadyResponse {
  @ApiProperty({ enum: ['ok'], type: String })
  status: 'ok';

  @ApiProperty({ type: () => ReadinessChecksResponse })
  checks: ReadinessChecksResponse;
}

export class ProjectionFaultResponse implements ProjectionFault {
  @ApiProperty(POSITION)
  position: string;

  @ApiProperty()
  eventId: string;

  @ApiProperty({ example: 'RequestOpened' })
  eventType: string;

  @ApiProperty({ example: 'request-req-42' })
  streamId: string;

  @ApiProperty()
  error: string;
}

export class RebuildStatusResponse implements RebuildStatus {
  @ApiProperty({ enum: [...PROJECTION_STATES], type: String })
  state: RebuildStatus['state'];

  @ApiProperty(POSITION)
  checkpoint: string;

  @ApiProperty({ description: 'Events a second' })
  rate: number;

  @ApiProperty({ format: 'date-time' })
  startedAt: string;
}

export class RebuildOutcomeResponse implements RebuildOutcome {
  @ApiProperty({ enum: ['swapped', 'faulted', 'stopped', 'failed'], type: String })
  outcome: RebuildOutcome['outcome'];

  @ApiProperty({ format: 'date-time' })
  startedAt: string;

  @ApiProperty({ format: 'date-time' })
  endedAt: string;

  @ApiProperty(POSITION)
  checkpoint: string;

  @ApiProperty({ type: String, nullable: true, description: "Why it did not swap in: the copy's fault, or the error that stopped it" })
  error: string | null;
}

/** A projection this process runs, as its runner tells it. */
export class ProjectionStatusResponse implements ProjectionStatus {
  @ApiProperty({ example: 'request-summaries' })
  name: string;

  @ApiProperty({ type: 'integer', minimum: 1, example: 3 })
  version: number;

  @ApiProperty({ enum: [...PROJECTION_STATES], type: String })
  state: ProjectionStatus['state'];

  @ApiProperty(POSITION)
  checkpoint: string;

  @ApiProperty({ description: 'Events applied (or passed over) a second, over the last few seconds' })
  rate: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  restarts: number;

  @ApiProperty({ type: String, nullable: true })
  lastError: string | null;

  @ApiProperty({
    type: () => ProjectionFaultResponse,
    nullable: true,
    description: "The event that faulted the projection, when state is 'faulted'",
  })
  fault: ProjectionFaultResponse | null;

  @ApiProperty({
    type: () => [ProjectionFaultResponse],
    description: 'Poison events an operator skipped since the process started (the last 20)',
  })
  skipped: ProjectionFaultResponse[];
}

/** A projection this process runs, in the list: with its lag and rebuilds. */
export class LocalProjectionResponse extends ProjectionStatusResponse {
  @ApiProperty({ ...NULLABLE_POSITION, description: 'Log positions behind the head; null while the event store does not answer' })
  lag: string | null;

  @ApiProperty({ type: () => RebuildStatusResponse, nullable: true, description: 'The rebuild under way' })
  rebuild: RebuildStatusResponse | null;

  @ApiProperty({ type: () => RebuildOutcomeResponse, nullable: true, description: 'How the last rebuild in this process ended' })
  lastRebuild: RebuildOutcomeResponse | null;
}

/** A projection another process (the projector) runs. */
export class ElsewhereProjectionResponse {
  @ApiProperty({ example: 'request-summaries' })
  name: string;

  @ApiProperty({ enum: ['elsewhere'], type: String })
  state: 'elsewhere';

  @ApiProperty({ ...NULLABLE_POSITION, description: 'Null while the read-model store does not answer' })
  checkpoint: string | null;

  @ApiProperty({ ...NULLABLE_POSITION })
  lag: string | null;
}

@ApiExtraModels(LocalProjectionResponse, ElsewhereProjectionResponse)
export class ProjectionsResponse {
  @ApiProperty({ ...NULLABLE_POSITION, description: 'The head of the log; null while the event store does not answer' })
  head: string | null;

  @ApiProperty({ type: String, isArray: true, enum: ['eventStore', 'readModels'], description: 'The stores that did not answer' })
  unreachable: string[];

  @ApiProperty({
    type: 'array',
    items: { oneOf: [{ $ref: getSchemaPath(LocalProjectionResponse) }, { $ref: getSchemaPath(ElsewhereProjectionResponse) }] },
  })
  projections: (LocalProjectionResponse | ElsewhereProjectionResponse)[];
}

export class RebuildStartedResponse {
  @ApiProperty({ example: 'request-summaries' })
  name: string;

  @ApiProperty({ type: () => RebuildStatusResponse, nullable: true })
  rebuild: RebuildStatusResponse | null;
}
