import type { AgentEvent, AgentRegistered } from './agent.events';

/** A registered agent is what was registered, with every later change applied. */
export type RegisteredAgent = { status: 'registered' } & AgentRegistered['data'];

export type AgentState = { status: 'absent' } | RegisteredAgent;

export const initialAgentState: AgentState = { status: 'absent' };

export function evolveAgent(state: AgentState, event: AgentEvent): AgentState {
  if (event.type === 'AgentRegistered') return { status: 'registered', ...event.data, departmentIds: [...event.data.departmentIds] };
  if (state.status === 'absent') throw new Error(`${event.type} applied to an agent that was never registered`);
  switch (event.type) {
    case 'AgentRenamed':
      return { ...state, name: event.data.name };
    case 'AgentDepartmentsChanged':
      return { ...state, departmentIds: [...event.data.departmentIds] };
    case 'AgentTierChanged':
      return { ...state, tier: event.data.tier };
    default: {
      const _: never = event;
      return state;
    }
  }
}

/** Whether the agent may be assigned the requests of a department: they are registered and work in it. */
export function worksIn(state: AgentState | undefined, departmentId: string): boolean {
  return state !== undefined && state.status === 'registered' && state.departmentIds.includes(departmentId);
}
