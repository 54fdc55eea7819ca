import type { EventStore, LogPosition, RecordedEvent } from '@desk/event-store';
import { LogPages } from './log-pages';

/** A log of `length` events at positions 1..length whose reads are counted, and fail while `failing` is set. */
function countedLog(length: number) {
  const reads: LogPosition[] = [];
  const log = {
    failing: false,
    reads,
    async readAll({ after = 0n, maxCount = 1000 }: { after?: LogPosition; maxCount?: number } = {}): Promise<RecordedEvent[]> {
      reads.push(after);
      await new Promise((resolve) => setImmediate(resolve));
      if (log.failing) throw new Error('the log is unreachable');
      const events: RecordedEvent[] = [];
      for (let position = after + 1n; position <= BigInt(length) && events.length < maxCount; position++) {
        events.push({
          position,
          id: `e${position}`,
          type: 'T',
          streamId: 's',
          revision: position - 1n,
          data: {},
          metadata: {},
          recordedAt: new Date(0),
        } as RecordedEvent);
      }
      return events;
    },
  };
  return { log, store: log as unknown as EventStore };
}

/** Reads the whole log as a catching-up runner does, in pages of `size`, doing `between` after each page. */
async function readThrough(pages: LogPages, reader: object, size: number, between: () => Promise<void> = async () => undefined) {
  const seen: RecordedEvent[] = [];
  for (let after = 0n; ;) {
    const page = await pages.read(reader, after, size);
    if (page.length === 0) break;
    seen.push(...page);
    after = page[page.length - 1].position;
    await between();
  }
  pages.leave(reader);
  return seen;
}

describe('the log pages shared by the runners of a process', () => {
  it('reads each page once for runners reading together, and hands each the same events', async () => {
    const { log, store } = countedLog(100);
    const pages = new LogPages(store);
    const [a, b, c] = await Promise.all([{}, {}, {}].map((reader) => readThrough(pages, reader, 10)));
    expect(a.map((event) => event.position)).toEqual(Array.from({ length: 100 }, (_, n) => BigInt(n + 1)));
    expect(b).toEqual(a);
    expect(c.every((event, n) => event === a[n])).toBe(true);
    // Ten pages and the empty one after them, each read once.
    expect(log.reads).toHaveLength(11);
    expect(pages.size).toBe(0);
  });

  it('holds a runner that gets a window ahead of the slowest until it moves, and lets it go when the slowest leaves', async () => {
    const { store } = countedLog(100);
    const pages = new LogPages(store, 2);
    const slow = {};
    const fast = {};
    await pages.read(slow, 0n, 10);
    const fastReads: LogPosition[] = [];
    const fastDone = readThrough(pages, fast, 10, async () => {
      fastReads.push(0n);
    });
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    // The slowest still reads its first page: the fast one has read the window of two pages and waits for the third.
    expect(fastReads).toHaveLength(2);
    expect(pages.size).toBe(2);
    pages.leave(slow);
    expect(await fastDone).toHaveLength(100);
  });

  it('never holds the slowest runner, so all of them move whatever their speeds', async () => {
    const { store } = countedLog(300);
    const pages = new LogPages(store, 2);
    const slowTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 2));
    const results = await Promise.all([readThrough(pages, {}, 10, slowTurn), readThrough(pages, {}, 10), readThrough(pages, {}, 25)]);
    expect(results.map((events) => events.length)).toEqual([300, 300, 300]);
  });

  it('does not keep a read that failed: the next read of that page asks the log again', async () => {
    const { log, store } = countedLog(20);
    const pages = new LogPages(store);
    const reader = {};
    log.failing = true;
    await expect(pages.read(reader, 0n, 10)).rejects.toThrow('unreachable');
    log.failing = false;
    expect(await pages.read(reader, 0n, 10)).toHaveLength(10);
    expect(log.reads).toEqual([0n, 0n]);
  });
});
