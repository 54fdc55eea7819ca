/**
 * GET /requests pages beside queue pages, under the queue benchmark's command
 * load. The desk holds the first 100,000 events of the generated history (the
 * Volvo teams' requests, open and closed) and a second of IT requests opened
 * over HTTP. Then, at once, for `--seconds`:
 *
 * - commands: request lifecycles into IT (open, assign, resolve) at 500
 *   commands/s from a process of their own, as bench/queue-queries.ts;
 * - 50 agents reading list pages of 50 at 5 pages/s each on average
 *   (exponential think times), each page one of the common shapes: every
 *   request, a department's (IT, the busiest team, two teams at once), a
 *   requester's, the unassigned, resolved and closed ones, IT's open ones,
 *   IT by due time, and page 2 of every request (a cursor);
 * - 50 agents reading queue pages of 50 the same way (IT's and the busiest
 *   team's queue): the reference, measured in the same run.
 *
 * Then the same list pages in this process, on the API's read-model file
 * through the same query code, one at a time: the engine's own time for them.
 *
 *   node -r ./test/support/register-ts.js bench/request-list.ts [--seconds 10] [--events 100000]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, requestList, type RequestListFilter } from '@desk/read-models';
import type { RequestStatus } from '@desk/domain';
import { historyFile } from './history/history-store';
import { openRequests } from './commands-http';
import { agentsReading, commandsElsewhere } from './queue-queries';
import { seedDesk } from './support/desk-setup';
import { describeNoise, watchNoise } from './support/noise';
import { serverView } from './support/server-view';
import { startApi, tokenFor, type RunningService } from './support/service';
import { untilCaughtUp } from './support/projections';
import { percentile, round, say, type BenchFigure } from './support/report';
import { argument, runAsScript } from './support/cli';

const READERS_EACH = 50;

interface Page {
  items: { requestId: string; departmentId: string; requesterId: string }[];
  nextCursor: string | null;
}

async function get(api: RunningService, path: string, token: string): Promise<Page> {
  const answer = await fetch(`${api.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  if (answer.status !== 200) throw new Error(`GET ${path}: ${answer.status} ${await answer.text()}`);
  return (await answer.json()) as Page;
}

/** The departments but IT by their open requests, busiest first (the workloads a manager sees). */
export async function busiestTeams(api: RunningService): Promise<string[]> {
  const answer = await fetch(`${api.url}/workloads`, { headers: { authorization: `Bearer ${tokenFor('manager')}` } });
  if (answer.status !== 200) throw new Error(`GET /workloads: ${answer.status} ${await answer.text()}`);
  const body = (await answer.json()) as { departments?: { departmentId: string; open?: number }[] } | { departmentId: string; open?: number }[];
  const list = Array.isArray(body) ? body : (body.departments ?? []);
  return [...list]
    .sort((a, b) => (b.open ?? 0) - (a.open ?? 0))
    .map((d) => d.departmentId)
    .filter((id) => id !== 'it');
}

/**
 * The list's common shapes over IT (where the commands go), the two busiest teams of the history and a requester of
 * the history's. The teams come from the workloads: the newest requests are the fill's, all IT's.
 */
async function shapes(api: RunningService, token: string, teams: string[]): Promise<string[]> {
  const [team, second] = [teams[0] ?? 'it', teams[1] ?? teams[0] ?? 'it'].map(encodeURIComponent);
  const ofTeam = await get(api, `/requests?departmentId=${team}&limit=1`, token);
  const requester = encodeURIComponent(ofTeam.items[0]?.requesterId ?? 'emp-1');
  const first = await get(api, '/requests?limit=50', token);
  say(`list shapes over it, ${team} and ${second}, requester ${requester}`);
  return [
    '/requests?limit=50',
    `/requests?limit=50&cursor=${first.nextCursor}`,
    '/requests?departmentId=it&limit=50',
    `/requests?departmentId=${team}&limit=50`,
    `/requests?departmentId=${team},${second}&limit=50`,
    `/requests?requesterId=${requester}&limit=50`,
    '/requests?requesterId=emp-7&limit=50',
    '/requests?assigneeId=none&limit=50',
    '/requests?status=resolved,closed&limit=50',
    '/requests?departmentId=it&status=new,assigned,in_progress,on_hold&limit=50',
    '/requests?departmentId=it&sort=dueAt&order=asc&limit=50',
  ];
}

/** The list filter a path of the shapes asks for, as the controller reads it (staff). */
function filterOf(path: string): RequestListFilter {
  const parameters = new URL(path, 'http://desk').searchParams;
  const list = (name: string) => parameters.get(name)?.split(',');
  const assignee = parameters.get('assigneeId');
  return {
    statuses: list('status') as RequestStatus[] | undefined,
    departmentIds: list('departmentId'),
    assigneeId: assignee === 'none' ? null : (assignee ?? undefined),
    requesterId: parameters.get('requesterId') ?? undefined,
    sort: (parameters.get('sort') ?? 'updatedAt') as RequestListFilter['sort'],
    order: (parameters.get('order') ?? 'desc') as RequestListFilter['order'],
    limit: Number(parameters.get('limit') ?? 50),
    cursor: parameters.get('cursor') ?? undefined,
  };
}

/**
 * The same shapes in this process, straight on the API's read-model file through the same query code (requestList
 * on its own SQLite connection), each `rounds` times one after the other: the engine's own time for a page, without
 * HTTP, the API's event loop, the commands or the other readers.
 */
async function listInProcess(dataDir: string, paths: string[], rounds: number): Promise<{ p50: number; p99: number; pages: number }> {
  const store = openSqlite(join(dataDir, 'read-models.sqlite'));
  try {
    const times: number[] = [];
    for (let pass = 0; pass < rounds; pass++) {
      for (const path of paths) {
        const started = performance.now();
        await requestList(store.reader, filterOf(path), new Date(), 'staff');
        times.push(performance.now() - started);
      }
    }
    times.sort((a, b) => a - b);
    return { p50: round(percentile(times, 50), 1), p99: round(percentile(times, 99), 1), pages: times.length };
  } finally {
    await store.close();
  }
}

export async function requestListBench(options: { seconds: number; seed: number; events: number }): Promise<BenchFigure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-bench-list-'));
  copyFileSync(await historyFile(options.seed, options.events, say), join(dataDir, 'events.sqlite'));
  const api = await startApi({ DATA_DIR: dataDir });
  try {
    await untilCaughtUp(api);
    await seedDesk(api.url);
    await openRequests(api.url, 32, 1, 'fill');
    await untilCaughtUp(api);
    const token = tokenFor('agent');
    const teams = await busiestTeams(api);
    const listPaths = await shapes(api, token, teams);
    // The queue benchmark's pages: IT's queue and the busiest team's.
    const queuePaths = ['/queues/it?limit=50', `/queues/${encodeURIComponent(teams[0] ?? 'it')}?limit=50`];
    const { before: listBefore } = await serverView(api, '/requests');
    const { before: queueBefore } = await serverView(api, '/queues/:departmentId');
    const noise = watchNoise();
    const [list, queue, commands] = await Promise.all([
      agentsReading(api.url, token, listPaths, options.seconds, READERS_EACH),
      agentsReading(api.url, token, queuePaths, options.seconds, READERS_EACH),
      commandsElsewhere(api.url, options.seconds, 'list-during'),
    ]);
    const during = noise();
    // The queue's look comes second: the first look took the event-loop lag of the measure (its histogram resets at each look).
    const { view: listView } = await serverView(api, '/requests', listBefore);
    const { view: queueView } = await serverView(api, '/queues/:departmentId', queueBefore);
    say(`list pages: ${list.rate}/s, p50 ${list.p50} ms, p99 ${list.p99} ms, ${list.failed} failed ${list.errors.slice(0, 3).join(' ')}`);
    say(`queue pages: ${queue.rate}/s, p50 ${queue.p50} ms, p99 ${queue.p99} ms, ${queue.failed} failed`);
    say(`commands: ${commands.rate}/s, p99 ${commands.p99} ms, ${commands.failed} failed; ${describeNoise(during)}`);
    say(`the API's own view: ${listView.describe}; queue pages: 99% within ${queueView.routeP99Ms} ms`);
    const engineNoise = watchNoise();
    const engine = await listInProcess(dataDir, listPaths, 20);
    const engineDuring = engineNoise();
    say(`in process, one at a time: ${engine.pages} list pages, p50 ${engine.p50} ms, p99 ${engine.p99} ms; ${describeNoise(engineDuring)}`);
    return [
      {
        workload: `GET /requests page of 50 (${listPaths.length} shapes: all, a cursor's page 2, departments, requesters, unassigned, statuses, by due time) under ${READERS_EACH} readers at 5 pages/s each, beside ${READERS_EACH} queue readers, during command load (500 commands/s), ${options.events.toLocaleString('en')}-event history`,
        figure: list.p99,
        unit: 'ms p99',
        reference: { what: 'queue page of 50, same run', figure: queue.p99, unit: 'ms p99' },
        ratio: queue.p99 > 0 ? round(list.p99 / queue.p99, 2) : undefined,
        target: '≤ 20 ms p99',
        met: list.p99 <= 20 && list.failed === 0 && commands.failed === 0,
        notes: [
          `list pages: ${list.rate}/s, p50 ${list.p50} ms, ${list.total} pages, ${list.failed} failed; queue pages: ${queue.rate}/s, p50 ${queue.p50} ms, p99 ${queue.p99} ms, ${queue.failed} failed; commands alongside: ${commands.rate}/s, p99 ${commands.p99} ms, ${commands.failed} failed`,
          `the API's own view during the measure: ${listView.describe}; 99% of ${queueView.answers} queue pages within ${queueView.routeP99Ms} ms; the readers' p99 beyond that is time outside the API's handlers`,
          describeNoise(during),
          `the same shapes in process, one at a time, through requestList on the API's read-model file (no HTTP, no other load): ${engine.pages} pages, p50 ${engine.p50} ms, p99 ${engine.p99} ms; ${describeNoise(engineDuring)}`,
          `shapes: ${listPaths.map((path) => path.replace(/cursor=[^&]+/, 'cursor=…')).join(' · ')}`,
        ],
      },
    ];
  } finally {
    await api.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

runAsScript(module, async () => {
  const { printFigures } = await import('./support/report');
  printFigures(
    await requestListBench({
      seconds: Number(argument('--seconds') ?? 10),
      seed: Number(argument('--seed') ?? 42),
      events: Number(argument('--events') ?? 100_000),
    }),
  );
});
