import { inBatches } from './batches';

/**
 * A subscription stand-in: pages that are there at once, then live items, each held back until the consumer
 * has taken the batch before it (`release`). A timer would not do: on a busy machine it can expire before the
 * batcher's turn of the event loop, and the "live" item would join the batch.
 */
function source<T>(pages: T[][], live: T[] = []) {
  let closed = false;
  let release: () => void = () => undefined;
  async function* items() {
    for (const page of pages) for (const item of page) yield item;
    for (const item of live) {
      await new Promise<void>((resolve) => (release = resolve));
      if (closed) return;
      yield item;
    }
  }
  const iterator = items();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: async () => {
      closed = true;
      release();
    },
    get closed() {
      return closed;
    },
    release: () => release(),
  };
}

async function collect<T>(subscription: ReturnType<typeof source<T>>, max: number): Promise<T[][]> {
  const all: T[][] = [];
  for await (const batch of inBatches(subscription, max)) {
    all.push(batch);
    subscription.release();
  }
  return all;
}

describe('inBatches', () => {
  it('puts what is already available into one batch, up to the maximum', async () => {
    expect(await collect(source([[1, 2, 3, 4, 5, 6, 7]]), 3)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('gives live items one by one as they come', async () => {
    expect(await collect(source([[1, 2]], [3, 4]), 10)).toEqual([[1, 2], [3], [4]]);
  });

  it('closes the subscription when the consumer stops early', async () => {
    const subscription = source([[1, 2, 3]], [4, 5, 6]);
    for await (const batch of inBatches(subscription, 2)) {
      if (batch.includes(3)) break;
    }
    expect(subscription.closed).toBe(true);
  });
});
