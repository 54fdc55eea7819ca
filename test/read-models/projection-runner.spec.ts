import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql, type Kysely, type Transaction } from 'kysely';
import {
  SqliteEventStore,
  type EventStore,
  type LogSubscription,
  type ReadAllOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from '@desk/event-store';
import {
  ProjectionRunner,
  RequestSummariesProjection,
  allProjections,
  type Projection,
  type ReadModelStore,
  type ReadModelTables,
} from '@desk/read-models';
import { DeskHistory } from '@desk/application/testing/desk-history';
import { describeOnEveryReadModelStore, dumpReadModels, project } from './support/read-model-backends';
import { until } from '../support/child-apps';

/** Counts the events it is given: any event applied twice, or lost, shows in the count. */
class CountingProjection implements Projection {
  readonly name = 'counting';
  readonly eventTypes: ReadonlySet<string> = new Set(['RequestOpened', 'RequestAssigned', 'RequestEscalated']);
  readonly tables = [] as const;
  poison: ((event: RecordedEvent) => boolean) | null = null;
  constructor(readonly version = 1) {}
  async createTables(db: Kysely<ReadModelTables>): Promise<void> {
    await sql`create table if not exists test_event_count (id integer primary key, n integer not null)`.execute(db);
    await sql`insert into test_event_count (id, n) select 1, 0 where not exists (select 1 from test_event_count)`.execute(db);
  }
  async apply(trx: Transaction<ReadModelTables>, events: RecordedEvent[]): Promise<void> {
    for (const event of events) if (this.poison?.(event)) throw new Error(`cannot apply ${event.type} of ${event.streamId}`);
    await sql`update test_event_count set n = n + ${events.length} where id = 1`.execute(trx);
  }
}

async function counted(store: ReadModelStore): Promise<number> {
  const { rows } = await sql<{ n: number }>`select n from test_event_count where id = 1`.execute(store.reader);
  return Number(rows[0].n);
}

/** A desk with `requests` requests, each opened, assigned, escalated; some linked. */
function busyDesk(requests: number): DeskHistory {
  const history = new DeskHistory()
    .department('it', 'IT', [{ priority: 'medium', audience: 'internal', firstResponseMinutes: 60, resolutionMinutes: 480 }])
    .internalCustomer('eva', 'it', true);
  for (let i = 0; i < requests; i++) {
    history.open(`r-${i}`, 'eva', 'it').assign(`r-${i}`);
    history.request(`r-${i}`, { type: 'EscalateRequest', data: { reason: 'needs L2' } });
    if (i > 0 && i % 3 === 0) history.link(`r-${i}`, `r-${i - 1}`);
    history.advance(1);
  }
  return history;
}

async function append(store: EventStore, events: readonly RecordedEvent[]): Promise<void> {
  for (const event of events) {
    await store.appendToStream(event.streamId, [{ id: event.id, type: event.type, data: event.data, metadata: event.metadata }]);
  }
}

describeOnEveryReadModelStore('projection runner', (open) => {
  let dir: string;
  let events: SqliteEventStore;
  let store: ReadModelStore;
  const runners: ProjectionRunner[] = [];
  const run = async (projection: Projection, options: ConstructorParameters<typeof ProjectionRunner>[3] = {}, on: EventStore = events) => {
    const runner = new ProjectionRunner(projection, on, store, { minBackoffMs: 5, ...options });
    runners.push(runner);
    await runner.start();
    return runner;
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'desk-runner-'));
    events = new SqliteEventStore(join(dir, 'events.sqlite'));
    store = await open();
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await store.close();
    await events.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('catches up in batches, follows live events, and builds what a direct build builds', async () => {
    const history = busyDesk(60);
    const before = history.events.length;
    await append(events, history.events);
    const started = await Promise.all(allProjections().map((projection) => run(projection, { batchSize: 50 })));
    const head = await events.headPosition();
    await until(() => started.every((runner) => runner.position === head));

    history.open('late', 'eva', 'it').link('late', 'r-5');
    await append(events, history.since(before));
    const newHead = await events.headPosition();
    await until(() => started.every((runner) => runner.position === newHead));
    expect(started.map((runner) => runner.status().state)).toEqual(allProjections().map(() => 'running'));

    const direct = await open();
    try {
      await project(direct, history.events);
      expect(await dumpReadModels(store)).toEqual(await dumpReadModels(direct));
    } finally {
      await direct.close();
    }
  });

  it('moves the checkpoint past events the projection ignores', async () => {
    const history = new DeskHistory().department('it', 'IT').internalCustomer('eva', 'it');
    await append(events, history.events);
    const runner = await run(new RequestSummariesProjection());
    await until(() => runner.position === BigInt(history.events.length));
    expect(await runner.waitFor(BigInt(history.events.length), 100)).toBe(true);
  });

  it('applies each event once with two runners of the same projection racing on one store', async () => {
    const history = busyDesk(40);
    await append(events, history.events);
    const relevant = history.events.filter((event) => new CountingProjection().eventTypes.has(event.type)).length;
    const [first, second] = [await run(new CountingProjection(), { batchSize: 7 }), await run(new CountingProjection(), { batchSize: 5 })];
    const head = await events.headPosition();
    await until(() => first.position === head && second.position === head);
    expect(await counted(store)).toBe(relevant);
  });

  it('resumes from its checkpoint after a stop, losing nothing and repeating nothing', async () => {
    const history = busyDesk(30);
    await append(events, history.events.slice(0, 50));
    const first = await run(new CountingProjection(), { batchSize: 10 });
    await until(() => first.position === 50n);
    await first.stop();
    await append(events, history.events.slice(50));
    const again = await run(new CountingProjection(), { batchSize: 10 });
    await until(async () => again.position === (await events.headPosition()));
    expect(await counted(store)).toBe(history.events.filter((event) => again.projection.eventTypes.has(event.type)).length);
  });

  it('faults on a poison event, naming it, keeps what came before, and goes on after retry', async () => {
    const history = busyDesk(10);
    await append(events, history.events);
    const projection = new CountingProjection();
    const poisoned = history.events.find((event) => event.type === 'RequestEscalated' && event.streamId === 'request-r-4')!;
    projection.poison = (event) => event.id === poisoned.id;
    const logged: Record<string, unknown>[] = [];
    const log = { info() {}, warn() {}, error: (msg: string, fields?: Record<string, unknown>) => logged.push({ msg, ...fields }) };
    const runner = await run(projection, { batchSize: 100, log });
    await until(() => runner.status().state === 'faulted');
    const status = runner.status();
    expect(status.fault).toEqual({
      position: String(poisoned.position),
      eventId: poisoned.id,
      eventType: 'RequestEscalated',
      streamId: 'request-r-4',
      error: 'cannot apply RequestEscalated of request-r-4',
    });
    expect(status.checkpoint).toBe(String(poisoned.position - 1n));
    expect(logged).toEqual([
      expect.objectContaining({
        msg: 'projection counting faulted on a poison event',
        eventId: poisoned.id,
        correlationId: poisoned.metadata.correlationId,
        error: 'cannot apply RequestEscalated of request-r-4',
      }),
    ]);
    const before = history.events.filter((event) => event.position < poisoned.position && projection.eventTypes.has(event.type)).length;
    expect(await counted(store)).toBe(before);

    projection.poison = null;
    await runner.retry();
    await until(async () => runner.position === (await events.headPosition()));
    expect(await counted(store)).toBe(history.events.filter((event) => projection.eventTypes.has(event.type)).length);
    expect(runner.status()).toMatchObject({ state: 'running', fault: null });
  });

  it('skips a poison event when the operator says so, and applies everything else', async () => {
    const history = busyDesk(10);
    await append(events, history.events);
    const projection = new CountingProjection();
    const poisoned = history.events.find((event) => event.type === 'RequestAssigned' && event.streamId === 'request-r-7')!;
    projection.poison = (event) => event.id === poisoned.id;
    const runner = await run(projection, { batchSize: 50 });
    await until(() => runner.status().state === 'faulted');
    expect(await runner.skip()).toMatchObject({ eventId: poisoned.id });
    await until(async () => runner.position === (await events.headPosition()));
    expect(await counted(store)).toBe(history.events.filter((event) => projection.eventTypes.has(event.type)).length - 1);
    expect(runner.status()).toMatchObject({ state: 'running', fault: null, skipped: [expect.objectContaining({ eventId: poisoned.id })] });
    expect(await runner.skip()).toBeNull();
  });

  it('restarts from its checkpoint, with back-off, when reading the log fails while catching up, and shows it', async () => {
    const history = busyDesk(20);
    await append(events, history.events);
    let reads = 0;
    const flaky: EventStore = Object.create(events);
    flaky.readAll = (options?: ReadAllOptions) => {
      reads++;
      return reads === 3 || reads === 5 ? Promise.reject(new Error('connection to the event store dropped')) : events.readAll(options);
    };
    const runner = await run(new CountingProjection(), { batchSize: 4 }, flaky);
    await until(async () => runner.position === (await events.headPosition()));
    expect(runner.status().restarts).toBe(2);
    expect(await counted(store)).toBe(history.events.filter((event) => runner.projection.eventTypes.has(event.type)).length);
  });

  it('shows itself running again, without the old error, once the log answers after an outage with nothing new in it', async () => {
    const history = busyDesk(5);
    await append(events, history.events);
    let down = false;
    const live: LogSubscription[] = [];
    const flaky: EventStore = Object.create(events);
    flaky.readAll = (options?: ReadAllOptions) => (down ? Promise.reject(new Error('the event store is unreachable')) : events.readAll(options));
    flaky.subscribeToAll = (options?: SubscribeOptions): LogSubscription => {
      const inner = events.subscribeToAll(options);
      live.push(inner);
      async function* dropping() {
        yield* inner;
        // The store closed the subscription under it: the connection is gone.
        if (down) throw new Error('the event store is unreachable');
      }
      const iterator = dropping();
      return { [Symbol.asyncIterator]: () => iterator, close: () => inner.close() };
    };
    const runner = await run(new CountingProjection(), { batchSize: 4, maxBackoffMs: 20 }, flaky);
    await until(async () => runner.status().state === 'running' && runner.position === (await events.headPosition()) && live.length > 0);
    down = true;
    for (const subscription of live.splice(0)) await subscription.close();
    await until(() => runner.status().state === 'catching_up' && runner.status().lastError === 'the event store is unreachable');
    down = false;
    // Nothing new is appended: the next read of the log finds the head already reached.
    await until(() => runner.status().state === 'running');
    expect(runner.status().lastError).toBeNull();
    expect(await counted(store)).toBe(history.events.filter((event) => runner.projection.eventTypes.has(event.type)).length);
  });

  it('restarts a dropped live subscription from its checkpoint, with back-off, and shows it', async () => {
    let drops = 0;
    let subscribed = false;
    const flaky: EventStore = Object.create(events);
    flaky.subscribeToAll = (options?: SubscribeOptions): LogSubscription => {
      subscribed = true;
      const inner = events.subscribeToAll(options);
      const dropNow = drops < 2;
      async function* dropping() {
        let seen = 0;
        for await (const event of inner) {
          if (dropNow && seen++ === 15) {
            drops++;
            throw new Error('connection to the event store dropped');
          }
          yield event;
        }
      }
      const iterator = dropping();
      return { [Symbol.asyncIterator]: () => iterator, close: () => inner.close() };
    };
    const runner = await run(new CountingProjection(), { batchSize: 4 }, flaky);
    // Caught up on an empty log: what follows comes through the live subscription.
    await until(() => subscribed);
    const history = busyDesk(20);
    await append(events, history.events);
    await until(async () => runner.position === (await events.headPosition()));
    // After a drop the runner catches up by pages, which may read the rest before it subscribes again.
    expect(drops).toBeGreaterThanOrEqual(1);
    expect(runner.status().restarts).toBe(drops);
    expect(await counted(store)).toBe(history.events.filter((event) => runner.projection.eventTypes.has(event.type)).length);
  });

  it('rebuilds from zero when the projection’s version changes', async () => {
    const history = busyDesk(10);
    await append(events, history.events);
    const head = await events.headPosition();
    const v1 = await run(new CountingProjection(1));
    await until(() => v1.position === head);
    await v1.stop();
    const v2 = await run(new CountingProjection(2));
    expect(v2.position).toBe(0n);
    await until(() => v2.position === head);
    // The count table is not one of its tables, so it counts on: every event applied once more by the new version.
    expect(await counted(store)).toBe(2 * history.events.filter((event) => v2.projection.eventTypes.has(event.type)).length);
  });
});
