/**
 * What the projections cost the request loop: the CPU time of the API's main
 * thread (the one that parses, decides and answers) per command, with the
 * projections in that loop (PROJECTIONS_IN=loop) and on their worker thread
 * (the default), at the same steady command rate, read from
 * /proc/<pid>/task/<pid>/stat (the main thread's tid is the process's pid),
 * beside the whole process's CPU per command (every thread: the projections
 * wherever they run, SQLite, the garbage collector). CPU time rather than
 * throughput: on a shared machine a rate measures the neighbours as much as
 * the desk, a thread's CPU per command much less. The modes alternate, each
 * `--runs` times; after the load, the projections are let catch up before
 * the process's CPU is read, so their whole work is in it. Then, the desk
 * idle, read-your-writes: one command after another, each followed at once by
 * a queue read naming its position, timed from the command's answer to the
 * read's (how long the read waited for the projections to have it).
 *
 *   node -r ./test/support/register-ts.js bench/projections-thread-cpu.ts [--seconds 10] [--rate 300] [--runs 2]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRequests } from './commands-http';
import { openRequestBody, seedDesk } from './support/desk-setup';
import { startApi, tokenFor, type RunningService } from './support/service';
import { untilCaughtUp } from './support/projections';
import { percentile, round, say, type BenchFigure } from './support/report';
import { argument, runAsScript } from './support/cli';

/** Clock ticks a second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User and system CPU seconds of one thread (`task` given) or the whole process, from /proc. */
function cpuSeconds(pid: number, task?: number): number {
  const stat = readFileSync(task === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${task}/stat`, 'utf8');
  // The command name may hold spaces: the fields are counted after its closing parenthesis (utime, stime: 14 and 15).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

interface Run {
  mode: 'loop' | 'worker';
  commands: number;
  mainMicros: number;
  processMicros: number;
  p99: number;
  failed: number;
  /** Read-your-writes: the read naming a command's position, from the command's answer to the read's. */
  readP50: number;
  readP99: number;
}

const READS_AFTER_WRITES = 200;

async function readsAfterWrites(api: RunningService): Promise<number[]> {
  const headers = { authorization: `Bearer ${tokenFor('agent')}`, 'content-type': 'application/json' };
  const waits: number[] = [];
  for (let n = 0; n < READS_AFTER_WRITES; n++) {
    const answer = await fetch(`${api.url}/requests`, { method: 'POST', headers, body: openRequestBody(`ryw-${n}`, n) });
    if (answer.status !== 201) throw new Error(`POST /requests: ${answer.status} ${await answer.text()}`);
    const { position } = (await answer.json()) as { position: string };
    const answered = performance.now();
    const read = await fetch(`${api.url}/queues/it?limit=50&minPosition=${position}`, { headers });
    if (read.status !== 200) throw new Error(`GET /queues/it: ${read.status} ${await read.text()}`);
    await read.arrayBuffer();
    waits.push(performance.now() - answered);
  }
  return waits.sort((a, b) => a - b);
}

async function measure(mode: Run['mode'], seconds: number, rate: number): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-bench-thread-cpu-'));
  const api = await startApi({ DATA_DIR: dataDir, PROJECTIONS_IN: mode });
  try {
    await seedDesk(api.url);
    await openRequests(api.url, 16, 2, 'warm', rate);
    await untilCaughtUp(api);
    const pid = api.process.pid!;
    const before = { main: cpuSeconds(pid, pid), process: cpuSeconds(pid) };
    const result = await openRequests(api.url, 16, seconds, 'steady', rate);
    await untilCaughtUp(api);
    const after = { main: cpuSeconds(pid, pid), process: cpuSeconds(pid) };
    const perCommand = (cpu: number) => round((cpu * 1e6) / result.total);
    const waits = await readsAfterWrites(api);
    return {
      mode,
      commands: result.total,
      mainMicros: perCommand(after.main - before.main),
      processMicros: perCommand(after.process - before.process),
      p99: result.p99,
      failed: result.failed,
      readP50: round(percentile(waits, 50), 1),
      readP99: round(percentile(waits, 99), 1),
    };
  } finally {
    await api.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function threadCpuBench(options: { seconds: number; rate: number; runs: number }): Promise<BenchFigure[]> {
  const runs: Run[] = [];
  for (let n = 0; n < options.runs; n++) {
    for (const mode of ['loop', 'worker'] as const) {
      const run = await measure(mode, options.seconds, options.rate);
      say(
        `PROJECTIONS_IN=${mode}: ${run.commands} commands at ${options.rate}/s, main thread ${run.mainMicros} µs CPU a command, ` +
          `whole process ${run.processMicros} µs, p99 ${run.p99} ms, ${run.failed} failed; ` +
          `a read naming the position just answered: p50 ${run.readP50} ms, p99 ${run.readP99} ms`,
      );
      runs.push(run);
    }
  }
  const mean = (mode: Run['mode'], of: (run: Run) => number) => {
    const mine = runs.filter((run) => run.mode === mode);
    return round(mine.reduce((sum, run) => sum + of(run), 0) / mine.length, 1);
  };
  const loopMain = mean('loop', (run) => run.mainMicros);
  const workerMain = mean('worker', (run) => run.mainMicros);
  return [
    {
      workload: `the request loop's CPU a command (OpenRequest at ${options.rate}/s), the projections on their worker thread`,
      figure: workerMain,
      unit: 'µs CPU of the main thread a command',
      reference: { what: 'the same with the projections in the request loop (PROJECTIONS_IN=loop)', figure: loopMain, unit: 'µs' },
      ratio: workerMain / loopMain,
      target: 'below the in-loop figure',
      met: workerMain < loopMain,
      notes: [
        `whole process (every thread), worker ${mean('worker', (run) => run.processMicros)} µs against loop ${mean('loop', (run) => run.processMicros)} µs a command`,
        `p99 worker ${mean('worker', (run) => run.p99)} ms against loop ${mean('loop', (run) => run.p99)} ms; ${options.runs} runs of each, alternating, ${options.seconds} s each`,
      ],
    },
    {
      workload: `read-your-writes: a queue read naming the position a command just answered (${READS_AFTER_WRITES} in a row, idle desk), the projections on their worker thread`,
      figure: mean('worker', (run) => run.readP50),
      unit: 'ms p50',
      reference: { what: 'the same with the projections in the request loop', figure: mean('loop', (run) => run.readP50), unit: 'ms p50' },
      ratio: mean('worker', (run) => run.readP50) / mean('loop', (run) => run.readP50),
      target: 'as in the loop: the worker tells each commit, no polling',
      met: mean('worker', (run) => run.readP50) <= mean('loop', (run) => run.readP50) * 1.25,
      notes: [`p99 worker ${mean('worker', (run) => run.readP99)} ms against loop ${mean('loop', (run) => run.readP99)} ms`],
    },
  ];
}

runAsScript(module, async () => {
  const { printFigures } = await import('./support/report');
  printFigures(
    await threadCpuBench({
      seconds: Number(argument('--seconds') ?? 10),
      rate: Number(argument('--rate') ?? 300),
      runs: Number(argument('--runs') ?? 2),
    }),
  );
});
