import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiChild } from '../support/api-child';
import { exited, freePort, until } from '../support/child-apps';
import { embeddedBackend, postgresBackend, type DeskBackend } from '../support/desk-backends';
import { describeSkipped } from '../support/describe-skipped';
import { changeCheckAt, type ChangeFollower } from './changes-support';
import { assign, expectEveryChangeOnce, follow, open, resolve, seed, startProjector } from './changes-children';

/**
 * The production shape of GET /changes: a projector process runs the projections, query-only API replicas
 * (RUN_PROJECTIONS=false) serve the streams and find the projector's commits by polling its checkpoint
 * (CHANGES_POLL_MS). A console follows one replica with a real EventSource client while commands go to another; the
 * followed replica restarts on its port while changes go on, and the client resumes with Last-Event-ID and misses
 * nothing. On PostgreSQL (events and read models, DATABASE_URL) and on the embedded folder.
 */
jest.setTimeout(180_000);

function describeReplicas(name: string, openBackend: (dataDir: string) => Promise<DeskBackend>): void {
  describe(`GET /changes of a query-only API replica beside a projector (${name})`, () => {
    let dataDir: string;
    let backend: DeskBackend;
    let projector: ReturnType<typeof startProjector> | undefined;
    let apis: ApiChild[] = [];
    let follower: ChangeFollower | undefined;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'desk-changes-replica-'));
      backend = await openBackend(dataDir);
    });
    afterAll(async () => {
      follower?.close();
      await Promise.all(apis.map((api) => api.kill()));
      if (projector) {
        projector.child.kill('SIGKILL');
        await exited(projector.child);
      }
      await backend?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('streams the projector’s commits on a replica, and after the replica restarts resumes with every change made while it was down', async () => {
      const replicaEnv = { ...backend.env, RUN_PROJECTIONS: 'false', CHANGES_POLL_MS: '100', SLA_WATCH_INTERVAL_MS: '3600000' };
      projector = startProjector(dataDir, backend.env);
      const port = await freePort();
      // `followed` is the replica the console follows; `writer` takes the commands, and stays up while `followed` restarts.
      let followed = await ApiChild.start(dataDir, replicaEnv, { port });
      const writer = await ApiChild.start(dataDir, replicaEnv);
      apis = [followed, writer];
      await seed(writer);
      await until(
        async () => {
          if (projector!.child.exitCode !== null) throw new Error(`the projector exited: ${projector!.stderr()}`);
          return (await backend.checkpoints()).has('request-summaries');
        },
        60_000,
        'the projector to build request-summaries',
      );
      follower = follow(followed, await changeCheckAt(followed.url));
      await follower.opened(20_000);
      const a = [await open(writer, 'a'), await assign(writer, 'a'), await resolve(writer, 'a')];
      expectEveryChangeOnce(await follower.received(3, 20_000), [
        [a[0], 'a', 'RequestOpened'],
        [a[1], 'a', 'RequestAssigned'],
        [a[2], 'a', 'RequestResolved'],
      ]);

      expect(await followed.stop()).toBe(0);
      const b = [await open(writer, 'b'), await assign(writer, 'b'), await resolve(writer, 'b')];
      followed = await ApiChild.start(dataDir, replicaEnv, { port });
      apis = [followed, writer];
      await follower.received(6, 30_000);
      const c = await open(writer, 'c');
      await follower.received(7, 20_000);
      await new Promise((wait) => setTimeout(wait, 500));
      expectEveryChangeOnce(follower.changes, [
        [a[0], 'a', 'RequestOpened'],
        [a[1], 'a', 'RequestAssigned'],
        [a[2], 'a', 'RequestResolved'],
        [b[0], 'b', 'RequestOpened'],
        [b[1], 'b', 'RequestAssigned'],
        [b[2], 'b', 'RequestResolved'],
        [c, 'c', 'RequestOpened'],
      ]);
      expect(follower.opens).toBe(2);
      expect(follower.lastEventIds.slice(1).every((id) => id === a[2].position)).toBe(true);
      expect(projector.child.exitCode).toBeNull();
    });
  });
}

describeReplicas('embedded stores', async (dataDir) => embeddedBackend(dataDir));
const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) describeReplicas('PostgreSQL events and read models', () => postgresBackend(databaseUrl));
else describeSkipped('GET /changes of a query-only API replica beside a projector (PostgreSQL)', 'DATABASE_URL is not set');
