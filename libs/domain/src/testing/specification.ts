import type { Decider } from '../shared/decider';
import type { DomainError } from '../shared/errors';
import type { DomainEvent } from '../shared/event';

type ErrorClass = abstract new (...args: never[]) => DomainError;

export interface Outcome<Event> {
  /** The decision emits exactly these events. */
  then(expected: Event[]): void;
  /** The decision is refused with an error of this class whose message contains every fragment. */
  thenThrows(errorClass: ErrorClass, ...fragments: string[]): DomainError;
  /** The events, for assertions on part of them. */
  events(): Event[];
}

/**
 * Given/when/then for deciders: the history as events, the command with its
 * context, and the events expected (or the error):
 *
 *   specification(requestDecider).given([opened]).when(assign, context).then([assigned]);
 */
export function specification<State, Command, Event extends DomainEvent, Context>(decider: Decider<State, Command, Event, Context>) {
  return {
    given(history: Event[] = []) {
      const state = history.reduce(decider.evolve, decider.initialState);
      return {
        state,
        when(command: Command, context: Context): Outcome<Event> {
          const decide = () => decider.decide(command, state, context);
          return {
            then(expected) {
              expect(decide()).toEqual(expected);
            },
            thenThrows(errorClass, ...fragments) {
              let thrown: unknown;
              try {
                const events = decide();
                thrown = new Error(`expected ${errorClass.name}, but the decision emitted ${JSON.stringify(events)}`);
              } catch (error) {
                thrown = error;
              }
              if (!(thrown instanceof errorClass)) {
                const { name, message } = thrown as Error;
                throw new Error(`expected ${errorClass.name}, got ${name}: ${message}`);
              }
              for (const fragment of fragments) expect((thrown as Error).message).toContain(fragment);
              return thrown as DomainError;
            },
            events: decide,
          };
        },
      };
    },
  };
}

/** Folds events into a state: "applying these events gives this state". */
export function stateAfter<State, Event>(
  decider: { evolve(state: State, event: Event): State; initialState: State },
  events: Event[],
): State {
  return events.reduce(decider.evolve, decider.initialState);
}
