import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { CACHE_LIMIT } from '@desk/application/commands/aggregate-repository';
import { metricValue } from '../support/metrics';
import { round } from '../support/report';
import { memoryOf } from '../support/service';
import { send, type Tally } from './http';

/** The API's memory and CPU, sampled every few seconds, and whether its memory stayed within the bound. */

export const SAMPLE_EVERY_MS = 5_000;

/**
 * The memory bound. Resident memory may never pass RSS_BOUND_MB: the 256 MB old space of `npm start` plus what V8's
 * code and young generation, SQLite's page caches and buffers take beside it. And once the API's bounded caches are
 * full, the floor of its V8 heap (the least heap used in each minute: what the collector could not free) may grow
 * at most HEAP_FLOOR_SLOPE_BOUND MB a minute. The largest of those caches keeps the folded state of the last
 * CACHE_LIMIT (20,000) streams the command side loaded, a few KB each: at the default rate it fills in about 12
 * minutes, growing the heap by several MB a minute until then, which is why the slope is judged only from the moment
 * the load has touched that many streams, and only when at least JUDGED_MINUTES remain (else it is reported, not
 * judged). Why 2 MB a minute: growth at that rate would take the rest of the heap budget within the hour, an
 * out-of-memory crash a soak must catch; it is about 1 KB per request at the default rate, so a smaller leak per
 * request would need a longer run to show.
 */
export const HEAP_FLOOR_SLOPE_BOUND = 2;
export const RSS_BOUND_MB = 450;
const JUDGED_MINUTES = 5;

export interface Sample {
  atS: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  loopLagP99Ms: number;
  /** The machine's 1-minute load average (2 cores, shared with other agents' tests). */
  loadAverage: number;
  /** CPU time the API has used so far, in seconds. */
  cpuS: number;
  commands: number;
  queries: number;
}

/** CPU time a process has used (user and system), in seconds, from /proc. */
function cpuSecondsOf(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses; in clock ticks (100 a second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export interface SamplerOptions {
  pid: number;
  url: string;
  operator: string;
  monitoring: Tally;
  commands: Tally;
  queries: Tally;
  /** Seconds into the load. */
  clock: () => number;
}

export class MemorySampler {
  readonly samples: Sample[] = [];

  constructor(private readonly options: SamplerOptions) {}

  /** Resident memory from /proc, the V8 heap and event-loop lag from /metrics, and the commands and queries sent so far. */
  async sample(): Promise<void> {
    const { pid, url, operator, monitoring, commands, queries, clock } = this.options;
    const atS = clock();
    const { rssMb } = memoryOf(pid);
    const cpuS = cpuSecondsOf(pid);
    const answer = await send(monitoring, url, '/metrics', 'GET', '/metrics', operator);
    const text = typeof answer?.body === 'string' ? answer.body : '';
    const mb = (name: string) => round(metricValue(text, name) / 2 ** 20, 1);
    this.samples.push({
      atS: round(atS, 1),
      rssMb: round(rssMb, 1),
      heapUsedMb: mb('desk_nodejs_heap_size_used_bytes'),
      heapTotalMb: mb('desk_nodejs_heap_size_total_bytes'),
      externalMb: mb('desk_nodejs_external_memory_bytes'),
      loopLagP99Ms: round(metricValue(text, 'desk_nodejs_eventloop_lag_p99_seconds') * 1000, 1),
      loadAverage: round(loadavg()[0], 1),
      cpuS,
      commands: commands.total,
      queries: queries.total,
    });
  }
}

/** The figures of one kind the samples have (a sample whose /metrics failed has none). */
export function finite(samples: Sample[], figure: 'heapUsedMb' | 'loopLagP99Ms'): number[] {
  return samples.map((s) => s[figure]).filter(Number.isFinite);
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  return sxx === 0 ? NaN : sxy / sxx;
}

export interface MemoryVerdict {
  afterWarmUp: Sample;
  end: Sample;
  rssSlope: number;
  heapFloorSlope: number;
  /** Resident memory and heap used after the warm-up. */
  rssValues: number[];
  heapValues: number[];
  judged: boolean;
  /** How flat memory stayed once the caches were full, or why that was not judged. */
  flatness: string;
  problems: string[];
}

/** Memory: flat after the warm-up? Judged from `cacheFullAtS` on (when the aggregate cache had filled), if enough of the run is left. */
export function judgeMemory(samples: Sample[], warmUpS: number, cacheFullAtS: number | undefined): MemoryVerdict {
  const steady = samples.filter((s) => s.atS >= warmUpS);
  const afterWarmUp = steady[0] ?? samples[samples.length - 1];
  const end = samples[samples.length - 1];
  const rssSlope = slope(steady.map((s) => [s.atS / 60, s.rssMb]));
  /** The least heap used in each minute from `fromS`: what the collector could not free. */
  const floorsFrom = (fromS: number) => {
    const floors: [number, number][] = [];
    for (let from = fromS; from < end.atS; from += 60) {
      const window = samples.filter((s) => s.atS >= from && s.atS < from + 60 && Number.isFinite(s.heapUsedMb));
      if (window.length >= 3) {
        const lowest = window.reduce((a, b) => (b.heapUsedMb < a.heapUsedMb ? b : a));
        floors.push([lowest.atS / 60, lowest.heapUsedMb]);
      }
    }
    return floors;
  };
  const heapFloorSlope = slope(floorsFrom(warmUpS));
  const rssValues = steady.map((s) => s.rssMb);
  const heapValues = steady.map((s) => s.heapUsedMb).filter(Number.isFinite);
  const maxRss = Math.max(...samples.map((s) => s.rssMb));
  // Judged once the caches are full, if enough of the run is left.
  const judgedFromS = Math.max(warmUpS, cacheFullAtS ?? Infinity);
  const judged = end.atS - judgedFromS >= JUDGED_MINUTES * 60;
  const full = samples.filter((s) => s.atS >= judgedFromS);
  const fullRssSlope = slope(full.map((s) => [s.atS / 60, s.rssMb]));
  const fullFloorSlope = slope(floorsFrom(judgedFromS));
  const problems: string[] = [];
  if (maxRss > RSS_BOUND_MB) problems.push(`resident memory reached ${maxRss} MB, over the ${RSS_BOUND_MB} MB bound`);
  if (judged && fullFloorSlope > HEAP_FLOOR_SLOPE_BOUND) {
    problems.push(
      `the heap floor grew ${round(fullFloorSlope, 2)} MB/min once the caches were full, over the ${HEAP_FLOOR_SLOPE_BOUND} MB/min bound`,
    );
  }
  const flatness = judged
    ? `from ${round(judgedFromS)} s (${CACHE_LIMIT.toLocaleString('en')} streams loaded: the aggregate cache full) to the end: RSS slope ${round(fullRssSlope, 2)} MB/min, ` +
      `max − min ${round(Math.max(...full.map((s) => s.rssMb)) - Math.min(...full.map((s) => s.rssMb)))} MB; heap floor slope **${round(fullFloorSlope, 2)} MB/min**, ` +
      `max − min ${round(Math.max(...finite(full, 'heapUsedMb')) - Math.min(...finite(full, 'heapUsedMb')))} MB`
    : `not judged: ${cacheFullAtS === undefined ? `the load loaded fewer than ${CACHE_LIMIT.toLocaleString('en')} streams, the aggregate cache never filled` : `the aggregate cache filled at ${round(cacheFullAtS)} s`}, ` +
      `and the slope is judged over at least ${JUDGED_MINUTES} minutes after that (run longer: --minutes)`;
  return { afterWarmUp, end, rssSlope, heapFloorSlope, rssValues, heapValues, judged, flatness, problems };
}
