import type { DomainEvent } from '../shared/event';
import type { Tier } from '../shared/vocabulary';

/** Someone who works requests: the departments whose requests they may be assigned, and their support tier. */
export type AgentRegistered = DomainEvent<'AgentRegistered', { agentId: string; name: string; departmentIds: string[]; tier: Tier }>;

export type AgentRenamed = DomainEvent<'AgentRenamed', { agentId: string; name: string; previousName: string }>;

/**
 * The agent moved between teams. `departmentIds` is the whole new list (a reader needs nothing else to know where
 * they work); `joined` and `left` say what moved, in the order of the list before and after.
 */
export type AgentDepartmentsChanged = DomainEvent<
  'AgentDepartmentsChanged',
  { agentId: string; departmentIds: string[]; joined: string[]; left: string[] }
>;

export type AgentTierChanged = DomainEvent<'AgentTierChanged', { agentId: string; tier: Tier; previousTier: Tier }>;

export type AgentEvent = AgentRegistered | AgentRenamed | AgentDepartmentsChanged | AgentTierChanged;
