import type { Decider } from '../shared/decider';
import type { AgentCommand } from './agent.commands';
import { decideAgent, type AgentDecisionContext } from './agent.decide';
import type { AgentEvent } from './agent.events';
import { evolveAgent, initialAgentState, type AgentState } from './agent.state';

export const agentDecider: Decider<AgentState, AgentCommand, AgentEvent, AgentDecisionContext> = {
  decide: decideAgent,
  evolve: evolveAgent,
  initialState: initialAgentState,
};
