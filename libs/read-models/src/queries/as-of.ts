import { sql } from 'kysely';
import type { ReadModelDb, ReadModelQueries } from '../store/read-model-store';
import { isSqlite } from '../store/upsert';
import { impactAsOf } from './impact-as-of.query';

type TagRow = { request_id: string; tag: string };

/**
 * The read models as they stood at a business time, under the names of the live tables: each is a common table
 * expression over its history (the summaries' versions valid at `asOf`, their tags, and the impact chain then), so
 * the live queries read the past unchanged, through indexes on the history, with no replay of the log. Not
 * materialized: each query's own conditions reach the history tables' indexes.
 *
 * The directory (names of departments, customers, agents) is read as it is now: it keeps no history, and a
 * query's rows name only entries that were registered before the requests they show were opened or assigned.
 */
export function readModelsAsOf(db: ReadModelDb, asOf: Date): ReadModelQueries {
  const at = asOf.toISOString();
  const valid = sql`v.valid_from <= ${at} and v.valid_to > ${at}`;
  const tagsOfVersions = isSqlite(db)
    ? sql<TagRow>`(select v.request_id, t.value as tag from request_versions v, json_each(v.tags) t where ${valid})`
    : sql<TagRow>`(select v.request_id, t.tag from request_versions v, jsonb_array_elements_text(v.tags::jsonb) as t(tag) where ${valid})`;
  return impactAsOf(db, asOf)
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
    ) as unknown as ReadModelQueries;
}
