import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { EventStoreUnavailableError, SqliteEventStore, type AppendResult, type EventToAppend } from '@desk/event-store';
import { SmallDisk } from '../hardening/store-outages-support';
import { describeSkipped } from '../support/describe-skipped';
import { readWholeLog } from '../support/shared-event-stores';

/**
 * The embedded store's commits on its worker thread: the next batch gathers while one is being made durable, a
 * worker that dies loses or hangs no append, close() commits what was appended before it, and a file that refuses
 * a commit fails the whole batch. The promises every store keeps are the contract suite's (embedded.contract-spec).
 */

const event = (n: number): EventToAppend => ({
  id: randomUUID(),
  type: 'Happened',
  data: { n },
  metadata: { correlationId: 'c', causationId: 'c', actor: 'test', occurredAt: new Date(0).toISOString(), schemaVersion: 1 },
});

function workerOf(store: SqliteEventStore): Worker | null {
  return (store as unknown as { line: { worker: Worker | null } }).line.worker;
}

/** Another connection holding the file's write lock: the worker's transaction waits for it (busy_timeout), unable to commit. */
function holdWriteLock(file: string): { release(): void } {
  const rival = new Database(file);
  rival.exec('BEGIN IMMEDIATE');
  return {
    release: () => {
      rival.exec('ROLLBACK');
      rival.close();
    },
  };
}

/** One turn of the event loop: the appends made before it have gone to the worker as a batch. */
const batchSent = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the embedded event store committing on its worker thread', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-commit-worker-'));
    file = join(dir, 'events.sqlite');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('gathers the next batch and answers reads while a batch is being committed, and keeps positions in commit order', async () => {
    const store = new SqliteEventStore(file);
    await store.appendToStream('first', [event(0)]);
    const commitsBefore = store.commitCount;
    const lock = holdWriteLock(file);
    const inFlight = store.appendToStream('a', [event(1)]);
    await batchSent();
    const gathered = [store.appendToStream('b', [event(2)]), store.appendToStream('c', [event(3)])];
    // The batch in flight waits for the lock on the worker's thread; this one is free to read.
    expect((await store.readStream('first')).map((e) => e.data.n)).toEqual([0]);
    expect(await store.headPosition()).toBe(1n);
    lock.release();
    const [a, b, c] = await Promise.all([inFlight, ...gathered]);
    expect(store.commitCount - commitsBefore).toBe(2);
    expect([a.position, b.position, c.position]).toEqual([2n, 3n, 4n]);
    expect((await readWholeLog(store)).map((e) => e.streamId)).toEqual(['first', 'a', 'b', 'c']);
    await store.close();
  });

  it('learns the revisions its worker wrote, and forgets them once another connection appends', async () => {
    const store = new SqliteEventStore(file);
    const other = new SqliteEventStore(file);
    await store.appendToStream('shared', [event(0)]);
    expect(await store.readStream('shared', { fromRevision: 1n })).toEqual([]);
    await other.appendToStream('shared', [event(1)]);
    // Then one of its own: the head its worker started from is not the one it knew.
    await store.appendToStream('mine', [event(2)]);
    expect((await store.readStream('shared', { fromRevision: 1n })).map((e) => e.data.n)).toEqual([1]);
    await other.close();
    await store.close();
  });

  it('rejects the batch of a worker that dies as unavailable, having committed none of it, and commits the next on a new worker', async () => {
    const store = new SqliteEventStore(file);
    await store.appendToStream('before', [event(0)]);
    const dying = workerOf(store)!;
    const lock = holdWriteLock(file);
    const lost = store.appendToStream('lost', [event(1)]);
    await batchSent();
    const stopped = dying.terminate();
    lock.release();
    await stopped;
    await expect(lost).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(lost).rejects.toThrow(/could not commit: its commit worker stopped/);

    const after = await store.appendToStream('after', [event(2)]);
    expect(workerOf(store)).not.toBe(dying);
    expect(after.position).toBe(2n);
    expect((await readWholeLog(store)).map((e) => e.streamId)).toEqual(['before', 'after']);
    expect(await store.writeCheck()).toBeNull();
    await store.close();
  });

  it('starts a new worker for the next batch when the idle one has died', async () => {
    const store = new SqliteEventStore(file);
    await store.appendToStream('before', [event(0)]);
    await workerOf(store)!.terminate();
    expect((await store.appendToStream('after', [event(1)])).position).toBe(2n);
    await store.close();
  });

  it('rejects the batch as unavailable when its worker cannot open the file, and tries the file again with the next batch', async () => {
    const store = new SqliteEventStore(file);
    await workerOf(store)!.terminate();
    // The store's own connection keeps the file it opened; the next worker's finds none.
    rmSync(file);
    const refused = store.appendToStream('nowhere', [event(1)]);
    await expect(refused).rejects.toBeInstanceOf(EventStoreUnavailableError);
    await expect(refused).rejects.toThrow(/could not commit: unable to open database file \(SQLITE_CANTOPEN\)/);
    await expect(store.appendToStream('again', [event(2)])).rejects.toThrow(/SQLITE_CANTOPEN/);
    await store.close();
  });

  it('commits on close what was appended before it, the batch in flight and the one gathered, then refuses more', async () => {
    const store = new SqliteEventStore(file);
    const lock = holdWriteLock(file);
    const inFlight = store.appendToStream('a', [event(1)]);
    await batchSent();
    const gathered = store.appendToStream('b', [event(2)]);
    let answeredBeforeClosed = false;
    void Promise.all([inFlight, gathered]).then(() => (answeredBeforeClosed = true));
    void store.close();
    await expect(store.appendToStream('late', [event(3)])).rejects.toThrow(/closed/);
    lock.release();
    // A second call waits as the first does.
    await store.close();
    expect(answeredBeforeClosed).toBe(true);
    const answered: AppendResult[] = await Promise.all([inFlight, gathered]);
    expect(answered.map((result) => result.position)).toEqual([1n, 2n]);

    const reopened = new SqliteEventStore(file);
    expect((await readWholeLog(reopened)).map((e) => e.streamId)).toEqual(['a', 'b']);
    await reopened.close();
  });

  it('fails only the append whose events cannot be written as JSON, before anything is sent', async () => {
    const store = new SqliteEventStore(file);
    const unwritable = { ...event(1), data: { n: 1n } as unknown as Record<string, unknown> };
    const [refused, accepted] = await Promise.allSettled([
      store.appendToStream('bad', [unwritable]),
      store.appendToStream('good', [event(2)]),
    ]);
    expect(refused).toMatchObject({ status: 'rejected', reason: expect.any(TypeError) });
    expect(accepted).toMatchObject({ status: 'fulfilled', value: { position: 1n } });
    await store.close();
  });
});

const disks = SmallDisk.available();
if (!disks) {
  describeSkipped('the embedded event store on a full disk, committing on its worker', 'this process may not mount a tmpfs (not root?)');
} else {
  describe('the embedded event store on a full disk, committing on its worker (a tmpfs of its own)', () => {
    it('refuses every append of the batch as unavailable (full), remembers it for writeCheck until a commit succeeds', async () => {
      const disk = SmallDisk.tryMount(8)!;
      const store = new SqliteEventStore(join(disk.folder('data'), 'events.sqlite'));
      try {
        await store.appendToStream('before', [event(0)]);
        disk.fill();
        const big = (n: number): EventToAppend => ({ ...event(n), data: { n, text: 'z'.repeat(200_000) } });
        let outcomes: PromiseSettledResult<AppendResult>[] = [];
        // The WAL may have room for a few commits yet: big ones meet the full disk soon.
        for (let i = 0; i < 50 && !outcomes.some((outcome) => outcome.status === 'rejected'); i++) {
          outcomes = await Promise.allSettled([store.appendToStream(`big-${i}`, [big(i)]), store.appendToStream(`small-${i}`, [event(i)])]);
        }
        expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
        const reasons = outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason as EventStoreUnavailableError);
        expect(reasons[0]).toBeInstanceOf(EventStoreUnavailableError);
        expect(reasons[0].kind).toBe('full');
        expect(reasons[0].message).toMatch(/could not commit: .*SQLITE_FULL/);
        expect(reasons[1]).toBe(reasons[0]);

        disk.free();
        expect(await store.writeCheck()).toMatchObject({ kind: 'full' });
        await store.appendToStream('after', [event(1)]);
        expect(await store.writeCheck()).toBeNull();
      } finally {
        disk.free();
        await store.close().catch(() => undefined);
        disk.unmount();
      }
    });
  });
}
