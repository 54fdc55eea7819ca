import {
  ID_PATTERN,
  MAX_AGENT_DEPARTMENTS,
  TEXT_LIMITS,
  TIERS,
  changeAgentProblems,
  registerAgentProblems,
  type ChangeAgent,
  type RegisterAgent,
  type Tier,
} from '@desk/domain';
import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, ValidateBy } from 'class-validator';
import { EnumField, IdField, TextField } from '../http/fields';
import { DirectoryQuery } from './directory-query';

const DEPARTMENTS = `The departments whose requests they may be assigned: 1 to ${MAX_AGENT_DEPARTMENTS} registered department ids`;

/** What is wrong with a list of department ids as a field, whatever else the body holds; a repeat is the domain's to name. */
function departmentIdsProblem(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_AGENT_DEPARTMENTS) {
    return `must list 1 to ${MAX_AGENT_DEPARTMENTS} department ids`;
  }
  return value.every((id) => typeof id === 'string' && ID_PATTERN.test(id)) ? undefined : 'each item must be a department id';
}

/** 1 to 50 department ids, documented as the field checks them. */
function DepartmentIdsField(options: { optional?: boolean; description: string }) {
  const doc = {
    type: String,
    isArray: true,
    minItems: 1,
    maxItems: MAX_AGENT_DEPARTMENTS,
    pattern: ID_PATTERN.source,
    example: ['it', 'front-desk'],
    description: options.description,
  };
  return applyDecorators(
    ...(options.optional ? [IsOptional(), ApiPropertyOptional(doc)] : [ApiProperty(doc)]),
    ValidateBy({
      name: 'departmentIds',
      validator: {
        validate: (value) => departmentIdsProblem(value) === undefined,
        defaultMessage: (args) => departmentIdsProblem(args!.value) ?? 'is not valid',
      },
    }),
  );
}

export class RegisterAgentBody {
  @IdField({ example: 'agent-ann', description: "An agent's token subject is this id. An id holding ':' is an import's (403)" })
  id: string;

  @TextField(TEXT_LIMITS.name, { example: 'Ann Peeters' })
  name: string;

  @DepartmentIdsField({ description: DEPARTMENTS })
  departmentIds: string[];

  @EnumField(TIERS, { description: 'Support tier: L1 first line, L2 and L3 for escalations' })
  tier: Tier;

  /** At least one department, none twice: the domain's own check. */
  static domainProblems(body: RegisterAgentBody): Record<string, string> {
    const { agentId, ...fields } = registerAgentProblems(agentCommandData.register(body)).fields;
    return agentId === undefined ? fields : { id: agentId, ...fields };
  }
}

export class ChangeAgentBody {
  @TextField(TEXT_LIMITS.name, { optional: true, example: 'Ann Peeters-Janssens' })
  name?: string;

  @DepartmentIdsField({ optional: true, description: `${DEPARTMENTS}: the whole new list (an agent moving teams)` })
  departmentIds?: string[];

  @EnumField(TIERS, { optional: true })
  tier?: Tier;

  /** At least one field, at least one department, none twice: the domain's own check. */
  static domainProblems(body: ChangeAgentBody): Record<string, string> {
    return changeAgentProblems(agentCommandData.change(body)).fields;
  }
}

/** The command data each body stands for: the controller sends it. */
export const agentCommandData = {
  register: (body: RegisterAgentBody): RegisterAgent['data'] => ({
    agentId: body.id,
    name: body.name,
    departmentIds: body.departmentIds,
    tier: body.tier,
  }),
  change: (body: ChangeAgentBody): ChangeAgent['data'] => ({
    ...(body.name === undefined ? {} : { name: body.name }),
    ...(body.departmentIds === undefined ? {} : { departmentIds: body.departmentIds }),
    ...(body.tier === undefined ? {} : { tier: body.tier }),
  }),
};

export class AgentsQuery extends DirectoryQuery {
  @IdField({ optional: true, description: 'Only agents who work in this department' })
  departmentId?: string;
}
