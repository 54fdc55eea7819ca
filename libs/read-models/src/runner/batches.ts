/**
 * Groups what a subscription yields into arrays: everything that is already
 * available (a page the subscription read while catching up) goes into one
 * batch, up to `max`; a live event arriving alone is a batch of one.
 *
 * Ending early closes the subscription rather than only returning its
 * iterator: a `next()` left waiting for the next live event would hold a
 * plain `return()` back until that event came.
 */
export async function* inBatches<T>(source: AsyncIterable<T> & { close(): Promise<void> }, max: number): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  let pending: Promise<IteratorResult<T>> | null = null;
  const nextTurn = Symbol('next turn');
  try {
    while (true) {
      const first = await (pending ?? iterator.next());
      pending = null;
      if (first.done) return;
      const batch = [first.value];
      while (batch.length < max) {
        const next = iterator.next();
        const result = await Promise.race([next, new Promise<typeof nextTurn>((resolve) => setImmediate(() => resolve(nextTurn)))]);
        if (result === nextTurn) {
          pending = next;
          break;
        }
        if (result.done) {
          yield batch;
          return;
        }
        batch.push(result.value);
      }
      yield batch;
    }
  } finally {
    await source.close();
  }
}
