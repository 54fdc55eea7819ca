import type { DomainEvent } from '@desk/domain';

/** A pure aggregate: decisions from state, state from events alone. */
export interface Decider<State, Command, Event extends DomainEvent, Context> {
  decide(command: Command, state: State, context: Context): Event[];
  evolve(state: State, event: Event): State;
  /** Folds many events at once, where one by one would be slow (the impact graph); same result as evolve. */
  evolveMany?(state: State, events: readonly Event[]): State;
  initialState: State;
}
