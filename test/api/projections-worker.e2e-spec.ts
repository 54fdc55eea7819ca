import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@desk/event-store';
import { DeskHistory } from '@desk/application/testing/desk-history';
import type { SlaTarget } from '@desk/domain';
import { ApiChild, CHILD_SECRET } from '../support/api-child';
import { bearer } from '../support/callers';
import { brokenRequestOpened } from '../support/poison-events';
import { until } from '../support/child-apps';
import { postgresBackend, type DeskBackend } from '../support/desk-backends';
import { describeSkipped } from '../support/describe-skipped';
import { readWholeLog } from '../support/shared-event-stores';
import { AGENT, assign, open, seed } from './changes-children';

/**
 * The embedded default as `npm start` runs it: the API process runs the projections, the SLA watch and the
 * follow-up on a worker thread (PROJECTIONS_IN unset), and its request loop serves as a query-only replica would.
 * Reads see a command's position at once, the operations surface reports and acts on the worker's projections, the
 * SLA watch appends its breaches from there, and SIGTERM stops the worker after its batches, checkpoints saved.
 */
jest.setTimeout(120_000);

interface ProjectionsPage {
  head: string;
  projections: { name: string; state: string; checkpoint: string; lag: string; lastRebuild?: { outcome: string } | null }[];
}

/** Commands and, at once, reads naming their positions (by minPosition, by X-Min-Position): each sees its command. */
async function readsSeeTheirWrites(api: ApiChild, prefix: string): Promise<void> {
  for (let n = 0; n < 20; n++) {
    const id = `${prefix}-${n}`;
    const opened = await open(api, id);
    const page = await api.get<{ items: { requestId: string }[] }>(
      `/requests?departmentId=it&minPosition=${opened.position}&limit=100`,
      AGENT,
    );
    expect(page.status).toBe(200);
    expect(page.body.items.map((row) => row.requestId)).toContain(id);
    const assigned = await assign(api, id);
    const response = await fetch(`${api.url}/requests/${id}`, {
      headers: { authorization: bearer(CHILD_SECRET, AGENT), 'x-min-position': assigned.position },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { status: string }).status).toBe('assigned');
  }
}

/** The operator's page: every projection the worker's, running at the head of the log; a rebuild there swaps in. */
async function rebuildsOnTheWorker(api: ApiChild): Promise<void> {
  await api.settled();
  const { body: page } = await api.get<ProjectionsPage>('/admin/projections');
  expect(page.projections.map((projection) => [projection.name, projection.state, projection.lag])).toEqual(
    page.projections.map((projection) => [projection.name, 'running', '0']),
  );
  expect(page.projections.map((projection) => projection.name)).toEqual(
    expect.arrayContaining(['request-summaries', 'impact-chain', 'satisfaction-follow-up']),
  );
  const rebuild = await api.post('/admin/projections/request-summaries/rebuild');
  expect(rebuild.status).toBe(202);
  expect(rebuild.body).toMatchObject({ name: 'request-summaries' });
  // Commands go on during the rebuild, and the read models answer them.
  const during = await open(api, 'during-rebuild');
  await until(
    async () => {
      const { body } = await api.get<ProjectionsPage>('/admin/projections');
      return body.projections.find((projection) => projection.name === 'request-summaries')?.lastRebuild?.outcome === 'swapped';
    },
    60_000,
    'the rebuild of request-summaries to swap in',
  );
  const after = await api.get<{ items: { requestId: string }[] }>(
    `/requests?departmentId=it&minPosition=${during.position}&limit=100`,
    AGENT,
  );
  expect(after.body.items.map((row) => row.requestId)).toContain('during-rebuild');
}

describe('the API with its projections on a worker thread (the embedded default)', () => {
  let dataDir: string;
  let api: ApiChild;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'desk-projections-worker-'));
    api = await ApiChild.start(dataDir, { SLA_WATCH_INTERVAL_MS: '100', LOG_LEVEL: 'info' });
    await seed(api);
  });
  afterAll(async () => {
    if (api.process.exitCode === null && api.process.signalCode === null) await api.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs them on a worker thread, not in the request loop', () => {
    expect(api.log()).toContain('"msg":"projections running on a worker thread"');
    expect(api.log()).toContain('"projections":"on a worker thread"');
  });

  it('answers a read with the position a command answered, every time, by minPosition and by X-Min-Position', async () => {
    await readsSeeTheirWrites(api, 'ryw');
  });

  it('shows the worker’s projections in /admin/projections, /health/ready and /metrics, and takes rebuild, retry and skip there', async () => {
    await api.settled();
    const { body: page } = await api.get<ProjectionsPage>('/admin/projections');
    const ready = await api.get<{ checks: { projections: Record<string, string> } }>('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.projections['request-summaries']).toBe('running');
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/desk_projection_state\{projection="request-summaries",state="running",service="api"\} 1\n/);
    expect(metrics).toMatch(/desk_projection_lag\{projection="request-summaries",service="api"\} 0\n/);
    expect(metrics).toContain(`desk_projection_checkpoint{projection="request-summaries",service="api"} ${page.head}\n`);

    // Retry and skip reach the worker's runners: they are not faulted, which only the runner itself knows.
    const retry = await api.post('/admin/projections/request-summaries/retry');
    expect(retry.status).toBe(409);
    expect(JSON.stringify(retry.body)).toContain('request-summaries is running, not faulted');
    expect((await api.post('/admin/projections/impact-chain/skip')).status).toBe(409);
    expect((await api.post('/admin/projections/no-such-projection/rebuild')).status).toBe(404);
    expect((await api.post('/admin/projections/satisfaction-follow-up/rebuild')).status).toBe(409);

    await rebuildsOnTheWorker(api);
    const all = await api.get<{ items: { requestId: string }[] }>('/requests?departmentId=it&limit=100', AGENT);
    expect(all.body.items.map((row) => row.requestId)).toEqual(expect.arrayContaining(['ryw-0', 'ryw-19', 'during-rebuild']));
  });

  it('shows a projection the worker’s runner faulted on a poison event, and skips it there', async () => {
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    let poison: bigint;
    try {
      poison = (await store.appendToStream('request-broken', [brokenRequestOpened()])).position;
    } finally {
      await store.close();
    }
    const projections = async () =>
      (await api.get<{ projections: { name: string; state: string; fault: { position: string } | null }[] }>('/admin/projections')).body
        .projections;
    const summaries = async () => (await projections()).find((projection) => projection.name === 'request-summaries')!;
    await until(async () => (await summaries()).state === 'faulted', 20_000, 'request-summaries to fault on the poison event');
    expect((await summaries()).fault?.position).toBe(String(poison));
    const ready = await api.get<{ checks: { projections: Record<string, string> } }>('/health/ready');
    expect(ready.body.checks.projections['request-summaries']).toBe('faulted');
    // A scrape's rendering answers the scrapes of the next second (METRICS_CACHE_MS).
    await until(
      async () =>
        /desk_projection_state\{projection="request-summaries",state="faulted",service="api"\} 1\n/.test(
          await (await fetch(`${api.url}/metrics`)).text(),
        ),
      5_000,
      '/metrics to show request-summaries faulted',
    );

    // Every read model that reads the event faulted on it: each is skipped past it.
    const faulted = (await projections()).filter((projection) => projection.fault !== null).map((projection) => projection.name);
    expect(faulted).toContain('request-summaries');
    for (const name of faulted) {
      const skipped = await api.post(`/admin/projections/${name}/skip`);
      expect(skipped.status).toBe(200);
      expect(skipped.body).toMatchObject({ name, skipped: [{ position: String(poison) }] });
    }
    await until(
      async () => (await projections()).every((projection) => projection.state === 'running'),
      20_000,
      'every projection to run again',
    );
    // Reads that wait for a position past the poison event are answered again.
    const after = await open(api, 'after-poison');
    const page = await api.get<{ items: { requestId: string }[] }>(
      `/requests?departmentId=it&minPosition=${after.position}&limit=100`,
      AGENT,
    );
    expect(page.status).toBe(200);
    expect(page.body.items.map((row) => row.requestId)).toContain('after-poison');
  });

  it('appends the SLA watch’s breaches from the worker', async () => {
    const targets: SlaTarget[] = [{ priority: 'high', audience: 'internal', firstResponseMinutes: 30, resolutionMinutes: 240 }];
    // Opened a day ago, into a department whose standard says 30 minutes: past due now, wall-clock time.
    const history = new DeskHistory(new Date(Date.now() - 24 * 3600_000).toISOString())
      .department('late', 'Late', targets)
      .internalCustomer('lou', 'late')
      .open('overdue', 'lou', 'late', { priority: 'high' });
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    try {
      for (const event of history.events) {
        const { id, type, data, metadata } = event;
        await store.appendToStream(event.streamId, [{ id, type, data, metadata }], {
          expectedRevision: event.revision === 0n ? 'no_stream' : event.revision - 1n,
        });
      }
      const breaches = async () =>
        (await readWholeLog(store))
          .filter((event) => event.type === 'SlaBreached' && event.streamId === 'request-overdue')
          .map((event) => event.data.target)
          .sort();
      await until(async () => (await breaches()).length >= 2, 30_000, 'the SLA watch to record both breaches');
      // Several passes later, still one of each.
      await new Promise((wait) => setTimeout(wait, 500));
      expect(await breaches()).toEqual(['first_response', 'resolution']);
      // Counted in the API's metrics, as the commands of processes in its loop are.
      await until(
        async () =>
          /desk_commands_total\{command="RecordSlaBreach",outcome="accepted",service="api"\} 2\n/.test(
            await (await fetch(`${api.url}/metrics`)).text(),
          ),
        5_000,
        '/metrics to count the two RecordSlaBreach commands',
      );
    } finally {
      await store.close();
    }
  });

  it('stops the worker on SIGTERM after its batches, every checkpoint saved at the head of the log', async () => {
    const last = await open(api, 'last-before-stop');
    const page = await api.get<{ items: { requestId: string }[] }>(
      `/requests?departmentId=it&minPosition=${last.position}&limit=100`,
      AGENT,
    );
    expect(page.body.items.map((row) => row.requestId)).toContain('last-before-stop');
    expect(await api.stop('SIGTERM')).toBe(0);
    const stopped = api
      .log()
      .split('\n')
      .filter((line) => line.includes('"msg":"service desk stopped"'))
      .map((line) => JSON.parse(line) as { checkpoints: { name: string; checkpoint: string }[] });
    expect(stopped).toHaveLength(1);
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    try {
      const head = String(await store.headPosition());
      const saved = Object.fromEntries(stopped[0].checkpoints.map(({ name, checkpoint }) => [name, checkpoint]));
      expect(saved['request-summaries']).toBe(head);
      expect(saved['satisfaction-follow-up']).toBe(head);
    } finally {
      await store.close();
    }
  });
});

function describeOnPostgres(databaseUrl: string): void {
  describe('the API with its projections on a worker thread, PostgreSQL events and read models', () => {
    let dataDir: string;
    let backend: DeskBackend;
    let api: ApiChild;

    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'desk-projections-worker-pg-'));
      backend = await postgresBackend(databaseUrl);
      api = await ApiChild.start(dataDir, { ...backend.env, SLA_WATCH_INTERVAL_MS: '3600000' });
      await seed(api);
    });
    afterAll(async () => {
      if (api && api.process.exitCode === null && api.process.signalCode === null) await api.kill();
      await backend?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('answers reads with the positions of commands just made, rebuilds on the worker, and stops cleanly', async () => {
      await readsSeeTheirWrites(api, 'pg');
      await rebuildsOnTheWorker(api);
      expect(await api.stop('SIGTERM')).toBe(0);
      const checkpoints = await backend.checkpoints();
      const events = await backend.openEvents();
      try {
        expect(checkpoints.get('request-summaries')).toBe(await events.headPosition());
      } finally {
        await events.close();
      }
    });
  });
}

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) describeOnPostgres(databaseUrl);
else describeSkipped('the API with its projections on a worker thread, PostgreSQL events and read models', 'DATABASE_URL is not set');
