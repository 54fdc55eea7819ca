import { closeSync, constants, ftruncateSync, openSync, statSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import type { RejectedRow, UnappliedChange } from '@desk/application';
import { UsageError } from './args';

/** A refused row is "rejected" (no field, no value); a value of an imported row the desk does not hold is "not applied". */
const HEADER = 'line,case,outcome,field,value,reason';

function quote(value: string | number): string {
  return `"${String(value).replace(/"/g, '""')}"`;
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new UsageError(`--report ${path}: cannot be checked (${(error as NodeJS.ErrnoException).code})`);
  }
}

/**
 * The report of an import's refused rows, opened before anything is appended (a path it cannot write is refused with
 * exit 2 while nothing has changed) and written as the import goes, so an import stopped midway leaves the rows it
 * refused until then. It never replaces the files being imported, and replaces another existing file only when asked
 * to (--force). An existing file is only truncated once the import has read the whole log and is about to append:
 * an import refused before that (a header that lacks a mapped column) leaves it as it was, and a report it created
 * is removed again.
 */
export class ImportReport {
  private started = false;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    private readonly created: boolean,
  ) {}

  /** inputs: the files the import reads, by option name, which the report must not be. */
  static open(path: string, inputs: Record<string, string>, force: boolean): ImportReport {
    const existing = statOrNull(path);
    if (existing) {
      for (const [option, input] of Object.entries(inputs)) {
        const read = statOrNull(input);
        if (read && read.dev === existing.dev && read.ino === existing.ino)
          throw new UsageError(`--report ${path} is the ${option} being imported: the report needs a file of its own`);
      }
      if (!existing.isFile()) throw new UsageError(`--report ${path}: exists and is not a regular file`);
      if (!force) throw new UsageError(`--report ${path}: exists already (--force replaces it)`);
    }
    try {
      // O_EXCL for a new report: a file that appears between the check and the open is not replaced either.
      const flags = existing ? constants.O_WRONLY | constants.O_NONBLOCK : constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL;
      return new ImportReport(path, openSync(path, flags, 0o600), !existing);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`--report ${path}: cannot be written (${code === 'ENOENT' ? 'no such directory' : code})`);
    }
  }

  /** Rows refused and values not applied, written at once; the first call (made before any append) replaces what the file held. */
  write(rows: readonly (RejectedRow | UnappliedChange)[]): void {
    if (!this.started) {
      ftruncateSync(this.fd, 0);
      writeSync(this.fd, HEADER + '\n');
      this.started = true;
    }
    if (rows.length === 0) return;
    const fields = (row: RejectedRow | UnappliedChange) =>
      'field' in row
        ? [row.line, row.caseId, 'not applied', row.field, row.value, row.reason]
        : [row.line, row.caseId, 'rejected', '', '', row.reason];
    writeSync(this.fd, rows.map((row) => fields(row).map(quote).join(',') + '\n').join(''));
  }

  /** The import ended: what was written stays. */
  close(): void {
    closeSync(this.fd);
  }

  /** The import was refused before it started: the report it was to write leaves no trace. */
  abandon(): void {
    closeSync(this.fd);
    if (this.created && !this.started) unlinkSync(this.path);
  }
}
