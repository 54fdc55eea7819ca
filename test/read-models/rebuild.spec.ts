import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCommandSide, ReadSide, systemClock } from '@desk/application';
import { SqliteEventStore, type RecordedEvent } from '@desk/event-store';
import {
  allProjections,
  copySuffix,
  CopyTablesPlugin,
  departmentQueue,
  ImpactChainProjection,
  prepareCopy,
  RequestSummariesProjection,
  type ReadModelStore,
} from '@desk/read-models';
import { sql } from 'kysely';
import { DeskHistory } from '@desk/application/testing/desk-history';
import { describeOnEveryReadModelStore, dumpReadModels, project } from './support/read-model-backends';

function history(requests: number): DeskHistory {
  const desk = new DeskHistory()
    .department('it', 'IT', [{ priority: 'medium', audience: 'internal', firstResponseMinutes: 60, resolutionMinutes: 480 }])
    .internalCustomer('eva', 'it', true)
    .externalCustomer('olga');
  for (let i = 0; i < requests; i++) {
    desk.open(`r-${i}`, i % 2 ? 'olga' : 'eva', 'it').assign(`r-${i}`);
    if (i % 2 === 1) desk.link(`r-${i - 1}`, `r-${i}`);
    if (i % 3 === 0) desk.work(`r-${i}`, 'agent-bob');
    desk.advance(1);
  }
  return desk;
}

/** The spec waits for every read model before comparing them all with a fresh build. */
const EVERY_READ_MODEL = allProjections().map((projection) => projection.name);

const LIVE_VERSION = new RequestSummariesProjection().version;

class RequestSummariesNext extends RequestSummariesProjection {
  override readonly version = LIVE_VERSION + 1;
}

/** The live read model as it is, but a rebuild's copy fails on the request named `r-poison`. */
class RequestSummariesPoisonedCopy extends RequestSummariesProjection {
  poisoned = false;
  override async apply(...args: Parameters<RequestSummariesProjection['apply']>): Promise<void> {
    if (this.poisoned && args[1].some((event) => event.streamId === 'request-r-poison')) throw new Error('the disk of the copy is full');
    return super.apply(...args);
  }
}

/** Every index of the read models' tables as its table and columns, whatever its name (a swapped-in copy keeps its own). */
async function indexesOf(store: ReadModelStore): Promise<string[]> {
  if (store.dialect === 'sqlite') {
    const { rows } = await sql<{ tbl: string; idx: string; uniq: number; col: string }>`
      select m.name as tbl, il.name as idx, il."unique" as uniq, ii.name as col
      from sqlite_master m, pragma_index_list(m.name) il, pragma_index_info(il.name) ii
      where m.type = 'table' order by m.name, il.name, ii.seqno`.execute(store.reader);
    const byIndex = new Map<string, { table: string; unique: boolean; columns: string[] }>();
    for (const row of rows) {
      const index = byIndex.get(row.idx) ?? { table: row.tbl, unique: row.uniq === 1, columns: [] };
      index.columns.push(row.col);
      byIndex.set(row.idx, index);
    }
    return [...byIndex.values()].map(({ table, unique, columns }) => `${table} ${unique ? 'unique ' : ''}(${columns.join(', ')})`).sort();
  }
  const { rows } = await sql<{ tablename: string; indexdef: string }>`
    select tablename, indexdef from pg_indexes where schemaname = current_schema()`.execute(store.reader);
  return rows.map((row) => `${row.tablename} ${row.indexdef.replace(/^CREATE (UNIQUE )?INDEX \S+ ON \S+ /, '$1')}`).sort();
}

describeOnEveryReadModelStore('rebuilding a read model beside the live one', (open) => {
  let dir: string;
  let events: SqliteEventStore;
  let store: ReadModelStore;
  let readSide: ReadSide | null = null;

  const start = (projections = allProjections()) =>
    ReadSide.start(
      { eventStore: events, readModels: store, clock: systemClock, ...pick(createCommandSide(events, systemClock)) },
      { runProjections: true, slaWatchIntervalMs: 3_600_000, batchSize: 50, projections },
    );
  const pick = (side: ReturnType<typeof createCommandSide>) => ({ commands: side.requests, repository: side.repository });
  const append = async (list: readonly RecordedEvent[]) => {
    for (const event of list)
      await events.appendToStream(event.streamId, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }]);
  };
  const fresh = async (all: readonly RecordedEvent[]) => {
    const other = await open();
    try {
      await project(other, all);
      return await dumpReadModels(other);
    } finally {
      await other.close();
    }
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'desk-rebuild-'));
    events = new SqliteEventStore(join(dir, 'events.sqlite'));
    store = await open();
  });
  afterEach(async () => {
    await readSide?.stop();
    readSide = null;
    await store.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers every query while commands go on, swaps atomically, and ends equal to a fresh build', async () => {
    const desk = history(200);
    const firstPart = desk.events.length;
    await append(desk.events);
    readSide = await start();
    expect(await readSide.waitFor(EVERY_READ_MODEL, await events.headPosition(), 10_000)).toBe(true);

    for (let i = 200; i < 260; i++) desk.open(`r-${i}`, 'eva', 'it').advance(1);
    const more = desk.since(firstPart);
    const failures: string[] = [];
    let queries = 0;
    let writing = true;
    const querying = (async () => {
      while (writing) {
        try {
          await departmentQueue(store.reader, 'it', { limit: 20 }, new Date());
          queries++;
        } catch (error) {
          failures.push((error as Error).message);
        }
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    await readSide.rebuild('request-summaries');
    await readSide.rebuild('impact-chain');
    expect(readSide.rebuildStatus('request-summaries')).toMatchObject({ state: 'rebuilding' });
    await expect(readSide.rebuild('request-summaries')).rejects.toThrow(/being rebuilt already/);
    await expect(readSide.rebuild('satisfaction-follow-up')).rejects.toThrow(/a process, not a read model/);
    await append(more);
    await readSide.rebuilt('request-summaries');
    await readSide.rebuilt('impact-chain');
    writing = false;
    await querying;

    expect(failures).toEqual([]);
    expect(queries).toBeGreaterThan(0);
    const head = await events.headPosition();
    expect(await readSide.waitFor(EVERY_READ_MODEL, head, 10_000)).toBe(true);
    for (let i = 0; i < 200 && readSide.statuses().some((status) => status.state !== 'running'); i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Every projection, then the reactor.
    expect(readSide.statuses().map((status) => [status.name, status.state])).toEqual(
      [...allProjections().map((projection) => projection.name), 'satisfaction-follow-up'].map((name) => [name, 'running']),
    );
    expect(readSide.rebuildStatus('request-summaries')).toBeNull();
    expect(await dumpReadModels(store)).toEqual(await fresh(desk.events));
    const checkpoints = await store.reader.selectFrom('projection_checkpoints').select('name').orderBy('name').execute();
    expect(checkpoints.map((row) => row.name)).toEqual(
      [...allProjections().map((projection) => projection.name), 'satisfaction-follow-up'].sort(),
    );
  });

  it('writes a copy without its secondary indexes, and swaps it in with every index the live tables had', async () => {
    await append(history(40).events);
    readSide = await start();
    expect(await readSide.waitFor(EVERY_READ_MODEL, await events.headPosition(), 10_000)).toBe(true);
    const built = await indexesOf(store);

    // A copy as a rebuild starts it: only the indexes its keys need, the rows go in without the others to keep up.
    const projection = new RequestSummariesProjection();
    const suffix = copySuffix('probe');
    await prepareCopy(store, store.writer.withPlugin(new CopyTablesPlugin(projection.tables, 'probe')), projection, 'probe', new Date());
    const ofCopy = (indexes: string[]) =>
      indexes.filter((index) => index.split(' ')[0].endsWith(suffix)).map((index) => index.replace(suffix, ''));
    const copy = ofCopy(await indexesOf(store));
    const live = built.filter((index) => (projection.tables as readonly string[]).includes(index.split(' ')[0]));
    expect(copy.every((index) => live.includes(index))).toBe(true);
    expect(copy.length).toBeLessThan(live.length);
    expect(copy.some((index) => index.startsWith('request_versions') && index.includes('department_id'))).toBe(false);

    for (const name of EVERY_READ_MODEL) await readSide.rebuild(name);
    for (const name of EVERY_READ_MODEL) await readSide.rebuilt(name);
    for (const name of EVERY_READ_MODEL) expect(readSide.lastRebuild(name)).toMatchObject({ outcome: 'swapped' });
    expect((await indexesOf(store)).filter((index) => !index.split(' ')[0].endsWith(suffix))).toEqual(built);
  });

  it('rebuilds a new version of a projection on start beside the old read model, which answers until the swap', async () => {
    const desk = history(120);
    await append(desk.events);
    readSide = await start();
    expect(await readSide.waitFor(EVERY_READ_MODEL, await events.headPosition(), 10_000)).toBe(true);
    await readSide.stop();

    readSide = await start([new RequestSummariesNext(), new ImpactChainProjection()]);
    // The old version still answers while the new one is built.
    expect((await departmentQueue(store.reader, 'it', { limit: 500 }, new Date())).items.length).toBeGreaterThan(0);
    await readSide.rebuilt('request-summaries');
    const version = await store.reader
      .selectFrom('projection_checkpoints')
      .select(['version', 'position'])
      .where('name', '=', 'request-summaries')
      .executeTakeFirstOrThrow();
    expect(version).toEqual({ version: LIVE_VERSION + 1, position: String(await events.headPosition()) });
    expect(readSide.statuses().find((status) => status.name === 'request-summaries')).toMatchObject({
      version: LIVE_VERSION + 1,
      state: 'running',
    });
    expect(readSide.lastRebuild('request-summaries')).toMatchObject({ outcome: 'swapped', error: null });
    expect(await readSide.waitFor(EVERY_READ_MODEL, await events.headPosition(), 10_000)).toBe(true);
    expect(await dumpReadModels(store)).toEqual(await fresh(desk.events));
  });

  it('drops a copy a crash left unfinished, on the next start', async () => {
    await append(history(30).events);
    readSide = await start();
    await readSide.rebuild('request-summaries');
    // As if the process died here: stop without swapping.
    await readSide.stop();
    readSide = await start();
    const rows = await store.reader.selectFrom('projection_checkpoints').select('name').execute();
    expect(rows.map((row) => row.name).filter((name) => name.includes('#rebuild'))).toEqual([]);
  });

  it('says how a rebuild whose copy faulted ended, once the copy is dropped, and keeps the live read model', async () => {
    const desk = history(20);
    desk.open('r-poison', 'eva', 'it');
    await append(desk.events);
    const poisoned = new RequestSummariesPoisonedCopy();
    readSide = await start([poisoned, new ImpactChainProjection()]);
    expect(await readSide.waitFor(['request-summaries'], await events.headPosition(), 10_000)).toBe(true);
    poisoned.poisoned = true;
    await readSide.rebuild('request-summaries');
    await readSide.rebuilt('request-summaries');
    expect(readSide.rebuildStatus('request-summaries')).toBeNull();
    expect(readSide.lastRebuild('request-summaries')).toMatchObject({
      outcome: 'faulted',
      error: expect.stringContaining('the disk of the copy is full'),
    });
    expect(readSide.statuses().find((status) => status.name === 'request-summaries')).toMatchObject({ state: 'running' });
  });
});
