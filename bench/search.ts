/**
 * Full-text search on the request list (GET /requests?q=…) over the 1,000,000-event history, beside the same list
 * pages without q in the same run. The API runs from its build on a copy of the history's embedded store (its read
 * models built by its own catch-up at start). The searches are drawn from the history (seeded): a request picked at
 * random, one word of its subject, description or comments (two consecutive words one time in three), searched for
 * by staff (an agent) or by that request's requester (a requester token: their own requests only), in one of the
 * common shapes: q alone, q with the request's department (staff), q with open or with resolved and closed statuses.
 *
 * - The figure: one caller at a time for `--seconds`, each search followed by the same page without q (the
 *   reference), so each page has the API to itself.
 * - Side by side: 5 searchers and 5 list readers at once, 1 page/s each on average (exponential think times), for
 *   what a search costs the pages around it.
 * - The same searches again in this process, straight on the API's read-model file: through the same query code
 *   (searchRequestList on its own SQLite connection), and FTS5 alone (the match counted; the match ranked by bm25
 *   to its best 50): the engine's own time for them, without HTTP or the API's event loop.
 *
 *   node -r ./test/support/register-ts.js bench/search.ts [--seconds 10] [--events 1000000] [--seed 42]
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { fts5Query, openSqlite, parseSearch, requestList, searchRequestList, type RequestListFilter } from '@desk/read-models';
import type { RequestStatus } from '@desk/domain';
import { historyFile } from './history/history-store';
import { describeNoise, watchNoise } from './support/noise';
import { serverView } from './support/server-view';
import { startApi, tokenFor, type RunningService } from './support/service';
import { untilCaughtUp } from './support/projections';
import { percentile, round, say, type BenchFigure } from './support/report';
import { seededRandom, type Random } from './support/seeded-random';
import { argument, runAsScript } from './support/cli';

/** Callers of each kind side by side, and how often each sends a page on average. */
const CONCURRENT_EACH = 5;
const PAGES_PER_READER_PER_SECOND = 1;
const OPEN = 'new,assigned,in_progress,on_hold';
const DONE = 'resolved,closed';
/** A word held by more requests than this is a common one (the report splits the searches by it). */
const COMMON = 1_000;

/** A request of the history as the search index holds it at the end: its words, requester and department. */
interface Document {
  requesterId: string;
  departmentId: string;
  words: string[];
}

/** The same reading of text as words as the index (search-text.ts): folded, split on what is not a letter or digit. */
function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/\p{M}/gu, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

/** Every request of the history with the words the search index holds of it, and how many requests hold each word. */
function historyTexts(file: string): { documents: Document[]; holding: Map<string, number>; comments: number } {
  const db = new Database(file, { readonly: true });
  try {
    const byId = new Map<string, Document>();
    let comments = 0;
    const rows = db
      .prepare("SELECT type, data FROM events WHERE type IN ('RequestOpened', 'CommentAdded', 'RequestTransferred') ORDER BY position")
      .raw(true);
    for (const [type, data] of rows.iterate() as Iterable<[string, string]>) {
      const event = JSON.parse(data) as Record<string, string>;
      if (type === 'RequestOpened') {
        byId.set(event.requestId, {
          requesterId: event.requesterId,
          departmentId: event.departmentId,
          words: [...words(event.subject), ...words(event.description ?? '')],
        });
        continue;
      }
      const document = byId.get(event.requestId);
      if (!document) continue;
      if (type === 'RequestTransferred') document.departmentId = event.toDepartmentId;
      else {
        comments++;
        document.words.push(...words(event.body));
      }
    }
    const holding = new Map<string, number>();
    for (const document of byId.values()) for (const word of new Set(document.words)) holding.set(word, (holding.get(word) ?? 0) + 1);
    return { documents: [...byId.values()], holding, comments };
  } finally {
    db.close();
  }
}

type Caller = 'staff' | 'requester';
type Shape = 'q' | 'q+departmentId' | 'q+status';

/** One search of the run, and the list page it is the search of. */
interface Search {
  caller: Caller;
  requesterId: string;
  shape: Shape;
  q: string;
  departmentId?: string;
  status?: string;
  /** Requests holding its rarest word (a prefix may match more). */
  holding: number;
}

function drawSearches(random: Random, documents: Document[], holding: Map<string, number>, count: number): Search[] {
  const searches: Search[] = [];
  while (searches.length < count) {
    const document = documents[Math.floor(random() * documents.length)];
    if (document.words.length === 0) continue;
    const two = random() < 1 / 3 && document.words.length > 1;
    const at = Math.floor(random() * (document.words.length - (two ? 1 : 0)));
    const chosen = document.words.slice(at, at + (two ? 2 : 1));
    const caller: Caller = random() < 0.25 ? 'requester' : 'staff';
    const shapes: Shape[] = caller === 'staff' ? ['q', 'q+departmentId', 'q+status'] : ['q', 'q+status'];
    const shape = shapes[Math.floor(random() * shapes.length)];
    searches.push({
      caller,
      requesterId: document.requesterId,
      shape,
      q: chosen.join(' '),
      departmentId: shape === 'q+departmentId' ? document.departmentId : undefined,
      status: shape === 'q+status' ? (random() < 0.5 ? OPEN : DONE) : undefined,
      holding: Math.min(...chosen.map((word) => holding.get(word) ?? 0)),
    });
  }
  return searches;
}

function pathOf(search: Search, withQ: boolean): string {
  const parameters = new URLSearchParams();
  if (withQ) parameters.set('q', search.q);
  if (search.departmentId) parameters.set('departmentId', search.departmentId);
  if (search.status) parameters.set('status', search.status);
  parameters.set('limit', '50');
  return `/requests?${parameters.toString()}`;
}

interface Timed {
  search: Search;
  ms: number;
  status: number;
  items: number;
}

/**
 * Callers at their screens: each sends the next search of the sample (as a search, or as the same page without q),
 * looks at the answer for a while (exponential, mean 1/rate s) and sends the next.
 */
async function callers(
  api: RunningService,
  searches: Search[],
  withQ: boolean,
  seconds: number,
  readers: number,
  seed: number,
): Promise<Timed[]> {
  const random = seededRandom(seed);
  const timed: Timed[] = [];
  const tokens = new Map<string, string>();
  const tokenOf = (search: Search) => {
    const key = search.caller === 'staff' ? 'staff' : search.requesterId;
    let token = tokens.get(key);
    if (!token) tokens.set(key, (token = search.caller === 'staff' ? tokenFor('agent') : tokenFor('requester', search.requesterId)));
    return token;
  };
  const until = performance.now() + seconds * 1000;
  const meanThinkMs = 1000 / PAGES_PER_READER_PER_SECOND;
  let next = 0;
  const reader = async () => {
    await new Promise((resolve) => setTimeout(resolve, random() * meanThinkMs));
    while (performance.now() < until) {
      const search = searches[next++ % searches.length];
      const started = performance.now();
      const answer = await fetch(`${api.url}${pathOf(search, withQ)}`, { headers: { authorization: `Bearer ${tokenOf(search)}` } });
      const body = (await answer.json()) as { items?: unknown[] };
      timed.push({ search, ms: performance.now() - started, status: answer.status, items: body.items?.length ?? 0 });
      await new Promise((resolve) => setTimeout(resolve, -Math.log(1 - random()) * meanThinkMs));
    }
  };
  await Promise.all(Array.from({ length: readers }, () => reader()));
  return timed;
}

/**
 * One caller at a time: each search of the sample, then the same page without q, for `seconds`. Each page has the
 * API to itself, so the two are compared on equal terms and neither waits behind the other.
 */
async function oneAtATime(api: RunningService, searches: Search[], seconds: number): Promise<{ searched: Timed[]; listed: Timed[] }> {
  const searched: Timed[] = [];
  const listed: Timed[] = [];
  const staff = tokenFor('agent');
  const until = performance.now() + seconds * 1000;
  for (let n = 0; performance.now() < until; n++) {
    const search = searches[n % searches.length];
    const token = search.caller === 'staff' ? staff : tokenFor('requester', search.requesterId);
    for (const [withQ, into] of [
      [true, searched],
      [false, listed],
    ] as const) {
      const started = performance.now();
      const answer = await fetch(`${api.url}${pathOf(search, withQ)}`, { headers: { authorization: `Bearer ${token}` } });
      const body = (await answer.json()) as { items?: unknown[] };
      into.push({ search, ms: performance.now() - started, status: answer.status, items: body.items?.length ?? 0 });
    }
  }
  return { searched, listed };
}

interface Summary {
  count: number;
  p50: number;
  p99: number;
  failed: number;
}

function summary(timed: { ms: number; status?: number }[]): Summary {
  const sorted = timed.map((t) => t.ms).sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 50), 1),
    p99: round(percentile(sorted, 99), 1),
    failed: timed.filter((t) => t.status !== undefined && t.status !== 200).length,
  };
}

const line = (s: Summary) => `${s.count} pages, p50 ${s.p50} ms, p99 ${s.p99} ms${s.failed > 0 ? `, ${s.failed} failed` : ''}`;

function breakdown(timed: Timed[]): string {
  const groups = new Map<string, Timed[]>();
  for (const t of timed) {
    const key = `${t.search.caller} ${t.search.shape}`;
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([key, group]) => `${key}: ${line(summary(group))}`)
    .join('; ');
}

/** The same searches and pages in this process, on the API's read-model file through the same query code, one at a time. */
async function inProcess(dataDir: string, searches: Search[], withQ: boolean): Promise<{ ms: number }[]> {
  const store = openSqlite(join(dataDir, 'read-models.sqlite'));
  try {
    const timed: { ms: number }[] = [];
    for (const search of searches) {
      const requester = search.caller === 'requester';
      const filter: Omit<RequestListFilter, 'matches'> = {
        statuses: search.status?.split(',') as RequestStatus[] | undefined,
        departmentIds: search.departmentId ? [search.departmentId] : undefined,
        requesterId: requester ? search.requesterId : undefined,
        sort: 'updatedAt',
        order: 'desc',
        limit: 50,
      };
      const viewer = requester ? 'requester' : 'staff';
      const started = performance.now();
      if (withQ) await searchRequestList(store.reader, parseSearch(search.q), filter, true, new Date(), viewer);
      else await requestList(store.reader, filter, new Date(), viewer);
      timed.push({ ms: performance.now() - started });
    }
    return timed;
  } finally {
    await store.close();
  }
}

/**
 * The engine's own figures for the same searches, on the read-model file with better-sqlite3, one at a time: the
 * FTS5 match alone (its matches counted), and the match ranked by bm25 to its best 50 (what a page sorted by rank
 * needs of the index before it joins the list's rows).
 */
function engineFigures(dataDir: string, searches: Search[]): { count: Summary; ranked: Summary; matchesP50: number; matchesP99: number } {
  const db = new Database(join(dataDir, 'read-models.sqlite'), { readonly: true });
  try {
    const count = db.prepare('SELECT count(*) FROM request_search_fts WHERE request_search_fts MATCH ?').pluck();
    const ranked = db.prepare(
      'SELECT rowid FROM request_search_fts WHERE request_search_fts MATCH ? ORDER BY bm25(request_search_fts, 10, 4, 1, 1) LIMIT 50',
    );
    const counted: { ms: number }[] = [];
    const rankedTimes: { ms: number }[] = [];
    const matches: number[] = [];
    for (const search of searches) {
      const viewer = search.caller === 'staff' ? ({ role: 'staff' } as const) : ({ role: 'requester', requesterId: search.requesterId } as const);
      const expression = fts5Query(parseSearch(search.q), viewer);
      let started = performance.now();
      matches.push(Number(count.get(expression)));
      counted.push({ ms: performance.now() - started });
      started = performance.now();
      ranked.all(expression);
      rankedTimes.push({ ms: performance.now() - started });
    }
    matches.sort((a, b) => a - b);
    return { count: summary(counted), ranked: summary(rankedTimes), matchesP50: percentile(matches, 50), matchesP99: percentile(matches, 99) };
  } finally {
    db.close();
  }
}

export async function searchBench(options: { seconds: number; seed: number; events: number }): Promise<BenchFigure[]> {
  const file = await historyFile(options.seed, options.events, say);
  const texts = historyTexts(file);
  const searches = drawSearches(seededRandom(options.seed), texts.documents, texts.holding, 5_000);
  say(
    `search: ${texts.documents.length} requests, ${texts.holding.size} distinct words, ${texts.comments} comments in the history; ` +
      `${searches.filter((s) => s.holding > COMMON).length} of ${searches.length} searches drawn hold a word of more than ${COMMON} requests`,
  );
  const dataDir = mkdtempSync(join(tmpdir(), 'desk-bench-search-'));
  copyFileSync(file, join(dataDir, 'events.sqlite'));
  const spawned = performance.now();
  const api = await startApi({ DATA_DIR: dataDir });
  try {
    await untilCaughtUp(api);
    say(`search: the API started and built its read models from the history in ${((performance.now() - spawned) / 1000).toFixed(1)} s`);
    // Warm-up, on searches the measure does not send: the first pages compile the queries and fill SQLite's page cache.
    await oneAtATime(api, searches.slice(-500), 3);

    const { before } = await serverView(api, '/requests');
    const noise = watchNoise();
    const { searched, listed } = await oneAtATime(api, searches, options.seconds);
    const during = noise();
    const { view, before: afterAlone } = await serverView(api, '/requests', before);
    const search = summary(searched);
    const list = summary(listed);
    const common = summary(searched.filter((t) => t.search.holding > COMMON));
    const rare = summary(searched.filter((t) => t.search.holding <= COMMON));
    const empty = searched.filter((t) => t.items === 0).length;
    say(`one at a time: search pages ${line(search)}; the same pages without q ${line(list)}; ${describeNoise(during)}`);
    say(`search by shape: ${breakdown(searched)}`);
    say(`search by word: common (> ${COMMON} requests) ${line(common)}; rarer ${line(rare)}; ${empty} answered no match`);
    say(`the API's own view: ${view.describe}`);

    // Then callers side by side, searches and list pages at once: what a search costs the pages around it.
    const concurrentNoise = watchNoise();
    const [searchedTogether, listedTogether] = await Promise.all([
      callers(api, searches.slice(2_000), true, options.seconds, CONCURRENT_EACH, options.seed + 3),
      callers(api, searches.slice(2_000).reverse(), false, options.seconds, CONCURRENT_EACH, options.seed + 4),
    ]);
    const concurrentDuring = concurrentNoise();
    const { view: concurrentView } = await serverView(api, '/requests', afterAlone);
    const together = { search: summary(searchedTogether), list: summary(listedTogether) };
    say(`side by side: search pages ${line(together.search)}; list pages ${line(together.list)}; the API's own view: ${concurrentView.describe}`);

    const sent = searched.map((t) => t.search);
    const inProcessNoise = watchNoise();
    const inApi = summary(await inProcess(dataDir, sent, true));
    const inApiList = summary(await inProcess(dataDir, sent, false));
    const engine = engineFigures(dataDir, sent);
    const inProcessDuring = inProcessNoise();
    say(
      `in process, one at a time: searchRequestList ${line(inApi)}; requestList without q ${line(inApiList)}; ` +
        `FTS5 alone: counting the matches ${line(engine.count)}, ranking them to the best 50 ${line(engine.ranked)}; matches p50 ${engine.matchesP50}, p99 ${engine.matchesP99}; ${describeNoise(inProcessDuring)}`,
    );
    const failed = search.failed + list.failed + together.search.failed + together.list.failed;
    return [
      {
        workload: `GET /requests?q= search page of 50 over the ${options.events.toLocaleString('en')}-event history (words of its requests' texts; staff and requesters; q alone, with departmentId, with status), one caller at a time`,
        figure: search.p99,
        unit: 'ms p99',
        reference: { what: 'the same list pages without q, alternating with them', figure: list.p99, unit: 'ms p99' },
        ratio: list.p99 > 0 ? round(search.p99 / list.p99, 2) : undefined,
        target: '≤ 50 ms p99',
        met: search.p99 <= 50 && failed === 0,
        notes: [
          `search pages: ${line(search)}, ${empty} with no match; the same pages without q: ${line(list)}; ${describeNoise(during)}`,
          `by caller and shape: ${breakdown(searched)}`,
          `by word: those held by more than ${COMMON.toLocaleString('en')} requests (${round((common.count / search.count) * 100)}% of the searches) ${line(common)}; the rarer ${line(rare)}`,
          `the history's texts: ${texts.documents.length.toLocaleString('en')} requests, ${texts.holding.size.toLocaleString('en')} distinct words, ${texts.comments} comments (the generated history has none); a search is one word of a random request's text, two consecutive words one time in three`,
          `the API's own view (both kinds of page share the route): ${view.describe}`,
          `the same searches in process, one at a time, on the read-model file (no HTTP): searchRequestList ${line(inApi)}; requestList without q ${line(inApiList)}; FTS5 alone, counting the matches ${line(engine.count)}; ranking them by bm25 to the best 50 ${line(engine.ranked)}; matches per search p50 ${engine.matchesP50.toLocaleString('en')}, p99 ${engine.matchesP99.toLocaleString('en')}; ${describeNoise(inProcessDuring)}`,
          `side by side (${CONCURRENT_EACH} searchers and ${CONCURRENT_EACH} list readers at ${PAGES_PER_READER_PER_SECOND} pages/s each on average): search pages ${line(together.search)}; list pages without q ${line(together.list)}; the API's own view: ${concurrentView.describe}; ${describeNoise(concurrentDuring)}`,
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
    await searchBench({
      seconds: Number(argument('--seconds') ?? 10),
      seed: Number(argument('--seed') ?? 42),
      events: Number(argument('--events') ?? 1_000_000),
    }),
  );
});
