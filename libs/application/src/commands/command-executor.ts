import { randomUUID } from 'node:crypto';
import { EVENT_SCHEMA_VERSIONS, type Actor, type DomainEvent } from '@desk/domain';
import {
  WrongExpectedRevisionError,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type LogPosition,
  type RecordedEvent,
  type StreamRevision,
} from '@desk/event-store';
import { ConflictProblem, PreconditionFailedProblem } from '../problems';
import { storedIdempotencyKey, type AggregateRepository, type LoadedAggregate } from './aggregate-repository';
import type { Clock } from '../clock';
import type { Decider } from './decider';
import { KeyedMutex } from './keyed-mutex';
import { outcomeOf, type CommandObserver } from '../observability/desk-metrics';

/** Who asks, and how: everything about a command that is not its content. */
export interface CommandEnvelope {
  /** Becomes the causation id of the events. */
  commandId: string;
  correlationId: string;
  actor: Actor;
  /** Business time of the command; the injected clock's now when absent (imports set it from their data). */
  now?: Date;
  /** Idempotency-Key header, scoped to the actor. */
  idempotencyKey?: string;
  /** Hash of what was asked (method, route, body): the same key with another fingerprint is a conflict. */
  fingerprint?: string;
  /** If-Match: the revision the client last saw. */
  expectedRevision?: StreamRevision;
}

export type TimedEnvelope = CommandEnvelope & { now: Date };

/** The answer to every accepted command. */
export interface CommandResult {
  id: string;
  streamId: string;
  revision: StreamRevision;
  position: LogPosition;
}

export interface Execution<State, Command, Event extends DomainEvent, Context> {
  id: string;
  streamId: string;
  decider: Decider<State, Command, Event, Context>;
  command: Command;
  envelope: CommandEnvelope;
  /** Loads what the decision needs besides the stream's own state. */
  context: (state: State, envelope: TimedEnvelope) => Promise<Context>;
}

const MAX_ATTEMPTS = 12;

/**
 * The thin shell around every decision: load, decide, append with the exact
 * expected revision. Without If-Match a lost race is retried against the new
 * state (and ends in a 409 only if it keeps losing); with If-Match it is a 412.
 *
 * Idempotency lives in the stream itself: each event carries the key and the
 * command's fingerprint in its metadata, so the record of a key is written in
 * the same atomic append as its effects, on every adapter.
 */
export class CommandExecutor {
  private readonly mutex = new KeyedMutex();

  constructor(
    private readonly store: EventStore,
    private readonly repository: AggregateRepository,
    private readonly clock: Clock,
    private readonly observer?: CommandObserver,
  ) {}

  async execute<State, Command, Event extends DomainEvent, Context>(
    execution: Execution<State, Command, Event, Context>,
  ): Promise<CommandResult> {
    const envelope = { ...execution.envelope, now: execution.envelope.now ?? this.clock.now() };
    const started = performance.now();
    const type = (execution.command as { type?: string }).type ?? 'unknown';
    try {
      const result = await this.mutex.run(execution.streamId, () => this.attempt({ ...execution, envelope }));
      this.observer?.observeCommand(type, 'accepted', (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      this.observer?.observeCommand(type, outcomeOf(error), (performance.now() - started) / 1000);
      throw error;
    }
  }

  private async attempt<State, Command, Event extends DomainEvent, Context>(
    execution: Execution<State, Command, Event, Context> & { envelope: TimedEnvelope },
  ): Promise<CommandResult> {
    const { id, streamId, decider, command, envelope } = execution;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const loaded = await this.repository.load(streamId, decider);

      const earlier = envelope.idempotencyKey ? loaded.outcomes.get(storedIdempotencyKey(envelope.idempotencyKey)) : undefined;
      if (earlier) {
        if (earlier.fingerprint !== envelope.fingerprint) {
          throw new ConflictProblem('this Idempotency-Key was already used with another request');
        }
        return { id, streamId, revision: earlier.revision, position: earlier.position };
      }

      if (envelope.expectedRevision !== undefined && loaded.revision !== envelope.expectedRevision) {
        throw new PreconditionFailedProblem(
          `If-Match names revision ${envelope.expectedRevision}, but ${id} is at ${loaded.revision ?? 'no revision (it does not exist)'}`,
          { currentRevision: loaded.revision === null ? null : String(loaded.revision) },
        );
      }

      const events = decider.decide(command, loaded.state, await execution.context(loaded.state, envelope));
      if (events.length === 0) {
        // Nothing to record (e.g. a breach already recorded): answer with where the stream stands.
        return { id, streamId, revision: loaded.revision ?? -1n, position: loaded.position ?? 0n };
      }

      const toAppend = events.map((event) => this.envelop(event, envelope));
      try {
        const result = await this.store.appendToStream(streamId, toAppend, {
          expectedRevision: loaded.revision ?? 'no_stream',
        });
        this.remember(streamId, loaded, toAppend, result.nextExpectedRevision, result.position, decider);
        return { id, streamId, revision: result.nextExpectedRevision, position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        this.repository.forget(streamId);
        if (envelope.expectedRevision !== undefined) {
          throw new PreconditionFailedProblem(`${id} changed while this command was decided; reload it and retry`, {
            currentRevision: error.actual === 'no_stream' ? null : String(error.actual),
          });
        }
        await backOff(attempt);
      }
    }
    throw new ConflictProblem(`${id} is changing too fast: the command lost ${MAX_ATTEMPTS} races in a row; retry`);
  }

  private envelop(event: DomainEvent, envelope: TimedEnvelope): EventToAppend {
    const metadata: EventMetadata = {
      correlationId: envelope.correlationId,
      causationId: envelope.commandId,
      actor: envelope.actor.id,
      actorRole: envelope.actor.role,
      occurredAt: envelope.now.toISOString(),
      schemaVersion: EVENT_SCHEMA_VERSIONS[event.type as keyof typeof EVENT_SCHEMA_VERSIONS] ?? 1,
    };
    if (envelope.idempotencyKey && envelope.fingerprint) {
      metadata.idempotencyKey = storedIdempotencyKey(envelope.idempotencyKey);
      metadata.commandFingerprint = envelope.fingerprint;
    }
    return { id: randomUUID(), type: event.type, data: event.data as Record<string, unknown>, metadata };
  }

  private remember<State, Event extends DomainEvent>(
    streamId: string,
    before: LoadedAggregate<State>,
    appended: EventToAppend[],
    lastRevision: StreamRevision,
    lastPosition: LogPosition,
    decider: Decider<State, unknown, Event, unknown>,
  ): void {
    const firstRevision = lastRevision - BigInt(appended.length - 1);
    const recorded: RecordedEvent[] = appended.map((event, index) => ({
      ...event,
      streamId,
      revision: firstRevision + BigInt(index),
      // Only the last position is known from the append; the cache only needs that one.
      position: lastPosition,
      recordedAt: new Date(),
    }));
    this.repository.applyAppended(streamId, before, recorded, decider);
  }
}

function backOff(attempt: number): Promise<void> {
  const ms = Math.min(50, 2 ** attempt) * Math.random();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
