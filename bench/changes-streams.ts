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
 *   node -r ./test/support/register-ts.js bench/changes-streams.ts [--seconds 10] [--streams 1000]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request, type ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyFile } from './history/history-store';
import { openRequests, type LoadResult } from './commands-http';
import { commandsElsewhere } from './queue-queries';
import { busiestTeams } from './request-list';
import { seedDesk } from './support/desk-setup';
import { metricValue } from './support/metrics';
import { describeNoise, watchNoise, type Noise } from './support/noise';
import { memoryOf, startApi, tokenFor, type RunningService } from './support/service';
import { untilCaughtUp } from './support/projections';
import { round, say, type BenchFigure } from './support/report';
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

interface Phase {
  commands: LoadResult;
  noise: Noise;
  rssEndMb: number;
  rssPeakMb: number;
  loopLagP99Ms: number;
}

/** The command load for `seconds`, the API's resident memory sampled meanwhile and its event-loop lag over it. */
async function commandPhase(api: RunningService, seconds: number, prefix: string): Promise<Phase> {
  await fetch(`${api.url}/metrics`); // resets the API's event-loop lag histogram: the next look covers this phase alone
  const noise = watchNoise();
  let rssPeakMb = 0;
  const sampler = setInterval(() => (rssPeakMb = Math.max(rssPeakMb, memoryOf(api.process.pid!).rssMb)), 200);
  try {
    const commands = await commandsElsewhere(api.url, seconds, prefix);
    const text = await (await fetch(`${api.url}/metrics`)).text();
    return {
      commands,
      noise: noise(),
      rssEndMb: round(memoryOf(api.process.pid!).rssMb, 1),
      rssPeakMb: round(rssPeakMb, 1),
      loopLagP99Ms: round(metricValue(text, 'desk_nodejs_eventloop_lag_p99_seconds') * 1000, 1),
    };
  } finally {
    clearInterval(sampler);
  }
}

const describePhase = (p: Phase) =>
  `${p.commands.rate} commands/s, p50 ${p.commands.p50} ms, p99 ${p.commands.p99} ms, ${p.commands.failed} failed; API event-loop lag p99 ${p.loopLagP99Ms} ms; RSS ${p.rssEndMb} MB at the end, ${p.rssPeakMb} MB at most; ${describeNoise(p.noise)}`;

export async function changesStreamsBench(options: { seconds: number; seed: number; streams: number }): Promise<BenchFigure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-bench-changes-'));
  copyFileSync(await historyFile(options.seed, 100_000, say), join(dataDir, 'events.sqlite'));
  const api = await startApi({
    DATA_DIR: dataDir,
    MAX_CONNECTIONS: String(options.streams + 200),
    CHANGES_STREAMS_MAX: String(options.streams + 100),
  });
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

    const memory = round(withStreamsAtRest.rssMb - before.rssMb, 1);
    const reference = round((without.commands.p99 + after.commands.p99) / 2, 1);
    const referenceP50 = round((without.commands.p50 + after.commands.p50) / 2, 1);
    const ratio = reference > 0 ? round(withStreams.commands.p99 / reference, 2) : NaN;
    const failed = without.commands.failed + withStreams.commands.failed + after.commands.failed;
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
        met: ratio <= 1.1 && failed === 0 && streamsHeld,
        notes: [
          `p50 ${withStreams.commands.p50} ms with the streams, ${referenceP50} ms without (autocannon's latencies are whole milliseconds)`,
          `without streams: ${describePhase(without)}`,
          `with ${options.streams} streams: ${describePhase(withStreams)}`,
          `without streams again, after they closed: ${describePhase(after)}`,
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
    }),
  );
});
