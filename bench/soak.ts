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
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { ROOT } from './history/generate-history';
import { call, seedDesk, REQUESTERS } from './support/desk-setup';
import { CACHE_LIMIT } from '@desk/application/commands/aggregate-repository';
import { argument, runAsScript } from './support/cli';
import { metricValue } from './support/metrics';
import { projectionListing, untilCaughtUp, untilRebuilt, type ProjectionListing } from './support/projections';
import { gitCommit, keptAnalysis, machine, percentile, round, say } from './support/report';
import { seededRandom, type Random } from './support/seeded-random';
import { buildApps, memoryOf, startApi, tokenFor, type RunningService } from './support/service';

const SOAK_REPORT = join(ROOT, 'bench/SOAK.md');
const PROJECTIONS = ['request-summaries', 'impact-chain'];
const PRIORITIES = ['critical', 'high', 'medium', 'low'] as const;
const OPEN = ['new', 'assigned', 'in_progress', 'on_hold'];
const INTERNAL_DEPARTMENTS = ['it', 'hr', 'facilities'];
const EXTERNAL_CUSTOMERS = 100;
const EXTERNAL_KINDS = ['individual', 'business', 'government', 'nonprofit'];
const AGENTS = 40;
const REQUEST_TIMEOUT_MS = 10_000;
const SAMPLE_EVERY_MS = 5_000;
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
const HEAP_FLOOR_SLOPE_BOUND = 2;
const RSS_BOUND_MB = 450;
const JUDGED_MINUTES = 5;

type Priority = (typeof PRIORITIES)[number];

// ---------------------------------------------------------------------------
// HTTP, timed and tallied

interface Answer {
  status: number;
  body: unknown;
  ms: number;
}

class Tally {
  readonly latencies: number[] = [];
  readonly failures = new Map<string, number>();
  readonly samples: string[] = [];
  /** Seconds into the load of the failures, by the second. */
  readonly failedAt = new Map<number, number>();
  total = 0;
  failed = 0;

  /** `clock`: seconds into the load. */
  constructor(private readonly clock: () => number) {}

  fail(what: string, detail: string): void {
    this.failed++;
    const seen = (this.failures.get(what) ?? 0) + 1;
    this.failures.set(what, seen);
    const at = Math.floor(this.clock());
    this.failedAt.set(at, (this.failedAt.get(at) ?? 0) + 1);
    // The first two of each kind, so that rare kinds are shown beside frequent ones.
    if (seen <= 2 && this.samples.length < 40) this.samples.push(`at ${at} s, ${what}: ${detail.slice(0, 300)}`);
  }
}

/** CPU time a process has used (user and system), in seconds, from /proc. */
function cpuSecondsOf(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat, after the command name in parentheses; in clock ticks (100 a second on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * One request; a failure (anything but a 2xx, a network error, a timeout) is counted in `tally` under `route` and
 * returned as undefined.
 */
async function send(
  tally: Tally,
  url: string,
  route: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer | undefined> {
  const started = performance.now();
  tally.total++;
  try {
    const answer = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await answer.text();
    const ms = performance.now() - started;
    tally.latencies.push(ms);
    if (answer.status < 200 || answer.status >= 300) {
      tally.fail(`${method} ${route} → ${answer.status}`, `${path}: ${text}`);
      return undefined;
    }
    const type = answer.headers.get('content-type') ?? '';
    return { status: answer.status, body: type.includes('application/json') ? JSON.parse(text) : text, ms };
  } catch (error) {
    const name = (error as Error).name === 'TimeoutError' ? 'timeout' : 'network error';
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    tally.fail(
      `${method} ${route} → ${name}`,
      `${path}: ${(error as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message ?? ''})` : ''}`,
    );
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// The desk and the requests it works

/** The departments, their service standards and the customers, over HTTP (bench/support/desk-setup.ts, then more). */
async function setUpDesk(url: string): Promise<void> {
  // it (with an internal standard), shop and 200 employees of the shop, half of them customer-facing.
  await seedDesk(url);
  const standard = (audience: string, firstResponse: number[], resolution: number[]) => ({
    targets: PRIORITIES.map((priority, i) => ({
      priority,
      audience,
      firstResponseMinutes: firstResponse[i],
      resolutionMinutes: resolution[i],
    })),
  });
  for (const [id, name] of [
    ['hr', 'Human resources'],
    ['facilities', 'Facilities'],
  ]) {
    await call(url, 'POST', '/departments', { id, name });
    await call(url, 'PUT', `/departments/${id}/service-standard`, standard('internal', [30, 60, 240, 480], [480, 960, 2400, 4800]));
  }
  // The shop serves external customers, with short targets: the SLA watch has breaches to record during the soak.
  await call(url, 'PUT', '/departments/shop/service-standard', standard('external', [1, 2, 30, 120], [2, 4, 240, 1440]));
  for (let i = 0; i < EXTERNAL_CUSTOMERS; i++) {
    await call(url, 'POST', '/customers', {
      id: `cust-${i}`,
      name: `Customer ${i}`,
      type: 'external',
      kind: EXTERNAL_KINDS[i % EXTERNAL_KINDS.length],
    });
  }
}

type StepKind =
  | 'open'
  | 'link'
  | 'unlink'
  | 'transfer'
  | 'reply'
  | 'note'
  | 'assign'
  | 'reassign'
  | 'start'
  | 'hold'
  | 'resume'
  | 'priority'
  | 'escalate'
  | 'compensate'
  | 'resolve'
  | 'reopen'
  | 'rate'
  | 'close'
  | 'cancel';

interface Case {
  id: string;
  audience: 'internal' | 'external';
  requesterId: string;
  departmentId: string;
  status: string;
  priority: Priority;
  assigneeId: string | null;
  steps: StepKind[];
  next: number;
  /** The effect request this one blocks, while linked. */
  effectId: string | null;
  rating: number | null;
  revision: string | null;
  position: string | null;
  /** A command of it failed: what it looks like now is unknown, so the final comparison leaves it out. */
  uncertain: boolean;
}

/** The commands of one request, in an order its lifecycle allows. */
function plan(random: Random, audience: 'internal' | 'external'): StepKind[] {
  const maybe = (p: number, ...steps: StepKind[]) => (random() < p ? steps : []);
  if (audience === 'internal' && random() < 0.05) return ['open', ...maybe(0.5, 'reply'), 'cancel'];
  const linked = audience === 'internal' && random() < 0.3;
  return [
    'open',
    ...(linked ? (['link'] as StepKind[]) : []),
    ...maybe(audience === 'internal' ? 0.1 : 0, 'transfer'),
    ...maybe(0.7, 'reply'),
    'assign',
    ...maybe(0.15, 'reassign'),
    'start',
    ...maybe(0.25, 'hold', 'resume'),
    ...maybe(0.1, 'priority'),
    ...maybe(0.1, 'escalate'),
    ...maybe(0.4, 'note'),
    ...maybe(audience === 'external' ? 0.15 : 0, 'compensate'),
    ...(linked ? maybe(0.3, 'unlink') : []),
    'resolve',
    ...maybe(0.08, 'reopen', 'resolve'),
    ...maybe(0.5, 'rate'),
    'close',
  ];
}

/** What each command's last event is, to find it in the log. */
const LAST_EVENT: Record<StepKind, string[]> = {
  open: ['RequestOpened'],
  link: ['ImpactLinked'],
  unlink: ['ImpactUnlinked'],
  transfer: ['RequestTransferred'],
  reply: ['CommentAdded', 'FirstResponseGiven'],
  note: ['CommentAdded'],
  assign: ['RequestAssigned'],
  reassign: ['RequestAssigned'],
  start: ['RequestWorkStarted'],
  hold: ['RequestPutOnHold'],
  resume: ['RequestResumed'],
  priority: ['RequestPriorityChanged'],
  escalate: ['RequestEscalated'],
  compensate: ['CompensationOffered'],
  resolve: ['RequestResolved'],
  reopen: ['RequestReopened'],
  rate: ['SatisfactionRated'],
  close: ['RequestClosed'],
  cancel: ['RequestCancelled'],
};

interface Ack {
  kind: StepKind;
  streamId: string;
  revision: string;
  position: string;
}

interface Sample {
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

interface SoakOptions {
  minutes: number;
  rate: number;
  queryRate: number;
  seed: number;
  built: boolean;
  quick: boolean;
}

/**
 * Fires `fire` `rate` times a second from now for `seconds`, on schedule whatever the answers take (open loop).
 * `fire` answers false when it may not send now (too much in flight): that slot is missed, not deferred.
 */
function paced(rate: number, seconds: number, fire: () => boolean): { done: Promise<void>; fired: () => number; missed: () => number } {
  const started = performance.now();
  let fired = 0;
  let missed = 0;
  let finish: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const timer = setInterval(() => {
    const elapsed = Math.min(seconds, (performance.now() - started) / 1000);
    const due = Math.floor(rate * elapsed);
    while (fired + missed < due) {
      if (fire()) fired++;
      else missed++;
    }
    if (elapsed >= seconds) {
      clearInterval(timer);
      finish();
    }
  }, 5);
  return { done, fired: () => fired, missed: () => missed };
}

/** The figures of one kind the samples have (a sample whose /metrics failed has none). */
function finite(samples: Sample[], figure: 'heapUsedMb' | 'loopLagP99Ms'): number[] {
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

    // The API's log lines: counted by level; warnings and errors shown and kept.
    const logLevels = new Map<string, number>();
    const logProblems: string[] = [];
    const logMessages = new Map<string, number>();
    createInterface({ input: api.process.stdout! }).on('line', (line) => {
      let entry: { level?: string; msg?: string };
      try {
        entry = JSON.parse(line) as { level?: string; msg?: string };
      } catch {
        entry = { level: 'unparsed', msg: line };
      }
      const level = entry.level ?? 'none';
      logLevels.set(level, (logLevels.get(level) ?? 0) + 1);
      if (entry.msg !== 'request') logMessages.set(`${level}: ${entry.msg}`, (logMessages.get(`${level}: ${entry.msg}`) ?? 0) + 1);
      if (level !== 'info' && level !== 'debug') {
        if (logProblems.length < 20) logProblems.push(line.slice(0, 500));
        say(`API log: ${line.slice(0, 500)}`);
      }
    });

    const manager = tokenFor('manager', 'soak-manager');
    const agentTokens = Array.from({ length: AGENTS }, (_, i) => tokenFor('agent', `agent-${i}`));
    const analyst = tokenFor('analyst');
    const operator = tokenFor('operator');
    const requesterTokens = new Map<string, string>();
    const requesterToken = (id: string) => {
      let token = requesterTokens.get(id);
      if (!token) requesterTokens.set(id, (token = tokenFor('requester', id)));
      return token;
    };
    const agentToken = (agentId: string | null) => (agentId ? agentTokens[Number(agentId.slice('agent-'.length))] : pick(agentTokens));

    await setUpDesk(api.url);
    await untilCaughtUp(api, 60_000);
    const afterSetUp = memoryOf(pid);
    // The start-up lines (routes mapped…) are no part of the soak.
    logMessages.clear();

    let startedAt = performance.now();
    const clock = () => (performance.now() - startedAt) / 1000;
    const commands = new Tally(clock);
    const queries = new Tally(clock);
    const monitoring = new Tally(clock);
    const mismatches: string[] = [];
    let mismatchCount = 0;
    let inconclusive = 0;
    const mismatch = (text: string) => {
      mismatchCount++;
      if (mismatches.length < 20) mismatches.push(text);
    };
    const acks: Ack[] = [];
    const cases: Case[] = [];
    const ready: Case[] = [];
    const held: Case[] = [];
    const activeExternal: Case[] = [];
    const linkedCauses: Case[] = [];
    let active = 0;
    let commandsInFlight = 0;
    let queriesInFlight = 0;
    const targetActive = rate * 5;
    const maxCommandsInFlight = Math.max(100, rate * 5);
    const maxQueriesInFlight = Math.max(50, queryRate * 5);
    const poorRatings: { requestId: string; departmentId: string }[] = [];
    // Streams the command side has loaded: the desk's departments and customers, the impact graph, every request.
    const setUpStreams = INTERNAL_DEPARTMENTS.length + 1 + REQUESTERS + EXTERNAL_CUSTOMERS + 1;
    let cacheFullAtS: number | undefined;
    // Commands that failed may still have been applied (a timeout): what they touched is left out of the comparison.
    let uncertainImpactCommands = 0;
    let requestNumber = 0;

    const openCase = (): Case => {
      const n = requestNumber++;
      const audience = random() < 0.3 ? 'external' : 'internal';
      const c: Case = {
        id: `soak-${options.seed}-${n}`,
        audience,
        requesterId: audience === 'external' ? `cust-${n % EXTERNAL_CUSTOMERS}` : `emp-${n % REQUESTERS}`,
        departmentId: audience === 'external' ? 'shop' : pick(INTERNAL_DEPARTMENTS),
        status: 'absent',
        priority: pick(PRIORITIES),
        assigneeId: null,
        steps: plan(random, audience),
        next: 0,
        effectId: null,
        rating: null,
        revision: null,
        position: null,
        uncertain: false,
      };
      cases.push(c);
      active++;
      if (cacheFullAtS === undefined && setUpStreams + cases.length + poorRatings.length >= CACHE_LIMIT) {
        cacheFullAtS = (performance.now() - startedAt) / 1000;
        say(`soak: ${CACHE_LIMIT} streams loaded at ${round(cacheFullAtS)} s: the aggregate cache is full`);
      }
      return c;
    };

    interface Call {
      route: string;
      method?: string;
      path: string;
      token: string;
      body?: unknown;
      /** What the command changes, once acknowledged. */
      apply: () => void;
    }

    /** The HTTP call of the case's next step; undefined to skip the step (nothing to link to yet, nothing to unlink). */
    const request = (c: Case, kind: StepKind): Call | undefined => {
      const path = `/requests/${c.id}`;
      const worker = agentToken(c.assigneeId);
      switch (kind) {
        case 'open':
          return {
            route: '/requests',
            path: '/requests',
            token: agentToken(null),
            body: {
              id: c.id,
              requesterId: c.requesterId,
              departmentId: c.departmentId,
              subject: `Soak request ${c.id}`,
              description: 'Opened by bench/soak.ts',
              priority: c.priority,
              channel: pick(['portal', 'email', 'phone', 'chat']),
            },
            apply: () => {
              c.status = 'new';
              if (c.audience === 'external') activeExternal.push(c);
            },
          };
        case 'link': {
          if (activeExternal.length === 0) return undefined;
          const effect = pick(activeExternal);
          return {
            route: '/requests/:id/impacts',
            path: `${path}/impacts`,
            token: worker,
            body: { effectRequestId: effect.id, relation: random() < 0.7 ? 'blocks' : 'degrades' },
            apply: () => {
              c.effectId = effect.id;
              linkedCauses.push(c);
            },
          };
        }
        case 'unlink':
          if (!c.effectId) return undefined;
          return {
            route: '/requests/:id/impacts/:effectRequestId',
            method: 'DELETE',
            path: `${path}/impacts/${c.effectId}`,
            token: worker,
            apply: () => (c.effectId = null),
          };
        case 'transfer': {
          const to = pick(INTERNAL_DEPARTMENTS.filter((d) => d !== c.departmentId));
          return {
            route: '/requests/:id/transfer',
            path: `${path}/transfer`,
            token: worker,
            body: { departmentId: to, reason: 'Belongs elsewhere' },
            apply: () => {
              c.departmentId = to;
              c.status = 'new';
              c.assigneeId = null;
            },
          };
        }
        case 'reply':
        case 'note':
          return {
            route: '/requests/:id/comments',
            path: `${path}/comments`,
            token: worker,
            body: {
              body: kind === 'reply' ? 'We are looking into it.' : 'Checked the logs, nothing yet.',
              visibility: kind === 'reply' ? 'public' : 'internal',
            },
            apply: () => {},
          };
        case 'assign':
        case 'reassign': {
          let agentId = `agent-${Math.floor(random() * AGENTS)}`;
          if (agentId === c.assigneeId) agentId = `agent-${(Number(agentId.slice(6)) + 1) % AGENTS}`;
          return {
            route: '/requests/:id/assign',
            path: `${path}/assign`,
            token: random() < 0.5 ? manager : worker,
            body: { agentId },
            apply: () => {
              c.assigneeId = agentId;
              c.status = 'assigned';
            },
          };
        }
        case 'start':
          return { route: '/requests/:id/start', path: `${path}/start`, token: worker, apply: () => (c.status = 'in_progress') };
        case 'hold':
          return {
            route: '/requests/:id/hold',
            path: `${path}/hold`,
            token: worker,
            body: { reason: random() < 0.5 ? 'awaiting_requester' : 'awaiting_third_party', note: 'Waiting' },
            apply: () => (c.status = 'on_hold'),
          };
        case 'resume':
          return { route: '/requests/:id/resume', path: `${path}/resume`, token: worker, apply: () => (c.status = 'in_progress') };
        case 'priority': {
          const to = pick(PRIORITIES.filter((p) => p !== c.priority));
          return {
            route: '/requests/:id/priority',
            path: `${path}/priority`,
            token: worker,
            body: { priority: to, reason: 'Reassessed' },
            apply: () => (c.priority = to),
          };
        }
        case 'escalate':
          return {
            route: '/requests/:id/escalate',
            path: `${path}/escalate`,
            token: worker,
            body: { reason: 'Needs L2' },
            apply: () => {},
          };
        case 'compensate':
          return {
            route: '/requests/:id/compensation',
            path: `${path}/compensation`,
            token: worker,
            body: { kind: pick(['refund', 'credit', 'discount']), amount: 10 + Math.floor(random() * 90), currency: 'EUR', note: 'Sorry' },
            apply: () => {},
          };
        case 'resolve':
          return {
            route: '/requests/:id/resolve',
            path: `${path}/resolve`,
            token: worker,
            body: { resolution: 'Fixed' },
            apply: () => (c.status = 'resolved'),
          };
        case 'reopen':
          return {
            route: '/requests/:id/reopen',
            path: `${path}/reopen`,
            token: requesterToken(c.requesterId),
            body: { reason: 'Still broken' },
            apply: () => (c.status = 'in_progress'),
          };
        case 'rate': {
          // One rating in twenty is poor (1 or 2): the follow-up process opens a request for it.
          const score = random() < 0.05 ? 1 + Math.floor(random() * 2) : 3 + Math.floor(random() * 3);
          return {
            route: '/requests/:id/satisfaction',
            path: `${path}/satisfaction`,
            token: requesterToken(c.requesterId),
            body: { score, comment: score <= 2 ? 'Not good' : 'Thanks' },
            apply: () => {
              c.rating = score;
              if (score <= 2) poorRatings.push({ requestId: c.id, departmentId: c.departmentId });
            },
          };
        }
        case 'close':
          return {
            route: '/requests/:id/close',
            path: `${path}/close`,
            token: random() < 0.5 ? requesterToken(c.requesterId) : worker,
            apply: () => (c.status = 'closed'),
          };
        case 'cancel':
          return {
            route: '/requests/:id/cancel',
            path: `${path}/cancel`,
            token: requesterToken(c.requesterId),
            body: { reason: 'No longer needed' },
            apply: () => (c.status = 'cancelled'),
          };
      }
    };

    const finished = (c: Case) => {
      active--;
      if (c.audience === 'external') {
        const index = activeExternal.indexOf(c);
        if (index >= 0) activeExternal.splice(index, 1);
      }
    };

    /** Sends the case's next step (skipping those that do not apply now); false when it has none left. */
    const advance = (c: Case): boolean => {
      for (; c.next < c.steps.length; c.next++) {
        const kind = c.steps[c.next];
        const command = request(c, kind);
        if (!command) continue;
        commandsInFlight++;
        const isImpact = kind === 'link' || kind === 'unlink';
        void send(
          commands,
          api.url,
          command.route,
          command.method ?? 'POST',
          command.path,
          command.token,
          command.body ?? (command.method ? undefined : {}),
          {
            'idempotency-key': `${c.id}-${c.next}`,
          },
        ).then((answer) => {
          commandsInFlight--;
          if (!answer) {
            c.uncertain = true;
            if (isImpact) uncertainImpactCommands++;
            finished(c);
            return;
          }
          const { revision, position } = answer.body as { revision: string; position: string };
          acks.push({ kind, streamId: isImpact ? 'impact-graph' : `request-${c.id}`, revision, position });
          command.apply();
          if (!isImpact) c.revision = revision;
          c.position = position;
          c.next++;
          if (c.next >= c.steps.length) return finished(c);
          // Some requests are held for a read-your-writes check before their next command.
          if (held.length < 10 && random() < 0.1) held.push(c);
          else ready.push(c);
        });
        return true;
      }
      finished(c);
      return false;
    };

    const fireCommand = (): boolean => {
      if (commandsInFlight >= maxCommandsInFlight) return false;
      for (;;) {
        let c: Case;
        if (active < targetActive || ready.length === 0) c = openCase();
        else {
          const index = Math.floor(random() * ready.length);
          c = ready[index];
          ready[index] = ready[ready.length - 1];
          ready.pop();
        }
        if (advance(c)) return true;
      }
    };

    type QueueItem = { requestId: string; status: string; priority: string; assigneeId: string | null; followUpOf: string | null };
    type QueuePage = { items: QueueItem[]; nextCursor: string | null };

    /** Read-your-writes on a request whose last command just answered: its queue at that position, or its stream. */
    const checkHeld = async (c: Case): Promise<void> => {
      if (random() < 0.6) {
        const assignee = c.assigneeId ?? 'none';
        const answer = await send(
          queries,
          api.url,
          '/queues/:departmentId (minPosition)',
          'GET',
          `/queues/${c.departmentId}?assigneeId=${assignee}&limit=200&minPosition=${c.position}`,
          agentToken(null),
        );
        if (answer) {
          const page = answer.body as QueuePage;
          const item = page.items.find((i) => i.requestId === c.id);
          const open = OPEN.includes(c.status);
          if (open && !item) {
            if (page.nextCursor) inconclusive++;
            else
              mismatch(
                `read-your-writes: ${c.id} (${c.status}, ${assignee}) missing from queue ${c.departmentId} at position ${c.position}`,
              );
          } else if (!open && item)
            mismatch(`read-your-writes: ${c.id} is ${c.status} but still in queue ${c.departmentId} as ${item.status}`);
          else if (item && (item.status !== c.status || item.priority !== c.priority)) {
            mismatch(
              `read-your-writes: ${c.id} is ${c.status}/${c.priority}, its queue at ${c.position} says ${item.status}/${item.priority}`,
            );
          }
        }
      } else {
        const answer = await send(queries, api.url, '/requests/:id', 'GET', `/requests/${c.id}`, agentToken(null));
        if (answer) {
          const view = answer.body as { status: string; revision: string; priority: string };
          if (view.revision !== c.revision || view.status !== c.status || view.priority !== c.priority) {
            mismatch(
              `GET /requests/${c.id}: ${view.status}/${view.priority} at revision ${view.revision}, sent ${c.status}/${c.priority} up to revision ${c.revision}`,
            );
          }
        }
      }
    };

    const someCase = (): Case | undefined => (cases.length > 0 ? cases[Math.floor(random() * cases.length)] : undefined);

    /**
     * The mix: agents watching queues and requests most, managers' workloads now and then (1 in 20: a workload
     * computes its figures over the department's last 30 days, which at this rate is the whole history).
     */
    const fireQuery = (): boolean => {
      if (queriesInFlight >= maxQueriesInFlight) return false;
      const dice = random();
      let work: Promise<unknown>;
      const c = someCase();
      if (dice < 0.3 && held.length > 0) {
        const h = held.shift()!;
        work = checkHeld(h).finally(() => ready.push(h));
      } else if (dice < 0.6 || !c || c.status === 'absent') {
        const filter = pick([
          '',
          '&status=new',
          '&status=in_progress,on_hold',
          `&assigneeId=agent-${Math.floor(random() * AGENTS)}`,
          '&audience=external',
          '&assigneeId=none',
        ]);
        const department = pick([...INTERNAL_DEPARTMENTS, 'shop']);
        work = send(queries, api.url, '/queues/:departmentId', 'GET', `/queues/${department}?limit=50${filter}`, agentToken(null));
      } else if (dice < 0.7) {
        work = send(queries, api.url, '/requests/:id', 'GET', `/requests/${c.id}`, agentToken(null));
      } else if (dice < 0.74) {
        work = send(
          queries,
          api.url,
          '/departments/:id/workload',
          'GET',
          `/departments/${pick([...INTERNAL_DEPARTMENTS, 'shop'])}/workload`,
          manager,
        );
      } else if (dice < 0.75) {
        work = send(queries, api.url, '/workloads', 'GET', '/workloads', manager);
      } else if (dice < 0.9) {
        const linked = linkedCauses.length > 0 && random() < 0.7 ? pick(linkedCauses) : c;
        work = send(
          queries,
          api.url,
          '/impact/requests/:id',
          'GET',
          `/impact/requests/${linked.id}?minPosition=${linked.position}`,
          agentToken(null),
        );
      } else {
        const department = random() < 0.5 ? '' : `?departmentId=${pick(INTERNAL_DEPARTMENTS)}`;
        work = send(queries, api.url, '/impact/blockers', 'GET', `/impact/blockers${department}`, agentToken(null));
      }
      queriesInFlight++;
      void work.finally(() => queriesInFlight--);
      return true;
    };

    // Memory and progress, every few seconds.
    const samples: Sample[] = [];
    const sample = async () => {
      const atS = (performance.now() - startedAt) / 1000;
      const { rssMb } = memoryOf(pid);
      const cpuS = cpuSecondsOf(pid);
      const answer = await send(monitoring, api.url, '/metrics', 'GET', '/metrics', operator);
      const text = typeof answer?.body === 'string' ? answer.body : '';
      const mb = (name: string) => round(metricValue(text, name) / 2 ** 20, 1);
      samples.push({
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
    };
    startedAt = performance.now();
    await sample();
    const sampler = setInterval(() => void sample(), SAMPLE_EVERY_MS);
    const progress = setInterval(() => {
      const last = samples[samples.length - 1];
      say(
        `soak ${round((performance.now() - startedAt) / 1000)} s: ${commands.total} commands (${commands.failed} failed), ${queries.total} queries (${queries.failed} failed), ` +
          `${active} requests open, ${commandsInFlight} commands in flight; RSS ${last?.rssMb} MB, heap ${last?.heapUsedMb} MB`,
      );
    }, 30_000);

    // The rebuild, half-way.
    const rebuild: { startedS?: number; finishedS?: number; states: Set<string>; error?: string; maxLag: number } = {
      states: new Set(),
      maxLag: 0,
    };
    const rebuildDone = new Promise<void>((resolve) => {
      setTimeout(() => {
        void (async () => {
          rebuild.startedS = (performance.now() - startedAt) / 1000;
          say(`soak: rebuilding ${PROJECTIONS.join(' and ')} at ${round(rebuild.startedS)} s`);
          for (const name of PROJECTIONS) {
            const answer = await send(
              monitoring,
              api.url,
              '/admin/projections/:name/rebuild',
              'POST',
              `/admin/projections/${name}/rebuild`,
              operator,
            );
            if (answer?.status !== 202) rebuild.error = `rebuild ${name}: ${answer?.status ?? 'failed'}`;
          }
          await untilRebuilt(
            api,
            (listing: ProjectionListing) => {
              for (const p of listing.projections) {
                if (p.rebuild) rebuild.states.add(`${p.name}: ${p.rebuild.state}`);
                rebuild.maxLag = Math.max(rebuild.maxLag, Number(p.lag ?? 0));
              }
            },
            250,
          );
          rebuild.finishedS = (performance.now() - startedAt) / 1000;
          say(`soak: rebuild done in ${round(rebuild.finishedS - rebuild.startedS, 1)} s`);
        })()
          .catch((error: Error) => (rebuild.error = error.message))
          .finally(resolve);
      }, rebuildAtS * 1000);
    });

    say(
      `soak: ${minutes} min at ${rate} commands/s and ${queryRate} queries/s, rebuild at ${round(rebuildAtS)} s, warm-up ${round(warmUpS)} s`,
    );
    const commandLoad = paced(rate, seconds, fireCommand);
    const queryLoad = paced(queryRate, seconds, fireQuery);
    await Promise.all([commandLoad.done, queryLoad.done]);
    const loadSeconds = (performance.now() - startedAt) / 1000;
    clearInterval(progress);
    // What is in flight finishes (a hang would show here), held requests are released.
    const drainDeadline = performance.now() + 30_000;
    while ((commandsInFlight > 0 || queriesInFlight > 0) && performance.now() < drainDeadline) await new Promise((r) => setTimeout(r, 50));
    const hung = commandsInFlight + queriesInFlight;
    await rebuildDone;
    clearInterval(sampler);
    await sample();
    say(`soak: load done after ${round(loadSeconds)} s; ${commands.total} commands, ${queries.total} queries; verifying`);

    // ---------------------------------------------------------------------------
    // Nothing lost: the read models reach the head, the log holds every acknowledged command.
    const caughtUp = await untilCaughtUp(api, 60_000).catch((error: Error) => error);
    const listing = caughtUp instanceof Error ? await projectionListing(api) : caughtUp;
    const problems: string[] = [];
    if (caughtUp instanceof Error) problems.push(caughtUp.message);
    for (const p of listing.projections) {
      if (p.state !== 'running') problems.push(`projection ${p.name} is ${p.state}${p.lastError ? `: ${p.lastError}` : ''}`);
    }
    if (rebuild.error) problems.push(`the rebuild: ${rebuild.error}`);
    if (rebuild.finishedS === undefined) problems.push('the rebuild did not finish');
    if ([...rebuild.states].some((s) => s.endsWith('faulted'))) problems.push(`a rebuild faulted: ${[...rebuild.states].join(', ')}`);

    const byPosition = new Map(acks.map((ack) => [ack.position, ack]));
    const streams = new Map<string, { next: bigint; gaps: number; lastOurs: bigint; count: number }>();
    const typesByActor = new Map<string, number>();
    const followUps: { requestId: string; followUpOf: string; departmentId: string }[] = [];
    let logEvents = 0;
    let found = 0;
    let exportError: string | undefined;
    const eventsAnswer = await fetch(`${api.url}/events`, { headers: { authorization: `Bearer ${analyst}` } });
    if (eventsAnswer.status !== 200) exportError = `GET /events: ${eventsAnswer.status}`;
    else {
      const lines = createInterface({ input: Readable.fromWeb(eventsAnswer.body as never) });
      for await (const line of lines) {
        if (!line) continue;
        const event = JSON.parse(line) as {
          position: string;
          streamId: string;
          revision: string;
          type: string;
          data: Record<string, unknown>;
          metadata: { actor?: string };
          error?: string;
        };
        if (event.error) {
          exportError = event.error;
          break;
        }
        logEvents++;
        const actor = String(event.metadata.actor ?? '');
        const system = actor.startsWith('system:');
        const key = `${system ? actor : 'load'} ${event.type}`;
        typesByActor.set(key, (typesByActor.get(key) ?? 0) + 1);
        const stream = streams.get(event.streamId) ?? { next: 0n, gaps: 0, lastOurs: -1n, count: 0 };
        if (BigInt(event.revision) !== stream.next) stream.gaps++;
        stream.next = BigInt(event.revision) + 1n;
        stream.count++;
        if (!system) stream.lastOurs = BigInt(event.revision);
        streams.set(event.streamId, stream);
        if (event.type === 'RequestOpened' && typeof event.data.followUpOf === 'string') {
          followUps.push({
            requestId: String(event.data.requestId),
            followUpOf: event.data.followUpOf,
            departmentId: String(event.data.departmentId),
          });
        }
        const ack = byPosition.get(event.position);
        if (ack) {
          if (ack.streamId !== event.streamId || ack.revision !== event.revision || !LAST_EVENT[ack.kind].includes(event.type)) {
            problems.push(
              `position ${event.position}: ${event.streamId}@${event.revision} ${event.type}, answered as ${ack.streamId}@${ack.revision} (${ack.kind})`,
            );
          } else found++;
        }
      }
    }
    if (exportError) problems.push(`the export: ${exportError}`);
    const lost = acks.length - found;
    if (lost > 0) problems.push(`${lost} acknowledged commands have no event at the position they answered`);
    let extra = 0;
    for (const c of cases) {
      if (c.uncertain || c.revision === null) continue;
      const stream = streams.get(`request-${c.id}`);
      if (!stream || stream.lastOurs !== BigInt(c.revision)) {
        extra++;
        if (extra <= 5)
          problems.push(
            `request-${c.id}: the last event the load caused is at revision ${stream?.lastOurs}, its last answer said ${c.revision}`,
          );
      }
    }
    const gaps = [...streams.values()].reduce((sum, s) => sum + s.gaps, 0);
    if (gaps > 0) problems.push(`${gaps} gaps in stream revisions`);
    const impactGraph = streams.get('impact-graph');
    const impactAcks = acks.filter((a) => a.streamId === 'impact-graph').length;
    const impactEvents = impactGraph?.count ?? 0;
    if (impactEvents < impactAcks || impactEvents > impactAcks + uncertainImpactCommands) {
      problems.push(
        `impact-graph holds ${impactEvents} events, ${impactAcks} links and unlinks were answered (${uncertainImpactCommands} failed)`,
      );
    }
    const uncertainIds = new Set(cases.filter((c) => c.uncertain).map((c) => c.id));
    const expectedFollowUps = new Set(poorRatings.map((r) => r.requestId));
    const followedUp = followUps.filter((f) => !uncertainIds.has(f.followUpOf));
    if (followedUp.length !== expectedFollowUps.size || followedUp.some((f) => !expectedFollowUps.has(f.followUpOf))) {
      problems.push(
        `${followedUp.length} follow-ups opened for ${expectedFollowUps.size} poor ratings (${followUps.length - followedUp.length} more for requests with a failed command)`,
      );
    }

    // The read models agree with what was sent: every department's queue, item by item, and its counts by status.
    let compared = 0;
    const notCompared: string[] = [];
    for (const department of [...INTERNAL_DEPARTMENTS, 'shop']) {
      const items = new Map<string, QueueItem>();
      for (let cursor: string | null = ''; cursor !== null;) {
        const answer = await send(
          monitoring,
          api.url,
          '/queues/:departmentId (final)',
          'GET',
          `/queues/${department}?limit=200${cursor ? `&cursor=${cursor}` : ''}`,
          manager,
        );
        if (!answer) break;
        const page = answer.body as QueuePage;
        for (const item of page.items) items.set(item.requestId, item);
        cursor = page.nextCursor;
      }
      const expected = cases.filter((c) => !c.uncertain && c.status !== 'absent' && c.departmentId === department);
      const counts = new Map<string, number>();
      for (const c of expected) {
        counts.set(c.status, (counts.get(c.status) ?? 0) + 1);
        const item = items.get(c.id);
        const open = OPEN.includes(c.status);
        if (
          open !== Boolean(item) ||
          (item && (item.status !== c.status || item.assigneeId !== c.assigneeId || item.priority !== c.priority))
        ) {
          mismatch(
            `queue ${department}: ${c.id} sent ${c.status}/${c.assigneeId}/${c.priority}, read ${item ? `${item.status}/${item.assigneeId}/${item.priority}` : 'absent'}`,
          );
        }
        compared++;
      }
      const followUpsHere = followUps.filter((f) => f.departmentId === department);
      const unexplained = [...items.values()].filter(
        (i) => !i.followUpOf && !uncertainIds.has(i.requestId) && !expected.some((c) => c.id === i.requestId),
      );
      if (unexplained.length > 0)
        mismatch(`queue ${department}: ${unexplained.length} requests the load did not open, e.g. ${unexplained[0].requestId}`);
      if ([...items.values()].filter((i) => i.followUpOf).length !== followUpsHere.length) {
        mismatch(
          `queue ${department}: ${[...items.values()].filter((i) => i.followUpOf).length} follow-ups in the queue, ${followUpsHere.length} opened`,
        );
      }
      counts.set('new', (counts.get('new') ?? 0) + followUpsHere.length);
      const workload = await send(
        monitoring,
        api.url,
        '/departments/:id/workload (final)',
        'GET',
        `/departments/${department}/workload`,
        manager,
      );
      const byStatus = (workload?.body as { byStatus?: Record<string, number> } | undefined)?.byStatus ?? {};
      // A request whose command failed may have moved or not: counts are compared only where none did.
      const uncertainHere = cases.filter((c) => c.uncertain && c.departmentId === department).length;
      if (uncertainHere > 0) notCompared.push(`${department} (${uncertainHere} requests with a failed command)`);
      else
        for (const status of new Set([...counts.keys(), ...Object.keys(byStatus)])) {
          if ((byStatus[status] ?? 0) !== (counts.get(status) ?? 0)) {
            mismatch(`workload ${department}: ${byStatus[status] ?? 0} ${status}, ${counts.get(status) ?? 0} sent`);
          }
        }
    }

    // SIGTERM: the API stops cleanly, with status 0, in time.
    const stopStarted = performance.now();
    const stopped = await Promise.race([api.stop().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 30_000))]);
    const stopSeconds = (performance.now() - stopStarted) / 1000;
    if (!stopped) {
      problems.push('the API did not exit within 30 s of SIGTERM');
      api.process.kill('SIGKILL');
    } else if (api.process.exitCode !== 0)
      problems.push(`the API exited with status ${api.process.exitCode} (signal ${api.process.signalCode})`);

    // ---------------------------------------------------------------------------
    // Memory: flat after the warm-up?
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
    const memoryProblems: string[] = [];
    if (maxRss > RSS_BOUND_MB) memoryProblems.push(`resident memory reached ${maxRss} MB, over the ${RSS_BOUND_MB} MB bound`);
    if (judged && fullFloorSlope > HEAP_FLOOR_SLOPE_BOUND) {
      memoryProblems.push(
        `the heap floor grew ${round(fullFloorSlope, 2)} MB/min once the caches were full, over the ${HEAP_FLOOR_SLOPE_BOUND} MB/min bound`,
      );
    }
    const flatness = judged
      ? `from ${round(judgedFromS)} s (${CACHE_LIMIT.toLocaleString('en')} streams loaded: the aggregate cache full) to the end: RSS slope ${round(fullRssSlope, 2)} MB/min, ` +
        `max − min ${round(Math.max(...full.map((s) => s.rssMb)) - Math.min(...full.map((s) => s.rssMb)))} MB; heap floor slope **${round(fullFloorSlope, 2)} MB/min**, ` +
        `max − min ${round(Math.max(...finite(full, 'heapUsedMb')) - Math.min(...finite(full, 'heapUsedMb')))} MB`
      : `not judged: ${cacheFullAtS === undefined ? `the load loaded fewer than ${CACHE_LIMIT.toLocaleString('en')} streams, the aggregate cache never filled` : `the aggregate cache filled at ${round(cacheFullAtS)} s`}, ` +
        `and the slope is judged over at least ${JUDGED_MINUTES} minutes after that (run longer: --minutes)`;
    const achieved = commandLoad.fired() / loadSeconds;
    const rateProblems: string[] = [];
    if (achieved < rate * 0.95) rateProblems.push(`${round(achieved)} commands/s sent, under 95% of the ${rate}/s asked`);
    if (commandLoad.missed() > 0)
      rateProblems.push(`${commandLoad.missed()} command slots missed (${maxCommandsInFlight} commands in flight)`);
    if (queryLoad.missed() > 0) rateProblems.push(`${queryLoad.missed()} query slots missed (${maxQueriesInFlight} queries in flight)`);
    if (hung > 0) problems.push(`${hung} requests still unanswered 30 s after the load stopped`);
    if ((logLevels.get('error') ?? 0) > 0) problems.push(`${logLevels.get('error')} error lines in the API's log`);

    const failures = commands.failed + queries.failed + monitoring.failed;
    const ok = failures === 0 && problems.length === 0 && mismatchCount === 0 && memoryProblems.length === 0 && rateProblems.length === 0;

    // ---------------------------------------------------------------------------
    // The report.
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
    for (const [at, n] of [...commands.failedAt, ...queries.failedAt, ...monitoring.failedAt])
      bySecond.set(at, (bySecond.get(at) ?? 0) + n);
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
      `| read models | caught up with the head (${listing.head}): ${caughtUp instanceof Error ? 'no' : 'yes'}; ${compared.toLocaleString('en')} requests compared with their queue and counts, ${mismatchCount} disagreements; ${inconclusive} read-your-writes checks inconclusive (page full) |`,
      `| SIGTERM | ${stopped ? `exit status ${api.process.exitCode} after ${round(stopSeconds, 1)} s` : 'no exit within 30 s'} |`,
      `| RSS | start ${round(atStart.rssMb)} MB, after set-up ${round(afterSetUp.rssMb)} MB, after warm-up ${round(afterWarmUp.rssMb)} MB, min ${round(Math.min(...rssValues))} MB, max ${round(Math.max(...rssValues))} MB, end ${round(end.rssMb)} MB |`,
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
    return { report: lines.join('\n'), ok };
  } finally {
    // Whatever happened, no API is left running and no desk left behind.
    if (api.process.exitCode === null && api.process.signalCode === null) api.process.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runAsScript(module, async () => {
  const quick = process.argv.includes('--quick');
  const options: SoakOptions = {
    minutes: Number(argument('--minutes') ?? (quick ? 1 : 20)),
    rate: Number(argument('--rate') ?? 200),
    queryRate: Number(argument('--query-rate') ?? 50),
    seed: Number(argument('--seed') ?? 7),
    built: process.argv.includes('--built'),
    quick,
  };
  const { report, ok } = await soak(options);
  process.stdout.write(`${report}\n`);
  if (!quick) {
    writeFileSync(SOAK_REPORT, `${report}\n${keptAnalysis(SOAK_REPORT, 'bench/soak.ts')}`);
    say(`wrote ${SOAK_REPORT}`);
  }
  if (!ok) process.exitCode = 1;
});
