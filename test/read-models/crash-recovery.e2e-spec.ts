import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type RecordedEvent } from '@desk/event-store';
import { allProjections, openSqlite } from '@desk/read-models';
import { DeskHistory } from '@desk/application/testing/desk-history';
import { dumpReadModels, project } from './support/read-model-backends';
import { bearer, operator } from '../support/callers';
import { exited, freePort, spawnApp, until } from '../support/child-apps';
import { embeddedBackend } from '../support/desk-backends';
import { readWholeLog } from '../support/shared-event-stores';

/** Every read model the projector builds: the spec waits for them all before comparing. */
const PROJECTIONS = allProjections().map((projection) => projection.name);

/** A few thousand requests with their lifecycles and impact links: enough for a catch-up of a few hundred transactions. */
function history(): DeskHistory {
  const desk = new DeskHistory()
    .department('it', 'IT', [{ priority: 'medium', audience: 'internal', firstResponseMinutes: 60, resolutionMinutes: 480 }])
    .department('shop', 'Shop', [{ priority: 'medium', audience: 'external', firstResponseMinutes: 30, resolutionMinutes: 240 }])
    .internalCustomer('rita', 'shop', true)
    .externalCustomer('olga')
    .externalCustomer('omar');
  for (let i = 0; i < 1500; i++) {
    const id = `r-${i}`;
    desk.open(id, i % 3 === 0 ? 'rita' : i % 3 === 1 ? 'olga' : 'omar', i % 3 === 0 ? 'it' : 'shop');
    if (i % 3 === 1) desk.link(`r-${i - 1}`, id);
    if (i % 2 === 0) desk.work(id);
    if (i % 4 === 0) desk.resolve(id);
    if (i % 8 === 0) desk.request(id, { type: 'CloseRequest', data: {} });
    desk.advance(3);
  }
  return desk;
}

function startProjector(dataDir: string, env: Record<string, string> = {}): ChildProcess {
  return spawnApp('projector', {
    DATA_DIR: dataDir,
    PROJECTION_BATCH_SIZE: '25',
    // The history is in the past: no SLA watch pass may add breaches while this runs.
    SLA_WATCH_INTERVAL_MS: '3600000',
    PROJECTOR_PORT: '0',
    ...env,
  });
}

const checkpoints = (dataDir: string) => embeddedBackend(dataDir).checkpoints();

describe('a projector killed in the middle of a catch-up', () => {
  let dataDir: string;
  let events: RecordedEvent[];
  let head: bigint;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-crash-'));
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    const streams = new Map<string, RecordedEvent[]>();
    for (const event of history().events) streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
    await Promise.all(
      [...streams].map(([streamId, list]) =>
        store.appendToStream(
          streamId,
          list.map(({ id, type, data, metadata }) => ({ id, type, data, metadata })),
        ),
      ),
    );
    events = await readWholeLog(store);
    head = await store.headPosition();
    await store.close();
  });

  afterAll(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes after SIGKILL, twice, and ends with read models identical to a fresh rebuild', async () => {
    const stderr: string[] = [];
    for (const share of [4n, 2n]) {
      const child = startProjector(dataDir);
      child.stderr!.on('data', (chunk) => stderr.push(String(chunk)));
      // Killed once request-summaries has passed 1/share of the log, before the end.
      await until(
        async () => ((await checkpoints(dataDir)).get('request-summaries') ?? 0n) >= head / share || child.exitCode !== null,
        60_000,
      );
      child.kill('SIGKILL');
      await exited(child);
      const reached = (await checkpoints(dataDir)).get('request-summaries') ?? 0n;
      expect([reached > 0n, reached < head]).toEqual([true, true]);
    }

    const last = startProjector(dataDir);
    last.stderr!.on('data', (chunk) => stderr.push(String(chunk)));
    await until(async () => {
      const reached = await checkpoints(dataDir);
      return PROJECTIONS.every((name) => reached.get(name) === head) || last.exitCode !== null;
    }, 60_000);
    last.kill('SIGTERM');
    expect(await exited(last)).toBe(0);
    expect(stderr.join('')).toBe('');
    const recovered = openSqlite(join(dataDir, 'read-models.sqlite'));
    const fresh = openSqlite(':memory:');
    try {
      await project(fresh, events);
      expect(await dumpReadModels(recovered)).toEqual(await dumpReadModels(fresh));
    } finally {
      await recovered.close();
      await fresh.close();
    }
  }, 120_000);
});

describe('the projector process', () => {
  it('serves metrics and health while it runs, and saves its checkpoints on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'desk-projector-'));
    const port = await freePort();
    const secret = 'projector-secret-that-is-long-enough-for-hs256';
    const child = startProjector(dataDir, { PROJECTOR_PORT: String(port), HOST: '127.0.0.1', AUTH_SECRET: secret });
    // /admin/projections is for operators, as on the API.
    const authorization = bearer(secret, operator);
    const out: string[] = [];
    child.stdout!.on('data', (chunk) => out.push(String(chunk)));
    try {
      await until(() => out.join('').includes('projector running') || child.exitCode !== null, 30_000);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        checks: { eventStore: 'ok', readModels: 'ok', projections: { 'impact-chain': 'running' } },
      });
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/desk_projection_lag\{projection="request-summaries",service="projector"\} 0/);
      const post = (path: string) =>
        fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { authorization } }).then((response) => response.status);
      expect(await post('/admin/projections/impact-chain/retry')).toBe(409);
      expect(await post('/admin/projections/nothing/skip')).toBe(404);
      expect(await post('/admin/projections/satisfaction-follow-up/rebuild')).toBe(409);
      expect(await post('/admin/projections/impact-chain/rebuild')).toBe(202);
      const status = (await (await fetch(`http://127.0.0.1:${port}/admin/projections`, { headers: { authorization } })).json()) as {
        projections: { name: string }[];
      };
      expect(status.projections.map((p: { name: string }) => p.name)).toEqual([
        ...allProjections().map((projection) => projection.name),
        'satisfaction-follow-up',
      ]);
      child.kill('SIGTERM');
      expect(await exited(child)).toBe(0);
      const lines = out
        .join('')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.at(-1)).toMatchObject({ level: 'info', service: 'projector', msg: 'projector stopped' });
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
