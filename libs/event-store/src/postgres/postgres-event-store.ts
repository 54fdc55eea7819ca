import { Client, Pool, type PoolClient } from 'pg';
import { assertAppendable, checkExpectedRevision } from '../append-rules';
import { DuplicateEventIdError, EventStoreUnavailableError, storeFailureOf, WriteOutcomes, type StoreFailure } from '../errors';
import {
  START,
  type AppendResult,
  type EventMetadata,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type LogPosition,
  type LogSubscription,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from '../event-store.port';
import { pollingSubscription } from '../polling-subscription';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Schema of the tables; created when missing. */
  schema?: string;
  poolSize?: number;
}

interface EventRow {
  position: string;
  id: string;
  stream_id: string;
  revision: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recorded_at: Date;
}

interface PendingAppend {
  streamId: string;
  events: EventToAppend[];
  expectedRevision: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

type Outcome = { pending: PendingAppend; result?: AppendResult; error?: unknown };
type StoredRow = {
  kind: 'event' | 'stream' | 'head';
  id: string | null;
  stream_id: string | null;
  revision: string | null;
  position: string | null;
};

const NOTIFY_CHANNEL = 'desk_events_appended';
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    streamId: row.stream_id,
    type: row.type,
    revision: BigInt(row.revision),
    position: BigInt(row.position),
    data: row.data,
    metadata: row.metadata,
    recordedAt: row.recorded_at,
  };
}

const likePrefix = (prefix: string) => prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%';

/**
 * Events in PostgreSQL. Every append transaction takes one transaction-level
 * advisory lock before it assigns positions (head + 1…): a transaction becomes
 * visible before it releases that lock, so positions are assigned, and become
 * visible, in commit order: a reader that has seen position P never later
 * finds a smaller one appear. Concurrent appends of one process share one
 * transaction (group commit), each inside its own savepoint.
 */
export class PostgresEventStore implements EventStore {
  private queue: PendingAppend[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  /** Commits seen (this process's and, through LISTEN, others'): subscriptions compare it to know whether to read again. */
  private changes = 0;
  private commits = 0;
  private readonly wakers = new Set<() => void>();
  private listener: Client | null = null;
  private listening: Promise<void> | null = null;
  /** How the last commit went, for readiness: a server that refused it (read-only, full) cannot take writes. */
  private readonly writes = new WriteOutcomes();

  private constructor(
    private readonly pool: Pool,
    private readonly options: PostgresEventStoreOptions,
    private readonly schema: string,
  ) {}

  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema ?? 'public';
    if (!SCHEMA_NAME.test(schema)) throw new TypeError(`schema must be a lower-case SQL identifier, got '${schema}'`);
    // A server that does not answer (stopped, or its host gone) fails a connection after 5 s instead of holding it for ever.
    const pool = new Pool({ connectionString: options.connectionString, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 });
    // An idle client's connection error must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    // A client in use whose server goes away emits 'error' besides failing its query: unheard, it would end the process.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const store = new PostgresEventStore(pool, options, schema);
    try {
      await store.migrate();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new EventStoreUnavailableError(`cannot prepare the PostgreSQL event store: ${(error as Error).message}`, { cause: error });
    }
    return store;
  }

  private table(name: 'events' | 'streams'): string {
    return `"${this.schema}".${name}`;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // Concurrent CREATE … IF NOT EXISTS can still collide; one migrator at a time.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1), 0)', [`desk-migrate:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.table('events')} (
          position    BIGINT      PRIMARY KEY,
          id          UUID        NOT NULL UNIQUE,
          stream_id   TEXT        NOT NULL,
          revision    BIGINT      NOT NULL,
          type        TEXT        NOT NULL,
          data        JSONB       NOT NULL,
          metadata    JSONB       NOT NULL,
          recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
          UNIQUE (stream_id, revision)
        )`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.table('streams')} (stream_id TEXT PRIMARY KEY, revision BIGINT NOT NULL)`);
      await client.query(`CREATE INDEX IF NOT EXISTS events_by_type ON ${this.table('events')} (type, position)`);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  appendToStream(streamId: string, events: EventToAppend[], options: { expectedRevision?: ExpectedRevision } = {}): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new EventStoreUnavailableError('the PostgreSQL event store is closed'));
    try {
      assertAppendable(streamId, events);
    } catch (error) {
      return Promise.reject(error);
    }
    return new Promise<AppendResult>((resolve, reject) => {
      this.queue.push({ streamId, events, expectedRevision: options.expectedRevision ?? 'any', resolve, reject });
      if (!this.flushing) this.flushing = this.flushAll();
    });
  }

  /** Commits queued appends batch after batch; appends arriving meanwhile form the next batch. */
  private async flushAll(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        await this.commit(batch);
      }
    } finally {
      this.flushing = null;
    }
  }

  private async commit(batch: PendingAppend[]): Promise<void> {
    let client: PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      const failure = new EventStoreUnavailableError(`cannot reach PostgreSQL: ${(error as Error).message}`, {
        cause: error,
        kind: storeFailureOf(error)?.kind ?? 'unavailable',
      });
      this.writes.failed(failure);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    let outcomes: Outcome[];
    // The schema name is checked against SCHEMA_NAME: safe in the text, which lets BEGIN and the lock share a round trip.
    const begin = `BEGIN; SELECT pg_advisory_xact_lock(hashtext('desk-append:${this.schema}'), 1)`;
    try {
      await client.query(begin);
      try {
        outcomes = await this.appendBatch(client, batch);
      } catch (error) {
        // The server's own condition (read-only, full, going away): the whole batch fails as the store's.
        if (storeFailureOf(error)) throw error;
        // Something in the batch the checks could not foresee (a text jsonb refuses…): again, one savepoint per append, so it fails alone.
        await client.query('ROLLBACK');
        await client.query(begin);
        outcomes = [];
        for (const pending of batch) {
          await client.query('SAVEPOINT append');
          try {
            outcomes.push({ pending, result: await this.appendOne(client, pending) });
            await client.query('RELEASE SAVEPOINT append');
          } catch (error) {
            // Not this append's fault after all: the server refuses every write (read-only, full).
            if (storeFailureOf(error)) throw error;
            await client.query('ROLLBACK TO SAVEPOINT append');
            outcomes.push({ pending, error });
          }
        }
        if (outcomes.some((outcome) => outcome.result)) await client.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', $1)`, [this.schema]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(true);
      // The commit's fate is unknown only if the connection died during COMMIT; the caller's retry is then idempotent on event ids.
      const failure = new EventStoreUnavailableError(`PostgreSQL failed to commit appends: ${(error as Error).message}`, { cause: error });
      this.writes.failed(failure);
      for (const pending of batch) pending.reject(failure);
      return;
    }
    this.writes.succeeded();
    client.release();
    this.changes++;
    this.commits++;
    for (const { pending, result, error } of outcomes) {
      if (error !== undefined) pending.reject(error);
      else pending.resolve(result!);
    }
    for (const wake of this.wakers) wake();
  }

  /**
   * The whole batch in a few statements: what is stored of its ids and streams is read once (the advisory lock keeps
   * every other writer out until commit), each append is decided in order in memory, and the accepted events go in
   * one insert. Round trips no longer grow with the number of appends.
   */
  private async appendBatch(client: PoolClient, batch: PendingAppend[]): Promise<Outcome[]> {
    const ids = batch.flatMap((pending) => pending.events.map((event) => event.id));
    const streams = [...new Set(batch.map((pending) => pending.streamId))];
    const stored = await client.query<StoredRow>(
      `SELECT 'event' AS kind, id::text AS id, stream_id, revision::text AS revision, position::text AS position
         FROM ${this.table('events')} WHERE id = ANY($1::uuid[])
       UNION ALL
       SELECT 'stream', NULL, stream_id, revision::text, NULL FROM ${this.table('streams')} WHERE stream_id = ANY($2::text[])
       UNION ALL
       SELECT 'head', NULL, NULL, NULL, coalesce(max(position), 0)::text FROM ${this.table('events')}`,
      [ids, streams],
    );
    const known = new Map<string, { streamId: string; revision: bigint; position: bigint }>();
    const revisions = new Map<string, bigint | null>();
    let position = 0n;
    for (const row of stored.rows) {
      if (row.kind === 'event') {
        known.set(row.id!.toLowerCase(), { streamId: row.stream_id!, revision: BigInt(row.revision!), position: BigInt(row.position!) });
      } else if (row.kind === 'stream') revisions.set(row.stream_id!, BigInt(row.revision!));
      else position = BigInt(row.position!);
    }

    const rows: { position: bigint; id: string; streamId: string; revision: bigint; event: EventToAppend }[] = [];
    const outcomes: Outcome[] = [];
    for (const pending of batch) {
      const { streamId, events, expectedRevision } = pending;
      try {
        const found = events.map((event) => known.get(event.id.toLowerCase()));
        if (found.every((row) => row !== undefined && row.streamId === streamId)) {
          const last = found[found.length - 1]!;
          outcomes.push({ pending, result: { nextExpectedRevision: last.revision, position: last.position } });
          continue;
        }
        const duplicate = found.findIndex((row) => row !== undefined);
        if (duplicate >= 0) throw new DuplicateEventIdError(streamId, events[duplicate].id);
        const revisionBefore = revisions.get(streamId) ?? null;
        checkExpectedRevision(streamId, expectedRevision, revisionBefore);
        let revision = revisionBefore ?? -1n;
        for (const event of events) {
          revision += 1n;
          position += 1n;
          rows.push({ position, id: event.id, streamId, revision, event });
          known.set(event.id.toLowerCase(), { streamId, revision, position });
        }
        revisions.set(streamId, revision);
        outcomes.push({ pending, result: { nextExpectedRevision: revision, position } });
      } catch (error) {
        outcomes.push({ pending, error });
      }
    }
    if (rows.length > 0) {
      const moved = [...new Set(rows.map((row) => row.streamId))];
      // One statement writes the events, moves the streams and notifies the listeners: one round trip.
      await client.query(
        `WITH appended AS (
           INSERT INTO ${this.table('events')} (position, id, stream_id, revision, type, data, metadata)
           SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::jsonb[], $7::jsonb[])
           RETURNING 1
         ), moved AS (
           INSERT INTO ${this.table('streams')} (stream_id, revision) SELECT * FROM unnest($8::text[], $9::bigint[])
           ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision
           RETURNING 1
         )
         SELECT pg_notify('${NOTIFY_CHANNEL}', $10) FROM (SELECT count(*) FROM appended) AS a, (SELECT count(*) FROM moved) AS m`,
        [
          rows.map((row) => String(row.position)),
          rows.map((row) => row.id),
          rows.map((row) => row.streamId),
          rows.map((row) => String(row.revision)),
          rows.map((row) => row.event.type),
          rows.map((row) => JSON.stringify(row.event.data)),
          rows.map((row) => JSON.stringify(row.event.metadata)),
          moved,
          moved.map((stream) => String(revisions.get(stream))),
          this.schema,
        ],
      );
    }
    return outcomes;
  }

  private async appendOne(client: PoolClient, { streamId, events, expectedRevision }: PendingAppend): Promise<AppendResult> {
    const ids = events.map((event) => event.id);
    const stored = await client.query<{ id: string; stream_id: string; revision: string; position: string }>(
      `SELECT id, stream_id, revision, position FROM ${this.table('events')} WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    if (stored.rowCount === events.length && stored.rows.every((row) => row.stream_id === streamId)) {
      const last = stored.rows.find((row) => row.id.toLowerCase() === ids[ids.length - 1].toLowerCase())!;
      return { nextExpectedRevision: BigInt(last.revision), position: BigInt(last.position) };
    }
    if ((stored.rowCount ?? 0) > 0) throw new DuplicateEventIdError(streamId, stored.rows[0].id);

    const current = await client.query<{ revision: string }>(`SELECT revision FROM ${this.table('streams')} WHERE stream_id = $1`, [
      streamId,
    ]);
    const currentRevision = current.rows.length > 0 ? BigInt(current.rows[0].revision) : null;
    checkExpectedRevision(streamId, expectedRevision, currentRevision);

    const head = await client.query<{ head: string }>(`SELECT coalesce(max(position), 0) AS head FROM ${this.table('events')}`);
    const firstPosition = BigInt(head.rows[0].head) + 1n;
    const firstRevision = currentRevision === null ? 0n : currentRevision + 1n;
    await client.query(
      `INSERT INTO ${this.table('events')} (position, id, stream_id, revision, type, data, metadata)
       SELECT $1::bigint + n - 1, id, $2, $3::bigint + n - 1, type, data, metadata
       FROM unnest($4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[]) WITH ORDINALITY AS e(id, type, data, metadata, n)`,
      [
        String(firstPosition),
        streamId,
        String(firstRevision),
        ids,
        events.map((event) => event.type),
        events.map((event) => JSON.stringify(event.data)),
        events.map((event) => JSON.stringify(event.metadata)),
      ],
    );
    const lastRevision = firstRevision + BigInt(events.length - 1);
    await client.query(
      `INSERT INTO ${this.table('streams')} (stream_id, revision) VALUES ($1, $2)
       ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision`,
      [streamId, String(lastRevision)],
    );
    return { nextExpectedRevision: lastRevision, position: firstPosition + BigInt(events.length - 1) };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const limit = options.maxCount ?? null;
    const sql = backwards
      ? `SELECT * FROM ${this.table('events')} WHERE stream_id = $1 AND ($2::bigint IS NULL OR revision <= $2::bigint) ORDER BY revision DESC LIMIT $3`
      : `SELECT * FROM ${this.table('events')} WHERE stream_id = $1 AND revision >= coalesce($2::bigint, 0) ORDER BY revision LIMIT $3`;
    const from = options.fromRevision === undefined ? null : String(options.fromRevision);
    const result = await this.query<EventRow>(sql, [streamId, from, limit]);
    return result.rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const types = options.eventTypes?.length ? options.eventTypes : null;
    const prefixes = options.streamPrefixes?.length ? options.streamPrefixes.map(likePrefix) : null;
    const result = await this.query<EventRow>(
      `SELECT * FROM ${this.table('events')}
       WHERE position > $1 AND ($2::text[] IS NULL OR type = ANY($2)) AND ($3::text[] IS NULL OR stream_id LIKE ANY($3))
       ORDER BY position LIMIT $4`,
      [String(options.after ?? START), types, prefixes, options.maxCount ?? 1000],
    );
    return result.rows.map(toRecorded);
  }

  subscribeToAll(options: SubscribeOptions = {}): LogSubscription {
    void this.listen();
    const { eventTypes, streamPrefixes } = options;
    return pollingSubscription({
      after: options.after ?? START,
      readPage: (after) => this.readAll({ eventTypes, streamPrefixes, after, maxCount: 500 }),
      changeCount: () => this.changes,
      // LISTEN wakes subscribers on every commit, from any process; the poll covers a lost listener connection.
      pollMs: 500,
      onWake: (wake) => {
        this.wakers.add(wake);
        return () => this.wakers.delete(wake);
      },
    });
  }

  /** One LISTEN connection per store, opened with the first subscription. */
  private listen(): Promise<void> {
    if (this.listening) return this.listening;
    this.listening = (async () => {
      const client = new Client({ connectionString: this.options.connectionString });
      client.on('error', () => {
        this.listener = null;
        this.listening = null;
      });
      client.on('notification', (message) => {
        if (message.payload !== this.schema) return;
        this.changes++;
        for (const wake of this.wakers) wake();
      });
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      if (this.closed) await client.end();
      else this.listener = client;
    })().catch(() => {
      this.listening = null;
    });
    return this.listening;
  }

  async headPosition(): Promise<LogPosition> {
    const result = await this.query<{ head: string }>(`SELECT coalesce(max(position), 0) AS head FROM ${this.table('events')}`, []);
    return BigInt(result.rows[0].head);
  }

  async ping(): Promise<void> {
    await this.query('SELECT 1', []);
  }

  /** Without writing: the last commit's fate, then whether the server takes writes at all (a standby, a read-only default). */
  async writeCheck(): Promise<StoreFailure | null> {
    if (this.closed) return { kind: 'unavailable', message: 'the PostgreSQL event store is closed' };
    const last = this.writes.lastFailure();
    if (last) return last;
    const { rows } = await this.query<{ recovery: boolean; read_only: string }>(
      "SELECT pg_is_in_recovery() AS recovery, current_setting('default_transaction_read_only') AS read_only",
      [],
    );
    if (rows[0].recovery) return { kind: 'read_only', message: 'PostgreSQL is a standby (in recovery): it takes no writes' };
    if (rows[0].read_only === 'on')
      return { kind: 'read_only', message: 'PostgreSQL sessions are read-only (default_transaction_read_only)' };
    return null;
  }

  /** Transactions committed by this process: fewer than appends when group commit works. */
  get commitCount(): number {
    return this.commits;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    for (const wake of this.wakers) wake();
    if (this.listening) await this.listening;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  private async query<Row extends object>(sql: string, params: unknown[]) {
    try {
      return await this.pool.query<Row>(sql, params);
    } catch (error) {
      if (isConnectionFailure(error) || storeFailureOf(error)) {
        throw new EventStoreUnavailableError(`PostgreSQL did not answer: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }
}

/** Node socket errors (ECONNREFUSED…), SQLSTATE classes 08 (connection) and 57P (shutdown), or a dropped connection without a code. */
function isConnectionFailure(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return true;
  return /^E[A-Z]+$/.test(code) || code.startsWith('08') || code.startsWith('57P');
}
