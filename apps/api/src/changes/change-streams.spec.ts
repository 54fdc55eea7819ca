import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { AppConfig, ReadSide } from '@desk/application';
import type { LogPosition } from '@desk/event-store';
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import {
  openSqlite,
  prepareProjection,
  ReadModelsBusyError,
  RequestSummariesProjection,
  type ChangeCursor,
  type ChangeFilter,
  type ReadModelStore,
  type RequestChangeRow,
} from '@desk/read-models';
import { ChangeFeed } from './change-feed';
import { ChangeStream } from './change-streams';

/** request-summaries' checkpoint, moved by the spec as the projection would move it on each commit. */
class CommittingReadSide {
  private checkpoint: LogPosition = -1n;
  private readonly waiting = new Set<() => void>();

  commit(position: LogPosition): void {
    this.checkpoint = position;
    for (const wake of this.waiting) wake();
  }

  checkpoints(): Promise<Map<string, LogPosition>> {
    return Promise.resolve(new Map([['request-summaries', this.checkpoint]]));
  }

  async waitFor(_projections: readonly string[], position: LogPosition, timeoutMs: number): Promise<boolean> {
    if (this.checkpoint >= position) return true;
    await new Promise<void>((resolve) => {
      const wake = () => {
        this.waiting.delete(wake);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(wake, timeoutMs);
      this.waiting.add(wake);
    });
    return this.checkpoint >= position;
  }
}

/** An answer whose socket takes everything until the spec says it is full, and drains when the spec says so. */
class Answer extends EventEmitter {
  text = '';
  full = false;
  writableEnded = false;
  writableLength = 0;

  get writableNeedDrain(): boolean {
    return this.full;
  }

  writeHead(): this {
    return this;
  }

  write(chunk: string): boolean {
    this.text += chunk;
    return !this.full;
  }

  drain(): void {
    this.full = false;
    this.emit('drain');
  }

  end(): void {
    this.writableEnded = true;
  }

  destroy(): void {
    this.writableEnded = true;
    this.emit('close');
  }

  ids(): string[] {
    return [...this.text.matchAll(/^id: (\S+)$/gm)].map((match) => match[1]);
  }
}

/** Read models whose query workers refuse the first `refusals` queries read through them, as when all are taken. */
class BusyAtFirst implements KyselyPlugin {
  constructor(public refusals: number) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    if (this.refusals > 0) {
      this.refusals--;
      throw new ReadModelsBusyError(2, 100);
    }
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (const started = Date.now(); !condition(); await new Promise((resolve) => setTimeout(resolve, 5)))
    if (Date.now() - started > 5000) throw new Error(`waited 5 s for ${what}`);
}

describe('a change stream fed only the changes its filter lets through', () => {
  let store: ReadModelStore;
  let readSide: CommittingReadSide;
  let feed: ChangeFeed;
  let position = 0;
  const streams: ChangeStream[] = [];

  beforeEach(async () => {
    store = openSqlite(':memory:');
    await prepareProjection(store, new RequestSummariesProjection(), new Date());
    readSide = new CommittingReadSide();
    feed = new ChangeFeed(readSide as unknown as ReadSide, store, { changesPollMs: 1000 } as AppConfig);
    position = 0;
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.end();
    await feed.stop();
    await store.close();
  });

  /** Changes of requests in these departments, committed as one batch of the projection; their ids. */
  async function commit(...departments: string[]): Promise<string[]> {
    const rows: RequestChangeRow[] = departments.map((department) => {
      position++;
      return {
        position: String(position).padStart(20, '0'),
        seq: 0,
        request_id: `r${position}`,
        revision: 0,
        department_id: department,
        previous_department_id: null,
        requester_id: 'anna',
        assignee_id: null,
        previous_assignee_id: null,
        status: 'new',
        event_type: 'RequestOpened',
        occurred_at: '2026-03-02T08:00:00.000Z',
        changes: JSON.stringify({ subject: { from: null, to: `request ${position}` } }),
      };
    });
    await store.writer.insertInto('request_changes').values(rows).execute();
    readSide.commit(BigInt(position));
    return rows.map((row) => String(Number(row.position)));
  }

  async function open(filter: ChangeFilter, after?: ChangeCursor, readModels: ReadModelStore = store): Promise<Answer> {
    await feed.start();
    const live = feed.subscriberCount;
    const stream = new ChangeStream({ subject: 'agent-bob', viewer: 'staff', filter, after }, feed, readModels, 60_000, () => undefined);
    streams.push(stream);
    const answer = new Answer();
    stream.start(answer as unknown as ServerResponse, {});
    await until(() => feed.subscriberCount === live + 1, 'the stream to go live');
    return answer;
  }

  it('misses none and repeats none of its changes when it falls behind between changes it was never offered, and resumes after the last', async () => {
    const it = await open({ departmentIds: ['it'] });
    const shop = await open({ departmentIds: ['shop'] });
    const wanted: string[] = [];
    const [first] = await commit('it');
    wanted.push(first);
    wanted.push(...(await commit('shop', 'shop', 'shop', 'it')).slice(3));
    await until(() => it.ids().length === 2, 'the it changes');
    expect(it.ids()).toEqual(wanted);

    // The client stops taking: the next it change fills its buffer, and it leaves the feed to read pages at its pace.
    it.full = true;
    wanted.push((await commit('shop', 'it', 'shop'))[1]);
    await until(() => feed.subscriberCount === 1, 'the stream to fall behind');
    const meanwhile = await commit('shop', 'it', 'shop', 'it');
    wanted.push(meanwhile[1], meanwhile[3]);
    expect(it.ids()).toEqual(wanted.slice(0, 3));
    it.drain();
    await until(() => feed.subscriberCount === 2, 'the stream to catch up and go live again');
    wanted.push((await commit('it', 'shop'))[0]);
    await until(() => it.ids().length === wanted.length, 'the live it change');
    expect(it.ids()).toEqual(wanted);
    await until(() => shop.ids().length === 8, 'the shop changes');
    expect(shop.ids()).toEqual(['2', '3', '4', '6', '8', '9', '11', '14']);

    // A client coming back with the Last-Event-ID of its third change gets the rest of its own, nothing else.
    const back = await open({ departmentIds: ['it'] }, { position: BigInt(wanted[2]), seq: 0 });
    await until(() => back.ids().length === wanted.length - 3, 'the resumed changes');
    expect(back.ids()).toEqual(wanted.slice(3));
    expect(back.text).toContain(`: changes after ${wanted[2]}\n`);
  });

  it('goes on after a stream that closes while a change is handed out, and starts a stream opened meanwhile after what the feed handed out', async () => {
    const leaving = await open({});
    const staying = await open({});
    const both = await commit('it');
    await until(() => staying.ids().length === 1, 'the first change');
    // Its buffer full and then gone: the feed goes on handing the same changes to the others.
    leaving.full = true;
    both.push(...(await commit('it', 'shop')));
    await until(() => feed.subscriberCount === 1, 'the full stream to leave the feed');
    leaving.destroy();
    both.push(...(await commit('shop')));
    await until(() => staying.ids().length === 4, 'the changes after the close');
    expect(staying.ids()).toEqual(both);
    const late = await open({ departmentIds: ['shop'] });
    expect(late.text).toContain(`: changes after ${both[3]}\n`);
    const [next] = await commit('shop');
    await until(() => late.ids().length === 1, 'the change after it opened');
    expect(late.ids()).toEqual([next]);
  });

  it('waits and reads again when the read models are too busy to take its catch-up, instead of ending', async () => {
    const before = await commit('it', 'it');
    const busy = new BusyAtFirst(2);
    const answer = await open({ departmentIds: ['it'] }, { position: 0n, seq: 0 }, { ...store, reader: store.reader.withPlugin(busy) });
    expect(busy.refusals).toBe(0);
    expect(answer.writableEnded).toBe(false);
    const after = await commit('it');
    await until(() => answer.ids().length === 3, 'the changes before and after the refusals');
    expect(answer.ids()).toEqual([...before, ...after]);
  });
});
