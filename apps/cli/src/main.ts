import 'reflect-metadata';
import { createWriteStream } from 'node:fs';
import {
  keepCreatedFilesPrivate,
  ConfigError,
  DeskNotEmptyError,
  exportedEvents,
  exportLine,
  importCsv,
  ImportFileError,
  loadConfig,
  loadDemoDesk,
  MappingError,
  parseMapping,
  slaWhatIf,
  type AppConfig,
  type DemoDesk,
} from '@desk/application';
import { createEventStore, type EventStore } from '@desk/event-store';
import {
  allProjections,
  allWorkloads,
  chainDot,
  chainMermaid,
  createReadModelStore,
  departmentQueue,
  impactBlockers,
  impactChain,
  InvalidCursorError,
  isMissingReadModel,
  readCheckpoints,
  replayUntil,
  type ImpactChain,
  type ReadModelDb,
} from '@desk/read-models';
import { DomainError } from '@desk/domain';
import {
  eventTypes,
  identifier,
  integer,
  isoTime,
  logPosition,
  options,
  optionsAndPositionals,
  OUTPUT_OPTIONS,
  paging,
  PAGING_OPTIONS,
  readableFile,
  readSmallFile,
  streamPrefixes,
  timeRange,
  UsageError,
  type Paging,
} from './args';
import { DeskClient, deskUrl, DeskUnreachableError, problemLine } from './desk';
import { ImportReport } from './import-report';
import { Output, shortTime } from './output';
import { ProgressBar } from './progress';
import {
  blockersTable,
  chainTree,
  nextPageHint,
  projectionsTable,
  queueTable,
  whatIfTable,
  workloadsTable,
  type AdminProjection,
} from './render';

const USAGE = `usage: npm run sd -- <command> [options]     (or npx sd; build once first: npm run build)

  import --file <log.csv> --mapping <mapping.json> [--report <report.csv>] [--force]
      import another desk's history, with progress on stderr; the report (import-report-<source>.csv by default)
      lists the rejected rows and the values of imported rows not applied, with why, as the import goes, and
      replaces an existing file only with --force
      exit 0 imported, 1 rows were rejected (listed in the report), 2 bad arguments, mapping, file or report path
  events export [--after <position>] [--types <A,B>] [--stream-prefix <p>] [--from <time>] [--to <time>] [--limit <n>] [--out <file>]
      the global log as NDJSON (stdout by default), as GET /events
      exit 0, 2 bad arguments
  projections list [--url <desk>] [--json]
      state, checkpoint, lag, rate, rebuild progress and last error of every projection (asks the desk; the
      stored checkpoints only when it does not answer)
      exit 0, 1 the desk refused (another desk's token?), 2 bad arguments
  projections rebuild <name> [--wait | --no-wait] [--url <desk>] [--json]
      rebuilds a read model beside the live one; --wait (the default in a terminal) follows it to the swap
      exit 0 swapped in (or started, without --wait), 1 refused or faulted, 2 bad arguments, 3 desk unreachable
  projections retry|skip <name> [--url <desk>] [--json]
      tries again, or leaves out, the event a faulted projection stopped at
      exit 0, 1 refused (unknown projection, not faulted), 2 bad arguments, 3 desk unreachable
  replay --as-of <time> [--queue <department> | --impact <request> | --blockers] [--limit <n>] [--cursor <c> | --all]
      every department's workload (or a queue, an impact chain, the blockers) as it stood then; the live read
      models untouched
      exit 0, 1 no such request then (--impact), 2 bad arguments
  impact <request> [--as-of <time>] [--format tree|mermaid|dot|json]
      the request's impact chain (what holds it up, what it holds up) as a tree, or Mermaid or Graphviz DOT to
      paste or render; from the live read models, or as of a time from a replay
      exit 0, 1 no such request, 2 bad arguments or no read models yet
  what-if --department <id> --from <time> --to <time> --standard <standard.json> [--json]
      SLA outcomes of the requests the department measured then, under the standard in the file
      ({"targets": [...], "calendar": {...}}) beside the one in force (needs built read models)
      exit 0, 2 bad arguments, standard or no read models yet
  demo [--json]
      fills an empty desk with a realistic organisation and a few days of its life, and says what to look at
      exit 0, 2 the desk is not empty

Answers are tables in a terminal and JSON when piped or with --json (NDJSON, an item a line, with --all);
--table forces the table. Lists take --limit (1–200, default 50), --cursor <nextCursor> and --all.
The stores are those of the environment: DATA_DIR, EVENTSTORE_URL, DATABASE_URL. The desk is --url, else
SD_URL, else http://127.0.0.1:$PORT (3000); the token is SD_TOKEN, or an operator token signed with this
desk's secret.
Exit statuses: 0 done; 1 done, but something was refused or not found; 2 bad arguments, files or
configuration (one line naming what is wrong); 3 the desk or a store could not be reached, or an unexpected failure.`;

const VIEW_OPTIONS = { ...OUTPUT_OPTIONS, table: { type: 'boolean' } } as const;

async function main(argv: string[]): Promise<number> {
  const [command, sub] = argv;
  const rest = argv.slice(command === 'events' || command === 'projections' ? 2 : 1);
  if (!command || command === 'help' || argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  const config = loadConfig();
  // The desk's files made here (an import's or the demo's event store, reports) are as private as the API makes them.
  keepCreatedFilesPrivate();
  switch (command) {
    case 'import':
      return importCommand(config, rest);
    case 'events':
      if (sub !== 'export') throw new UsageError(`events ${sub ?? ''}: the events command is "events export"`);
      return exportCommand(config, rest);
    case 'projections':
      if (sub === 'list') return projectionsCommand(config, rest);
      if (sub === 'rebuild' || sub === 'retry' || sub === 'skip') return operateCommand(config, sub, rest);
      throw new UsageError(`projections ${sub ?? ''}: the projections commands are list, rebuild, retry and skip`);
    case 'replay':
      return replayCommand(config, rest);
    case 'impact':
      return impactCommand(config, rest);
    case 'what-if':
      return whatIfCommand(config, rest);
    case 'demo':
      return demoCommand(config, rest);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function withStore<T>(config: AppConfig, work: (store: EventStore) => Promise<T>): Promise<T> {
  const store = await createEventStore({ dataDir: config.dataDir, eventStoreUrl: config.eventStoreUrl });
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** A mapping is a page of JSON: anything larger is not one (and /dev/zero is refused before it fills the memory). */
const MAPPING_MAX_BYTES = 1024 * 1024;

async function importCommand(config: AppConfig, args: string[]): Promise<number> {
  const values = options(args, {
    file: { type: 'string' },
    mapping: { type: 'string' },
    report: { type: 'string' },
    force: { type: 'boolean' },
  });
  if (!values.file || !values.mapping) throw new UsageError('import needs --file <log.csv> and --mapping <mapping.json>');
  const text = readSmallFile('mapping', values.mapping, MAPPING_MAX_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--mapping ${values.mapping}: not JSON (${(error as Error).message})`);
  }
  let mapping;
  try {
    mapping = parseMapping(json);
  } catch (error) {
    if (error instanceof MappingError) throw new UsageError(`--mapping ${values.mapping}: ${error.message}`);
    throw error;
  }
  const file = readableFile('file', values.file);
  const report = ImportReport.open(
    values.report ?? `import-report-${mapping.source}.csv`,
    { '--file': file, '--mapping': values.mapping },
    values.force === true,
  );
  const bar = new ProgressBar(`importing ${file}`);
  const started = Date.now();
  let result;
  try {
    result = await withStore(config, (store) =>
      importCsv({
        store,
        mapping,
        file,
        onRejected: (rows) => report.write(rows),
        onNotApplied: (changes) => report.write(changes),
        onProgress: (p) =>
          bar.update(
            p.casesDone,
            p.casesTotal,
            `cases, ${p.eventsAppended} events, ${p.rowsRejected} rows rejected, ${p.changesNotApplied} values not applied`,
          ),
      }),
    );
  } catch (error) {
    report.abandon();
    if (error instanceof ImportFileError) throw new UsageError(`--file ${file}: ${error.message}`);
    throw error;
  }
  report.close();
  bar.done(
    `${result.rowsRead} rows, ${result.casesTotal} cases: ${result.rowsImported} rows imported, ${result.rowsAlreadyImported} already imported, ` +
      `${result.rowsUnchanged} unchanged, ${result.rowsRejected} rejected, ${result.changesNotApplied} values not applied (${report.path}); ` +
      `${result.eventsAppended} events appended in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return result.rowsRejected > 0 ? 1 : 0;
}

async function exportCommand(config: AppConfig, args: string[]): Promise<number> {
  const values = options(args, {
    after: { type: 'string' },
    types: { type: 'string' },
    'stream-prefix': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    limit: { type: 'string' },
    out: { type: 'string' },
  });
  const after = logPosition('after', values.after) ?? 0n;
  const types = eventTypes(values.types);
  const prefixes = streamPrefixes(values['stream-prefix']);
  const { from, to } = timeRange(values);
  const limit = integer('limit', values.limit, 1, 10_000_000);
  const out: NodeJS.WritableStream = values.out ? createWriteStream(values.out) : process.stdout;
  let count = 0;
  await withStore(config, async (store) => {
    const head = await store.headPosition();
    const bar = new ProgressBar('exporting');
    const events = exportedEvents(
      store,
      { after, eventTypes: types, streamPrefixes: prefixes, from: from?.getTime(), to: to?.getTime(), limit },
      (readUpTo) => values.out && bar.update(Number(readUpTo), Number(head), `${count} events`),
    );
    for await (const event of events) {
      if (!out.write(exportLine(event))) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
      count++;
    }
    if (values.out) {
      await new Promise<void>((resolve, reject) =>
        (out as ReturnType<typeof createWriteStream>).end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      bar.done(`${count} events written to ${values.out}`);
    }
  });
  return 0;
}

interface AdminList {
  head: string | null;
  /** The stores that did not answer the desk (eventStore, readModels). */
  unreachable?: string[];
  projections: AdminProjection[];
}

async function projectionsCommand(config: AppConfig, args: string[]): Promise<number> {
  const values = options(args, { ...VIEW_OPTIONS, url: { type: 'string' } });
  const out = new Output(values);
  const { base, said } = deskUrl(values.url, config);
  try {
    const desk = new DeskClient(base, config);
    if (said) process.stderr.write(said + '\n');
    const answer = await desk.call<AdminList>('GET', '/admin/projections');
    if (!answer.ok) {
      // A desk that answers but refuses is most often another desk than meant (its secret signs other tokens).
      process.stderr.write(`projections list: the desk at ${base} answered ${problemLine(answer.status, answer.body)}\n`);
      return 1;
    }
    if (out.json) out.document(answer.body);
    else projectionsTable(out, answer.body.head, answer.body.projections, answer.body.unreachable);
    return 0;
  } catch (error) {
    if (!(error instanceof DeskUnreachableError)) throw error;
    // No desk to ask: the checkpoints the read-model store holds are all there is to say.
    process.stderr.write(`${error.message}; the stored checkpoints only:\n`);
    const stored = await storedCheckpoints(config);
    if (out.json) out.document(stored);
    else projectionsTable(out, stored.head, stored.projections);
    return 0;
  }
}

async function storedCheckpoints(config: AppConfig): Promise<AdminList> {
  const readModels = await createReadModelStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const names = [...allProjections().map((projection) => projection.name), 'satisfaction-follow-up'];
    const checkpoints = await readCheckpoints(readModels.reader, names).catch(() => new Map<string, bigint>());
    const head = await withStore(config, (store) => store.headPosition());
    return {
      head: String(head),
      projections: names.map((name) => {
        const checkpoint = checkpoints.get(name);
        return checkpoint === undefined
          ? { name, state: 'not built', checkpoint: '-', lag: '-' }
          : { name, state: 'stored', checkpoint: String(checkpoint), lag: String(head - checkpoint) };
      }),
    };
  } finally {
    await readModels.close();
  }
}

// A copy that faults is dropped within about 200 ms (ReadSide.finishRebuild): polling faster than that sees it.
const POLL_MS = 100;

async function operateCommand(config: AppConfig, action: 'rebuild' | 'retry' | 'skip', args: string[]): Promise<number> {
  const { values, positionals } = optionsAndPositionals(args, {
    ...VIEW_OPTIONS,
    url: { type: 'string' },
    wait: { type: 'boolean' },
    'no-wait': { type: 'boolean' },
  });
  const [name] = positionals;
  if (!name || positionals.length > 1) throw new UsageError(`projections ${action} needs one projection name`);
  identifier('name', name, `the projection name of projections ${action}`);
  if (action !== 'rebuild' && (values.wait || values['no-wait']))
    throw new UsageError(`--wait follows a rebuild; ${action} answers at once`);
  if (values.wait && values['no-wait']) throw new UsageError('--wait or --no-wait, not both');
  const out = new Output(values);
  const { base, said } = deskUrl(values.url, config);
  const desk = new DeskClient(base, config);
  if (said) process.stderr.write(said + '\n');
  const answer = await desk.call<unknown>('POST', `/admin/projections/${encodeURIComponent(name)}/${action}`);
  if (!answer.ok) {
    process.stderr.write(`${action} ${name}: ${problemLine(answer.status, answer.body)}\n`);
    return 1;
  }
  const wait = action === 'rebuild' && (values.wait || (!values['no-wait'] && process.stderr.isTTY === true));
  if (!wait) {
    if (out.json) out.document(answer.body);
    else out.text(action === 'rebuild' ? `rebuild of ${name} started; follow it with: sd projections list` : `${action} ${name}: done`);
    return 0;
  }
  return followRebuild(desk, name, out, (answer.body as { rebuild?: { startedAt?: string } | null }).rebuild?.startedAt);
}

/** Polls the desk's projection list until the copy has swapped in, or stopped with the projection's error. */
async function followRebuild(desk: DeskClient, name: string, out: Output, startedAt: string | undefined): Promise<number> {
  const bar = new ProgressBar(`rebuilding ${name}`);
  const started = Date.now();
  let seenCopy: AdminProjection['rebuild'] = null;
  let first: { at: number; done: number } | undefined;
  for (;;) {
    const answer = await desk.call<AdminList>('GET', '/admin/projections');
    if (!answer.ok) throw new DeskUnreachableError(`the desk at ${desk.base} answered ${problemLine(answer.status, answer.body)}`);
    const live = answer.body.projections.find((projection) => projection.name === name);
    const copy = live?.rebuild ?? null;
    if (copy?.state === 'faulted' || copy?.state === 'stopped') {
      bar.done(`the copy ${copy.state} at position ${copy.checkpoint} of ${answer.body.head}`);
      process.stderr.write(`rebuild ${name}: ${copy.state}${live?.lastError ? `: ${live.lastError}` : ''}\n`);
      return 1;
    }
    if (copy) {
      seenCopy = copy;
      const done = Number(copy.checkpoint);
      const head = Number(answer.body.head);
      // The desk's rate is averaged over 5 s, which undercounts a rebuild's first seconds: the rate seen here is truer.
      first ??= { at: Date.now(), done };
      const seconds = (Date.now() - first.at) / 1000;
      const rate = seconds > 0.5 ? (done - first.done) / seconds : copy.rate;
      const eta = rate > 0 ? `, ${Math.ceil((head - done) / rate)} s to go` : '';
      bar.update(done, head, `at ${Math.round(rate)} events/s${eta}`);
    } else {
      if (live?.state === 'faulted') {
        bar.done('stopped');
        process.stderr.write(`rebuild ${name}: the projection is faulted: ${live.fault?.error ?? live.lastError ?? 'no error given'}\n`);
        return 1;
      }
      // A copy that faulted is dropped at once: the desk's record of how this rebuild ended tells it from a swap.
      const ended = live?.lastRebuild;
      if (ended && ended.startedAt === startedAt && ended.outcome !== 'swapped') {
        bar.done(ended.outcome);
        process.stderr.write(`rebuild ${name}: ${ended.outcome} at position ${ended.checkpoint}${ended.error ? `: ${ended.error}` : ''}\n`);
        return 1;
      }
      const summary = `swapped in after ${((Date.now() - started) / 1000).toFixed(1)} s; checkpoint ${live?.checkpoint ?? '?'} of ${answer.body.head}`;
      bar.done(summary);
      if (out.json) out.document({ name, rebuilt: true, checkpoint: live?.checkpoint, head: answer.body.head, lastCopy: seenCopy });
      return 0;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * The log read through a wrapper that tells how far it has got: a replay reads
 * the whole log a page at a time, and this is what moves its progress bar.
 */
function observedReads(store: EventStore, onRead: (position: bigint) => void): EventStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property !== 'readAll') return Reflect.get(target, property, receiver);
      return async (...args: Parameters<EventStore['readAll']>) => {
        const page = await target.readAll(...args);
        if (page.length > 0) onRead(page[page.length - 1].position);
        return page;
      };
    },
  });
}

async function replayed<T>(config: AppConfig, asOf: Date, work: (db: ReadModelDb) => Promise<T>): Promise<T> {
  return withStore(config, async (store) => {
    const head = await store.headPosition();
    const bar = new ProgressBar('replaying');
    bar.update(0, Number(head), 'events');
    const replay = await replayUntil(
      observedReads(store, (position) => bar.update(Number(position), Number(head), 'events')),
      asOf,
    );
    bar.done(`the log up to ${asOf.toISOString()} replayed`);
    try {
      return await work(replay.reader);
    } finally {
      await replay.close();
    }
  });
}

/** One page, or every page with --all: written as a page (JSON), NDJSON items, or a table per page. */
async function pages<T>(
  out: Output,
  page: Paging,
  read: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  table: (items: T[]) => void,
): Promise<void> {
  let cursor = page.cursor;
  let shown = 0;
  for (;;) {
    let answer;
    try {
      answer = await read(cursor);
    } catch (error) {
      if (error instanceof InvalidCursorError) throw new UsageError(`--cursor: ${error.message}`);
      throw error;
    }
    shown += answer.items.length;
    if (!page.all) {
      if (out.json) out.document(answer);
      else {
        table(answer.items);
        nextPageHint(out, answer.nextCursor, shown);
      }
      return;
    }
    if (out.json) answer.items.forEach((item) => out.line(item));
    else table(answer.items);
    if (!answer.nextCursor) {
      if (!out.json) nextPageHint(out, null, shown);
      return;
    }
    cursor = answer.nextCursor;
  }
}

async function replayCommand(config: AppConfig, args: string[]): Promise<number> {
  const values = options(args, {
    ...VIEW_OPTIONS,
    ...PAGING_OPTIONS,
    'as-of': { type: 'string' },
    queue: { type: 'string' },
    impact: { type: 'string' },
    blockers: { type: 'boolean' },
  });
  const raw = values['as-of'];
  if (raw === undefined) throw new UsageError('replay needs --as-of <ISO 8601 time>');
  let asOf: Date;
  try {
    asOf = isoTime('as-of', raw);
  } catch (error) {
    throw new UsageError(`replay needs --as-of <ISO 8601 time>: ${(error as Error).message}`);
  }
  const queue = identifier('queue', values.queue);
  const impact = identifier('impact', values.impact);
  if ([queue, impact, values.blockers].filter((chosen) => chosen !== undefined && chosen !== false).length > 1)
    throw new UsageError('replay answers one of --queue, --impact or --blockers at a time');
  const page = paging(values);
  if (impact && (values.limit || values.cursor || values.all))
    throw new UsageError('--impact answers one chain: it takes no --limit, --cursor or --all');
  const out = new Output(values);
  return replayed(config, asOf, async (db) => {
    if (queue) {
      await pages(
        out,
        page,
        (cursor) => departmentQueue(db, queue, { limit: page.limit, cursor }, asOf),
        (items) => queueTable(out, items),
      );
      return 0;
    }
    if (impact) return writeChain(out, await impactChain(db, impact), impact, out.json ? 'json' : 'tree', ` as of ${asOf.toISOString()}`);
    if (values.blockers) {
      await pages(
        out,
        page,
        (cursor) => impactBlockers(db, { limit: page.limit, cursor }),
        (items) => blockersTable(out, items),
      );
      return 0;
    }
    const departments = await allWorkloads(db, {}, asOf);
    const paged = values.limit !== undefined || values.cursor !== undefined || values.all === true;
    if (!paged) {
      if (out.json) out.document({ asOf: asOf.toISOString(), departments });
      else workloadsTable(out, asOf.toISOString(), departments);
      return 0;
    }
    await pages(
      out,
      page,
      async (cursor) => pageOf(departments, cursor, page.limit),
      (items) => workloadsTable(out, asOf.toISOString(), items),
    );
    return 0;
  });
}

/**
 * The workloads come whole from one query (a line per department): a page is
 * a slice of them, its cursor the last department shown.
 */
function pageOf<T extends { departmentId: string }>(all: T[], cursor: string | undefined, limit: number) {
  let start = 0;
  if (cursor !== undefined) {
    const after = Buffer.from(cursor, 'base64url').toString('utf8');
    const index = all.findIndex((item) => item.departmentId === after);
    if (index < 0) throw new InvalidCursorError('not a cursor of this list of workloads');
    start = index + 1;
  }
  const items = all.slice(start, start + limit);
  const more = start + limit < all.length;
  return { items, nextCursor: more ? Buffer.from(items[items.length - 1].departmentId).toString('base64url') : null };
}

const FORMATS = ['tree', 'mermaid', 'dot', 'json'] as const;
type ChainFormat = (typeof FORMATS)[number];

function writeChain(out: Output, chain: ImpactChain | null, requestId: string, format: ChainFormat, when = ''): number {
  if (!chain) {
    process.stderr.write(`no request ${requestId}${when}\n`);
    return 1;
  }
  if (format === 'json') out.document(chain);
  else if (format === 'mermaid') out.text(chainMermaid(chain));
  else if (format === 'dot') out.text(chainDot(chain));
  else out.text(chainTree(out, chain));
  return 0;
}

async function impactCommand(config: AppConfig, args: string[]): Promise<number> {
  const { values, positionals } = optionsAndPositionals(args, { ...VIEW_OPTIONS, 'as-of': { type: 'string' }, format: { type: 'string' } });
  const [requestId] = positionals;
  if (!requestId || positionals.length > 1) throw new UsageError('impact needs one request id: sd impact <request>');
  identifier('request', requestId, 'the request of impact');
  if (values.format !== undefined && !(FORMATS as readonly string[]).includes(values.format))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${values.format}'`);
  const out = new Output(values);
  const format = (values.format as ChainFormat | undefined) ?? (values.json ? 'json' : 'tree');
  if (values['as-of'] !== undefined) {
    const asOf = isoTime('as-of', values['as-of']);
    return replayed(config, asOf, async (db) =>
      writeChain(out, await impactChain(db, requestId), requestId, format, ` as of ${asOf.toISOString()}`),
    );
  }
  const readModels = await createReadModelStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    return writeChain(out, await impactChain(readModels.reader, requestId), requestId, format);
  } catch (error) {
    if (isMissingReadModel(error))
      throw new UsageError(
        'impact reads the read models, which are not built here yet: start the desk (npm start), or ask with --as-of <time>',
      );
    throw error;
  } finally {
    await readModels.close();
  }
}

const STANDARD_MAX_BYTES = 1024 * 1024;

async function whatIfCommand(config: AppConfig, args: string[]): Promise<number> {
  const values = options(args, {
    ...VIEW_OPTIONS,
    department: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    standard: { type: 'string' },
  });
  if (!values.department || !values.from || !values.to || !values.standard) {
    throw new UsageError('what-if needs --department <id> --from <time> --to <time> --standard <standard.json>');
  }
  const departmentId = identifier('department', values.department)!;
  const { from, to } = timeRange(values) as { from: Date; to: Date };
  const text = readSmallFile('standard', values.standard, STANDARD_MAX_BYTES);
  let standard: { targets?: unknown; calendar?: unknown };
  try {
    standard = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--standard ${values.standard}: not JSON (${(error as Error).message})`);
  }
  const out = new Output(values);
  const readModels = await createReadModelStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const answer = await withStore(config, (store) =>
      slaWhatIf(
        store,
        readModels,
        { departmentId, from, to, targets: standard.targets as never, calendar: (standard.calendar ?? null) as never },
        new Date(),
      ),
    );
    if (out.json) out.document(answer);
    else whatIfTable(out, answer);
    return 0;
  } catch (error) {
    if (error instanceof DomainError) throw new UsageError(error.message);
    if (isMissingReadModel(error))
      throw new UsageError('what-if reads the read models, which are not built here yet: start the desk (npm start) or a projector first');
    throw error;
  } finally {
    await readModels.close();
  }
}

async function demoCommand(config: AppConfig, args: string[]): Promise<number> {
  const values = options(args, VIEW_OPTIONS);
  const out = new Output(values);
  const demo = await withStore(config, (store) => loadDemoDesk(store, new Date()));
  process.stderr.write(`demo desk loaded: ${demo.requests} requests, ${demo.events} events\n`);
  if (out.json) out.document(demo);
  else out.text(tour(out, demo, config));
  return 0;
}

/** What the demo made, and where to look first. */
function tour(out: Output, demo: DemoDesk, config: AppConfig): string {
  const now = new Date().toISOString().slice(0, 19) + 'Z';
  return [
    out.bold('Created'),
    `  departments  ${demo.departments.join(', ')}`,
    `  customers    internal: ${demo.customers.internal.join(', ')}`,
    `               external: ${demo.customers.external.join(', ')}`,
    `  requests     ${demo.openRequests.length} open: ${demo.openRequests.join(', ')}`,
    `               ${demo.closedRequests.length} resolved or cancelled: ${demo.closedRequests.join(', ')}`,
    `  the vet clinic's impact chain: ${demo.vetClinicChain}`,
    '',
    out.dim(
      `Its history runs from ${shortTime(demo.from)} to ${shortTime(demo.to)} UTC, a few days back on purpose: requests left open are ` +
        'past their SLA targets, so the desk has breaches, at-risk work and resolution times to show (the SLA watch records ' +
        'the breaches the moment the desk starts).',
    ),
    '',
    out.bold('Look next'),
    `  1. npm start                                     the desk on port ${config.port}; its read models are built from the log`,
    "  2. npm run sd -- impact it-switch                the vet clinic's chain as a tree (--format mermaid for a wiki, dot for Graphviz)",
    `  3. npm run sd -- replay --as-of ${now} --queue front-desk`,
    "                                                   the front desk's queue then, by effective priority",
    '  4. npm run sd -- projections rebuild impact-chain --wait',
    '                                                   a read model rebuilt beside the live one, with progress',
    `  5. http://localhost:${config.port}/docs                  every route; a token: npm run -s token -- --sub you --role manager`,
  ].join('\n');
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`sd: ${error.message}\n`);
    else if (error instanceof ConfigError) process.stderr.write(`configuration error: ${error.message}\n`);
    else if (error instanceof MappingError || error instanceof ImportFileError || error instanceof DeskNotEmptyError)
      process.stderr.write(`${error.message}\n`);
    else if (error instanceof DeskUnreachableError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 3;
      return;
    } else {
      process.stderr.write(`failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 3;
      return;
    }
    process.exitCode = 2;
  },
);
