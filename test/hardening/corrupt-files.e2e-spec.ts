import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventStore, SqliteEventStore, StoreFileCorruptError } from '@desk/event-store';
import { createReadModelStore } from '@desk/read-models';
import { ApiChild, CHILD_SECRET } from '../support/api-child';
import { collect, exited, freePort, spawnApp } from '../support/child-apps';
import { seedOrganisation } from '../api/support/org';
import { agent, TestDesk } from '../api/support/test-desk';

/**
 * Issue 17, item 15: a damaged read-models.sqlite is named at start, moved aside (read models are disposable) and
 * built again from the log; a damaged events.sqlite is named and never touched, and the process does not start.
 */

const PROJECTIONS = ['request-summaries', 'impact-chain', 'directory', 'request-search', 'workload-facts'];

/** Two kinds of damage: a file that is not a database at all, and one whose header is fine but some pages are not. */
const DAMAGE = {
  garbage(file: string) {
    writeFileSync(file, Buffer.alloc(64 * 1024, 'not a database; '));
  },
  pages(file: string) {
    // Past the first page (the header and the schema), every other page overwritten: tables that cannot be read.
    const size = statSync(file).size;
    const fd = openSync(file, 'r+');
    try {
      for (let at = 8192; at < size; at += 8192) writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, at);
    } finally {
      closeSync(fd);
    }
  },
};

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** A desk on `dataDir` with a few requests, closed, its files checkpointed into the main database files. */
async function deskWithRequests(dataDir: string, ids: string[]): Promise<void> {
  const store = await createEventStore({ dataDir });
  const readModels = await createReadModelStore({ dataDir });
  const desk = await TestDesk.start({ store, readModels });
  await seedOrganisation(desk);
  let position = '0';
  for (const id of ids) {
    ({ position } = await desk.expect(201, 'POST', '/requests', {
      as: agent(),
      body: { id, requesterId: 'carl', departmentId: 'it', subject: `Request ${id}`, description: 'd'.repeat(3000), priority: 'high' },
    }));
  }
  expect(await desk.readSide.waitFor(PROJECTIONS, BigInt(position), 5000)).toBe(true);
  await desk.stop();
  await store.close();
}

describe.each(Object.keys(DAMAGE) as (keyof typeof DAMAGE)[])('a damaged read-models.sqlite (%s)', (damage) => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-corrupt-rm-'));
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is named at start, moved aside with a time in its name, and the read models are built again from the log', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `r-${i}`);
    await deskWithRequests(dataDir, ids);
    const file = join(dataDir, 'read-models.sqlite');
    DAMAGE[damage](file);
    const damaged = sha(file);

    const warnings: { msg: string; fields?: Record<string, unknown> }[] = [];
    const readModels = await createReadModelStore({ dataDir, log: { warn: (msg, fields) => warnings.push({ msg, fields }) } });
    expect(warnings).toEqual([
      {
        msg: expect.stringMatching(/read models in .*read-models\.sqlite are damaged: the file is moved aside and they are built again/),
        fields: {
          file,
          movedTo: expect.stringMatching(/read-models\.sqlite\.corrupt-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/),
          problem: expect.any(String),
        },
      },
    ]);
    const movedTo = warnings[0].fields!.movedTo as string;
    expect(sha(movedTo)).toBe(damaged);

    const store = await createEventStore({ dataDir });
    const desk = await TestDesk.start({ store, readModels });
    try {
      expect(await desk.readSide.waitFor(PROJECTIONS, await store.headPosition(), 10_000)).toBe(true);
      const queue = await desk.expect(200, 'GET', '/queues/it?limit=100', { as: agent() });
      expect(queue.items.map((item: { requestId: string }) => item.requestId).sort()).toEqual([...ids].sort());
    } finally {
      await desk.stop();
      await store.close();
    }
  }, 60_000);
});

describe.each(Object.keys(DAMAGE) as (keyof typeof DAMAGE)[])('a damaged events.sqlite (%s)', (damage) => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-corrupt-log-'));
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('is named as the damaged event log, and left exactly as it was', async () => {
    await deskWithRequests(
      dataDir,
      Array.from({ length: 12 }, (_, i) => `r-${i}`),
    );
    const file = join(dataDir, 'events.sqlite');
    DAMAGE[damage](file);
    const before = sha(file);
    const files = readdirSync(dataDir).sort();

    let failure: unknown;
    try {
      new SqliteEventStore(file);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(StoreFileCorruptError);
    expect((failure as Error).message).toMatch(/events\.sqlite \(the event log\) is damaged: /);
    expect(sha(file)).toBe(before);
    expect(readdirSync(dataDir).sort()).toEqual(files);
  }, 60_000);
});

describe('the API on a damaged events.sqlite', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-corrupt-api-'));
  });

  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('does not start: exit status 2, naming the file, which it leaves untouched', async () => {
    // A desk that ran, its log damaged afterwards.
    const api = await ApiChild.start(dataDir);
    api.process.kill('SIGTERM');
    await exited(api.process);
    const file = join(dataDir, 'events.sqlite');
    DAMAGE.garbage(file);
    const before = sha(file);

    const child = spawnApp('api', { PORT: String(await freePort()), HOST: '127.0.0.1', DATA_DIR: dataDir, AUTH_SECRET: CHILD_SECRET });
    const stderr = collect(child, 'stderr');
    expect(await exited(child)).toBe(2);
    expect(stderr()).toMatch(/start-up failed: .*events\.sqlite \(the event log\) is damaged: .*left untouched: restore it from a backup/);
    expect(stderr()).not.toMatch(/\n\s+at /);
    expect(sha(file)).toBe(before);
  }, 90_000);
});
