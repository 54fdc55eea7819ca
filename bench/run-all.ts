/**
 * Every benchmark the product specification sets a target for, in one run, each figure beside its reference
 * measured in the same run, written to bench/RESULTS.md (the analysis part of
 * that file, between its markers, is kept).
 *
 *   npm run bench [-- --quick]     (--quick: 100,000 events and 5 s loads, to try the scripts)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './history/generate-history';
import { appendsBench } from './appends';
import { commandsBench } from './commands-http';
import { importBench } from './import-volvo';
import { profileCommands } from './profile-commands';
import { profileRebuild } from './profile-rebuild';
import { queueBench } from './queue-queries';
import { requestListBench } from './request-list';
import { searchBench } from './search';
import { changesStreamsBench } from './changes-streams';
import { rebuildBench } from './rebuild';
import { asOfBench } from './as-of';
import { workloadCostBench } from './workload-cost';
import { burstBench } from './burst';
import { gitCommit, keptAnalysis, machine, printFigures, say, type BenchFigure } from './support/report';
import { buildApps } from './support/service';
import { runAsScript } from './support/cli';

const RESULTS = join(ROOT, 'bench/RESULTS.md');

function markdown(figures: BenchFigure[], seconds: number, quick: boolean): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const lines = [
    '# Benchmark results',
    '',
    `Measured by \`npm run bench${quick ? ' -- --quick' : ''}\` on ${new Date().toISOString().slice(0, 10)}: ${machine()}, ` +
      `commit ${gitCommit()}, ${Math.round(seconds / 60)} minutes. Each figure stands beside a reference measured in the same run ` +
      '(the machine is shared and noisy: the ratios travel, the absolute figures less so). One script per workload: ' +
      '`bench/commands-http.ts` (with `bench/profile-commands.ts`), `bench/appends.ts`, `bench/rebuild.ts`, `bench/queue-queries.ts`, `bench/request-list.ts`, `bench/search.ts`, `bench/changes-streams.ts`, `bench/as-of.ts`, `bench/workload-cost.ts`, `bench/burst.ts`, `bench/import-volvo.ts`, ' +
      'each runnable alone with `node -r ./test/support/register-ts.js bench/<script>.ts`. The API and the CLI run from their build, as in production.',
    '',
    '| workload | figure | reference (same run) | ratio | target | met |',
    '|---|---|---|---|---|---|',
    ...figures.map(
      (f) =>
        `| ${cell(f.workload)} | ${f.figure.toLocaleString('en')} ${f.unit} | ${f.reference ? `${cell(f.reference.what)}: ${f.reference.figure.toLocaleString('en')} ${f.reference.unit}` : '–'} | ${
          f.ratio !== undefined ? `${(f.ratio * 100).toFixed(0)}%` : '–'
        } | ${cell(f.target)} | ${f.met ? 'yes' : '**no**'} |`,
    ),
    '',
    '## Details',
    '',
    ...figures.flatMap((f) => [`- **${f.workload}**`, ...(f.notes ?? []).map((note) => `  - ${note}`)]),
    '',
  ];
  return lines.join('\n');
}

runAsScript(module, async () => {
  const quick = process.argv.includes('--quick');
  const started = performance.now();
  const seconds = quick ? 5 : 10;
  const events = quick ? 100_000 : 1_000_000;
  buildApps();
  const figures: BenchFigure[] = [];
  const step = async (name: string, run: () => Promise<BenchFigure[]>) => {
    say(`\n== ${name}`);
    const result = await run();
    printFigures(result);
    figures.push(...result);
  };
  await step('commands over HTTP', async () => {
    const figures = await commandsBench({ seconds, connections: 32 });
    const { rate, shares } = await profileCommands({ seconds, projections: true });
    figures[0].notes = [
      ...(figures[0].notes ?? []),
      `where the API's CPU goes (V8 profile under the same load, ${rate} commands/s with the profiler on): ` +
        shares.map(([name, share]) => `${name} ${(share * 100).toFixed(1)}%`).join('; '),
    ];
    return figures;
  });
  await step('appends', () => appendsBench({ events: 20_000, seed: 42 }));
  await step('queue pages under load', () => queueBench({ seconds, seed: 42 }));
  await step('request list pages under load', () => requestListBench({ seconds, seed: 42, events: 100_000 }));
  await step(`search over ${events} events`, () => searchBench({ seconds, seed: 42, events }));
  await step('idle change streams', () => changesStreamsBench({ seconds, seed: 42, streams: 1000 }));
  await step(`as-of queries over ${events} events`, () => asOfBench({ events, seed: 42, samples: 60 }));
  await step('live workload cost as history grows', () => workloadCostBench({ sizes: [100_000, events], seed: 42, samples: 100 }));
  await step('a burst of ten times the sustained command rate', () =>
    burstBench({ seconds: quick ? 5 : 30, multiple: 10, connections: 400 }),
  );
  await step('Volvo import', () => importBench());
  await step(`rebuild from ${events} events`, async () => {
    const figures = await rebuildBench({ events, seed: 42 });
    const profiled = await profileRebuild({ events: 200_000, seed: 42 });
    figures[0].notes = [
      ...(figures[0].notes ?? []),
      `where a rebuild's CPU goes (every projection in one process over the first 200,000 events, V8 profile, ${profiled.rate} events/s with the profiler on): ` +
        profiled.shares.map(([name, share]) => `${name} ${(share * 100).toFixed(1)}%`).join('; '),
    ];
    return figures;
  });
  const report = `${markdown(figures, (performance.now() - started) / 1000, quick)}\n${keptAnalysis(RESULTS, 'npm run bench')}`;
  writeFileSync(RESULTS, report);
  say(`\nwrote ${RESULTS}`);
});
