import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiChild } from '../support/api-child';
import { freePort } from '../support/child-apps';
import { embeddedBackend, postgresBackend, type DeskBackend } from '../support/desk-backends';
import { describeSkipped } from '../support/describe-skipped';
import { changeCheckAt, waitUntil, type ChangeFollower } from './changes-support';
import { assign, expectEveryChangeOnce, follow, open, resolve, seed } from './changes-children';

/**
 * A console following GET /changes of a real API process (one process that runs the projections, on the embedded
 * desk or on PostgreSQL events and read models) with a real EventSource client, across restarts of that process on
 * the same stores and port: the client reconnects by itself with Last-Event-ID and receives every change it missed,
 * none twice.
 */
jest.setTimeout(180_000);

function describeRestarts(name: string, openBackend: (dataDir: string) => Promise<DeskBackend>): void {
describe(`GET /changes across restarts of an API process (${name})`, () => {
  let dataDir: string;
  let backend: DeskBackend | undefined;
  let api: ApiChild | undefined;
  let follower: ChangeFollower | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-changes-restart-'));
    backend = await openBackend(dataDir);
  });
  afterAll(async () => {
    follower?.close();
    await api?.kill();
    await backend?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('sees an open, an assign and a resolve in order; after each restart on the same data and port it resumes by itself and misses nothing', async () => {
    const env = { ...backend!.env, CHANGES_KEEP_ALIVE_MS: '1000' };
    const port = await freePort();
    api = await ApiChild.start(dataDir, env, { port });
    await seed(api);
    follower = follow(api, await changeCheckAt(api.url));
    await follower.opened();
    const a = [await open(api, 'a'), await assign(api, 'a'), await resolve(api, 'a')];
    expectEveryChangeOnce(await follower.received(3), [
      [a[0], 'a', 'RequestOpened'],
      [a[1], 'a', 'RequestAssigned'],
      [a[2], 'a', 'RequestResolved'],
    ]);

    // The API stops (its streams end) while the client's network is down too; it comes back on the same port and
    // changes are made before the client can reconnect.
    follower.hold();
    expect(await api.stop()).toBe(0);
    api = await ApiChild.start(dataDir, env, { port });
    const b = [await open(api, 'b'), await assign(api, 'b')];
    follower.release();
    await waitUntil(() => follower!.opens === 2, 20_000, 'the client to reconnect');
    await follower.received(5);
    const c = await resolve(api, 'b');
    await follower.received(6);
    expect(follower.lastEventIds).toEqual([undefined, a[2].position]);

    // Stopped again with the client's network up: it retries while the port is closed and reconnects by itself.
    expect(await api.stop()).toBe(0);
    api = await ApiChild.start(dataDir, env, { port });
    const d = await open(api, 'd');
    await follower.received(7, 20_000);
    await new Promise((wait) => setTimeout(wait, 500));
    expectEveryChangeOnce(follower.changes, [
      [a[0], 'a', 'RequestOpened'],
      [a[1], 'a', 'RequestAssigned'],
      [a[2], 'a', 'RequestResolved'],
      [b[0], 'b', 'RequestOpened'],
      [b[1], 'b', 'RequestAssigned'],
      [c, 'b', 'RequestResolved'],
      [d, 'd', 'RequestOpened'],
    ]);
    expect(follower.opens).toBe(3);
    // Every connection after the first resumed after the last change received before it.
    const resumedAfter = follower.lastEventIds.slice(1);
    expect(resumedAfter[0]).toBe(a[2].position);
    expect(resumedAfter.slice(1).every((id) => id === c.position)).toBe(true);
  });
});
}

describeRestarts('embedded stores', async (dataDir) => embeddedBackend(dataDir));
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) describeRestarts('PostgreSQL events and read models', () => postgresBackend(databaseUrl));
else describeSkipped('GET /changes across restarts of an API process (PostgreSQL)', 'DATABASE_URL is not set');
