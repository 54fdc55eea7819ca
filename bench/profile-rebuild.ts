/**
 * Where a rebuild's CPU goes: every projection built in one process from the
 * first events of the generated desk (embedded stores), as an operator's
 * rebuild builds them (copies beside the live tables, their secondary
 * indexes built once caught up), or with --catch-up as the API's catch-up
 * from empty read models does (indexes kept up from the start), under V8's
 * sampling profiler, the samples grouped by what they were doing. The CPU
 * time and the peak resident memory are the rebuild's process's own: on a
 * shared machine they move less than its events/s.
 *
 *   node -r ./test/support/register-ts.js bench/profile-rebuild.ts [--events 200000] [--seed 42] [--catch-up]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@desk/event-store';
import { allProjections, buildCopyIndexes, CopyTablesPlugin, createReadModelStore, LogPages, ProjectionRunner } from '@desk/read-models';
import { ROOT } from './history/generate-history';
import { historyFile } from './history/history-store';
import { categorise, type CpuProfile } from './profile-commands';
import { round, say } from './support/report';
import { argument, runAsScript } from './support/cli';

const CATEGORIES: [string, RegExp][] = [
  ['reading and decoding the log (once for all projections)', /sqlite-event-store\.ts.*(readAll|toRecorded)/],
  ['SQLite statements of the read models', /sqlite-driver\.js.*executeQuery|better-sqlite3/],
  ['request-summaries: evolving rows', /request-summary\.evolve|luxon|business-calendar/],
  ['impact-chain: evolving nodes and the graph', /impact-node\.evolve|impact-closure|impact-chain\.projection/],
  ['projection runner, upserts and query building', /projection-runner|upsert\.ts|request-summaries\.projection|kysely/],
];

/** In the profiled child: every projection from empty read models up to the position, reading the log once as the API does, then a normal exit. */
async function rebuildInProcess(dir: string, events: number, copies: boolean): Promise<void> {
  try {
    const store = new SqliteEventStore(join(dir, 'events.sqlite'));
    const readModels = await createReadModelStore({ dataDir: dir });
    const target = BigInt(events);
    const started = performance.now();
    const cpu = process.cpuUsage();
    const pages = new LogPages(store);
    const runners = allProjections().map(
      (projection) => new ProjectionRunner(projection, store, readModels, { pages, ...(copies ? { copy: 'profiled' } : {}) }),
    );
    for (const runner of runners) await runner.start();
    while (runners.some((runner) => runner.position < target)) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const runner of runners) await runner.stop();
    // A copy builds its indexes once it has read up to the head of the log, not to the target: built here as the swap would.
    if (copies)
      for (const runner of runners)
        await buildCopyIndexes(readModels.writer.withPlugin(new CopyTablesPlugin(runner.projection.tables, 'profiled')), runner.projection);
    const seconds = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    await readModels.close();
    await store.close();
    const peakMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(
      `${JSON.stringify({ rate: round(events / seconds), cpuSeconds: round((user + system) / 1e6, 1), peakMb: round(peakMb) })}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface RebuildProfile {
  rate: number;
  cpuSeconds: number;
  peakMb: number;
  shares: [string, number][];
}

export async function profileRebuild(options: { events: number; seed: number; catchUp?: boolean }): Promise<RebuildProfile> {
  const file = await historyFile(options.seed, 1_000_000, say);
  const profiles = mkdtempSync(join(tmpdir(), 'desk-bench-profiles-'));
  // Copied here, not in the profiled process: the profile is the rebuild's alone.
  const dir = mkdtempSync(join(tmpdir(), 'desk-bench-profile-rebuild-'));
  copyFileSync(file, join(dir, 'events.sqlite'));
  try {
    const child = spawnSync(
      process.execPath,
      [
        '--cpu-prof',
        `--cpu-prof-dir=${profiles}`,
        '-r',
        './test/support/register-ts.js',
        'bench/profile-rebuild.ts',
        '--child',
        dir,
        String(options.events),
        options.catchUp ? 'catch-up' : 'copies',
      ],
      { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
    );
    if (child.status !== 0) throw new Error(`the profiled rebuild exited with ${child.status}`);
    const figures = JSON.parse(child.stdout.trim().split('\n').pop()!) as Omit<RebuildProfile, 'shares'>;
    const profile = readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'))!;
    return { ...figures, shares: categorise(JSON.parse(readFileSync(join(profiles, profile), 'utf8')) as CpuProfile, CATEGORIES) };
  } finally {
    rmSync(profiles, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

runAsScript(module, async () => {
  const child = process.argv.indexOf('--child');
  if (child >= 0) return rebuildInProcess(process.argv[child + 1], Number(process.argv[child + 2]), process.argv[child + 3] === 'copies');
  const catchUp = process.argv.includes('--catch-up');
  const { rate, cpuSeconds, peakMb, shares } = await profileRebuild({
    events: Number(argument('--events') ?? 200_000),
    seed: Number(argument('--seed') ?? 42),
    catchUp,
  });
  say(
    `every projection in one process (${catchUp ? 'a catch-up from empty read models' : 'a rebuild: copies, indexes built once caught up'}), under the profiler: ` +
      `${rate} events/s, ${cpuSeconds} s of CPU, peak resident memory ${peakMb} MB`,
  );
  for (const [name, share] of shares) process.stdout.write(`${String(round(share * 100, 1)).padStart(5)}%  ${name}\n`);
});
