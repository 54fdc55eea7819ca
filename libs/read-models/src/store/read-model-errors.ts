/** The read models are not built here yet: a query-only replica started before any projector prepared the store. */
export function isMissingReadModel(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  // PostgreSQL: undefined_table; SQLite: "no such table: …".
  return code === '42P01' || (typeof message === 'string' && /^no such table\b/.test(message));
}

/** Reachability problems of the read-model store: answered with 503, like the event store's. */
export function isReadModelStoreUnavailable(error: unknown): boolean {
  const { code } = (error ?? {}) as { code?: unknown };
  return (
    typeof code === 'string' &&
    (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'SQLITE_BUSY', '57P01', '57P03', '53300'].includes(code) ||
      code.startsWith('08'))
  );
}
