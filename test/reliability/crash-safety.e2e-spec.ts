import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seededRandom } from '../../bench/support/seeded-random';
import { collect, exited, spawnApp, until } from '../support/child-apps';
import { ApiChild, CHILD_SECRET } from '../support/api-child';
import { LifecycleWorkload, httpClient } from './support/lifecycle-workload';
import { auditFollowUps, auditLog, readModelsAgainstFreshBuild } from './support/log-audit';
import { embeddedBackend, postgresBackend, type DeskBackend } from '../support/desk-backends';
import { readWholeLog } from '../support/shared-event-stores';
import type { RecordedEvent } from '@desk/event-store';
import { describeSkipped } from '../support/describe-skipped';

/**
 * The API process killed with SIGKILL at seeded random moments while clients stream request
 * lifecycles at it, while it rebuilds its read models beside the live ones, and while an import
 * writes to the same event store from another process. After every restart:
 * - every command that was acknowledged is in the log exactly once, as its answer said;
 * - a command whose answer was lost is either wholly in the log or not at all, and sending it again
 *   with its Idempotency-Key lands it exactly once;
 * - the read models equal a fresh build from the log, and a poor rating has exactly one follow-up;
 * - an import killed any number of times ends with the events a single clean import gives.
 * RELIABILITY_SEED reproduces a run, RELIABILITY_SCALE runs more iterations.
 */
const SEED = Number(process.env.RELIABILITY_SEED ?? 20261124);
const SCALE = Number(process.env.RELIABILITY_SCALE ?? 1);
const CLIENTS = 6;
const VOLVO = '/work/shared/data/bpi2013/volvo-it-incidents.csv';
const ROWS_PER_IMPORT = 1000;
const SCENARIOS = ['commands', 'rebuild', 'import'] as const;
const API_ENV = {
  // Small batches: a rebuild or a catch-up is many transactions, so kills land between and inside them.
  PROJECTION_BATCH_SIZE: '100',
  // The log must not grow behind the audit's back: no SLA watch pass (nothing is due anyway).
  SLA_WATCH_INTERVAL_MS: '3600000',
  READ_CACHE_MS: '0',
};

/** What the audits read of GET /admin/projections. */
interface ProjectionsAnswer {
  head: string;
  projections: { rebuild?: unknown }[];
}

interface Figures {
  kills: number;
  acknowledged: number;
  /** Commands whose answer the crash took: sent again after the restart. */
  unansweredAtKill: number;
  /** …of which the log already held (their first answer was lost, not their effect). */
  unansweredButWritten: number;
  killedMidRebuild: number;
  killedMidImport: number;
  events: number;
}

function importer(
  dataDir: string,
  file: string,
  env: Record<string, string>,
): { child: ChildProcess; started: Promise<void>; stderr: () => string } {
  const child = spawnApp('cli', { DATA_DIR: dataDir, ...env }, [
    'import',
    '--file',
    file,
    '--mapping',
    'mappings/volvo-it-incidents.json',
    '--report',
    `${file}.rejected.csv`,
    // A run after a kill writes its report anew over the killed run's.
    '--force',
  ]);
  const stderr = collect(child, 'stderr');
  child.stdout!.resume();
  // The first progress line: the importer has opened the store and is appending.
  const started = until(() => /\d+%/.test(stderr()) || child.exitCode !== null, 60_000, 'the import to start');
  return { child, started, stderr };
}

async function importToTheEnd(dataDir: string, file: string, env: Record<string, string>): Promise<string> {
  const run = importer(dataDir, file, env);
  const status = await exited(run.child);
  // 1: some rows were rejected, and listed: the Volvo log has such rows.
  if (status !== 0 && status !== 1) throw new Error(`the import ended with ${status}: ${run.stderr()}`);
  return run.stderr();
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function logOf(backend: DeskBackend): Promise<RecordedEvent[]> {
  const store = await backend.openEvents();
  try {
    return await readWholeLog(store);
  } finally {
    await store.close();
  }
}

function describeCrashSafety(name: string, iterations: number, makeBackend: (dataDir: string) => Promise<DeskBackend>): void {
  describe(`crash safety: the API killed with SIGKILL at random moments (${name})`, () => {
    let dir: string;
    let backend: DeskBackend;
    let api: ApiChild | undefined;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'desk-crash-safety-'));
      backend = await makeBackend(join(dir, 'desk'));
    });
    afterAll(async () => {
      await api?.kill();
      await backend?.cleanup();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`loses no acknowledged command, tears none, and rebuilds equal read models through ${iterations} kills (seed ${SEED})`, async () => {
      const dataDir = join(dir, 'desk');
      const env = { ...API_ENV, ...backend.env };
      const random = seededRandom(SEED);
      const workload = new LifecycleWorkload(random, `crash-${SEED}`);
      const volvoRows = readFileSync(VOLVO, 'utf8').split('\n');
      const slice = join(dir, 'slice.csv');
      let importedRows = 0;
      const figures: Figures = {
        kills: 0,
        acknowledged: 0,
        unansweredAtKill: 0,
        unansweredButWritten: 0,
        killedMidRebuild: 0,
        killedMidImport: 0,
        events: 0,
      };

      /** Everything that must hold after a restart, once the stragglers are sent again and the projections settled. */
      const audit = async (api: ApiChild) => {
        const headAtRestart = BigInt((await api.get<ProjectionsAnswer>('/admin/projections')).body.head);
        for (const step of workload.unresolved()) {
          await workload.send(httpClient(api.url, CHILD_SECRET), step);
          const outcome = workload.outcomes.get(step.key)!.outcome;
          if (outcome.kind === 'acknowledged' && BigInt(outcome.answer.position) <= headAtRestart) figures.unansweredButWritten++;
        }
        expect(workload.unresolved()).toEqual([]);
        // A refusal shows with the server errors and 503s every API process logged, also those whose answer a kill
        // took before it reached the client (their stacks and details say where they came from).
        expect({
          refusals: workload.refusals(),
          serverErrors: logs.flatMap((log) =>
            log()
              .split('\n')
              .filter((line) => line.includes('"level":"error"') || line.includes('"msg":"request answered unavailable"')),
          ),
        }).toEqual({
          refusals: [],
          serverErrors: [],
        });
        await api.settled();
        const events = await logOf(backend);
        expect(auditLog(events, workload.sent(), workload.acknowledged())).toEqual([]);
        expect(auditFollowUps(events)).toEqual([]);
        const { actual, expected } = await readModelsAgainstFreshBuild(backend, events);
        expect(actual).toEqual(expected);
        figures.events = events.length;
      };

      const logs: (() => string)[] = [];
      const start = async () => {
        api = await ApiChild.start(dataDir, env);
        logs.push(api.log);
        return api;
      };
      api = await start();
      expect(await workload.runSteps(httpClient(api.url, CHILD_SECRET), workload.organisation())).toBe(true);

      for (let iteration = 0; iteration < iterations; iteration++) {
        const scenario = SCENARIOS[iteration % SCENARIOS.length];
        workload.phase = `iteration ${iteration} (${scenario})`;
        const http = httpClient(api.url, CHILD_SECRET);
        let stopped = false;
        const load = workload.run(http, CLIENTS, () => stopped);
        let imported: ReturnType<typeof importer> | undefined;

        if (scenario === 'commands') {
          await sleep(100 + random() * 1200);
        } else if (scenario === 'rebuild') {
          await sleep(100 + random() * 300);
          for (const name of ['request-summaries', 'impact-chain'])
            expect((await api.post(`/admin/projections/${name}/rebuild`)).status).toBe(202);
          await sleep(random() * 600);
          const { body } = await api.get<ProjectionsAnswer>('/admin/projections');
          if (body.projections.some((projection) => projection.rebuild)) figures.killedMidRebuild++;
        } else {
          importedRows = Math.min(volvoRows.length - 1, importedRows + ROWS_PER_IMPORT);
          writeFileSync(slice, volvoRows.slice(0, importedRows + 1).join('\n') + '\n');
          imported = importer(dataDir, slice, backend.env);
          await imported.started;
          await sleep(random() * 700);
          if (imported.child.exitCode === null) figures.killedMidImport++;
        }

        // The crash: the API (and the importer beside it) die at once, commands in flight.
        imported?.child.kill('SIGKILL');
        await api.kill();
        stopped = true;
        await load;
        if (imported) await exited(imported.child);
        figures.kills++;
        figures.unansweredAtKill += workload.unresolved().length;

        api = await start();
        workload.phase = `after kill ${iteration + 1}`;
        await audit(api);
      }

      // The import, run to its end after its kills, holds exactly what one clean run gives; a second run adds nothing.
      if (importedRows > 0) {
        await importToTheEnd(dataDir, slice, backend.env);
        expect(await importToTheEnd(dataDir, slice, backend.env)).toMatch(/ 0 events appended/);
        // The clean run goes to an embedded store of its own: ids, types and revisions do not depend on the adapter.
        const cleanDir = join(dir, 'clean-import');
        await importToTheEnd(cleanDir, slice, embeddedBackend(cleanDir).env);
        await api.settled();
        const clean = await logOf(embeddedBackend(cleanDir));
        const cleanStreams = new Set(clean.map((event) => event.streamId));
        const crashed = (await logOf(backend)).filter((event) => cleanStreams.has(event.streamId));
        const shape = (events: typeof clean) =>
          events.map((event) => `${event.streamId}@${event.revision} ${event.type} ${event.id}`).sort();
        expect(shape(crashed)).toEqual(shape(clean));
      }

      await audit(api);
      expect(await api.stop()).toBe(0);
      expect(api.stderr()).toBe('');
      figures.acknowledged = workload.acknowledged().length;
      // The figures of the run, for the reliability report.
      process.stdout.write(`crash safety, ${name} (seed ${SEED}): ${JSON.stringify({ ...figures, importedRows })}\n`);
      expect(figures.kills).toBe(iterations);
    }, 600_000);
  });
}

describeCrashSafety('embedded events and read models', 9 * SCALE, async (dataDir) => embeddedBackend(dataDir));

const databaseUrl = process.env.DATABASE_URL;
if (databaseUrl) {
  describeCrashSafety('PostgreSQL events and read models', 6 * SCALE, () => postgresBackend(databaseUrl));
} else {
  describeSkipped(
    'crash safety: the API killed with SIGKILL at random moments (PostgreSQL events and read models)',
    'DATABASE_URL is not set',
  );
}
