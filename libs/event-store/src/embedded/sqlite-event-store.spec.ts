import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WrongExpectedRevisionError } from '../errors';
import type { EventToAppend } from '../event-store.port';
import { SqliteEventStore } from './sqlite-event-store';

const event = (n: number): EventToAppend => ({
  id: randomUUID(),
  type: 'Happened',
  data: { n },
  metadata: { correlationId: 'c', causationId: 'c', actor: 'test', occurredAt: new Date(0).toISOString(), schemaVersion: 1 },
});

describe('the embedded event store', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-sqlite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every acknowledged event across a close and a reopen', async () => {
    const file = join(dir, 'events.sqlite');
    const first = new SqliteEventStore(file);
    await Promise.all(Array.from({ length: 20 }, (_, n) => first.appendToStream(`s-${n % 3}`, [event(n)])));
    const head = await first.headPosition();
    await first.close();

    const reopened = new SqliteEventStore(file);
    expect(await reopened.headPosition()).toBe(head);
    expect(await reopened.readAll({ maxCount: 100 })).toHaveLength(20);
    expect(reopened.streamRevision('s-0')).toBe(6n);
    await reopened.close();
  });

  it('commits appends that arrive together in one transaction, and fails only the append whose revision is wrong', async () => {
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    await store.appendToStream('busy', [event(0)]);
    const before = store.commitCount;
    const results = await Promise.allSettled([
      ...Array.from({ length: 30 }, (_, n) => store.appendToStream(`other-${n}`, [event(n)])),
      store.appendToStream('busy', [event(99)], { expectedRevision: 7n }),
    ]);
    expect(store.commitCount - before).toBe(1);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(30);
    const refused = results[30] as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(WrongExpectedRevisionError);
    await store.close();
  });

  it('sees the earlier appends of its own batch when checking revisions', async () => {
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    const [a, b] = await Promise.all([
      store.appendToStream('same', [event(1)], { expectedRevision: 'no_stream' }),
      store.appendToStream('same', [event(2)], { expectedRevision: 0n }),
    ]);
    expect([a.nextExpectedRevision, b.nextExpectedRevision]).toEqual([0n, 1n]);
    await store.close();
  });

  it('refuses appends once closed', async () => {
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    await store.close();
    await expect(store.appendToStream('late', [event(1)])).rejects.toThrow(/closed/);
  });

  describe('loading a stream it knows to its end', () => {
    it('reads what another connection appended since', async () => {
      const file = join(dir, 'events.sqlite');
      const mine = new SqliteEventStore(file);
      const theirs = new SqliteEventStore(file);
      await mine.appendToStream('shared', [event(1)]);
      expect(await mine.readStream('shared')).toHaveLength(1);
      await theirs.appendToStream('shared', [event(2)]);
      expect((await mine.readStream('shared', { fromRevision: 1n })).map((e) => e.data.n)).toEqual([2]);
      await theirs.close();
      await mine.close();
    });

    it('is not misled by an idempotent append of older events', async () => {
      const store = new SqliteEventStore(join(dir, 'events.sqlite'));
      const first = event(1);
      await store.appendToStream('retried', [first, event(2)]);
      expect((await store.appendToStream('retried', [first])).nextExpectedRevision).toBe(0n);
      expect((await store.readStream('retried', { fromRevision: 1n })).map((e) => e.data.n)).toEqual([2]);
      await store.close();
    });

    it('answers nothing newer without asking SQLite for the stream, as long as no one else wrote', async () => {
      const store = new SqliteEventStore(join(dir, 'events.sqlite'));
      await store.appendToStream('quiet', [event(1)]);
      const select = jest.spyOn(Object.getPrototypeOf(store), 'prepare');
      expect(await store.readStream('quiet', { fromRevision: 1n })).toEqual([]);
      expect(select.mock.calls.map(([sql]) => sql)).toEqual(['PRAGMA data_version']);
      select.mockRestore();
      await store.close();
    });
  });
});
