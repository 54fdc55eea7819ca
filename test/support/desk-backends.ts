import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { PostgresEventStore, SqliteEventStore, type EventStore } from '@desk/event-store';
import { createReadModelStore, openSqlite, type ReadModelStore } from '@desk/read-models';
import { openPostgresReadModels } from '../read-models/support/read-model-backends';

/**
 * Where a desk run as real processes keeps its events and read models, as the processes' environment
 * names it, and how a spec reads them from outside those processes.
 */
export interface DeskBackend {
  env: Record<string, string>;
  openEvents(): Promise<EventStore>;
  checkpoints(): Promise<Map<string, bigint>>;
  openReadModels(): Promise<ReadModelStore>;
  openFreshReadModels(): Promise<ReadModelStore>;
  cleanup(): Promise<void>;
}

export function embeddedBackend(dataDir: string): DeskBackend {
  return {
    env: { DATABASE_URL: '', EVENTSTORE_URL: '' },
    openEvents: async () => new SqliteEventStore(join(dataDir, 'events.sqlite')),
    async checkpoints() {
      try {
        const db = new Database(join(dataDir, 'read-models.sqlite'), { readonly: true, fileMustExist: true });
        try {
          const rows = db.prepare('select name, position from projection_checkpoints').all() as { name: string; position: string }[];
          return new Map(rows.map((row) => [row.name, BigInt(row.position)]));
        } finally {
          db.close();
        }
      } catch {
        return new Map();
      }
    },
    openReadModels: async () => openSqlite(join(dataDir, 'read-models.sqlite')),
    openFreshReadModels: async () => openSqlite(':memory:'),
    cleanup: async () => undefined,
  };
}

/**
 * The projector's read models live in schema desk_read and its PostgreSQL events in desk_events, names the
 * process does not let one change: a database of its own isolates this run from every other.
 */
export async function postgresBackend(databaseUrl: string): Promise<DeskBackend> {
  const database = `desk_processes_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = new Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  const own = url.toString();
  return {
    env: { DATABASE_URL: own, EVENTSTORE_URL: own },
    openEvents: () => PostgresEventStore.connect({ connectionString: own, schema: 'desk_events' }),
    async checkpoints() {
      const client = new Client({ connectionString: own });
      await client.connect();
      try {
        const { rows } = await client.query<{ name: string; position: string }>(
          'select name, position from desk_read.projection_checkpoints',
        );
        return new Map(rows.map((row) => [row.name, BigInt(row.position)]));
      } catch {
        return new Map();
      } finally {
        await client.end();
      }
    },
    openReadModels: () => createReadModelStore({ dataDir: '', databaseUrl: own, schema: 'desk_read' }),
    openFreshReadModels: () => openPostgresReadModels(own),
    async cleanup() {
      const client = new Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
