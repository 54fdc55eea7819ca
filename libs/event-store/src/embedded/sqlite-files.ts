import Database from 'better-sqlite3';
import { constants } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { StoreFailure } from '../errors';

/**
 * A SQLite file that is not a database, or whose pages are damaged (SQLITE_NOTADB, SQLITE_CORRUPT, or what
 * PRAGMA quick_check finds): named, with what SQLite said, so that an operator knows which file and why.
 */
export class StoreFileCorruptError extends Error {
  override readonly name = 'StoreFileCorruptError';
  readonly kind = 'corrupt' as const;
  constructor(
    readonly file: string,
    /** What the file holds, in an operator's words: "the event log", "the read models". */
    readonly holds: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file} (${holds}) is damaged: ${problem}`, options);
  }
}

function isCorruption(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code.startsWith('SQLITE_NOTADB'));
}

/**
 * Opens a SQLite file, prepares it (`prepare`: pragmas, schema) and checks its pages with PRAGMA quick_check (a
 * read of the whole file, about 200 ms for 250 MB on this machine; nothing is written by the check). A file that
 * is not a database or whose pages are damaged is closed untouched and StoreFileCorruptError thrown: what to do
 * with it is the caller's choice (the event log is never changed; read models are moved aside and rebuilt).
 */
export function openSqliteFile(
  file: string,
  holds: string,
  busyTimeoutMs: number,
  prepare: (db: Database.Database) => void,
): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file);
  } catch (error) {
    if (isCorruption(error)) throw new StoreFileCorruptError(file, holds, (error as Error).message, { cause: error });
    throw error;
  }
  try {
    // First: switching a new file to WAL takes an exclusive lock, which processes starting together must wait for.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    if (file !== ':memory:') {
      // Before anything that could write (journal_mode, the schema): a damaged file is left as it was found.
      const problems = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((row) => row.quick_check);
      if (problems.length !== 1 || problems[0] !== 'ok')
        throw new StoreFileCorruptError(file, holds, `quick_check: ${problems.join('; ')}`);
    }
    prepare(db);
    return db;
  } catch (error) {
    db.close();
    if (error instanceof StoreFileCorruptError) throw error;
    if (isCorruption(error)) throw new StoreFileCorruptError(file, holds, (error as Error).message, { cause: error });
    throw error;
  }
}

/** Below this much room on its file system, a SQLite store is taken as full: a commit (its WAL frames) may not fit. */
export const MIN_FREE_BYTES = 1024 * 1024;

/**
 * Whether a SQLite file can take writes, without writing: its file system has MIN_FREE_BYTES left and is not
 * mounted read-only (nor the file or its folder unwritable). Two system calls: cheap enough for every probe.
 */
export async function checkFileWritable(file: string): Promise<StoreFailure | null> {
  const folder = dirname(file);
  try {
    const stats = await statfs(folder);
    const free = Number(stats.bavail) * Number(stats.bsize);
    if (free < MIN_FREE_BYTES) return { kind: 'full', message: `${free} bytes left on the file system of ${folder}` };
  } catch {
    // A file system that cannot tell its room (or no statfs): judged by its writes alone.
  }
  for (const path of [folder, file]) {
    try {
      await access(path, constants.W_OK);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ENOENT') continue;
      if (code === 'EROFS') return { kind: 'read_only', message: `${path} is on a read-only file system` };
      return { kind: 'read_only', message: `${path} cannot be written (${code ?? String(error)})` };
    }
  }
  return null;
}
