import type { ExpectedRevision, StreamRevision } from './event-store.port';

/** The stream was not where the writer expected it: someone else wrote first. */
export class WrongExpectedRevisionError extends Error {
  override readonly name = 'WrongExpectedRevisionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** Revision of the stream's last event, or 'no_stream'. */
    readonly actual: StreamRevision | 'no_stream',
  ) {
    super(`stream ${streamId}: expected revision ${String(expected)}, but it is at ${String(actual)}`);
  }
}

/** Some, not all, of the events of an append were already stored: a client reused event ids. */
export class DuplicateEventIdError extends Error {
  override readonly name = 'DuplicateEventIdError';
  constructor(
    readonly streamId: string,
    readonly eventId: string,
  ) {
    super(`stream ${streamId}: event ${eventId} is already stored, but not with the rest of this append`);
  }
}

/**
 * Why a store (the event store or a read-model store) could not do what it was asked, when the cause is the store
 * and not what it was given: it cannot be reached (or broke off), it refuses writes, it has no room left, it is
 * busy, or its files are damaged. Such a failure passes: the same work is to be tried again later, by the caller
 * (503 with Retry-After) or by the runner that met it (with back-off), and never held against an event.
 */
export type StoreFailureKind = 'unavailable' | 'read_only' | 'full' | 'busy' | 'corrupt';

export interface StoreFailure {
  kind: StoreFailureKind;
  /** The store's own words, as the error that told it carries them. */
  message: string;
}

/** Seconds a client is asked to wait before sending again, by kind (the Retry-After of a 503). */
export const STORE_FAILURE_RETRY_AFTER_SECONDS: Readonly<Record<StoreFailureKind, number>> = {
  busy: 1,
  unavailable: 5,
  read_only: 15,
  full: 15,
  corrupt: 60,
};

/** What each kind means, in the words a problem document, a log line or a readiness check uses. */
export const STORE_FAILURE_MEANING: Readonly<Record<StoreFailureKind, string>> = {
  unavailable: 'cannot be reached',
  read_only: 'refuses writes (it is read-only)',
  full: 'is full (no space left)',
  busy: 'is busy',
  corrupt: 'has damaged data files',
};

/** The store cannot be reached or refused to work; the operation changed nothing that was acknowledged. */
export class EventStoreUnavailableError extends Error {
  override readonly name = 'EventStoreUnavailableError';
  /** Why: the store out of reach by default, or what the error that caused this one says (read-only, full…). */
  readonly kind: StoreFailureKind;
  constructor(message: string, options?: { cause?: unknown; kind?: StoreFailureKind }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options?.kind ?? storeFailureOf(options?.cause)?.kind ?? 'unavailable';
  }

  get retryAfterSeconds(): number {
    return STORE_FAILURE_RETRY_AFTER_SECONDS[this.kind];
  }
}

/** SQLite's result codes (better-sqlite3's `code`, extended codes included: SQLITE_IOERR_WRITE…) by kind. */
const SQLITE_KINDS: readonly [prefix: string, kind: StoreFailureKind][] = [
  ['SQLITE_BUSY', 'busy'],
  ['SQLITE_LOCKED', 'busy'],
  ['SQLITE_FULL', 'full'],
  ['SQLITE_READONLY', 'read_only'],
  ['SQLITE_IOERR', 'unavailable'],
  ['SQLITE_CANTOPEN', 'unavailable'],
  ['SQLITE_PROTOCOL', 'unavailable'],
  ['SQLITE_NOMEM', 'busy'],
  ['SQLITE_CORRUPT', 'corrupt'],
  ['SQLITE_NOTADB', 'corrupt'],
];

/**
 * PostgreSQL's SQLSTATEs that are the server's condition, not the statement's: classes 08 (connection), 53
 * (insufficient resources), 57P (shutdown), 58 (system error: I/O), and the read-only, lock, deadlock and
 * serialization ones. Classes 22 (data) and 23 (integrity), say, stay what they are: caused by what was written.
 */
function postgresKind(code: string): StoreFailureKind | null {
  if (code === '25006') return 'read_only'; // read_only_sql_transaction: a standby, default_transaction_read_only
  if (code === '53100') return 'full'; // disk_full
  if (code.startsWith('53')) return 'busy'; // out of memory, too many connections, configuration limit exceeded
  if (code === '40001' || code === '40P01' || code === '55P03' || code === '57014') return 'busy'; // serialization, deadlock, lock, timeout
  if (code.startsWith('08') || code.startsWith('57P') || code.startsWith('58')) return 'unavailable';
  if (code === '25P03' || code === '3D000' || code === '28000' || code === '28P01') return 'unavailable'; // idle timeout, no database, auth
  if (code === 'XX001' || code === 'XX002') return 'corrupt'; // data_corrupted, index_corrupted
  return null;
}

/** Node's system errors (a socket, a file) by kind. */
const SYSTEM_KINDS: Readonly<Record<string, StoreFailureKind>> = {
  ENOSPC: 'full',
  EDQUOT: 'full',
  EROFS: 'read_only',
  EIO: 'unavailable',
  ECONNREFUSED: 'unavailable',
  ECONNRESET: 'unavailable',
  ECONNABORTED: 'unavailable',
  ETIMEDOUT: 'unavailable',
  ENOTFOUND: 'unavailable',
  EAI_AGAIN: 'unavailable',
  EHOSTUNREACH: 'unavailable',
  ENETUNREACH: 'unavailable',
  EPIPE: 'unavailable',
};

/** node-postgres' own errors, which carry no code: a connection lost or never made. */
const PG_CONNECTION_MESSAGES =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Cannot use a pool after calling end|Client was closed and is not queryable|Query read timeout)/;

function ownFailure(error: unknown): StoreFailure | null {
  if (error instanceof EventStoreUnavailableError) return { kind: error.kind, message: error.message };
  if (typeof error !== 'object' || error === null) return null;
  const { code, message } = error as { code?: unknown; message?: unknown };
  const said = typeof message === 'string' ? message : String(error);
  // With the store's code (SQLITE_FULL, 25006), so that a status or a log line names the condition exactly.
  const text = typeof code === 'string' && !said.includes(code) ? `${said} (${code})` : said;
  if (typeof code === 'string') {
    const sqlite = code.startsWith('SQLITE_') ? SQLITE_KINDS.find(([prefix]) => code.startsWith(prefix)) : undefined;
    if (sqlite) return { kind: sqlite[1], message: text };
    // Node's (EPIPE) before PostgreSQL's: both can be five capitals.
    const kind = Object.hasOwn(SYSTEM_KINDS, code) ? SYSTEM_KINDS[code] : /^[0-9A-Z]{5}$/.test(code) ? postgresKind(code) : null;
    return kind ? { kind, message: text } : null;
  }
  return PG_CONNECTION_MESSAGES.test(said) ? { kind: 'unavailable', message: said } : null;
}

/**
 * The store failure an error is, or was caused by (its `cause` chain is followed): null when the error is not the
 * store's (a bug, bad data, a refusal of what was written). One classification for every store, so that the HTTP
 * layer, the projections and the processes tell an outage from a poison event alike.
 */
export function storeFailureOf(error: unknown): StoreFailure | null {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth++) {
    const failure = ownFailure(current);
    if (failure) return failure;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/**
 * The last failure of a store's writes, kept until a write succeeds again, for readiness: a store that refused the
 * last append or commit (read-only, full) cannot take writes, though it still answers a ping. Writers are told apart
 * (`writer`: each projection of a read-model store), so that a small commit that still fits does not hide a large
 * one that does not. Forgotten after `memoryMs`, so that a store nobody writes to any more (a load balancer took the
 * process out) is judged by the next writes rather than held unready for ever.
 */
const REMEMBERED: ReadonlySet<StoreFailureKind> = new Set(['read_only', 'full', 'corrupt']);

export class WriteOutcomes {
  private readonly failures = new Map<string, StoreFailure & { at: number }>();

  constructor(
    private readonly memoryMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Remembers the error if it says the store takes no writes (read-only, full, damaged files): what a ping cannot
   * see. A store out of reach or busy is not remembered (a ping sees the one, the other passes); returns whether it was.
   */
  failed(error: unknown, writer = ''): boolean {
    const failure = storeFailureOf(error);
    const remembered = failure !== null && REMEMBERED.has(failure.kind);
    if (remembered) this.failures.set(writer, { ...failure!, at: this.now() });
    return remembered;
  }

  succeeded(writer = ''): void {
    this.failures.delete(writer);
  }

  /** The most recent failure of a writer whose last write failed, not too long ago. */
  lastFailure(): StoreFailure | null {
    let latest: (StoreFailure & { at: number }) | null = null;
    for (const [writer, failure] of this.failures) {
      if (this.now() - failure.at > this.memoryMs) this.failures.delete(writer);
      else if (!latest || failure.at >= latest.at) latest = failure;
    }
    return latest ? { kind: latest.kind, message: latest.message } : null;
  }
}
