import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, PostgresEventStore, SqliteEventStore, type EventStore } from '@desk/event-store';
import { createReadModelStore, type ReadModelStore } from '@desk/read-models';
import { describeSkipped } from '../support/describe-skipped';
import { readWholeLog } from '../support/shared-event-stores';
import { seedOrganisation } from '../api/support/org';
import { TestDesk } from '../api/support/test-desk';
import { eventually, OwnDatabase, SmallDisk } from './store-outages-support';

/**
 * Issue 17, item 12: /health/ready turns 503, with the reason, when the desk cannot write (its disk full or
 * read-only, the event store read-only or hanging), without a write of its own per probe.
 */

async function ready(desk: TestDesk): Promise<{ status: number; detail?: string; checks?: Record<string, unknown> }> {
  const answer = await desk.call('GET', '/health/ready', { as: null });
  return { status: answer.status, detail: answer.body.detail, checks: answer.body.checks };
}

const disks = SmallDisk.available();
if (!disks) {
  describeSkipped('readiness of an embedded desk whose disk is full', 'this process may not mount a tmpfs (not root?)');
} else {
  describe('readiness of an embedded desk whose disk is full (a tmpfs of its own)', () => {
    let disk: SmallDisk;
    let store: SqliteEventStore;
    let readModels: ReadModelStore;
    let desk: TestDesk;

    beforeEach(async () => {
      disk = SmallDisk.tryMount(16)!;
      const dataDir = disk.folder('data');
      store = (await createEventStore({ dataDir })) as SqliteEventStore;
      readModels = await createReadModelStore({ dataDir });
      desk = await TestDesk.start({ store, readModels });
      await seedOrganisation(desk);
    });

    afterEach(async () => {
      disk.free();
      await desk.stop().catch(() => undefined);
      await store.close().catch(() => undefined);
      disk.unmount();
    });

    it('is not ready while the disk is full, before any write meets it, and is again once there is room', async () => {
      expect((await ready(desk)).status).toBe(200);
      disk.fill();
      const full = await ready(desk);
      expect(full.status).toBe(503);
      expect(full.detail).toMatch(/the event store cannot take writes: it is full \(no space left\): \d+ bytes left/);
      expect(full.checks?.readModels).toMatch(/cannot take writes: it is full/);
      disk.free();
      expect((await ready(desk)).status).toBe(200);
    });

    it('writes nothing to look: a hundred probes leave the log and its commits as they were', async () => {
      const events = (await readWholeLog(store)).length;
      const commits = store.commitCount;
      for (let i = 0; i < 100; i++) expect((await ready(desk)).status).toBe(200);
      expect((await readWholeLog(store)).length).toBe(events);
      expect(store.commitCount).toBe(commits);
    });
  });
}

describe('readiness of a desk whose event store hangs', () => {
  it('answers 503 within the probe deadline, naming the event store, instead of hanging with it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-hang-'));
    const real = await createEventStore({ dataDir });
    const hanging: EventStore = { ...bound(real), ping: () => new Promise<void>(() => undefined) };
    const desk = await TestDesk.start({ store: hanging });
    try {
      const started = Date.now();
      const answer = await ready(desk);
      expect(answer.status).toBe(503);
      expect(answer.detail).toMatch(/the event store does not answer within 2000 ms/);
      expect(answer.checks?.readModels).toBe('ok');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await desk.stop();
      await real.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

/** The store's methods bound to it, so that a spread copy with one replaced still works. */
function bound(store: EventStore): EventStore {
  return {
    appendToStream: (...args) => store.appendToStream(...args),
    readStream: (...args) => store.readStream(...args),
    readAll: (...args) => store.readAll(...args),
    subscribeToAll: (...args) => store.subscribeToAll(...args),
    headPosition: () => store.headPosition(),
    ping: () => store.ping(),
    writeCheck: store.writeCheck ? () => store.writeCheck!() : undefined,
    close: () => store.close(),
  };
}

/** A TCP relay that can stop passing bytes (in both directions, old connections and new), as a server that hangs. */
class PausableRelay {
  private paused = false;
  private readonly sockets = new Set<Socket>();
  private constructor(private readonly server: Server) {}

  static async to(host: string, port: number): Promise<PausableRelay> {
    const relay: PausableRelay = new PausableRelay(
      createServer((client) => {
        const upstream = new Socket();
        upstream.connect(port, host);
        for (const socket of [client, upstream]) {
          relay.sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => relay.sockets.delete(socket));
          if (relay.paused) socket.pause();
        }
        client.pipe(upstream).pipe(client);
      }),
    );
    await new Promise<void>((resolve) => relay.server.listen(0, '127.0.0.1', resolve));
    return relay;
  }

  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  pause(paused: boolean): void {
    this.paused = paused;
    for (const socket of this.sockets)
      if (paused) socket.pause();
      else socket.resume();
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  describeSkipped('readiness of a desk on PostgreSQL that hangs or turns read-only', 'DATABASE_URL is not set');
} else {
  describe('readiness of a desk on PostgreSQL that hangs or turns read-only (a database of its own)', () => {
    let database: OwnDatabase;

    beforeEach(async () => {
      database = await OwnDatabase.create(databaseUrl, 'desk_ready');
    });

    afterEach(async () => {
      await database.readOnly(false).catch(() => undefined);
      await database.drop();
    });

    it('is not ready once PostgreSQL is read-only, before any command meets it, and ready again after', async () => {
      const store = await PostgresEventStore.connect({ connectionString: database.url, schema: 'desk_events' });
      const readModels = await createReadModelStore({ dataDir: '', databaseUrl: database.url, schema: 'desk_read' });
      const desk = await TestDesk.start({ store, readModels });
      try {
        await seedOrganisation(desk);
        expect((await ready(desk)).status).toBe(200);
        await database.readOnly(true);
        const readOnly = await eventually(
          () => ready(desk),
          (answer) =>
            answer.status === 503 &&
            /read-only/.test(String(answer.checks?.eventStore)) &&
            /read-only/.test(String(answer.checks?.readModels)),
        );
        expect(readOnly.status).toBe(503);
        expect(readOnly.detail).toMatch(
          /the event store cannot take writes: it refuses writes \(it is read-only\): PostgreSQL sessions are read-only/,
        );
        expect(readOnly.checks?.readModels).toMatch(/cannot take writes: it refuses writes/);
        await database.readOnly(false);
        expect(
          (
            await eventually(
              () => ready(desk),
              (answer) => answer.status === 200,
            )
          ).status,
        ).toBe(200);
      } finally {
        await desk.stop();
        await store.close();
      }
    }, 60_000);

    it('answers 503 within the probe deadline while PostgreSQL hangs, and 200 once it answers again', async () => {
      const url = new URL(database.url);
      const relay = await PausableRelay.to(url.hostname, Number(url.port || 5432));
      url.hostname = '127.0.0.1';
      url.port = String(relay.port);
      const store = await PostgresEventStore.connect({ connectionString: url.toString(), schema: 'desk_events' });
      const desk = await TestDesk.start({ store });
      try {
        await seedOrganisation(desk);
        expect((await ready(desk)).status).toBe(200);
        relay.pause(true);
        const started = Date.now();
        const hanging = await ready(desk);
        expect(hanging.status).toBe(503);
        expect(hanging.detail).toMatch(/the event store does not answer within 2000 ms/);
        expect(hanging.checks?.readModels).toBe('ok');
        expect(Date.now() - started).toBeLessThan(5000);
        relay.pause(false);
        expect(
          (
            await eventually(
              () => ready(desk),
              (answer) => answer.status === 200,
            )
          ).status,
        ).toBe(200);
      } finally {
        relay.pause(false);
        await desk.stop();
        await store.close();
        await relay.close();
      }
    }, 60_000);
  });
}
