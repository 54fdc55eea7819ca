/**
 * What 1,000 idle GET /changes streams (Server-Sent Events) cost the API: its resident memory, and the latency of
 * the queue benchmark's command load (request lifecycles into IT at 500 commands/s from a process of its own),
 * without streams and with them, in one run. The desk is the queue benchmark's: the first 100,000 events of the
 * generated history and a second of IT requests opened over HTTP.
 *
 * The streams are consoles and portals that nothing they follow changes during the measure (so idle: the commands
 * go to IT): 700 agents following one of the history's teams each (departmentId), 200 agents following their own
 * assignments (mine=true) and 100 external customers of the history following their own requests, one token subject
 * each, so CHANGES_STREAMS_PER_SUBJECT keeps its default; the API is given MAX_CONNECTIONS and CHANGES_STREAMS_MAX
 * above 1,000 (their defaults, 1,000 and 500, hold fewer). Each stream is a raw HTTP request with
 * `Accept: text/event-stream`, read as it comes, from this process.
 *
 * The run: a warm-up of the command load; the load without streams; 1,000 streams opened and left at rest (the
 * memory figure: resident memory at rest with them less at rest before them); the load with them; the streams
 * closed and the load without them again (the reference is the mean of the two runs without).
 *
 * With --profile the API runs under V8's profiler, and the report says how much of its thread each phase spent in
 * the change streams' code (the feed handing every change to every stream, their filters): the cost of the streams
 * in the API's own CPU, which other load on the machine does not stretch as it stretches latencies.
 *
 *   node -r ./test/support/register-ts.js bench/changes-streams.ts [--seconds 10] [--streams 1000] [--profile]
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyFile } from './history/history-store';
import { openRequests, type LoadResult } from './commands-http';
import { commandsElsewhere } from './queue-queries';
import { busiestTeams } from './request-list';
import { seedDesk } from './support/desk-setup';
import { metricValue } from './support/metrics';
import { cpuSecondsOf, describeNoise, watchNoise, type Noise } from './support/noise';
import { memoryOf, startApi, tokenFor, type RunningService } from './support/service';
import { untilCaughtUp } from './support/projections';
import { round, say, type BenchFigure } from './support/report';
import type { CpuProfile } from './profile-commands';
import { argument, runAsScript } from './support/cli';

/** One open stream, as this process reads it. */
interface Stream {
  request: ClientRequest;
  changes: number;
  comments: number;
  ended: boolean;
}

interface StreamSpec {
  path: string;
  token: string;
}

/** Who follows what: one token subject per stream. */
function streamSpecs(count: number, teams: string[]): StreamSpec[] {
  return Array.from({ length: count }, (_, i) => {
    if (i % 10 < 7) {
      return { path: `/changes?departmentId=${encodeURIComponent(teams[i % teams.length])}`, token: tokenFor('agent', `console-${i}`) };
    }
    if (i % 10 < 9) return { path: '/changes?mine=true', token: tokenFor('agent', `console-${i}`) };
    return { path: '/changes', token: tokenFor('requester', `ext-${i}`) };
  });
}

/** Opens a stream and resolves once its head and first comment arrived (a 200 with text/event-stream), else rejects. */
function openStream(api: RunningService, agent: Agent, spec: StreamSpec): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.url}${spec.path}`, {
      agent,
      headers: { accept: 'text/event-stream', authorization: `Bearer ${spec.token}` },
    });
    const stream: Stream = { request: req, changes: 0, comments: 0, ended: false };
    req.once('error', (error) => (stream.ended ? undefined : reject(error)));
    req.once('response', (response) => {
      if (response.statusCode !== 200 || !String(response.headers['content-type']).startsWith('text/event-stream')) {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.once('end', () => reject(new Error(`GET ${spec.path}: ${response.statusCode} ${body}`)));
        return;
      }
      response.setEncoding('utf8');
      let pending = '';
      let first = true;
      response.on('data', (chunk: string) => {
        pending += chunk;
        const messages = pending.split('\n\n');
        pending = messages.pop() ?? '';
        for (const message of messages) {
          if (/^event: change$/m.test(message)) stream.changes++;
          else if (message.startsWith(':') || message.startsWith('retry:')) stream.comments++;
        }
        if (first) {
          first = false;
          resolve(stream);
        }
      });
      response.once('close', () => (stream.ended = true));
    });
    req.end();
  });
}

async function openStreams(api: RunningService, specs: StreamSpec[], agent: Agent): Promise<Stream[]> {
  const streams: Stream[] = [];
  // Fifty at a time: consoles open as people arrive, not in one burst of a thousand handshakes.
  for (let from = 0; from < specs.length; from += 50) {
    streams.push(...(await Promise.all(specs.slice(from, from + 50).map((spec) => openStream(api, agent, spec)))));
  }
  return streams;
}

interface AtRest {
  rssMb: number;
  heapUsedMb: number;
  openConnections: number;
}

/** The API's memory after a few quiet seconds (what the last work left settles), and the streams it says are open. */
async function atRest(api: RunningService, settleMs = 3000): Promise<AtRest> {
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const text = await (await fetch(`${api.url}/metrics`)).text();
  return {
    rssMb: round(memoryOf(api.process.pid!).rssMb, 1),
    heapUsedMb: round(metricValue(text, 'desk_nodejs_heap_size_used_bytes') / 2 ** 20, 1),
    openConnections: openConnections(text),
  };
}

/** The HTTP connections the API holds open (its own gauge). */
function openConnections(text: string): number {
  return metricValue(text, 'desk_http_open_connections');
}

/** Now on the monotonic clock V8's profiles use, in µs. */
const clockMicros = () => Number(process.hrtime.bigint() / 1000n);

interface Phase {
  /** When it ran, on clockMicros. */
  from: number;
  to: number;
  commands: LoadResult;
  noise: Noise;
  rssEndMb: number;
  rssPeakMb: number;
  loopLagP99Ms: number;
  /** The API's CPU time per command, in ms: its own work, which other processes on the machine do not stretch as they do latency. */
  cpuMsPerCommand: number;
}

/** The command load for `seconds`, the API's resident memory sampled meanwhile and its event-loop lag over it. */
async function commandPhase(api: RunningService, seconds: number, prefix: string): Promise<Phase> {
  await fetch(`${api.url}/metrics`); // resets the API's event-loop lag histogram: the next look covers this phase alone
  const from = clockMicros();
  const noise = watchNoise();
  const cpuBefore = cpuSecondsOf(api.process.pid!);
  let rssPeakMb = 0;
  const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, memoryOf(api.process.pid!).rssMb)), 200);
  try {
    const commands = await commandsElsewhere(api.url, seconds, prefix);
    const cpuSeconds = cpuSecondsOf(api.process.pid!) - cpuBefore;
    const text = await (await fetch(`${api.url}/metrics`)).text();
    return {
      from,
      to: clockMicros(),
      commands,
      noise: noise(),
      rssEndMb: round(memoryOf(api.process.pid!).rssMb, 1),
      rssPeakMb: round(rssPeakMb, 1),
      loopLagP99Ms: round(metricValue(text, 'desk_nodejs_eventloop_lag_p99_seconds') * 1000, 1),
      cpuMsPerCommand: round((cpuSeconds * 1000) / Math.max(1, commands.total), 3),
    };
  } finally {
    clearInterval(sampler);
  }
}

/** The code that serves GET /changes: the feed reading each commit once and handing each change to every stream, the streams, their filter. */
const STREAM_CODE = /\/changes\/change-(feed|streams)|request-changes\.query/;

/**
 * Of the API's profiled thread within [from, to]: the ms it was busy (not idle: time it was off the core counts, as
 * the sampling clock is wall time), the ms of those in the streams' code, and the streams' functions that took most
 * (each sample counted for the innermost streams' function on its stack).
 */
function streamShare(
  profile: CpuProfile & { startTime: number },
  from: number,
  to: number,
): { busyMs: number; streamsMs: number; top: string } {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const innermost = new Map<number, string | null>();
  const streamsFrame = (id: number): string | null => {
    const known = innermost.get(id);
    if (known !== undefined) return known;
    const frame = nodes.get(id)!.callFrame;
    const up = parent.get(id);
    const found = STREAM_CODE.test(frame.url) ? frame.functionName || '(anonymous)' : up !== undefined ? streamsFrame(up) : null;
    innermost.set(id, found);
    return found;
  };
  let at = profile.startTime;
  let busy = 0;
  let streams = 0;
  const byFunction = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    at += micros;
    if (at < from || at > to || nodes.get(id)!.callFrame.functionName === '(idle)') return;
    busy += micros;
    const name = streamsFrame(id);
    if (name === null) return;
    streams += micros;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  });
  const top = [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, micros]) => `${name} ${round(micros / 1000)} ms`)
    .join(', ');
  return { busyMs: round(busy / 1000), streamsMs: round(streams / 1000), top };
}

const describePhase = (p: Phase) =>
  `${p.commands.rate} commands/s, p50 ${p.commands.p50} ms, p99 ${p.commands.p99} ms, ${p.commands.failed} failed; the API's CPU ${p.cpuMsPerCommand} ms per command; its event-loop lag p99 ${p.loopLagP99Ms} ms; RSS ${p.rssEndMb} MB at the end, ${p.rssPeakMb} MB at most; ${describeNoise(p.noise)}`;

export async function changesStreamsBench(options: {
  seconds: number;
  seed: number;
  streams: number;
  /** With V8's profiler on in the API: where its thread went while the streams were open (the latencies are then not the figure). */
  profile?: boolean;
}): Promise<BenchFigure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-bench-changes-'));
  const profiles = join(dataDir, 'profiles');
  copyFileSync(await historyFile(options.seed, 100_000, say), join(dataDir, 'events.sqlite'));
  const api = await startApi(
    {
      DATA_DIR: dataDir,
      MAX_CONNECTIONS: String(options.streams + 200),
      CHANGES_STREAMS_MAX: String(options.streams + 100),
    },
    options.profile ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : [],
  );
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  let streams: Stream[] = [];
  try {
    await untilCaughtUp(api);
    await seedDesk(api.url);
    await openRequests(api.url, 32, 1, 'fill');
    await untilCaughtUp(api);
    const teams = await busiestTeams(api);
    await commandPhase(api, Math.min(5, options.seconds), 'warm');

    const without = await commandPhase(api, options.seconds, 'none');
    say(`without streams: ${describePhase(without)}`);
    const before = await atRest(api);
    const opening = performance.now();
    streams = await openStreams(api, streamSpecs(options.streams, teams), agent);
    const openedInS = round((performance.now() - opening) / 1000, 1);
    const opened = streams.length;
    const withStreamsAtRest = await atRest(api);
    say(
      `${streams.length} streams opened in ${openedInS} s; at rest: RSS ${before.rssMb} MB before them, ${withStreamsAtRest.rssMb} MB with them; ` +
        `V8 heap used ${before.heapUsedMb} MB, ${withStreamsAtRest.heapUsedMb} MB; the API's open connections ${before.openConnections}, ${withStreamsAtRest.openConnections}`,
    );
    const withStreams = await commandPhase(api, options.seconds, 'streams');
    say(`with ${opened} streams: ${describePhase(withStreams)}`);
    const ended = streams.filter((s) => s.ended).length;
    const changes = streams.reduce((sum, s) => sum + s.changes, 0);
    const comments = streams.reduce((sum, s) => sum + s.comments, 0);
    say(`streams: ${ended} ended early, ${changes} changes and ${comments} comments received in all`);
    for (const stream of streams) stream.request.destroy();
    streams = [];
    const closed = await atRest(api);
    const after = await commandPhase(api, options.seconds, 'after');
    say(`without streams again: ${describePhase(after)}`);
    const profiled: string[] = [];
    if (options.profile) {
      await api.stop();
      const file = readdirSync(profiles).find((name) => name.endsWith('.cpuprofile'))!;
      const profile = JSON.parse(readFileSync(join(profiles, file), 'utf8')) as CpuProfile & { startTime: number };
      for (const [name, phase] of [
        ['without streams', without],
        [`with ${opened} streams`, withStreams],
        ['without them again', after],
      ] as const) {
        const { busyMs, streamsMs, top } = streamShare(profile, phase.from, phase.to);
        profiled.push(
          `${name}: the API's thread busy ${busyMs} ms, ${streamsMs} ms of it (${busyMs > 0 ? round((streamsMs / busyMs) * 100, 1) : 0}%) in the change streams' code, ` +
            `${round((streamsMs * 1000) / Math.max(1, phase.commands.total))} µs per command${top ? ` (${top})` : ''}`,
        );
      }
      say(`V8 profile of the API (profiler on): ${profiled.join('; ')}`);
    }

    const memory = round(withStreamsAtRest.rssMb - before.rssMb, 1);
    const reference = round((without.commands.p99 + after.commands.p99) / 2, 1);
    const referenceP50 = round((without.commands.p50 + after.commands.p50) / 2, 1);
    const ratio = reference > 0 ? round(withStreams.commands.p99 / reference, 2) : NaN;
    const failed = without.commands.failed + withStreams.commands.failed + after.commands.failed;
    // A latency is comparable only at the same load: with the streams the API must still have achieved the rate it did without.
    const referenceRate = (without.commands.rate + after.commands.rate) / 2;
    const sameLoad = withStreams.commands.rate >= 0.9 * referenceRate;
    const streamsHeld = ended === 0 && changes === 0;
    const load = `the queue benchmark's command load (500 commands/s: open, assign, resolve)`;
    return [
      {
        workload: `API resident memory for ${options.streams.toLocaleString('en')} idle GET /changes streams (at rest, with them less before them)`,
        figure: memory,
        unit: 'MB',
        reference: { what: 'resident memory at rest before them', figure: before.rssMb, unit: 'MB' },
        target: '< 50 MB',
        met: memory < 50 && streamsHeld,
        notes: [
          `${opened} streams (700 agents each following a team, 200 following their own assignments, 100 customers following their own requests; one token subject each) opened in ${openedInS} s, 50 at a time, all answered 200 text/event-stream; MAX_CONNECTIONS ${options.streams + 200}, CHANGES_STREAMS_MAX ${options.streams + 100}, CHANGES_STREAMS_PER_SUBJECT and CHANGES_KEEP_ALIVE_MS at their defaults (5, 15 s)`,
          `at rest: RSS ${before.rssMb} MB before, ${withStreamsAtRest.rssMb} MB with the streams, ${closed.rssMb} MB once they closed; V8 heap used ${before.heapUsedMb} MB, ${withStreamsAtRest.heapUsedMb} MB, ${closed.heapUsedMb} MB`,
          `during the command load: RSS ${without.rssEndMb} MB at the end without streams, ${withStreams.rssEndMb} MB with them, ${after.rssEndMb} MB without them again (peaks ${without.rssPeakMb}, ${withStreams.rssPeakMb}, ${after.rssPeakMb} MB)`,
          `the streams during the load: ${ended} ended early, ${changes} changes received (idle: nothing they follow changed), ${comments} comments (the opening retry and keep-alives)`,
        ],
      },
      {
        workload: `command latency with ${options.streams.toLocaleString('en')} idle GET /changes streams open, under ${load}`,
        figure: withStreams.commands.p99,
        unit: 'ms p99',
        reference: { what: 'the same load without streams (mean of the runs before and after)', figure: reference, unit: 'ms p99' },
        ratio,
        target: '≤ 110% of the latency without streams',
        met: ratio <= 1.1 && sameLoad && failed === 0 && streamsHeld,
        notes: [
          `p50 ${withStreams.commands.p50} ms with the streams, ${referenceP50} ms without (autocannon's latencies are whole milliseconds); achieved ${withStreams.commands.rate} commands/s with them, ${round(referenceRate)}/s without${sameLoad ? '' : ' (not the same load: judged not met)'}`,
          `without streams: ${describePhase(without)}`,
          `with ${options.streams} streams: ${describePhase(withStreams)}`,
          `without streams again, after they closed: ${describePhase(after)}`,
          ...(profiled.length > 0 ? [`V8 profile of the API (profiler on, so these latencies are not the figure): ${profiled.join('; ')}`] : []),
        ],
      },
    ];
  } finally {
    for (const stream of streams) stream.request.destroy();
    agent.destroy();
    await api.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runAsScript(module, async () => {
  const { printFigures } = await import('./support/report');
  printFigures(
    await changesStreamsBench({
      seconds: Number(argument('--seconds') ?? 10),
      seed: Number(argument('--seed') ?? 42),
      streams: Number(argument('--streams') ?? 1000),
      profile: process.argv.includes('--profile'),
    }),
  );
});
