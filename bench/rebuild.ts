/**
 * Rebuilding every projection from a 1,000,000-event desk, embedded and on
 * PostgreSQL, beside reading the same log through the same adapter without
 * projecting. The API process does the work, as in production: first its
 * catch-up from empty read models, then an operator's rebuild
 * (POST /admin/projections/{name}/rebuild) of every read model at once; its resident memory is read from
 * /proc afterwards.
 *
 *   node -r ./test/support/register-ts.js bench/rebuild.ts [--events 1000000] [--seed 42] [--only embedded|postgres]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { PostgresEventStore, SqliteEventStore, type EventStore } from '@desk/event-store';
import { allProjections } from '@desk/read-models';
import { copyToPostgres, historyFile } from './history/history-store';
import { memoryOf, startApi, tokenFor } from './support/service';
import { untilCaughtUp, untilRebuilt } from './support/projections';
import { round, say, type BenchFigure } from './support/report';
import { argument, benchDatabaseUrl, runAsScript } from './support/cli';

/** Every read model of the product, the temporal tables included. */
const PROJECTIONS = allProjections().map((projection) => projection.name);

export async function rebuildBench(options: { events: number; seed: number; only?: string }): Promise<BenchFigure[]> {
  const file = await historyFile(options.seed, options.events, say);
  const figures: BenchFigure[] = [];
  if (options.only !== 'postgres') figures.push(...(await embedded(file, options.events)));
  if (options.only !== 'embedded') {
    const url = await benchDatabaseUrl();
    if (url) figures.push(...(await postgres(file, url, options.events)));
    else say('rebuild on PostgreSQL: skipped, no PostgreSQL reachable (set DATABASE_URL)');
  }
  return figures;
}

async function embedded(file: string, events: number): Promise<BenchFigure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-bench-rebuild-'));
  try {
    copyFileSync(file, join(dataDir, 'events.sqlite'));
    const store = new SqliteEventStore(join(dataDir, 'events.sqlite'));
    const read = await readWholeLog(store);
    await store.close();
    say(`embedded: read the log through the adapter at ${read} events/s`);
    return await measure('embedded', { DATA_DIR: dataDir }, events, read, 100_000);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function postgres(file: string, url: string, events: number): Promise<BenchFigure[]> {
  say('postgres: copying the log into desk_events…');
  await copyToPostgres(file, url, 'desk_events');
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('DROP SCHEMA IF EXISTS desk_read CASCADE');
  await client.end();
  const store = await PostgresEventStore.connect({ connectionString: url, schema: 'desk_events' });
  const read = await readWholeLog(store);
  await store.close();
  say(`postgres: read the log through the adapter at ${read} events/s`);
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-bench-rebuild-'));
  try {
    return await measure('PostgreSQL', { DATA_DIR: dataDir, EVENTSTORE_URL: url, DATABASE_URL: url }, events, read, 30_000);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The raw speed of the log: every event read and decoded through the port, pages of 1000 as the projections read it. */
async function readWholeLog(store: EventStore): Promise<number> {
  const started = performance.now();
  let count = 0;
  for (
    let page = await store.readAll({ maxCount: 1000 });
    page.length > 0;
    page = await store.readAll({ after: page[page.length - 1].position, maxCount: 1000 })
  ) {
    count += page.length;
  }
  return round(count / ((performance.now() - started) / 1000));
}

async function measure(
  label: string,
  env: Record<string, string>,
  events: number,
  readRate: number,
  target: number,
): Promise<BenchFigure[]> {
  const spawned = performance.now();
  const api = await startApi(env);
  try {
    const listening = performance.now();
    await untilCaughtUp(api);
    const catchUpSeconds = (performance.now() - listening) / 1000;
    const afterCatchUp = memoryOf(api.process.pid!);
    say(
      `${label}: catch-up from empty read models ${catchUpSeconds.toFixed(1)} s after listening (${((listening - spawned) / 1000).toFixed(1)} s to start)`,
    );

    const started = performance.now();
    for (const name of PROJECTIONS) {
      const answer = await fetch(`${api.url}/admin/projections/${name}/rebuild`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tokenFor('operator')}` },
      });
      if (answer.status !== 202) throw new Error(`rebuild ${name}: ${answer.status} ${await answer.text()}`);
    }
    await untilRebuilt(api);
    const rebuildSeconds = (performance.now() - started) / 1000;
    const memory = memoryOf(api.process.pid!);
    const rate = round(events / rebuildSeconds);
    say(
      `${label}: rebuild of ${PROJECTIONS.join(' and ')} ${rebuildSeconds.toFixed(1)} s, ${rate} events/s; RSS ${memory.rssMb.toFixed(0)} MB, peak ${memory.peakMb.toFixed(0)} MB`,
    );
    const figures: BenchFigure[] = [
      {
        workload: `rebuild of all projections from ${events.toLocaleString('en')} events, ${label}`,
        figure: rate,
        unit: 'events/s',
        reference: { what: 'reading the same log through the adapter', figure: readRate, unit: 'events/s' },
        ratio: rate / readRate,
        target: `≥ ${target.toLocaleString('en')} events/s and ≥ 30% of reading the log`,
        met: rate >= target && rate / readRate >= 0.3,
        notes: [
          `operator rebuild of all ${PROJECTIONS.length} read models at once (${PROJECTIONS.join(', ')}: copies beside the live models, swapped in); catch-up from empty read models at start: ${round(events / catchUpSeconds)} events/s`,
          `API resident memory: ${round(afterCatchUp.rssMb)} MB after the catch-up, ${round(memory.rssMb)} MB after the rebuild, peak ${round(memory.peakMb)} MB`,
        ],
      },
    ];
    if (label === 'embedded') {
      figures.push({
        workload: `API resident memory after a ${events.toLocaleString('en')}-event rebuild, ${label}`,
        figure: round(memory.rssMb),
        unit: 'MB',
        target: '≤ 300 MB',
        met: memory.rssMb <= 300,
        notes: [`peak resident memory during catch-up and rebuild: ${round(memory.peakMb)} MB`],
      });
    }
    return figures;
  } finally {
    await api.stop();
  }
}

runAsScript(module, async () => {
  const { printFigures } = await import('./support/report');
  printFigures(
    await rebuildBench({
      events: Number(argument('--events') ?? 1_000_000),
      seed: Number(argument('--seed') ?? 42),
      only: argument('--only'),
    }),
  );
});
