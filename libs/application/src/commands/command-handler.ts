import { createHash, randomUUID } from 'node:crypto';
import { Command as BusCommand } from '@nestjs/cqrs';
import {
  DEFAULT_DESK_POLICIES,
  EVENT_SCHEMA_VERSIONS,
  isEventType,
  type Actor,
  type DeskPolicies,
  type DomainCommand,
  type DomainEvent,
} from '@desk/domain';
import {
  WrongExpectedRevisionError,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type LogPosition,
  type RecordedEvent,
  type StreamRevision,
} from '@desk/event-store';
import type { Clock } from '../clock';
import { ConcurrencyConflictError, IdempotencyKeyReusedError, PreconditionFailedError } from '../errors';
import { outcomeOf, type CommandObserver } from '../observability/desk-metrics';
import {
  storedIdempotencyKey,
  subjectScopedIdempotencyKey,
  type AggregateRepository,
  type IdempotentOutcome,
  type LoadedAggregate,
} from './aggregate-repository';
import type { Aggregate, LookedUp } from './aggregates';
import type { CommandLimiter, WaitingClient } from './command-limiter';
import type { DomainLookups } from './domain-lookups';
import { KeyedMutex } from './keyed-mutex';

/** Who asks, and how: everything about a write that is not its content. */
export interface CommandEnvelope {
  /** Becomes the causation id of the events. */
  commandId: string;
  correlationId: string;
  actor: Actor;
  /** Business time of the write; the injected clock's now when absent (imports set it from their data). */
  now?: Date;
  /** Idempotency-Key header, scoped to the actor by role and subject (scopedIdempotencyKey). */
  idempotencyKey?: string;
  /** Hash of what was asked (method, route, body): the same key with another fingerprint is a conflict. */
  fingerprint?: string;
  /** If-Match: the revision the client last saw. */
  expectedRevision?: StreamRevision;
  /** Added to every event's metadata (an import's source, say). */
  metadata?: Record<string, unknown>;
  /** The HTTP client waiting for the answer: the write passes through the command limiter and is dropped, undecided, once unwanted. */
  client?: WaitingClient;
}

/** One command of a write, with what may differ between the commands of one write. */
export interface Step<Command> {
  command: Command;
  /** Business time of this command; the envelope's when absent (each row of an import has its own). */
  now?: Date;
  /** Causation of this command's events; the envelope's command id when absent. */
  causationId?: string;
  /** Added to this command's events' metadata (the source row of an import, say). */
  metadata?: Record<string, unknown>;
  /**
   * Deterministic event ids: the events of the steps that share a seed get ids derived from it and
   * their index among them, so that writing them again stores nothing new. Random ids when absent.
   */
  eventIdSeed?: string;
}

/**
 * What a write decides: one command; several, decided in order and appended
 * at once; or a planner that decides commands one by one against the stream
 * as it stands (an import resuming a case where it stands, a reaction that
 * happens once), run again from the new state if another writer moves the
 * stream first.
 */
export type Commands<State, Command> = Command | readonly Step<Command>[] | Planner<State, Command>;

export type Planner<State, Command> = (current: LoadedAggregate<State>, planning: Planning<State, Command>) => Promise<void>;

/** What a planner decides through: every command it decides joins the write; nothing is appended until it returns. */
export interface Planning<State, Command> {
  /** The state after the commands decided so far. */
  readonly state: State;
  /** Decides one more command against `state`; its events join the write. A refusal throws and adds nothing. */
  decide(step: Step<Command>): Promise<readonly DomainEvent[]>;
  /** Runs `work`; when it throws, what it decided is taken back (the state too) and the error thrown on. */
  tentatively<T>(work: () => Promise<T>): Promise<T>;
}

/** The answer to every accepted write. */
export interface CommandResult {
  id: string;
  streamId: string;
  /** Revision of the stream after the write (-1 for a stream that still does not exist). */
  revision: StreamRevision;
  position: LogPosition;
  /** Events this write appended: 0 when it decided nothing, or when the Idempotency-Key was already recorded. */
  appended: number;
}

/**
 * A write to one aggregate, as every writer hands it to that aggregate's
 * handler: the HTTP routes through the command bus, the processes, the
 * importer, the demo loader and the tests directly. `id` names the
 * aggregate (its stream follows from it).
 */
export class Write<State, Command> extends BusCommand<CommandResult> {
  constructor(
    readonly id: string,
    readonly commands: Commands<State, Command>,
    readonly envelope: CommandEnvelope,
  ) {
    super();
  }
}

export interface WriteDependencies {
  store: EventStore;
  repository: AggregateRepository;
  lookups: DomainLookups;
  clock: Clock;
  observer?: CommandObserver;
  /** Bounds the commands of HTTP clients in flight and waiting; the writes without a client are not held by it. */
  limiter?: CommandLimiter;
  /** The desk owner's rules every decision reads (REQUESTER_PRIORITY, COMPENSATION_MAX_PER_OFFER); the safe defaults when absent. */
  policies?: DeskPolicies;
}

export type TimedEnvelope = CommandEnvelope & { now: Date };

const MAX_ATTEMPTS = 12;

/**
 * The one write path, built once per aggregate: load the stream (folded by
 * the aggregate's decider), admit the actor (role, then existence as they may
 * know it: a requester's 404 for someone else's request comes before any
 * Idempotency-Key or If-Match answer), check the Idempotency-Key and If-Match, decide
 * each command against the state the previous ones left and what it looks
 * up, and append the events with the exact expected revision. Without
 * If-Match a lost race is decided again against the new state (a
 * ConcurrencyConflictError only if it keeps losing); with If-Match it is a
 * PreconditionFailedError. In one process, writes to one stream queue behind
 * each other instead of racing. A write an HTTP client waits for first takes
 * a place from the command limiter, and is dropped before each decision once
 * its client has gone or its deadline has passed (CommandShedError): a
 * command is shed before it is decided, never after it is appended.
 *
 * Idempotency lives in the stream itself: each event carries the key and the
 * command's fingerprint in its metadata, so the record of a key is written in
 * the same atomic append as its effects, on every adapter.
 */
export class AggregateCommandHandler<State, Command extends DomainCommand, Event extends DomainEvent> {
  private readonly mutex = new KeyedMutex();

  constructor(
    readonly aggregate: Aggregate<State, Command, Event>,
    private readonly dependencies: WriteDependencies,
  ) {}

  async execute(write: Write<State, Command>): Promise<CommandResult> {
    const { clock, observer } = this.dependencies;
    const envelope: TimedEnvelope = { ...write.envelope, now: write.envelope.now ?? clock.now() };
    const planner = plannerOf(write.commands);
    const streamId = this.aggregate.streamOf(write.id);
    const started = performance.now();
    const type = commandTypeOf(write.commands, this.aggregate.name);
    const { client } = write.envelope;
    const limiter = client ? this.dependencies.limiter : undefined;
    const stillWanted = client && limiter ? () => limiter.check(client) : undefined;
    const work = () =>
      this.mutex.run(streamId, () => this.attempt(write.id, streamId, planner, envelope, firstCommandOf(write.commands), stillWanted));
    try {
      const result = await (client && limiter ? limiter.run(client, work) : work());
      observer?.observeCommand(type, 'accepted', (performance.now() - started) / 1000);
      return result;
    } catch (error) {
      observer?.observeCommand(type, outcomeOf(error), (performance.now() - started) / 1000);
      throw error;
    }
  }

  private async attempt(
    id: string,
    streamId: string,
    planner: Planner<State, Command>,
    envelope: TimedEnvelope,
    first: Command | undefined,
    stillWanted: (() => void) | undefined,
  ): Promise<CommandResult> {
    const { store, repository } = this.dependencies;
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const loaded = await repository.load(this.aggregate, id);

      // Role, then existence as the actor may know it, before anything that would tell what the stream holds.
      if (first !== undefined) this.aggregate.admit?.(first, loaded.state, envelope.actor);

      const earlier = envelope.idempotencyKey ? earlierOutcome(loaded, envelope.idempotencyKey) : undefined;
      if (earlier) {
        if (earlier.fingerprint !== envelope.fingerprint) {
          throw new IdempotencyKeyReusedError('this Idempotency-Key was already used with another request');
        }
        return { id, streamId, revision: earlier.revision, position: earlier.position, appended: 0 };
      }

      if (envelope.expectedRevision !== undefined && loaded.revision !== envelope.expectedRevision) {
        throw new PreconditionFailedError(
          `If-Match names revision ${envelope.expectedRevision}, but ${id} is at ${loaded.revision ?? 'no revision (it does not exist)'}`,
          loaded.revision,
        );
      }

      // Throws when the client is gone or the deadline passed: the last moment a command can be dropped undecided.
      stillWanted?.();
      const planning = new WritePlanning(this.aggregate, this.dependencies, loaded.state, envelope);
      await planner(loaded, planning);
      const { toAppend, state } = planning;
      if (toAppend.length === 0) {
        // Nothing to record (a breach already recorded, an import with nothing new): where the stream stands.
        return { id, streamId, revision: loaded.revision ?? -1n, position: loaded.position ?? 0n, appended: 0 };
      }

      try {
        const result = await store.appendToStream(streamId, toAppend, { expectedRevision: loaded.revision ?? 'no_stream' });
        this.remember(streamId, loaded, toAppend, state, result.nextExpectedRevision, result.position);
        return { id, streamId, revision: result.nextExpectedRevision, position: result.position, appended: toAppend.length };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        repository.forget(streamId);
        if (envelope.expectedRevision !== undefined) {
          throw new PreconditionFailedError(
            `${id} changed while this command was decided; reload it and retry`,
            error.actual === 'no_stream' ? null : error.actual,
          );
        }
        await backOff(attempt);
      }
    }
    throw new ConcurrencyConflictError(`${id} is changing too fast: the command lost ${MAX_ATTEMPTS} races in a row; retry`);
  }

  /** Folds what this process just appended into the cached state, so the next command does not read it back. */
  private remember(
    streamId: string,
    before: LoadedAggregate<State>,
    appended: EventToAppend[],
    state: State,
    lastRevision: StreamRevision,
    lastPosition: LogPosition,
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
    this.dependencies.repository.applyAppended(streamId, before, recorded, state);
  }
}

/**
 * The pure heart of the write path: one command decided against the state
 * and what it looked up, its events enveloped as the log will hold them, and
 * the state they leave. The handler loads and appends around it; builders of
 * test histories call it with states they keep in memory.
 */
export function decideStep<State, Command extends DomainCommand, Event extends DomainEvent>(
  aggregate: Aggregate<State, Command, Event>,
  state: State,
  step: Step<Command>,
  envelope: TimedEnvelope,
  lookedUp: LookedUp,
  ids: EventIds = new EventIds(),
  policies: DeskPolicies = DEFAULT_DESK_POLICIES,
): { state: State; events: Event[]; toAppend: EventToAppend[] } {
  const { decider } = aggregate;
  const now = step.now ?? envelope.now;
  const events = decider.decide(step.command, state, { now, actor: envelope.actor, policies, ...lookedUp });
  const next = decider.evolveMany ? decider.evolveMany(state, events) : events.reduce(decider.evolve, state);
  const toAppend = events.map((event) => ({
    id: ids.next(step.eventIdSeed),
    type: event.type,
    data: event.data as Record<string, unknown>,
    metadata: metadataOf(event, step, now, envelope),
  }));
  return { state: next, events, toAppend };
}

/** Event ids of one write: random, or numbered per seed so that the same write gives the same ids. */
export class EventIds {
  constructor(private readonly seeded = new Map<string, number>()) {}

  copy(): EventIds {
    return new EventIds(new Map(this.seeded));
  }

  next(seed: string | undefined): string {
    if (seed === undefined) return randomUUID();
    const index = this.seeded.get(seed) ?? 0;
    this.seeded.set(seed, index + 1);
    return deterministicEventId(`${seed}|${index}`);
  }
}

function plannerOf<State, Command>(commands: Commands<State, Command>): Planner<State, Command> {
  if (typeof commands === 'function') return commands as Planner<State, Command>;
  const steps: readonly Step<Command>[] = Array.isArray(commands) ? commands : [{ command: commands as Command }];
  return async (_, planning) => {
    for (const step of steps) await planning.decide(step);
  };
}

/**
 * The decisions of one write attempt: each command against the state the
 * ones before it left, with what it looks up (each other aggregate loaded
 * once per write: the steps of an import's case look up the same team).
 */
class WritePlanning<State, Command extends DomainCommand, Event extends DomainEvent> implements Planning<State, Command> {
  toAppend: EventToAppend[] = [];
  private ids = new EventIds();
  private readonly lookups;
  private readonly policies: DeskPolicies;

  constructor(
    private readonly aggregate: Aggregate<State, Command, Event>,
    dependencies: Pick<WriteDependencies, 'lookups' | 'policies'>,
    public state: State,
    private readonly envelope: TimedEnvelope,
  ) {
    this.lookups = dependencies.lookups.session();
    this.policies = dependencies.policies ?? DEFAULT_DESK_POLICIES;
  }

  async decide(step: Step<Command>): Promise<readonly Event[]> {
    const lookedUp = await this.lookups.load(this.aggregate.lookups(step.command, this.state));
    const decided = decideStep(this.aggregate, this.state, step, this.envelope, lookedUp, this.ids, this.policies);
    this.state = decided.state;
    this.toAppend.push(...decided.toAppend);
    return decided.events;
  }

  async tentatively<T>(work: () => Promise<T>): Promise<T> {
    const before = { state: this.state, appended: this.toAppend.length, ids: this.ids.copy() };
    try {
      return await work();
    } catch (error) {
      this.state = before.state;
      this.toAppend.length = before.appended;
      this.ids = before.ids;
      throw error;
    }
  }
}

/** The command a write starts with, which the aggregate admits before the write goes on; none for a planner. */
function firstCommandOf<State, Command>(commands: Commands<State, Command>): Command | undefined {
  if (typeof commands === 'function') return undefined;
  if (Array.isArray(commands)) return (commands as readonly Step<Command>[])[0]?.command;
  return commands as Command;
}

/** The command type a write is counted under in the metrics: its first command's. */
function commandTypeOf<State, Command extends DomainCommand>(commands: Commands<State, Command>, aggregate: string): string {
  if (typeof commands === 'function') return `${aggregate} plan`;
  if (Array.isArray(commands)) return (commands as readonly Step<Command>[])[0]?.command.type ?? 'none';
  return (commands as Command).type;
}

const OWN_METADATA = new Set([
  'correlationId',
  'causationId',
  'actor',
  'actorRole',
  'occurredAt',
  'schemaVersion',
  'idempotencyKey',
  'commandFingerprint',
]);

/** The metadata every event carries; a schema version raised in the catalog reaches every writer from here. */
/** The outcome this key recorded in the stream, under its scope or the subject-only scope of desks before it. */
function earlierOutcome(loaded: LoadedAggregate<unknown>, key: string): IdempotentOutcome | undefined {
  const legacy = subjectScopedIdempotencyKey(key);
  return loaded.outcomes.get(storedIdempotencyKey(key)) ?? (legacy === undefined ? undefined : loaded.outcomes.get(legacy));
}

function metadataOf(event: DomainEvent, step: Step<unknown>, now: Date, envelope: TimedEnvelope): EventMetadata {
  if (!isEventType(event.type)) throw new Error(`the decider emitted ${event.type}, which the event catalog does not know`);
  for (const key of [...Object.keys(envelope.metadata ?? {}), ...Object.keys(step.metadata ?? {})]) {
    if (OWN_METADATA.has(key)) throw new Error(`extra metadata may not set ${key}: the write path sets it`);
  }
  const metadata: EventMetadata = {
    correlationId: envelope.correlationId,
    causationId: step.causationId ?? envelope.commandId,
    actor: envelope.actor.id,
    actorRole: envelope.actor.role,
    occurredAt: now.toISOString(),
    schemaVersion: EVENT_SCHEMA_VERSIONS[event.type],
    ...envelope.metadata,
    ...step.metadata,
  };
  if (envelope.idempotencyKey && envelope.fingerprint) {
    metadata.idempotencyKey = storedIdempotencyKey(envelope.idempotencyKey);
    metadata.commandFingerprint = envelope.fingerprint;
  }
  return metadata;
}

/** A UUID (version 5 layout) from a key: the same key always gives the same id. */
export function deterministicEventId(key: string): string {
  const hex = createHash('sha256').update(key).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function backOff(attempt: number): Promise<void> {
  const ms = Math.min(50, 2 ** attempt) * Math.random();
  return new Promise((resolve) => setTimeout(resolve, ms));
}
