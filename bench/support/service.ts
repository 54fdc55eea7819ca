import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { issueToken, type TokenRole } from '@desk/application';
import { freePort } from '../../test/support/child-apps';
import { ROOT } from '../history/generate-history';

export const BENCH_SECRET = 'bench-secret-that-is-long-enough-for-hs256-signing';

export function tokenFor(role: TokenRole, sub = `bench-${role}`): string {
  return issueToken(BENCH_SECRET, sub, role, '2h');
}

/** Resident and peak resident memory of a process, in MB, from /proc. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

export interface RunningService {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/**
 * How to start one of the apps: its build (dist, as production runs it) when BENCH_BUILT is set (npm run bench
 * builds first), else its TypeScript compiled on load.
 */
export function appEntry(app: 'api' | 'cli', built = Boolean(process.env.BENCH_BUILT)): string[] {
  // The heap budget `npm start` and the image give the API (README, Operations).
  const budget = app === 'api' ? [HEAP_BUDGET] : [];
  return built
    ? [...budget, `dist/apps/${app}/apps/${app}/src/main.js`]
    : [...budget, '-r', './test/support/register-ts.js', `apps/${app}/src/main.ts`];
}

/** As `npm start` runs the API: read from package.json, so the benchmarks measure what users run. */
const HEAP_BUDGET = /node (--max-old-space-size=\d+) /.exec(
  (JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { scripts: { start: string } }).scripts.start,
)![1];

/** Builds the API and the CLI, so that what is measured is what production runs. */
export function buildApps(): void {
  execFileSync('npx', ['nest', 'build', 'api'], { cwd: ROOT, stdio: 'inherit' });
  execFileSync('npx', ['nest', 'build', 'cli'], { cwd: ROOT, stdio: 'inherit' });
  process.env.BENCH_BUILT = '1';
}

/** The API on a port of its own, logging warnings only; its log lines (stdout) go to ours, or to `process.stdout` to read when piped. */
export async function startApi(
  env: Record<string, string>,
  nodeOptions: string[] = [],
  built?: boolean,
  stdout: 'inherit' | 'pipe' = 'inherit',
): Promise<RunningService> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeOptions, ...appEntry('api', built)], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_SECRET: BENCH_SECRET,
      RATE_LIMIT_PER_MINUTE: '0',
      LOG_LEVEL: 'warn',
      // The read-model workers are a deployment choice: a run measures them when the bench's own environment sets them.
      ...(process.env.READ_WORKERS ? { READ_WORKERS: process.env.READ_WORKERS } : {}),
      // So is where the projections run: PROJECTIONS_IN=loop measures them in the request loop, as before the worker.
      ...(process.env.PROJECTIONS_IN ? { PROJECTIONS_IN: process.env.PROJECTIONS_IN } : {}),
      ...env,
    },
    stdio: ['ignore', stdout, 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with status ${child.exitCode} before it listened`);
    try {
      if ((await fetch(`${url}/health/live`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('the API did not listen within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    url,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
