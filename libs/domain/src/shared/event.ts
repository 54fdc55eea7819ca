import type { DeskPolicies } from './policies';

/** A domain event: an explicit, stable type name and its data. Metadata is added by the application. */
export interface DomainEvent<Type extends string = string, Data extends object = Record<string, unknown>> {
  type: Type;
  data: Data;
}

/** A domain command: what a user asks for, already shaped and typed. */
export interface DomainCommand<Type extends string = string, Data extends object = Record<string, unknown>> {
  type: Type;
  data: Data;
}

export type Role = 'requester' | 'agent' | 'manager' | 'analyst' | 'operator' | 'system';

/** Who issues a command: the token subject and role, or a process ('system'). */
export interface Actor {
  id: string;
  role: Role;
}

/** What every decision may use besides the state: the time and who asks. Injected, never read from a clock. */
export interface DecisionContext {
  now: Date;
  actor: Actor;
  /** The desk owner's rules; DEFAULT_DESK_POLICIES when absent. */
  policies?: DeskPolicies;
}
