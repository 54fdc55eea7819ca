import { inBatches } from './batches';

/** A subscription stand-in: pages that are there at once, then live items one at a time. */
function source<T>(pages: T[][], live: T[] = []) {
  let closed = false;
  async function* items() {
    for (const page of pages) for (const item of page) yield item;
    for (const item of live) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (closed) return;
      yield item;
    }
  }
  const iterator = items();
  return {
    [Symbol.asyncIterator]: () => iterator,
    close: async () => {
      closed = true;
    },
    get closed() {
      return closed;
    },
  };
}

async function collect<T>(batches: AsyncGenerator<T[]>): Promise<T[][]> {
  const all: T[][] = [];
  for await (const batch of batches) all.push(batch);
  return all;
}

describe('inBatches', () => {
  it('puts what is already available into one batch, up to the maximum', async () => {
    expect(await collect(inBatches(source([[1, 2, 3, 4, 5, 6, 7]]), 3))).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
  });

  it('gives live items one by one as they come', async () => {
    expect(await collect(inBatches(source([[1, 2]], [3, 4]), 10))).toEqual([[1, 2], [3], [4]]);
  });

  it('closes the subscription when the consumer stops early', async () => {
    const subscription = source([[1, 2, 3]], [4, 5, 6]);
    for await (const batch of inBatches(subscription, 2)) {
      if (batch.includes(3)) break;
    }
    expect(subscription.closed).toBe(true);
  });
});
