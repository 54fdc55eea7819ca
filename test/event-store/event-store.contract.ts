import { randomUUID } from 'node:crypto';
import {
  DuplicateEventIdError,
  START,
  WrongExpectedRevisionError,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '@desk/event-store';

export interface StoreUnderTest {
  store: EventStore;
  /** A second store on the same data, as a second process would open it. */
  openAnother?: () => Promise<EventStore>;
  cleanup: () => Promise<void>;
}

let sequence = 0;
export function anEvent(type = 'Happened', data: Record<string, unknown> = {}): EventToAppend {
  sequence++;
  return {
    id: randomUUID(),
    type,
    data: { n: sequence, ...data },
    metadata: {
      correlationId: 'corr-1',
      causationId: 'cause-1',
      actor: 'tester',
      occurredAt: '2026-03-02T09:00:00.000Z',
      schemaVersion: 1,
    },
  };
}

async function collect(subscription: AsyncIterable<RecordedEvent>, count: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
  const received: RecordedEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`only ${received.length} of ${count} events arrived`)), timeoutMs);
  });
  const reading = (async () => {
    for await (const event of subscription) {
      received.push(event);
      if (received.length >= count) break;
    }
    return received;
  })();
  try {
    return await Promise.race([reading, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The one contract every event-store adapter passes. Each spec uses fresh
 * stream names, so the suite also runs against a store that already holds data.
 */
export function describeEventStoreContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`${name} event store contract`, () => {
    let underTest: StoreUnderTest;
    let store: EventStore;
    let prefix: string;
    const stream = (suffix: string) => `${prefix}${suffix}`;

    beforeAll(async () => {
      underTest = await open();
      store = underTest.store;
    });
    afterAll(async () => {
      await underTest.cleanup();
    });
    beforeEach(() => {
      prefix = `t${randomUUID().slice(0, 8)}-`;
    });

    describe('appending', () => {
      it('appends several events atomically and reads them back with their metadata', async () => {
        const events = [anEvent('Opened'), anEvent('Assigned'), anEvent('Started')];
        const result = await store.appendToStream(stream('a'), events, { expectedRevision: 'no_stream' });
        expect(result.nextExpectedRevision).toBe(2n);
        const read = await store.readStream(stream('a'));
        expect(read.map((e) => [e.id, e.type, e.revision, e.streamId])).toEqual(
          events.map((e, i) => [e.id, e.type, BigInt(i), stream('a')]),
        );
        expect(read[2].position).toBe(result.position);
        expect(read[0].position < read[1].position && read[1].position < read[2].position).toBe(true);
        expect(read[0].data).toEqual(events[0].data);
        expect(read[0].metadata).toEqual(events[0].metadata);
        expect(read[0].recordedAt).toBeInstanceOf(Date);
        expect(Number.isNaN(read[0].recordedAt.getTime())).toBe(false);
      });

      it('checks every kind of expected revision', async () => {
        const s = stream('rev');
        await expect(store.appendToStream(s, [anEvent()], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        await expect(store.appendToStream(s, [anEvent()], { expectedRevision: 0n })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await store.appendToStream(s, [anEvent()], { expectedRevision: 'no_stream' });
        await expect(store.appendToStream(s, [anEvent()], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        await store.appendToStream(s, [anEvent()], { expectedRevision: 'stream_exists' });
        await store.appendToStream(s, [anEvent()], { expectedRevision: 1n });
        await store.appendToStream(s, [anEvent()], { expectedRevision: 'any' });
        await store.appendToStream(s, [anEvent()]);
        const error = await store.appendToStream(s, [anEvent()], { expectedRevision: 1n }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(error).toMatchObject({ streamId: s, expected: 1n, actual: 4n });
        const missing = await store.appendToStream(stream('none'), [anEvent()], { expectedRevision: 3n }).catch((e: unknown) => e);
        expect(missing).toMatchObject({ actual: 'no_stream' });
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
      });

      it('stores nothing of a refused append', async () => {
        const s = stream('atomic');
        await store.appendToStream(s, [anEvent()]);
        const before = await store.headPosition();
        await expect(store.appendToStream(s, [anEvent(), anEvent()], { expectedRevision: 'no_stream' })).rejects.toThrow();
        expect(await store.readStream(s)).toHaveLength(1);
        expect(await store.headPosition()).toBe(before);
      });

      it('is idempotent on event ids: the same events appended again are stored once', async () => {
        const s = stream('idem');
        const events = [anEvent(), anEvent()];
        const first = await store.appendToStream(s, events, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(s, events, { expectedRevision: 'no_stream' });
        expect(again).toEqual(first);
        const anyAgain = await store.appendToStream(s, events, { expectedRevision: 'any' });
        expect(anyAgain).toEqual(first);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('stores a retried append racing with its first attempt once, and answers both alike', async () => {
        const s = stream('retried');
        const events = [anEvent(), anEvent()];
        const [first, retry] = await Promise.all([store.appendToStream(s, events), store.appendToStream(s, events)]);
        expect(retry).toEqual(first);
        expect(await store.readStream(s)).toHaveLength(2);
      });

      it('refuses an append that repeats only some stored event ids', async () => {
        const s = stream('partial');
        const stored = anEvent();
        await store.appendToStream(s, [stored]);
        await expect(store.appendToStream(s, [stored, anEvent()])).rejects.toBeInstanceOf(DuplicateEventIdError);
        expect(await store.readStream(s)).toHaveLength(1);
      });

      it('refuses event ids that are not UUIDs and empty appends, storing nothing', async () => {
        const s = stream('bad');
        await expect(store.appendToStream(s, [{ ...anEvent(), id: 'not-a-uuid' }])).rejects.toThrow(/UUID/);
        await expect(store.appendToStream(s, [])).rejects.toThrow(/at least one event/);
        expect(await store.readStream(s)).toEqual([]);
      });

      it('keeps revisions as bigint beyond what a double holds exactly', async () => {
        const s = stream('big');
        await store.appendToStream(s, [anEvent()]);
        const error = await store.appendToStream(s, [anEvent()], { expectedRevision: 9007199254740993n }).catch((e: unknown) => e);
        expect(error).toMatchObject({ expected: 9007199254740993n, actual: 0n });
        const [event] = await store.readStream(s);
        expect(typeof event.revision).toBe('bigint');
        expect(typeof event.position).toBe('bigint');
      });

      it('lets exactly one of 50 racing appends with the same expected revision win each revision', async () => {
        const s = stream('race');
        await store.appendToStream(s, [anEvent()], { expectedRevision: 'no_stream' });
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, () => store.appendToStream(s, [anEvent()], { expectedRevision: 0n })),
        );
        const won = results.filter((r) => r.status === 'fulfilled');
        expect(won).toHaveLength(1);
        for (const lost of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
          expect(lost.reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect((await store.readStream(s)).map((e) => e.revision)).toEqual([0n, 1n]);
      });

      it('loses nothing when 50 writers append in turn with exact revisions, retrying when they lose', async () => {
        const s = stream('retry');
        const writer = async (n: number) => {
          for (;;) {
            const tail = await store.readStream(s, { direction: 'backwards', maxCount: 1 });
            const expectedRevision = tail.length === 0 ? ('no_stream' as const) : tail[0].revision;
            try {
              return await store.appendToStream(s, [anEvent('Written', { writer: n })], { expectedRevision });
            } catch (error) {
              if (!(error instanceof WrongExpectedRevisionError)) throw error;
            }
          }
        };
        await Promise.all(Array.from({ length: 50 }, (_, n) => writer(n)));
        const events = await store.readStream(s);
        expect(events.map((e) => e.revision)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i)));
        expect(new Set(events.map((e) => e.data.writer)).size).toBe(50);
      });

      it('gives concurrent appends to different streams distinct, increasing positions', async () => {
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, n) => store.appendToStream(stream(`many-${n}`), [anEvent(), anEvent()])),
        );
        const positions = results.map((r) => r.position);
        expect(new Set(positions.map(String)).size).toBe(40);
        const all = await store.readAll({ after: START, maxCount: 100_000, streamPrefixes: [prefix] });
        expect(all).toHaveLength(80);
        for (let i = 1; i < all.length; i++) expect(all[i].position > all[i - 1].position).toBe(true);
      });
    });

    describe('reading a stream', () => {
      it('reads forwards and backwards from a revision, with a maximum count', async () => {
        const s = stream('read');
        await store.appendToStream(
          s,
          Array.from({ length: 10 }, () => anEvent()),
        );
        const revisions = (events: RecordedEvent[]) => events.map((e) => Number(e.revision));
        expect(revisions(await store.readStream(s))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(revisions(await store.readStream(s, { fromRevision: 7n }))).toEqual([7, 8, 9]);
        expect(revisions(await store.readStream(s, { fromRevision: 2n, maxCount: 3 }))).toEqual([2, 3, 4]);
        expect(revisions(await store.readStream(s, { direction: 'backwards' }))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
        expect(revisions(await store.readStream(s, { direction: 'backwards', maxCount: 2 }))).toEqual([9, 8]);
        expect(revisions(await store.readStream(s, { direction: 'backwards', fromRevision: 3n, maxCount: 2 }))).toEqual([3, 2]);
        expect(await store.readStream(s, { fromRevision: 10n })).toEqual([]);
      });

      it('reads a missing stream as empty', async () => {
        expect(await store.readStream(stream('missing'))).toEqual([]);
        expect(await store.readStream(stream('missing'), { direction: 'backwards' })).toEqual([]);
      });
    });

    describe('reading the global log', () => {
      it('reads after a position, by type and by stream prefix, page by page', async () => {
        const from = await store.headPosition();
        await store.appendToStream(stream('log-a'), [anEvent('Alpha'), anEvent('Beta')]);
        await store.appendToStream(stream('other-b'), [anEvent('Alpha')]);
        await store.appendToStream(stream('log-c'), [anEvent('Gamma')]);

        const mine = (events: RecordedEvent[]) =>
          events.filter((e) => e.streamId.startsWith(prefix)).map((e) => `${e.streamId.slice(prefix.length)}:${e.type}`);
        expect(mine(await store.readAll({ after: from, maxCount: 1000 }))).toEqual([
          'log-a:Alpha',
          'log-a:Beta',
          'other-b:Alpha',
          'log-c:Gamma',
        ]);
        expect(mine(await store.readAll({ after: from, eventTypes: ['Alpha'], maxCount: 1000 }))).toEqual(['log-a:Alpha', 'other-b:Alpha']);
        expect(mine(await store.readAll({ after: from, streamPrefixes: [stream('log-')], maxCount: 1000 }))).toEqual([
          'log-a:Alpha',
          'log-a:Beta',
          'log-c:Gamma',
        ]);
        expect(mine(await store.readAll({ after: from, streamPrefixes: [stream('log-')], eventTypes: ['Gamma', 'Beta'] }))).toEqual([
          'log-a:Beta',
          'log-c:Gamma',
        ]);

        const firstPage = await store.readAll({ after: from, maxCount: 2, streamPrefixes: [prefix] });
        expect(firstPage).toHaveLength(2);
        const secondPage = await store.readAll({ after: firstPage[1].position, maxCount: 2, streamPrefixes: [prefix] });
        expect(mine([...firstPage, ...secondPage])).toEqual(['log-a:Alpha', 'log-a:Beta', 'other-b:Alpha', 'log-c:Gamma']);
      });

      it('names the head position: the position of the last event', async () => {
        const result = await store.appendToStream(stream('head'), [anEvent()]);
        expect(await store.headPosition()).toBe(result.position);
      });
    });

    describe('subscribing to the global log', () => {
      it('catches up from a position, then delivers live events, without gap or duplicate', async () => {
        const from = await store.headPosition();
        await store.appendToStream(stream('sub'), [anEvent('Before1'), anEvent('Before2')]);
        const subscription = store.subscribeToAll({ after: from, streamPrefixes: [prefix] });
        const receiving = collect(subscription, 4 + 30);
        await new Promise((resolve) => setTimeout(resolve, 50));
        await store.appendToStream(stream('sub'), [anEvent('Live1'), anEvent('Live2')]);
        await Promise.all(Array.from({ length: 30 }, (_, n) => store.appendToStream(stream(`sub-${n}`), [anEvent('Burst')])));
        const received = await receiving;
        await subscription.close();
        expect(received.slice(0, 4).map((e) => e.type)).toEqual(['Before1', 'Before2', 'Live1', 'Live2']);
        expect(received.filter((e) => e.type === 'Burst')).toHaveLength(30);
        for (let i = 1; i < received.length; i++) expect(received[i].position > received[i - 1].position).toBe(true);
        const stored = await store.readAll({ after: from, streamPrefixes: [prefix], maxCount: 1000 });
        expect(received.map((e) => e.id)).toEqual(stored.map((e) => e.id));
      });

      it('filters by event type', async () => {
        const from = await store.headPosition();
        const subscription = store.subscribeToAll({ after: from, eventTypes: [`${prefix}Wanted`] });
        const receiving = collect(subscription, 2);
        await store.appendToStream(stream('f'), [anEvent(`${prefix}Wanted`), anEvent('Unwanted'), anEvent(`${prefix}Wanted`)]);
        const received = await receiving;
        await subscription.close();
        expect(received.map((e) => e.type)).toEqual([`${prefix}Wanted`, `${prefix}Wanted`]);
      });

      it('ends its iteration when closed', async () => {
        const subscription = store.subscribeToAll({ after: await store.headPosition() });
        const done = (async () => {
          let count = 0;
          for await (const _ of subscription) count++;
          return count;
        })();
        await new Promise((resolve) => setTimeout(resolve, 20));
        await subscription.close();
        await expect(done).resolves.toBe(0);
      });

      it('sees events appended through another connection to the same store', async () => {
        if (!underTest.openAnother) return;
        const other = await underTest.openAnother();
        try {
          const from = await store.headPosition();
          const subscription = store.subscribeToAll({ after: from, streamPrefixes: [prefix] });
          const receiving = collect(subscription, 1);
          await other.appendToStream(stream('elsewhere'), [anEvent('FromAnotherProcess')]);
          const [received] = await receiving;
          await subscription.close();
          expect(received.type).toBe('FromAnotherProcess');
        } finally {
          await other.close();
        }
      });
    });

    it('answers a ping', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
