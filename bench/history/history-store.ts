import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { PostgresEventStore, SqliteEventStore, type EventStore } from '@desk/event-store';
import { generateHistory, ROOT, type GeneratedEvent } from './generate-history';

export const BENCH_DATA = join(ROOT, 'bench/.data');

/** Appends the events in their order; consecutive events of one stream go in one append, many appends share a commit. */
export async function appendAll(store: EventStore, events: GeneratedEvent[], chunk = 5_000): Promise<void> {
  for (let from = 0; from < events.length; from += chunk) {
    const appends: Promise<unknown>[] = [];
    let run: GeneratedEvent[] = [];
    const flush = () => {
      if (run.length > 0)
        appends.push(
          store.appendToStream(
            run[0].streamId,
            run.map((e) => e.event),
          ),
        );
      run = [];
    };
    for (const generated of events.slice(from, from + chunk)) {
      if (run.length > 0 && run[0].streamId !== generated.streamId) flush();
      run.push(generated);
    }
    flush();
    await Promise.all(appends);
  }
}

/**
 * The embedded event-store file of the generated desk of `size` events for
 * `seed`, generated on first use and kept in bench/.data (a minute's work
 * for a million events).
 */
export async function historyFile(seed: number, size: number, log: (line: string) => void = () => undefined): Promise<string> {
  mkdirSync(BENCH_DATA, { recursive: true });
  const file = join(BENCH_DATA, `history-${seed}-${size}.sqlite`);
  if (existsSync(file)) return file;
  const started = Date.now();
  const history = await generateHistory({ seed, size });
  log(
    `generated ${history.events.length} events (seed ${seed}): ${history.copies} copies of the Volvo log (${history.volvoEvents} events), ` +
      `${history.externalEvents} external-request events, ${history.impactEvents} impact events, ${history.rejectedActions} actions refused by the deciders, ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  const partial = `${file}.partial`;
  rmSync(partial, { force: true });
  rmSync(`${partial}-wal`, { force: true });
  const store = new SqliteEventStore(partial);
  await appendAll(store, history.events);
  await store.close();
  const db = new Database(partial);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  renameSync(partial, file);
  log(`wrote ${file} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return file;
}

/**
 * Copies a stored log into a PostgreSQL event store's schema as is
 * (positions, revisions, ids), in large multi-row inserts: preparing a
 * benchmark, not measuring the adapter.
 */
export async function copyToPostgres(file: string, connectionString: string, schema: string): Promise<void> {
  const store = await PostgresEventStore.connect({ connectionString, schema });
  await store.close();
  const source = new Database(file, { readonly: true });
  const client = new Client({ connectionString });
  await client.connect();
  try {
    await client.query(`TRUNCATE "${schema}".events, "${schema}".streams`);
    const rows = source
      .prepare('SELECT position, id, stream_id, revision, type, data, metadata, recorded_at FROM events ORDER BY position')
      .raw(true);
    let batch: unknown[][] = [];
    const insert = async () => {
      if (batch.length === 0) return;
      const columns = [0, 1, 2, 3, 4, 5, 6, 7].map((c) => batch.map((row) => row[c]));
      columns[7] = columns[7].map((ms) => new Date(Number(ms)).toISOString());
      await client.query(
        `INSERT INTO "${schema}".events (position, id, stream_id, revision, type, data, metadata, recorded_at)
         SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::jsonb[], $7::jsonb[], $8::timestamptz[])`,
        columns,
      );
      batch = [];
    };
    for (const row of rows.iterate() as Iterable<unknown[]>) {
      batch.push(row);
      if (batch.length === 5_000) await insert();
    }
    await insert();
    await client.query(
      `INSERT INTO "${schema}".streams (stream_id, revision) SELECT stream_id, max(revision) FROM "${schema}".events GROUP BY stream_id`,
    );
    await client.query(`ANALYZE "${schema}".events`);
  } finally {
    source.close();
    await client.end();
  }
}
