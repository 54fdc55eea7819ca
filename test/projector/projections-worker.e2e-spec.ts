import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { createEventStore, type EventStore } from '@desk/event-store';
import { createReadModelStore, EMBEDDED_READER_DEFAULTS, type ReadModelStore } from '@desk/read-models';
import { createCommandSide, ProjectionActionRefusedError, ProjectionsWorker, ReadSide, systemClock, type Log } from '@desk/application';
import { DeskHistory } from '@desk/application/testing/desk-history';
import { until } from '../support/child-apps';

/**
 * The host of the projections' worker thread, in this process as the API runs it: a worker that ends (here
 * terminate(), which the host sees as it sees a crash: an exit with code 1) is logged, its projections show as
 * stopped and refuse actions until the next one runs, and it is started again with a back-off that doubles while
 * workers die young; nothing is lost meanwhile, and the next worker goes on from the checkpoints.
 */
jest.setTimeout(120_000);

interface Logged {
  level: string;
  msg: string;
  fields?: Record<string, unknown>;
}

describe('the projections worker', () => {
  let dataDir: string;
  let eventStore: EventStore;
  let readModels: ReadModelStore;
  let host: ProjectionsWorker;
  let readSide: ReadSide;
  const logged: Logged[] = [];
  const log: Log = {
    debug: () => undefined,
    info: (msg, fields) => logged.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => logged.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => logged.push({ level: 'error', msg, fields }),
  };
  const history = new DeskHistory(new Date().toISOString()).department('it', 'IT').internalCustomer('rita', 'it');
  let appended = 0;

  /** Appends what the history holds beyond what was appended, as the API's commands do; the last position. */
  async function appendHistory(store: EventStore): Promise<bigint> {
    let last = 0n;
    for (const event of history.events.slice(appended)) {
      const { id, type, data, metadata } = event;
      last = (
        await store.appendToStream(event.streamId, [{ id, type, data, metadata }], {
          expectedRevision: event.revision === 0n ? 'no_stream' : event.revision - 1n,
        })
      ).position;
    }
    appended = history.events.length;
    return last;
  }

  const kill = () => (host as unknown as { worker: Worker }).worker.terminate();
  const states = () => readSide.statuses().map((status) => status.state);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-projections-worker-host-'));
    eventStore = await createEventStore({ dataDir, eventStoreUrl: undefined });
    readModels = await createReadModelStore({ dataDir, databaseUrl: undefined, embeddedReader: EMBEDDED_READER_DEFAULTS });
    host = await ProjectionsWorker.start({
      env: {
        DATA_DIR: dataDir,
        AUTH_SECRET: 'projections-worker-secret-long-enough-for-hs256',
        LOG_LEVEL: 'warn',
        SLA_WATCH_INTERVAL_MS: '3600000',
      },
      log,
      minBackoffMs: 300,
    });
    const store = host.tellingAppends(eventStore);
    const commands = createCommandSide(store, systemClock);
    readSide = await ReadSide.start(
      { eventStore: store, readModels, clock: systemClock, commands: commands.requests, repository: commands.repository },
      { runProjections: false, offLoop: host, slaWatchIntervalMs: 3_600_000 },
    );
  });
  afterAll(async () => {
    await readSide?.stop();
    await eventStore?.close();
    await readModels?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is started again with back-off when it ends, logged, and its successor goes on from the checkpoints', async () => {
    history.open('r-1', 'rita', 'it');
    const first = await appendHistory(eventStore);
    expect(await readSide.waitFor(['request-summaries', 'directory'], first, 20_000)).toBe(true);
    const firstThread = host.threadId;

    await kill();
    await until(() => states().every((state) => state === 'stopped'), 5_000, 'the projections to show as stopped');
    expect(readSide.statuses()[0].lastError).toMatch(/the projections' worker ended \(exit code 1\); it is started again in 300 ms/);
    await expect(readSide.rebuild('request-summaries')).rejects.toThrow(ProjectionActionRefusedError);
    // Commands go on while no worker runs; reads waiting for them are answered once the next worker has them.
    history.open('r-2', 'rita', 'it');
    const whileDown = await appendHistory(eventStore);
    expect(await readSide.waitFor(['request-summaries'], whileDown, 20_000)).toBe(true);
    expect(host.threadId).not.toBeNull();
    expect(host.threadId).not.toBe(firstThread);
    // States are told every 200 ms; checkpoints at each commit.
    await until(() => states().every((state) => state === 'running'), 5_000, 'the projections to run again');
    const rows = await readModels.reader.selectFrom('request_summaries').select('request_id').orderBy('request_id').execute();
    expect(rows.map((row) => row.request_id)).toEqual(['r-1', 'r-2']);

    // It died young: the next back-off is twice as long.
    await kill();
    await until(() => host.threadId !== null && states().every((state) => state === 'running'), 20_000, 'a third worker');
    const ended = logged.filter((line) => line.msg === "the projections' worker ended: it is started again");
    expect(ended.map((line) => [line.level, line.fields?.error, line.fields?.restartInMs, line.fields?.restarts])).toEqual([
      ['error', 'exit code 1', 300, 1],
      ['error', 'exit code 1', 600, 2],
    ]);
    expect(host.restartCount).toBe(2);
  });

  it('stops after the batches in flight, every checkpoint saved', async () => {
    history.open('r-3', 'rita', 'it');
    const last = await appendHistory(eventStore);
    expect(await readSide.waitFor(['request-summaries'], last, 20_000)).toBe(true);
    await readSide.stop();
    expect(host.threadId).toBeNull();
    const checkpoints = await readSide.checkpoints(readSide.projectionNames);
    expect(checkpoints.get('request-summaries')).toBe(last);
    // Stopped by its owner, it is not started again.
    await new Promise((wait) => setTimeout(wait, 700));
    expect(host.threadId).toBeNull();
  });
});
