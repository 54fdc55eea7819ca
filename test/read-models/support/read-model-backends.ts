import { dropSchema, freshSchema } from '../../support/postgres-schemas';
import {
  allProjections,
  createReadModelStore,
  decodeLogged,
  openSqlite,
  prepareProjection,
  type Projection,
  type ReadModelStore,
} from '@desk/read-models';
import type { RecordedEvent } from '@desk/event-store';
import { sql } from 'kysely';
import { describeSkipped } from '../../support/describe-skipped';

export type OpenReadModels = () => Promise<ReadModelStore>;

const databaseUrl = process.env.DATABASE_URL;

/** Runs the suite on the embedded read models, and on PostgreSQL where DATABASE_URL is set (a fresh schema per store). */
export function describeOnEveryReadModelStore(title: string, suite: (open: OpenReadModels) => void): void {
  describe(`${title} (embedded)`, () => suite(async () => openSqlite(':memory:')));
  if (!databaseUrl) {
    describeSkipped(`${title} (PostgreSQL)`, 'DATABASE_URL is not set');
    return;
  }
  describe(`${title} (PostgreSQL)`, () => suite(() => openPostgresReadModels(databaseUrl)));
}

export async function openPostgresReadModels(url: string, schema = freshSchema('rm')): Promise<ReadModelStore> {
  const store = await createReadModelStore({ dataDir: '', databaseUrl: url, schema });
  return {
    ...store,
    async close() {
      await store.close();
      await dropSchema(url, schema);
    },
  };
}

/** Given events: what the runner does with them, minus the subscription — batches of `batchSize`, one transaction each. */
export async function project(
  store: ReadModelStore,
  events: readonly RecordedEvent[],
  options: { batchSize?: number; projections?: Projection[] } = {},
): Promise<void> {
  const projections = options.projections ?? allProjections();
  const batchSize = options.batchSize ?? 1000;
  for (const projection of projections) {
    await prepareProjection(store, projection, new Date());
    for (let start = 0; start < events.length; start += batchSize) {
      const batch = events
        .slice(start, start + batchSize)
        .filter((event) => projection.eventTypes.has(event.type))
        .map(decodeLogged);
      if (batch.length === 0) continue;
      await store.writer.transaction().execute((trx) => projection.apply(trx, batch));
    }
  }
}

/** Every row of every read-model table, in key order: to compare two builds. */
export async function dumpReadModels(store: ReadModelStore): Promise<Record<string, unknown[]>> {
  const db = store.reader;
  return {
    departments: await db.selectFrom('departments').selectAll().orderBy('department_id').execute(),
    sla_calendars: await db.selectFrom('sla_calendars').selectAll().orderBy('department_id').orderBy('standard_version').execute(),
    request_summaries: await db.selectFrom('request_summaries').selectAll().orderBy('request_id').execute(),
    request_versions: await db.selectFrom('request_versions').selectAll().orderBy('request_id').orderBy('valid_from').execute(),
    request_changes: await db.selectFrom('request_changes').selectAll().orderBy('position').orderBy('seq').execute(),
    impact_nodes: await db.selectFrom('impact_nodes').selectAll().orderBy('request_id').execute(),
    impact_links: await db.selectFrom('impact_links').selectAll().orderBy('cause_id').orderBy('effect_id').execute(),
    impact_node_versions: await db.selectFrom('impact_node_versions').selectAll().orderBy('request_id').orderBy('valid_from').execute(),
    impact_link_versions: await db
      .selectFrom('impact_link_versions')
      .selectAll()
      .orderBy('cause_id')
      .orderBy('effect_id')
      .orderBy('valid_from')
      .execute(),
    workload_facts: await db.selectFrom('workload_facts').selectAll().orderBy('position').orderBy('seq').execute(),
    workload_requests: await db.selectFrom('workload_requests').selectAll().orderBy('request_id').execute(),
    request_search: await db.selectFrom('request_search').selectAll().orderBy('request_id').execute(),
    request_search_fts: await searchIndex(store),
    customers: await db.selectFrom('customers').selectAll().orderBy('customer_id').execute(),
    agents: await db.selectFrom('agents').selectAll().orderBy('agent_id').execute(),
    agent_departments: await db.selectFrom('agent_departments').selectAll().orderBy('agent_id').orderBy('department_id').execute(),
  };
}

/** What the full-text index holds: each word's place (document, field, offset) on SQLite, each document's tsvector on PostgreSQL. */
async function searchIndex(store: ReadModelStore): Promise<unknown[]> {
  if (store.dialect === 'postgres') {
    return (await sql`select doc_id, document::text as document from request_search_fts order by doc_id`.execute(store.reader)).rows;
  }
  const vocabulary = sql.table(`temp.request_search_words_${Math.random().toString(36).slice(2)}`);
  await sql`create virtual table ${vocabulary} using fts5vocab(main, request_search_fts, instance)`.execute(store.reader);
  try {
    return (await sql`select term, doc, col, "offset" from ${vocabulary} order by doc, col, "offset"`.execute(store.reader)).rows;
  } finally {
    await sql`drop table ${vocabulary}`.execute(store.reader);
  }
}
