import { accessSync, closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { parseArgs } from 'node:util';
import { EVENT_TYPES, ID_PATTERN, ISO_TIME_PATTERN, parseIsoTime } from '@desk/domain';

/** A command line the CLI refuses before doing anything: exit status 2, one line naming the argument. */
export class UsageError extends Error {}

type Spec = Record<string, { type: 'string' | 'boolean' }>;
export type Values<T extends Spec> = { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string };

/** The output and paging options every command that answers with data takes. */
export const OUTPUT_OPTIONS = { json: { type: 'boolean' } } as const;
export const PAGING_OPTIONS = { limit: { type: 'string' }, cursor: { type: 'string' }, all: { type: 'boolean' } } as const;

export function options<T extends Spec>(args: string[], spec: T): Values<T> {
  return parse(args, spec, false).values;
}

export function optionsAndPositionals<T extends Spec>(args: string[], spec: T): { values: Values<T>; positionals: string[] } {
  return parse(args, spec, true);
}

function parse<T extends Spec>(args: string[], spec: T, allowPositionals: boolean) {
  try {
    const parsed = parseArgs({ args, options: spec, strict: true, allowPositionals });
    return { values: parsed.values as Values<T>, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * The time an ISO 8601 argument names. `new Date` rolls a day past the end of
 * its month over into the next one (2012-02-30 reads as 1 March): here, as
 * over HTTP, such a date is refused.
 */
export function isoTime(name: string, raw: string): Date {
  const notATime = new UsageError(`--${name} must be an ISO 8601 time such as 2026-03-01T09:00:00Z, got '${raw}'`);
  // The API's own reading of times: the CLI refuses what it refuses.
  if (!ISO_TIME_PATTERN.test(raw)) throw notATime;
  if (!parseIsoTime(raw.slice(0, 10))) throw new UsageError(`--${name} names a day that does not exist: '${raw}'`);
  const time = parseIsoTime(raw);
  if (!time) throw notATime;
  return time;
}

export function timeRange(values: { from?: string; to?: string }): { from?: Date; to?: Date } {
  const from = values.from === undefined ? undefined : isoTime('from', values.from);
  const to = values.to === undefined ? undefined : isoTime('to', values.to);
  if (from && to && from >= to) throw new UsageError(`--from must be before --to (${values.from} is not before ${values.to})`);
  return { from, to };
}

export function logPosition(name: string, raw: string | undefined): bigint | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,20}$/.test(raw)) throw new UsageError(`--${name} must be a log position (digits), got '${raw}'`);
  return BigInt(raw);
}

/** `what` names the argument: --queue for an option, or the place of a positional (the projection name). */
export function identifier(name: string, raw: string | undefined, what = `--${name}`): string | undefined {
  if (raw === undefined) return undefined;
  if (!ID_PATTERN.test(raw))
    throw new UsageError(`${what} must be an id: 1–128 letters, digits or . _ : - (starting with a letter or digit), got '${raw}'`);
  return raw;
}

export function integer(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${raw}'`);
  return value;
}

export function eventTypes(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const types = raw.split(',');
  const unknown = types.filter((type) => !(EVENT_TYPES as readonly string[]).includes(type));
  if (unknown.length > 0) throw new UsageError(`--types: unknown event type '${unknown.join("', '")}' (known: ${EVENT_TYPES.join(', ')})`);
  return types;
}

export function streamPrefixes(raw: string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z0-9._:-]{1,64}(,[A-Za-z0-9._:-]{1,64})*$/.test(raw))
    throw new UsageError(`--stream-prefix must be a comma-separated list of stream id prefixes such as request-, got '${raw}'`);
  return raw.split(',');
}

/** A page of a list: --limit and --cursor as over HTTP (the cursor one the same list gave out), or --all pages. */
export interface Paging {
  limit: number;
  cursor?: string;
  all: boolean;
}

export function paging(values: Values<typeof PAGING_OPTIONS>, defaultLimit = 50, maxLimit = 200): Paging {
  const limit = integer('limit', values.limit, 1, maxLimit) ?? defaultLimit;
  if (values.cursor !== undefined && !/^[A-Za-z0-9_-]{1,512}$/.test(values.cursor))
    throw new UsageError(`--cursor must be a cursor this list gave out (its nextCursor), got '${values.cursor}'`);
  if (values.all && values.cursor !== undefined) throw new UsageError('--all reads every page from the first: it takes no --cursor');
  return { limit, cursor: values.cursor, all: values.all === true };
}

/** What a path that is not a regular file is, for the one line that refuses it. */
function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return 'a device';
  if (stats.isSocket()) return 'a socket';
  return 'not a regular file';
}

function unreadable(name: string, path: string, error: unknown): UsageError {
  const code = (error as NodeJS.ErrnoException).code;
  return new UsageError(
    `--${name} ${path}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? (error as Error).message})`}`,
  );
}

/**
 * A file the command reads: refused up front (exit 2, no stack) when it cannot be read or is not a regular file. A
 * FIFO would hang the command and a device such as /dev/zero never ends; neither is opened (stat does not open).
 */
export function readableFile(name: string, path: string): string {
  let stats: Stats;
  try {
    accessSync(path, constants.R_OK);
    stats = statSync(path);
  } catch (error) {
    throw unreadable(name, path, error);
  }
  if (!stats.isFile()) throw new UsageError(`--${name} ${path}: ${kindOf(stats)}, not a regular file`);
  return path;
}

/**
 * A small file read whole (a mapping, a service standard): a regular file of at most maxBytes. The read itself stops
 * after maxBytes, so a file that grows while it is read (or one whose size stat does not tell) is refused all the same.
 */
export function readSmallFile(name: string, path: string, maxBytes: number): string {
  readableFile(name, path);
  const tooBig = () => new UsageError(`--${name} ${path}: larger than ${maxBytes} bytes`);
  let fd: number;
  try {
    // Non-blocking: if the path became a FIFO since it was checked, opening it does not wait for a writer.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw unreadable(name, path, error);
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new UsageError(`--${name} ${path}: ${kindOf(stats)}, not a regular file`);
    if (stats.size > maxBytes) throw tooBig();
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length <= maxBytes) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    if (length > maxBytes) throw tooBig();
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw unreadable(name, path, error);
  } finally {
    closeSync(fd);
  }
}
