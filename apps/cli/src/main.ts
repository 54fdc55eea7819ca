import 'reflect-metadata';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
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
  loadOrCreateSigningSecret,
  issueToken,
} from '@desk/application';
import { createEventStore, type EventStore } from '@desk/event-store';
import {
  allProjections,
  allWorkloads,
  createReadModelStore,
  departmentQueue,
  impactBlockers,
  impactChain,
  isMissingReadModel,
  readCheckpoints,
  replayUntil,
} from '@desk/read-models';
import { DomainError } from '@desk/domain';
import { ProgressBar } from './progress';

const USAGE = `usage: npm run sd -- <command> [options]

  import --file <log.csv> --mapping <mapping.json> [--report <report.csv>]
      import another desk's history; exit 1 when rows were rejected (see the report)
  events export [--after <position>] [--types <A,B>] [--stream-prefix <p>] [--from <time>] [--to <time>] [--out <file>]
      the global log as NDJSON (stdout by default)
  projections list
      checkpoint, head and lag of every projection
  projections rebuild|retry|skip <name> [--url <base url>]
      asks the running desk (the API, or the projector's PROJECTOR_PORT) to rebuild a read model beside the live one,
      or to retry or skip the event a faulted one stopped at; the token is SD_TOKEN, or an operator token signed
      with this desk's secret
  replay --as-of <time> [--queue <department> | --impact <request> | --blockers]
      every department's workload (or a queue, an impact chain, the blockers) as it stood then (JSON),
      the live read models untouched
  what-if --department <id> --from <time> --to <time> --standard <standard.json>
      SLA outcomes of the requests the department measured then, under the standard in the file
      ({"targets": [...], "calendar": {...}}) beside the one in force (needs built read models)
  demo
      fills an empty desk with a realistic organisation and a few days of its life

The stores are those of the environment: DATA_DIR, EVENTSTORE_URL, DATABASE_URL.`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, sub] = argv;
  const rest = argv.slice(command === 'events' || command === 'projections' ? 2 : 1);
  if (!command || command === 'help' || command === '--help') {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 2;
  }
  const config = loadConfig();
  switch (command) {
    case 'import':
      return importCommand(config, rest);
    case 'events':
      if (sub !== 'export') throw new UsageError(`events ${sub ?? ''}: the events command is "events export"`);
      return exportCommand(config, rest);
    case 'projections':
      if (sub === 'list') return projectionsCommand(config);
      if (sub === 'rebuild' || sub === 'retry' || sub === 'skip') return operateCommand(config, sub, argv.slice(2));
      throw new UsageError(`projections ${sub ?? ''}: the projections commands are list, rebuild, retry and skip`);
    case 'replay':
      return replayCommand(config, rest);
    case 'what-if':
      return whatIfCommand(config, rest);
    case 'demo': {
      options(rest, {});
      const loaded = await withStore(config, (store) => loadDemoDesk(store, new Date()));
      process.stderr.write(
        `demo desk loaded: ${loaded.requests} requests, ${loaded.events} events; start the API (npm start) to see its read models\n`,
      );
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

type Values<T extends Record<string, { type: 'string' | 'boolean' }>> = {
  [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string;
};

function options<T extends Record<string, { type: 'string' | 'boolean' }>>(args: string[], spec: T): Values<T> {
  try {
    return parseArgs({ args, options: spec, strict: true, allowPositionals: false }).values as Values<T>;
  } catch (error) {
    throw new UsageError((error as Error).message);
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

async function importCommand(config: AppConfig, args: string[]): Promise<number> {
  const values = options(args, { file: { type: 'string' }, mapping: { type: 'string' }, report: { type: 'string' } });
  if (!values.file || !values.mapping) throw new UsageError('import needs --file <log.csv> and --mapping <mapping.json>');
  let mapping;
  try {
    mapping = parseMapping(JSON.parse(readFileSync(values.mapping, 'utf8')));
  } catch (error) {
    if (error instanceof MappingError) throw error;
    throw new UsageError(`--mapping ${values.mapping}: ${(error as Error).message}`);
  }
  const reportFile = values.report ?? `import-report-${mapping.source}.csv`;
  const bar = new ProgressBar(`importing ${values.file}`);
  const started = Date.now();
  const result = await withStore(config, (store) =>
    importCsv({
      store,
      mapping,
      file: values.file!,
      onProgress: (p) => bar.update(p.casesDone, p.casesTotal, `cases, ${p.eventsAppended} events, ${p.rowsRejected} rows rejected`),
    }),
  );
  const quote = (value: string | number) => `"${String(value).replace(/"/g, '""')}"`;
  writeFileSync(
    reportFile,
    ['line,case,reason', ...result.rejected.map((r) => [r.line, r.caseId, r.reason].map(quote).join(','))].join('\n') + '\n',
  );
  bar.done(
    `${result.rowsRead} rows, ${result.casesTotal} cases: ${result.rowsImported} rows imported, ${result.rowsAlreadyImported} already imported, ` +
      `${result.rowsUnchanged} unchanged, ${result.rowsRejected} rejected (${reportFile}); ${result.eventsAppended} events appended in ${((Date.now() - started) / 1000).toFixed(1)} s`,
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
    out: { type: 'string' },
  });
  if (values.after !== undefined && !/^\d{1,20}$/.test(values.after)) throw new UsageError('--after must be a log position (digits)');
  const time = (name: 'from' | 'to') => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const at = Date.parse(raw);
    if (Number.isNaN(at)) throw new UsageError(`--${name} must be an ISO 8601 time, got '${raw}'`);
    return at;
  };
  const from = time('from');
  const to = time('to');
  const out: NodeJS.WritableStream = values.out ? createWriteStream(values.out) : process.stdout;
  let count = 0;
  await withStore(config, async (store) => {
    const head = await store.headPosition();
    const bar = new ProgressBar('exporting');
    const events = exportedEvents(
      store,
      {
        after: BigInt(values.after ?? '0'),
        eventTypes: values.types?.split(','),
        streamPrefixes: values['stream-prefix']?.split(','),
        from,
        to,
      },
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

async function projectionsCommand(config: AppConfig): Promise<number> {
  const readModels = await createReadModelStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const names = [...allProjections().map((projection) => projection.name), 'satisfaction-follow-up'];
    const checkpoints = await readCheckpoints(readModels.reader, names).catch(() => new Map<string, bigint>());
    const head = await withStore(config, (store) => store.headPosition());
    const rows = names.map((name) => {
      const checkpoint = checkpoints.get(name);
      return {
        name,
        checkpoint: checkpoint === undefined ? 'not built' : String(checkpoint),
        lag: checkpoint === undefined ? '-' : String(head - checkpoint),
      };
    });
    process.stdout.write(`head of the log: ${head}\n`);
    for (const row of rows) process.stdout.write(`${row.name.padEnd(24)} checkpoint ${row.checkpoint.padStart(10)}  lag ${row.lag}\n`);
    return 0;
  } finally {
    await readModels.close();
  }
}

async function operateCommand(config: AppConfig, action: 'rebuild' | 'retry' | 'skip', args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { url: { type: 'string' } }, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const [name] = parsed.positionals;
  if (!name || parsed.positionals.length > 1) throw new UsageError(`projections ${action} needs one projection name`);
  const base = parsed.values.url ?? `http://127.0.0.1:${config.port}`;
  const token = process.env.SD_TOKEN || issueOperatorToken(config);
  let response: Response;
  try {
    response = await fetch(`${base.replace(/\/$/, '')}/admin/projections/${encodeURIComponent(name)}/${action}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
  } catch (error) {
    process.stderr.write(`cannot reach the desk at ${base}: ${(error as Error).message}\n`);
    return 3;
  }
  const body = await response.text();
  process.stdout.write(body + '\n');
  if (!response.ok) process.stderr.write(`${action} ${name}: ${response.status}\n`);
  return response.ok ? 0 : 1;
}

function issueOperatorToken(config: AppConfig): string {
  if (config.authPublicKey) throw new UsageError('this desk verifies tokens from an identity provider: set SD_TOKEN to an operator token');
  return issueToken(loadOrCreateSigningSecret(config), 'sd-cli', 'operator', '5m', {
    audience: config.authAudience,
    issuer: config.authIssuer,
  });
}

async function replayCommand(config: AppConfig, args: string[]): Promise<number> {
  const values = options(args, {
    'as-of': { type: 'string' },
    queue: { type: 'string' },
    impact: { type: 'string' },
    blockers: { type: 'boolean' },
  });
  const asOf = values['as-of'] ? new Date(values['as-of']) : undefined;
  if (!asOf || Number.isNaN(asOf.getTime())) throw new UsageError('replay needs --as-of <ISO 8601 time>');
  const answer = await withStore(config, async (store) => {
    const head = await store.headPosition();
    const bar = new ProgressBar('replaying');
    bar.update(0, Number(head));
    const replay = await replayUntil(store, asOf);
    bar.done(`the log up to ${asOf.toISOString()} replayed`);
    try {
      if (values.queue) return await departmentQueue(replay.reader, values.queue, { limit: 200 }, asOf);
      if (values.impact) return (await impactChain(replay.reader, values.impact)) ?? { error: `no request ${values.impact} then` };
      if (values.blockers) return await impactBlockers(replay.reader, { limit: 200 });
      return { asOf: asOf.toISOString(), departments: await allWorkloads(replay.reader, {}, asOf) };
    } finally {
      await replay.close();
    }
  });
  process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
  return 0;
}

async function whatIfCommand(config: AppConfig, args: string[]): Promise<number> {
  const values = options(args, {
    department: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    standard: { type: 'string' },
  });
  if (!values.department || !values.from || !values.to || !values.standard) {
    throw new UsageError('what-if needs --department <id> --from <time> --to <time> --standard <standard.json>');
  }
  const from = new Date(values.from);
  const to = new Date(values.to);
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || from >= to)
    throw new UsageError('--from and --to must be ISO 8601 times, from before to');
  let standard: { targets?: unknown; calendar?: unknown };
  try {
    standard = JSON.parse(readFileSync(values.standard, 'utf8'));
  } catch (error) {
    throw new UsageError(`--standard ${values.standard}: ${(error as Error).message}`);
  }
  const readModels = await createReadModelStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
  try {
    const answer = await withStore(config, (store) =>
      slaWhatIf(
        store,
        readModels,
        { departmentId: values.department!, from, to, targets: standard.targets as never, calendar: (standard.calendar ?? null) as never },
        new Date(),
      ),
    );
    process.stdout.write(JSON.stringify(answer, null, 2) + '\n');
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    else if (error instanceof ConfigError) process.stderr.write(`configuration error: ${error.message}\n`);
    else if (error instanceof MappingError || error instanceof ImportFileError || error instanceof DeskNotEmptyError)
      process.stderr.write(`${error.message}\n`);
    else {
      process.stderr.write(`failed: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 3;
      return;
    }
    process.exitCode = 2;
  },
);
