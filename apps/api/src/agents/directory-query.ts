import { InvalidCursorError } from '@desk/read-models';
import { BadRequestProblem } from '@desk/http';
import { IntegerField, PatternField, TextField } from '../http/fields';
import { FreshReadQuery } from '../read-models/fresh-reads';

/** What every directory query takes: part of the name, and a keyset page. */
export class DirectoryQuery extends FreshReadQuery {
  @TextField({ min: 1, max: 100 }, { optional: true, description: 'Part of the name, any case' })
  q?: string;

  @IntegerField({ optional: true, min: 1, max: 200, description: 'Page size (default 50).' })
  limit?: number;

  @PatternField(/^[A-Za-z0-9_-]+$/, 'must be a cursor this route gave out', { optional: true, max: 512 })
  cursor?: string;
}

/** A directory query's answer: a bad cursor is the caller's 400, naming the field. */
export async function directoryAnswer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof InvalidCursorError) throw new BadRequestProblem(error.message, { cursor: 'is not a cursor of this directory' });
    throw error;
  }
}

/** The key live answers are shared under: the route and its filters, without how long it may wait. */
export function directoryKey(route: string, query: DirectoryQuery): string {
  const { waitMs: _wait, ...shape } = query;
  return `${route}\u0000${JSON.stringify(shape)}`;
}
