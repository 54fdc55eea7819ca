/**
 * What a live workload costs as history grows: departmentWorkload (and the desk's and every department's) in
 * process against embedded read models of the generated 100,000- and 1,000,000-event desks, at the end of each
 * history (now = its last business time, the default 30 days up to it). The read models the query needs
 * (request-summaries, impact-chain, workload-facts) are built once per history and projection versions and kept in
 * bench/.data. Each query's cost is reported beside what it read: the open requests and the facts of its range,
 * against the requests the department ever had (what the figures read before workload-facts).
 *
 *   node -r ./test/support/register-ts.js bench/workload-cost.ts [--sizes 100000,1000000] [--seed 42] [--samples 60]
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '@desk/event-store';
import {
  allWorkloads,
  decodeLogged,
  departmentWorkload,
  deskWorkload,
  ImpactChainProjection,
  openSqlite,
  prepareProjection,
  RequestSummariesProjection,
  WorkloadFactsProjection,
  type Projection,
  type ReadModelStore,
} from '@desk/read-models';
import { BENCH_DATA, historyFile } from './history/history-store';
import { round, say, type BenchFigure } from './support/report';
import { argument, runAsScript } from './support/cli';

const PAGE = 5_000;

interface Cost {
  size: number;
  department: string;
  now: Date;
  /** Milliseconds per query, sorted. */
  department_ms: number[];
  desk_ms: number[];
  all_ms: number[];
  openRequests: number;
  factsInRange: number;
  requestsEver: number;
  /** The desk's: facts in the range, and ever. */
  deskFactsInRange: number;
  deskFacts: number;
  departments: number;
}

export async function workloadCostBench(options: { sizes: number[]; seed: number; samples: number }): Promise<BenchFigure[]> {
  const costs: Cost[] = [];
  const same: Cost[] = [];
  const stores = new Map<number, ReadModelStore>();
  try {
    for (const size of options.sizes) stores.set(size, openSqlite(await readModelsFile(options.seed, size)));
    // Every history's queries once untimed first, so the first one measured does not pay for the warm-up of the code.
    for (const store of stores.values()) await measure(store, 0, 3);
    for (const [size, store] of stores) {
      const busiest = await measure(store, size, options.samples);
      costs.push(busiest);
      // The first history's busiest department in every history too: the same queue, with more history behind it.
      same.push(costs[0] === busiest ? busiest : await measure(store, size, options.samples, costs[0].department));
    }
  } finally {
    for (const store of stores.values()) await store.close();
  }
  const median = (values: number[]) => values[Math.floor(values.length / 2)];
  const p99 = (values: number[]) => values[Math.min(values.length - 1, Math.floor(values.length * 0.99))];
  for (const cost of [...costs, ...same.slice(1)]) {
    say(
      `workload-cost: ${cost.size} events, ${cost.department} at ${cost.now.toISOString()}: department median ${median(cost.department_ms).toFixed(1)} ms ` +
        `(p99 ${p99(cost.department_ms).toFixed(1)}), desk ${median(cost.desk_ms).toFixed(1)} ms, all ${cost.departments} departments ` +
        `${median(cost.all_ms).toFixed(1)} ms; read ${cost.openRequests} open requests and ${cost.factsInRange} facts of the range, ` +
        `of ${cost.requestsEver} requests the department ever had`,
    );
  }
  if (costs.length < 2) return [];
  const figure = (what: string, pick: (cost: Cost) => number[], [small, large] = costs): BenchFigure => ({
    workload: `live ${what}, ${large.size.toLocaleString('en')}-event history against ${small.size.toLocaleString('en')}, embedded, in process`,
    figure: round(median(pick(large)), 2),
    unit: 'ms median',
    reference: {
      what: `the same on the ${small.size.toLocaleString('en')}-event history`,
      figure: round(median(pick(small)), 2),
      unit: 'ms median',
    },
    ratio: median(pick(large)) / median(pick(small)),
    target: 'within 1.5×',
    met: median(pick(large)) / median(pick(small)) <= 1.5,
    notes: [small, large].map((cost) =>
      what.startsWith("a department's")
        ? `${cost.size} events: ${cost.department}, p99 ${p99(pick(cost)).toFixed(1)} ms; ${cost.openRequests} open requests and ` +
          `${cost.factsInRange} facts in its 30 days read, of ${cost.requestsEver} requests it ever had`
        : `${cost.size} events: p99 ${p99(pick(cost)).toFixed(1)} ms over ${cost.departments} departments; ${cost.deskFactsInRange} facts in the 30 days read, of ${cost.deskFacts} ever`,
    ),
  });
  return [
    figure("a department's workload (the busiest of each history)", (cost) => cost.department_ms),
    figure(
      `a department's workload (${same[0].department}, the busiest of the first history, in each)`,
      (cost) => cost.department_ms,
      same,
    ),
    figure('desk workload', (cost) => cost.desk_ms),
    figure('every department’s workloads (GET /workloads)', (cost) => cost.all_ms),
  ];
}

async function measure(store: ReadModelStore, size: number, samples: number, chosen?: string): Promise<Cost> {
  const db = store.reader;
  const last = await db
    .selectFrom('workload_facts')
    .select((eb) => eb.fn.max('at').as('at'))
    .executeTakeFirstOrThrow();
  const now = new Date(String(last.at));
  const from = new Date(now.getTime() - 29 * 86_400_000).toISOString().slice(0, 10);
  const busiest = await db
    .selectFrom('workload_facts')
    .select(['department_id', (eb) => eb.fn.countAll<string>().as('n')])
    .where('day', '>=', from)
    .groupBy('department_id')
    .orderBy('n', 'desc')
    .executeTakeFirstOrThrow();
  const department = chosen ?? busiest.department_id;
  const count = async (query: Promise<{ n: string | number } | undefined>) => Number((await query)?.n ?? 0);
  const openRequests = await count(
    db
      .selectFrom('request_summaries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('department_id', '=', department)
      .where('is_open', '=', 1)
      .executeTakeFirst(),
  );
  const requestsEver = await count(
    db
      .selectFrom('request_summaries')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('department_id', '=', department)
      .executeTakeFirst(),
  );
  const departments = await count(
    db
      .selectFrom('departments')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirst(),
  );
  const deskFacts = await count(
    db
      .selectFrom('workload_facts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirst(),
  );
  const deskFactsInRange = await count(
    db
      .selectFrom('workload_facts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('day', '>=', from)
      .where('at', '<=', now.toISOString())
      .executeTakeFirst(),
  );
  const time = async (query: () => Promise<unknown>, runs: number) => {
    for (let i = 0; i < 5; i++) await query();
    const ms: number[] = [];
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await query();
      ms.push(performance.now() - started);
    }
    return ms.sort((a, b) => a - b);
  };
  const factsInRange = await count(
    db
      .selectFrom('workload_facts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('department_id', '=', department)
      .where('day', '>=', from)
      .where('at', '<=', now.toISOString())
      .executeTakeFirst(),
  );
  return {
    size,
    department,
    now,
    department_ms: await time(() => departmentWorkload(db, department, {}, now), samples),
    desk_ms: await time(() => deskWorkload(db, {}, now), samples),
    all_ms: await time(() => allWorkloads(db, {}, now), Math.max(5, Math.floor(samples / 6))),
    openRequests,
    factsInRange,
    requestsEver,
    departments,
    deskFactsInRange,
    deskFacts,
  };
}

/** The read models of the history, built on first use (per projection versions) and kept beside it. */
async function readModelsFile(seed: number, size: number): Promise<string> {
  const projections: Projection[] = [new RequestSummariesProjection(), new ImpactChainProjection(), new WorkloadFactsProjection()];
  const versions = projections.map((projection) => projection.version).join('.');
  const file = join(BENCH_DATA, `workload-read-models-${seed}-${size}-v${versions}.sqlite`);
  if (existsSync(file)) return file;
  const log = await historyFile(seed, size, say);
  const partial = `${file}.partial`;
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  const started = performance.now();
  const events = new SqliteEventStore(log);
  const store = openSqlite(partial);
  try {
    for (const projection of projections) await prepareProjection(store, projection, new Date());
    let count = 0;
    for (
      let page = await events.readAll({ maxCount: PAGE });
      page.length > 0;
      page = await events.readAll({ after: page[page.length - 1].position, maxCount: PAGE })
    ) {
      for (const projection of projections) {
        const relevant = page.filter((event) => projection.eventTypes.has(event.type)).map(decodeLogged);
        if (relevant.length > 0) await store.writer.transaction().execute((trx) => projection.apply(trx, relevant));
      }
      count += page.length;
      if (count % 100_000 < PAGE) say(`workload-cost: projected ${count} of ${size} events`);
    }
  } finally {
    await store.close();
    await events.close();
  }
  renameSync(partial, file);
  for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  say(`workload-cost: built ${file} in ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return file;
}

runAsScript(module, async () => {
  const { printFigures } = await import('./support/report');
  printFigures(
    await workloadCostBench({
      sizes: (argument('--sizes') ?? '100000,1000000').split(',').map(Number),
      seed: Number(argument('--seed') ?? 42),
      samples: Number(argument('--samples') ?? 60),
    }),
  );
});
