/**
 * Where a command's CPU goes: the API under OpenRequest load
 * flat out, with V8's sampling profiler on, then its samples grouped by what
 * they were doing. The API serves requests on one thread; the other core runs
 * the load generator, so the API's thread is the bound.
 *
 *   node -r ./test/support/register-ts.js bench/profile-commands.ts [--seconds 8] [--projections false] [--functions]
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRequests } from './commands-http';
import { seedDesk } from './support/desk-setup';
import { startApi } from './support/service';
import { round, say } from './support/report';
import { argument, runAsScript } from './support/cli';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

/** First match wins, walking from the sampled frame up its stack. */
const CATEGORIES: [string, RegExp][] = [
  [
    'event store: commit (SQLite transaction, fsync)',
    /sqlite-event-store\.ts.*(flush|commitBatch|appendOne)|better-sqlite3\/lib\/methods\/transaction/,
  ],
  ['event store: reading streams', /sqlite-event-store\.ts.*(readStream|forgetStaleRevisions)/],
  ['projections (in-process read models)', /libs\/read-models\/|kysely|polling-subscription|readAllSync/],
  ['domain: decide and evolve', /libs\/domain\//],
  ['command handling (executor, repository, lookups)', /libs\/application\/src\/commands\//],
  ['auth (bearer tokens)', /auth\.guard|tokens\.ts|jsonwebtoken|jws|jwa/],
  ['validation (class-validator, class-transformer)', /class-validator|class-transformer|validation\.pipe/],
  ['metrics and logs', /prom-client|desk-metrics|json-log/],
  [
    'HTTP: fastify, Nest, helmet, JSON',
    /fastify|@nestjs|helmet|secure-json-parse|_http_|node:internal\/(http|net|stream)|^(writev|writeUtf8String|writeBuffer)$/,
  ],
];

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Shares of the samples by category: a sample counts for the first category that matches its frame or a caller. */
export function categorise(profile: CpuProfile, categories: [string, RegExp][] = CATEGORIES): [string, number][] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const totals = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    all += micros;
    const leaf = nodes.get(id)!.callFrame.functionName;
    let category = leaf === '(idle)' ? 'idle' : leaf === '(garbage collector)' ? 'garbage collection' : 'other (V8, Node internals)';
    if (category === 'other (V8, Node internals)') {
      for (let cursor: number | undefined = id; cursor !== undefined; cursor = parent.get(cursor)) {
        const frame = nodes.get(cursor)!.callFrame;
        const text = `${frame.url} ${frame.functionName}`;
        const found = categories.find(([, pattern]) => pattern.test(text) || pattern.test(frame.functionName));
        if (found) {
          category = found[0];
          break;
        }
      }
    }
    totals.set(category, (totals.get(category) ?? 0) + micros);
  });
  return [...totals].map(([name, micros]) => [name, micros / all] as [string, number]).sort((a, b) => b[1] - a[1]);
}

/** The functions that took the most samples themselves (self time), as shares of all samples, with where they are. */
export function heaviestFunctions(profile: CpuProfile, count: number): [string, number][] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    all += micros;
    const { functionName, url } = nodes.get(id)!.callFrame;
    const where = url.replace(/^.*node_modules\//, '').replace(/^.*\/(apps|libs)\//, '$1/');
    const name = `${functionName || '(anonymous)'} ${where}`;
    self.set(name, (self.get(name) ?? 0) + micros);
  });
  return [...self]
    .map(([name, micros]) => [name, micros / all] as [string, number])
    .sort((a, b) => b[1] - a[1])
    .slice(0, count);
}

export async function profileCommands(options: {
  seconds: number;
  projections: boolean;
}): Promise<{ rate: number; shares: [string, number][]; heaviest: [string, number][] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-bench-profile-'));
  const profiles = join(dataDir, 'profiles');
  const api = await startApi({ DATA_DIR: dataDir, RUN_PROJECTIONS: String(options.projections) }, [
    '--cpu-prof',
    `--cpu-prof-dir=${profiles}`,
  ]);
  try {
    await seedDesk(api.url);
    const result = await openRequests(api.url, 32, options.seconds, 'profiled');
    await api.stop();
    // One profile per thread (CPU.<date>.<pid>.<thread>.<n>.cpuprofile): the request loop's is thread 0's, the
    // commit and projection workers' are their own.
    const file = readdirSync(profiles).find((name) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(name))!;
    const profile = JSON.parse(readFileSync(join(profiles, file), 'utf8')) as CpuProfile;
    return { rate: result.rate, shares: categorise(profile), heaviest: heaviestFunctions(profile, 25) };
  } finally {
    await api.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runAsScript(module, async () => {
  const { rate, shares, heaviest } = await profileCommands({
    seconds: Number(argument('--seconds') ?? 8),
    projections: argument('--projections') !== 'false',
  });
  say(`OpenRequest flat out under the profiler: ${rate} commands/s (the profiler slows the API a little)`);
  for (const [name, share] of shares) process.stdout.write(`${String(round(share * 100, 1)).padStart(5)}%  ${name}\n`);
  if (argument('--functions') !== undefined) {
    say('the functions with the most samples of their own:');
    for (const [name, share] of heaviest) process.stdout.write(`${String(round(share * 100, 1)).padStart(5)}%  ${name}\n`);
  }
});
