import { tokenFor } from '../support/service';
import { AGENTS } from './desk';

/** Who the soak acts as: one manager, the desk's agents, an analyst, an operator, and each requester. */
export interface SoakTokens {
  manager: string;
  analyst: string;
  operator: string;
  /** The token of agent `agent-<n>`, or of any agent when there is no assignee. */
  agent(agentId: string | null): string;
  requester(id: string): string;
}

export function soakTokens(pick: <T>(items: readonly T[]) => T): SoakTokens {
  const agentTokens = Array.from({ length: AGENTS }, (_, i) => tokenFor('agent', `agent-${i}`));
  const requesterTokens = new Map<string, string>();
  return {
    manager: tokenFor('manager', 'soak-manager'),
    analyst: tokenFor('analyst'),
    operator: tokenFor('operator'),
    agent: (agentId) => (agentId ? agentTokens[Number(agentId.slice('agent-'.length))] : pick(agentTokens)),
    requester: (id) => {
      let token = requesterTokens.get(id);
      if (!token) requesterTokens.set(id, (token = tokenFor('requester', id)));
      return token;
    },
  };
}
