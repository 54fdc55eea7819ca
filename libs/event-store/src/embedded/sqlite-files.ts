import Database from 'better-sqlite3';
import { accessSync, closeSync, constants, openSync, statfsSync, unlinkSync } from 'node:fs';
import { access, statfs } from 'node:fs/promises';
import { dirname, join } from 'node:path';
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
    const room = roomLeft(folder, await statfs(folder));
    if (room) return room;
  } catch {
    // A file system that cannot tell its room (or no statfs): judged by its writes alone.
  }
  for (const path of [folder, file]) {
    try {
      await access(path, constants.W_OK);
    } catch (error) {
      const refused = refusalOf(path, error);
      if (refused) return refused;
    }
  }
  return null;
}

/**
 * What the file system says of a file a commit just failed on with an I/O error, by the same rules as
 * checkFileWritable and one more: SQLite reports a read-only or full file system under its WAL as SQLITE_IOERR_*,
 * without the errno, and the desk should say which. A disk that ext4 turned read-only after an error
 * (errors=remount-ro) still passes access(2), so this also creates and removes an empty file beside the store:
 * only on this failure path, never in a probe. Synchronous: a few system calls, once per failed commit.
 */
export function fileSystemRefusalSync(file: string): StoreFailure | null {
  const folder = dirname(file);
  try {
    const room = roomLeft(folder, statfsSync(folder));
    if (room) return room;
  } catch {
    // As above: judged by its writes alone.
  }
  for (const path of [folder, file]) {
    try {
      accessSync(path, constants.W_OK);
    } catch (error) {
      const refused = refusalOf(path, error);
      if (refused) return refused;
    }
  }
  const probe = join(folder, `.write-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
    return null;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') return { kind: 'full', message: `no room to create a file in ${folder} (${code})` };
    if (code === 'EROFS') return { kind: 'read_only', message: `${folder} is on a file system that turned read-only (EROFS)` };
    return null;
  }
}

function roomLeft(folder: string, stats: { bavail: number | bigint; bsize: number | bigint }): StoreFailure | null {
  const free = Number(stats.bavail) * Number(stats.bsize);
  return free < MIN_FREE_BYTES ? { kind: 'full', message: `${free} bytes left on the file system of ${folder}` } : null;
}

function refusalOf(path: string, error: unknown): StoreFailure | null {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return null;
  if (code === 'EROFS') return { kind: 'read_only', message: `${path} is on a read-only file system` };
  return { kind: 'read_only', message: `${path} cannot be written (${code ?? String(error)})` };
}
