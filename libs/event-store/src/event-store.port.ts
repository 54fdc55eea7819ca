import type { StoreFailure } from './errors';
/**
 * The event-store port: the one interface the write side, the projections and
 * the analysts' tools use. Every adapter (embedded SQLite, PostgreSQL,
 * EventStoreDB) passes the same contract suite (test/event-store).
 *
 * Revisions and positions are bigint end to end: EventStoreDB's are 64-bit and
 * must never go through Number().
 */

/** Zero-based index of an event within its stream. */
export type StreamRevision = bigint;

/**
 * Place of an event in the global log. Strictly increasing in commit order,
 * so a reader that has seen position P never later sees an event below P.
 * Not necessarily contiguous (EventStoreDB positions are log offsets).
 */
export type LogPosition = bigint;

/** Before the first event: `readAll({ after: START })` reads the whole log. */
export const START: LogPosition = 0n;

/**
 * What the writer believes about the stream before appending:
 * - 'any': no check;
 * - 'no_stream': the stream must not exist yet;
 * - 'stream_exists': the stream must have at least one event;
 * - a bigint: the revision of the stream's last event must be exactly this.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | StreamRevision;

export interface EventMetadata {
  /** Ties together every event caused by one user action. */
  correlationId: string;
  /** The id of the command (or event) that caused this event. */
  causationId: string;
  /** Token subject of whoever issued the command ('system:<process>' for processes, 'import:<source>' for imports). */
  actor: string;
  /** Business time, ISO 8601; an import sets it from the source data. */
  occurredAt: string;
  /** Version of the event's data schema. */
  schemaVersion: number;
  /** Anything else worth keeping (idempotency key, command fingerprint, import row…). */
  [key: string]: unknown;
}

export interface EventToAppend {
  /** A UUID. Appending an event whose id is already stored in that stream stores nothing new. */
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
}

export interface RecordedEvent {
  id: string;
  streamId: string;
  type: string;
  revision: StreamRevision;
  position: LogPosition;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  /** The store's own time of recording. */
  recordedAt: Date;
}

export interface AppendResult {
  /** Revision of the last event of the stream after the append. */
  nextExpectedRevision: StreamRevision;
  /** Global position of the last event appended (or of the already stored duplicate). */
  position: LogPosition;
}

export interface ReadStreamOptions {
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Default: the first event forwards, the last event backwards. */
  fromRevision?: StreamRevision;
  maxCount?: number;
}

export interface LogFilter {
  /** Only events of these types. */
  eventTypes?: string[];
  /** Only events of streams whose id starts with one of these prefixes (e.g. 'request-'). */
  streamPrefixes?: string[];
}

export interface ReadAllOptions extends LogFilter {
  /** Exclusive: events strictly after this position. Default START. */
  after?: LogPosition;
  /** Default 1000. */
  maxCount?: number;
}

export interface SubscribeOptions extends LogFilter {
  /** Exclusive: deliver events strictly after this position. Default START. */
  after?: LogPosition;
}

/**
 * A catch-up subscription to the global log: it delivers every stored event
 * after `after`, then live events as they are appended, in position order,
 * with no gap and no duplicate. Iterate it with `for await`; `close()` ends the
 * iteration. An error of the underlying store ends the iteration by throwing.
 */
export interface LogSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  /**
   * Appends events atomically (all or none) to one stream, after checking the
   * expected revision. Rejects with WrongExpectedRevisionError on mismatch.
   * Idempotent on event ids: when every event's id is already stored in that
   * stream, nothing is appended and the result names the stored events.
   * EventStoreDB keeps this only in part (see the README's EventStoreDB
   * notes): callers whose correctness rests on it record their own key.
   */
  appendToStream(streamId: string, events: EventToAppend[], options?: { expectedRevision?: ExpectedRevision }): Promise<AppendResult>;

  /** Events of one stream; an empty array when the stream does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;

  /** A page of the global log, forwards, in position order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;

  subscribeToAll(options?: SubscribeOptions): LogSubscription;

  /** Position of the last event in the global log; START when empty. */
  headPosition(): Promise<LogPosition>;

  /** Reachability check for health probes; rejects when the store cannot be used. */
  ping(): Promise<void>;

  /**
   * Whether the store can take writes now, as far as it can tell without writing (readiness asks on every probe):
   * null when it can, else why not (read-only, full, the last append refused). A store that answers reads may
   * still refuse every write. Optional: a store without it is judged by ping alone.
   */
  writeCheck?(): Promise<StoreFailure | null>;

  close(): Promise<void>;
}
