/**
 * A burst of commands ten times the rate the desk sustains, against the API in its own process with the burst from a
 * third (so the probe measuring latency here is not the process flooding it): OpenRequest flat out first for the
 * sustainable rate, then a light probe of commands for the normal latency, then the burst beside the probe, then the
 * probe alone until the end. Every command carries an id of its own; afterwards the API is stopped and its log read:
 * every acknowledged command must be in it, every refused one absent. Reports how long after the burst the probe's
 * latency is back to normal (each 500 ms window's p95 within twice the normal p99, and every window after it too).
 *
 *   node -r ./test/support/register-ts.js bench/burst.ts [--seconds 30] [--multiple 10] [--connections 400]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { createEventStore } from '@desk/event-store';
import { readWholeLog } from '../test/support/shared-event-stores';
import { openRequests } from './commands-http';
import { argument, runAsScript } from './support/cli';
import { openRequestBody, seedDesk } from './support/desk-setup';
import { percentile, round, say, type BenchFigure } from './support/report';
import { startApi, tokenFor } from './support/service';
import { ROOT } from './history/generate-history';

/** What the burst's process saw of each command it sent, by the number in its id (`<prefix>-<n>`). */
interface BurstOutcome {
  sent: number;
  acknowledged: number[];
  refused: number[];
  /** Answered neither 201 nor 503 (a 4xx would be the benchmark's fault, a 5xx the desk's). */
  other: { n: number; status: number }[];
  /** Sent, never answered (the client timed out or the connection broke): either outcome is allowed. */
  unanswered: number[];
  rate: number;
  retryAfter: string[];
}

/** The burst itself, run as its own process: OpenRequest at `rate`/s on `connections`, each answer noted by id. */
function burst(url: string, seconds: number, rate: number, connections: number, prefix: string): Promise<BurstOutcome> {
  let n = 0;
  const sentIds = new Set<number>();
  const outcome: BurstOutcome = { sent: 0, acknowledged: [], refused: [], other: [], unanswered: [], rate: 0, retryAfter: [] };
  type Context = { n?: number };
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url,
        connections,
        duration: seconds,
        overallRate: rate,
        timeout: 10,
        requests: [
          {
            method: 'POST',
            path: '/requests',
            headers: { authorization: `Bearer ${tokenFor('agent')}`, 'content-type': 'application/json' },
            setupRequest: (request, context: Context) => {
              context.n = ++n;
              sentIds.add(n);
              return { ...request, body: openRequestBody(`${prefix}-${n}`, n) };
            },
            onResponse: (status, _body, context: Context, headers) => {
              const id = context.n!;
              sentIds.delete(id);
              if (status === 201) outcome.acknowledged.push(id);
              else if (status === 503) {
                outcome.refused.push(id);
                const retryAfter = (headers as Record<string, string> | undefined)?.['retry-after'];
                if (!outcome.retryAfter.includes(String(retryAfter))) outcome.retryAfter.push(String(retryAfter));
              } else outcome.other.push({ n: id, status });
            },
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        outcome.sent = n;
        outcome.unanswered = [...sentIds];
        outcome.rate = round(result.requests.average);
        resolve(outcome);
      },
    );
  });
}

/** Runs the burst in a process of its own and reads its outcome (one JSON line). */
function burstFromAnotherProcess(url: string, seconds: number, rate: number, connections: number, prefix: string): Promise<BurstOutcome> {
  const child = spawn(
    process.execPath,
    [
      '-r',
      './test/support/register-ts.js',
      'bench/burst.ts',
      '--burst-of',
      url,
      String(seconds),
      String(rate),
      String(connections),
      prefix,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as BurstOutcome) : reject(new Error(`the burst exited with ${code}`)),
    );
  });
}

interface ProbeSample {
  sentAt: number;
  ms: number;
  status: number;
  id: string;
}

/** Light, steady command traffic from this process, one OpenRequest every `everyMs`, each timed. */
class Probe {
  readonly samples: ProbeSample[] = [];
  private timer?: NodeJS.Timeout;
  private readonly pending = new Set<Promise<void>>();
  private n = 0;

  constructor(
    private readonly url: string,
    private readonly everyMs: number,
  ) {}

  start(): void {
    const headers = { authorization: `Bearer ${tokenFor('agent')}`, 'content-type': 'application/json' };
    this.timer = setInterval(() => {
      const id = `probe-${++this.n}`;
      const sentAt = performance.now();
      const done = fetch(`${this.url}/requests`, {
        method: 'POST',
        headers,
        body: openRequestBody(id, this.n),
        signal: AbortSignal.timeout(10_000),
      })
        .then(
          async (answer) => {
            await answer.arrayBuffer();
            return answer.status;
          },
          () => 0,
        )
        .then((status) => {
          this.samples.push({ sentAt, ms: performance.now() - sentAt, status, id });
          this.pending.delete(done);
        });
      this.pending.add(done);
    }, this.everyMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all(this.pending);
  }

  between(from: number, to: number): ProbeSample[] {
    return this.samples.filter((sample) => sample.sentAt >= from && sample.sentAt < to);
  }
}

/** desk_commands_shed_total by reason, from the API's /metrics. */
async function shedCounts(url: string): Promise<string> {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${tokenFor('operator')}` } })).text();
  const counts = [...text.matchAll(/^desk_commands_shed_total\{[^}]*reason="(\w+)"[^}]*\} (\d+)/gm)].map(
    ([, reason, count]) => `${reason} ${count}`,
  );
  return counts.length ? counts.join(', ') : 'none';
}

const WINDOW_MS = 500;

/** Seconds from `end` until the probe's latency is normal again in every window from then on (NaN: not within the probe). */
function recovery(probe: Probe, end: number, until: number, threshold: number): { seconds: number; windows: number[] } {
  const windows: number[] = [];
  for (let from = end; from + WINDOW_MS <= until; from += WINDOW_MS) {
    const sorted = probe
      .between(from, from + WINDOW_MS)
      .map((sample) => sample.ms)
      .sort((a, b) => a - b);
    windows.push(sorted.length ? percentile(sorted, 95) : Infinity);
  }
  let firstNormal = windows.length;
  while (firstNormal > 0 && windows[firstNormal - 1] <= threshold) firstNormal--;
  return { seconds: firstNormal === windows.length ? NaN : (firstNormal * WINDOW_MS) / 1000, windows };
}

export async function burstBench(options: { seconds: number; multiple: number; connections: number }): Promise<BenchFigure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-bench-burst-'));
  const api = await startApi({ DATA_DIR: dataDir });
  let stopped = false;
  try {
    await seedDesk(api.url);
    await openRequests(api.url, 32, 2, 'warm');
    const sustained = await openRequests(api.url, 32, Math.min(5, options.seconds), 'sustained');
    const burstRate = Math.round(sustained.rate * options.multiple);
    say(`sustained: ${sustained.rate} commands/s (p99 ${sustained.p99} ms); burst at ${burstRate}/s for ${options.seconds} s`);

    // The probe: 5% of the sustained rate, at most one command every 5 ms.
    const everyMs = Math.max(5, Math.round(1000 / (sustained.rate * 0.05)));
    const probe = new Probe(api.url, everyMs);
    probe.start();
    const baselineFrom = performance.now();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const burstFrom = performance.now();
    const outcome = await burstFromAnotherProcess(api.url, options.seconds, burstRate, options.connections, 'burst');
    const burstEnd = performance.now();
    const afterMs = Math.max(8000, Math.min(15_000, options.seconds * 500));
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    await probe.stop();
    const probeEnd = performance.now();
    const shedByReason = await shedCounts(api.url);

    await api.stop();
    stopped = true;
    const store = await createEventStore({ dataDir });
    const stored = new Set((await readWholeLog(store)).filter((event) => event.type === 'RequestOpened').map((event) => event.streamId));
    await store.close();

    const inLog = (id: string) => stored.has(`request-${id}`);
    const acknowledgedMissing = outcome.acknowledged.filter((n) => !inLog(`burst-${n}`)).length;
    const refusedStored = outcome.refused.filter((n) => inLog(`burst-${n}`)).length;
    const unansweredStored = outcome.unanswered.filter((n) => inLog(`burst-${n}`)).length;
    const probeAcknowledgedMissing = probe.samples.filter((s) => s.status === 201 && !inLog(s.id)).length;
    const probeRefusedStored = probe.samples.filter((s) => s.status === 503 && inLog(s.id)).length;

    const normal = probe
      .between(baselineFrom, burstFrom)
      .map((sample) => sample.ms)
      .sort((a, b) => a - b);
    const normalP50 = round(percentile(normal, 50), 1);
    const normalP99 = round(percentile(normal, 99), 1);
    const threshold = Math.max(2 * normalP99, normalP99 + 5);
    const during = probe
      .between(burstFrom, burstEnd)
      .map((sample) => sample.ms)
      .sort((a, b) => a - b);
    const back = recovery(probe, burstEnd, probeEnd, threshold);
    const probeDuring = probe.between(burstFrom, burstEnd);
    const probeRefused = probeDuring.filter((sample) => sample.status === 503).length;
    const otherStatuses = outcome.other.reduce<Record<number, number>>(
      (counts, { status }) => ({ ...counts, [status]: (counts[status] ?? 0) + 1 }),
      {},
    );

    say(
      `burst: ${outcome.sent} sent (${outcome.rate}/s answered), ${outcome.acknowledged.length} acknowledged, ${outcome.refused.length} refused (Retry-After ${outcome.retryAfter.join(', ')}), ` +
        `${outcome.other.length} other ${JSON.stringify(otherStatuses)}, ${outcome.unanswered.length} unanswered`,
    );
    say(`shed by the API (desk_commands_shed_total): ${shedByReason}`);
    say(`log: ${acknowledgedMissing} acknowledged missing, ${refusedStored} refused stored, ${unansweredStored} of the unanswered stored`);
    say(
      `probe: normal p50 ${normalP50} ms p99 ${normalP99} ms; during the burst p50 ${round(percentile(during, 50), 1)} ms, p99 ${round(percentile(during, 99), 1)} ms, ${probeRefused} of ${probeDuring.length} refused; ` +
        `back within ${threshold.toFixed(1)} ms (p95 per ${WINDOW_MS} ms) ${back.seconds} s after the burst; windows after: ${back.windows
          .slice(0, 12)
          .map((ms) => ms.toFixed(0))
          .join(' ')} ms`,
    );
    const consistent = acknowledgedMissing === 0 && refusedStored === 0 && probeAcknowledgedMissing === 0 && probeRefusedStored === 0;
    return [
      {
        workload: `a burst of ${options.multiple}× the sustained command rate (OpenRequest, ${burstRate}/s offered on ${options.connections} connections for ${options.seconds} s, from a second process), embedded store`,
        figure: back.seconds,
        unit: 's to normal latency after the burst',
        reference: { what: 'normal latency of the probe before the burst', figure: normalP99, unit: 'ms p99' },
        target: 'back to normal within 5 s; every acknowledged command in the log, every refused one absent',
        met: consistent && back.seconds <= 5 && outcome.other.length === 0,
        notes: [
          `sustained rate measured first: ${sustained.rate} commands/s flat out on 32 connections (p99 ${sustained.p99} ms)`,
          `burst: ${outcome.sent} commands sent, answered at ${outcome.rate}/s: ${outcome.acknowledged.length} acknowledged (201), ${outcome.refused.length} refused (503, Retry-After ${outcome.retryAfter.join(', ')}), ${outcome.other.length} other ${JSON.stringify(otherStatuses)}, ${outcome.unanswered.length} unanswered within 10 s (${unansweredStored} of them stored)`,
          `shed by the API, by reason (desk_commands_shed_total): ${shedByReason}`,
          `the log afterwards: ${acknowledgedMissing} acknowledged commands missing, ${refusedStored} refused ones stored (probe: ${probeAcknowledgedMissing} and ${probeRefusedStored})`,
          `probe (one OpenRequest every ${everyMs} ms from this process): normal p50 ${normalP50} ms, p99 ${normalP99} ms; during the burst p50 ${round(percentile(during, 50), 1)} ms, p99 ${round(percentile(during, 99), 1)} ms, ${probeRefused} of ${probeDuring.length} refused`,
          `normal again: each ${WINDOW_MS} ms window's p95 within ${threshold.toFixed(1)} ms (twice the normal p99) from ${back.seconds} s after the burst on; the first windows after it: ${back.windows
            .slice(0, 12)
            .map((ms) => ms.toFixed(0))
            .join(', ')} ms`,
        ],
      },
    ];
  } finally {
    if (!stopped) await api.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runAsScript(module, async () => {
  const of = process.argv.indexOf('--burst-of');
  if (of >= 0) {
    const [url, seconds, rate, connections, prefix] = process.argv.slice(of + 1);
    const outcome = await burst(url, Number(seconds), Number(rate), Number(connections), prefix);
    process.stdout.write(`${JSON.stringify(outcome)}\n`);
    return;
  }
  const { printFigures } = await import('./support/report');
  printFigures(
    await burstBench({
      seconds: Number(argument('--seconds') ?? 30),
      multiple: Number(argument('--multiple') ?? 10),
      connections: Number(argument('--connections') ?? 400),
    }),
  );
});
