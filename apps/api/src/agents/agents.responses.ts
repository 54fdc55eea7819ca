import { ApiProperty } from '@nestjs/swagger';
import { TIERS } from '@desk/domain';
import type { AgentEntry, DirectoryPage } from '@desk/read-models';

export class AgentResponse implements AgentEntry {
  @ApiProperty({ example: 'agent-ann' })
  agentId: string;

  @ApiProperty({ example: 'Ann Peeters' })
  name: string;

  @ApiProperty({ enum: [...TIERS], example: 'L1' })
  tier: string;

  @ApiProperty({
    type: [String],
    example: ['front-desk', 'it'],
    description: 'The departments whose requests they may be assigned, in id order',
  })
  departmentIds: string[];

  @ApiProperty({ format: 'date-time', example: '2026-03-02T09:00:00.000Z' })
  registeredAt: string;

  @ApiProperty({ format: 'date-time', example: '2026-03-09T09:00:00.000Z', description: 'When the name, departments or tier last changed' })
  updatedAt: string;
}

export class AgentPageResponse implements DirectoryPage<AgentEntry> {
  @ApiProperty({ type: () => [AgentResponse] })
  items: AgentResponse[];

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'WyJBbm4iLCJhZ2VudC1hbm4iXQ',
    description: 'Pass back as cursor for the next page; null on the last',
  })
  nextCursor: string | null;
}
