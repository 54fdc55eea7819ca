import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import {
  departmentQueue,
  impactBlockers,
  impactChain,
  isMissingReadModel,
  openSqlite,
  readModelsAsOf,
  ReadModelsBusyError,
  ReadModelWorkerExitedError,
  requestList,
  type ReadModelStore,
} from '@desk/read-models';
import { vetClinic } from './vet-clinic.history';
import { project } from './support/read-model-backends';

/** A recursive count SQLite takes a few hundred milliseconds over, returning one row. */
const SLOW_COUNT = sql<{
  n: number;
}>`with recursive c(x) as (select 1 union all select x + 1 from c where x < 3000000) select count(*) as n from c`;

/** About a hundred megabytes of rows: far more than a worker's heap of 16 MB holds. */
const HUGE_RESULT = sql`with recursive c(x) as (select 1 union all select x + 1 from c where x < 300000) select x, printf('%0300d', x) as pad from c`;

const at = (iso: string) => new Date(iso);

/** The OS threads of this process: a worker is one of them while it runs. */
const threads = () => readdirSync('/proc/self/task').length;

describe('the embedded reader on worker threads', () => {
  let dir: string;
  let file: string;
  const opened: ReadModelStore[] = [];
  const open = (options: Parameters<typeof openSqlite>[1] = {}) => {
    const store = openSqlite(file, options);
    opened.push(store);
    return store;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'desk-worker-reader-'));
    file = join(dir, 'read-models.sqlite');
    const history = vetClinic()
      .advance(20)
      .assign('it-laptop', 'agent-bob')
      .work('it-phones')
      .advance(90)
      .resolve('it-laptop')
      .unlink('it-phones', 'appt-3');
    const store = openSqlite(file, { workers: 0 });
    try {
      await project(store, history.events);
    } finally {
      await store.close();
    }
  });

  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives every row exactly as the in-process connection does, values and their types', async () => {
    const inProcess = open({ workers: 0 }).reader;
    const inWorkers = open({ workers: 2 }).reader;
    const tables = (await sql<{ name: string }>`select name from sqlite_master where type = 'table' order by name`.execute(inProcess)).rows;
    expect(tables.length).toBeGreaterThan(5);
    const now = at('2026-03-02T12:00:00Z');
    const then = at('2026-03-02T09:30:00Z');
    // Both connections plan a query alike, so rows come in one order without an order by (FTS tables have no rowid).
    const queries: [string, (db: ReadModelStore['reader']) => Promise<unknown>][] = [
      ...tables.map(({ name }): [string, (db: ReadModelStore['reader']) => Promise<unknown>] => [
        `every row of ${name}`,
        async (db) => (await sql`select * from ${sql.table(name)}`.execute(db)).rows,
      ]),
      ['the IT queue', (db) => departmentQueue(db, 'it', { limit: 50 }, now)],
      ['the IT queue as of 09:30', (db) => departmentQueue(readModelsAsOf(db, then), 'it', { limit: 50 }, now)],
      ['the request list', (db) => requestList(db, { sort: 'updatedAt', order: 'desc', limit: 50 }, now, 'staff')],
      ['the impact chain of the phones', (db) => impactChain(db, 'it-phones')],
      ['the impact chain of the phones as of 09:30', (db) => impactChain(db, 'it-phones', then)],
      ['the blockers', (db) => impactBlockers(db, { limit: 50 }, now)],
      [
        'values of every storage class, and parameters of every kind',
        async (db) =>
          (
            await sql`select 7 as small, 9007199254740993 as beyond_doubles, -0.5 as real, 'été' as text, null as absent,
              x'00ff10' as blob, ${12n} as bigint_parameter, ${Buffer.from([1, 2, 3])} as buffer_parameter,
              ${3.25} as number_parameter, ${'text'} as string_parameter, ${null} as null_parameter,
              typeof(${Buffer.from([4])}) as buffer_parameter_type`.execute(db)
          ).rows,
      ],
    ];
    for (const [what, query] of queries) {
      const expected = await query(inProcess);
      const actual = await query(inWorkers);
      // toStrictEqual tells a Buffer from a Uint8Array and 1 from 1n.
      expect({ what, rows: actual }).toStrictEqual({ what, rows: expected });
    }
    const [typed] = (await sql<Record<string, unknown>>`select x'00ff' as blob, 9007199254740993 as big`.execute(inWorkers)).rows;
    expect(Buffer.isBuffer(typed.blob)).toBe(true);
    expect(typeof typed.big).toBe('number');
  });

  it('runs a transaction on one worker, which reads one snapshot until it ends', async () => {
    const store = open({ workers: 2 });
    await sql`create table if not exists counted (n integer)`.execute(store.writer);
    await sql`delete from counted`.execute(store.writer);
    const count = async (db: ReadModelStore['reader']) =>
      (await sql<{ n: number }>`select count(*) as n from counted`.execute(db)).rows[0].n;
    const seen = await store.reader.transaction().execute(async (trx) => {
      const before = await count(trx);
      await sql`insert into counted values (1), (2)`.execute(store.writer);
      // Another worker, outside the transaction, sees the commit; the transaction keeps its snapshot.
      const outside = await count(store.reader);
      return { before, outside, after: await count(trx) };
    });
    expect(seen).toEqual({ before: 0, outside: 2, after: 0 });
    expect(await count(store.reader)).toBe(2);
  });

  it('queues queries first come, first served beyond its workers, and refuses one beyond the queue at once', async () => {
    const { reader } = open({ workers: 1, maxQueued: 2 });
    const finished: string[] = [];
    const run = (name: string, query: typeof SLOW_COUNT) => query.execute(reader).then(() => finished.push(name));
    const slow = run('slow', SLOW_COUNT);
    // Started in this order, while the one worker is taken by the slow count.
    const queued = [run('first', sql<{ n: number }>`select 1 as n`), run('second', sql<{ n: number }>`select 2 as n`)];
    const refusal = await sql`select 3`.execute(reader).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ReadModelsBusyError);
    expect(refusal).toMatchObject({ retryAfterSeconds: 1 });
    // At once: before the slow count ended, not after it.
    expect(finished).toEqual([]);
    await Promise.all([slow, ...queued]);
    expect(finished).toEqual(['slow', 'first', 'second']);
    expect((await sql<{ n: number }>`select 4 as n`.execute(reader)).rows).toEqual([{ n: 4 }]);
  });

  it('refuses every query that would wait when the queue holds none', async () => {
    const { reader } = open({ workers: 1, maxQueued: 0 });
    const slow = SLOW_COUNT.execute(reader);
    await expect(sql`select 1`.execute(reader)).rejects.toBeInstanceOf(ReadModelsBusyError);
    await slow;
    await expect(sql`select 1 as one`.execute(reader)).resolves.toMatchObject({ rows: [{ one: 1 }] });
  });

  it("throws SQLite's errors as the in-process connection does: the same kind, message and code", async () => {
    const inProcess = open({ workers: 0 }).reader;
    const inWorkers = open({ workers: 1 }).reader;
    const failures = [
      sql`select * from no_such_read_model`,
      sql`select nonsense from`,
      // Booleans are refused by better-sqlite3 itself, before SQLite sees them.
      sql`select ${true as never} as flag`,
    ];
    for (const failing of failures) {
      const expected = await failing.execute(inProcess).then(
        () => null,
        (error: unknown) => error as Error & { code?: string },
      );
      const actual = await failing.execute(inWorkers).then(
        () => null,
        (error: unknown) => error as Error & { code?: string },
      );
      expect(expected).not.toBeNull();
      // By name: jest's globals are another realm's than the errors better-sqlite3 throws on this thread.
      expect(actual?.constructor.name).toBe(expected?.constructor.name);
      expect({ name: actual?.name, message: actual?.message, code: actual?.code }).toEqual({
        name: expected?.name,
        message: expected?.message,
        code: expected?.code,
      });
    }
    const missing = await sql`select * from no_such_read_model`.execute(inWorkers).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Database.SqliteError);
    expect(missing).toMatchObject({ code: 'SQLITE_ERROR' });
    expect(isMissingReadModel(missing)).toBe(true);
    // The connection is read-only: nothing written through the reader.
    await expect(
      sql`insert into projection_checkpoints (name, version, position, updated_at) values ('x', 1, '1', '')`.execute(inWorkers),
    ).rejects.toMatchObject({
      code: 'SQLITE_READONLY',
    });
  });

  it('fails the query of a worker that ends under it and runs the next ones on a new worker', async () => {
    const { reader } = open({ workers: 1, maxQueued: 5, workerHeapMb: 16 });
    expect((await sql<{ n: number }>`select 1 as n`.execute(reader)).rows).toEqual([{ n: 1 }]);
    const crashing = HUGE_RESULT.execute(reader).then(
      () => null,
      (error: unknown) => error,
    );
    // Waiting for the one worker when it ends: it runs on the one started in its place.
    const waiting = sql<{ n: number }>`select 2 as n`.execute(reader);
    const failure = await crashing;
    expect(failure).toBeInstanceOf(ReadModelWorkerExitedError);
    expect((failure as Error).message).toMatch(/^the read-model query worker ended/);
    expect((await waiting).rows).toEqual([{ n: 2 }]);
    expect((await sql<{ n: number }>`select 3 as n`.execute(reader)).rows).toEqual([{ n: 3 }]);
  });

  it('keeps the calling thread free while a slow query runs in a worker', async () => {
    // Timer callbacks this thread runs while the query is under way: none when the query holds the thread. A count,
    // not the longest pause: on a loaded two-core machine the OS may set this thread aside for a while either way.
    const ticksDuring = async (query: () => Promise<unknown>) => {
      let ticks = 0;
      let running = true;
      const ticking = setInterval(() => running && ticks++, 5);
      const started = performance.now();
      try {
        await query();
        running = false;
      } finally {
        clearInterval(ticking);
      }
      return { ticks, took: performance.now() - started };
    };
    const inWorkers = open({ workers: 1 }).reader;
    const inProcess = open({ workers: 0 }).reader;
    // The pool is started, so what is measured is the query.
    await sql`select 1`.execute(inWorkers);
    const offThread = await ticksDuring(() => SLOW_COUNT.execute(inWorkers));
    const onThread = await ticksDuring(() => SLOW_COUNT.execute(inProcess));
    // The same query, run here, holds this thread from its start to its end: the measure can tell.
    expect(onThread).toMatchObject({ ticks: 0, took: expect.any(Number) });
    expect(onThread.took).toBeGreaterThan(150);
    expect(offThread.took).toBeGreaterThan(150);
    // 5 ms apart over 150 ms and more: 30 and more on an idle machine.
    expect(offThread.ticks).toBeGreaterThanOrEqual(10);
  });

  it('ends its workers when the store is closed, and refuses queries then', async () => {
    const store = openSqlite(file, { workers: 2 });
    await sql`select 1`.execute(store.reader);
    const running = threads();
    await store.close();
    // A process's threads otherwise only grow (libuv starts its pool on demand and keeps it).
    for (let waited = 0; threads() > running - 2 && waited < 2000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(threads()).toBeLessThanOrEqual(running - 2);
    await expect(sql`select 1`.execute(store.reader)).rejects.toThrow();
  });

  it('keeps a :memory: store on one in-process connection, shared by projections and queries', async () => {
    const store = openSqlite(':memory:');
    try {
      expect(store.reader).toBe(store.writer);
      await sql`create table only_here (n integer)`.execute(store.writer);
      await expect(sql`select * from only_here`.execute(store.reader)).resolves.toMatchObject({ rows: [] });
    } finally {
      await store.close();
    }
  });
});
