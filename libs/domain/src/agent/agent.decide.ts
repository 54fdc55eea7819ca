import type { DepartmentState } from '../department/department.state';
import type { DecisionLookups } from '../shared/decider';
import { CommandRefusedError, NotFoundError } from '../shared/errors';
import type { DecisionContext } from '../shared/event';
import { ADMINISTRATOR_ROLES, refuseReservedId, requireRole } from '../shared/roles';
import { FieldProblems, TEXT_LIMITS } from '../shared/validation';
import { ID_PATTERN, TIERS, type Tier } from '../shared/vocabulary';
import type { AgentCommand, ChangeAgent, RegisterAgent } from './agent.commands';
import type { AgentDepartmentsChanged, AgentEvent, AgentRegistered, AgentRenamed, AgentTierChanged } from './agent.events';
import type { AgentState, RegisteredAgent } from './agent.state';

/**
 * The most departments one agent works in. Real logs have agents in hundreds of teams (a system resource of
 * the Volvo IT log appears in 218), so this is a bound on a list's size, not on how teams are organised.
 */
export const MAX_AGENT_DEPARTMENTS = 1000;

export interface AgentDecisionContext extends DecisionContext {
  departments: ReadonlyMap<string, DepartmentState>;
}

/** Which other aggregates to load before deciding: the departments the agent is to work in. */
export function agentLookups(command: AgentCommand): DecisionLookups {
  const listed = command.data.departmentIds;
  const departmentIds = Array.isArray(listed)
    ? [...new Set(listed.slice(0, MAX_AGENT_DEPARTMENTS).filter((id): id is string => typeof id === 'string' && ID_PATTERN.test(id)))]
    : [];
  return { departmentIds, customerIds: [], requestIds: [] };
}

export function decideAgent(command: AgentCommand, state: AgentState, context: AgentDecisionContext): AgentEvent[] {
  switch (command.type) {
    case 'RegisterAgent':
      return registerAgent(command, state, context);
    case 'ChangeAgent':
      return changeAgent(command, state, context);
    default: {
      const _: never = command;
      throw new Error(`unknown agent command ${(command as { type: string }).type}`);
    }
  }
}

/** What is wrong with a list of departments: 1 to MAX_AGENT_DEPARTMENTS distinct department ids. */
function departmentListProblems(problems: FieldProblems, field: string, value: unknown): void {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_AGENT_DEPARTMENTS) {
    problems.add(field, `must list 1 to ${MAX_AGENT_DEPARTMENTS} department ids`);
    return;
  }
  const seen = new Set<unknown>();
  value.forEach((id, index) => {
    problems.id(`${field}[${index}]`, id);
    if (seen.has(id)) problems.add(`${field}[${index}]`, `repeats department ${String(id)}`);
    seen.add(id);
  });
}

/** What is wrong with a registration's fields, whatever the state: the HTTP body is checked with it too. */
export function registerAgentProblems(data: RegisterAgent['data']): FieldProblems {
  const problems = new FieldProblems();
  problems.id('agentId', data.agentId);
  problems.text('name', data.name, TEXT_LIMITS.name);
  departmentListProblems(problems, 'departmentIds', data.departmentIds);
  problems.oneOf('tier', data.tier, TIERS);
  return problems;
}

/** What is wrong with a change's fields, whatever the state: each field is optional, but one must be given. */
export function changeAgentProblems(data: ChangeAgent['data']): FieldProblems {
  const problems = new FieldProblems();
  const given = (value: unknown) => value !== undefined && value !== null;
  if (!given(data.name) && !given(data.departmentIds) && !given(data.tier)) {
    problems.add('name', 'give at least one of name, departmentIds or tier to change');
  }
  if (given(data.name)) problems.text('name', data.name, TEXT_LIMITS.name);
  if (given(data.departmentIds)) departmentListProblems(problems, 'departmentIds', data.departmentIds);
  if (given(data.tier)) problems.oneOf('tier', data.tier, TIERS);
  return problems;
}

/** Every department named exists: an agent of a department nobody registered could never be assigned anything. */
function requireDepartments(agentId: string, departmentIds: readonly string[], context: AgentDecisionContext, verb: string): void {
  const missing = departmentIds.filter((id) => {
    const department = context.departments.get(id);
    return !department || department.status === 'absent';
  });
  if (missing.length > 0) {
    throw new NotFoundError(
      `cannot ${verb} agent ${agentId}: ${missing.length === 1 ? `department ${missing[0]} does not exist` : `departments ${missing.join(', ')} do not exist`}`,
    );
  }
}

function registerAgent(command: RegisterAgent, state: AgentState, context: AgentDecisionContext): AgentRegistered[] {
  requireRole(context.actor, ADMINISTRATOR_ROLES, 'register an agent');
  refuseReservedId(context.actor, 'agent', command.data.agentId);
  registerAgentProblems(command.data).throwIfAny(command.type);
  const { agentId, name, departmentIds, tier } = command.data;
  if (state.status !== 'absent') {
    throw new CommandRefusedError(`cannot register agent ${agentId}: they are already registered (as "${state.name}")`);
  }
  requireDepartments(agentId, departmentIds, context, 'register');
  return [{ type: 'AgentRegistered', data: { agentId, name: name.trim(), departmentIds: [...departmentIds], tier: tier as Tier } }];
}

function changeAgent(
  command: ChangeAgent,
  state: AgentState,
  context: AgentDecisionContext,
): Array<AgentRenamed | AgentDepartmentsChanged | AgentTierChanged> {
  requireRole(context.actor, ADMINISTRATOR_ROLES, 'change an agent');
  changeAgentProblems(command.data).throwIfAny(command.type);
  if (state.status === 'absent') throw new NotFoundError('cannot change an agent that is not registered');
  const events: Array<AgentRenamed | AgentDepartmentsChanged | AgentTierChanged> = [];
  const { name, departmentIds, tier } = command.data;
  if (typeof name === 'string' && name.trim() !== state.name) {
    events.push({ type: 'AgentRenamed', data: { agentId: state.agentId, name: name.trim(), previousName: state.name } });
  }
  if (Array.isArray(departmentIds)) {
    const moved = departmentsMoved(state, departmentIds);
    if (moved.joined.length > 0 || moved.left.length > 0) {
      requireDepartments(state.agentId, moved.joined, context, 'change');
      events.push({ type: 'AgentDepartmentsChanged', data: { agentId: state.agentId, departmentIds: [...departmentIds], ...moved } });
    }
  }
  if (typeof tier === 'string' && tier !== state.tier) {
    events.push({ type: 'AgentTierChanged', data: { agentId: state.agentId, tier: tier as Tier, previousTier: state.tier } });
  }
  if (events.length === 0) {
    throw new CommandRefusedError(`cannot change agent ${state.agentId}: they already have the name, departments and tier given`);
  }
  return events;
}

/** The departments a new list adds and drops; a list in another order moves nobody. */
function departmentsMoved(state: RegisteredAgent, departmentIds: readonly string[]): { joined: string[]; left: string[] } {
  return {
    joined: departmentIds.filter((id) => !state.departmentIds.includes(id)),
    left: state.departmentIds.filter((id) => !departmentIds.includes(id)),
  };
}
