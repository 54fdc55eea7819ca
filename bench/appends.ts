/**
 * Appends through each event-store adapter beside raw inserts of the same
 * rows into the engine underneath, in the same run, with the same
 * durability. Two shapes, from the generated desk's first events:
 *
 * - commands: one event per append, 32 appends in flight (what the API does);
 * - import: the events of one stream in one append, 32 in flight.
 *
 * The raw reference inserts the same rows (same columns, same JSON text)
 * with the engine's own driver (SQLite: a prepared insert per row, its
 * fastest way; PostgreSQL: one multi-row insert per transaction), in as many
 * transactions as the adapter committed (group commit puts concurrent appends in one transaction), so
 * both pay the same number of fsyncs; what is left is the adapter's own work:
 * revision checks, idempotency lookups, savepoints and the stream table.
 *
 *   node -r ./test/support/register-ts.js bench/appends.ts [--events 20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { PostgresEventStore, SqliteEventStore, type EventStore } from '@desk/event-store';
import { generateHistory, type GeneratedEvent } from './history/generate-history';
import { round, say, type BenchFigure } from './support/report';
import { argument, benchDatabaseUrl, runAsScript } from './support/cli';

const IN_FLIGHT = 32;

interface Shape {
  name: string;
  appends: GeneratedEvent[][];
}

function shapes(events: GeneratedEvent[]): Shape[] {
  const byStream = new Map<string, GeneratedEvent[]>();
  for (const event of events) byStream.set(event.streamId, [...(byStream.get(event.streamId) ?? []), event]);
  return [
    { name: 'commands (one event per append)', appends: events.map((event) => [event]) },
    { name: 'import (one stream per append)', appends: [...byStream.values()] },
  ];
}

/** Appends with IN_FLIGHT concurrent callers; returns events/s. */
async function throughAdapter(store: EventStore, appends: GeneratedEvent[][]): Promise<number> {
  const started = performance.now();
  let next = 0;
  const caller = async () => {
    for (let index = next++; index < appends.length; index = next++) {
      const batch = appends[index];
      await store.appendToStream(
        batch[0].streamId,
        batch.map((e) => e.event),
      );
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, caller));
  return appends.reduce((sum, batch) => sum + batch.length, 0) / ((performance.now() - started) / 1000);
}

function rows(appends: GeneratedEvent[][]) {
  const revisions = new Map<string, number>();
  return appends.flat().map(({ streamId, event }) => {
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    return [event.id, streamId, revision, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata), Date.now()] as const;
  });
}

/** The same rows into a table of the same shape, same pragmas, in `transactions` transactions. */
function rawSqlite(file: string, appends: GeneratedEvent[][], transactions: number): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
    revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at INTEGER NOT NULL,
    UNIQUE (stream_id, revision)); CREATE INDEX events_by_type ON events (type, position);`);
  const insert = db.prepare('INSERT INTO events (id, stream_id, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const all = rows(appends);
  const perTransaction = Math.max(1, Math.ceil(all.length / transactions));
  const commit = db.transaction((chunk: (typeof all)[number][]) => {
    for (const row of chunk) insert.run(...row);
  });
  const started = performance.now();
  for (let start = 0; start < all.length; start += perTransaction) commit(all.slice(start, start + perTransaction));
  const rate = all.length / ((performance.now() - started) / 1000);
  db.close();
  return rate;
}

async function rawPostgres(url: string, schema: string, appends: GeneratedEvent[][], transactions: number): Promise<number> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`CREATE TABLE ${schema}.events (position BIGSERIAL PRIMARY KEY, id UUID NOT NULL UNIQUE, stream_id TEXT NOT NULL,
      revision BIGINT NOT NULL, type TEXT NOT NULL, data JSONB NOT NULL, metadata JSONB NOT NULL, recorded_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      UNIQUE (stream_id, revision))`);
    await client.query(`CREATE INDEX ON ${schema}.events (type, position)`);
    const all = rows(appends);
    const perTransaction = Math.max(1, Math.ceil(all.length / transactions));
    const started = performance.now();
    for (let start = 0; start < all.length; start += perTransaction) {
      await client.query('BEGIN');
      // The engine's fastest way in for many rows: one multi-row insert per transaction.
      const chunk = all.slice(start, start + perTransaction);
      await client.query(
        `INSERT INTO ${schema}.events (id, stream_id, revision, type, data, metadata)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[])`,
        [0, 1, 2, 3, 4, 5].map((column) => chunk.map((row) => row[column])),
      );
      await client.query('COMMIT');
    }
    return all.length / ((performance.now() - started) / 1000);
  } finally {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await client.end();
  }
}

export async function appendsBench(options: { events: number; seed: number }): Promise<BenchFigure[]> {
  const history = await generateHistory({ seed: options.seed, size: options.events });
  const figures: BenchFigure[] = [];
  for (const shape of shapes(history.events)) {
    const dir = mkdtempSync(join(tmpdir(), 'desk-bench-appends-'));
    try {
      const store = new SqliteEventStore(join(dir, 'events.sqlite'));
      const adapter = await throughAdapter(store, shape.appends);
      const commits = store.commitCount;
      await store.close();
      const raw = rawSqlite(join(dir, 'raw.sqlite'), shape.appends, commits);
      say(`embedded, ${shape.name}: adapter ${round(adapter)} events/s in ${commits} commits, raw ${round(raw)} events/s`);
      figures.push(
        figure(`appends through the embedded (SQLite) adapter, ${shape.name}`, adapter, raw, 'better-sqlite3 inserts', commits, shape),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const url = await benchDatabaseUrl();
  if (!url) {
    say('appends on PostgreSQL: skipped, no PostgreSQL reachable (set DATABASE_URL)');
    return figures;
  }
  for (const shape of shapes(history.events)) {
    const admin = new Client({ connectionString: url });
    await admin.connect();
    await admin.query('DROP SCHEMA IF EXISTS bench_appends CASCADE');
    await admin.end();
    const store = await PostgresEventStore.connect({ connectionString: url, schema: 'bench_appends' });
    const before = store.commitCount;
    const adapter = await throughAdapter(store, shape.appends);
    const commits = store.commitCount - before;
    await store.close();
    const raw = await rawPostgres(url, 'bench_appends_raw', shape.appends, commits);
    say(`PostgreSQL, ${shape.name}: adapter ${round(adapter)} events/s in ${commits} commits, raw ${round(raw)} events/s`);
    figures.push(figure(`appends through the PostgreSQL adapter, ${shape.name}`, adapter, raw, 'pg inserts', commits, shape));
  }
  return figures;
}

function figure(workload: string, adapter: number, raw: number, rawWhat: string, commits: number, shape: Shape): BenchFigure {
  const events = shape.appends.reduce((sum, batch) => sum + batch.length, 0);
  return {
    workload,
    figure: round(adapter),
    unit: 'events/s',
    reference: { what: `raw ${rawWhat} of the same rows, same number of transactions`, figure: round(raw), unit: 'events/s' },
    ratio: adapter / raw,
    target: '≥ 50% of raw inserts',
    met: adapter / raw >= 0.5,
    notes: [`${events} events in ${shape.appends.length} appends, ${IN_FLIGHT} in flight, ${commits} transactions (group commit)`],
  };
}

runAsScript(module, async () => {
  const { printFigures } = await import('./support/report');
  printFigures(await appendsBench({ events: Number(argument('--events') ?? 20_000), seed: Number(argument('--seed') ?? 42) }));
});
