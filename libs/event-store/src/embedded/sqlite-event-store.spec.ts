import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { EventStoreUnavailableError, WrongExpectedRevisionError } from '../errors';
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

  /**
   * Makes the store's own connection find the database busy on its next `times` inserts, as it did when another
   * process died mid-write. On a `:memory:` store, whose own connection commits (a file's commits are its worker's,
   * by the same batch-commit.ts, the retries being the store's either way).
   */
  function busyOnInsert(store: SqliteEventStore, times: number): void {
    const db = (store as unknown as { db: Database.Database }).db;
    let left = times;
    db.function('busy_once', () => {
      if (left-- > 0) throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
      return 0;
    });
    db.exec('CREATE TEMP TRIGGER busy_insert BEFORE INSERT ON events BEGIN SELECT busy_once(); END');
  }

  it('commits a batch again when the database is busy inside its transaction, and loses or doubles none of it', async () => {
    const store = new SqliteEventStore(':memory:');
    await store.appendToStream('first', [event(0)]);
    busyOnInsert(store, 2);
    const results = await Promise.all([
      store.appendToStream('first', [event(1)], { expectedRevision: 0n }),
      store.appendToStream('second', [event(2)]),
    ]);
    expect(results.map((result) => result.nextExpectedRevision)).toEqual([1n, 0n]);
    expect(store.busyCommitRetries).toBe(2);
    expect((await store.readAll({ maxCount: 10 })).map((e) => [e.streamId, e.revision, e.data.n])).toEqual([
      ['first', 0n, 0],
      ['first', 1n, 1],
      ['second', 0n, 2],
    ]);
    await store.close();
  });

  it('answers a database that stays busy as the event store being unavailable, having written nothing', async () => {
    const store = new SqliteEventStore(':memory:');
    busyOnInsert(store, Infinity);
    const append = store.appendToStream('never', [event(1)]);
    await expect(append).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(append).rejects.toThrow(/could not commit: database is locked/);
    expect(await store.headPosition()).toBe(0n);
    await store.close();
  });

  it('answers a read that SQLite fails as the event store being unavailable', async () => {
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    await store.appendToStream('read', [event(1)]);
    const db = (store as unknown as { db: Database.Database }).db;
    db.function('busy_always', () => {
      throw new Database.SqliteError('database is locked', 'SQLITE_BUSY');
    });
    // A temporary view shadows the table for this connection only: every read of the log meets a busy database.
    db.exec('CREATE TEMP VIEW events AS SELECT * FROM main.events WHERE busy_always() = 0');
    await expect(store.readAll()).rejects.toThrow(EventStoreUnavailableError);
    await expect(store.readStream('read', { maxCount: 5 })).rejects.toThrow(/event store could not be read: database is locked/);
    await expect(store.headPosition()).rejects.toThrow(EventStoreUnavailableError);
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
      // The worker's commit moved the version: the head says it was this store's own commit alone.
      expect(await store.readStream('quiet', { fromRevision: 1n })).toEqual([]);
      expect(select.mock.calls.map(([sql]) => sql)).toEqual(['PRAGMA data_version', 'SELECT max(position) AS head FROM events']);
      select.mockClear();
      expect(await store.readStream('quiet', { fromRevision: 1n })).toEqual([]);
      expect(select.mock.calls.map(([sql]) => sql)).toEqual(['PRAGMA data_version']);
      select.mockRestore();
      await store.close();
    });
  });
});
