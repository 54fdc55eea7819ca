import type { Actor, DomainCommand, DomainEvent } from '@desk/domain';
import type { EventStore, LogPosition, RecordedEvent, StreamRevision } from '@desk/event-store';
import type { Aggregate } from './aggregates';

/** What an earlier command with an Idempotency-Key produced, read back from its events' metadata. */
export interface IdempotentOutcome {
  fingerprint: string;
  revision: StreamRevision;
  position: LogPosition;
}

export interface LoadedAggregate<State> {
  state: State;
  /** Revision of the stream's last event; null when the stream does not exist. */
  revision: StreamRevision | null;
  /** Position of the stream's last event; null when the stream does not exist. */
  position: LogPosition | null;
  /** Idempotency key → outcome, for every key recorded in this stream. */
  outcomes: ReadonlyMap<string, IdempotentOutcome>;
  /** Import source → the last source row whose events are in this stream: where a resumed import goes on. */
  importedRows: ReadonlyMap<string, number>;
  /** The import source whose row made the stream's first event; null when a live command made it, or there is none. */
  createdByImport: string | null;
}

/** Most folded aggregates kept (bench/soak.ts waits for it to fill before it judges memory flat). */
export const CACHE_LIMIT = 20_000;

/**
 * A client's Idempotency-Key scoped to who sent it, by role and subject: one person holding two roles (an agent who
 * is also a requester) has two key spaces, so that a key reused across them never answers one role's command with
 * the other's outcome. U+001F separates the parts: no role or subject holds a control character.
 */
export function scopedIdempotencyKey(actor: Actor, key: string): string {
  return `${actor.role}\u001f${actor.id}\u001f${key}`;
}

/**
 * An Idempotency-Key as events carry it in their metadata. Desks before 2026-12 scoped a key to its subject alone,
 * with U+0000, which PostgreSQL's jsonb cannot hold (every keyed command failed there), then with U+001F; keys
 * stored either way are read alike.
 */
export function storedIdempotencyKey(key: string): string {
  return key.replaceAll('\u0000', '\u001f');
}

/** The same key as a desk that scoped keys by subject alone stored it: a retry across the upgrade is still answered once. */
export function subjectScopedIdempotencyKey(scoped: string): string | undefined {
  const parts = storedIdempotencyKey(scoped).split('\u001f');
  return parts.length === 3 ? `${parts[1]}\u001f${parts[2]}` : undefined;
}

/** Where the stream stands after these events, and the keys and import rows their metadata records (the state aside). */
function recorded<State>(base: LoadedAggregate<State>, events: RecordedEvent[]): Omit<LoadedAggregate<State>, 'state'> {
  let outcomes = base.outcomes;
  let importedRows = base.importedRows;
  for (const { metadata, revision, position } of events) {
    const { idempotencyKey: key, commandFingerprint: fingerprint, importSource, importRow } = metadata;
    if (typeof key === 'string' && typeof fingerprint === 'string') {
      if (outcomes === base.outcomes) outcomes = new Map(outcomes);
      (outcomes as Map<string, IdempotentOutcome>).set(storedIdempotencyKey(key), { fingerprint, revision, position });
    }
    if (typeof importSource === 'string' && typeof importRow === 'number' && importRow > (importedRows.get(importSource) ?? 0)) {
      if (importedRows === base.importedRows) importedRows = new Map(importedRows);
      (importedRows as Map<string, number>).set(importSource, importRow);
    }
  }
  const last = events[events.length - 1];
  const first = events[0].metadata.importSource;
  const createdByImport = base.revision === null ? (typeof first === 'string' ? first : null) : base.createdByImport;
  return { revision: last.revision, position: last.position, outcomes, importedRows, createdByImport };
}

/**
 * Loads aggregates by folding their streams. A bounded cache keeps folded
 * states; every load still reads the stream from the cached revision onwards,
 * so writes by other processes (replicas, imports) are never missed, and the
 * append's exact expected revision catches the rest.
 */
export class AggregateRepository {
  private readonly cache = new Map<string, LoadedAggregate<unknown>>();

  constructor(private readonly store: EventStore) {}

  async load<State, Command extends DomainCommand, Event extends DomainEvent>(
    aggregate: Aggregate<State, Command, Event>,
    id: string,
  ): Promise<LoadedAggregate<State>> {
    const streamId = aggregate.streamOf(id);
    const cached = this.cache.get(streamId) as LoadedAggregate<State> | undefined;
    const base: LoadedAggregate<State> = cached ?? {
      state: aggregate.decider.initialState,
      revision: null,
      position: null,
      outcomes: new Map(),
      importedRows: new Map(),
      createdByImport: null,
    };
    const fromRevision = base.revision === null ? 0n : base.revision + 1n;
    const newer = await this.store.readStream(streamId, { fromRevision });
    const loaded = newer.length > 0 ? this.fold(base, newer, aggregate) : base;
    this.remember(streamId, loaded);
    return loaded;
  }

  /** Folds events just appended by this process into the cached state. */
  /** Keeps what this process just appended, with the state its decision already folded: nothing is read or folded again. */
  applyAppended<State>(streamId: string, before: LoadedAggregate<State>, appended: RecordedEvent[], state: State): LoadedAggregate<State> {
    const after = { ...recorded(before, appended), state };
    this.remember(streamId, after);
    return after;
  }

  forget(streamId: string): void {
    this.cache.delete(streamId);
  }

  private fold<State, Command extends DomainCommand, Event extends DomainEvent>(
    base: LoadedAggregate<State>,
    events: RecordedEvent[],
    aggregate: Aggregate<State, Command, Event>,
  ): LoadedAggregate<State> {
    const { decider } = aggregate;
    const domainEvents = events.map(aggregate.decode);
    const state = decider.evolveMany ? decider.evolveMany(base.state, domainEvents) : domainEvents.reduce(decider.evolve, base.state);
    return { ...recorded(base, events), state };
  }

  private remember(streamId: string, loaded: LoadedAggregate<unknown>): void {
    const cached = this.cache.get(streamId);
    // A load that started before a concurrent append may finish after it: keep the newer state.
    if (cached && cached.revision !== null && (loaded.revision === null || loaded.revision < cached.revision)) return;
    this.cache.delete(streamId);
    this.cache.set(streamId, loaded);
    if (this.cache.size > CACHE_LIMIT) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
