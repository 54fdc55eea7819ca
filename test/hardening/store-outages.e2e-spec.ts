import { sql } from 'kysely';
import { PostgresEventStore, type EventStore } from '@desk/event-store';
import { createReadModelStore, type ReadModelStore } from '@desk/read-models';
import { describeSkipped } from '../support/describe-skipped';
import { readWholeLog } from '../support/shared-event-stores';
import { seedOrganisation } from '../api/support/org';
import { agent, operator, requester, TestClock, TestDesk } from '../api/support/test-desk';
import { capSqliteFile, embeddedDeskIn, eventually, OwnDatabase, SmallDisk, stopEmbeddedDesk } from './store-outages-support';

/**
 * Issue 17, item 4 (and 11): a store that refuses writes (read-only, full) is an outage, not a poison event. The
 * projections and processes wait for it with back-off and go on by themselves once it takes writes again;
 * commands are answered 503 with Retry-After; a rebuild whose store is full fails as such and drops its copy.
 */

const PROJECTIONS = ['request-summaries', 'impact-chain', 'directory', 'request-search', 'workload-facts'];

type Status = { name: string; state: string; lastError: string | null; fault: unknown; restarts: number };

const statuses = (desk: TestDesk): Status[] => desk.readSide.statuses() as Status[];

function faulted(desk: TestDesk): Status[] {
  return statuses(desk).filter((status) => status.state === 'faulted');
}

async function openRequests(desk: TestDesk, ids: string[], description = ''): Promise<string> {
  let position = '0';
  for (const id of ids) {
    const answer = await desk.expect(201, 'POST', '/requests', {
      as: agent(),
      body: { id, requesterId: 'carl', departmentId: 'it', subject: `Request ${id}`, description, priority: 'high' },
    });
    position = answer.position;
  }
  return position;
}

async function queueIds(desk: TestDesk): Promise<string[]> {
  const page = await desk.expect(200, 'GET', '/queues/it?limit=200', { as: agent() });
  return page.items.map((item: { requestId: string }) => item.requestId).sort();
}

describe('read models whose store is full (embedded, SQLITE_FULL)', () => {
  let desk: TestDesk;

  beforeEach(async () => {
    desk = await TestDesk.start();
    await seedOrganisation(desk);
  });

  afterEach(async () => {
    await capSqliteFile(desk.readModels.writer, null).catch(() => undefined);
    await desk.stop();
  });

  it('keep the projections waiting, not faulted, while the store is full, and catch up by themselves once it has room', async () => {
    const before = await openRequests(desk, ['r-0']);
    expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(before), 5000)).toBe(true);
    await capSqliteFile(desk.readModels.writer, 0);

    // The event log has room: commands go on, their events wait for the read models.
    const ids = Array.from({ length: 20 }, (_, i) => `full-${i}`);
    const last = await openRequests(desk, ids, 'x'.repeat(3000));
    const waiting = await eventually(
      () => statuses(desk).find((status) => status.name === 'request-summaries')!,
      (status) => status.restarts > 0,
    );
    expect(waiting.state).toBe('catching_up');
    expect(waiting.lastError).toMatch(/read-model store is full \(no space left\).*SQLITE_FULL|database or disk is full/);
    expect(faulted(desk)).toEqual([]);
    const ready = await desk.call('GET', '/health/ready', { as: null });
    expect(ready.status).toBe(503);
    expect(ready.body.detail).toMatch(/the read-model store cannot take writes: it is full/);

    await capSqliteFile(desk.readModels.writer, null);
    expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(last), 20_000)).toBe(true);
    expect(faulted(desk)).toEqual([]);
    expect(await queueIds(desk)).toEqual(['r-0', ...ids].sort());
    const recovered = await eventually(
      () => desk.call('GET', '/health/ready', { as: null }),
      (answer) => answer.status === 200,
      40_000,
    );
    expect(recovered.status).toBe(200);
  }, 90_000);

  it('fail a rebuild that fills the store as failed, with SQLITE_FULL, and drop its copy at once; the live read model goes on', async () => {
    const last = await openRequests(
      desk,
      Array.from({ length: 60 }, (_, i) => `r-${i}`),
      'y'.repeat(6000),
    );
    expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(last), 5000)).toBe(true);
    // No free page left in the file, then room for the copy's tables (a few pages), not for what the search index is
    // to hold (360 KB of descriptions).
    await sql`vacuum`.execute(desk.readModels.writer);
    await capSqliteFile(desk.readModels.writer, 40);
    await desk.expect(202, 'POST', '/admin/projections/request-search/rebuild', { as: operator });
    await desk.readSide.rebuilt('request-search');

    const page = await desk.expect(200, 'GET', '/admin/projections', { as: operator });
    const summaries = page.projections.find((p: { name: string }) => p.name === 'request-search');
    expect(summaries.lastRebuild).toMatchObject({ outcome: 'failed', error: expect.stringMatching(/is full.*(SQLITE_FULL|disk is full)/) });
    expect(summaries.state).toBe('running');
    expect(summaries.fault).toBeNull();
    // Dropped now, not at the next start: no copy table, no copy checkpoint.
    const { rows } = await sql<{
      name: string;
    }>`select name from sqlite_master where type = 'table' and name like '%\\_\\_%' escape '\\'`.execute(desk.readModels.writer);
    expect(rows).toEqual([]);
    const copies = await desk.readModels.reader
      .selectFrom('projection_checkpoints')
      .select('name')
      .where('name', 'like', '%#rebuild:%')
      .execute();
    expect(copies).toEqual([]);

    await capSqliteFile(desk.readModels.writer, null);
    const more = await openRequests(desk, ['after']);
    expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(more), 5000)).toBe(true);
    expect(await queueIds(desk)).toContain('after');
  }, 60_000);
});

const disks = SmallDisk.available();
if (!disks) {
  describeSkipped('an embedded desk on a full disk', 'this process may not mount a tmpfs (not root?)');
} else {
  describe('an embedded desk on a full disk (a tmpfs of its own)', () => {
    let disk: SmallDisk;
    let started: Awaited<ReturnType<typeof embeddedDeskIn>>;
    let store: EventStore;
    let desk: TestDesk;

    beforeEach(async () => {
      disk = SmallDisk.tryMount(24)!;
      started = await embeddedDeskIn(disk.folder('data'));
      ({ store, desk } = started);
    });

    afterEach(async () => {
      disk.free();
      await stopEmbeddedDesk(started);
      disk.unmount();
    });

    it('answers commands 503 with Retry-After, saying the event store is full, and takes them again once there is room', async () => {
      const before = await openRequests(desk, ['r-0']);
      expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(before), 5000)).toBe(true);
      const logged = (await readWholeLog(store)).length;
      disk.fill();

      // The WAL may hold a few small commits in room it had: a big enough command meets the full disk.
      let refused = await desk.call('POST', '/requests', {
        as: agent(),
        body: { id: 'big-0', requesterId: 'carl', departmentId: 'it', subject: 'Big', description: 'z'.repeat(10_000), priority: 'high' },
      });
      for (let i = 1; refused.status === 201 && i < 200; i++) {
        refused = await desk.call('POST', '/requests', {
          as: agent(),
          body: {
            id: `big-${i}`,
            requesterId: 'carl',
            departmentId: 'it',
            subject: 'Big',
            description: 'z'.repeat(10_000),
            priority: 'high',
          },
        });
      }
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('15');
      expect(refused.body).toMatchObject({ title: 'Service unavailable', storeFailure: 'full' });
      expect(refused.body.detail).toMatch(/the event store is full \(no space left\); nothing was recorded/);
      const ready = await desk.call('GET', '/health/ready', { as: null });
      expect(ready.status).toBe(503);
      expect(ready.body.detail).toMatch(/the event store cannot take writes: it is full/);
      expect(faulted(desk)).toEqual([]);

      disk.free();
      const accepted = await eventually(
        () =>
          desk.call('POST', '/requests', {
            as: agent(),
            body: { id: 'after', requesterId: 'carl', departmentId: 'it', subject: 'After', priority: 'high' },
          }),
        (answer) => answer.status === 201,
      );
      expect(accepted.status).toBe(201);
      expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(accepted.body.position), 20_000)).toBe(true);
      expect(faulted(desk)).toEqual([]);
      expect((await readWholeLog(store)).length).toBeGreaterThan(logged);
      expect(
        (
          await eventually(
            () => desk.call('GET', '/health/ready', { as: null }),
            (a) => a.status === 200,
            40_000,
          )
        ).status,
      ).toBe(200);
    }, 90_000);
  });
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  describeSkipped('PostgreSQL that turns read-only', 'DATABASE_URL is not set');
} else {
  describe('PostgreSQL that turns read-only (a database of its own)', () => {
    let database: OwnDatabase;
    let desk: TestDesk | null = null;
    let store: EventStore | null = null;
    let readModels: ReadModelStore | null = null;

    beforeEach(async () => {
      database = await OwnDatabase.create(databaseUrl);
    });

    afterEach(async () => {
      await database.readOnly(false).catch(() => undefined);
      await desk?.stop().catch(() => undefined);
      await store?.close().catch(() => undefined);
      desk = null;
      store = null;
      readModels = null;
      await database.drop();
    });

    it('keeps the projections waiting for read models that refuse writes, not faulted, and they catch up by themselves after', async () => {
      readModels = await createReadModelStore({ dataDir: '', databaseUrl: database.url, schema: 'desk_read' });
      desk = await TestDesk.start({ readModels });
      await seedOrganisation(desk);
      const before = await openRequests(desk, ['r-0']);
      expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(before), 5000)).toBe(true);

      await database.readOnly(true);
      // The embedded log takes them; the read models cannot.
      const ids = ['ro-1', 'ro-2', 'ro-3'];
      const last = await openRequests(desk, ids);
      const waiting = await eventually(
        () => statuses(desk!).find((status) => status.name === 'request-summaries')!,
        (status) => /read-only/.test(status.lastError ?? ''),
      );
      expect(waiting.lastError).toMatch(/the read-model store refuses writes \(it is read-only\)/);
      expect(faulted(desk)).toEqual([]);
      // Reads still work: the queue answers, as it stood.
      expect(await queueIds(desk)).toEqual(['r-0']);
      const ready = await desk.call('GET', '/health/ready', { as: null });
      expect(ready.status).toBe(503);
      expect(ready.body.detail).toMatch(/the read-model store cannot take writes: it refuses writes \(it is read-only\)/);
      expect(ready.body.checks.eventStore).toBe('ok');

      await database.readOnly(false);
      expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(last), 30_000)).toBe(true);
      expect(faulted(desk)).toEqual([]);
      // The queue's answers are shared for READ_CACHE_MS: the one read during the outage may still be served a moment.
      const expected = ['r-0', ...ids].sort();
      expect(
        await eventually(
          () => queueIds(desk!),
          (queue) => queue.join() === expected.join(),
        ),
      ).toEqual(expected);
      expect(
        (
          await eventually(
            () => desk!.call('GET', '/health/ready', { as: null }),
            (a) => a.status === 200,
            40_000,
          )
        ).status,
      ).toBe(200);
    }, 90_000);

    it('answers commands 503 with Retry-After while the event store refuses writes; the follow-ups and the SLA watch go on after', async () => {
      store = await PostgresEventStore.connect({ connectionString: database.url, schema: 'desk_events' });
      const clock = new TestClock();
      desk = await TestDesk.start({ store, clock, env: { SLA_WATCH_INTERVAL_MS: '200' } });
      await seedOrganisation(desk);
      // High, internal, IT: first response due in 30 minutes. 'rated' is resolved and rated 1 during the outage's eve.
      await openRequests(desk, ['late', 'rated']);
      await desk.expect(200, 'POST', '/requests/rated/assign', { as: agent(), body: { agentId: agent().sub } });
      await desk.expect(200, 'POST', '/requests/rated/start', { as: agent() });
      const resolved = await desk.expect(200, 'POST', '/requests/rated/resolve', { as: agent(), body: { resolution: 'done' } });
      expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(resolved.position), 5000)).toBe(true);
      // The follow-up process is held back, so that it meets the rating while the store refuses writes.
      const followUps = desk.readSide.runner('satisfaction-follow-up')!;
      await followUps.stop();
      await desk.expect(200, 'POST', '/requests/rated/satisfaction', { as: requester('carl'), body: { score: 1, comment: 'no' } });

      await database.readOnly(true);
      const refused = await eventually(
        () => desk!.call('POST', '/departments', { body: { id: 'ops', name: 'Ops' } }),
        (answer) => answer.status === 503 && answer.body.storeFailure === 'read_only',
      );
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('15');
      expect(refused.body.detail).toMatch(/the event store refuses writes \(it is read-only\); nothing was recorded/);
      const ready = await desk.call('GET', '/health/ready', { as: null });
      expect(ready.status).toBe(503);
      expect(ready.body.detail).toMatch(/the event store cannot take writes: it refuses writes/);

      await followUps.start();
      const waiting = await eventually(
        () => followUps.status(),
        (status) => status.restarts > 0,
      );
      expect(waiting.state).not.toBe('faulted');
      expect(waiting.lastError).toMatch(/the event store refuses writes \(it is read-only\)/);
      // The SLA watch meets the read-only store on every pass meanwhile.
      clock.advanceMinutes(40);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect((await readWholeLog(store)).filter((event) => event.type === 'SlaBreached')).toEqual([]);
      expect(faulted(desk)).toEqual([]);

      await database.readOnly(false);
      const breaches = await eventually(
        async () => (await readWholeLog(store!)).filter((event) => event.type === 'SlaBreached').map((event) => event.streamId),
        (streams) => streams.includes('request-late'),
        30_000,
      );
      expect(breaches).toContain('request-late');
      const opened = await eventually(
        async () => (await readWholeLog(store!)).filter((event) => event.type === 'RequestOpened' && event.data.followUpOf === 'rated'),
        (events) => events.length === 1,
        30_000,
      );
      expect(opened).toHaveLength(1);
      expect(faulted(desk)).toEqual([]);
      expect(
        await eventually(
          () => followUps.status().state,
          (state) => state === 'running',
        ),
      ).toBe('running');
      expect((await desk.call('POST', '/departments', { body: { id: 'ops', name: 'Ops' } })).status).toBe(201);
    }, 120_000);
  });
}
