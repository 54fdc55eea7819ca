import { storeFailureOf, type StoreFailure } from '@desk/event-store';

/** The read models are not built here yet: a query-only replica started before any projector prepared the store. */
export function isMissingReadModel(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // PostgreSQL: undefined_table; SQLite: "no such table: …".
  return code === '42P01' || (typeof message === 'string' && /^no such table\b/.test(message));
}

/**
 * The read-model store's own failure (out of reach, read-only, full, busy, damaged files), as the event store's
 * are classified (storeFailureOf): answered with 503 and Retry-After, retried by the projections, never taken for
 * a poison event.
 */
export function readModelStoreFailure(error: unknown): StoreFailure | null {
  return storeFailureOf(error);
}

/** Reachability problems of the read-model store, and every other failure of the store itself: answered with 503. */
export function isReadModelStoreUnavailable(error: unknown): boolean {
  return readModelStoreFailure(error) !== null;
}

/**
 * Every read-model worker is busy and as many queries wait as may: this one is refused at once rather than queued
 * without bound (the HTTP layer answers 503 with Retry-After).
 */
export class ReadModelsBusyError extends Error {
  override readonly name = 'ReadModelsBusyError';
  /** A query takes milliseconds to a few hundred: a second later the queue has moved on. */
  readonly retryAfterSeconds = 1;

  constructor(workers: number, maxQueued: number) {
    super(`the read models are answering ${workers} queries and ${maxQueued} more wait; retry in a moment`);
  }
}

/** The worker running a read-model query ended under it (its heap full, a crash); the pool starts another. */
export class ReadModelWorkerExitedError extends Error {
  override readonly name = 'ReadModelWorkerExitedError';

  constructor(message: string, cause?: Error) {
    super(message, cause ? { cause } : undefined);
  }
}
