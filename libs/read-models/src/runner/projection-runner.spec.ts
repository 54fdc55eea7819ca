import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import { EventStoreUnavailableError, SqliteEventStore } from '@desk/event-store';
import { openSqlite, type ReadModelStore } from '../store/read-model-store';
import type { ReadModelTables } from '../store/read-model-tables';
import type { LoggedEvent } from './logged-event';
import type { Projection } from './projection';
import { ProjectionRunner } from './projection-runner';

const coded = (code: string, message: string) => Object.assign(new Error(message), { code });

/** Counts departments; `failWith` makes each commit fail as it says while it is set. */
class Departments implements Projection {
  readonly name = 'departments-counted';
  readonly version = 1;
  readonly eventTypes: ReadonlySet<string> = new Set(['DepartmentRegistered']);
  readonly tables = ['departments'] as const; // a name of the read models' tables, its own columns
  failWith: (() => Error) | null = null;
  // Through the query builder, so that a copy's writer renames the table (CopyTablesPlugin).
  async createTables(db: Kysely<ReadModelTables>): Promise<void> {
    await db.schema
      .createTable('departments')
      .addColumn('id', 'text', (column) => column.primaryKey())
      .execute();
  }
  async apply(trx: Transaction<ReadModelTables>, events: LoggedEvent[]): Promise<void> {
    if (this.failWith) throw this.failWith();
    const db = trx as unknown as Kysely<{ departments: { id: string } }>;
    for (const event of events) await db.insertInto('departments').values({ id: event.streamId }).execute();
  }
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('a projection runner whose store fails (issue 17, items 4 and 11)', () => {
  let dir: string;
  let events: SqliteEventStore;
  let store: ReadModelStore;
  let runner: ProjectionRunner | null = null;

  const register = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const id = `d-${randomUUID().slice(0, 8)}`;
      await events.appendToStream(`department-${id}`, [
        {
          id: randomUUID(),
          type: 'DepartmentRegistered',
          data: { departmentId: id, name: id },
          metadata: { correlationId: 'c', causationId: 'c', actor: 'spec', occurredAt: new Date().toISOString(), schemaVersion: 1 },
        },
      ]);
    }
  };
  const rows = async () => Number((await sql<{ n: number }>`select count(*) as n from departments`.execute(store.reader)).rows[0].n);

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'desk-runner-outage-'));
    events = new SqliteEventStore(join(dir, 'events.sqlite'));
    store = openSqlite(':memory:');
  });

  afterEach(async () => {
    await runner?.stop();
    runner = null;
    await store.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'read-only (PostgreSQL 25006)',
      () => coded('25006', 'cannot execute INSERT in a read-only transaction'),
      /read-model store refuses writes \(it is read-only\)/,
    ],
    [
      'full (SQLITE_FULL)',
      () => coded('SQLITE_FULL', 'database or disk is full'),
      /read-model store is full \(no space left\): database or disk is full \(SQLITE_FULL\)/,
    ],
    ['busy (SQLITE_BUSY)', () => coded('SQLITE_BUSY', 'database is locked'), /read-model store is busy/],
    [
      'the event store under a process’s command',
      () =>
        new Error('the follow-up failed', {
          cause: new EventStoreUnavailableError('PostgreSQL failed to commit appends', { kind: 'read_only' }),
        }),
      /the event store refuses writes \(it is read-only\)/,
    ],
  ])('waits with back-off while the store is %s, never faulted, then goes on by itself', async (_, failure, said) => {
    const projection = new Departments();
    runner = new ProjectionRunner(projection, events, store, { minBackoffMs: 5, maxBackoffMs: 20 });
    await runner.start();
    projection.failWith = failure;
    await register(3);
    await until(() => runner!.status().restarts >= 3);
    expect(runner.status()).toMatchObject({ state: 'catching_up', fault: null, lastError: expect.stringMatching(said) });
    projection.failWith = null;
    expect(await runner.waitFor(await events.headPosition(), 5000)).toBe(true);
    await until(() => runner!.status().state === 'running');
    expect(runner.status()).toMatchObject({ state: 'running', fault: null, lastError: null });
    expect(await rows()).toBe(3);
  });

  it('still faults on an event that fails while the stores work (a text jsonb refuses, 22P05)', async () => {
    const projection = new Departments();
    runner = new ProjectionRunner(projection, events, store, { minBackoffMs: 5 });
    await runner.start();
    projection.failWith = () => coded('22P05', 'unsupported Unicode escape sequence');
    await register(1);
    await until(() => runner!.status().state === 'faulted');
    expect(runner.status().fault).toMatchObject({ eventType: 'DepartmentRegistered', error: 'unsupported Unicode escape sequence' });
  });

  it('gives a copy up on a full store, says so, and drops its tables and checkpoint at once', async () => {
    await register(2);
    const projection = new Departments();
    runner = new ProjectionRunner(projection, events, store, { minBackoffMs: 5, copy: 'c0ffee' });
    await runner.start();
    const tables = async () =>
      (
        await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like 'departments%'`.execute(store.reader)
      ).rows.map((row) => row.name);
    expect(await tables()).toEqual(['departments__c0ffee']);
    projection.failWith = () => coded('SQLITE_FULL', 'database or disk is full');
    await register(1);
    await until(() => runner!.gaveUp !== null);
    await until(() => runner!.status().state === 'stopped');
    expect(runner.gaveUp).toBe('the read-model store is full (no space left): database or disk is full (SQLITE_FULL)');
    expect(runner.status().fault).toBeNull();
    expect(await tables()).toEqual([]);
    const checkpoints = await store.reader.selectFrom('projection_checkpoints').select('name').execute();
    expect(checkpoints.map((row) => row.name)).not.toContain('departments-counted#rebuild:c0ffee');
  });
});
