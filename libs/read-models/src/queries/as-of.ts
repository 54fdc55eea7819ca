import { sql } from 'kysely';
import type { ReadModelDb, ReadModelQueries } from '../store/read-model-store';
import type { ReadModelTables } from '../store/read-model-tables';
import { isSqlite } from '../store/upsert';

type TagRow = { request_id: string; tag: string };

/**
 * The read models as they stood at a business time, under the names of the live tables: each is a common table
 * expression over its history (the versions valid at `asOf`, the departments, customers and agents registered by then), so the live
 * queries read the past unchanged, through indexes on the history, with no replay of the log. Not materialized:
 * each query's own conditions reach the history tables' indexes.
 */
export function readModelsAsOf(db: ReadModelDb, asOf: Date): ReadModelQueries {
  const at = asOf.toISOString();
  const sqlite = isSqlite(db);
  const valid = sql`v.valid_from <= ${at} and v.valid_to > ${at}`;
  const tagsOfVersions = sqlite
    ? sql<TagRow>`(select v.request_id, t.value as tag from request_versions v, json_each(v.tags) t where ${valid})`
    : sql<TagRow>`(select v.request_id, t.tag from request_versions v, jsonb_array_elements_text(v.tags::jsonb) as t(tag) where ${valid})`;
  // The live table under the name its expression hides: SQLite reads an unqualified name inside as the expression itself.
  const registeredBy = <Table extends 'departments' | 'customers' | 'agents'>(table: Table) =>
    sql<ReadModelTables[Table]>`(select * from ${sql.table(sqlite ? `main.${table}` : table)} where registered_at <= ${at})`;
  const withHistory = db
    .with(
      (cte) => cte('request_summaries').notMaterialized(),
      // A version's last change is never after its start: the bound lets the list's order by last change start at T.
      (qc) =>
        qc
          .selectFrom('request_versions')
          .selectAll()
          .where('valid_from', '<=', at)
          .where('valid_to', '>', at)
          .where('last_event_at', '<=', at),
    )
    .with(
      (cte) => cte('request_tags').notMaterialized(),
      () => tagsOfVersions,
    )
    .with(
      (cte) => cte('departments').notMaterialized(),
      () => registeredBy('departments'),
    )
    .with(
      (cte) => cte('customers').notMaterialized(),
      () => registeredBy('customers'),
    )
    .with(
      (cte) => cte('agents').notMaterialized(),
      () => registeredBy('agents'),
    );
  return withHistory as unknown as ReadModelQueries;
}
