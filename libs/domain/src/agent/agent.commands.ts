import type { DomainCommand } from '../shared/event';

/** Fields are as sent: the decision checks them, and that every department named exists. */
export type RegisterAgent = DomainCommand<'RegisterAgent', { agentId: string; name: string; departmentIds: string[]; tier: string }>;

/** Changes what is given (at least one field); each aspect that changes is its own event. */
export type ChangeAgent = DomainCommand<'ChangeAgent', { name?: string; departmentIds?: string[]; tier?: string }>;

export type AgentCommand = RegisterAgent | ChangeAgent;
