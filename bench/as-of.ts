/**
 * Time travel at the cost of the answer: as-of queries on the 1,000,000-event desk, each beside the same query
 * live in the same run, then 60 concurrent as-of queries at distinct instants with /health/live timed meanwhile
 * and the API's resident memory after. The API runs from the history's copy and catches up first (its read
 * models, history tables included, built from empty).
 *
 *   node -r ./test/support/register-ts.js bench/as-of.ts [--events 1000000] [--seed 42] [--samples 60] [--data-dir <dir>]
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { historyFile } from './history/history-store';
import { memoryOf, startApi, tokenFor } from './support/service';
import { untilCaughtUp } from './support/projections';
import { percentile, round, say, type BenchFigure } from './support/report';
import { argument, runAsScript } from './support/cli';
import { seededRandom } from './support/seeded-random';

interface Sample {
  ms: number;
  status: number;
}

export async function asOfBench(options: { events: number; seed: number; samples: number; dataDir?: string }): Promise<BenchFigure[]> {
  const file = await historyFile(options.seed, options.events, say);
  // --data-dir keeps the desk (its log and the read models it caught up) for the next run: a catch-up of the
  // 1,000,000-event log takes minutes, the measures a minute.
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'desk-bench-as-of-'));
  try {
    if (!existsSync(join(dataDir, 'events.sqlite'))) {
      mkdirSync(dataDir, { recursive: true });
      copyFileSync(file, join(dataDir, 'events.sqlite'));
    }
    const api = await startApi({ DATA_DIR: dataDir, READ_CACHE_MS: '0' });
    try {
      const started = performance.now();
      await untilCaughtUp(api);
      say(`as-of: caught up from empty read models in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      const shape = deskShape(join(dataDir, 'read-models.sqlite'));
      say(
        `as-of: business time ${shape.from} … ${shape.to}; busiest queue ${shape.department}; ${shape.linked.length} requests with links`,
      );
      const random = seededRandom(options.seed);
      const instant = () => new Date(Date.parse(shape.from) + random() * (Date.parse(shape.to) - Date.parse(shape.from))).toISOString();
      const token = tokenFor('analyst');
      const get = (path: string) => timed(api.url, path, token);

      const pairs: [string, string, number, (asOf?: string) => string][] = [
        ['queue page of 50', 'p99 ≤ 50 ms', 50, (asOf) => `/queues/${shape.department}?limit=50${asOf ? `&asOf=${asOf}` : ''}`],
        ['request list page of 50 (newest change first)', 'p99 ≤ 50 ms', 50, (asOf) => `/requests?limit=50${asOf ? `&asOf=${asOf}` : ''}`],
        [
          '/impact/requests/{id} of a linked request',
          'p99 ≤ 50 ms',
          50,
          (asOf) => `/impact/requests/${shape.linked[Math.floor(random() * shape.linked.length)]}${asOf ? `?asOf=${asOf}` : ''}`,
        ],
        ['/impact/blockers', 'p99 ≤ 100 ms', 100, (asOf) => `/impact/blockers${asOf ? `?asOf=${asOf}` : ''}`],
        [
          "a department's workload",
          'p99 ≤ 100 ms',
          100,
          (asOf) => `/departments/${shape.department}/workload${asOf ? `?asOf=${asOf}` : ''}`,
        ],
      ];
      const figures: BenchFigure[] = [];
      for (const [what, target, bound, path] of pairs) {
        const live = await sequence(options.samples, () => get(path()));
        const past = await sequence(options.samples, () => get(path(instant())));
        // A request asked about before it was opened is a 404 (it did not exist then): an answer, not a failure.
        const failed = [...live, ...past].filter((sample) => sample.status !== 200 && sample.status !== 404).length;
        const p99 = percentile(sortedMs(past), 99);
        const liveP99 = percentile(sortedMs(live), 99);
        say(`as-of: ${what}: as of a new instant p99 ${p99.toFixed(1)} ms, live p99 ${liveP99.toFixed(1)} ms, ${failed} failed`);
        figures.push({
          workload: `as-of ${what} at a new instant each time, ${options.events.toLocaleString('en')}-event history, embedded`,
          figure: round(p99, 1),
          unit: 'ms p99',
          reference: { what: 'the same query live', figure: round(liveP99, 1), unit: 'ms p99' },
          ratio: p99 / liveP99,
          target,
          met: p99 <= bound && failed === 0,
          notes: [
            `${options.samples} sequential queries each; as of: p50 ${percentile(sortedMs(past), 50).toFixed(1)} ms; live: p50 ${percentile(sortedMs(live), 50).toFixed(1)} ms; ${failed} answers other than 200 or 404`,
          ],
        });
      }

      // Sixty analysts at once, each at an instant of their own, while a probe checks the API stays alive.
      let probing = true;
      const health: number[] = [];
      const probe = (async () => {
        while (probing) {
          health.push((await timed(api.url, '/health/live', token)).ms);
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      })();
      const concurrent = await Promise.all(Array.from({ length: 60 }, (_, index) => get(pairs[index % pairs.length][3](instant()))));
      probing = false;
      await probe;
      const errors = concurrent.filter((sample) => sample.status !== 200 && sample.status !== 404).length;
      const memory = memoryOf(api.process.pid!);
      const healthP99 = percentile(
        [...health].sort((a, b) => a - b),
        99,
      );
      say(
        `as-of: 60 concurrent: ${errors} errors, slowest ${Math.max(...concurrent.map((s) => s.ms)).toFixed(0)} ms; /health/live p99 ${healthP99.toFixed(1)} ms; RSS ${memory.rssMb.toFixed(0)} MB`,
      );
      figures.push({
        workload: '60 concurrent as-of queries at distinct instants (queue, list, impact, blockers, workload), embedded',
        figure: errors,
        unit: 'errors',
        target: '0 errors, /health/live p99 ≤ 50 ms meanwhile, API resident memory ≤ 300 MB',
        met: errors === 0 && healthP99 <= 50 && memory.rssMb <= 300,
        notes: [
          `/health/live p99 ${round(healthP99, 1)} ms over ${health.length} probes; slowest as-of answer ${round(Math.max(...concurrent.map((s) => s.ms)))} ms`,
          `API resident memory afterwards ${round(memory.rssMb)} MB, peak ${round(memory.peakMb)} MB (the catch-up included)`,
        ],
      });
      return figures;
    } finally {
      await api.stop();
    }
  } finally {
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  }
}

/** What the queries are asked about: the span of business time, the department with the most versions, linked requests. */
function deskShape(readModels: string): { from: string; to: string; department: string; linked: string[] } {
  const db = new Database(readModels, { readonly: true });
  try {
    // The history's own span: the desk's processes (the SLA watch, satisfaction follow-ups) record what they do today.
    const span = db
      .prepare(`select min(opened_at) as "from", max(opened_at) as "to" from request_summaries where opened_at < '2020-01-01'`)
      .get() as {
      from: string;
      to: string;
    };
    const busiest = db
      .prepare('select department_id from request_versions where is_open = 1 group by department_id order by count(*) desc limit 1')
      .get() as { department_id: string };
    const linked = (db.prepare('select distinct cause_id from impact_link_versions limit 200').all() as { cause_id: string }[]).map(
      (row) => row.cause_id,
    );
    return { ...span, department: busiest.department_id, linked };
  } finally {
    db.close();
  }
}

async function timed(url: string, path: string, token: string): Promise<Sample> {
  const started = performance.now();
  const answer = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  await answer.arrayBuffer();
  return { ms: performance.now() - started, status: answer.status };
}

async function sequence(count: number, run: () => Promise<Sample>): Promise<Sample[]> {
  const samples: Sample[] = [];
  for (let index = 0; index < count; index++) samples.push(await run());
  return samples;
}

function sortedMs(samples: Sample[]): number[] {
  return samples.map((sample) => sample.ms).sort((a, b) => a - b);
}

runAsScript(module, async () => {
  const figures = await asOfBench({
    events: Number(argument('--events') ?? 1_000_000),
    seed: Number(argument('--seed') ?? 42),
    samples: Number(argument('--samples') ?? 60),
    dataDir: argument('--data-dir'),
  });
  for (const figure of figures) process.stdout.write(`${JSON.stringify(figure)}\n`);
});
