import { gitCommit, machine, percentile, round } from '../support/report';
import type { ApiLog } from './api-log';
import type { CommandLoad } from './command-load';
import type { Disagreements } from './disagreements';
import type { Tally } from './http';
import type { LogAudit } from './log-audit';
import { finite, HEAP_FLOOR_SLOPE_BOUND, RSS_BOUND_MB, type MemoryVerdict, type Sample } from './memory';
import type { SoakOptions } from './options';
import type { Pacing } from './pacing';
import type { ReadModelComparison } from './read-model-audit';
import { PROJECTIONS, type Rebuild } from './rebuild';

/** Everything one soak measured and found, for its report. */
export interface SoakRun {
  options: SoakOptions;
  spawnedAt: Date;
  ok: boolean;
  warmUpS: number;
  loadSeconds: number;
  tallies: { commands: Tally; queries: Tally; monitoring: Tally };
  pacing: { commands: Pacing; queries: Pacing };
  /** Commands sent a second. */
  achieved: number;
  failures: number;
  load: CommandLoad;
  /** Read-your-writes checks that could not tell. */
  inconclusive: number;
  rebuild: Rebuild;
  log: LogAudit;
  readModels: ReadModelComparison & { head: string; caughtUp: boolean };
  disagreements: Disagreements;
  stop: { stopped: boolean; exitCode: number | null; seconds: number };
  rssAtStartMb: number;
  rssAfterSetUpMb: number;
  samples: Sample[];
  memory: MemoryVerdict;
  apiLog: ApiLog;
  problems: string[];
  rateProblems: string[];
}

/** The report bench/SOAK.md holds (above its kept analysis), in Markdown: the verdict, the figures, a table per minute, the details. */
export function soakReport(run: SoakRun): string {
  const { options, spawnedAt, ok, warmUpS, loadSeconds, achieved, failures, inconclusive, rebuild, samples, problems, rateProblems } = run;
  const { minutes, rate, queryRate } = options;
  const { commands, queries, monitoring } = run.tallies;
  const { commands: commandLoad, queries: queryLoad } = run.pacing;
  const { cases, active, poorRatings, acks, cacheFullAtS } = run.load;
  const { logEvents, found, lost, gaps, typesByActor, followUps } = run.log;
  const { compared, notCompared } = run.readModels;
  const { count: mismatchCount, first: mismatches } = run.disagreements;
  const { afterWarmUp, end, rssSlope, heapFloorSlope, rssValues, heapValues, judged, flatness, problems: memoryProblems } = run.memory;
  const { levels: logLevels, messages: logMessages, problems: logProblems } = run.apiLog;
  const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
  const commandLatencies = sorted(commands.latencies);
  const queryLatencies = sorted(queries.latencies);
  const ms = (values: number[], p: number) => round(percentile(values, p), 1);
  const minutesTable: string[] = [];
  for (let from = 0; from < end.atS; from += 60) {
    const inMinute = samples.filter((s) => s.atS >= from && s.atS < from + 60);
    if (inMinute.length === 0) continue;
    const first = samples.filter((s) => s.atS < from).pop() ?? inMinute[0];
    const last = inMinute[inMinute.length - 1];
    const span = Math.max(1, last.atS - first.atS);
    minutesTable.push(
      `| ${from / 60}–${from / 60 + 1} | ${round((last.commands - first.commands) / span)} | ${round((last.queries - first.queries) / span)} | ` +
        `${round(Math.min(...inMinute.map((s) => s.rssMb)))}–${round(Math.max(...inMinute.map((s) => s.rssMb)))} | ` +
        `${round(Math.min(...finite(inMinute, 'heapUsedMb')))}–${round(Math.max(...finite(inMinute, 'heapUsedMb')))} | ` +
        `${round(Math.max(...finite(inMinute, 'loopLagP99Ms')), 1)} | ${round(Math.max(...inMinute.map((s) => s.loadAverage)), 1)} | ${round(((last.cpuS - first.cpuS) / span) * 100)}% |`,
    );
  }
  const bySecond = new Map<number, number>();
  for (const [at, n] of [...commands.failedAt, ...queries.failedAt, ...monitoring.failedAt]) bySecond.set(at, (bySecond.get(at) ?? 0) + n);
  const timeline = [...bySecond]
    .sort((a, b) => a[0] - b[0])
    .map(([at, n]) => `${at} s: ${n}`)
    .join('; ');
  const list = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k}: ${v}`)
      .join('; ') || 'none';
  const rebuildSeconds =
    rebuild.finishedS !== undefined && rebuild.startedS !== undefined ? round(rebuild.finishedS - rebuild.startedS, 1) : NaN;
  const lines = [
    '# Soak',
    '',
    `Measured by \`node -r ./test/support/register-ts.js bench/soak.ts${options.quick ? ' --quick' : ` --minutes ${minutes} --rate ${rate} --query-rate ${queryRate}`}${options.built ? ' --built' : ''}\` ` +
      `on ${spawnedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${machine()}, commit ${gitCommit()}, the API ${options.built ? 'from its build' : 'compiled on load (register-ts)'} ` +
      `with the heap budget of \`npm start\`, LOG_LEVEL=info, a fresh embedded desk. The machine is shared (other agents run tests on its two cores), so the latencies are noisy; ` +
      'what the soak judges is failures, losses and memory.',
    '',
    `**Verdict: ${ok ? 'passed' : 'FAILED'}.**`,
    '',
    '| figure | value |',
    '|---|---|',
    `| duration of the load | ${round(loadSeconds)} s (${round(loadSeconds / 60, 1)} min), warm-up ${round(warmUpS)} s |`,
    `| commands | ${commands.total.toLocaleString('en')}: target ${rate}/s, achieved ${round(achieved, 1)}/s; ${commandLoad.missed()} slots missed |`,
    `| command latency | p50 ${ms(commandLatencies, 50)} ms, p99 ${ms(commandLatencies, 99)} ms, max ${ms(commandLatencies, 100)} ms |`,
    `| queries | ${queries.total.toLocaleString('en')}: target ${queryRate}/s, achieved ${round(queryLoad.fired() / loadSeconds, 1)}/s; ${queryLoad.missed()} slots missed |`,
    `| query latency | p50 ${ms(queryLatencies, 50)} ms, p99 ${ms(queryLatencies, 99)} ms, max ${ms(queryLatencies, 100)} ms |`,
    `| failures (non-2xx, network errors, timeouts) | **${failures}** (commands ${commands.failed}, queries ${queries.failed}, metrics/admin/verification ${monitoring.failed}) |`,
    `| requests opened | ${cases.length.toLocaleString('en')}, ${active} still open at the end; ${poorRatings.length} poor ratings, ${followUps.length} follow-ups opened by the process |`,
    `| rebuild of ${PROJECTIONS.join(' and ')} | started at ${round(rebuild.startedS ?? NaN)} s, swapped in ${rebuildSeconds} s later; states seen: ${[...rebuild.states].join(', ') || 'none'}; largest live lag seen ${rebuild.maxLag} events |`,
    `| log | ${logEvents.toLocaleString('en')} events; ${found.toLocaleString('en')} of ${acks.length.toLocaleString('en')} acknowledged commands found at their position (${lost} lost); ${gaps} revision gaps |`,
    `| read models | caught up with the head (${run.readModels.head}): ${run.readModels.caughtUp ? 'yes' : 'no'}; ${compared.toLocaleString('en')} requests compared with their queue and counts, ${mismatchCount} disagreements; ${inconclusive} read-your-writes checks inconclusive (page full) |`,
    `| SIGTERM | ${run.stop.stopped ? `exit status ${run.stop.exitCode} after ${round(run.stop.seconds, 1)} s` : 'no exit within 30 s'} |`,
    `| RSS | start ${round(run.rssAtStartMb)} MB, after set-up ${round(run.rssAfterSetUpMb)} MB, after warm-up ${round(afterWarmUp.rssMb)} MB, min ${round(Math.min(...rssValues))} MB, max ${round(Math.max(...rssValues))} MB, end ${round(end.rssMb)} MB |`,
    `| heap used | after warm-up ${round(afterWarmUp.heapUsedMb)} MB, min ${round(Math.min(...heapValues))} MB, max ${round(Math.max(...heapValues))} MB, end ${round(end.heapUsedMb)} MB |`,
    `| memory after the warm-up | RSS slope ${round(rssSlope, 2)} MB/min (linear fit), max − min ${round(Math.max(...rssValues) - Math.min(...rssValues))} MB; heap floor (least heap used per minute) slope ${round(heapFloorSlope, 2)} MB/min (the aggregate cache still filling until ${round(cacheFullAtS ?? NaN)} s) |`,
    `| memory once the caches are full | ${flatness} |`,
    `| memory bound | RSS ≤ ${RSS_BOUND_MB} MB; heap floor slope ≤ ${HEAP_FLOOR_SLOPE_BOUND} MB/min once the caches are full: ${memoryProblems.length > 0 ? '**passed**' : judged ? 'held' : 'RSS held, slope not judged'} |`,
    '',
    '## Per minute',
    '',
    '| minute | commands/s | queries/s | RSS MB | heap used MB | event-loop lag p99 ms (max) | machine load average (max) | API CPU (of one core) |',
    '|---|---|---|---|---|---|---|---|',
    ...minutesTable,
    '',
    '## Details',
    '',
    `- Command mix (acknowledged): ${list(acks.reduce((m, a) => m.set(a.kind, (m.get(a.kind) ?? 0) + 1), new Map<string, number>()))}`,
    `- Events in the log by who caused them: ${list(typesByActor)}`,
    `- The API's log lines by level: ${list(logLevels)}; other than requests: ${list(logMessages)}`,
    `- Failures: ${list(new Map([...commands.failures, ...queries.failures, ...monitoring.failures]))}`,
    `- Failures by second of the load: ${timeline || 'none'}`,
    ...[...commands.samples, ...queries.samples, ...monitoring.samples].slice(0, 20).map((s) => `  - ${s}`),
    `- Losses and checks: ${problems.length === 0 ? 'none' : ''}`,
    ...problems.slice(0, 20).map((p) => `  - ${p}`),
    `- Disagreements: ${mismatchCount === 0 ? 'none' : mismatchCount}${notCompared.length > 0 ? `; status counts not compared in ${notCompared.join(', ')}` : ''}`,
    ...mismatches.map((m) => `  - ${m}`),
    `- Rate: ${rateProblems.length === 0 ? 'sustained' : rateProblems.join('; ')}`,
    `- Memory: ${memoryProblems.length === 0 ? 'within the bound' : memoryProblems.join('; ')}`,
    ...(logProblems.length > 0
      ? ['- Warnings and errors the API logged:', ...logProblems.map((l) => `  - \`${l.replace(/`/g, "'")}\``)]
      : []),
    '',
  ];
  return lines.join('\n');
}
