import Negotiator from 'negotiator';
import { NotAcceptableProblem } from './problems';

/**
 * The media type to answer in, of those a route offers (the first is its default), by the request's Accept header
 * as RFC 9110 reads it (quality values, wildcards, specificity): no header, or one that names every type, gets the
 * default; a header that takes none of them is a 406 naming those there are.
 */
export function negotiatedMediaType<Offered extends string>(
  accept: string | undefined,
  offered: readonly [Offered, ...Offered[]],
): Offered {
  if (accept === undefined || accept.trim() === '') return offered[0];
  const preferred = new Negotiator({ headers: { accept } }).mediaType([...offered]);
  if (preferred === undefined) throw new NotAcceptableProblem(offered);
  return preferred as Offered;
}
