import type { DomainEvent } from './event';

/**
 * A pure aggregate: decisions from the state and a context, state from events
 * alone. Every aggregate of the domain is one of these; the application's one
 * write path loads, decides and appends for any of them.
 */
export interface Decider<State, Command, Event extends DomainEvent, Context> {
  decide(command: Command, state: State, context: Context): Event[];
  evolve(state: State, event: Event): State;
  /** Folds many events at once where one by one would be slow (the impact graph); the same result as evolve. */
  evolveMany?(state: State, events: readonly Event[]): State;
  initialState: State;
}

/** Which other aggregates a decision reads besides its own stream: loaded before it is decided. */
export interface DecisionLookups {
  departmentIds: string[];
  customerIds: string[];
  requestIds: string[];
  /** The agents a decision names (an assignment's assignee); only the request aggregate reads them. */
  agentIds?: string[];
}
