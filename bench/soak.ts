/**
 * The soak of issue 7 (reliability, "Load"): the API as `npm start` runs it
 * (its own process, the same heap budget, a fresh DATA_DIR, LOG_LEVEL=info as
 * by default) under a steady command rate for minutes, with queries alongside
 * and an operator's rebuild of both read models in the middle. Then it checks
 * that nothing was lost and that the API stops cleanly on SIGTERM.
 *
 * - Commands: request lifecycles from this process, paced by a fixed-rate
 *   scheduler (open loop: a slot fires whether or not earlier commands have
 *   answered): open, impact links from internal work to the external requests
 *   it blocks (and some unlinks), transfers, first responses, internal notes,
 *   assign and reassign, start, holds and resumes, priority changes,
 *   escalations, compensation, resolve, reopen, ratings (a few poor ones, which
 *   the follow-up process answers), close, and a few cancellations. Each
 *   request's commands go one after the other and only where the lifecycle
 *   allows them, so the workload expects no refusal: ANY answer but a 2xx, any
 *   network error or timeout is a failure.
 * - Queries, paced the same way: queue pages (with filters), department and
 *   desk workloads, impact chains, blockers, GET /requests/{id}, and
 *   read-your-writes checks: right after a command, its request is looked up in
 *   its queue with minPosition = the command's position (or read back from its
 *   stream) and must show exactly what was sent.
 * - Half-way: POST /admin/projections/{name}/rebuild for both read models, the
 *   load going on; followed in GET /admin/projections until both are swapped in.
 * - Every 5 s: the API's resident memory (/proc) and V8 heap (/metrics). Memory
 *   is judged flat once the API's bounded caches are full (see the bound below:
 *   about 12 minutes at the default rate, hence the 20 minutes by default).
 * - At the end: every acknowledged command's event is in the log (GET /events)
 *   at the position it answered, streams have no gap and nothing the load did
 *   not send; the read models reached the head; every department's queue and
 *   status counts agree with what was sent; SIGTERM ends the API with status 0.
 *
 *   node -r ./test/support/register-ts.js bench/soak.ts [--minutes 20] [--rate 200] [--query-rate 50] [--seed 7] [--built] [--quick]
 *
 * --quick runs 1 minute and prints the report; any other run also writes it to
 * bench/SOAK.md (the analysis part of that file, between its markers, is kept).
 * Exit status 1 when a request failed, anything was lost or disagrees, the
 * memory bound was passed, the rate was not sustained, or the API did not exit 0.
 *
 * This file runs the phases in order; bench/soak/ holds one concern a file: the
 * load (command-load, query-load, steps, cases, pacing), the checks (log-audit,
 * read-model-audit, rebuild), memory (sampling and its verdict), the API's log,
 * and the report (soak-report).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './history/generate-history';
import { runAsScript } from './support/cli';
import { projectionListing, untilCaughtUp } from './support/projections';
import { keptAnalysis, round, say } from './support/report';
import { seededRandom } from './support/seeded-random';
import { buildApps, memoryOf, startApi, type RunningService } from './support/service';
import { ApiLog } from './soak/api-log';
import { CommandLoad } from './soak/command-load';
import { setUpDesk } from './soak/desk';
import { Disagreements } from './soak/disagreements';
import { Tally } from './soak/http';
import { auditLog } from './soak/log-audit';
import { judgeMemory, MemorySampler, SAMPLE_EVERY_MS } from './soak/memory';
import { soakOptions, type SoakOptions } from './soak/options';
import { paced } from './soak/pacing';
import { QueryLoad } from './soak/query-load';
import { compareReadModels } from './soak/read-model-audit';
import { rebuildAt, rebuildProblems } from './soak/rebuild';
import { soakReport } from './soak/soak-report';
import { soakTokens } from './soak/tokens';

const SOAK_REPORT = join(ROOT, 'bench/SOAK.md');

export async function soak(options: SoakOptions): Promise<{ report: string; ok: boolean }> {
  const { minutes, rate, queryRate } = options;
  const seconds = minutes * 60;
  const warmUpS = Math.max(15, Math.min(120, seconds * 0.2));
  const rebuildAtS = seconds / 2;
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  if (options.built) buildApps();

  const dataDir = mkdtempSync(join(tmpdir(), 'desk-soak-'));
  const spawnedAt = new Date();
  // As `npm start` runs by default: info logs (a line per command), requests limited per token.
  const api = await startApi({ DATA_DIR: dataDir, LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '6000' }, [], options.built, 'pipe');
  const pid = api.process.pid!;
  try {
    const atStart = memoryOf(pid);
    say(`soak: API pid ${pid} at ${api.url}, DATA_DIR ${dataDir}, RSS ${round(atStart.rssMb)} MB at start`);
    const apiLog = new ApiLog(api.process.stdout!);
    const tokens = soakTokens(pick);

    await setUpDesk(api.url);
    await untilCaughtUp(api, 60_000);
    const afterSetUp = memoryOf(pid);
    // The start-up lines (routes mapped…) are no part of the soak.
    apiLog.messages.clear();

    let startedAt = performance.now();
    const clock = () => (performance.now() - startedAt) / 1000;
    const commands = new Tally(clock);
    const queries = new Tally(clock);
    const monitoring = new Tally(clock);
    const disagreements = new Disagreements();
    const load = new CommandLoad({ url: api.url, seed: options.seed, rate, random, pick, tokens, commands, clock });
    const queryLoad = new QueryLoad({ url: api.url, rate: queryRate, random, pick, tokens, queries, load, disagreements });

    // Memory and progress, every few seconds.
    const sampler = new MemorySampler({ pid, url: api.url, operator: tokens.operator, monitoring, commands, queries, clock });
    startedAt = performance.now();
    await sampler.sample();
    const sampling = setInterval(() => void sampler.sample(), SAMPLE_EVERY_MS);
    const progress = setInterval(() => {
      const last = sampler.samples[sampler.samples.length - 1];
      say(
        `soak ${round(clock())} s: ${commands.total} commands (${commands.failed} failed), ${queries.total} queries (${queries.failed} failed), ` +
          `${load.active} requests open, ${load.inFlight} commands in flight; RSS ${last?.rssMb} MB, heap ${last?.heapUsedMb} MB`,
      );
    }, 30_000);
    const { rebuild, done: rebuildDone } = rebuildAt(rebuildAtS, api, monitoring, tokens.operator, clock);

    say(
      `soak: ${minutes} min at ${rate} commands/s and ${queryRate} queries/s, rebuild at ${round(rebuildAtS)} s, warm-up ${round(warmUpS)} s`,
    );
    const commandPacing = paced(rate, seconds, () => load.fire());
    const queryPacing = paced(queryRate, seconds, () => queryLoad.fire());
    await Promise.all([commandPacing.done, queryPacing.done]);
    const loadSeconds = clock();
    clearInterval(progress);
    // What is in flight finishes (a hang would show here), held requests are released.
    const drainDeadline = performance.now() + 30_000;
    while ((load.inFlight > 0 || queryLoad.inFlight > 0) && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 50));
    const hung = load.inFlight + queryLoad.inFlight;
    await rebuildDone;
    clearInterval(sampling);
    await sampler.sample();
    say(`soak: load done after ${round(loadSeconds)} s; ${commands.total} commands, ${queries.total} queries; verifying`);

    // Nothing lost: the read models reach the head, the log holds every acknowledged command.
    const caughtUp = await untilCaughtUp(api, 60_000).catch((error: Error) => error);
    const listing = caughtUp instanceof Error ? await projectionListing(api) : caughtUp;
    const problems: string[] = [];
    if (caughtUp instanceof Error) problems.push(caughtUp.message);
    for (const p of listing.projections) {
      if (p.state !== 'running') problems.push(`projection ${p.name} is ${p.state}${p.lastError ? `: ${p.lastError}` : ''}`);
    }
    problems.push(...rebuildProblems(rebuild));
    const log = await auditLog(api.url, tokens.analyst, load, problems);
    const readModels = await compareReadModels(api.url, tokens.manager, monitoring, load.cases, log.followUps, disagreements);
    const stop = await stopApi(api, problems);

    const memory = judgeMemory(sampler.samples, warmUpS, load.cacheFullAtS);
    const achieved = commandPacing.fired() / loadSeconds;
    const rateProblems: string[] = [];
    if (achieved < rate * 0.95) rateProblems.push(`${round(achieved)} commands/s sent, under 95% of the ${rate}/s asked`);
    if (commandPacing.missed() > 0)
      rateProblems.push(`${commandPacing.missed()} command slots missed (${load.maxInFlight} commands in flight)`);
    if (queryPacing.missed() > 0)
      rateProblems.push(`${queryPacing.missed()} query slots missed (${queryLoad.maxInFlight} queries in flight)`);
    if (hung > 0) problems.push(`${hung} requests still unanswered 30 s after the load stopped`);
    if ((apiLog.levels.get('error') ?? 0) > 0) problems.push(`${apiLog.levels.get('error')} error lines in the API's log`);

    const failures = commands.failed + queries.failed + monitoring.failed;
    const ok =
      failures === 0 && problems.length === 0 && disagreements.count === 0 && memory.problems.length === 0 && rateProblems.length === 0;
    const report = soakReport({
      options,
      spawnedAt,
      ok,
      warmUpS,
      loadSeconds,
      tallies: { commands, queries, monitoring },
      pacing: { commands: commandPacing, queries: queryPacing },
      achieved,
      failures,
      load,
      inconclusive: queryLoad.inconclusive,
      rebuild,
      log,
      readModels: { ...readModels, head: listing.head, caughtUp: !(caughtUp instanceof Error) },
      disagreements,
      stop,
      rssAtStartMb: atStart.rssMb,
      rssAfterSetUpMb: afterSetUp.rssMb,
      samples: sampler.samples,
      memory,
      apiLog,
      problems,
      rateProblems,
    });
    return { report, ok };
  } finally {
    // Whatever happened, no API is left running and no desk left behind.
    if (api.process.exitCode === null && api.process.signalCode === null) api.process.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** SIGTERM: the API stops cleanly, with status 0, in time. What went wrong is pushed onto `problems`. */
async function stopApi(api: RunningService, problems: string[]): Promise<{ stopped: boolean; exitCode: number | null; seconds: number }> {
  const stopStarted = performance.now();
  const stopped = await Promise.race([api.stop().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
  const seconds = (performance.now() - stopStarted) / 1000;
  if (!stopped) {
    problems.push('the API did not exit within 30 s of SIGTERM');
    api.process.kill('SIGKILL');
  } else if (api.process.exitCode !== 0)
    problems.push(`the API exited with status ${api.process.exitCode} (signal ${api.process.signalCode})`);
  return { stopped, exitCode: api.process.exitCode, seconds };
}

runAsScript(module, async () => {
  const options = soakOptions();
  const { report, ok } = await soak(options);
  process.stdout.write(`${report}\n`);
  if (!options.quick) {
    writeFileSync(SOAK_REPORT, `${report}\n${keptAnalysis(SOAK_REPORT, 'bench/soak.ts')}`);
    say(`wrote ${SOAK_REPORT}`);
  }
  if (!ok) process.exitCode = 1;
});
